/**
 * The cluster index: every object's pod templates computed once, and indexes for the rules that
 * relate objects (Service selectors → pods, ServiceAccount objects, RoleBinding subjects, LimitRange
 * defaults, RuntimeClass handlers). Built in one pass over the objects; lookups are hash-based, so the
 * whole analysis stays linear in the number of objects (no object × object loops). At admission the
 * index holds the one object under review, so every lookup of another object finds nothing.
 */
import type { Json, ManifestObject } from './model.js';
import type { PodTemplate } from './workloads.js';
import { apiGroup, asArray, asObject, asString, isObject, podTemplatesOf } from './workloads.js';

const nsKey = (ns: string, name: string): string => `${ns}\u0000${name}`;

/**
 * What names an object in a cluster: API group, kind, namespace (unset reads as `default`, where
 * `kubectl apply` puts it) and name. Objects named by `generateName` or not at all have no identity
 * (each creates a new object).
 */
export function objectIdentityKey(o: ManifestObject): string | undefined {
  if (o.name === '' || o.name.endsWith('*')) return undefined;
  return identityKey(apiGroup(o.apiVersion), o.kind, o.namespace, o.name);
}

function identityKey(group: string, kind: string, namespace: string | undefined, name: string): string {
  return `${group}\u0000${kind}\u0000${namespace !== undefined && namespace !== '' ? namespace : 'default'}\u0000${name}`;
}

export class ClusterIndex {
  /** Pod templates of each workload object (computed once). */
  readonly templates = new Map<ManifestObject, PodTemplate[]>();
  /** namespace + "\0" + label key + "=" + value → templates carrying that label. */
  private readonly byLabel = new Map<string, PodTemplate[]>();
  private readonly serviceAccounts = new Map<string, ManifestObject>();
  private readonly services = new Map<string, ManifestObject>();
  private readonly limitRanges = new Map<string, ManifestObject[]>();
  private readonly runtimeClasses = new Map<string, ManifestObject>();
  /** ServiceAccounts (ns\0name) named as a subject of some RoleBinding / ClusterRoleBinding. */
  private readonly boundServiceAccounts = new Set<string>();
  /** Whether the input contains any RoleBinding or ClusterRoleBinding (i.e. RBAC is known). */
  hasBindings = false;
  private readonly namespaces = new Map<string, ManifestObject>();
  private readonly byNamespace = new Map<string, PodTemplate[]>();
  /** Identity (group, kind, namespace, name) → every object with it, in input order. */
  private readonly byIdentity = new Map<string, ManifestObject[]>();

