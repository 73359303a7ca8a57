/**
 * RBAC findings over a set of manifest objects:
 * - one finding per risky rule (rule line of the Role/ClusterRole that defines it) and category,
 *   naming every holder: subjects bound to the role, to any role aggregating it, and the holders of
 *   built-in admin/edit/view when the rule is aggregated into them;
 * - for built-in roles (not in the input) one finding per binding and category, at `roleRef.name`;
 * - bindings to public groups (at the subject), unresolved role references (at `roleRef.name`);
 * - the workload linkage: every pod template whose ServiceAccount holds a risky grant (at
 *   `serviceAccountName`, or the pod spec when it is unset and the `default` ServiceAccount applies).
 */
import type { Severity } from '../../findings/index.js';
import type { RuleReporter } from '../k8s-rule.js';
import type { FieldPath, ManifestObject } from '../model.js';
import { locationOf, sourceRef } from '../model.js';
import { podFieldPath, podTemplatesOf } from '../workloads.js';
import type { PodTemplate } from '../workloads.js';
import { asArray, clip, getPath, isObject, listSome } from '../network-policy/json-util.js';
import { USER_FACING_AGGREGATED } from './builtin-roles.js';
import type { RoleDef, SourceRule, SubjectDef } from './objects.js';
import type { CategoryMatch, GrantCategory, WildcardInfo } from './permissions.js';
import { CATEGORIES, GRANT_CATEGORIES, formatGrants } from './permissions.js';
import type { HeldGrant, Holding, RbacModel, Scope } from './resolve.js';
import {
  ANONYMOUS_USER,
  PUBLIC_GROUPS,
  analyseRule,
  buildRbacModel,
  describeScope,
  describeSubject,
  effectiveInScope,
  grantsOfHolding,
  serviceAccountKeys,
} from './resolve.js';
import { CATEGORY_RULES, RBAC_RULES, publicSubject, unresolvedRoleRef, wildcard as wildcardRule, workloadPrivileges } from './rules.js';
import type { GradedCategory } from './severity.js';
import { grantSeverity, isClusterLevel, maxSeverity, workloadGrantSeverity } from './severity.js';

/** Roles known to grant nothing risky, bound by default to public groups: not worth a finding. */
const BENIGN_BUILTINS = new Set(['system:discovery', 'system:basic-user', 'system:public-info-viewer']);

/**
 * Who holds a rule, grouped by the role through which they hold it (the rule's own role or a role
 * aggregating it). A rule can have many holders; severities are computed over the few distinct
 * (scope, public) combinations of each group, and only the holders a message names are formatted,
 * so the cost stays proportional to (rules × including roles), not to (rules × holders).
 */
interface HolderGroup {
  readonly role: RoleDef;
  /** Via a role aggregating the rule (not the rule's own role). */
  readonly via: boolean;
  readonly holdings: readonly Holding[];
  /** Distinct holder traits of the group. */
  readonly combos: readonly { readonly scope: Scope; readonly public: boolean }[];
  /** Holdings through ClusterRoleBindings (the only ones that grant cluster-scoped resources). */
  readonly clusterCount: number;
  readonly viaView: boolean;
  /** Set for the pseudo-group "every holder of built-in view/edit/admin". */
  readonly pseudo?: string;
}

export function isPublicSubject(s: SubjectDef): boolean {
  return (s.kind === 'Group' && PUBLIC_GROUPS.has(s.name)) || (s.kind === 'User' && s.name === ANONYMOUS_USER);
}

function bindingText(h: Holding): string {
  const b = h.binding;
  return `${b.kind} ${b.namespace !== undefined ? `${b.namespace}/` : ''}${b.name}`;
}

function roleText(r: RoleDef): string {
  const where = r.object ? '' : 'built-in ';
  return `${where}${r.kind} ${r.namespace !== undefined ? `${r.namespace}/` : ''}${r.name}`;
}

