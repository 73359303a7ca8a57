/**
 * RBAC resolution: Roles and ClusterRoles (with aggregation), bindings to subjects, and the effective
 * risky permissions of any subject — pure functions over manifest objects, used by the findings and
 * by tests.
 *
 * Semantics implemented (kubernetes `pkg/registry/rbac/validation/rule.go`, `clusterroleaggregation`
 * controller):
 * - Aggregation: a ClusterRole with `aggregationRule` gets the rules of every ClusterRole whose labels
 *   match ANY of its `clusterRoleSelectors` (itself excluded); the controller overwrites the role's own
 *   `rules`. Aggregated roles that match contribute their aggregated rules, so this is transitive
 *   (built-in `admin` ⊇ `edit` ⊇ `view` work this way). Cycles are harmless (reachability). A role
 *   with an invalid selector is rejected by validation and grants nothing.
 * - A ClusterRoleBinding grants its ClusterRole cluster-wide; a RoleBinding grants its Role or
 *   ClusterRole only inside the binding's namespace, and never cluster-scoped resources (nodes,
 *   CSRs, webhook configurations, users/groups impersonation) nor non-resource URLs.
 * - Subjects: `User`, `Group`, `ServiceAccount` (namespace defaulted to a RoleBinding's namespace).
 *   A User named `system:serviceaccount:<ns>:<name>` is that ServiceAccount. A ServiceAccount is also
 *   a member of the groups `system:serviceaccounts`, `system:serviceaccounts:<ns>` and
 *   `system:authenticated`.
 * - Bindings to roles absent from the input resolve against the built-in roles (builtin-roles.ts);
 *   a role defined in the input takes precedence over a built-in of the same name.
 */
import type { ManifestObject } from '../model.js';
import type { CompiledSelector, Labels } from '../network-policy/label-selector.js';
import { compileLabelSelector, indexKeysOf, selectorMatches } from '../network-policy/label-selector.js';
import { BUILTIN_CLUSTER_ROLES } from './builtin-roles.js';
import type { BindingDef, RoleDef, SourceRule, SubjectDef } from './objects.js';
import { readBinding, readRole } from './objects.js';
import type { CategoryMatch, GrantCategory, WildcardInfo } from './permissions.js';
import { categoriesOf, wildcardOf } from './permissions.js';

export type Scope = { readonly kind: 'cluster' } | { readonly kind: 'namespace'; readonly namespace: string };

export interface Holding {
  readonly subject: SubjectDef;
  /** Canonical subject key (see subjectKey). */
  readonly key: string;
  readonly binding: BindingDef;
  /** The bound role, or undefined when it is neither in the input nor a known built-in. */
  readonly role: RoleDef | undefined;
  readonly scope: Scope;
}

/** A risky grant a subject holds: which category, through which binding, role and source rule. */
export interface HeldGrant {
  readonly category: GrantCategory | 'wildcard';
  readonly match?: CategoryMatch;
  readonly wildcard?: WildcardInfo;
  readonly source: SourceRule;
  readonly holding: Holding;
  readonly scope: Scope;
}

export interface RbacModel {
  readonly roles: readonly RoleDef[];
  readonly bindings: readonly BindingDef[];
  readonly holdings: readonly Holding[];
  /** Effective rules of a role (aggregation resolved). */
  effectiveRules(role: RoleDef): readonly SourceRule[];
  /** Roles whose effective rules include `rule` (the role itself and every role aggregating it). */
  rolesIncluding(rule: SourceRule): readonly RoleDef[];
  /** Holdings of a role through bindings. */
  holdingsOfRole(role: RoleDef): readonly Holding[];
  /** Holdings of a subject key, exactly (no group expansion). */
  holdingsOfKey(key: string): readonly Holding[];
  /** The role a binding resolves to. */
  resolveRef(binding: BindingDef): RoleDef | undefined;
}

export const PUBLIC_GROUPS: ReadonlySet<string> = new Set(['system:unauthenticated', 'system:authenticated', 'system:serviceaccounts']);
export const ANONYMOUS_USER = 'system:anonymous';

/** Canonical key of a subject: `sa:<ns>/<name>`, `user:<name>`, `group:<name>`. */
export function subjectKey(s: Pick<SubjectDef, 'kind' | 'name' | 'namespace'>): string {
  if (s.kind === 'ServiceAccount') return `sa:${s.namespace ?? ''}/${s.name}`;
  if (s.kind === 'User') {
    // system:serviceaccount:<ns>:<name> is the ServiceAccount's user name.
    const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(s.name);
    if (m) return `sa:${m[1] ?? ''}/${m[2] ?? ''}`;
    return `user:${s.name}`;
  }
  return `group:${s.name}`;
}

