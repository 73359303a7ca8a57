/**
 * Workload extraction: the pod template(s) of any object that creates pods, and its containers.
 *
 * Usage (RBAC / NetworkPolicy / PSS rules):
 * ```ts
 * for (const t of podTemplatesOf(obj)) {          // [] for objects that are not workloads
 *   t.spec;            // the pod spec (JsonObject, {} when missing)
 *   podFieldPath(t, 'hostNetwork');               // where a pod-level field is (or belongs)
 *   t.labels;          // pod labels (Map, string values only), t.annotations likewise
 *   t.namespace;       // object namespace or 'default'
 *   t.serviceAccountName; // spec.serviceAccountName || deprecated spec.serviceAccount || 'default'
 *   for (const c of containersOf(t)) locationOf(obj, [...c.path, 'image']);
 * }
 * ```
 * Kinds are data: `WORKLOAD_KIND_TABLE` lists every kind that creates pods, with its API group(s), where
 * its pod templates (or inline pod specs, or single containers) are, and who decides the admission
 * level of the pods it produces. Built-in kinds (Pod, PodTemplate, ReplicationController, Deployment,
 * ReplicaSet, StatefulSet, DaemonSet, Job, CronJob; groups checked, so a Knative `Service` or a CRD
 * called `Deployment` is not mistaken for a core kind) and the AI-platform kinds: KubeRay (RayCluster,
 * RayJob with its submitter pod, RayService, RayCronJob), Kubeflow training jobs, Notebooks, Trainer v2
 * (TrainJob, TrainingRuntime, ClusterTrainingRuntime), Katib (Experiment and Trial: the embedded trial
 * object), KServe (InferenceService predictor/transformer/explainer and their workers as the pods
 * KServe generates, ServingRuntime, ClusterServingRuntime, LLMInferenceService and its Config), Argo
 * (Rollout; Workflow, WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow: one pod per container,
 * script or containerSet template), LeaderWorkerSet and JobSet.
 *
 * Some pods are completed by another object (a TrainJob's trainer by its runtime, a KServe framework
 * spec by its ServingRuntime, an LLMInferenceService by its config): such a template or container is
 * `partial`, and rules judge only what it writes, never what it leaves out.
 *
 * Containers are visited in the order upstream pod-security-admission visits them (init, regular,
 * ephemeral). Everything here is total on arbitrary JSON: wrong types read as absent.
 */
import type { FieldPath, Json, JsonObject, ManifestObject } from './model.js';

export type ContainerListName = 'initContainers' | 'containers' | 'ephemeralContainers';
export const CONTAINER_LISTS: readonly ContainerListName[] = ['initContainers', 'containers', 'ephemeralContainers'];

export interface ContainerRef {
  readonly container: JsonObject;
  readonly list: ContainerListName;
  readonly index: number;
  /** `name`, or `''` when missing (single-container sites: the name the controller gives it). */
  readonly name: string;
  /** Field path of the container from the object root, e.g. ['spec','template','spec','containers',0]. */
  readonly path: FieldPath;
  /** Completed by another object (a runtime): fields it does not set are not judged. */
  readonly partial?: boolean;
}

export interface PodTemplate {
  readonly object: ManifestObject;
  /** The pod spec (`{}` when the object has none); for pods assembled from several places, their merge. */
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
  /** Role of the template in objects with several (`head`, `worker[0]`, `Master`, `predictor`); absent otherwise. */
  readonly role?: string;
  /** The containers, in PSA order, wherever they are. */
  readonly containers: readonly ContainerRef[];
  /** The volumes, wherever they are. */
  readonly volumes: readonly VolumeRef[];
  /** Pod-level fields that live elsewhere than under `specPath` (an Argo workflow's spec). */
  readonly fieldPaths?: ReadonlyMap<string, FieldPath>;
  /** The pod spec is completed by another object: fields absent here are not judged. */
  readonly partial?: boolean;
  /** Who sets the admission level of the pods: the object's namespace, or the namespace of whoever references a cluster-scoped template. */
  readonly admission: PodAdmission;
}

export interface VolumeRef {
  readonly volume: JsonObject;
  readonly index: number;
  readonly name: string;
  readonly path: FieldPath;
}

