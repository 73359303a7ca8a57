/**
 * The domain's two analyses, both reporting through the one Reporter:
 * - `analyzeManifests`: every Kubernetes rule over the objects of a scan (PSS at the chosen level and
 *   version, the per-template and per-object rules of `rules/`, RBAC, NetworkPolicy), with
 *   `bulwark.dev/suppress` annotations applied. One pass builds the cluster index; each object is then
 *   checked once, so the cost is linear in the number of objects.
 * - `reviewObject`: what an admission webhook runs on one object as it arrives: the rules that can
 *   judge an object alone (`admission` metadata) at a PSS-style level and version.
 */
import type { Reporter } from '../rules/index.js';
import { ClusterIndex } from './cluster-index.js';
import { dispatch } from './dispatch.js';
import type { K8sRule } from './k8s-rule.js';
import type { ManifestObject } from './model.js';
import { analyzeNetworkPolicies } from './network-policy/index.js';
import type { K8sOptions } from './options.js';
import { resolveK8sOptions } from './options.js';
import type { PssLevel } from './pss/checks.js';
import { reportPss } from './pss/rules.js';
import { analyzeRbac } from './rbac/index.js';
import { CHECK_RULES, K8S_RULE_IDS } from './rule-list.js';
import { withAnnotationSuppressions } from './suppress.js';

/** Run all Kubernetes rules (PSS, workload, GPU/AI, RBAC, NetworkPolicy); annotation suppressions mark their findings. */
export function analyzeManifests(objects: readonly ManifestObject[], options: K8sOptions, reporter: Reporter): void {
  const opts = resolveK8sOptions(options);
  const index = new ClusterIndex(objects);
  const sink = withAnnotationSuppressions(objects, index.templates, K8S_RULE_IDS, reporter);
  const pss = { level: opts.pssLevel, minor: opts.pssMinor, pinned: opts.pssPinned };
  dispatch({ objects, index, options: opts, rules: CHECK_RULES, reporter: sink, perTemplate: (s) => reportPss(s, pss, sink) });
  analyzeRbac(objects, sink);
  analyzeNetworkPolicies(objects, sink);
}

export interface ReviewOptions {
  /** The namespace's level: baseline runs the baseline rules, restricted runs all admission rules. */
  readonly level: PssLevel;
  /** PSS policy version: `latest` or `v1.N`. */
  readonly version: string;
  /** RuntimeClass names accepted as sandboxes besides kata*, gvisor*, runsc* (no RuntimeClass objects are known at admission). */
  readonly sandboxRuntimeClasses?: readonly string[];
}

/** Whether a namespace at `level` runs a rule of admission level `ruleLevel`. */
export function admissionLevelCovers(level: PssLevel, ruleLevel: PssLevel): boolean {
  return ruleLevel === 'baseline' || level === 'restricted';
}

/** The per-template and per-object rules that run at admission at `level`. */
export function admissionRules(level: PssLevel): readonly K8sRule[] {
  return CHECK_RULES.filter((r) => r.admission !== undefined && admissionLevelCovers(level, r.admission.level));
}

/**
 * Admission: run the rules that can judge ONE object alone (rules with `admission` metadata) at a
 * PSS-style level and version: the PSS checks of that level and version, and the other admission
 * rules whose level the namespace's level covers. The object is its own cluster (no other object is
 * known). `bulwark.dev/suppress` annotations on the object mark findings as suppressed (they are still
 * reported; the admission policy decides whether a suppressed finding may pass).
 * Throws a USAGE BulwarkError on an invalid version.
 */
export function reviewObject(obj: ManifestObject, options: ReviewOptions, reporter: Reporter): void {
  const opts = resolveK8sOptions({ pssLevel: options.level, pssVersion: options.version, ...(options.sandboxRuntimeClasses !== undefined && { sandboxRuntimeClasses: options.sandboxRuntimeClasses }) });
  const objects = [obj];
  const index = new ClusterIndex(objects);
  const sink = withAnnotationSuppressions(objects, index.templates, K8S_RULE_IDS, reporter);
  const pss = { level: opts.pssLevel, minor: opts.pssMinor, pinned: opts.pssPinned };
  dispatch({ objects, index, options: opts, rules: admissionRules(opts.pssLevel), reporter: sink, perTemplate: (s) => reportPss(s, pss, sink) });
}
