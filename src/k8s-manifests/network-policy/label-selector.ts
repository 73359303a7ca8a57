/**
 * Kubernetes label selectors (`metav1.LabelSelector`) exactly as the API server reads them
 * (`LabelSelectorAsSelector` in apimachinery), for NetworkPolicy pod/namespace selectors and RBAC
 * aggregation rules.
 *
 * Semantics (the tricks a matcher gets wrong):
 * - `{}` (no matchLabels, no matchExpressions) selects EVERYTHING; an absent (`null`) selector selects
 *   nothing — callers decide which applies, since the meaning of "absent" depends on the field
 *   (a NetworkPolicy's `spec.podSelector` is a non-pointer struct, so missing = `{}`).
 * - matchLabels and matchExpressions are ANDed; every requirement must hold.
 * - `In` needs the key present with one of the values; `NotIn` holds when the key is ABSENT or its
 *   value is not listed; `Exists` / `DoesNotExist` test presence only.
 * - `In`/`NotIn` with no values, `Exists`/`DoesNotExist` with values, an unknown operator, or a
 *   non-string label value are rejected by the API server: the object never exists, so we report the
 *   selector as `invalid` (callers ignore the object and may report it) instead of guessing.
 * - A `null` matchLabels value decodes to `""` in Go (`map[string]string`), which is a valid value.
 *
 * Input is untrusted JSON: every function here is total (never throws) on arbitrary values.
 */
import type { Json } from '../model.js';

export type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  /** Empty for Exists/DoesNotExist. */
  readonly values: ReadonlySet<string>;
}

export type CompiledSelector =
  | { readonly kind: 'everything' }
  | { readonly kind: 'nothing' }
  | { readonly kind: 'invalid'; readonly reason: string }
  | { readonly kind: 'requirements'; readonly requirements: readonly Requirement[] };

export const EVERYTHING: CompiledSelector = Object.freeze({ kind: 'everything' });
export const NOTHING: CompiledSelector = Object.freeze({ kind: 'nothing' });

/** Label set of an object: only string values (the API rejects others). */
export type Labels = ReadonlyMap<string, string>;

const OPERATORS: ReadonlySet<string> = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

