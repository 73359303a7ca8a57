/**
 * Facts about workloads and their identities for the attack-path graph (src/attack-paths): computed
 * from the objects the scan already parsed, with the same workload model and RBAC resolution the
 * rules use, never from the files again. Plain data.
 *
 * - per pod template: its object, namespace, ServiceAccount, whether a token is mounted, the strings
 *   that may name a model (args, command, env values, image-volume references, subPaths) and whether it
 *   asks for accelerators;
 * - per ServiceAccount a workload runs as: its risky grants (category, scope, the Role rule or binding
 *   that gives it: where the `k8s/rbac-*` finding of that grant is located).
 */
import type { Location } from '../findings/index.js';
import { isGpuContainer } from './accelerators.js';
import type { FieldPath, Json, ManifestObject } from './model.js';
import { locationOf } from './model.js';
import type { K8sOptions } from './options.js';
import { resolveK8sOptions } from './options.js';
import { buildRbacModel, grantsOfSubject } from './rbac/index.js';
import { clustersOf } from './scopes.js';
import { asArray, asObject, asString, podFieldPath, podTemplatesOf } from './workloads.js';

export interface ModelReference {
  readonly value: string;
  readonly location: Location;
}

export interface WorkloadFacts {
  /** Index of the cluster (path argument) the object belongs to. */
  readonly cluster: number;
  readonly path: string;
  readonly objectKind: string;
  readonly name: string;
  /** Namespace of the pods (`default` when unset). */
  readonly namespace: string;
  /** Role of the template in objects with several (`worker[0]`); absent otherwise. */
  readonly role?: string;
  /** The object itself. */
  readonly location: Location;
  readonly serviceAccount: string;
  /** Where the ServiceAccount is decided: `serviceAccountName`, or the pod spec when unset. */
  readonly serviceAccountLocation: Location;
  /** A ServiceAccount token is mounted (neither the pod nor the ServiceAccount sets automountServiceAccountToken: false). */
  readonly tokenMounted: boolean;
  readonly modelReferences: readonly ModelReference[];
  readonly usesAccelerators: boolean;
}

export interface GrantFacts {
  readonly cluster: number;
  /** `namespace/name` of the ServiceAccount. */
  readonly serviceAccount: string;
  /** An RBAC grant category (`secrets-read`, `pod-create`, …) or `wildcard` (every verb on every resource). */
  readonly category: string;
  /** `cluster` or the namespace the grant applies in. */
  readonly scope: string;
  /** `RoleBinding llm/x → ClusterRole edit` */
  readonly via: string;
  /** Where the grant is defined: the Role rule, or the binding's roleRef for built-in roles. */
  readonly location: Location;
}

export interface GraphFacts {
  readonly workloads: readonly WorkloadFacts[];
  readonly grants: readonly GrantFacts[];
}

/** Most strings kept per container (args are short; this bounds hostile manifests). */
const MAX_REFS_PER_CONTAINER = 256;

function falseAt(v: Json | undefined): boolean {
  return v === false;
}

export function graphFacts(objects: readonly ManifestObject[], options: Pick<K8sOptions, 'inputRoots' | 'oneCluster'>): GraphFacts {
  const opts = resolveK8sOptions(options);
  const workloads: WorkloadFacts[] = [];
  const grants: GrantFacts[] = [];
  clustersOf(objects, opts).forEach((cluster, ci) => {
    const sas = new Map<string, ManifestObject>();
    for (const o of cluster) if (o.kind === 'ServiceAccount' && o.apiVersion === 'v1') sas.set(`${o.namespace ?? 'default'}/${o.name}`, o);
    const used = new Set<string>();
    for (const obj of cluster) {
      for (const t of podTemplatesOf(obj)) {
        const saKey = `${t.namespace}/${t.serviceAccountName}`;
        const sa = sas.get(saKey);
        const tokenMounted = !(falseAt(t.spec['automountServiceAccountToken']) || (t.spec['automountServiceAccountToken'] === undefined && falseAt(sa?.value['automountServiceAccountToken'])));
        const refs: ModelReference[] = [];
        let gpu = false;
        for (const c of t.containers) {
          if (isGpuContainer(c.container)) gpu = true;
          let n = 0;
          const add = (v: Json | undefined, p: FieldPath): void => {
            const s = asString(v);
            if (s !== undefined && s.length > 0 && n++ < MAX_REFS_PER_CONTAINER) refs.push({ value: s, location: locationOf(obj, p) });
          };
          for (const field of ['command', 'args'] as const) asArray(c.container[field]).forEach((a, i) => add(a, [...c.path, field, i]));
          asArray(c.container['env']).forEach((e, i) => add(asObject(e)?.['value'], [...c.path, 'env', i, 'value']));
          asArray(c.container['volumeMounts']).forEach((m, i) => add(asObject(m)?.['subPath'], [...c.path, 'volumeMounts', i, 'subPath']));
        }
        for (const v of t.volumes) add0(refs, obj, asObject(v.volume['image'])?.['reference'], [...v.path, 'image', 'reference']);
        const saPath = t.spec['serviceAccountName'] !== undefined ? podFieldPath(t, 'serviceAccountName') : t.specPath;
        workloads.push({
          cluster: ci,
          path: obj.path,
          objectKind: obj.kind,
          name: obj.name,
          namespace: t.namespace,
          ...(t.role !== undefined && { role: t.role }),
          location: locationOf(obj, []),
          serviceAccount: t.serviceAccountName,
          serviceAccountLocation: locationOf(obj, saPath),
          tokenMounted,
          modelReferences: refs,
          usesAccelerators: gpu,
        });
        used.add(saKey);
      }
    }
    if (used.size === 0) return;
    const model = buildRbacModel(cluster);
    for (const key of [...used].sort()) {
      const slash = key.indexOf('/');
      const seen = new Set<string>();
      for (const g of grantsOfSubject(model, { kind: 'ServiceAccount', namespace: key.slice(0, slash), name: key.slice(slash + 1) })) {
        if (g.category === 'wildcard' && g.wildcard?.full !== true) continue;
        const role = g.source.role;
        const b = g.holding.binding;
        const location = role.object ? locationOf(role.object, g.source.path) : locationOf(b.object, b.roleRefPath);
        const scope = g.scope.kind === 'cluster' ? 'cluster' : g.scope.namespace;
        const bound = g.holding.role ?? role;
        const via = `${b.kind} ${b.namespace === undefined ? '' : `${b.namespace}/`}${b.name} → ${bound.kind} ${bound.namespace === undefined ? '' : `${bound.namespace}/`}${bound.name}`;
        const id = `${g.category}|${scope}|${via}`;
        if (seen.has(id)) continue;
        seen.add(id);
        grants.push({ cluster: ci, serviceAccount: key, category: g.category, scope, via, location });
      }
    }
  });
  return { workloads, grants };
}

function add0(refs: ModelReference[], obj: ManifestObject, v: Json | undefined, p: FieldPath): void {
  const s = asString(v);
  if (s !== undefined && s.length > 0) refs.push({ value: s, location: locationOf(obj, p) });
}
