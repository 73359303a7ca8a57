/**
 * Which objects are one cluster. A scan may name unrelated inputs (`bulwark scan kubeflow/ kuberay/`,
 * two repositories, dev and prod overlays given separately): merging them would put every object
 * without a namespace into one `default` namespace and let a RoleBinding of one input grant the
 * ServiceAccounts of another. So, unless told that all inputs are one cluster (`oneCluster`), objects
 * are grouped by the path argument they came from:
 *
 * - a folder argument is one cluster (everything under it, at any depth);
 * - file arguments in the same folder are one cluster (`scan deploy/a.yaml deploy/b.yaml`);
 * - stdin (`-`) is one cluster;
 * - with no `inputRoots` (a library caller, admission) everything is one cluster.
 *
 * Each cluster is analysed on its own (namespaces, RBAC, NetworkPolicy, Services, LimitRanges), in
 * the order of the arguments; an object is never in two clusters (the longest matching argument wins).
 */
import type { ManifestObject } from './model.js';
import type { ResolvedK8sOptions } from './options.js';

const SEP = /[/\\]$/;

function dirOf(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i <= 0 ? (i === 0 ? '/' : '.') : p.slice(0, i);
}

function under(path: string, root: string): boolean {
  if (path === root) return true;
  const r = SEP.test(root) ? root : `${root}/`;
  return path.startsWith(r) || path.startsWith(r.replace(/\/$/, '\\'));
}

/** The objects of each cluster, in input order. */
export function clustersOf(objects: readonly ManifestObject[], options: Pick<ResolvedK8sOptions, 'inputRoots' | 'oneCluster'>): ManifestObject[][] {
  if (options.oneCluster || options.inputRoots.length === 0) return objects.length === 0 ? [] : [[...objects]];
  // Longest roots first, so that an object belongs to the most specific argument naming it.
  const roots = [...new Set(options.inputRoots)].sort((a, b) => b.length - a.length);
  const keyOf = new Map<string, string>();
  const clusterKey = (path: string): string => {
    const hit = keyOf.get(path);
    if (hit !== undefined) return hit;
    let key = '';
    if (path === '-') key = '-';
    else {
      const root = roots.find((r) => under(path, r));
      // A file argument (the object's path is the argument itself) shares the cluster of its folder.
      if (root !== undefined) key = path === root ? `dir:${dirOf(root)}` : `dir:${root.replace(SEP, '')}`;
    }
    keyOf.set(path, key);
    return key;
  };
  const groups = new Map<string, ManifestObject[]>();
  for (const o of objects) {
    const k = clusterKey(o.path);
    const g = groups.get(k);
    if (g) g.push(o);
    else groups.set(k, [o]);
  }
  return [...groups.values()];
}
