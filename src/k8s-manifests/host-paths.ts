/**
 * Host paths: normalisation, and what a hostPath volume exposes, described truthfully and graded:
 *
 * - critical: what lets the pod take over the node: container runtime sockets (start privileged
 *   containers), runtime state (rewrite any container's files), the kubelet's directory and node
 *   credentials, and every parent folder of those (/, /var, /run, /var/lib …);
 * - high: the kubelet's device-plugin and plugin registration sockets (a process there can register as
 *   a device or CSI/DRA plugin and hand devices or volumes to other pods);
 * - low: the kubelet's pod-resources API (`/var/lib/kubelet/pod-resources`): a read-only gRPC API that
 *   lists which pods run on the node and which devices they were given (GPU monitoring such as DCGM
 *   exporter uses it); it discloses what runs where but cannot change anything.
 * `readOnly` does not change the grade: a socket can be used through a read-only mount, and a read-only
 * credential is still a credential.
 */
import type { Severity } from '../findings/index.js';

interface Sensitive {
  readonly path: string;
  readonly what: string;
  /** The path and everything under it (else the path exactly). */
  readonly dir: boolean;
  readonly severity: Severity;
  /** What code in the pod can do with it. */
  readonly impact: string;
}

const TAKEOVER = 'code running in this pod can take over the node and every pod on it';
const SOCKET = (what: string, path: string): Sensitive => ({ path, what, dir: false, severity: 'critical', impact: `${TAKEOVER} (it can start privileged containers through the socket)` });