/**
 * Where the admission level of the produced pods comes from: `namespace` (the object's namespace, as
 * for a Deployment), or `referrer` (a cluster-scoped template such as ClusterServingRuntime or
 * ClusterWorkflowTemplate: its pods run in the namespace of the object that uses it).
 */
export type PodAdmission = 'namespace' | 'referrer';

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

/** A path with wildcards: `LIST` is every item of a list, `MAP` every value of a map. */
export const LIST = '[*]';
export const MAP = '{*}';
export type PathPattern = readonly (string | typeof LIST | typeof MAP)[];

/** What a wildcard matched, for naming the template (`worker[0]`, `Master`, the replicated job's name). */
export interface SiteMatch {
  /** The index or key each wildcard matched, in order. */
  readonly keys: readonly (string | number)[];
  /** The item each wildcard matched. */
  readonly items: readonly (Json | undefined)[];
}

/** A single container the controller builds from a container-like spec (KServe `model:`, a TrainJob's trainer). */
export interface ContainerSite {
  /** Path below the site. */
  readonly at: FieldPath;
  /** The name the controller gives the container. */
  readonly name: string;
}

/** Where a workload keeps a pod. */
export type TemplateSite =
  | {
      /** A PodTemplateSpec (`metadata` + `spec`) at the pattern. */
      readonly shape: 'template';
      readonly at: PathPattern;
      readonly role?: string | ((m: SiteMatch) => string);
      readonly partial?: boolean;
    }
  | {
      /** An inline pod spec whose `labels`/`annotations` sit beside its fields (KServe components, ServingRuntime). */
      readonly shape: 'spec';
      readonly at: PathPattern;
      readonly role: string | ((m: SiteMatch) => string);
      /** Container-like specs below the site that become a container (present ones only); such containers are partial. */
      readonly containers?: readonly ContainerSite[];
      readonly partial?: boolean;
    }
  | {
      /** Only single containers (no pod spec of its own): the pod is the runtime's, completed by these. */
      readonly shape: 'containers';
      readonly role: string;
      readonly containers: readonly ContainerSite[];
    }
  | {
      /** An Argo WorkflowSpec at `at`: one pod per template that runs containers. */
      readonly shape: 'argo';
      readonly at: FieldPath;
    }
  | {
      /** An embedded Kubernetes object (Katib trial spec) whose own kind says where its pods are. */
      readonly shape: 'embedded';
      readonly at: FieldPath;
      readonly role: string;
    };

/** A kind whose objects create pods. */
export interface WorkloadKind {
  /** API groups (`''` is the core group). */
  readonly groups: readonly string[];
  readonly kind: string;
  /** `self`: the object is the pod (Pod); otherwise where its pods are. */
  readonly sites: 'self' | readonly TemplateSite[];
  /**
   * Built-in kinds yield their template even when it is absent (so that "missing" findings have a
   * place to point); a CRD template site that is absent is skipped.
   */
  readonly builtin: boolean;
  /** Who sets the admission level of its pods (see `PodAdmission`). */
  readonly admission: PodAdmission;
}

const tpl = (at: PathPattern, role?: string | ((m: SiteMatch) => string), partial?: boolean): TemplateSite => ({
  shape: 'template',
  at,
  ...(role !== undefined && { role }),
  ...(partial === true && { partial }),
});
const builtin = (kind: string, groups: readonly string[], path: readonly string[] | 'self'): WorkloadKind => ({ groups, kind, sites: path === 'self' ? 'self' : [tpl(path)], builtin: true, admission: 'namespace' });
const crd = (group: string | readonly string[], kind: string, sites: readonly TemplateSite[], admission: PodAdmission = 'namespace'): WorkloadKind => ({
  groups: typeof group === 'string' ? [group] : group,
  kind,
  sites,
  builtin: false,
  admission,
});

const nameOr = (fallback: (m: SiteMatch) => string) => (m: SiteMatch): string => {
  const item = m.items[m.items.length - 1];
  return isObject(item) && typeof item['name'] === 'string' && item['name'] !== '' ? item['name'] : fallback(m);
};

function raySites(base: readonly string[]): TemplateSite[] {
  return [tpl([...base, 'headGroupSpec', 'template'], 'head'), tpl([...base, 'workerGroupSpecs', LIST, 'template'], (m) => `worker[${String(m.keys[0])}]`)];
}

