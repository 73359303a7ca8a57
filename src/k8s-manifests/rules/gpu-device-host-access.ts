/**
 * GPU access that bypasses the device plugin: hostPath mounts of accelerator device nodes (or all of
 * /dev). A privileged GPU container is one fact, reported once by k8s/pss-privileged with the GPU
 * explanation and both controls (pss/rules.ts), not here.
 */
import { gpuDevicePath } from '../host-paths.js';
import { templateRule } from '../k8s-rule.js';
import { locationOf } from '../model.js';
import { DIGEST, at, fires, goodPod, silent } from '../sample-manifests.js';
import { asObject, asString, volumesOf } from '../workloads.js';

export const gpuDeviceHostAccess = templateRule({
  id: 'k8s/gpu-device-host-access',
  title: 'GPU access that bypasses the device plugin',
  severity: 'critical',
  description:
    'A pod that mounts accelerator device nodes from the host (/dev/nvidia*, dri, kfd, neuron, accel, vfio … or all of /dev) sees every GPU on the node, not the ones the scheduler allocated: it can read other tenants\u2019 GPU memory (model weights, prompts, training data), disturb their jobs, and with /dev access it can reach kernel interfaces of the node. The device plugin exists to prevent exactly this. The finding carries `pss:hostPathVolumes` too (it replaces the generic hostPath finding for the volume). A privileged container in a GPU workload is the same kind of bypass; it is reported once, by `k8s/pss-privileged`, with this explanation and the control `gpu:device-isolation`.',
  remediation:
    'Remove `privileged: true` and the /dev hostPath volumes; request accelerators with `resources.limits` (e.g. `nvidia.com/gpu: 1`) so the device plugin injects only the allocated devices. Only the device plugin and GPU operator DaemonSets themselves need host device access (suppress there with a reason).',
  references: ['https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/docker-specialized.html', 'https://kubernetes.io/docs/concepts/extend-kubernetes/compute-storage-net/device-plugins/'],
  tags: ['k8s', 'gpu', 'isolation'],
  maturity: 'stable',
  admission: { level: 'baseline' },
  check({ object, template }, report) {
    for (const v of volumesOf(template)) {
      const p = asString(asObject(v.volume['hostPath'])?.['path']);
      if (p === undefined) continue;
      const n = gpuDevicePath(p);
      if (n === undefined) continue;
      report({
        location: locationOf(object, [...v.path, 'hostPath', 'path']),
        message: `volume ${JSON.stringify(v.name)} mounts the host's ${n} into the pod: every accelerator on the node becomes reachable, outside the device plugin's allocation`,
        controls: ['pss:hostPathVolumes'],
      });
    }
  },
  cases: () => ({
    invalid: [
      fires('hostPath /dev/nvidia0', goodPod([], ['  volumes:', '  - name: gpu', '    hostPath:', '      path: /dev/nvidia0']), at(15, 7, 'spec.volumes[0].hostPath.path')),
      fires('all of /dev', goodPod([], ['  volumes:', '  - name: dev', '    hostPath: {path: /dev}']), at(14, 16, 'spec.volumes[0].hostPath.path')),
    ],
    valid: [
      silent('GPU through the device plugin', goodPod().replace('ephemeral-storage: 1Gi}', 'ephemeral-storage: 1Gi, nvidia.com/gpu: 1}')),
      silent(
        'a privileged CUDA container (one finding: k8s/pss-privileged)',
        goodPod([], [], `nvidia/cuda:12.4.1-runtime-ubuntu22.04@${DIGEST}`).replace('      allowPrivilegeEscalation: false', '      allowPrivilegeEscalation: false\n      privileged: true'),
      ),
    ],
  }),
});
