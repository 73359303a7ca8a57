/**
 * Workload extraction: the pod template(s) of any object that creates pods, and its containers.
 *
 * Usage (RBAC / NetworkPolicy / PSS rules):
 * ```ts
 * for (const t of podTemplatesOf(obj)) {          // [] for objects that are not workloads
 *   t.spec;            // the pod spec (JsonObject, {} when missing)
 *   t.specPath;        // its field path in the object, e.g. ['spec','jobTemplate','spec','template','spec']
 *   t.labels;          // pod labels (Map, string values only), t.annotations likewise
 *   t.namespace;       // object namespace or 'default'
 *   t.serviceAccountName; // spec.serviceAccountName || deprecated spec.serviceAccount || 'default'
 *   for (const c of containersOf(t)) locationOf(obj, [...c.path, 'image']);
 * }
 * ```
 * Kinds: Pod, PodTemplate, ReplicationController (core), Deployment, ReplicaSet, StatefulSet, DaemonSet
 * (apps, extensions), Job, CronJob (batch); and the pod templates of a few AI-platform CRDs that embed
 * standard PodTemplateSpecs (KubeRay RayCluster/RayJob/RayService, Kubeflow training jobs and Notebook,
 * Argo Rollout, LeaderWorkerSet, JobSet). Groups are checked, so a Knative `Service` or a CRD that
 * happens to be called `Deployment` is not mistaken for a core kind.
 *
 * Containers are visited in the order upstream pod-security-admission visits them (init, regular,
 * ephemeral). Everything here is total on arbitrary JSON: wrong types read as absent.
 */
import type { FieldPath, Json, JsonObject, ManifestObject } from './model.js';

export type ContainerListName = 'initContainers' | 'containers' | 'ephemeralContainers';
export const CONTAINER_LISTS: readonly ContainerListName[] = ['initContainers', 'containers', 'ephemeralContainers'];

export interface PodTemplate {
  readonly object: ManifestObject;
  /** The pod spec (`{}` when the object has none). */
  readonly spec: JsonObject;
  /** Field path of the pod spec inside the object. */
  readonly specPath: FieldPath;
  /** Pod metadata: the template's `metadata`, or the Pod's own `metadata` (`{}` when missing). */
  readonly metadata: JsonObject;
  readonly metadataPath: FieldPath;
  readonly labels: ReadonlyMap<string, string>;
  readonly annotations: ReadonlyMap<string, string>;
  /** The object's namespace, or `default`. */
  readonly namespace: string;
  /** Effective ServiceAccount: `serviceAccountName`, else the deprecated `serviceAccount`, else `default`. */
  readonly serviceAccountName: string;
  /** Role of the template in objects with several (`head`, `worker[0]`, `Master`); absent otherwise. */
  readonly role?: string;
}

export interface ContainerRef {
  readonly container: JsonObject;
  readonly list: ContainerListName;
  readonly index: number;
  /** `name`, or `''` when missing. */
  readonly name: string;
  /** Field path of the container from the object root, e.g. ['spec','template','spec','containers',0]. */
  readonly path: FieldPath;
}

export function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asObject(v: Json | undefined): JsonObject | undefined {
  return isObject(v) ? v : undefined;
}

export function asArray(v: Json | undefined): Json[] {
  return Array.isArray(v) ? v : [];
}

export function asString(v: Json | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Value at `path` under `root` (undefined when any step is missing or of the wrong type). */
export function getPath(root: Json | undefined, path: FieldPath): Json | undefined {
  let cur: Json | undefined = root;
  for (const seg of path) {
    if (typeof seg === 'number') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[seg];
    } else {
      if (!isObject(cur)) return undefined;
      cur = Object.prototype.hasOwnProperty.call(cur, seg) ? cur[seg] : undefined;
    }
  }
  return cur;
}

