/**
 * Built-in ClusterRoles that manifests bind without defining (the API server bootstraps them), encoded
 * as data so that a binding to `cluster-admin`, `admin`, `edit` or `view` is analysed like any other.
 *
 * Source: kubernetes `plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go` (user-facing roles).
 * `admin`, `edit` and `view` are aggregated roles exactly as upstream: their rules come from every
 * ClusterRole labelled `rbac.authorization.k8s.io/aggregate-to-{admin,edit,view}: "true"` — the
 * `system:aggregate-to-*` roles below, `edit` (labelled aggregate-to-admin), `view` (labelled
 * aggregate-to-edit) and any ClusterRole of the input that carries the label. That last case is how a
 * CRD's ClusterRole silently extends what every `view` holder of the cluster can do.
 *
 * Only the rules that matter to the risk analysis are encoded in full (read/write verbs on the
 * resources below); read-only access to status subresources and the like is abbreviated. Roles that
 * are known but grant nothing this analysis reports (discovery, basic-user, public-info-viewer,
 * auth-delegator) are listed so that bindings to them are not reported as unresolved.
 */
import type { PolicyRule } from './objects.js';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];
const READ_WRITE = [...READ, ...WRITE];

function r(verbs: readonly string[], apiGroups: readonly string[], resources: readonly string[]): PolicyRule {
  return { verbs, apiGroups, resources, resourceNames: [], nonResourceURLs: [] };
}

export interface BuiltinClusterRole {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Labels (matchLabels) of the aggregation selectors, when the role is aggregated. */
  readonly aggregateFrom?: readonly Readonly<Record<string, string>>[];
  readonly rules: readonly PolicyRule[];
  readonly summary: string;
}

const AGG_ADMIN = 'rbac.authorization.k8s.io/aggregate-to-admin';
const AGG_EDIT = 'rbac.authorization.k8s.io/aggregate-to-edit';
const AGG_VIEW = 'rbac.authorization.k8s.io/aggregate-to-view';

export const BUILTIN_CLUSTER_ROLES: readonly BuiltinClusterRole[] = [
  {
    name: 'cluster-admin',
    labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
    rules: [r(['*'], ['*'], ['*']), { verbs: ['*'], apiGroups: [], resources: [], resourceNames: [], nonResourceURLs: ['*'] }],
    summary: 'every verb on every resource and non-resource URL (superuser)',
  },
  {
    name: 'admin',
    labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
    aggregateFrom: [{ [AGG_ADMIN]: 'true' }],
    rules: [],
    summary: 'namespace administrator: edit plus Roles and RoleBindings',
  },
  {
    name: 'edit',
    labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', [AGG_ADMIN]: 'true' },
    aggregateFrom: [{ [AGG_EDIT]: 'true' }],
    rules: [],
    summary: 'read/write on most namespaced objects, including Secrets, pods, exec and workload controllers',
  },
  {
    name: 'view',
    labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', [AGG_EDIT]: 'true' },
    aggregateFrom: [{ [AGG_VIEW]: 'true' }],
    rules: [],
    summary: 'read-only on most namespaced objects (not Secrets)',
  },
  {
    name: 'system:aggregate-to-admin',
    labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', [AGG_ADMIN]: 'true' },
    rules: [
      r(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
      r(READ_WRITE, ['rbac.authorization.k8s.io'], ['roles', 'rolebindings']),
    ],
    summary: 'the part of admin beyond edit',
  },
  {
    name: 'system:aggregate-to-edit',
    labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', [AGG_EDIT]: 'true' },
    rules: [
      r(READ, [''], ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy']),
      r(['impersonate'], [''], ['serviceaccounts']),
      r(WRITE, [''], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
      r(['create'], [''], ['pods/eviction']),
      r(WRITE, [''], ['replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy', 'persistentvolumeclaims', 'configmaps', 'secrets', 'events']),
      r(['create'], [''], ['serviceaccounts/token']),
      r(WRITE, ['apps'], ['statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'replicasets', 'replicasets/scale']),
      r(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
      r(WRITE, ['batch'], ['jobs', 'cronjobs']),
      r(WRITE, ['extensions'], ['daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'ingresses', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale', 'networkpolicies']),
      r(WRITE, ['policy'], ['poddisruptionbudgets']),
      r(WRITE, ['networking.k8s.io'], ['networkpolicies', 'ingresses']),
      r(READ_WRITE, ['coordination.k8s.io'], ['leases']),
    ],
    summary: 'the part of edit beyond view',
  },
  {
    name: 'system:aggregate-to-view',
    labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', [AGG_VIEW]: 'true' },
    rules: [
      r(READ, [''], ['pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps']),
      r(READ, [''], ['limitranges', 'resourcequotas', 'bindings', 'events', 'pods/status', 'resourcequotas/status', 'namespaces/status', 'replicationcontrollers/status', 'pods/log']),
      r(READ, [''], ['namespaces']),
      r(READ, ['discovery.k8s.io'], ['endpointslices']),
      r(READ, ['apps'], ['controllerrevisions', 'statefulsets', 'statefulsets/status', 'statefulsets/scale', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/status', 'deployments/scale', 'replicasets', 'replicasets/status', 'replicasets/scale']),
      r(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
      r(READ, ['batch'], ['jobs', 'jobs/status', 'cronjobs', 'cronjobs/status']),
      r(READ, ['extensions'], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale', 'networkpolicies']),
      r(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
      r(READ, ['networking.k8s.io'], ['networkpolicies', 'ingresses', 'ingresses/status']),
    ],
    summary: 'the read-only base of view',
  },
  // Known roles without a risky grant (bound by default to broad groups; not "unresolved").
  { name: 'system:discovery', labels: {}, rules: [], summary: 'API discovery (non-resource URLs)' },
  { name: 'system:basic-user', labels: {}, rules: [r(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'])], summary: 'self access reviews' },
  { name: 'system:public-info-viewer', labels: {}, rules: [], summary: 'health and version endpoints' },
  {
    name: 'system:auth-delegator',
    labels: {},
    rules: [r(['create'], ['authentication.k8s.io'], ['tokenreviews']), r(['create'], ['authorization.k8s.io'], ['subjectaccessreviews'])],
    summary: 'delegated authentication and authorization checks',
  },
];

/** Built-in roles whose holders are typically outside the manifests (people and groups of the cluster). */
export const USER_FACING_AGGREGATED = new Set(['admin', 'edit', 'view']);