function groupOf(model: RbacModel, role: RoleDef, via: boolean, cache: Map<RoleDef, HolderGroup>): HolderGroup {
  const key = cache.get(role);
  if (key && key.via === via) return key;
  const holdings = model.holdingsOfRole(role);
  const combos = new Map<string, { scope: Scope; public: boolean }>();
  let clusterCount = 0;
  for (const h of holdings) {
    const pub = isPublicSubject(h.subject);
    if (h.scope.kind === 'cluster') clusterCount++;
    const k = `${h.scope.kind}|${isClusterLevel(h.scope)}|${pub}`;
    if (!combos.has(k)) combos.set(k, { scope: h.scope, public: pub });
  }
  const g: HolderGroup = { role, via, holdings, combos: [...combos.values()], clusterCount, viaView: role.object === undefined && role.name === 'view' };
  cache.set(role, g);
  return g;
}

function holdersOfRule(model: RbacModel, sr: SourceRule, cache: Map<RoleDef, HolderGroup>): HolderGroup[] {
  const out: HolderGroup[] = [];
  const builtinAggregators: string[] = [];
  for (const role of model.rolesIncluding(sr)) {
    const g = groupOf(model, role, role !== sr.role, cache);
    if (g.holdings.length > 0) out.push(g);
    if (role.object === undefined && USER_FACING_AGGREGATED.has(role.name) && role !== sr.role) builtinAggregators.push(role.name);
  }
  if (builtinAggregators.length > 0) {
    // Bindings of admin/edit/view usually live outside the manifests (people, CI): the rule reaches
    // all of them through the aggregation label.
    const scope: Scope = { kind: 'namespace', namespace: '*' };
    out.push({
      role: sr.role,
      via: true,
      holdings: [],
      combos: [{ scope, public: false }],
      clusterCount: 0,
      viaView: builtinAggregators.includes('view'),
      pseudo: `every holder of built-in ClusterRole ${builtinAggregators.sort(byUserFacing).join(', ')} (aggregated through the rbac.authorization.k8s.io/aggregate-to-* label)`,
    });
  }
  return out;
}

/** Max severity over the groups; `namespaced` false = only ClusterRoleBinding holders count. */
function groupsSeverity(groups: readonly HolderGroup[], cat: GradedCategory, restricted: boolean, namespaced: boolean): Severity | undefined {
  let sev: Severity | undefined;
  for (const g of groups) {
    for (const c of g.combos) {
      if (!namespaced && c.scope.kind !== 'cluster') continue;
      const s = grantSeverity(cat, { scope: c.scope, public: c.public, viaView: g.viaView, restricted });
      sev = sev === undefined ? s : maxSeverity(sev, s);
    }
  }
  return sev;
}

/** "ServiceAccount ml/x (ClusterRoleBinding b, cluster-wide), … and 12 more" */
function holdersText(groups: readonly HolderGroup[], namespaced: boolean, max = 4): string {
  const shown: string[] = [];
  let total = 0;
  for (const g of groups) {
    if (g.pseudo !== undefined) {
      if (!namespaced) continue;
      total++;
      if (shown.length < max) shown.push(g.pseudo);
      continue;
    }
    total += namespaced ? g.holdings.length : g.clusterCount;
    for (const h of g.holdings) {
      if (shown.length >= max) break;
      if (!namespaced && h.scope.kind !== 'cluster') continue;
      shown.push(`${clip(describeSubject(h.subject))} (${clip(bindingText(h))}${g.via ? clip(` via ${roleText(g.role)}`) : ''}, ${describeScope(h.scope)})`);
    }
  }
  return total > shown.length ? `${shown.join(', ')} and ${total - shown.length} more` : shown.join(', ');
}

function byUserFacing(a: string, b: string): number {
  const order = ['view', 'edit', 'admin'];
  return order.indexOf(a) - order.indexOf(b);
}

function grantText(m: CategoryMatch): string {
  const g = formatGrants(m.grants);
  return m.resourceNames ? `${g} (only ${listSome(m.resourceNames.map((n) => clip(n, 60)), 3)})` : g;
}

