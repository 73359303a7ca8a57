/** NVIDIA_VISIBLE_DEVICES / AMD_VISIBLE_DEVICES set by hand, exposing GPUs the scheduler did not allocate. */
import { deviceResourcesOf } from '../accelerators.js';
import { templateRule } from '../k8s-rule.js';
import { locationOf } from '../model.js';
import { at, fires, goodPod, silent } from '../sample-manifests.js';
import { asArray, asObject, asString, containerLabel, containersOf } from '../workloads.js';

export const nvidiaVisibleDevices = templateRule({
  id: 'k8s/nvidia-visible-devices',
  title: 'NVIDIA_VISIBLE_DEVICES exposes GPUs the pod was not allocated',
  severity: 'high',
  description:
    'With the NVIDIA container toolkit as the runtime, `NVIDIA_VISIBLE_DEVICES=all` (or a device list) in a container\u2019s environment makes the toolkit mount those GPUs into it, whatever the scheduler allocated. A pod that requested no GPU then shares GPUs with the jobs that did: it can read their GPU memory (weights, prompts, activations) and starve or crash them. NVIDIA recommends refusing this variable from unprivileged containers (`accept-nvidia-visible-devices-envvar-when-unprivileged = false`), but many clusters still honour it.',
  remediation:
    'Remove NVIDIA_VISIBLE_DEVICES from the manifest and request GPUs with `resources.limits: {nvidia.com/gpu: N}`; the device plugin sets the variable to the allocated devices. On nodes, configure the toolkit to ignore the variable for unprivileged containers (device list strategy `volume-mounts` or CDI).',
  references: ['https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/docker-specialized.html', 'https://github.com/NVIDIA/k8s-device-plugin'],
  tags: ['k8s', 'gpu', 'isolation'],
  maturity: 'stable',
  admission: { level: 'baseline' },
  check({ object, template }, report) {
    for (const c of containersOf(template)) {
      // A privileged container sees every device anyway: one fact, reported by k8s/pss-privileged.
      if (asObject(c.container['securityContext'])?.['privileged'] === true) continue;
      const allocated = deviceResourcesOf(c.container).some((r) => r.startsWith('nvidia.com/') || r.startsWith('amd.com/'));
      asArray(c.container['env']).forEach((e, i) => {
        const env = asObject(e);
        const name = asString(env?.['name']);
        if (name !== 'NVIDIA_VISIBLE_DEVICES' && name !== 'AMD_VISIBLE_DEVICES') return;
        const value = asString(env?.['value']);
        if (value === undefined) return;
        const v = value.trim().toLowerCase();
        if (v === '' || v === 'none' || v === 'void') return;
        if (allocated && v !== 'all') return;
        report({
          location: locationOf(object, [...c.path, 'env', i, 'value']),
          severity: allocated ? 'medium' : 'high',
          message: allocated
            ? `${containerLabel(c)} sets ${name}=all: depending on the container toolkit configuration it gets every GPU of the node, not only the ones allocated to it`
            : `${containerLabel(c)} sets ${name}=${value} without requesting a GPU: the container toolkit exposes ${v === 'all' ? 'every GPU of the node' : 'those GPUs'} to it, bypassing the scheduler and sharing GPUs with other tenants`,
        });
      });
    }
  },
  cases: () => ({
    invalid: [fires('all, without a GPU request', goodPod(['    env:', '    - name: NVIDIA_VISIBLE_DEVICES', '      value: all']), at(23, 7, 'spec.containers[0].env[0].value', { severity: 'high' }))],
    valid: [
      silent('none', goodPod(['    env:', '    - name: NVIDIA_VISIBLE_DEVICES', '      value: none'])),
      silent('device list set alongside a GPU limit (the plugin decides)', goodPod(['    env:', '    - name: NVIDIA_VISIBLE_DEVICES', '      value: "0"']).replace('ephemeral-storage: 1Gi}', 'ephemeral-storage: 1Gi, nvidia.com/gpu: 1}')),
    ],
  }),
});
