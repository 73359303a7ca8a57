/**
 * Pod metadata for enrichment: the kubelet's pod list (`GET /pods` on the kubelet, a `v1 PodList`) or
 * the API server's (`GET /api/v1/pods?fieldSelector=spec.nodeName=<node>`), the same shape. From it,
 * a container id or pod uid seen by a sensor becomes a namespace, pod, container name, image, the
 * container's expected command and whether the pod asked for accelerators. Parsed from plain JSON
 * values; bounded by `maxStateEntries` pods.
 */
import { baseName } from './model.js';
import type { ContainerRef } from './model.js';
import { sameContainerId, splitContainerId } from './cgroup.js';

export interface PodContainer {
  readonly name: string;
  readonly id?: string;
  readonly image?: string;
  /** `command` + `args` of the container spec; empty when the image's entrypoint runs (no `command`). */
  readonly command: readonly string[];
  /** Accelerator resources this container asks for (limits or requests, summed over matching keys). */
  readonly gpus: number;
}

export interface PodInfo {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly containers: readonly PodContainer[];
  /** Accelerators the whole pod asked for. */
  readonly gpus: number;
  /** Extra process names the pod's owner declared as its GPU workload (`bulwark.dev/gpu-processes`). */
  readonly gpuProcesses: readonly string[];
  /** Declared or recognised as an inference server (`bulwark.dev/inference: "true"`, labels, images). */
  readonly inference: boolean;
}

export interface PodIndex {
  readonly pods: readonly PodInfo[];
  byUid(uid: string): PodInfo | undefined;
  byContainerId(id: string): { pod: PodInfo; container: PodContainer } | undefined;
}

type Obj = Readonly<Record<string, unknown>>;
function obj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}
function arr(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const o = obj(v);
  if (o) for (const [k, x] of Object.entries(o)) if (typeof x === 'string') out[k] = x;
  return out;
}

/** Kubernetes quantity of a device resource: a plain integer (devices are counted, never fractional). */
function deviceCount(v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.max(0, Math.floor(v));
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) return Number(v.trim());
  return 0;
}

function gpusOf(container: Obj, gpuResource: RegExp): number {
  const res = obj(container['resources']);
  let n = 0;
  for (const field of ['limits', 'requests'] as const) {
    const r = obj(res?.[field]);
    if (!r) continue;
    let m = 0;
    for (const [k, v] of Object.entries(r)) if (gpuResource.test(k)) m += deviceCount(v);
    n = Math.max(n, m);
  }
  return n;
}

export interface PodIndexOptions {
  /** Accelerator resource names (regular expression), `DetectionData.gpuResource`. */
  readonly gpuResource: RegExp;
  /** Image fragments of inference servers, `DetectionData.inferenceImages`. */
  readonly inferenceImages: readonly string[];
  /** Most pods kept (`maxStateEntries`); the rest are counted in `dropped`. */
  readonly maxPods: number;
}

