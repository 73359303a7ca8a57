/**
 * A namespace's own Pod Security Admission labels, honoured: pods in a namespace labelled
 * `pod-security.kubernetes.io/enforce: <level>` (and `enforce-version`) are judged at that level and
 * version, as the cluster's admission will judge them; a namespace labelled `privileged` admits any
 * pod, so its pods get no PSS finding one by one and the namespace is reported once
 * (`k8s/namespace-psa-privileged`). Pods of cluster-scoped templates (ClusterServingRuntime,
 * ClusterWorkflowTemplate) run in the namespace of whoever uses them: the selected level applies.
 */
import type { ClusterIndex } from './cluster-index.js';
import type { ManifestObject } from './model.js';
import type { PssLevel } from './pss/checks.js';
import { PSS_MAX_MINOR } from './pss/checks.js';
import type { PssRun } from './pss/rules.js';
import type { PodTemplate } from './workloads.js';
import { asObject, asString } from './workloads.js';

export const PSA_ENFORCE = 'pod-security.kubernetes.io/enforce';
export const PSA_ENFORCE_VERSION = 'pod-security.kubernetes.io/enforce-version';

export type PsaLevel = PssLevel | 'privileged';

/** The enforce level (and version minor, when pinned) a Namespace object's labels set. */
export function namespaceEnforcement(ns: ManifestObject): { level: PsaLevel; minor?: number } | undefined {
  const labels = asObject(asObject(ns.value['metadata'])?.['labels']);
  const level = asString(labels?.[PSA_ENFORCE]);
  if (level !== 'privileged' && level !== 'baseline' && level !== 'restricted') return undefined;
  const version = asString(labels?.[PSA_ENFORCE_VERSION]);
  const m = version !== undefined ? /^v1\.(\d+)$/.exec(version) : null;
  const minor = m?.[1] !== undefined ? Math.min(Number(m[1]), PSS_MAX_MINOR) : undefined;
  return { level, ...(minor !== undefined && { minor }) };
}

/** The PSS run for a template: the selected one, or its namespace's; undefined in a privileged namespace. */
export function namespacePssRun(t: PodTemplate, index: ClusterIndex, selected: PssRun): PssRun | undefined {
  if (t.admission !== 'namespace') return selected;
  const ns = index.namespace(t.namespace);
  const e = ns !== undefined ? namespaceEnforcement(ns) : undefined;
  if (e === undefined) return selected;
  if (e.level === 'privileged') return undefined;
  return { level: e.level, minor: e.minor ?? selected.minor, pinned: e.minor !== undefined || selected.pinned };
}
