/**
 * What a PolicyRule allows, decided the way the RBAC authorizer decides it
 * (`RuleAllows` in kubernetes `pkg/registry/rbac/validation/rule.go`), and the risky grant categories
 * this analysis reports, each defined as a set of concrete requests ("probes") a rule may allow.
 *
 * Matching semantics:
 * - verbs, apiGroups and resources match exactly (case-sensitive) or by `*`;
 * - a resource `*` matches every resource AND every subresource; `pods` does NOT match `pods/exec`;
 *   `*\/exec` matches the `exec` subresource of any resource;
 * - `resourceNames` restricts a rule to the named objects. A request without a name (create of a
 *   top-level object, list without a field selector) is never allowed by such a rule, so e.g.
 *   `create pods` with resourceNames grants nothing; `create pods/exec` with resourceNames grants exec
 *   into the named pods (reported as restricted, one severity step lower).
 *
 * Category choices, from the Kubernetes "RBAC good practices" guide and the privilege-escalation
 * research behind KubeHound and rbac-police:
 * - `get` on pods/exec, pods/attach, pods/portforward counts: WebSocket upgrades arrive as GET and
 *   API servers before 1.35 (KEP-4006 gate AuthorizePodWebsocketUpgradeCreatePermission) authorised
 *   them as `get`; `get nodes/proxy` reaches the kubelet's /exec and /run the same way.
 * - pod creation includes every controller that creates pods from a template (create, update or
 *   patch of Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs, CronJobs,
 *   ReplicationControllers), patching a pod (swap its image) and adding ephemeral containers.
 */
import type { PolicyRule } from './objects.js';

export const GRANT_CATEGORIES = [
  'secrets-read',
  'pod-create',
  'pod-exec',
  'nodes-proxy',
  'token-create',
  'escalate-bind',
  'impersonate',
  'csr-approve',
  'admission-write',
] as const;
export type GrantCategory = (typeof GRANT_CATEGORIES)[number];

interface Probe {
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly verbs: readonly string[];
  /** The request carries no object name (create of a top-level object, list): resourceNames can't allow it. */
  readonly nameless?: boolean;
  /** A cluster-scoped resource: only a ClusterRoleBinding grants it. */
  readonly clusterScoped?: boolean;
}

export interface CategoryDef {
  readonly id: GrantCategory;
  /** Human phrase for grant findings: "read Secrets". */
  readonly label: string;
  /** Shorter phrase for lists (workload findings). */
  readonly short: string;
  readonly probes: readonly Probe[];
}

const CONTROLLERS: readonly (readonly [string, string])[] = [
  ['apps', 'deployments'],
  ['apps', 'replicasets'],
  ['apps', 'statefulsets'],
  ['apps', 'daemonsets'],
  ['batch', 'jobs'],
  ['batch', 'cronjobs'],
  ['', 'replicationcontrollers'],
  ['extensions', 'deployments'],
  ['extensions', 'replicasets'],
  ['extensions', 'daemonsets'],
];

const ADMISSION_RESOURCES = [
  'mutatingwebhookconfigurations',
  'validatingwebhookconfigurations',
  'validatingadmissionpolicies',
  'validatingadmissionpolicybindings',
  'mutatingadmissionpolicies',
  'mutatingadmissionpolicybindings',
];

const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];

