/**
 * RBAC objects read from manifests: Roles, ClusterRoles (with aggregation rules), RoleBindings and
 * ClusterRoleBindings, as plain records with the field paths findings point at.
 *
 * Reading follows the API server's validation where it changes what is granted:
 * - a PolicyRule with `resources` but no `apiGroups` is rejected by validation (the whole role would
 *   not apply), so it grants nothing here; non-string list items are dropped;
 * - `nonResourceURLs` only count in ClusterRoles (Roles may not carry them);
 * - a ClusterRoleBinding may only reference a ClusterRole; a RoleBinding's `Role` lives in the
 *   binding's namespace;
 * - an unset namespace reads as `default` (what `kubectl apply` does without `-n`).
 */
import type { FieldPath, ManifestObject } from '../model.js';
import type { CompiledSelector, Labels } from '../network-policy/label-selector.js';
import { compileLabelSelector, labelsOf } from '../network-policy/label-selector.js';
import { asArray, asString, asStringList, getPath, isObject } from '../network-policy/json-util.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames: readonly string[];
  readonly nonResourceURLs: readonly string[];
}

/** Where a rule comes from: a rule of a role in the input, or of a built-in role (no object). */
export interface SourceRule {
  readonly rule: PolicyRule;
  readonly role: RoleDef;
  readonly index: number;
  /** Field path of the rule in the role object (`rules[index]`). */
  readonly path: FieldPath;
}

export interface AggregationSelector {
  readonly selector: CompiledSelector;
  readonly path: FieldPath;
}

export interface RoleDef {
  readonly kind: 'Role' | 'ClusterRole';
  readonly name: string;
  /** Roles only. */
  readonly namespace?: string;
  /** Undefined for a built-in role known as data. */
  readonly object?: ManifestObject;
  readonly labels: Labels;
  /** ClusterRoles with an aggregationRule: their `rules` are replaced by the controller. */
  readonly aggregation?: readonly AggregationSelector[];
  readonly rules: readonly SourceRule[];
}

export type SubjectKind = 'User' | 'Group' | 'ServiceAccount';

export interface SubjectDef {
  readonly kind: SubjectKind;
  readonly name: string;
  /** ServiceAccounts: the subject's namespace, defaulted to a RoleBinding's namespace. */
  readonly namespace?: string;
  readonly index: number;
  readonly path: FieldPath;
}

export interface BindingDef {
  readonly object: ManifestObject;
  readonly kind: 'RoleBinding' | 'ClusterRoleBinding';
  readonly name: string;
  /** RoleBindings only. */
  readonly namespace?: string;
  readonly roleRef: { readonly kind: 'Role' | 'ClusterRole'; readonly name: string } | undefined;
  readonly roleRefPath: FieldPath;
  readonly subjects: readonly SubjectDef[];
}

export function isRbacObject(obj: ManifestObject): boolean {
  return obj.apiVersion.startsWith(`${RBAC_GROUP}/`);
}

export function namespaceOf(obj: ManifestObject): string {
  return obj.namespace !== undefined && obj.namespace !== '' ? obj.namespace : 'default';
}

export function readPolicyRule(raw: unknown, allowNonResource: boolean): PolicyRule | undefined {
  if (!isObject(raw)) return undefined;
  const rule: PolicyRule = {
    apiGroups: asStringList(raw['apiGroups']),
    resources: asStringList(raw['resources']),
    verbs: asStringList(raw['verbs']),
    resourceNames: asStringList(raw['resourceNames']),
    nonResourceURLs: allowNonResource ? asStringList(raw['nonResourceURLs']) : [],
  };
  if (rule.verbs.length === 0) return undefined;
  if (rule.resources.length > 0 && rule.apiGroups.length === 0) return undefined;
  return rule;
}

export function readRole(obj: ManifestObject): RoleDef | undefined {
  if (!isRbacObject(obj) || (obj.kind !== 'Role' && obj.kind !== 'ClusterRole')) return undefined;
  const kind = obj.kind;
  const rules: SourceRule[] = [];
  const role: RoleDef = {
    kind,
    name: obj.name,
    ...(kind === 'Role' && { namespace: namespaceOf(obj) }),
    object: obj,
    labels: labelsOf(getPath(obj.value, 'metadata', 'labels')),
    ...(kind === 'ClusterRole' && isObject(obj.value['aggregationRule']) && { aggregation: readAggregation(obj) }),
    rules,
  };
  asArray(obj.value['rules']).forEach((raw, index) => {
    const rule = readPolicyRule(raw, kind === 'ClusterRole');
    if (rule) rules.push({ rule, role, index, path: ['rules', index] });
  });
  return role;
}

function readAggregation(obj: ManifestObject): AggregationSelector[] {
  const out: AggregationSelector[] = [];
  asArray(getPath(obj.value, 'aggregationRule', 'clusterRoleSelectors')).forEach((raw, i) => {
    // A null entry is a nil selector: it selects nothing (LabelSelectorAsSelector(nil) = Nothing).
    out.push({ selector: compileLabelSelector(raw, 'nothing'), path: ['aggregationRule', 'clusterRoleSelectors', i] });
  });
  return out;
}

export function readBinding(obj: ManifestObject): BindingDef | undefined {
  if (!isRbacObject(obj) || (obj.kind !== 'RoleBinding' && obj.kind !== 'ClusterRoleBinding')) return undefined;
  const kind = obj.kind;
  const namespace = kind === 'RoleBinding' ? namespaceOf(obj) : undefined;
  const refKind = asString(getPath(obj.value, 'roleRef', 'kind'));
  const refName = asString(getPath(obj.value, 'roleRef', 'name'));
  let roleRef: BindingDef['roleRef'];
  if (refName !== undefined && refName !== '' && (refKind === 'ClusterRole' || (refKind === 'Role' && kind === 'RoleBinding'))) {
    roleRef = { kind: refKind, name: refName };
  }
  const subjects: SubjectDef[] = [];
  asArray(obj.value['subjects']).forEach((raw, index) => {
    if (!isObject(raw)) return;
    const sk = asString(raw['kind']);
    const name = asString(raw['name']);
    if (name === undefined || name === '') return;
    const path: FieldPath = ['subjects', index];
    if (sk === 'User' || sk === 'Group') {
      subjects.push({ kind: sk, name, index, path });
    } else if (sk === 'ServiceAccount') {
      // appliesToUser(): the SA namespace defaults to the namespace the binding applies in; a
      // ClusterRoleBinding has none, so an SA subject without namespace matches nobody there.
      const ns = asString(raw['namespace']);
      const effective = ns !== undefined && ns !== '' ? ns : namespace;
      if (effective === undefined) return;
      subjects.push({ kind: sk, name, namespace: effective, index, path });
    }
  });
  return {
    object: obj,
    kind,
    name: obj.name,
    ...(namespace !== undefined && { namespace }),
    roleRef,
    roleRefPath: ['roleRef', 'name'],
    subjects,
  };
}
