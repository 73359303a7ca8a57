/**
 * Missing CPU / memory / ephemeral-storage limits (denial of service of shared, expensive GPU nodes).
 */
import { defineRule } from '../../rules/index.js';
import type { ManifestObject } from '../model.js';
import { locationOf } from '../model.js';
import type { PodTemplate } from '../workloads.js';
import { asObject, containersOf } from '../workloads.js';
import type { CheckContext } from './context.js';
import { containerLabel, isGpuContainer } from './gpu.js';

export const missingResourceLimits = defineRule({
  id: 'k8s/missing-resource-limits',
  title: 'Container without CPU, memory or ephemeral-storage limits',
  severity: 'medium',
  description:
    'A container without memory and ephemeral-storage limits can use all of the node\u2019s RAM and disk: model downloads filling /tmp or the Hugging Face cache, a tokenizer or data loader leaking memory, or an attacker who got code execution. The kubelet then evicts other pods, and on GPU nodes the victims are the expensive training and inference jobs sharing the node. Missing CPU limits let one pod starve the data-loading and NCCL threads of its neighbours. Findings on containers that use GPUs are high. LimitRange defaults in the same namespace (from the scanned manifests) count as limits.',
  remediation:
    'Set `resources.limits.memory` and `resources.limits.ephemeral-storage` (and `cpu`, unless you deliberately rely on CPU requests and a node-level policy) on every container, or give the namespace a LimitRange with defaults. Keep model caches on volumes sized for them.',
  references: ['https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/', 'https://kubernetes.io/docs/concepts/policy/limit-range/'],
  tags: ['k8s', 'resources', 'availability'],
  maturity: 'stable',
});

export const RESOURCE_RULES = [missingResourceLimits] as const;

const RESOURCES = ['cpu', 'memory', 'ephemeral-storage'] as const;

export function checkResources(obj: ManifestObject, tpl: PodTemplate, ctx: CheckContext): void {
  const defaults = ctx.index.defaultLimits(tpl.namespace);
  // Ephemeral containers cannot have resources; init containers run on the same node budget.
  for (const c of containersOf(tpl, ['initContainers', 'containers'])) {
    const limits = asObject(asObject(c.container['resources'])?.['limits']);
    const missing = RESOURCES.filter((r) => {
      const v = limits?.[r];
      return (v === undefined || v === null) && !defaults.has(r);
    });
    if (missing.length === 0) continue;
    const gpu = isGpuContainer(c.container);
    const severity = gpu ? 'high' : missing.some((r) => r !== 'cpu') ? 'medium' : 'low';
    ctx.out.push(
      missingResourceLimits.report({
        location: locationOf(obj, [...c.path, 'resources', 'limits']),
        severity,
        message: `${containerLabel(c)} has no ${missing.join(', ')} limit${missing.length > 1 ? 's' : ''}${gpu ? '; it uses GPUs, so exhausting the node takes down other GPU jobs on it' : ''}`,
      }),
    );
  }
}