function wildcardPath(sr: SourceRule, w: WildcardInfo): FieldPath {
  const f = w.fields[0];
  return f ? [...sr.path, f.field, f.index] : sr.path;
}

function wildcardText(w: WildcardInfo): string {
  return w.full ? 'every verb on every resource in every API group' : `\`*\` in ${w.fields.map((f) => f.field).join(', ')}`;
}

/** Findings for rules defined in the input (located at the rule). */
function ruleFindings(model: RbacModel, reporter: RuleReporter): void {
  const cache = new Map<RoleDef, HolderGroup>();
  for (const role of model.roles) {
    const obj = role.object;
    // Rules written in an aggregated ClusterRole are overwritten by the aggregation controller.
    if (!obj || role.aggregation !== undefined) continue;
    for (const sr of role.rules) {
      const { categories, wildcard } = analyseRule(sr);
      if (categories.length === 0 && !wildcard) continue;
      const groups = holdersOfRule(model, sr, cache);
      if (groups.length === 0) continue;
      if (wildcard) {
        const cat: GradedCategory = wildcard.full ? 'wildcard-full' : 'wildcard-partial';
        // Non-resource URLs are only granted through ClusterRoleBindings.
        const wcNamespaced = wildcard.fields.some((f) => f.field !== 'nonResourceURLs');
        const sev = groupsSeverity(groups, cat, sr.rule.resourceNames.length > 0, wcNamespaced);
        if (sev !== undefined) {
          reporter.report(wildcardRule, {
            location: locationOf(obj, wildcardPath(sr, wildcard)),
            severity: sev,
            message: `${roleText(role)} rules[${sr.index}] grants ${wildcardText(wildcard)}${wildcard.full ? '' : ` (${clip(describeRuleShort(sr), 160)})`}; held by ${holdersText(groups, wcNamespaced)}.`,
            evidence: `${wildcard.full ? 'full' : 'partial'} wildcard: ${clip(describeRuleShort(sr), 200)}`,
          });
        }
        if (wildcard.full) continue; // every category below is implied
      }
      for (const c of categories) {
        const sev = groupsSeverity(groups, c.category, c.resourceNames !== undefined, c.namespaced);
        if (sev === undefined) continue; // e.g. a cluster-scoped grant held only through RoleBindings
        reporter.report(CATEGORY_RULES[c.category], {
          location: locationOf(obj, sr.path),
          severity: sev,
          message: `${roleText(role)} rules[${sr.index}] lets its holders ${CATEGORIES[c.category].label} (${clip(grantText(c), 160)}); held by ${holdersText(groups, c.namespaced)}.`,
          evidence: `${c.category}: ${clip(grantText(c), 200)}`,
        });
      }
    }
  }
}