const replicaSpecs = (kind: string, field: string): WorkloadKind => crd('kubeflow.org', kind, [tpl(['spec', field, MAP, 'template'], (m) => String(m.keys[0]))]);

/** JobSet-shaped templates (JobSet, Trainer v2 runtimes): one pod template per replicated job. */
const jobSetJobs = (base: readonly string[], partial?: boolean): TemplateSite => tpl([...base, 'replicatedJobs', LIST, 'template', 'spec', 'template'], nameOr((m) => `replicatedJobs[${String(m.keys[0])}]`), partial);

/** KServe v1beta1 framework specs: each becomes the `kserve-container`, completed by the ServingRuntime. */
const KSERVE_PREDICTOR_FRAMEWORKS = ['model', 'sklearn', 'xgboost', 'tensorflow', 'pytorch', 'triton', 'onnx', 'huggingface', 'pmml', 'lightgbm', 'paddle'];
const KSERVE_EXPLAINER_FRAMEWORKS = ['art', 'alibi'];
const kserveContainers = (keys: readonly string[]): ContainerSite[] => keys.map((k) => ({ at: k.split('/'), name: 'kserve-container' }));

/** LLMInferenceService(Config) pod specs, merged with their base configs by KServe (partial). */
const LLMISVC_SITES: readonly TemplateSite[] = [
  { shape: 'spec', at: ['spec', 'template'], role: 'decode', partial: true },
  { shape: 'spec', at: ['spec', 'worker'], role: 'decode-worker', partial: true },
  { shape: 'spec', at: ['spec', 'prefill', 'template'], role: 'prefill', partial: true },
  { shape: 'spec', at: ['spec', 'prefill', 'worker'], role: 'prefill-worker', partial: true },
  { shape: 'spec', at: ['spec', 'router', 'scheduler', 'template'], role: 'scheduler', partial: true },
];

const ARGO_WORKFLOW = (kind: string, at: FieldPath, admission: PodAdmission = 'namespace'): WorkloadKind => crd('argoproj.io', kind, [{ shape: 'argo', at }], admission);

