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

/** Core kinds: kind → (allowed groups, path of the PodTemplateSpec or of the pod itself). */
const CORE: ReadonlyMap<string, { groups: readonly string[]; template: FieldPath | 'self' }> = new Map([
  ['Pod', { groups: [''], template: 'self' as const }],
  ['PodTemplate', { groups: [''], template: ['template'] }],
  ['ReplicationController', { groups: [''], template: ['spec', 'template'] }],
  ['Deployment', { groups: ['apps', 'extensions'], template: ['spec', 'template'] }],
  ['ReplicaSet', { groups: ['apps', 'extensions'], template: ['spec', 'template'] }],
  ['StatefulSet', { groups: ['apps'], template: ['spec', 'template'] }],
  ['DaemonSet', { groups: ['apps', 'extensions'], template: ['spec', 'template'] }],
  ['Job', { groups: ['batch'], template: ['spec', 'template'] }],
  ['CronJob', { groups: ['batch'], template: ['spec', 'jobTemplate', 'spec', 'template'] }],
]);

/** The Kubernetes kinds whose pod templates are standard (see CORE); CRDs come on top. */
export const WORKLOAD_KINDS: ReadonlySet<string> = new Set(CORE.keys());

type TemplateSite = { path: FieldPath; role?: string };

function rayClusterSites(value: JsonObject, base: FieldPath): TemplateSite[] {
  const out: TemplateSite[] = [{ path: [...base, 'headGroupSpec', 'template'], role: 'head' }];
  const workers = getPath(value, [...base, 'workerGroupSpecs']);
  asArray(workers).forEach((_, i) => out.push({ path: [...base, 'workerGroupSpecs', i, 'template'], role: `worker[${i}]` }));
  return out;
}

function replicaSpecSites(value: JsonObject, field: string): TemplateSite[] {
  const specs = getPath(value, ['spec', field]);
  if (!isObject(specs)) return [];
  return Object.keys(specs).map((role) => ({ path: ['spec', field, role, 'template'], role }));
}

/** Pod templates embedded in AI-platform CRDs (group → kind → sites). */
const CRD_SITES: ReadonlyMap<string, (kind: string, v: JsonObject) => TemplateSite[] | undefined> = new Map([
  [
    'ray.io',
    (kind: string, v: JsonObject) =>
      kind === 'RayCluster'
        ? rayClusterSites(v, ['spec'])
        : kind === 'RayJob'
          ? rayClusterSites(v, ['spec', 'rayClusterSpec'])
          : kind === 'RayService'
            ? rayClusterSites(v, ['spec', 'rayClusterConfig'])
            : undefined,
  ],
  [
    'kubeflow.org',
    (kind: string, v: JsonObject) => {
      const field: Record<string, string> = {
        PyTorchJob: 'pytorchReplicaSpecs',
        TFJob: 'tfReplicaSpecs',
        MPIJob: 'mpiReplicaSpecs',
        XGBoostJob: 'xgbReplicaSpecs',
        PaddleJob: 'paddleReplicaSpecs',
        JAXJob: 'jaxReplicaSpecs',
        MXJob: 'mxReplicaSpecs',
      };
      const f = field[kind];
      if (f !== undefined) return replicaSpecSites(v, f);
      if (kind === 'Notebook') return [{ path: ['spec', 'template'] }];
      return undefined;
    },
  ],
  ['argoproj.io', (kind: string) => (kind === 'Rollout' ? [{ path: ['spec', 'template'] }] : undefined)],
  [
    'leaderworkerset.x-k8s.io',
    (kind: string) =>
      kind === 'LeaderWorkerSet'
        ? [
            { path: ['spec', 'leaderWorkerTemplate', 'leaderTemplate'], role: 'leader' },
            { path: ['spec', 'leaderWorkerTemplate', 'workerTemplate'], role: 'worker' },
          ]
        : undefined,
  ],
  [
    'jobset.x-k8s.io',
    (kind: string, v: JsonObject) =>
      kind === 'JobSet'
        ? asArray(getPath(v, ['spec', 'replicatedJobs'])).map((rj, i) => ({
            path: ['spec', 'replicatedJobs', i, 'template', 'spec', 'template'],
            role: isObject(rj) && typeof rj['name'] === 'string' ? rj['name'] : `replicatedJobs[${i}]`,
          }))
        : undefined,
  ],
]);

function templateSites(obj: ManifestObject): TemplateSite[] | 'self' | undefined {
  const group = apiGroup(obj.apiVersion);
  const core = CORE.get(obj.kind);
  if (core) {
    if (!core.groups.includes(group)) return undefined;
    return core.template === 'self' ? 'self' : [{ path: core.template }];
  }
  const crd = CRD_SITES.get(group);
  return crd?.(obj.kind, obj.value);
}

/** True when the object creates pods (one of the kinds above, in the right API group). */
export function isWorkload(obj: ManifestObject): boolean {
  return templateSites(obj) !== undefined;
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
  const sites = templateSites(obj);
  if (sites === undefined) return [];
  if (sites === 'self') return [makeTemplate(obj, ['metadata'], ['spec'])];
  const out: PodTemplate[] = [];
  for (const s of sites) {
    // A CRD template site that is absent is skipped; a core kind without a template still yields an
    // (empty) template so that "missing" findings have somewhere to point.
    if (CORE.has(obj.kind) || isObject(getPath(obj.value, s.path))) {
      out.push(makeTemplate(obj, [...s.path, 'metadata'], [...s.path, 'spec'], s.role));
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