/** Findings for grants that come from built-in roles (no rule line in the input): at the binding's roleRef. */
function builtinFindings(model: RbacModel, reporter: RuleReporter): void {
  for (const b of model.bindings) {
    const role = b.roleRef ? model.resolveRef(b) : undefined;
    if (!role || b.subjects.length === 0) continue;
    const scope: Scope = b.kind === 'ClusterRoleBinding' ? { kind: 'cluster' } : { kind: 'namespace', namespace: b.namespace ?? 'default' };
    const perCategory = new Map<GrantCategory | 'wildcard', { sources: SourceRule[]; matches: CategoryMatch[]; restricted: boolean }>();
    for (const sr of model.effectiveRules(role)) {
      if (sr.role.object) continue; // located at the rule by ruleFindings
      const { categories, wildcard } = analyseRule(sr);
      if (wildcard?.full) {
        const e = perCategory.get('wildcard') ?? { sources: [], matches: [], restricted: false };
        e.sources.push(sr);
        perCategory.set('wildcard', e);
        continue;
      }
      for (const c of categories) {
        const m = effectiveInScope(c, scope);
        if (!m) continue;
        const e = perCategory.get(c.category) ?? { sources: [], matches: [], restricted: true };
        e.sources.push(sr);
        e.matches.push(m);
        e.restricted = e.restricted && m.resourceNames !== undefined;
        perCategory.set(c.category, e);
      }
    }
    if (perCategory.size === 0) continue;
    const holders = b.subjects.map((s) => ({ s, text: clip(describeSubject(s)) }));
    const via = role.object ? ` (through ${sourceListText(perCategory)})` : '';
    const bindingDesc = `${b.kind} ${b.namespace !== undefined ? `${b.namespace}/` : ''}${b.name}`;
    const roleDesc = role.object ? roleText(role) : `built-in ClusterRole ${role.name}`;
    const sevFor = (cat: GradedCategory, restricted: boolean): Severity => {
      let sev: Severity = 'info';
      for (const h of holders) sev = maxSeverity(sev, grantSeverity(cat, { scope, restricted, public: isPublicSubject(h.s), viaView: false }));
      return sev;
    };
    const whoText = listSome(holders.map((h) => h.text), 4);
    const wc = perCategory.get('wildcard');
    if (wc) {
      reporter.report(wildcardRule, {
        location: locationOf(b.object, b.roleRefPath),
        severity: sevFor('wildcard-full', false),
        message: `${clip(bindingDesc)} binds ${clip(roleDesc)}${via}, which grants every verb on every resource, to ${whoText} ${describeScope(scope)}.`,
        evidence: `full wildcard via ${roleDesc}`,
      });
      continue;
    }
    for (const cat of GRANT_CATEGORIES) {
      const e = perCategory.get(cat);
      if (!e) continue;
      const grants = mergeGrants(e.matches);
      reporter.report(CATEGORY_RULES[cat], {
        location: locationOf(b.object, b.roleRefPath),
        severity: sevFor(cat, e.restricted),
        message: `${clip(bindingDesc)} binds ${clip(roleDesc)}${via}, which lets ${whoText} ${CATEGORIES[cat].label} ${describeScope(scope)} (${grants}).`,
        evidence: `${cat} via ${roleDesc}: ${grants}`,
      });
    }
  }
}

function sourceListText(m: ReadonlyMap<string, { sources: SourceRule[] }>): string {
  const names = new Set<string>();
  for (const e of m.values()) for (const s of e.sources) names.add(s.role.name);
  return `built-in ${listSome([...names], 3)}`;
}

function mergeGrants(ms: readonly CategoryMatch[]): string {
  const by = new Map<string, Set<string>>();
  for (const m of ms) {
    for (const g of m.grants) {
      const set = by.get(g.resource) ?? new Set<string>();
      for (const v of g.verbs) set.add(v);
      by.set(g.resource, set);
    }
  }
  return formatGrants([...by].map(([resource, vs]) => ({ resource, verbs: [...vs], clusterScoped: false })));
}

function describeRuleShort(sr: SourceRule): string {
  const r = sr.rule;
  const parts: string[] = [`verbs [${r.verbs.join(',')}]`];
  if (r.resources.length > 0) parts.push(`resources [${r.resources.join(',')}]`, `apiGroups [${r.apiGroups.map((g) => (g === '' ? '""' : g)).join(',')}]`);
  if (r.nonResourceURLs.length > 0) parts.push(`nonResourceURLs [${r.nonResourceURLs.join(',')}]`);
  return parts.join(' ');
}

