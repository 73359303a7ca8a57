/**
 * Host paths: normalisation, and what a hostPath volume exposes (runtime sockets, the kubelet's
 * directory, runtime state, node credentials, and every parent folder of those).
 */

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
