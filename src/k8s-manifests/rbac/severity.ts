/**
 * Severity of RBAC findings, in one table (documented in docs/rules/k8s/rbac-*.md).
 *
 * Grant findings (who holds a risky rule):
 *   category            in a namespace   cluster-wide (or in kube-system)
 *   secrets-read        medium           high
 *   pod-create          medium           high
 *   pod-exec            medium           high
 *   token-create        medium           high
 *   nodes-proxy         —                high     (cluster-scoped resource)
 *   csr-approve         —                high
 *   admission-write     —                high
 *   escalate-bind       high             critical
 *   impersonate         high             critical
 *   wildcard (*,*,*)    high             critical
 *   wildcard (partial)  low              medium
 * then: restricted by resourceNames → one step lower (not below low); held by a public group
 * (system:anonymous, system:unauthenticated, system:authenticated, system:serviceaccounts) →
 * critical; aggregated into the built-in `view` role (meant to be harmless) → one step higher.
 *
 * Workload linkage (a pod's ServiceAccount holds the grant): cluster-wide (or kube-system) →
 * critical, namespaced → high, restricted → one step lower; token not mounted → info.
 */
import type { Severity } from '../../findings/index.js';
import { severityRank } from '../../findings/index.js';
import type { GrantCategory } from './permissions.js';
import type { Scope } from './resolve.js';
import { CLUSTER_EQUIVALENT_NAMESPACES } from './resolve.js';

const LADDER: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

export function stepSeverity(s: Severity, by: number, floor: Severity = 'info'): Severity {
  const i = Math.min(LADDER.length - 1, Math.max(LADDER.indexOf(floor), LADDER.indexOf(s) + by));
  return LADDER[i] ?? s;
}

export function maxSeverity(a: Severity, b: Severity): Severity {
  return severityRank(a) >= severityRank(b) ? a : b;
}

export type GradedCategory = GrantCategory | 'wildcard-full' | 'wildcard-partial';

export const GRANT_SEVERITY: Readonly<Record<GradedCategory, { readonly namespace: Severity; readonly cluster: Severity }>> = {
  'secrets-read': { namespace: 'medium', cluster: 'high' },
  'pod-create': { namespace: 'medium', cluster: 'high' },
  'pod-exec': { namespace: 'medium', cluster: 'high' },
  'token-create': { namespace: 'medium', cluster: 'high' },
  'nodes-proxy': { namespace: 'high', cluster: 'high' },
  'csr-approve': { namespace: 'high', cluster: 'high' },
  'admission-write': { namespace: 'high', cluster: 'high' },
  'escalate-bind': { namespace: 'high', cluster: 'critical' },
  impersonate: { namespace: 'high', cluster: 'critical' },
  'wildcard-full': { namespace: 'high', cluster: 'critical' },
  'wildcard-partial': { namespace: 'low', cluster: 'medium' },
};

export function isClusterLevel(scope: Scope): boolean {
  return scope.kind === 'cluster' || CLUSTER_EQUIVALENT_NAMESPACES.has(scope.namespace);
}

export interface HolderTraits {
  readonly scope: Scope;
  readonly restricted: boolean;
  /** A public group or anonymous user. */
  readonly public: boolean;
  /** Held through the built-in `view` role (extends what every viewer can do). */
  readonly viaView: boolean;
}

export function grantSeverity(cat: GradedCategory, h: HolderTraits): Severity {
  const row = GRANT_SEVERITY[cat];
  let s = isClusterLevel(h.scope) ? row.cluster : row.namespace;
  if (h.restricted) s = stepSeverity(s, -1, 'low');
  if (h.viaView) s = stepSeverity(s, 1);
  if (h.public) s = cat === 'wildcard-partial' ? maxSeverity(s, 'high') : 'critical';
  return s;
}

export function workloadGrantSeverity(scope: Scope, restricted: boolean): Severity {
  const s: Severity = isClusterLevel(scope) ? 'critical' : 'high';
  return restricted ? stepSeverity(s, -1) : s;
}
