/**
 * Missing CPU / memory / ephemeral-storage limits (denial of service of shared, expensive GPU nodes).
 * LimitRange defaults of the namespace count as limits, so the rule needs the other objects of the
 * scan and does not run at admission.
 */
import { isGpuContainer } from '../accelerators.js';
import { templateRule } from '../k8s-rule.js';
import { locationOf } from '../model.js';
import { at, fires, goodPod, lines, silent } from '../sample-manifests.js';
import { asObject, containerLabel, containersOf } from '../workloads.js';

const RESOURCES = ['cpu', 'memory', 'ephemeral-storage'] as const;

export const missingResourceLimits = templateRule({
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
  check({ object, template: tpl, index }, report) {
    const defaults = index.defaultLimits(tpl.namespace);
    // Ephemeral containers cannot have resources; init containers run on the same node budget.
    for (const c of containersOf(tpl, ['initContainers', 'containers'])) {
      // A container a runtime completes (KServe framework spec, TrainJob trainer) gets its limits there.
      if (c.partial === true) continue;
      const limits = asObject(asObject(c.container['resources'])?.['limits']);
      const missing = RESOURCES.filter((r) => {
        const v = limits?.[r];
        return (v === undefined || v === null) && !defaults.has(r);
      });
      if (missing.length === 0) continue;
      const gpu = isGpuContainer(c.container);
      const severity = gpu ? 'high' : missing.some((r) => r !== 'cpu') ? 'medium' : 'low';
      report({
        location: locationOf(object, [...c.path, 'resources', 'limits']),
        severity,
        message: `${containerLabel(c)} has no ${missing.join(', ')} limit${missing.length > 1 ? 's' : ''}${gpu ? '; it uses GPUs, so exhausting the node takes down other GPU jobs on it' : ''}`,
      });
    }
  },
  cases: () => ({
    invalid: [
      fires('no memory limit', goodPod().replace('{cpu: "1", memory: 1Gi, ephemeral-storage: 1Gi}', '{cpu: "1"}'), at(20, 7, 'spec.containers[0].resources.limits', { severity: 'medium', messageIncludes: 'memory, ephemeral-storage' })),
      fires('GPU container without memory limit is high', goodPod().replace('{cpu: "1", memory: 1Gi, ephemeral-storage: 1Gi}', '{cpu: "8", nvidia.com/gpu: 1}'), at(20, 7, 'spec.containers[0].resources.limits', { severity: 'high' })),
    ],
    valid: [
      silent('all three limits', goodPod()),
      silent(
        'LimitRange defaults in the namespace',
        lines(
          goodPod().replace('      limits: {cpu: "1", memory: 1Gi, ephemeral-storage: 1Gi}', '      requests: {cpu: "1"}'),
          '---',
          'apiVersion: v1',
          'kind: LimitRange',
          'metadata: {name: defaults, namespace: default}',
          'spec:',
          '  limits:',
          '  - type: Container',
          '    default: {cpu: "2", memory: 4Gi, ephemeral-storage: 10Gi}',
        ),
      ),
    ],
  }),
});