/**
 * Every workload kind: the Kubernetes kinds (groups checked) and the AI-platform CRDs. One table for
 * `podTemplatesOf` and for the CEL of the PSS rules (workload-cel.ts); docs/rules/k8s/README.md lists it.
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
  // KubeRay
  crd('ray.io', 'RayCluster', raySites(['spec'])),
  crd('ray.io', 'RayJob', [...raySites(['spec', 'rayClusterSpec']), tpl(['spec', 'submitterPodTemplate'], 'submitter')]),
  crd('ray.io', 'RayService', raySites(['spec', 'rayClusterConfig'])),
  crd('ray.io', 'RayCronJob', [...raySites(['spec', 'jobTemplate', 'rayClusterSpec']), tpl(['spec', 'jobTemplate', 'submitterPodTemplate'], 'submitter')]),
  // Kubeflow training operator v1 and Notebooks
  replicaSpecs('PyTorchJob', 'pytorchReplicaSpecs'),
  replicaSpecs('TFJob', 'tfReplicaSpecs'),
  replicaSpecs('MPIJob', 'mpiReplicaSpecs'),
  replicaSpecs('XGBoostJob', 'xgbReplicaSpecs'),
  replicaSpecs('PaddleJob', 'paddleReplicaSpecs'),
  replicaSpecs('JAXJob', 'jaxReplicaSpecs'),
  replicaSpecs('MXJob', 'mxReplicaSpecs'),
  crd('kubeflow.org', 'Notebook', [tpl(['spec', 'template'])]),
  // Kubeflow Trainer v2: runtimes are JobSet templates; a TrainJob completes them (trainer, initializers, overrides)
  crd('trainer.kubeflow.org', 'TrainingRuntime', [jobSetJobs(['spec', 'template', 'spec'])]),
  crd('trainer.kubeflow.org', 'ClusterTrainingRuntime', [jobSetJobs(['spec', 'template', 'spec'])], 'referrer'),
  crd('trainer.kubeflow.org', 'TrainJob', [
    {
      shape: 'containers',
      role: 'trainer',
      containers: [
        { at: ['spec', 'trainer'], name: 'node' },
        { at: ['spec', 'initializer', 'dataset'], name: 'dataset-initializer' },
        { at: ['spec', 'initializer', 'model'], name: 'model-initializer' },
      ],
    },
    { shape: 'spec', at: ['spec', 'podSpecOverrides', LIST], role: (m) => `podSpecOverrides[${String(m.keys[0])}]`, partial: true },
    { shape: 'spec', at: ['spec', 'podTemplateOverrides', LIST, 'spec'], role: (m) => `podTemplateOverrides[${String(m.keys[0])}]`, partial: true },
    tpl(['spec', 'runtimePatches', LIST, 'trainingRuntimeSpec', 'template', 'spec', 'replicatedJobs', LIST, 'template', 'spec', 'template'], nameOr((m) => `runtimePatches[${String(m.keys[0])}]`), true),
  ]),
  // Katib: the trial template embeds a Job, PyTorchJob, TFJob … whose own kind says where its pods are
  crd('kubeflow.org', 'Experiment', [{ shape: 'embedded', at: ['spec', 'trialTemplate', 'trialSpec'], role: 'trial' }]),
  crd('kubeflow.org', 'Trial', [{ shape: 'embedded', at: ['spec', 'runSpec'], role: 'trial' }]),
  // KServe: the pods KServe generates from each component
  crd(['serving.kserve.io', 'serving.kubeflow.org'], 'InferenceService', [
    { shape: 'spec', at: ['spec', 'predictor'], role: 'predictor', containers: kserveContainers(KSERVE_PREDICTOR_FRAMEWORKS) },
    { shape: 'spec', at: ['spec', 'predictor', 'workerSpec'], role: 'predictor-worker' },
    { shape: 'spec', at: ['spec', 'transformer'], role: 'transformer' },
    { shape: 'spec', at: ['spec', 'explainer'], role: 'explainer', containers: kserveContainers(KSERVE_EXPLAINER_FRAMEWORKS) },
    // KFServing v1alpha2 (Kubeflow 1.0-1.2): default and canary endpoints, `custom.container` or a framework spec.
    ...(['default', 'canary'] as const).flatMap((ep) =>
      (['predictor', 'transformer', 'explainer'] as const).map(
        (c): TemplateSite => ({ shape: 'spec', at: ['spec', ep, c], role: `${ep}/${c}`, containers: kserveContainers([...KSERVE_PREDICTOR_FRAMEWORKS, ...KSERVE_EXPLAINER_FRAMEWORKS, 'custom/container']) }),
      ),
    ),
  ]),
  crd('serving.kserve.io', 'ServingRuntime', [
    { shape: 'spec', at: ['spec'], role: 'runtime', partial: true },
    { shape: 'spec', at: ['spec', 'workerSpec'], role: 'runtime-worker', partial: true },
  ]),
  crd(
    'serving.kserve.io',
    'ClusterServingRuntime',
    [
      { shape: 'spec', at: ['spec'], role: 'runtime', partial: true },
      { shape: 'spec', at: ['spec', 'workerSpec'], role: 'runtime-worker', partial: true },
    ],
    'referrer',
  ),
  crd('serving.kserve.io', 'LLMInferenceService', LLMISVC_SITES),
  crd('serving.kserve.io', 'LLMInferenceServiceConfig', LLMISVC_SITES),
  // Argo
  crd('argoproj.io', 'Rollout', [tpl(['spec', 'template'])]),
  ARGO_WORKFLOW('Workflow', ['spec']),
  ARGO_WORKFLOW('WorkflowTemplate', ['spec']),
  ARGO_WORKFLOW('ClusterWorkflowTemplate', ['spec'], 'referrer'),
  ARGO_WORKFLOW('CronWorkflow', ['spec', 'workflowSpec']),
  // Kubernetes SIGs
  crd('leaderworkerset.x-k8s.io', 'LeaderWorkerSet', [tpl(['spec', 'leaderWorkerTemplate', 'leaderTemplate'], 'leader'), tpl(['spec', 'leaderWorkerTemplate', 'workerTemplate'], 'worker')]),
  crd('jobset.x-k8s.io', 'JobSet', [jobSetJobs(['spec'])]),
];

const BUILTIN_BY_KIND: ReadonlyMap<string, WorkloadKind> = new Map(WORKLOAD_KIND_TABLE.filter((k) => k.builtin).map((k) => [k.kind, k]));
const CRD_BY_GROUP_KIND: ReadonlyMap<string, WorkloadKind> = new Map(WORKLOAD_KIND_TABLE.filter((k) => !k.builtin).flatMap((k) => k.groups.map((g) => [`${g}\u0000${k.kind}`, k] as const)));

/** The Kubernetes kinds whose pod templates are standard; CRDs come on top. */
export const WORKLOAD_KINDS: ReadonlySet<string> = new Set(BUILTIN_BY_KIND.keys());

