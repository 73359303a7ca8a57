/**
 * Rule selection: which rules run, and at which severity, from the user's `rules:` settings.
 *
 * A setting names rules with a selector:
 * - `k8s/image-latest` — one rule id;
 * - `k8s/pss-*` — every id that starts with the text before `*` (a family);
 * - `tag:gpu` — every rule with that tag;
 * - `maturity:experimental` — every rule of that maturity.
 * and says `enabled` (on/off) and/or `severity`. The most specific selector wins (id, then family,
 * then tag, then maturity); among settings of the same specificity the later one wins. Without any
 * setting, stable and incubating rules run and experimental and deprecated ones do not (Falco's
 * default). Rules tagged `fail-closed` (`scan/*`: a target Bulwark could not fully analyse) cannot be
 * turned off or graded below high: that would turn "not analysed" into a silent pass. Suppress one of
 * their findings with a reason instead.
 *
 * Every state carries the reason it has (`bulwark rules` prints it).
 */
import type { Severity } from '../findings/index.js';
import { BulwarkError, SEVERITIES, atLeast, isSeverity } from '../findings/index.js';
import type { Maturity, RuleMeta } from './define-rule.js';
import { MATURITIES } from './define-rule.js';

export interface RuleSetting {
  readonly enabled?: boolean;
  readonly severity?: Severity;
}

export interface RuleSettingEntry {
  /** `id`, `family/*`, `tag:NAME` or `maturity:LEVEL`. */
  readonly selector: string;
  readonly setting: RuleSetting;
  /** Where the setting was written (`bulwark.yaml:3:3`, `--enable-rule`), for messages and reasons. */
  readonly origin?: string;
}

export interface RuleState {
  readonly enabled: boolean;
  /** Severity override (absent: the rule's own grading). */
  readonly severity?: Severity;
  /** Why: `default (stable)`, `bulwark.yaml:3:3 k8s/image-latest: off`, … */
  readonly reason: string;
}

export interface RuleSelection {
  state(rule: RuleMeta): RuleState;
}

type Selector =
  | { readonly kind: 'id'; readonly id: string }
  | { readonly kind: 'family'; readonly prefix: string }
  | { readonly kind: 'tag'; readonly tag: string }
  | { readonly kind: 'maturity'; readonly maturity: Maturity };

const SPECIFICITY: Readonly<Record<Selector['kind'], number>> = { maturity: 1, tag: 2, family: 3, id: 4 };

const DEFAULT_ON: ReadonlySet<Maturity> = new Set<Maturity>(['stable', 'incubating']);

function defaultState(rule: RuleMeta): RuleState {
  return { enabled: DEFAULT_ON.has(rule.maturity), reason: `default (${rule.maturity})` };
}

/** Stable and incubating rules at their own severities. */
export const DEFAULT_SELECTION: RuleSelection = { state: defaultState };

/** Parse a selector; throws a CONFIG error naming what is wrong. */
export function parseSelector(text: string): Selector {
  const s = text.trim();
  if (s.startsWith('tag:')) {
    const tag = s.slice(4).trim();
    if (tag === '') throw new BulwarkError('CONFIG', `"${text}": a tag selector needs a tag name (tag:gpu)`);
    return { kind: 'tag', tag };
  }
  if (s.startsWith('maturity:')) {
    const m = s.slice(9).trim();
    if (!(MATURITIES as readonly string[]).includes(m)) throw new BulwarkError('CONFIG', `"${text}": maturity must be one of ${MATURITIES.join(', ')}`);
    return { kind: 'maturity', maturity: m as Maturity };
  }
  if (s.endsWith('*')) {
    const prefix = s.slice(0, -1);
    if (prefix === '' || prefix.includes('*')) throw new BulwarkError('CONFIG', `"${text}": a family selector is a rule-id prefix followed by one * (k8s/pss-*)`);
    return { kind: 'family', prefix };
  }
  if (s.includes('*')) throw new BulwarkError('CONFIG', `"${text}": * is allowed only at the end (k8s/pss-*)`);
  return { kind: 'id', id: s };
}

function matches(sel: Selector, rule: RuleMeta): boolean {
  switch (sel.kind) {
    case 'id':
      return rule.id === sel.id;
    case 'family':
      return rule.id.startsWith(sel.prefix);
    case 'tag':
      return rule.tags.includes(sel.tag);
    case 'maturity':
      return rule.maturity === sel.maturity;
  }
}