/** Sensitive host paths: sockets (exact) and directories (the path and everything under it). */
const SENSITIVE: readonly Sensitive[] = [
  SOCKET('the Docker socket', '/var/run/docker.sock'),
  SOCKET('the Docker socket', '/run/docker.sock'),
  SOCKET('the containerd socket', '/var/run/containerd/containerd.sock'),
  SOCKET('the containerd socket', '/run/containerd/containerd.sock'),
  SOCKET('the CRI-O socket', '/var/run/crio/crio.sock'),
  SOCKET('the CRI-O socket', '/run/crio/crio.sock'),
  SOCKET('the cri-dockerd socket', '/var/run/cri-dockerd.sock'),
  SOCKET('the cri-dockerd socket', '/run/cri-dockerd.sock'),
  SOCKET('the Podman socket', '/var/run/podman/podman.sock'),
  SOCKET('the Podman socket', '/run/podman/podman.sock'),
  SOCKET('the k3s containerd socket', '/run/k3s/containerd/containerd.sock'),
  SOCKET('the MicroK8s containerd socket', '/var/snap/microk8s/common/run/containerd.sock'),
  { path: '/run/user', what: 'rootless runtime sockets', dir: true, severity: 'critical', impact: TAKEOVER },
  // Read-only, informational: listed before /var/lib/kubelet so that the more specific entry wins.
  {
    path: '/var/lib/kubelet/pod-resources',
    what: "the kubelet's pod-resources API (read-only: which pods run on the node and which devices they were given)",
    dir: true,
    severity: 'low',
    impact: 'code running in this pod learns what runs on the node and which GPUs each pod holds; it cannot change anything through it',
  },
  {
    path: '/var/lib/kubelet/device-plugins',
    what: "the kubelet's device-plugin directory (registration socket of device plugins)",
    dir: true,
    severity: 'high',
    impact: 'code running in this pod can register as a device plugin and hand devices (GPUs) of its choosing to other pods; only device plugins need it',
  },
  {
    path: '/var/lib/kubelet/plugins_registry',
    what: "the kubelet's plugin registration directory (CSI and DRA drivers)",
    dir: true,
    severity: 'high',
    impact: 'code running in this pod can register as a storage or device driver and serve volumes or devices to other pods; only such drivers need it',
  },
  {
    path: '/var/lib/kubelet/plugins',
    what: "the kubelet's plugin directory (CSI and DRA driver sockets)",
    dir: true,
    severity: 'high',
    impact: "code running in this pod can talk to the node's storage and device drivers as the kubelet does; only those drivers need it",
  },
  { path: '/var/lib/kubelet', what: "the kubelet's directory (its credentials, every pod's volumes and secrets)", dir: true, severity: 'critical', impact: TAKEOVER },
  { path: '/var/lib/docker', what: "Docker's state", dir: true, severity: 'critical', impact: TAKEOVER },
  { path: '/var/lib/containerd', what: "containerd's state", dir: true, severity: 'critical', impact: TAKEOVER },
  { path: '/var/lib/containers', what: 'CRI-O/Podman storage', dir: true, severity: 'critical', impact: TAKEOVER },
  { path: '/var/lib/rancher', what: 'k3s/RKE2 state and credentials', dir: true, severity: 'critical', impact: TAKEOVER },
  {
    path: '/etc/kubernetes/node-feature-discovery',
    what: "node-feature-discovery's feature files (node labels that NFD publishes)",
    dir: true,
    severity: 'low',
    impact: 'code running in this pod can change the labels NFD puts on the node, and so which workloads are scheduled there',
  },
  { path: '/etc/kubernetes', what: 'the node\u2019s Kubernetes credentials and static pod manifests', dir: true, severity: 'critical', impact: TAKEOVER },
  { path: '/run/containerd', what: 'the containerd socket directory', dir: true, severity: 'critical', impact: TAKEOVER },
  { path: '/var/run/containerd', what: 'the containerd socket directory', dir: true, severity: 'critical', impact: TAKEOVER },
  { path: '/run/crio', what: 'the CRI-O socket directory', dir: true, severity: 'critical', impact: TAKEOVER },
  { path: '/var/run/crio', what: 'the CRI-O socket directory', dir: true, severity: 'critical', impact: TAKEOVER },
  { path: '/run/podman', what: 'the Podman socket directory', dir: true, severity: 'critical', impact: TAKEOVER },
  { path: '/var/run/podman', what: 'the Podman socket directory', dir: true, severity: 'critical', impact: TAKEOVER },
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

export interface HostPathExposure {
  readonly what: string;
  readonly severity: Severity;
  readonly impact: string;
}

/** What a host path exposes (undefined when nothing on the list). */
export function hostPathExposure(p: string): HostPathExposure | undefined {
  const n = normalizeHostPath(p);
  if (n === undefined) return undefined;
  const exact = SENSITIVE.find((s) => (s.dir ? under(n, s.path) : n === s.path));
  if (exact) return { what: exact.what, severity: exact.severity, impact: exact.impact };
  // A parent folder of a socket or sensitive directory exposes it too (/, /var, /run, /var/run, /var/lib).
  const contained = SENSITIVE.filter((s) => under(s.path, n) && s.path !== n && s.severity === 'critical');
  if (contained.length > 0) {
    const names = [...new Set(contained.map((s) => s.what))].slice(0, 3);
    return { what: `${n}, which contains ${names.join(', ')}${contained.length > 3 ? ' and more' : ''}`, severity: 'critical', impact: TAKEOVER };
  }
  return undefined;
}

/** What a host path exposes, as text (undefined when nothing on the list). */
export function sensitiveHostPath(p: string): string | undefined {
  return hostPathExposure(p)?.what;
}

/** Host device nodes of accelerators (NVIDIA, DRM render nodes, AMD KFD, Neuron, Habana, Ascend, accel, VFIO). */
export const GPU_DEVICE_PATH = /^\/dev(?:$|\/(?:nvidia|dri|kfd|accel|neuron|hl|davinci|vfio))/;

/** Whether a host path reaches accelerator devices (or all of /dev). */
export function gpuDevicePath(p: string): string | undefined {
  const n = normalizeHostPath(p);
  return n !== undefined && GPU_DEVICE_PATH.test(n) ? n : undefined;
}