/** Every key whose holdings a ServiceAccount has (itself and the groups it belongs to). */
export function serviceAccountKeys(namespace: string, name: string): string[] {
  return [`sa:${namespace}/${name}`, 'group:system:serviceaccounts', `group:system:serviceaccounts:${namespace}`, 'group:system:authenticated'];
}

export function describeSubject(s: SubjectDef): string {
  if (s.kind === 'ServiceAccount') return `ServiceAccount ${s.namespace ?? ''}/${s.name}`;
  return `${s.kind} ${s.name}`;
}

export function describeScope(scope: Scope): string {
  return scope.kind === 'cluster' ? 'cluster-wide' : `in namespace ${scope.namespace}`;
}

function builtinRoles(): RoleDef[] {
  return BUILTIN_CLUSTER_ROLES.map((b) => {
    const rules: SourceRule[] = [];
    const role: RoleDef = {
      kind: 'ClusterRole',
      name: b.name,
      labels: new Map(Object.entries(b.labels)) as Labels,
      ...(b.aggregateFrom && {
        aggregation: b.aggregateFrom.map((ml, i) => ({ selector: compileLabelSelector({ matchLabels: ml }), path: ['aggregationRule', 'clusterRoleSelectors', i] })),
      }),
      rules,
    };
    b.rules.forEach((rule, index) => rules.push({ rule, role, index, path: ['rules', index] }));
    return role;
  });
}

export function buildRbacModel(objects: readonly ManifestObject[]): RbacModel {
  // Every definition of a name is kept: two files may define the same role differently (dev and prod
  // overlays); a binding to that name holds each of them, so neither definition's grants go unseen.
  const clusterRoleDefs = new Map<string, RoleDef[]>();
  const nsRoleDefs = new Map<string, RoleDef[]>();
  const bindings: BindingDef[] = [];
  for (const obj of objects) {
    const role = readRole(obj);
    if (role) {
      if (role.kind === 'ClusterRole') push(clusterRoleDefs, role.name, role);
      else push(nsRoleDefs, `${role.namespace ?? ''}/${role.name}`, role);
      continue;
    }
    const b = readBinding(obj);
    if (b) bindings.push(b);
  }
  for (const b of builtinRoles()) if (!clusterRoleDefs.has(b.name)) clusterRoleDefs.set(b.name, [b]);
  const allClusterRoles = [...clusterRoleDefs.values()].flat();
  const roles = [...allClusterRoles, ...[...nsRoleDefs.values()].flat()];

  // Index ClusterRoles by label for aggregation lookups.
  const byPair = new Map<string, RoleDef[]>();
  const byKey = new Map<string, RoleDef[]>();
  for (const r of allClusterRoles) {
    for (const [k, v] of r.labels) {
      push(byPair, `${k}\u0000${v}`, r);
      push(byKey, k, r);
    }
  }
  const effectiveOfAggregate = aggregate(allClusterRoles, byPair, byKey);
  const effective = new Map<RoleDef, readonly SourceRule[]>();
  const effectiveRules = (role: RoleDef): readonly SourceRule[] => {
    if (role.aggregation === undefined) return role.rules;
    let cached = effective.get(role);
    if (!cached) effective.set(role, (cached = effectiveOfAggregate(role)));
    return cached;
  };

  const resolveRefs = (b: BindingDef): readonly RoleDef[] => {
    if (!b.roleRef) return [];
    return (b.roleRef.kind === 'ClusterRole' ? clusterRoleDefs.get(b.roleRef.name) : nsRoleDefs.get(`${b.namespace ?? ''}/${b.roleRef.name}`)) ?? [];
  };
  // kubectl apply order: the last definition of a name is the one a cluster ends up with.
  const resolveRef = (b: BindingDef): RoleDef | undefined => resolveRefs(b).at(-1);

  const holdings: Holding[] = [];
  const byRole = new Map<RoleDef, Holding[]>();
  const bySubject = new Map<string, Holding[]>();
  for (const b of bindings) {
    if (!b.roleRef) continue;
    const defs = resolveRefs(b);
    const scope: Scope = b.kind === 'ClusterRoleBinding' ? { kind: 'cluster' } : { kind: 'namespace', namespace: b.namespace ?? 'default' };
    for (const subject of b.subjects) {
      for (const role of defs.length > 0 ? defs : [undefined]) {
        const h: Holding = { subject, key: subjectKey(subject), binding: b, role, scope };
        holdings.push(h);
        if (role) push(byRole, role, h);
        push(bySubject, h.key, h);
      }
    }
  }

  let including: Map<SourceRule, RoleDef[]> | undefined;
  const rolesIncluding = (rule: SourceRule): readonly RoleDef[] => {
    if (!including) {
      including = new Map();
      for (const r of roles) for (const sr of effectiveRules(r)) push(including, sr, r);
    }
    return including.get(rule) ?? [];
  };

  return {
    roles,
    bindings,
    holdings,
    effectiveRules,
    rolesIncluding,
    holdingsOfRole: (r) => byRole.get(r) ?? [],
    holdingsOfKey: (k) => bySubject.get(k) ?? [],
    resolveRef,
  };
}

