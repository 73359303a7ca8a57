/**
 * Suppressions by annotation (docs/rules/k8s/suppressions.md).
 *
 * ```yaml
 * metadata:
 *   annotations:
 *     bulwark.dev/suppress: |
 *       k8s/pss-privileged,k8s/gpu-device-host-access: the NVIDIA device plugin needs host devices
 *       k8s/image-not-pinned: pinned by the GPU operator's ClusterPolicy
 * ```
 * - One entry per line: a comma-separated list of rule ids, a colon, and a reason (required).
 *   An id may end in `*` to cover a family (`k8s/pss-*`); a bare `*` is not accepted.
 * - On the object's `metadata.annotations`, or (for workloads) on the pod template's annotations, so
 *   that charts which only expose `podAnnotations` can suppress too. The suppression covers the
 *   findings located on that object (any field), including RBAC and NetworkPolicy findings there.
 * - Suppressed findings are kept and marked (`suppressed: {reason, source}`), never dropped; they do
 *   not count for `--fail-on`.
 * - A malformed entry (no reason, no id, unknown rule id, bare `*`) is a `k8s/invalid-suppression`
 *   finding at the annotation and suppresses nothing, so a typo never hides a finding silently.
 * Findings of the loader (`k8s/duplicate-key`, `scan/*`) are produced before objects exist and are
 * not suppressible by annotation.
 *
 * Mechanics: `withAnnotationSuppressions` reads the annotations of the objects of one analysis before
 * any rule runs and wraps the Reporter: a finding whose location names an annotated object (a
 * `k8s-object` location, or the object of an admission request or audit event) gets `suppressed` set
 * on its way to the Reporter when an entry covers its rule.
 */
import type { Location, Suppression } from '../findings/index.js';
import type { ReportArgs, RuleMeta } from '../rules/index.js';
import { defineRule } from '../rules/index.js';
import type { RuleReporter } from './k8s-rule.js';
import type { FieldPath, ManifestObject } from './model.js';
import { locationOf } from './model.js';
import { SUPPRESS_ANNOTATION } from './options.js';
import { at, fires, goodPod, silent } from './sample-manifests.js';
import type { PodTemplate } from './workloads.js';
import { asObject } from './workloads.js';

const annotated = (annotation: string): string => goodPod().replace('  name: p\n', `  name: p\n  annotations:\n    bulwark.dev/suppress: ${annotation}\n`);

export const invalidSuppression = defineRule({
  id: 'k8s/invalid-suppression',
  title: 'Suppression annotation that cannot be applied',
  severity: 'low',
  description:
    'A `bulwark.dev/suppress` annotation entry is malformed (no reason, no rule id, an unknown rule id, or a bare `*`). It suppresses nothing: the findings it meant to cover are still reported. Requiring a reason and known ids keeps every accepted risk explicit and reviewable.',
  remediation:
    'Write one entry per line as `rule-id[,rule-id…]: reason`, with ids from `bulwark rules` (a trailing `*` covers a family, e.g. `k8s/pss-*`). Example: `k8s/pss-privileged: the GPU driver installer must load kernel modules`.',
  references: ['docs/rules/k8s/suppressions.md'],
  tags: ['k8s', 'suppression'],
  maturity: 'stable',
  admission: { level: 'baseline' },
  cases: () => ({
    invalid: [
      fires('no reason', annotated('"k8s/image-latest"'), at(6, 5, 'metadata.annotations["bulwark.dev/suppress"]', { messageIncludes: 'no reason' })),
      fires('unknown rule id', annotated('"k8s/run-as-root: legacy image"'), at(6, 5, 'metadata.annotations["bulwark.dev/suppress"]', { messageIncludes: 'not a known Kubernetes rule id' })),
    ],
    valid: [silent('well-formed', annotated('"k8s/image-not-pinned,k8s/pss-*: vendor image, reviewed 2025-01"'))],
  }),
});

export const SUPPRESS_RULES = [invalidSuppression] as const;

export interface ParsedSuppression {
  readonly ids: readonly string[];
  readonly reason: string;
}

/** Parse an annotation value; entries that are invalid come back as `{error}`. */
export function parseSuppressAnnotation(value: string, known: (id: string) => boolean): (ParsedSuppression | { error: string })[] {
  const out: (ParsedSuppression | { error: string })[] = [];
  for (const raw of value.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':'); // rule ids never contain a colon
    if (colon < 0) {
      out.push({ error: `entry ${JSON.stringify(line)} has no reason (write "rule-id: reason")` });
      continue;
    }
    const ids = line
      .slice(0, colon)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const reason = line.slice(colon + 1).trim();
    if (ids.length === 0) {
      out.push({ error: `entry ${JSON.stringify(line)} names no rule id` });
      continue;
    }
    if (reason === '') {
      out.push({ error: `entry for ${ids.join(', ')} has an empty reason` });
      continue;
    }
    const bad = ids.filter((id) => id === '*' || !known(id));
    if (bad.length > 0) {
      out.push({ error: `${bad.map((b) => JSON.stringify(b)).join(', ')} ${bad.length > 1 ? 'are not known Kubernetes rule ids' : 'is not a known Kubernetes rule id'}${bad.includes('*') ? ' (a bare * is not accepted)' : ''}` });
      continue;
    }
    out.push({ ids, reason });
  }
  return out;
}