export const CATEGORIES: Readonly<Record<GrantCategory, CategoryDef>> = {
  'secrets-read': {
    id: 'secrets-read',
    label: 'read Secrets',
    short: 'read Secrets',
    probes: [
      { group: '', resource: 'secrets', verbs: ['get'] },
      { group: '', resource: 'secrets', verbs: ['list', 'watch'], nameless: true },
    ],
  },
  'pod-create': {
    id: 'pod-create',
    label: 'create or modify pods, directly or through workload controllers',
    short: 'create pods',
    probes: [
      { group: '', resource: 'pods', verbs: ['create'], nameless: true },
      { group: '', resource: 'pods', verbs: ['update', 'patch'] },
      { group: '', resource: 'pods', subresource: 'ephemeralcontainers', verbs: ['update', 'patch'] },
      ...CONTROLLERS.map(([group, resource]) => ({ group, resource, verbs: ['create'], nameless: true })),
      ...CONTROLLERS.map(([group, resource]) => ({ group, resource, verbs: ['update', 'patch'] })),
    ],
  },
  'pod-exec': {
    id: 'pod-exec',
    label: 'exec into, attach to or port-forward to running pods',
    short: 'exec into pods',
    probes: ['exec', 'attach', 'portforward'].map((subresource) => ({ group: '', resource: 'pods', subresource, verbs: ['create', 'get'] })),
  },
  'nodes-proxy': {
    id: 'nodes-proxy',
    label: 'reach the kubelet API of every node through nodes/proxy',
    short: 'use the kubelet API (nodes/proxy)',
    probes: [{ group: '', resource: 'nodes', subresource: 'proxy', verbs: ['get', 'create', 'update', 'patch', 'delete'], clusterScoped: true }],
  },
  'token-create': {
    id: 'token-create',
    label: 'mint ServiceAccount tokens',
    short: 'mint ServiceAccount tokens',
    probes: [{ group: '', resource: 'serviceaccounts', subresource: 'token', verbs: ['create'] }],
  },
  'escalate-bind': {
    id: 'escalate-bind',
    label: 'escalate or bind roles, granting themselves any permission',
    short: 'escalate or bind roles',
    probes: [
      { group: 'rbac.authorization.k8s.io', resource: 'roles', verbs: ['escalate', 'bind'] },
      { group: 'rbac.authorization.k8s.io', resource: 'clusterroles', verbs: ['escalate', 'bind'] },
    ],
  },
  impersonate: {
    id: 'impersonate',
    label: 'impersonate users, groups or ServiceAccounts',
    short: 'impersonate identities',
    probes: [
      { group: '', resource: 'users', verbs: ['impersonate'], clusterScoped: true },
      { group: '', resource: 'groups', verbs: ['impersonate'], clusterScoped: true },
      { group: '', resource: 'serviceaccounts', verbs: ['impersonate'] },
      { group: 'authentication.k8s.io', resource: 'uids', verbs: ['impersonate'], clusterScoped: true },
      { group: 'authentication.k8s.io', resource: 'userextras', subresource: 'scopes', verbs: ['impersonate'], clusterScoped: true },
    ],
  },
  'csr-approve': {
    id: 'csr-approve',
    label: 'approve certificate signing requests',
    short: 'approve certificates',
    probes: [
      // Approval also needs `approve` on the signer (often `signers` with a wildcard name); the
      // approval subresource is the grant that is never incidental, so it alone is reported.
      { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', subresource: 'approval', verbs: ['update', 'patch'], clusterScoped: true },
    ],
  },
  'admission-write': {
    id: 'admission-write',
    label: 'change admission webhooks or admission policies',
    short: 'change admission webhooks',
    probes: ADMISSION_RESOURCES.map((resource) => ({ group: 'admissionregistration.k8s.io', resource, verbs: WRITE, clusterScoped: true })),
  },
};

function verbMatches(rule: PolicyRule, verb: string): boolean {
  return rule.verbs.includes('*') || rule.verbs.includes(verb);
}

function groupMatches(rule: PolicyRule, group: string): boolean {
  return rule.apiGroups.includes('*') || rule.apiGroups.includes(group);
}

/** `create,update,patch on pods, deployments; get on pods/exec` (resources grouped by verbs). */
export function formatGrants(grants: readonly Grant[]): string {
  const byVerbs = new Map<string, string[]>();
  for (const g of grants) {
    const k = g.verbs.join(',');
    const list = byVerbs.get(k) ?? [];
    if (!list.includes(g.resource)) list.push(g.resource);
    byVerbs.set(k, list);
  }
  return [...byVerbs].map(([verbs, resources]) => `${verbs} on ${resources.join(', ')}`).join('; ');
}

/** `ResourceMatches`: `*`, the exact combined `resource/subresource`, or `*\/subresource`. */
export function resourceMatches(rule: PolicyRule, resource: string, subresource?: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const r of rule.resources) {
    if (r === '*' || r === combined) return true;
    if (subresource && r === `*/${subresource}`) return true;
  }
  return false;
}

export interface Request {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
  /** Object name; '' for nameless requests. */
  readonly name?: string;
}