function publicSubjectFindings(model: RbacModel, reporter: RuleReporter): void {
  for (const h of model.holdings) {
    if (!isPublicSubject(h.subject)) continue;
    const role = h.role;
    const refName = h.binding.roleRef?.name ?? '';
    if (role && !role.object && BENIGN_BUILTINS.has(role.name)) continue;
    const grants = grantsOfHolding(model, h);
    const cats = [...new Set(grants.map((g) => g.category))];
    const base: Severity = h.subject.name === 'system:authenticated' || h.subject.name === 'system:serviceaccounts' ? 'medium' : 'high';
    const severity: Severity = cats.length > 0 ? 'critical' : base;
    const what =
      cats.length > 0
        ? `, which lets them ${listSome(cats.map((c) => (c === 'wildcard' ? 'do everything' : CATEGORIES[c].label)), 3)}`
        : role
          ? ''
          : ` (role ${clip(refName)} is not in the scanned input; its grants were not analysed)`;
    const who =
      h.subject.name === 'system:authenticated'
        ? 'every authenticated identity (every user and every ServiceAccount)'
        : h.subject.name === 'system:serviceaccounts'
          ? 'every ServiceAccount of the cluster (every pod)'
          : 'anyone who can reach the API server, without credentials';
    reporter.report(publicSubject, {
      location: locationOf(h.binding.object, [...h.subject.path, 'name']),
      severity,
      message: `${clip(bindingText(h))} gives ${role ? clip(roleText(role)) : `role ${clip(refName)}`} to ${h.subject.kind} ${h.subject.name}: ${who}, ${describeScope(h.scope)}${what}.`,
      evidence: `${h.subject.kind} ${h.subject.name} → ${refName}`,
    });
  }
}

function unresolvedFindings(model: RbacModel, reporter: RuleReporter): void {
  for (const b of model.bindings) {
    if (!b.roleRef || model.resolveRef(b)) continue;
    reporter.report(unresolvedRoleRef, {
      location: locationOf(b.object, b.roleRefPath),
      message: `${b.kind} ${b.namespace !== undefined ? `${b.namespace}/` : ''}${clip(b.name)} references ${b.roleRef.kind} ${clip(b.roleRef.name)}, which is not in the scanned input and is not a built-in role Bulwark knows; what it grants to ${listSome(b.subjects.map((s) => clip(describeSubject(s))), 3) || 'no subject'} was not analysed.`,
      evidence: `${b.roleRef.kind} ${b.roleRef.name}`,
    });
  }
}

/** Whether the pod gets an API token: pod field, else the ServiceAccount's, else true; or a projected token volume. */
function tokenMounted(t: PodTemplate, saObjects: ReadonlyMap<string, ManifestObject>): boolean {
  const pod = t.spec['automountServiceAccountToken'];
  let mounted: boolean;
  if (typeof pod === 'boolean') mounted = pod;
  else {
    const sa = saObjects.get(`${t.namespace}/${t.serviceAccountName}`);
    const v = sa ? sa.value['automountServiceAccountToken'] : undefined;
    mounted = typeof v === 'boolean' ? v : true;
  }
  if (mounted) return true;
  for (const vol of asArray(t.spec['volumes'])) {
    for (const src of asArray(getPath(vol, 'projected', 'sources'))) if (isObject(src) && isObject(src['serviceAccountToken'])) return true;
  }
  return false;
}

/**
 * "read Secrets and create pods cluster-wide through ClusterRoleBinding x → ClusterRole y
 * (rbac.yaml:12)": grants grouped by holding (binding + role), most severe first.
 */
function groupedGrantTexts(ranked: readonly { g: HeldGrant; s: Severity }[]): string[] {
  const groups = new Map<Holding, { cats: string[]; sources: Set<string> }>();
  for (const { g } of ranked) {
    const e = groups.get(g.holding) ?? { cats: [], sources: new Set<string>() };
    const what = g.category === 'wildcard' ? 'do everything (`*` on `*`)' : CATEGORIES[g.category].short;
    const names = g.match?.resourceNames ? ` (only ${listSome(g.match.resourceNames.map((n) => clip(n, 40)), 2)})` : '';
    if (!e.cats.includes(what + names)) e.cats.push(what + names);
    if (g.source.role.object) e.sources.add(sourceRef(g.source.role.object, g.source.path));
    else if (g.source.role !== g.holding.role) e.sources.add(`built-in ${g.source.role.name}`);
    groups.set(g.holding, e);
  }
  const out: string[] = [];
  for (const [h, e] of groups) {
    const role = h.role ? roleText(h.role) : '?';
    const where = e.sources.size > 0 ? ` (${listSome([...e.sources], 3)})` : '';
    out.push(`${joinAnd(e.cats)} ${describeScope(h.scope)} through ${clip(bindingText(h))} → ${clip(role)}${where}`);
  }
  return out;
}