/** Identity of the object a finding is located on. */
function objectKey(path: string, apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
  return `${path}\u0000${apiVersion}\u0000${kind}\u0000${namespace ?? ''}\u0000${name}`;
}

/** The object a finding location names, as an objectKey (undefined for locations without an object). */
function locationKey(l: Location): string | undefined {
  switch (l.kind) {
    case 'k8s-object':
      return objectKey(l.path, l.apiVersion, l.objectKind, l.namespace, l.name);
    case 'admission-request':
    case 'audit-event':
      return l.objectKind === undefined || l.name === undefined ? undefined : objectKey(l.path, l.apiVersion ?? '', l.objectKind, l.namespace, l.name);
    default:
      return undefined;
  }
}

function idMatcher(ids: readonly string[]): (ruleId: string) => boolean {
  const exact = new Set(ids.filter((i) => !i.endsWith('*')));
  const prefixes = ids.filter((i) => i.endsWith('*')).map((i) => i.slice(0, -1));
  return (r) => exact.has(r) || prefixes.some((p) => r.startsWith(p));
}

interface Entry {
  readonly covers: (ruleId: string) => boolean;
  readonly suppression: Suppression;
}

/**
 * Read the suppression annotations of `objects` (reporting malformed entries as
 * `k8s/invalid-suppression` at the annotation) and return the reporter the rules report through:
 * `reporter` itself when no object carries a valid entry, else a wrapper that marks the findings an
 * entry covers. Linear: one map lookup per finding, and only objects with annotations are consulted.
 */
export function withAnnotationSuppressions(
  objects: readonly ManifestObject[],
  templates: ReadonlyMap<ManifestObject, readonly PodTemplate[]>,
  knownRuleIds: ReadonlySet<string>,
  reporter: RuleReporter,
): RuleReporter {
  const prefixes = [...knownRuleIds];
  const known = (id: string): boolean => (id.endsWith('*') ? id.length > 1 && prefixes.some((k) => k.startsWith(id.slice(0, -1))) : knownRuleIds.has(id));
  const entries = new Map<string, Entry[]>();
  for (const obj of objects) {
    const sources: { value: unknown; path: FieldPath }[] = [];
    const own = asObject(asObject(obj.value['metadata'])?.['annotations'])?.[SUPPRESS_ANNOTATION];
    if (own !== undefined) sources.push({ value: own, path: ['metadata', 'annotations', SUPPRESS_ANNOTATION] });
    for (const t of templates.get(obj) ?? []) {
      const v = t.annotations.get(SUPPRESS_ANNOTATION);
      if (v !== undefined) sources.push({ value: v, path: [...t.metadataPath, 'annotations', SUPPRESS_ANNOTATION] });
    }
    if (sources.length === 0) continue;
    const key = objectKey(obj.path, obj.apiVersion, obj.kind, obj.namespace, obj.name);
    const list = entries.get(key) ?? [];
    for (const s of sources) {
      if (typeof s.value !== 'string') {
        reporter.report(invalidSuppression, { location: locationOf(obj, s.path), message: `${SUPPRESS_ANNOTATION} must be a string of "rule-id: reason" lines` });
        continue;
      }
      for (const entry of parseSuppressAnnotation(s.value, known)) {
        if ('error' in entry) {
          reporter.report(invalidSuppression, { location: locationOf(obj, s.path), message: `${SUPPRESS_ANNOTATION}: ${entry.error}; nothing is suppressed by this entry` });
          continue;
        }
        list.push({
          covers: idMatcher(entry.ids),
          suppression: { reason: entry.reason, source: `annotation ${SUPPRESS_ANNOTATION} on ${obj.kind} ${obj.namespace ? `${obj.namespace}/` : ''}${obj.name}` },
        });
      }
    }
    if (list.length > 0) entries.set(key, list);
  }
  if (entries.size === 0) return reporter;
  return {
    enabled: (rule) => reporter.enabled(rule),
    report(rule: RuleMeta, args: ReportArgs): void {
      if (args.suppressed === undefined && rule.id !== invalidSuppression.id) {
        const key = locationKey(args.location);
        const list = key === undefined ? undefined : entries.get(key);
        // The first entry that covers the rule wins.
        const hit = list?.find((e) => e.covers(rule.id));
        if (hit) {
          reporter.report(rule, { ...args, suppressed: hit.suppression });
          return;
        }
      }
      reporter.report(rule, args);
    },
  };
}
