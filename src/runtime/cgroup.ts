/**
 * Container id and pod uid from a process's cgroup path (`/proc/<pid>/cgroup`), for every layout the
 * kubelet and the container runtimes write:
 *
 * | driver  | runtime            | path (v2 `0::`, or any v1 hierarchy line)                                                      |
 * |---------|--------------------|------------------------------------------------------------------------------------------------|
 * | systemd | containerd         | /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_>.slice/cri-containerd-<id>.scope |
 * | systemd | CRI-O              | /kubepods.slice/kubepods-pod<uid_>.slice/crio-<id>.scope                                        |
 * | systemd | Docker (dockershim, cri-dockerd) | …/kubepods-besteffort-pod<uid_>.slice/docker-<id>.scope                           |
 * | cgroupfs| any                | /kubepods/burstable/pod<uid>/<id>   (Guaranteed pods: /kubepods/pod<uid>/<id>)                 |
 * | systemd | Docker, no k8s     | /system.slice/docker-<id>.scope                                                                 |
 * | cgroupfs| Docker, no k8s     | /docker/<id>                                                                                    |
 * | systemd | Podman             | /machine.slice/libpod-<id>.scope                                                                |
 * | cgroupfs| containerd (nerdctl)| /<namespace>/<id>                                                                             |
 *
 * With the systemd driver the pod uid's dashes are written as underscores; they are restored. Nested
 * hierarchies (kind, k3d: `/kubelet.slice/kubelet-kubepods.slice/…`, `/kubelet/kubepods/…`) and
 * cgroup-namespace-relative paths are handled by matching the last segments, not the prefix. CRI-O's
 * `crio-conmon-<id>.scope` (the monitor, not the container) yields no container.
 */

export interface CgroupIdentity {
  readonly containerId?: string;
  readonly podUid?: string;
  /** containerd, cri-o, docker, podman, or `cgroupfs` when the layout does not name the runtime. */
  readonly runtime?: string;
  /** The QoS class from the path (guaranteed, burstable, besteffort), for Kubernetes pods. */
  readonly qos?: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
const SCOPE = /^(cri-containerd|crio|docker|libpod|containerd)-([0-9a-f]{64})\.scope$/;
const RUNTIME_OF: Readonly<Record<string, string>> = { 'cri-containerd': 'containerd', containerd: 'containerd', crio: 'cri-o', docker: 'docker', libpod: 'podman' };
const POD_SLICE = /^(?:kubelet-)?kubepods(?:-(burstable|besteffort))?-pod([0-9a-f_]{36})\.slice$/;
const POD_DIR = /^pod([0-9a-f-]{36})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Identity from one cgroup path (`/kubepods/…`). */
export function identityFromCgroupPath(path: string): CgroupIdentity {
  const parts = path.split('/').filter((p) => p !== '');
  let containerId: string | undefined;
  let runtime: string | undefined;
  let podUid: string | undefined;
  let qos: string | undefined;
  let kube = false;
  for (let i = 0; i < parts.length; i++) {
    const seg = parts[i] as string;
    if (seg === 'kubepods' || seg.startsWith('kubepods.slice') || seg.startsWith('kubepods-') || seg === 'kubelet-kubepods.slice') kube = true;
    const pod = POD_SLICE.exec(seg);
    if (pod?.[2] !== undefined) {
      const uid = pod[2].replace(/_/g, '-');
      if (UUID.test(uid)) podUid = uid;
      qos = pod[1] ?? 'guaranteed';
      continue;
    }
    const podDir = POD_DIR.exec(seg);
    if (podDir?.[1] !== undefined && UUID.test(podDir[1])) {
      podUid = podDir[1];
      const prev = parts[i - 1];
      qos = prev === 'burstable' || prev === 'besteffort' ? prev : 'guaranteed';
      continue;
    }
    const scope = SCOPE.exec(seg);
    if (scope?.[1] !== undefined && scope[2] !== undefined) {
      containerId = scope[2];
      runtime = RUNTIME_OF[scope[1]];
      continue;
    }
    if (HEX64.test(seg)) {
      containerId = seg;
      const prev = parts[i - 1];
      runtime = prev === 'docker' ? 'docker' : podUid !== undefined || kube ? 'cgroupfs' : prev !== undefined ? 'containerd' : 'cgroupfs';
    }
  }
  return {
    ...(containerId !== undefined && { containerId }),
    ...(podUid !== undefined && { podUid }),
    ...(runtime !== undefined && { runtime }),
    ...(qos !== undefined && podUid !== undefined && { qos }),
  };
}

/**
 * Identity from the text of `/proc/<pid>/cgroup`: the v2 line (`0::/…`) when it names a container,
 * else the first v1 hierarchy line that does (v1 lists one line per controller, usually all alike).
 */
export function identityFromCgroupFile(text: string): CgroupIdentity {
  let best: CgroupIdentity = {};
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const a = line.indexOf(':');
    const b = a < 0 ? -1 : line.indexOf(':', a + 1);
    if (b < 0) continue;
    const id = identityFromCgroupPath(line.slice(b + 1));
    if (id.containerId !== undefined) return id;
    if (id.podUid !== undefined && best.podUid === undefined) best = id;
  }
  return best;
}

/** `containerd://<id>`, `docker://<id>`, `cri-o://<id>` → `{ runtime, id }`. */
export function splitContainerId(ref: string): { runtime?: string; id: string } {
  const m = /^([a-z-]+):\/\/(.+)$/.exec(ref);
  if (m?.[1] === undefined || m[2] === undefined) return { id: ref };
  const r = m[1] === 'cri-o' ? 'cri-o' : m[1];
  return { runtime: r, id: m[2] };
}

/** Whether two container ids name the same container (a 12-character short id matches its full id). */
export function sameContainerId(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.length < 12 || b.length < 12) return false;
  return a.length < b.length ? b.startsWith(a) : a.startsWith(b);
}