  constructor(objects: readonly ManifestObject[]) {
    for (const o of objects) {
      const id = objectIdentityKey(o);
      if (id !== undefined) {
        const same = this.byIdentity.get(id);
        if (same) same.push(o);
        else this.byIdentity.set(id, [o]);
      }
      const tpls = podTemplatesOf(o);
      if (tpls.length > 0) {
        this.templates.set(o, tpls);
        for (const t of tpls) {
          if (t.admission === 'namespace') {
            const inNs = this.byNamespace.get(t.namespace);
            if (inNs) inNs.push(t);
            else this.byNamespace.set(t.namespace, [t]);
          }
          for (const [k, v] of t.labels) {
            const key = `${t.namespace}\u0000${k}=${v}`;
            const list = this.byLabel.get(key);
            if (list) list.push(t);
            else this.byLabel.set(key, [t]);
          }
        }
        continue;
      }
      const group = apiGroup(o.apiVersion);
      const ns = o.namespace ?? 'default';
      if (group === '' && o.kind === 'Namespace') this.namespaces.set(o.name, o);
      else if (group === '' && o.kind === 'ServiceAccount') this.serviceAccounts.set(nsKey(ns, o.name), o);
      else if (group === '' && o.kind === 'Service') this.services.set(nsKey(ns, o.name), o);
      else if (group === '' && o.kind === 'LimitRange') {
        const l = this.limitRanges.get(ns);
        if (l) l.push(o);
        else this.limitRanges.set(ns, [o]);
      } else if (group === 'node.k8s.io' && o.kind === 'RuntimeClass') this.runtimeClasses.set(o.name, o);
      else if (group === 'rbac.authorization.k8s.io' && (o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding')) {
        this.hasBindings = true;
        for (const s of asArray(o.value['subjects'])) {
          const subj = asObject(s);
          if (!subj || subj['kind'] !== 'ServiceAccount') continue;
          const name = asString(subj['name']);
          if (name === undefined) continue;
          // The RBAC authorizer defaults a ServiceAccount subject's namespace to the RoleBinding's.
          const sns = asString(subj['namespace']) || (o.kind === 'RoleBinding' ? ns : '');
          if (sns !== '') this.boundServiceAccounts.add(nsKey(sns, name));
        }
      }
    }
  }

  /** The Namespace object of `ns`, when the input has one. */
  namespace(ns: string): ManifestObject | undefined {
    return this.namespaces.get(ns);
  }

  /** Pod templates whose pods run in namespace `ns` (cluster-scoped templates excluded). */
  templatesIn(ns: string): readonly PodTemplate[] {
    return this.byNamespace.get(ns) ?? [];
  }

  /** Every object of the analysis with the same identity as `obj` (group, kind, namespace, name), `obj` included, in input order. */
  sameIdentity(obj: ManifestObject): readonly ManifestObject[] {
    const id = objectIdentityKey(obj);
    return id === undefined ? [obj] : (this.byIdentity.get(id) ?? [obj]);
  }

  /** Every object of the analysis with this identity (several when it is defined more than once). */
  find(group: string, kind: string, ns: string, name: string): readonly ManifestObject[] {
    return this.byIdentity.get(identityKey(group, kind, ns, name)) ?? [];
  }

  serviceAccount(ns: string, name: string): ManifestObject | undefined {
    return this.serviceAccounts.get(nsKey(ns, name));
  }

  service(ns: string, name: string): ManifestObject | undefined {
    return this.services.get(nsKey(ns, name));
  }

  runtimeClass(name: string): ManifestObject | undefined {
    return this.runtimeClasses.get(name);
  }

  isBound(ns: string, sa: string): boolean {
    return this.boundServiceAccounts.has(nsKey(ns, sa));
  }

  private readonly defaultLimitsCache = new Map<string, ReadonlySet<string>>();

  /** Resources a LimitRange in `ns` gives containers a default limit for (cached per namespace). */
  defaultLimits(ns: string): ReadonlySet<string> {
    const hit = this.defaultLimitsCache.get(ns);
    if (hit) return hit;
    const out = new Set<string>();
    this.defaultLimitsCache.set(ns, out);
    for (const lr of this.limitRanges.get(ns) ?? []) {
      for (const item of asArray(asObject(lr.value['spec'])?.['limits'])) {
        const it = asObject(item);
        if (!it || (it['type'] !== 'Container' && it['type'] !== undefined)) continue;
        const d = asObject(it['default']);
        if (d) for (const k of Object.keys(d)) out.add(k);
      }
    }
    return out;
  }

  /**
   * Pod templates in `ns` selected by a Service-style selector (matchLabels only; every pair must
   * match). Starts from the shortest posting list, so the cost is bounded by the rarest label.
   */
  selectTemplates(ns: string, selector: Json | undefined): PodTemplate[] {
    if (!isObject(selector)) return [];
    const pairs = Object.entries(selector).filter((e): e is [string, string] => typeof e[1] === 'string');
    if (pairs.length === 0) return [];
    let best: PodTemplate[] | undefined;
    for (const [k, v] of pairs) {
      const list = this.byLabel.get(`${ns}\u0000${k}=${v}`);
      if (!list) return [];
      if (!best || list.length < best.length) best = list;
    }
    return (best ?? []).filter((t) => pairs.every(([k, v]) => t.labels.get(k) === v));
  }
}