function kindOf(apiVersion: string, kind: string): WorkloadKind | undefined {
  const group = apiGroup(apiVersion);
  const b = BUILTIN_BY_KIND.get(kind);
  if (b) return b.groups.includes(group) ? b : undefined;
  return CRD_BY_GROUP_KIND.get(`${group}\u0000${kind}`);
}

/** The workload kind of `obj`, if it creates pods (a built-in kind name in another group does not). */
export function workloadKindOf(obj: ManifestObject): WorkloadKind | undefined {
  return kindOf(obj.apiVersion, obj.kind);
}

/** True when the object creates pods (one of the kinds above, in the right API group). */
export function isWorkload(obj: ManifestObject): boolean {
  return workloadKindOf(obj) !== undefined;
}

/**
 * Embedded objects (Katib trial specs) whose kind is not one whose pods are known: where they are and
 * what they say they are (for the coverage rule).
 */
export function unknownEmbedded(obj: ManifestObject): { path: FieldPath; apiVersion: string; kind: string }[] {
  const wk = workloadKindOf(obj);
  if (wk === undefined || wk.sites === 'self') return [];
  const out: { path: FieldPath; apiVersion: string; kind: string }[] = [];
  for (const s of wk.sites) {
    if (s.shape !== 'embedded') continue;
    const inner = asObject(getPath(obj.value, s.at));
    if (!inner) continue;
    const apiVersion = asString(inner['apiVersion']) ?? '';
    const kind = asString(inner['kind']) ?? '';
    if (kindOf(apiVersion, kind) === undefined) out.push({ path: s.at, apiVersion, kind });
  }
  return out;
}

/** Where pod-level field `field` of `t` is (or belongs): under the pod spec, or where the pod takes it from. */
export function podFieldPath(t: PodTemplate, field: string, ...rest: (string | number)[]): FieldPath {
  const base = t.fieldPaths?.get(field) ?? [...t.specPath, field];
  return rest.length === 0 ? base : [...base, ...rest];
}

/** Whether a violation at `path` (absent from the object) may be judged: not for fields a runtime completes. */
export function judgeable(t: PodTemplate, path: FieldPath, present: boolean): boolean {
  if (present) return true;
  if (t.partial === true) return false;
  for (const c of t.containers) {
    if (c.partial !== true || path.length < c.path.length) continue;
    if (c.path.every((seg, i) => path[i] === seg)) return false;
  }
  return true;
}

interface Build {
  readonly obj: ManifestObject;
  readonly kind: WorkloadKind;
  /** Path of the object root inside `obj.value` (embedded trial objects), and its value. */
  readonly root: FieldPath;
  readonly rootValue: Json | undefined;
  readonly out: PodTemplate[];
  readonly depth: number;
}

function containersIn(spec: JsonObject, specPath: FieldPath, partial: boolean): ContainerRef[] {
  const out: ContainerRef[] = [];
  for (const list of CONTAINER_LISTS) {
    const arr = spec[list];
    if (!Array.isArray(arr)) continue;
    for (let i = 0; i < arr.length; i++) {
      const c = arr[i];
      if (!isObject(c)) continue;
      out.push({ container: c, list, index: i, name: asString(c['name']) ?? '', path: [...specPath, list, i], ...(partial && { partial }) });
    }
  }
  return out;
}

function volumesIn(spec: JsonObject, specPath: FieldPath): VolumeRef[] {
  const out: VolumeRef[] = [];
  const arr = spec['volumes'];
  if (!Array.isArray(arr)) return out;
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (!isObject(v)) continue;
    out.push({ volume: v, index: i, name: asString(v['name']) ?? '', path: [...specPath, 'volumes', i] });
  }
  return out;
}

