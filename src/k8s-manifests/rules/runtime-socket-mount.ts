/** Container runtime and kubelet sockets (or their parent folders) mounted with hostPath. */
import { hostPathExposure } from '../host-paths.js';
import { templateRule } from '../k8s-rule.js';
import { locationOf } from '../model.js';
import { at, fires, goodPod, silent } from '../sample-manifests.js';
import { asObject, asString, volumesOf } from '../workloads.js';

export const runtimeSocketMount = templateRule({
  id: 'k8s/runtime-socket-mount',
  title: 'Container runtime or kubelet socket mounted from the host',
  severity: 'critical',
  description:
    'The pod mounts a container runtime socket (containerd, CRI-O, Docker, cri-dockerd, Podman, k3s/MicroK8s containerd), the kubelet\u2019s directory (/var/lib/kubelet: its credentials, every pod\u2019s volumes and secrets), runtime state or node credentials, or a parent folder that contains them (/, /var, /run, /var/run): whoever runs code in the pod can start privileged containers on the node, read every other pod\u2019s secrets and model files, and impersonate the node (critical). For AI clusters this is the classic path from a compromised notebook or inference server to every GPU node. Narrower kubelet paths are graded by what they give: the device-plugin and plugin registration directories let a process register as a device or storage driver and hand devices or volumes to other pods (high). The pod-resources API (`/var/lib/kubelet/pod-resources`) is read-only and only tells which pods and devices run on the node: it is not reported here, and `k8s/pss-host-path-volumes` describes it as such. Each finding carries `pss:hostPathVolumes` too: it replaces the generic hostPath finding for the same volume.',
  remediation:
    'Remove the hostPath volume. Build images with rootless builders (BuildKit rootless, kaniko) instead of the Docker socket; read GPU allocation through the device plugin rather than the kubelet\u2019s sockets; if a node agent truly needs the socket, run it as a dedicated, reviewed DaemonSet and suppress the finding there with a reason.',
  references: ['https://kubernetes.io/docs/concepts/storage/volumes/#hostpath', 'https://attack.mitre.org/techniques/T1610/'],
  tags: ['k8s', 'host', 'escape'],
  maturity: 'stable',
  admission: { level: 'baseline' },
  check({ object, template }, report) {
    for (const v of volumesOf(template)) {
      const p = asString(asObject(v.volume['hostPath'])?.['path']);
      if (p === undefined) continue;
      const e = hostPathExposure(p);
      // The read-only pod-resources API is only described (by k8s/pss-host-path-volumes), not graded here.
      if (e === undefined || (e.severity !== 'critical' && e.severity !== 'high')) continue;
      report({
        location: locationOf(object, [...v.path, 'hostPath', 'path']),
        severity: e.severity,
        message: `volume ${JSON.stringify(v.name)} mounts ${e.what} from the host (hostPath ${JSON.stringify(p)}): ${e.impact}`,
        controls: ['pss:hostPathVolumes'],
      });
    }
  },
  cases: () => ({
    invalid: [
      fires('containerd socket', goodPod([], ['  volumes:', '  - name: runtime', '    hostPath:', '      path: /run/containerd/containerd.sock']), at(15, 7, 'spec.volumes[0].hostPath.path', { messageIncludes: 'containerd' })),
      fires('parent folder /var/run', goodPod([], ['  volumes:', '  - name: run', '    hostPath:', '      path: /var/run/']), at(15, 7, 'spec.volumes[0].hostPath.path', { messageIncludes: 'Docker socket' })),
      fires('kubelet directory', goodPod([], ['  volumes:', '  - name: kubelet', '    hostPath: {path: /var/lib/kubelet/pods}']), at(14, 16, 'spec.volumes[0].hostPath.path', { severity: 'critical' })),
      fires('the device-plugin registration directory', goodPod([], ['  volumes:', '  - name: dp', '    hostPath: {path: /var/lib/kubelet/device-plugins}']), at(14, 16, 'spec.volumes[0].hostPath.path', { severity: 'high', messageIncludes: 'register as a device plugin' })),
    ],
    valid: [
      silent('unrelated hostPath', goodPod([], ['  volumes:', '  - name: logs', '    hostPath:', '      path: /var/log/app'])),
      silent('the read-only pod-resources API (k8s/pss-host-path-volumes describes it)', goodPod([], ['  volumes:', '  - name: pod-resources', '    hostPath: {path: /var/lib/kubelet/pod-resources}'])),
    ],
  }),
});