/** Canonical text of an aggregation rule: roles with the same selectors aggregate the same rules. */
function signatureOf(role: RoleDef): string {
  const sels = (role.aggregation ?? []).map((a) => {
    const s = a.selector;
    if (s.kind !== 'requirements') return s.kind;
    return s.requirements
      .map((r) => `${JSON.stringify(r.key)} ${r.operator} ${JSON.stringify([...r.values].sort())}`)
      .sort()
      .join('&');
  });
  return [...new Set(sels)].sort().join('|');
}

interface AggNode {
  readonly sig: string;
  readonly selectors: readonly CompiledSelector[];
  readonly invalid: boolean;
  matches?: readonly RoleDef[];
  scc?: { effective: SourceRule[] };
}

/**
 * Aggregation as a graph over distinct selector sets ("nodes"): a node's rules are the rules of the
 * non-aggregated ClusterRoles its selectors match, plus the rules of the nodes of the aggregated
 * ClusterRoles they match. Strongly connected components (iterative Tarjan) make cycles a single
 * union, computed once in reverse topological order, so cost is about (distinct selector sets ×
 * matched roles) + (nodes × rules), never per role pair. A role never contributes to itself
 * (the controller skips it), which the node view preserves: an aggregated role adds no rules of its own.
 */
function aggregate(
  clusterRoles: readonly RoleDef[],
  byPair: ReadonlyMap<string, RoleDef[]>,
  byKey: ReadonlyMap<string, RoleDef[]>,
): (role: RoleDef) => readonly SourceRule[] {
  const nodes = new Map<string, AggNode>();
  const nodeOf = new Map<RoleDef, AggNode>();
  for (const r of clusterRoles) {
    if (r.aggregation === undefined) continue;
    const sig = signatureOf(r);
    let n = nodes.get(sig);
    if (!n) {
      const selectors = r.aggregation.map((a) => a.selector);
      // Validation rejects an aggregationRule with no selectors or an invalid one: the role grants nothing.
      n = { sig, selectors, invalid: selectors.length === 0 || selectors.some((x) => x.kind === 'invalid') };
      nodes.set(sig, n);
    }
    nodeOf.set(r, n);
  }
  const matchesOf = (n: AggNode): readonly RoleDef[] => {
    if (n.matches) return n.matches;
    const out = new Set<RoleDef>();
    if (!n.invalid) {
      for (const sel of n.selectors) {
        const keys = indexKeysOf(sel);
        let candidates: readonly RoleDef[];
        if (keys === 'none') continue;
        else if (keys === 'scan') candidates = clusterRoles;
        else if ('key' in keys) candidates = byKey.get(keys.key) ?? [];
        else candidates = keys.pairs.flatMap(([k, v]) => byPair.get(`${k}\u0000${v}`) ?? []);
        for (const c of candidates) if (selectorMatches(sel, c.labels)) out.add(c);
      }
    }
    n.matches = [...out];
    return n.matches;
  };
  const childrenOf = (n: AggNode): AggNode[] => {
    const out = new Set<AggNode>();
    for (const m of matchesOf(n)) {
      const c = nodeOf.get(m);
      if (c && !c.invalid) out.add(c);
    }
    return [...out];
  };

  // Iterative Tarjan: SCCs are completed children-first.
  const index = new Map<AggNode, number>();
  const low = new Map<AggNode, number>();
  const onStack = new Set<AggNode>();
  const stack: AggNode[] = [];
  let counter = 0;
  const visit = (root: AggNode): void => {
    const work: { node: AggNode; children: AggNode[]; i: number }[] = [];
    const open = (n: AggNode): void => {
      index.set(n, counter);
      low.set(n, counter);
      counter++;
      stack.push(n);
      onStack.add(n);
      work.push({ node: n, children: childrenOf(n), i: 0 });
    };
    open(root);
    while (work.length > 0) {
      const top = work[work.length - 1] as { node: AggNode; children: AggNode[]; i: number };
      if (top.i < top.children.length) {
        const c = top.children[top.i++] as AggNode;
        if (!index.has(c)) open(c);
        else if (onStack.has(c)) low.set(top.node, Math.min(low.get(top.node) ?? 0, index.get(c) ?? 0));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node) ?? 0, low.get(top.node) ?? 0));
      if (low.get(top.node) !== index.get(top.node)) continue;
      const members: AggNode[] = [];
      for (;;) {
        const m = stack.pop() as AggNode;
        onStack.delete(m);
        members.push(m);
        if (m === top.node) break;
      }
      const scc = { effective: [] as SourceRule[] };
      const seen = new Set<SourceRule>();
      const add = (sr: SourceRule): void => {
        if (seen.has(sr)) return;
        seen.add(sr);
        scc.effective.push(sr);
      };
      for (const m of members) m.scc = scc;
      for (const m of members) {
        for (const role of matchesOf(m)) {
          const c = nodeOf.get(role);
          if (!c) role.rules.forEach(add);
          else if (!c.invalid && c.scc && c.scc !== scc) c.scc.effective.forEach(add);
        }
      }
      scc.effective.sort(compareSourceRules);
    }
  };
  return (role) => {
    const n = nodeOf.get(role);
    if (!n || n.invalid) return [];
    if (!n.scc) visit(n);
    return n.scc ? n.scc.effective : [];
  };
}

