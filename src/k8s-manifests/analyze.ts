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
import { gpuDevicePath, hostPathExposure } from './host-paths.js';
import { analyzeMesh } from './mesh.js';
import type { K8sRule } from './k8s-rule.js';
import type { ManifestObject } from './model.js';
import { analyzeNetworkPolicies } from './network-policy/index.js';
import { namespacePssRun } from './namespace-psa.js';
import type { K8sOptions, ResolvedK8sOptions } from './options.js';
import { resolveK8sOptions } from './options.js';
import type { PssLevel } from './pss/checks.js';
import type { PssRun } from './pss/rules.js';
import { reportPss } from './pss/rules.js';
import { analyzeRbac } from './rbac/index.js';
import { CHECK_RULES, K8S_RULE_IDS } from './rule-list.js';
import { clustersOf } from './scopes.js';
import { withAnnotationSuppressions } from './suppress.js';

/**
 * Run all Kubernetes rules (PSS, workload, GPU/AI, RBAC, NetworkPolicy); annotation suppressions mark
 * their findings. Objects are analysed one cluster at a time (scopes.ts: one per path argument unless
 * `oneCluster`).
 */
export function analyzeManifests(objects: readonly ManifestObject[], options: K8sOptions, reporter: Pick<Reporter, 'enabled' | 'report'>): void {
  const opts = resolveK8sOptions(options);
  for (const cluster of clustersOf(objects, opts)) analyzeCluster(cluster, opts, reporter);
}

function analyzeCluster(objects: readonly ManifestObject[], opts: ResolvedK8sOptions, reporter: Pick<Reporter, 'enabled' | 'report'>): void {
  const index = new ClusterIndex(objects);
  const sink = withAnnotationSuppressions(objects, index.templates, K8S_RULE_IDS, reporter);
  const pss: PssRun = { level: opts.pssLevel, minor: opts.pssMinor, pinned: opts.pssPinned, hostPathReportedElsewhere: hostPathsReportedBySpecificRules(sink) };
  dispatch({
    objects,
    index,
    options: opts,
    rules: CHECK_RULES,
    reporter: sink,
    perTemplate: (s) => {
      const run = namespacePssRun(s.template, index, pss);
      if (run !== undefined) reportPss(s, run, sink);
    },
  });
  analyzeRbac(objects, sink);
  analyzeNetworkPolicies(objects, sink);
  analyzeMesh(objects, index, sink);
}

/**
 * One fact, one finding: the hostPaths that k8s/runtime-socket-mount (node takeover, device and plugin
 * registration) or k8s/gpu-device-host-access (accelerator device nodes) report when they run, so that
 * the generic k8s/pss-host-path-volumes finding is not added for the same volume.
 */
function hostPathsReportedBySpecificRules(reporter: Pick<Reporter, 'enabled'>, running: readonly K8sRule[] = CHECK_RULES): (hostPath: string) => boolean {
  const on = (id: string): boolean => running.some((r) => r.id === id && reporter.enabled(r));
  const gpu = on('k8s/gpu-device-host-access');
  const runtime = on('k8s/runtime-socket-mount');
  return (p) => {
    if (gpu && gpuDevicePath(p) !== undefined) return true;
    const e = runtime ? hostPathExposure(p) : undefined;
    return e !== undefined && (e.severity === 'critical' || e.severity === 'high');
  };
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
  const rules = admissionRules(opts.pssLevel);
  const pss: PssRun = { level: opts.pssLevel, minor: opts.pssMinor, pinned: opts.pssPinned, hostPathReportedElsewhere: hostPathsReportedBySpecificRules(sink, rules) };
  dispatch({ objects, index, options: opts, rules, reporter: sink, perTemplate: (s) => reportPss(s, pss, sink) });
}