interface TemplateParts {
  readonly spec: JsonObject;
  readonly specPath: FieldPath;
  readonly metadata: JsonObject;
  readonly metadataPath: FieldPath;
  readonly containers: readonly ContainerRef[];
  readonly volumes: readonly VolumeRef[];
  readonly role?: string;
  readonly fieldPaths?: ReadonlyMap<string, FieldPath>;
  readonly partial?: boolean;
}

function makeTemplate(b: Build, p: TemplateParts): PodTemplate {
  const san = asString(p.spec['serviceAccountName']);
  const sa = asString(p.spec['serviceAccount']);
  const obj = b.obj;
  return {
    object: obj,
    spec: p.spec,
    specPath: p.specPath,
    metadata: p.metadata,
    metadataPath: p.metadataPath,
    labels: stringMap(p.metadata['labels']),
    annotations: stringMap(p.metadata['annotations']),
    namespace: obj.namespace !== undefined && obj.namespace !== '' ? obj.namespace : 'default',
    serviceAccountName: san !== undefined && san !== '' ? san : sa !== undefined && sa !== '' ? sa : 'default',
    ...(p.role !== undefined && { role: p.role }),
    containers: p.containers,
    volumes: p.volumes,
    ...(p.fieldPaths !== undefined && { fieldPaths: p.fieldPaths }),
    ...(p.partial === true && { partial: true }),
    admission: b.kind.admission,
  };
}

/** Every concrete path (with what the wildcards matched) of a pattern that exists in `root`. */
function expand(root: Json | undefined, base: FieldPath, pattern: PathPattern): { path: FieldPath; match: SiteMatch }[] {
  let frontier: { path: (string | number)[]; value: Json | undefined; keys: (string | number)[]; items: (Json | undefined)[] }[] = [{ path: [...base], value: root, keys: [], items: [] }];
  for (const seg of pattern) {
    const next: typeof frontier = [];
    for (const f of frontier) {
      if (seg === LIST) {
        const arr = asArray(f.value);
        for (let i = 0; i < arr.length; i++) next.push({ path: [...f.path, i], value: arr[i], keys: [...f.keys, i], items: [...f.items, arr[i]] });
      } else if (seg === MAP) {
        if (!isObject(f.value)) continue;
        for (const k of Object.keys(f.value)) next.push({ path: [...f.path, k], value: f.value[k], keys: [...f.keys, k], items: [...f.items, f.value[k]] });
      } else {
        next.push({ path: [...f.path, seg], value: isObject(f.value) && Object.prototype.hasOwnProperty.call(f.value, seg) ? f.value[seg] : undefined, keys: f.keys, items: f.items });
      }
    }
    frontier = next;
  }
  return frontier.map((f) => ({ path: f.path, match: { keys: f.keys, items: f.items } }));
}

const roleOf = (role: string | ((m: SiteMatch) => string) | undefined, m: SiteMatch): string | undefined => (typeof role === 'function' ? role(m) : role);

/** Container-like specs at `sites` below `base` that are present (objects). */
function singleContainers(b: Build, base: FieldPath, sites: readonly ContainerSite[]): ContainerRef[] {
  const out: ContainerRef[] = [];
  for (const s of sites) {
    const path = [...base, ...s.at];
    const c = getPath(b.obj.value, path);
    if (!isObject(c)) continue;
    out.push({ container: c, list: 'containers', index: out.length, name: asString(c['name']) ?? s.name, path, partial: true });
  }
  return out;
}

/** Argo: the fields of a Template that become pod-spec fields (the others are the workflow's). */
const ARGO_TEMPLATE_POD_FIELDS = ['securityContext', 'serviceAccountName', 'automountServiceAccountToken', 'nodeSelector', 'affinity', 'tolerations', 'schedulerName', 'priorityClassName', 'hostAliases'];
const ARGO_WORKFLOW_POD_FIELDS = [
  'securityContext',
  'serviceAccountName',
  'automountServiceAccountToken',
  'nodeSelector',
  'affinity',
  'tolerations',
  'schedulerName',
  'priorityClassName',
  'hostAliases',
  'hostNetwork',
  'dnsPolicy',
  'dnsConfig',
  'imagePullSecrets',
  'runtimeClassName',
];