/** Build the index from a parsed `PodList` (or a single Pod, or a list of pods). */
export function podIndexFromJson(value: unknown, o: PodIndexOptions): PodIndex & { readonly dropped: number } {
  const root = obj(value);
  const items = root?.['kind'] === 'Pod' ? [root] : Array.isArray(value) ? value : arr(root?.['items']);
  const pods: PodInfo[] = [];
  let dropped = 0;
  for (const item of items) {
    const p = obj(item);
    const meta = obj(p?.['metadata']);
    const uid = str(meta?.['uid']);
    const name = str(meta?.['name']);
    if (!p || !meta || uid === undefined || name === undefined) continue;
    if (pods.length >= o.maxPods) {
      dropped++;
      continue;
    }
    const spec = obj(p['spec']);
    const status = obj(p['status']);
    const ids = new Map<string, string>();
    for (const key of ['containerStatuses', 'initContainerStatuses', 'ephemeralContainerStatuses'] as const) {
      for (const cs of arr(status?.[key])) {
        const c = obj(cs);
        const cn = str(c?.['name']);
        const cid = str(c?.['containerID']);
        if (cn !== undefined && cid !== undefined && cid !== '') ids.set(cn, splitContainerId(cid).id);
      }
    }
    const containers: PodContainer[] = [];
    for (const key of ['containers', 'initContainers', 'ephemeralContainers'] as const) {
      for (const cv of arr(spec?.[key])) {
        const c = obj(cv);
        const cn = str(c?.['name']);
        if (!c || cn === undefined) continue;
        // With only `args`, the image's entrypoint runs: the program is unknown, so no command is recorded.
        const cmd = arr(c['command']).filter((x): x is string => typeof x === 'string');
        const command = cmd.length === 0 ? [] : [...cmd, ...arr(c['args']).filter((x): x is string => typeof x === 'string')];
        const id = ids.get(cn);
        const image = str(c['image']);
        containers.push({ name: cn, ...(id !== undefined && { id }), ...(image !== undefined && { image }), command, gpus: gpusOf(c, o.gpuResource) });
      }
    }
    const labels = strMap(meta['labels']);
    const annotations = strMap(meta['annotations']);
    const declared = annotations['bulwark.dev/inference'];
    const inference =
      declared === 'true' ||
      (declared !== 'false' &&
        (labels['app.kubernetes.io/component'] === 'inference' ||
          Object.keys(labels).some((k) => k.startsWith('serving.kserve.io/') || k.startsWith('serving.knative.dev/')) ||
          containers.some((c) => o.inferenceImages.some((f) => (c.image ?? '').toLowerCase().includes(f)))));
    const gpuProcesses = (annotations['bulwark.dev/gpu-processes'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    pods.push({
      uid,
      namespace: str(meta['namespace']) ?? 'default',
      name,
      labels,
      annotations,
      containers,
      gpus: containers.reduce((a, c) => a + c.gpus, 0),
      gpuProcesses,
      inference,
    });
  }
  const byUid = new Map(pods.map((p) => [p.uid, p]));
  return {
    pods,
    dropped,
    byUid: (uid) => byUid.get(uid),
    byContainerId(id) {
      for (const pod of pods) for (const container of pod.containers) if (container.id !== undefined && sameContainerId(container.id, id)) return { pod, container };
      return undefined;
    },
  };
}

/** An empty index (no enrichment configured). */
export const NO_PODS: PodIndex = { pods: [], byUid: () => undefined, byContainerId: () => undefined };

/** The container reference completed from the pod list (namespace, pod, container name, image). */
export function enrichContainer(c: ContainerRef | undefined, pods: PodIndex): { container: ContainerRef | undefined; pod?: PodInfo; spec?: PodContainer } {
  if (c === undefined) return { container: undefined };
  const byId = c.id !== undefined ? pods.byContainerId(c.id) : undefined;
  const pod = byId?.pod ?? (c.podUid !== undefined ? pods.byUid(c.podUid) : undefined) ?? (c.pod !== undefined ? pods.pods.find((p) => p.name === c.pod && (c.namespace === undefined || p.namespace === c.namespace)) : undefined);
  if (pod === undefined) return { container: c };
  const spec = byId?.container ?? (c.name !== undefined ? pod.containers.find((x) => x.name === c.name) : pod.containers.length === 1 ? pod.containers[0] : undefined);
  return {
    container: {
      ...c,
      podUid: c.podUid ?? pod.uid,
      pod: c.pod ?? pod.name,
      namespace: c.namespace ?? pod.namespace,
      ...(c.name === undefined && spec !== undefined && { name: spec.name }),
      ...(c.image === undefined && spec?.image !== undefined && { image: spec.image }),
    },
    pod,
    ...(spec !== undefined && { spec }),
  };
}

/** The program names a container is expected to run: its spec command (argv[0] and script names). */
export function expectedPrograms(pod: PodInfo, spec: PodContainer | undefined): string[] {
  const out = new Set<string>(pod.gpuProcesses.map((s) => s.toLowerCase()));
  const cmds = spec !== undefined ? [spec] : pod.containers;
  for (const c of cmds) {
    const first = c.command[0];
    if (first !== undefined) out.add(baseName(first).toLowerCase());
    // `python3 -m vllm.entrypoints…`, `python serve.py`: the module or script names the program too.
    for (let i = 1; i < c.command.length && i < 4; i++) {
      const a = c.command[i] as string;
      if (a === '-m' && c.command[i + 1] !== undefined) out.add((c.command[i + 1] as string).split('.')[0]?.toLowerCase() ?? '');
      else if (!a.startsWith('-')) {
        out.add(baseName(a).toLowerCase());
        break;
      }
    }
  }
  out.delete('');
  return [...out];
}