/** The closest rule id to `id` (edit distance ≤ 3, or same name in another domain), for "did you mean". */
export function suggestRuleId(id: string, rules: readonly RuleMeta[]): string | undefined {
  let best: { id: string; d: number } | undefined;
  for (const r of rules) {
    const d = editDistance(id, r.id);
    if (d <= 3 && (best === undefined || d < best.d)) best = { id: r.id, d };
  }
  if (best) return best.id;
  const name = id.split('/').pop() ?? id;
  return rules.find((r) => r.id.endsWith(`/${name}`))?.id;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 4;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

function describeSetting(s: RuleSetting): string {
  const parts: string[] = [];
  if (s.enabled !== undefined) parts.push(s.enabled ? 'on' : 'off');
  if (s.severity !== undefined) parts.push(`severity ${s.severity}`);
  return parts.join(', ');
}

/**
 * Build the selection for `rules` from the user's settings. Validates every entry against the rules
 * (unknown ids, families or tags that match nothing, fail-closed rules turned off) and throws one
 * CONFIG error per problem, prefixed by the entry's origin.
 */
export function createSelection(rules: readonly RuleMeta[], entries: readonly RuleSettingEntry[]): RuleSelection {
  if (entries.length === 0) return DEFAULT_SELECTION;
  const parsed = entries.map((e, order) => {
    const where = e.origin === undefined ? '' : `${e.origin}: `;
    let sel: Selector;
    try {
      sel = parseSelector(e.selector);
    } catch (err) {
      throw new BulwarkError('CONFIG', `${where}${(err as Error).message}`);
    }
    const hits = rules.filter((r) => matches(sel, r));
    if (hits.length === 0) {
      if (sel.kind === 'id') {
        const hint = suggestRuleId(sel.id, rules);
        throw new BulwarkError('CONFIG', `${where}unknown rule id "${sel.id}"${hint === undefined ? '' : ` (did you mean ${hint}?)`}; \`bulwark rules\` lists them`);
      }
      if (sel.kind === 'tag') {
        const tags = [...new Set(rules.flatMap((r) => r.tags))].sort();
        throw new BulwarkError('CONFIG', `${where}no rule has the tag "${sel.tag}" (tags: ${tags.join(', ')})`);
      }
      if (sel.kind === 'family') throw new BulwarkError('CONFIG', `${where}no rule id starts with "${sel.prefix}"`);
      // A maturity that no rule has today is a valid, empty selector.
    }
    if (e.setting.severity !== undefined && !isSeverity(e.setting.severity)) {
      throw new BulwarkError('CONFIG', `${where}severity must be one of ${SEVERITIES.join(', ')}`);
    }
    for (const r of hits) {
      if (!r.tags.includes('fail-closed')) continue;
      if (e.setting.enabled === false) {
        throw new BulwarkError('CONFIG', `${where}${r.id} is a fail-closed rule (the target was not fully analysed) and cannot be turned off; suppress a specific finding with a reason instead`);
      }
      if (e.setting.severity !== undefined && !atLeast(e.setting.severity, 'high')) {
        throw new BulwarkError('CONFIG', `${where}${r.id} is a fail-closed rule and cannot be graded below high`);
      }
    }
    return { sel, entry: e, order };
  });
  const cache = new Map<string, RuleState>();
  return {
    state(rule: RuleMeta): RuleState {
      const hit = cache.get(rule.id);
      if (hit) return hit;
      const base = defaultState(rule);
      let enabled: { v: boolean; spec: number; order: number; why: string } | undefined;
      let severity: { v: Severity; spec: number; order: number; why: string } | undefined;
      for (const p of parsed) {
        if (!matches(p.sel, rule)) continue;
        const spec = SPECIFICITY[p.sel.kind];
        const why = `${p.entry.origin === undefined ? 'config' : p.entry.origin} ${p.entry.selector}: ${describeSetting(p.entry.setting)}`;
        const better = (cur: { spec: number; order: number } | undefined): boolean => cur === undefined || spec > cur.spec || (spec === cur.spec && p.order > cur.order);
        if (p.entry.setting.enabled !== undefined && better(enabled)) enabled = { v: p.entry.setting.enabled, spec, order: p.order, why };
        if (p.entry.setting.severity !== undefined && better(severity)) severity = { v: p.entry.setting.severity, spec, order: p.order, why };
      }
      const reasons = [enabled?.why, severity !== undefined && severity.why !== enabled?.why ? severity.why : undefined].filter((x): x is string => x !== undefined);
      const state: RuleState = {
        enabled: enabled?.v ?? base.enabled,
        ...(severity !== undefined && { severity: severity.v }),
        reason: reasons.length > 0 ? reasons.join('; ') : base.reason,
      };
      cache.set(rule.id, state);
      return state;
    },
  };
}
