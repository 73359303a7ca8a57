/** GPU access that bypasses the device plugin: hostPath mounts of /dev devices, privileged GPU containers. */
import { looksLikeGpuPod } from '../accelerators.js';
import { normalizeHostPath } from '../host-paths.js';
import { templateRule } from '../k8s-rule.js';
import { locationOf } from '../model.js';
import { DIGEST, at, fires, goodPod, silent } from '../sample-manifests.js';
import { asObject, asString, containerLabel, containersOf, volumesOf } from '../workloads.js';

/** Host device nodes of accelerators (NVIDIA, DRM render nodes, AMD KFD, Neuron, Habana, Ascend, accel). */
const GPU_DEVICE_PATH = /^\/dev(?:$|\/(?:nvidia|dri|kfd|accel|neuron|hl|davinci|vfio))/;

export const gpuDeviceHostAccess = templateRule({
  id: 'k8s/gpu-device-host-access',
  title: 'GPU access that bypasses the device plugin',
  severity: 'critical',
  description:
    'A GPU workload that reaches accelerators through a privileged container or a hostPath mount of /dev (nvidia*, dri, kfd, neuron, accel …) sees every GPU on the node, not the ones the scheduler allocated: it can read other tenants\u2019 GPU memory (model weights, prompts, training data), disturb their jobs, and with privileged or /dev access it can load kernel modules and take over the node. The device plugin exists to prevent exactly this.',
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
      const n = normalizeHostPath(p);
      if (n === undefined || !GPU_DEVICE_PATH.test(n)) continue;
      report({
        location: locationOf(object, [...v.path, 'hostPath', 'path']),
        message: `volume ${JSON.stringify(v.name)} mounts the host's ${n} into the pod: every accelerator on the node becomes reachable, outside the device plugin's allocation`,
      });
    }
    if (!looksLikeGpuPod(template)) return;
    for (const c of containersOf(template)) {
      if (asObject(c.container['securityContext'])?.['privileged'] !== true) continue;
      report({
        location: locationOf(object, [...c.path, 'securityContext', 'privileged']),
        message: `${containerLabel(c)} of a GPU workload is privileged: it sees every GPU and device of the node, not only its allocation, and can take over the node`,
      });
    }
  },
  cases: () => ({
    invalid: [
      fires('hostPath /dev/nvidia0', goodPod([], ['  volumes:', '  - name: gpu', '    hostPath:', '      path: /dev/nvidia0']), at(15, 7, 'spec.volumes[0].hostPath.path')),
      fires(
        'privileged CUDA container',
        goodPod([], [], `nvidia/cuda:12.4.1-runtime-ubuntu22.04@${DIGEST}`).replace('      allowPrivilegeEscalation: false', '      allowPrivilegeEscalation: false\n      privileged: true'),
        at(17, 7, 'spec.containers[0].securityContext.privileged'),
      ),
    ],
    valid: [silent('GPU through the device plugin', goodPod().replace('ephemeral-storage: 1Gi}', 'ephemeral-storage: 1Gi, nvidia.com/gpu: 1}'))],
  }),
});