function isPlainObject(v: unknown): v is { [k: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Compile a LabelSelector. `undefined`/`null` compile to `absent` (returned as NOTHING unless the
 * caller passes `absentMeans: 'everything'`).
 */
export function compileLabelSelector(raw: unknown, absentMeans: 'nothing' | 'everything' = 'nothing'): CompiledSelector {
  if (raw === undefined || raw === null) return absentMeans === 'everything' ? EVERYTHING : NOTHING;
  if (!isPlainObject(raw)) return { kind: 'invalid', reason: 'selector is not a mapping' };
  const reqs: Requirement[] = [];
  const ml = raw['matchLabels'];
  if (ml !== undefined && ml !== null) {
    if (!isPlainObject(ml)) return { kind: 'invalid', reason: 'matchLabels is not a mapping' };
    for (const [k, v] of Object.entries(ml)) {
      let value: string;
      if (v === null) value = '';
      else if (typeof v === 'string') value = v;
      else return { kind: 'invalid', reason: `matchLabels value of ${JSON.stringify(k)} is not a string` };
      reqs.push({ key: k, operator: 'In', values: new Set([value]) });
    }
  }
  const me = raw['matchExpressions'];
  if (me !== undefined && me !== null) {
    if (!Array.isArray(me)) return { kind: 'invalid', reason: 'matchExpressions is not a list' };
    for (const [i, e] of me.entries()) {
      if (!isPlainObject(e)) return { kind: 'invalid', reason: `matchExpressions[${i}] is not a mapping` };
      const key = e['key'];
      const op = e['operator'];
      const vals = e['values'];
      if (typeof key !== 'string' || key === '') return { kind: 'invalid', reason: `matchExpressions[${i}].key is missing` };
      if (typeof op !== 'string' || !OPERATORS.has(op)) {
        return { kind: 'invalid', reason: `matchExpressions[${i}].operator ${JSON.stringify(op ?? null)} is not In, NotIn, Exists or DoesNotExist` };
      }
      const values = new Set<string>();
      if (vals !== undefined && vals !== null) {
        if (!Array.isArray(vals)) return { kind: 'invalid', reason: `matchExpressions[${i}].values is not a list` };
        for (const v of vals) {
          if (typeof v !== 'string') return { kind: 'invalid', reason: `matchExpressions[${i}].values holds a non-string` };
          values.add(v);
        }
      }
      if ((op === 'In' || op === 'NotIn') && values.size === 0) {
        return { kind: 'invalid', reason: `matchExpressions[${i}]: operator ${op} requires values` };
      }
      if ((op === 'Exists' || op === 'DoesNotExist') && values.size > 0) {
        return { kind: 'invalid', reason: `matchExpressions[${i}]: operator ${op} forbids values` };
      }
      reqs.push({ key, operator: op as Operator, values });
    }
  }
  return reqs.length === 0 ? EVERYTHING : { kind: 'requirements', requirements: reqs };
}

function holds(r: Requirement, value: string | undefined): boolean {
  switch (r.operator) {
    case 'In':
      return value !== undefined && r.values.has(value);
    case 'NotIn':
      return value === undefined || !r.values.has(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
  }
}

/** Whether `sel` selects an object with exactly `labels`. Invalid and absent selectors select nothing. */
export function selectorMatches(sel: CompiledSelector, labels: Labels): boolean {
  switch (sel.kind) {
    case 'everything':
      return true;
    case 'nothing':
    case 'invalid':
      return false;
    case 'requirements':
      return sel.requirements.every((r) => holds(r, labels.get(r.key)));
  }
}

export type Tristate = 'yes' | 'no' | 'unknown';

/**
 * Match against a PARTIALLY known label set: keys in `known` have the given values; other keys are
 * unknown unless `complete` (then absent). Used for namespaces that are not in the input, of which
 * only the automatic `kubernetes.io/metadata.name` label is known.
 */
export function selectorMatchesPartial(sel: CompiledSelector, known: Labels, complete: boolean): Tristate {
  switch (sel.kind) {
    case 'everything':
      return 'yes';
    case 'nothing':
    case 'invalid':
      return 'no';
    case 'requirements': {
      let unknown = false;
      for (const r of sel.requirements) {
        const v = known.get(r.key);
        if (v === undefined && !complete) {
          unknown = true;
          continue;
        }
        if (!holds(r, v)) return 'no';
      }
      return unknown ? 'unknown' : 'yes';
    }
  }
}

/** Labels of `metadata.labels` (non-string values are dropped: the API server rejects them). */
export function labelsOf(metadataLabels: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (!isPlainObject(metadataLabels)) return out;
  for (const [k, v] of Object.entries(metadataLabels)) {
    if (typeof v === 'string') out.set(k, v);
    else if (v === null) out.set(k, '');
  }
  return out;
}

/** A short readable form: `app=web,tier in (a,b),!legacy`; `{}` for everything. */
export function describeSelector(sel: CompiledSelector): string {
  switch (sel.kind) {
    case 'everything':
      return '{} (everything)';
    case 'nothing':
      return '(nothing)';
    case 'invalid':
      return `(invalid: ${sel.reason})`;
    case 'requirements':
      return sel.requirements
        .map((r) => {
          const vals = [...r.values];
          switch (r.operator) {
            case 'In':
              return vals.length === 1 ? `${r.key}=${vals[0] ?? ''}` : `${r.key} in (${vals.join(',')})`;
            case 'NotIn':
              return `${r.key} notin (${vals.join(',')})`;
            case 'Exists':
              return r.key;
            case 'DoesNotExist':
              return `!${r.key}`;
          }
        })
        .join(',');
  }
}

/**
 * Keys usable to index a selector (see selector-index.ts): a (key, value) pair every matched object
 * must carry, or a key it must carry, or nothing (the selector must be tested against everything).
 */
export function indexKeysOf(sel: CompiledSelector): { pairs: readonly (readonly [string, string])[] } | { key: string } | 'scan' | 'none' {
  if (sel.kind === 'nothing' || sel.kind === 'invalid') return 'none';
  if (sel.kind === 'everything') return 'scan';
  // Prefer an In requirement (fewest candidates), then Exists.
  let best: Requirement | undefined;
  for (const r of sel.requirements) {
    if (r.operator === 'In' && (best === undefined || best.operator !== 'In' || r.values.size < best.values.size)) best = r;
  }
  if (best) {
    const key = best.key;
    return { pairs: [...best.values].map((v) => [key, v] as const) };
  }
  const ex = sel.requirements.find((r) => r.operator === 'Exists');
  if (ex) return { key: ex.key };
  return 'scan';
}