function argoTemplates(b: Build, base: FieldPath): void {
  const wfPath = [...b.root, ...base];
  const wf = asObject(getPath(b.obj.value, wfPath));
  if (!wf) return;
  const defaultsPath = [...wfPath, 'templateDefaults'];
  const defaults = asObject(wf['templateDefaults']);
  const wfVolumes = volumesIn(wf, wfPath);
  asArray(wf['templates']).forEach((raw, ti) => {
    const t = asObject(raw);
    if (!t) return;
    const tPath = [...wfPath, 'templates', ti];
    const containers: ContainerRef[] = [];
    const add = (list: ContainerListName, c: Json | undefined, path: FieldPath, name: string, partial: boolean): void => {
      if (!isObject(c)) return;
      containers.push({ container: c, list, index: containers.filter((x) => x.list === list).length, name: asString(c['name']) ?? name, path, ...(partial && { partial }) });
    };
    asArray(t['initContainers']).forEach((c, i) => add('initContainers', c, [...tPath, 'initContainers', i], '', false));
    // templateDefaults.container is merged into the main container by Argo: it is then completed by it.
    const mainPartial = isObject(defaults?.['container']) || isObject(defaults?.['script']);
    add('containers', t['container'], [...tPath, 'container'], 'main', mainPartial);
    add('containers', t['script'], [...tPath, 'script'], 'main', mainPartial);
    asArray(asObject(t['containerSet'])?.['containers']).forEach((c, i) => add('containers', c, [...tPath, 'containerSet', 'containers', i], '', false));
    asArray(t['sidecars']).forEach((c, i) => add('containers', c, [...tPath, 'sidecars', i], '', false));
    if (containers.length === 0) return; // steps, dag, suspend, resource, http … templates run no user container
    const spec: JsonObject = {};
    const fieldPaths = new Map<string, FieldPath>();
    for (const f of ARGO_WORKFLOW_POD_FIELDS) {
      if (wf[f] === undefined) continue;
      spec[f] = wf[f] as Json;
      fieldPaths.set(f, [...wfPath, f]);
    }
    for (const f of ARGO_TEMPLATE_POD_FIELDS) {
      const own = t[f] !== undefined ? { v: t[f] as Json, p: [...tPath, f] } : defaults?.[f] !== undefined ? { v: defaults[f] as Json, p: [...defaultsPath, f] } : undefined;
      if (!own) continue;
      spec[f] = own.v;
      fieldPaths.set(f, own.p);
    }
    const volumes = [...wfVolumes, ...volumesIn(t, tPath)];
    spec['volumes'] = volumes.map((v) => v.volume);
    fieldPaths.set('volumes', [...wfPath, 'volumes']);
    const ordered = [...containers.filter((c) => c.list === 'initContainers'), ...containers.filter((c) => c.list === 'containers')];
    const metaPath = [...tPath, 'metadata'];
    b.out.push(
      makeTemplate(b, {
        spec,
        specPath: tPath,
        metadata: asObject(t['metadata']) ?? {},
        metadataPath: metaPath,
        containers: ordered,
        volumes,
        role: asString(t['name']) ?? `templates[${ti}]`,
        fieldPaths,
      }),
    );
  });
}

const MAX_EMBEDDING = 2;

