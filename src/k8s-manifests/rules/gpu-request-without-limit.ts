/** Device-plugin resources requested without an equal limit (the API server rejects such pods). */
import { DEVICE_RESOURCE } from '../accelerators.js';
import { templateRule } from '../k8s-rule.js';
import type { Json } from '../model.js';
import { locationOf } from '../model.js';
import { at, fires, goodPod, silent } from '../sample-manifests.js';
import { asObject, containerLabel, containersOf } from '../workloads.js';

const sameQuantity = (a: Json | undefined, b: Json | undefined): boolean => a !== undefined && b !== undefined && String(a) === String(b);

export const gpuRequestWithoutLimit = templateRule({
  id: 'k8s/gpu-request-without-limit',
  title: 'GPU requested without an equal limit',
  severity: 'high',
  description:
    'Device-plugin resources (nvidia.com/gpu, MIG slices, amd.com/gpu, gpu.intel.com/*, habana.ai/gaudi, aws.amazon.com/neuron, google.com/tpu …) cannot be overcommitted: Kubernetes allocates them by `limits`, and requires a request to equal the limit. A request without a limit is rejected by the API server, so the training or inference workload never starts (a controller keeps retrying); a request different from the limit is rejected as well. Tools that read only requests (quota dashboards, cost tools) then disagree with what the scheduler does.',
  remediation: 'Put the accelerator in `resources.limits` (for example `nvidia.com/gpu: 1`); the request is defaulted to the limit. If you keep a request, make it equal to the limit.',
  references: ['https://kubernetes.io/docs/tasks/manage-gpus/scheduling-gpus/', 'https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#extended-resources'],
  tags: ['k8s', 'gpu', 'resources'],
  maturity: 'stable',
  admission: { level: 'baseline' },
  check({ object, template }, report) {
    for (const c of containersOf(template)) {
      const req = asObject(asObject(c.container['resources'])?.['requests']);
      const lim = asObject(asObject(c.container['resources'])?.['limits']);
      if (!req) continue;
      for (const name of Object.keys(req)) {
        if (!DEVICE_RESOURCE.test(name)) continue;
        if (lim && Object.prototype.hasOwnProperty.call(lim, name) && sameQuantity(lim[name], req[name])) continue;
        const hasLimit = lim !== undefined && Object.prototype.hasOwnProperty.call(lim, name);
        report({
          location: locationOf(object, [...c.path, 'resources', 'requests', name]),
          message: hasLimit
            ? `${containerLabel(c)} requests ${String(req[name])} ${name} but limits it to ${String(lim[name])}; device resources must have equal requests and limits, so the API server rejects the pod`
            : `${containerLabel(c)} requests ${String(req[name])} ${name} without a limit; device resources are allocated by limits, so the API server rejects the pod`,
        });
      }
    }
  },
  cases: () => ({
    invalid: [
      fires(
        'nvidia.com/gpu in requests only',
        goodPod().replace('      limits: {cpu: "1", memory: 1Gi, ephemeral-storage: 1Gi}', '      limits: {cpu: "1", memory: 1Gi, ephemeral-storage: 1Gi}\n      requests:\n        nvidia.com/gpu: 2'),
        at(22, 9, 'spec.containers[0].resources.requests["nvidia.com/gpu"]'),
      ),
    ],
    valid: [silent('GPU in limits', goodPod().replace('ephemeral-storage: 1Gi}', 'ephemeral-storage: 1Gi, nvidia.com/gpu: 1}'))],
  }),
});