function compareSourceRules(a: SourceRule, b: SourceRule): number {
  const pa = a.role.object?.path ?? '';
  const pb = b.role.object?.path ?? '';
  if (pa !== pb) return pa < pb ? -1 : 1;
  if (a.role.name !== b.role.name) return a.role.name < b.role.name ? -1 : 1;
  return a.index - b.index;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}

/** Namespaces where a namespaced grant is as good as cluster-wide (controller tokens live there). */
export const CLUSTER_EQUIVALENT_NAMESPACES: ReadonlySet<string> = new Set(['kube-system']);

const ruleAnalysis = new WeakMap<SourceRule, { categories: CategoryMatch[]; wildcard: WildcardInfo | undefined }>();

/** Categories and wildcard of a source rule (memoised: built-in rules are shared by every model). */
export function analyseRule(sr: SourceRule): { categories: CategoryMatch[]; wildcard: WildcardInfo | undefined } {
  let a = ruleAnalysis.get(sr);
  if (!a) {
    a = { categories: categoriesOf(sr.rule), wildcard: wildcardOf(sr.rule) };
    ruleAnalysis.set(sr, a);
  }
  return a;
}

/** Whether a category match is effective under a binding scope (RoleBindings don't grant cluster-scoped resources). */
export function effectiveInScope(m: CategoryMatch, scope: Scope): CategoryMatch | undefined {
  if (scope.kind === 'cluster') return m;
  if (!m.namespaced) return undefined;
  if (m.grants.every((g) => !g.clusterScoped)) return m;
  return { ...m, grants: m.grants.filter((g) => !g.clusterScoped) };
}

/** Risky grants of one holding (full wildcards subsume the categories they imply). */
export function grantsOfHolding(model: RbacModel, h: Holding): HeldGrant[] {
  if (!h.role) return [];
  const out: HeldGrant[] = [];
  for (const sr of model.effectiveRules(h.role)) {
    const { categories, wildcard } = analyseRule(sr);
    if (wildcard?.full) {
      out.push({ category: 'wildcard', wildcard, source: sr, holding: h, scope: h.scope });
      continue;
    }
    for (const c of categories) {
      const m = effectiveInScope(c, h.scope);
      if (m) out.push({ category: c.category, match: m, source: sr, holding: h, scope: h.scope });
    }
  }
  return out;
}

/**
 * The effective risky grants of a subject: for a ServiceAccount, those of the SA itself and of the
 * groups it belongs to; for a User or Group, those bound to it directly.
 */
export function grantsOfSubject(model: RbacModel, s: Pick<SubjectDef, 'kind' | 'name' | 'namespace'>): HeldGrant[] {
  const key = subjectKey(s);
  const keys = key.startsWith('sa:') ? serviceAccountKeys(key.slice(3, key.indexOf('/')), key.slice(key.indexOf('/') + 1)) : [key];
  const out: HeldGrant[] = [];
  for (const k of keys) for (const h of model.holdingsOfKey(k)) for (const g of grantsOfHolding(model, h)) out.push(g);
  return out;
}
