/**
 * Container runtime and kubelet sockets (or their parent folders) mounted with hostPath.
 */
import { defineRule } from '../../rules/index.js';
import type { ManifestObject } from '../model.js';
import { locationOf } from '../model.js';
import type { PodTemplate } from '../workloads.js';
import { asObject, asString, volumesOf } from '../workloads.js';
import type { CheckContext } from './context.js';

export const runtimeSocketMount = defineRule({
  id: 'k8s/runtime-socket-mount',
  title: 'Container runtime or kubelet socket mounted from the host',
  severity: 'critical',
  description:
    'The pod mounts a container runtime socket (containerd, CRI-O, Docker, cri-dockerd, Podman, k3s/MicroK8s containerd), the kubelet\u2019s directory (/var/lib/kubelet: its credentials, every pod\u2019s volumes and secrets, the device-plugin and pod-resources sockets), runtime state or node credentials, or a parent folder that contains them (/, /var, /run, /var/run). Whoever runs code in the pod can start privileged containers on the node, read every other pod\u2019s secrets and model files, and impersonate the node. For AI clusters this is the classic path from a compromised notebook or inference server to every GPU node.',
  remediation:
    'Remove the hostPath volume. Build images with rootless builders (BuildKit rootless, kaniko) instead of the Docker socket; read GPU allocation through the device plugin rather than the kubelet\u2019s sockets; if a node agent truly needs the socket, run it as a dedicated, reviewed DaemonSet and suppress the finding there with a reason.',
  references: ['https://kubernetes.io/docs/concepts/storage/volumes/#hostpath', 'https://attack.mitre.org/techniques/T1610/'],
  tags: ['k8s', 'host', 'escape'],
  maturity: 'stable',
});

export const HOST_RULES = [runtimeSocketMount] as const;

/** Sensitive host paths: sockets (exact) and directories (the path and everything under it). */
const SENSITIVE: readonly { path: string; what: string; dir: boolean }[] = [
  { path: '/var/run/docker.sock', what: 'the Docker socket', dir: false },
  { path: '/run/docker.sock', what: 'the Docker socket', dir: false },
  { path: '/var/run/containerd/containerd.sock', what: 'the containerd socket', dir: false },
  { path: '/run/containerd/containerd.sock', what: 'the containerd socket', dir: false },
  { path: '/var/run/crio/crio.sock', what: 'the CRI-O socket', dir: false },
  { path: '/run/crio/crio.sock', what: 'the CRI-O socket', dir: false },
  { path: '/var/run/cri-dockerd.sock', what: 'the cri-dockerd socket', dir: false },
  { path: '/run/cri-dockerd.sock', what: 'the cri-dockerd socket', dir: false },
  { path: '/var/run/podman/podman.sock', what: 'the Podman socket', dir: false },
  { path: '/run/podman/podman.sock', what: 'the Podman socket', dir: false },
  { path: '/run/user', what: 'rootless runtime sockets', dir: true },
  { path: '/run/k3s/containerd/containerd.sock', what: 'the k3s containerd socket', dir: false },
  { path: '/var/snap/microk8s/common/run/containerd.sock', what: 'the MicroK8s containerd socket', dir: false },
  { path: '/var/lib/kubelet', what: "the kubelet's directory (credentials, pod volumes, device-plugin sockets)", dir: true },
  { path: '/var/lib/docker', what: "Docker's state", dir: true },
  { path: '/var/lib/containerd', what: "containerd's state", dir: true },
  { path: '/var/lib/containers', what: 'CRI-O/Podman storage', dir: true },
  { path: '/var/lib/rancher', what: 'k3s/RKE2 state and credentials', dir: true },
  { path: '/etc/kubernetes', what: 'the node\u2019s Kubernetes credentials', dir: true },
  { path: '/run/containerd', what: 'the containerd socket directory', dir: true },
  { path: '/var/run/containerd', what: 'the containerd socket directory', dir: true },
  { path: '/run/crio', what: 'the CRI-O socket directory', dir: true },
  { path: '/var/run/crio', what: 'the CRI-O socket directory', dir: true },
  { path: '/run/podman', what: 'the Podman socket directory', dir: true },
  { path: '/var/run/podman', what: 'the Podman socket directory', dir: true },
];

/** `/var//run/./x/` → `/var/run/x`; `..` resolved; undefined for relative or Windows paths. */
export function normalizeHostPath(p: string): string | undefined {
  if (!p.startsWith('/')) return undefined;
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return `/${out.join('/')}`;
}

const under = (p: string, dir: string): boolean => p === dir || p.startsWith(dir === '/' ? '/' : `${dir}/`);

/** What a host path exposes (undefined when nothing on the list). */
export function sensitiveHostPath(p: string): string | undefined {
  const n = normalizeHostPath(p);
  if (n === undefined) return undefined;
  const exact = SENSITIVE.find((s) => (s.dir ? under(n, s.path) : n === s.path));
  if (exact) return exact.what;
  // A parent folder of a socket or sensitive directory exposes it too (/, /var, /run, /var/run, /var/lib).
  const contained = SENSITIVE.filter((s) => under(s.path, n) && s.path !== n);
  if (contained.length > 0) {
    const names = [...new Set(contained.map((s) => s.what))].slice(0, 3);
    return `${n}, which contains ${names.join(', ')}${contained.length > 3 ? ' and more' : ''}`;
  }
  return undefined;
}

export function checkHostSockets(obj: ManifestObject, tpl: PodTemplate, ctx: CheckContext): void {
  for (const v of volumesOf(tpl)) {
    const p = asString(asObject(v.volume['hostPath'])?.['path']);
    if (p === undefined) continue;
    const what = sensitiveHostPath(p);
    if (what === undefined) continue;
    ctx.out.push(
      runtimeSocketMount.report({
        location: locationOf(obj, [...v.path, 'hostPath', 'path']),
        message: `volume ${JSON.stringify(v.name)} mounts ${what} from the host (hostPath ${JSON.stringify(p)}): code running in this pod can take over the node and every pod on it`,
      }),
    );
  }
}
