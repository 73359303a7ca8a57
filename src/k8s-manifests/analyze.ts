/**
 * `analyzeManifests`: every Kubernetes rule over the loaded objects, then annotation suppressions.
 * One pass builds the context (pod templates and indexes, checks/context.ts); each object is then
 * checked once, so the cost is linear in the number of objects.
 */
import type { Finding } from '../findings/index.js';
import { checkExposure } from './checks/exposure.js';
import type { CheckContext } from './checks/context.js';
import { ClusterIndex } from './checks/context.js';
import { checkGpu } from './checks/gpu.js';
import { checkHostSockets } from './checks/host.js';
import { checkIdentity } from './checks/identity.js';
import { checkImages } from './checks/images.js';
import { checkModelVolumes } from './checks/models.js';
import { checkResources } from './checks/resources.js';
import { checkSecrets } from './checks/secrets.js';
import type { ManifestObject } from './model.js';
import type { K8sOptions } from './options.js';
import { resolveK8sOptions } from './options.js';
import { pssFindingsOf } from './pss/rules.js';
import { analyzeNetworkPolicies } from './network-policy/index.js';
import { analyzeRbac } from './rbac/index.js';
import { K8S_RULE_IDS } from './rule-list.js';
import { applyAnnotationSuppressions } from './suppress.js';

/** Run all Kubernetes rules (PSS, workload, GPU/AI, RBAC, NetworkPolicy) and apply suppressions. */
export function analyzeManifests(objects: readonly ManifestObject[], options: K8sOptions = {}): Finding[] {
  const opts = resolveK8sOptions(options);
  const index = new ClusterIndex(objects);
  const out: Finding[] = [];
  const ctx: CheckContext = { options: opts, index, out };
  for (const obj of objects) {
    const templates = index.templates.get(obj);
    if (templates) {
      for (const tpl of templates) {
        pssFindingsOf(obj, tpl, opts.pssLevel, opts.pssMinor, out, opts.pssPinned);
        checkHostSockets(obj, tpl, ctx);
        checkIdentity(obj, tpl, ctx);
        checkSecrets(obj, tpl, ctx);
        checkImages(obj, tpl, ctx);
        checkResources(obj, tpl, ctx);
        checkGpu(obj, tpl, ctx);
        checkModelVolumes(obj, tpl, ctx);
      }
    }
    checkExposure(obj, ctx);
  }
  for (const f of analyzeRbac(objects)) out.push(f);
  for (const f of analyzeNetworkPolicies(objects)) out.push(f);
  return applyAnnotationSuppressions(out, objects, index.templates, K8S_RULE_IDS);
}