/** The authorizer's `RuleAllows` for a resource request. */
export function ruleAllows(rule: PolicyRule, req: Request): boolean {
  if (!verbMatches(rule, req.verb) || !groupMatches(rule, req.group)) return false;
  if (!resourceMatches(rule, req.resource, req.subresource)) return false;
  if (rule.resourceNames.length === 0) return true;
  return req.name !== undefined && req.name !== '' && rule.resourceNames.includes(req.name);
}

export interface Grant {
  readonly resource: string;
  readonly verbs: readonly string[];
  /** Cluster-scoped resource: only effective through a ClusterRoleBinding. */
  readonly clusterScoped: boolean;
}

export interface CategoryMatch {
  readonly category: GrantCategory;
  /** `resource[/sub]` → verbs allowed, e.g. `secrets: get, list`. */
  readonly grants: readonly Grant[];
  /** Set when the rule only allows named objects. */
  readonly resourceNames?: readonly string[];
  /** Whether a matched request is on a namespaced resource (so a RoleBinding grants it too). */
  readonly namespaced: boolean;
}

/** Risky categories a rule grants (empty for a harmless rule). */
export function categoriesOf(rule: PolicyRule): CategoryMatch[] {
  const out: CategoryMatch[] = [];
  const restricted = rule.resourceNames.length > 0;
  for (const id of GRANT_CATEGORIES) {
    const def = CATEGORIES[id];
    const grants = new Map<string, { verbs: string[]; clusterScoped: boolean }>();
    for (const p of def.probes) {
      if (restricted && p.nameless) continue;
      const key = p.subresource ? `${p.resource}/${p.subresource}` : p.resource;
      for (const verb of p.verbs) {
        // Restricted rules never match nameless requests (skipped above); named requests are allowed
        // for the named objects only (reported as restricted).
        const allowed = verbMatches(rule, verb) && groupMatches(rule, p.group) && resourceMatches(rule, p.resource, p.subresource);
        if (!allowed) continue;
        const g = grants.get(key) ?? { verbs: [], clusterScoped: p.clusterScoped === true };
        if (!g.verbs.includes(verb)) g.verbs.push(verb);
        grants.set(key, g);
      }
    }
    if (grants.size === 0) continue;
    const list = [...grants].map(([resource, g]) => ({ resource, verbs: g.verbs, clusterScoped: g.clusterScoped }));
    out.push({
      category: id,
      grants: list,
      ...(restricted && { resourceNames: rule.resourceNames }),
      namespaced: list.some((g) => !g.clusterScoped),
    });
  }
  return out;
}

export interface WildcardInfo {
  /** `*` verbs on `*` resources in `*` groups without resourceNames: everything (cluster-admin). */
  readonly full: boolean;
  /** Fields holding `*`, with the index of the first `*` (for the finding location). */
  readonly fields: readonly { readonly field: 'verbs' | 'resources' | 'apiGroups' | 'nonResourceURLs'; readonly index: number }[];
}

export function wildcardOf(rule: PolicyRule): WildcardInfo | undefined {
  const fields: { field: 'verbs' | 'resources' | 'apiGroups' | 'nonResourceURLs'; index: number }[] = [];
  for (const field of ['apiGroups', 'resources', 'verbs'] as const) {
    const i = rule[field].indexOf('*');
    if (i >= 0) fields.push({ field, index: i });
  }
  const nr = rule.nonResourceURLs.findIndex((u) => u === '*' || u === '/*');
  if (nr >= 0) fields.push({ field: 'nonResourceURLs', index: nr });
  if (fields.length === 0) return undefined;
  const full = rule.verbs.includes('*') && rule.resources.includes('*') && rule.apiGroups.includes('*') && rule.resourceNames.length === 0;
  return { full, fields };
}

export function describeRule(rule: PolicyRule): string {
  const parts: string[] = [];
  if (rule.resources.length > 0) {
    parts.push(`${rule.verbs.join(',')} on ${rule.resources.join(',')} in apiGroups [${rule.apiGroups.map((g) => (g === '' ? '""' : g)).join(',')}]`);
  }
  if (rule.nonResourceURLs.length > 0) parts.push(`${rule.verbs.join(',')} on URLs ${rule.nonResourceURLs.join(',')}`);
  if (rule.resourceNames.length > 0) parts.push(`names ${rule.resourceNames.join(',')}`);
  return parts.join('; ');
}