function workloadFindings(model: RbacModel, objects: readonly ManifestObject[], reporter: RuleReporter): void {
  if (model.holdings.length === 0) return;
  const saObjects = new Map<string, ManifestObject>();
  for (const o of objects) {
    if (o.kind === 'ServiceAccount' && o.apiVersion === 'v1') saObjects.set(`${o.namespace !== undefined && o.namespace !== '' ? o.namespace : 'default'}/${o.name}`, o);
  }
  const cache = new Map<string, HeldGrant[]>();
  for (const obj of objects) {
    for (const t of podTemplatesOf(obj)) {
      const saKey = `${t.namespace}/${t.serviceAccountName}`;
      let grants = cache.get(saKey);
      if (!grants) {
        grants = [];
        for (const k of serviceAccountKeys(t.namespace, t.serviceAccountName)) for (const h of model.holdingsOfKey(k)) for (const g of grantsOfHolding(model, h)) grants.push(g);
        cache.set(saKey, grants);
      }
      if (grants.length === 0) continue;
      const mounted = tokenMounted(t, saObjects);
      let sev: Severity = 'info';
      const ranked = grants
        .map((g) => ({ g, s: workloadGrantSeverity(g.scope, g.match?.resourceNames !== undefined) }))
        .sort((a, b) => rank(b.s) - rank(a.s));
      for (const r of ranked) sev = maxSeverity(sev, r.s);
      if (!mounted) sev = 'info';
      const texts = groupedGrantTexts(ranked);
      const saField = typeof t.spec['serviceAccountName'] === 'string' && t.spec['serviceAccountName'] !== '' ? 'serviceAccountName' : typeof t.spec['serviceAccount'] === 'string' && t.spec['serviceAccount'] !== '' ? 'serviceAccount' : undefined;
      if (saField === undefined && t.partial === true) continue; // the pod that uses this template sets its identity
      const path: FieldPath = saField ? podFieldPath(t, saField) : t.specPath;
      const workload = `${obj.kind} ${t.namespace}/${clip(obj.name)}${t.role !== undefined ? ` (${clip(t.role)})` : ''}`;
      const saText = `ServiceAccount ${t.namespace}/${clip(t.serviceAccountName)}${saField ? '' : ' (the namespace default, as serviceAccountName is unset)'}`;
      reporter.report(workloadPrivileges, {
        location: locationOf(obj, path),
        severity: sev,
        message: `Pods of ${workload} run as ${saText}, which can ${texts.slice(0, 3).join('; ')}${texts.length > 3 ? `; and ${texts.length - 3} more bindings` : ''}.${mounted ? ' Anyone who compromises the pod can use its token to do the same.' : ' Its token is not mounted (automountServiceAccountToken: false), so the pod cannot use these grants unless a token is projected.'}`,
        evidence: [...new Set(ranked.map((r) => `${r.g.category} ${describeScope(r.g.scope)} via ${bindingText(r.g.holding)}`))].sort().join('; '),
      });
    }
  }
}

function joinAnd(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;
}

function rank(s: Severity): number {
  return ['info', 'low', 'medium', 'high', 'critical'].indexOf(s);
}

/** Report every RBAC finding for a set of manifest objects (pure; total on arbitrary input). */
export function analyzeRbac(objects: readonly ManifestObject[], reporter: RuleReporter): void {
  if (!RBAC_RULES.some((r) => reporter.enabled(r))) return;
  const model = buildRbacModel(objects);
  ruleFindings(model, reporter);
  builtinFindings(model, reporter);
  publicSubjectFindings(model, reporter);
  unresolvedFindings(model, reporter);
  workloadFindings(model, objects, reporter);
}