function buildSites(b: Build, sites: readonly TemplateSite[], builtinKind: boolean, rolePrefix = ''): void {
  const prefixed = (r: string | undefined): string | undefined => (rolePrefix === '' ? r : r === undefined ? rolePrefix : `${rolePrefix}/${r}`);
  for (const s of sites) {
    switch (s.shape) {
      case 'template':
        for (const { path, match } of expand(b.rootValue, b.root, s.at)) {
          const value = getPath(b.obj.value, path);
          if (!builtinKind && !isObject(value)) continue;
          const spec = asObject(getPath(value, ['spec'])) ?? {};
          const specPath = [...path, 'spec'];
          b.out.push(
            makeTemplate(b, {
              spec,
              specPath,
              metadata: asObject(getPath(value, ['metadata'])) ?? {},
              metadataPath: [...path, 'metadata'],
              containers: containersIn(spec, specPath, s.partial === true),
              volumes: volumesIn(spec, specPath),
              ...(prefixed(roleOf(s.role, match)) !== undefined && { role: prefixed(roleOf(s.role, match)) as string }),
              ...(s.partial === true && { partial: true }),
            }),
          );
        }
        break;
      case 'spec':
        for (const { path, match } of expand(b.rootValue, b.root, s.at)) {
          const spec = asObject(getPath(b.obj.value, path));
          if (!spec) continue;
          const containers = [...containersIn(spec, path, s.partial === true), ...singleContainers(b, path, s.containers ?? [])];
          b.out.push(
            makeTemplate(b, {
              spec,
              specPath: path,
              metadata: spec,
              metadataPath: path,
              containers: [...containers.filter((c) => c.list === 'initContainers'), ...containers.filter((c) => c.list !== 'initContainers')],
              volumes: volumesIn(spec, path),
              role: prefixed(roleOf(s.role, match)) as string,
              ...(s.partial === true && { partial: true }),
            }),
          );
        }
        break;
      case 'containers': {
        const containers = singleContainers(b, b.root, s.containers);
        if (containers.length === 0) break;
        b.out.push(makeTemplate(b, { spec: {}, specPath: [...b.root, 'spec'], metadata: {}, metadataPath: [...b.root, 'metadata'], containers, volumes: [], role: prefixed(s.role) as string, partial: true }));
        break;
      }
      case 'argo':
        argoTemplates(b, s.at);
        break;
      case 'embedded': {
        if (b.depth >= MAX_EMBEDDING) break;
        const at = [...b.root, ...s.at];
        const inner = asObject(getPath(b.obj.value, at));
        const av = asString(inner?.['apiVersion']);
        const k = asString(inner?.['kind']);
        if (!inner || av === undefined || k === undefined) break;
        const wk = kindOf(av, k);
        if (!wk) break;
        const sub: Build = { obj: b.obj, kind: b.kind, root: at, rootValue: inner, out: b.out, depth: b.depth + 1 };
        if (wk.sites === 'self') {
          const spec = asObject(inner['spec']) ?? {};
          b.out.push(
            makeTemplate(sub, {
              spec,
              specPath: [...at, 'spec'],
              metadata: asObject(inner['metadata']) ?? {},
              metadataPath: [...at, 'metadata'],
              containers: containersIn(spec, [...at, 'spec'], false),
              volumes: volumesIn(spec, [...at, 'spec']),
              role: prefixed(s.role) as string,
            }),
          );
        } else buildSites(sub, wk.sites, false, prefixed(s.role) as string);
        break;
      }
    }
  }
}

/** The pod template(s) of a workload; `[]` for any other object. */
export function podTemplatesOf(obj: ManifestObject): PodTemplate[] {
  const wk = workloadKindOf(obj);
  if (wk === undefined) return [];
  const b: Build = { obj, kind: wk, root: [], rootValue: obj.value, out: [], depth: 0 };
  if (wk.sites === 'self') {
    const spec = asObject(obj.value['spec']) ?? {};
    return [
      makeTemplate(b, {
        spec,
        specPath: ['spec'],
        metadata: asObject(obj.value['metadata']) ?? {},
        metadataPath: ['metadata'],
        containers: containersIn(spec, ['spec'], false),
        volumes: volumesIn(spec, ['spec']),
      }),
    ];
  }
  buildSites(b, wk.sites, wk.builtin);
  return b.out;
}

/** Containers of a pod template, in upstream PSA order (init, regular, ephemeral) unless `lists` says otherwise. */
export function containersOf(t: PodTemplate, lists: readonly ContainerListName[] = CONTAINER_LISTS): ContainerRef[] {
  if (lists === CONTAINER_LISTS) return [...t.containers];
  return t.containers.filter((c) => lists.includes(c.list));
}

/** Volumes of a pod template with their field paths (from the object root). */
export function volumesOf(t: PodTemplate): VolumeRef[] {
  return [...t.volumes];
}

/** `container "app"`, `init container "fetch"`, `ephemeral container "debug"` (for messages). */
export function containerLabel(c: ContainerRef): string {
  return `${c.list === 'initContainers' ? 'init container' : c.list === 'ephemeralContainers' ? 'ephemeral container' : 'container'} ${JSON.stringify(c.name)}`;
}
