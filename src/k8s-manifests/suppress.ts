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
 */
import type { Finding } from '../findings/index.js';
import type { SuppressionMatcher } from '../rules/index.js';
import { applySuppressions, defineRule } from '../rules/index.js';
import type { FieldPath, ManifestObject } from './model.js';
import { locationOf } from './model.js';
import { SUPPRESS_ANNOTATION } from './options.js';
import type { PodTemplate } from './workloads.js';
import { asObject } from './workloads.js';

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

/** Identity of the object a k8s finding is located on. */
function objectKey(path: string, apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
  return `${path}\u0000${apiVersion}\u0000${kind}\u0000${namespace ?? ''}\u0000${name}`;
}

function idMatcher(ids: readonly string[]): (ruleId: string) => boolean {
  const exact = new Set(ids.filter((i) => !i.endsWith('*')));
  const prefixes = ids.filter((i) => i.endsWith('*')).map((i) => i.slice(0, -1));
  return (r) => exact.has(r) || prefixes.some((p) => r.startsWith(p));
}

/**
 * Mark findings covered by suppression annotations, and report malformed annotations.
 * Linear: findings are grouped by object, and only objects with annotations are consulted.
 */
export function applyAnnotationSuppressions(
  findings: readonly Finding[],
  objects: readonly ManifestObject[],
  templates: ReadonlyMap<ManifestObject, PodTemplate[]>,
  knownRuleIds: ReadonlySet<string>,
): Finding[] {
  const known = (id: string): boolean => (id.endsWith('*') ? id.length > 1 && [...knownRuleIds].some((k) => k.startsWith(id.slice(0, -1))) : knownRuleIds.has(id));
  const matchers = new Map<string, SuppressionMatcher[]>();
  const extra: Finding[] = [];
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
    const list = matchers.get(key) ?? [];
    for (const s of sources) {
      if (typeof s.value !== 'string') {
        extra.push(invalidSuppression.report({ location: locationOf(obj, s.path), message: `${SUPPRESS_ANNOTATION} must be a string of "rule-id: reason" lines` }));
        continue;
      }
      for (const entry of parseSuppressAnnotation(s.value, known)) {
        if ('error' in entry) {
          extra.push(invalidSuppression.report({ location: locationOf(obj, s.path), message: `${SUPPRESS_ANNOTATION}: ${entry.error}; nothing is suppressed by this entry` }));
          continue;
        }
        const matches = idMatcher(entry.ids);
        list.push({
          // The matcher's scope test does the id matching, since prefix ids (`k8s/pss-*`) cannot
          // live in a Set; matchers are only consulted for findings located on this object.
          ruleIds: '*',
          suppression: { reason: entry.reason, source: `annotation ${SUPPRESS_ANNOTATION} on ${obj.kind} ${obj.namespace ? `${obj.namespace}/` : ''}${obj.name}` },
          applies: (f) => matches(f.ruleId),
        });
      }
    }
    if (list.length > 0) matchers.set(key, list);
  }
  if (matchers.size === 0) return [...findings, ...extra];
  // Group findings by object so each group is checked only against its object's matchers.
  const out: Finding[] = [];
  for (const f of findings) {
    const l = f.location;
    const ms = l.kind === 'k8s-object' && f.ruleId !== invalidSuppression.id ? matchers.get(objectKey(l.path, l.apiVersion, l.objectKind, l.namespace, l.name)) : undefined;
    if (!ms) {
      out.push(f);
      continue;
    }
    const [marked] = applySuppressions([f], ms);
    out.push(marked ?? f);
  }
  return [...out, ...extra];
}