/** `group` of an apiVersion (`''` for the core group `v1`). */
export function apiGroup(apiVersion: string): string {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

function stringMap(v: Json | undefined): ReadonlyMap<string, string> {
  const m = new Map<string, string>();
  if (isObject(v)) for (const [k, x] of Object.entries(v)) if (typeof x === 'string') m.set(k, x);
  return m;
}

/** Where a workload keeps a PodTemplateSpec (its `metadata` and `spec`). */
export type TemplateSite =
  /** One template at `path`. */
  | { readonly kind: 'one'; readonly path: FieldPath; readonly role?: string }
  /** One template per item of the list (or value of the map) at `collection`, at `item` below it. */
  | {
      readonly kind: 'each';
      readonly of: 'list' | 'map';
      readonly collection: FieldPath;
      readonly item: FieldPath;
      /** Role of the template, from the list index (or map key) and the item. */
      readonly role: (key: string | number, item: Json | undefined) => string;
    };

/** A kind whose objects create pods. */
export interface WorkloadKind {
  /** API groups (`''` is the core group). */
  readonly groups: readonly string[];
  readonly kind: string;
  /** `self`: the object is the pod (Pod); otherwise where its pod templates are. */
  readonly sites: 'self' | readonly TemplateSite[];
  /**
   * Built-in kinds yield their template even when it is absent (so that "missing" findings have a
   * place to point); a CRD template site that is absent is skipped.
   */
  readonly builtin: boolean;
}

const one = (path: FieldPath, role?: string): TemplateSite => ({ kind: 'one', path, ...(role !== undefined && { role }) });
const builtin = (kind: string, groups: readonly string[], path: FieldPath | 'self'): WorkloadKind => ({ groups, kind, sites: path === 'self' ? 'self' : [one(path)], builtin: true });
const crd = (group: string, kind: string, sites: readonly TemplateSite[]): WorkloadKind => ({ groups: [group], kind, sites, builtin: false });

function raySites(base: FieldPath): TemplateSite[] {
  return [one([...base, 'headGroupSpec', 'template'], 'head'), { kind: 'each', of: 'list', collection: [...base, 'workerGroupSpecs'], item: ['template'], role: (i) => `worker[${i}]` }];
}

const replicaSpecs = (kind: string, field: string): WorkloadKind => crd('kubeflow.org', kind, [{ kind: 'each', of: 'map', collection: ['spec', field], item: ['template'], role: (key) => String(key) }]);

/**
 * Every workload kind: the Kubernetes kinds (groups checked, so a Knative `Service` or a CRD called
 * `Deployment` is not mistaken for a core kind) and the AI-platform CRDs that embed standard
 * PodTemplateSpecs. One table for `podTemplatesOf` and for the CEL of the PSS rules (workload-cel.ts).
 */
export const WORKLOAD_KIND_TABLE: readonly WorkloadKind[] = [
  builtin('Pod', [''], 'self'),
  builtin('PodTemplate', [''], ['template']),
  builtin('ReplicationController', [''], ['spec', 'template']),
  builtin('Deployment', ['apps', 'extensions'], ['spec', 'template']),
  builtin('ReplicaSet', ['apps', 'extensions'], ['spec', 'template']),
  builtin('StatefulSet', ['apps'], ['spec', 'template']),
  builtin('DaemonSet', ['apps', 'extensions'], ['spec', 'template']),
  builtin('Job', ['batch'], ['spec', 'template']),
  builtin('CronJob', ['batch'], ['spec', 'jobTemplate', 'spec', 'template']),
  crd('ray.io', 'RayCluster', raySites(['spec'])),
  crd('ray.io', 'RayJob', raySites(['spec', 'rayClusterSpec'])),
  crd('ray.io', 'RayService', raySites(['spec', 'rayClusterConfig'])),
  replicaSpecs('PyTorchJob', 'pytorchReplicaSpecs'),
  replicaSpecs('TFJob', 'tfReplicaSpecs'),
  replicaSpecs('MPIJob', 'mpiReplicaSpecs'),
  replicaSpecs('XGBoostJob', 'xgbReplicaSpecs'),
  replicaSpecs('PaddleJob', 'paddleReplicaSpecs'),
  replicaSpecs('JAXJob', 'jaxReplicaSpecs'),
  replicaSpecs('MXJob', 'mxReplicaSpecs'),
  crd('kubeflow.org', 'Notebook', [one(['spec', 'template'])]),
  crd('argoproj.io', 'Rollout', [one(['spec', 'template'])]),
  crd('leaderworkerset.x-k8s.io', 'LeaderWorkerSet', [one(['spec', 'leaderWorkerTemplate', 'leaderTemplate'], 'leader'), one(['spec', 'leaderWorkerTemplate', 'workerTemplate'], 'worker')]),
  crd('jobset.x-k8s.io', 'JobSet', [
    {
      kind: 'each',
      of: 'list',
      collection: ['spec', 'replicatedJobs'],
      item: ['template', 'spec', 'template'],
      role: (i, rj) => (isObject(rj) && typeof rj['name'] === 'string' ? rj['name'] : `replicatedJobs[${i}]`),
    },
  ]),
];

const BUILTIN_BY_KIND: ReadonlyMap<string, WorkloadKind> = new Map(WORKLOAD_KIND_TABLE.filter((k) => k.builtin).map((k) => [k.kind, k]));
const CRD_BY_GROUP_KIND: ReadonlyMap<string, WorkloadKind> = new Map(WORKLOAD_KIND_TABLE.filter((k) => !k.builtin).flatMap((k) => k.groups.map((g) => [`${g}\u0000${k.kind}`, k] as const)));

/** The Kubernetes kinds whose pod templates are standard; CRDs come on top. */
export const WORKLOAD_KINDS: ReadonlySet<string> = new Set(BUILTIN_BY_KIND.keys());

/** The workload kind of `obj`, if it creates pods (a built-in kind name in another group does not). */
export function workloadKindOf(obj: ManifestObject): WorkloadKind | undefined {
  const group = apiGroup(obj.apiVersion);
  const b = BUILTIN_BY_KIND.get(obj.kind);
  if (b) return b.groups.includes(group) ? b : undefined;
  return CRD_BY_GROUP_KIND.get(`${group}\u0000${obj.kind}`);
}

/** True when the object creates pods (one of the kinds above, in the right API group). */
export function isWorkload(obj: ManifestObject): boolean {
  return workloadKindOf(obj) !== undefined;
}

function makeTemplate(obj: ManifestObject, metadataPath: FieldPath, specPath: FieldPath, role?: string): PodTemplate {
  const metadata = asObject(getPath(obj.value, metadataPath)) ?? {};
  const spec = asObject(getPath(obj.value, specPath)) ?? {};
  const san = asString(spec['serviceAccountName']);
  const sa = asString(spec['serviceAccount']);
  return {
    object: obj,
    spec,
    specPath,
    metadata,
    metadataPath,
    labels: stringMap(metadata['labels']),
    annotations: stringMap(metadata['annotations']),
    namespace: obj.namespace !== undefined && obj.namespace !== '' ? obj.namespace : 'default',
    serviceAccountName: san !== undefined && san !== '' ? san : sa !== undefined && sa !== '' ? sa : 'default',
    ...(role !== undefined && { role }),
  };
}

/** The pod template(s) of a workload; `[]` for any other object. */
export function podTemplatesOf(obj: ManifestObject): PodTemplate[] {
  const wk = workloadKindOf(obj);
  if (wk === undefined) return [];
  if (wk.sites === 'self') return [makeTemplate(obj, ['metadata'], ['spec'])];
  const out: PodTemplate[] = [];
  const add = (path: FieldPath, role: string | undefined): void => {
    if (wk.builtin || isObject(getPath(obj.value, path))) out.push(makeTemplate(obj, [...path, 'metadata'], [...path, 'spec'], role));
  };
  for (const s of wk.sites) {
    if (s.kind === 'one') {
      add(s.path, s.role);
      continue;
    }
    const coll = getPath(obj.value, s.collection);
    if (s.of === 'list') {
      const items = asArray(coll);
      for (let i = 0; i < items.length; i++) add([...s.collection, i, ...s.item], s.role(i, items[i]));
    } else if (isObject(coll)) {
      for (const key of Object.keys(coll)) add([...s.collection, key, ...s.item], s.role(key, coll[key]));
    }
  }
  return out;
}

/** Containers of a pod template, in upstream PSA order (init, regular, ephemeral) unless `lists` says otherwise. */
export function containersOf(t: PodTemplate, lists: readonly ContainerListName[] = CONTAINER_LISTS): ContainerRef[] {
  const out: ContainerRef[] = [];
  for (const list of lists) {
    const arr = t.spec[list];
    if (!Array.isArray(arr)) continue;
    for (let i = 0; i < arr.length; i++) {
      const c = arr[i];
      if (!isObject(c)) continue;
      out.push({ container: c, list, index: i, name: asString(c['name']) ?? '', path: [...t.specPath, list, i] });
    }
  }
  return out;
}

/** Volumes of a pod template with their field paths (from the object root). */
export function volumesOf(t: PodTemplate): { volume: JsonObject; index: number; name: string; path: FieldPath }[] {
  const out: { volume: JsonObject; index: number; name: string; path: FieldPath }[] = [];
  const arr = t.spec['volumes'];
  if (!Array.isArray(arr)) return out;
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (!isObject(v)) continue;
    out.push({ volume: v, index: i, name: asString(v['name']) ?? '', path: [...t.specPath, 'volumes', i] });
  }
  return out;
}

/** `container "app"`, `init container "fetch"`, `ephemeral container "debug"` (for messages). */
export function containerLabel(c: ContainerRef): string {
  return `${c.list === 'initContainers' ? 'init container' : c.list === 'ephemeralContainers' ? 'ephemeral container' : 'container'} ${JSON.stringify(c.name)}`;
}
