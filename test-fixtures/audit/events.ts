/**
 * Builders of realistic Kubernetes audit events (audit.k8s.io/v1, the field layout kube-apiserver
 * writes for each verb and subresource: `objectRef` with `subresource`, `requestURI` with the query a
 * client sends, `responseStatus` 101 for opened streams, 403 bodies, `user.extra` of bound
 * service-account tokens, `impersonatedUser`, `authorization.k8s.io/*` annotations). Test-only.
 */
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type EventJson = { [k: string]: Json };

export interface User {
  readonly username: string;
  readonly groups?: readonly string[];
  readonly uid?: string;
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

let seq = 0;
/** A deterministic audit ID (uuid-shaped). */
export function auditID(): string {
  seq++;
  return `0b7e0f3a-${String(seq).padStart(4, '0')}-4c1d-9a2e-5f6d7c8b9a0b`;
}

const BASE_MS = Date.UTC(2025, 2, 14, 9, 0, 0);
/** RFC 3339 time `s` seconds after the base time of the samples. */
export function at(s: number): string {
  return new Date(BASE_MS + s * 1000).toISOString().replace('Z', '000Z');
}

export const ALICE: User = { username: 'alice@example.com', groups: ['platform-team', 'system:authenticated'] };
export const ADMIN: User = { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };
export const ANONYMOUS: User = { username: 'system:anonymous', groups: ['system:unauthenticated'] };
export const KCM: User = { username: 'system:kube-controller-manager', groups: ['system:authenticated'] };

export function node(name: string): User {
  return { username: `system:node:${name}`, groups: ['system:nodes', 'system:authenticated'] };
}

/** A service account's token user; `pod` adds the bound-token claims the API server puts in `extra`. */
export function sa(namespace: string, name: string, pod?: string, nodeName = 'gpu-node-1'): User {
  return {
    username: `system:serviceaccount:${namespace}:${name}`,
    uid: `5e1c${namespace.length}a2-1111-4a1e-8000-${String(name.length).padStart(12, '0')}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
    ...(pod !== undefined && {
      extra: {
        'authentication.kubernetes.io/credential-id': ['JTI=4f0c2a1b-0000-4d6e-9f00-112233445566'],
        'authentication.kubernetes.io/node-name': [nodeName],
        'authentication.kubernetes.io/node-uid': ['7d1f0a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b'],
        'authentication.kubernetes.io/pod-name': [pod],
        'authentication.kubernetes.io/pod-uid': ['a1b2c3d4-e5f6-4711-8899-aabbccddeeff'],
      },
    }),
  };
}

export interface EventSpec {
  readonly user?: User;
  readonly impersonatedUser?: User;
  readonly verb: string;
  readonly resource?: string;
  readonly subresource?: string;
  readonly apiGroup?: string;
  readonly apiVersion?: string;
  readonly namespace?: string;
  readonly name?: string;
  /** Path and query after the group/version prefix (default: built from the object reference). */
  readonly uri?: string;
  readonly stage?: string;
  readonly code?: number;
  readonly level?: 'Metadata' | 'Request' | 'RequestResponse';
  readonly requestObject?: EventJson;
  readonly responseObject?: EventJson;
  readonly time?: number;
  readonly id?: string;
  readonly userAgent?: string;
  readonly sourceIP?: string;
}

function plural(resource: string): string {
  return resource;
}

function uriOf(s: EventSpec): string {
  if (s.uri !== undefined && s.uri.startsWith('/')) return s.uri;
  const prefix = s.apiGroup === undefined || s.apiGroup === '' ? `/api/${s.apiVersion ?? 'v1'}` : `/apis/${s.apiGroup}/${s.apiVersion ?? 'v1'}`;
  let p = prefix;
  if (s.namespace !== undefined && s.resource !== 'namespaces') p += `/namespaces/${s.namespace}`;
  if (s.resource !== undefined) p += `/${plural(s.resource)}`;
  if (s.name !== undefined && s.verb !== 'create') p += `/${s.name}`;
  else if (s.name !== undefined && s.subresource !== undefined) p += `/${s.name}`;
  if (s.subresource !== undefined) p += `/${s.subresource}`;
  return p + (s.uri ?? (s.verb === 'list' ? '?limit=500' : s.verb === 'watch' ? '?allowWatchBookmarks=true&resourceVersion=48213&timeout=7m31s&timeoutSeconds=451&watch=true' : ''));
}

function userJson(u: User): EventJson {
  return { username: u.username, ...(u.uid !== undefined && { uid: u.uid }), ...(u.groups !== undefined && { groups: [...u.groups] }), ...(u.extra !== undefined && { extra: Object.fromEntries(Object.entries(u.extra).map(([k, v]) => [k, [...v]])) }) };
}

/** One audit event as kube-apiserver serialises it. */
export function event(s: EventSpec): EventJson {
  const code = s.code ?? (s.verb === 'create' ? 201 : 200);
  const user = s.user ?? ALICE;
  const t = at(s.time ?? 0);
  const forbidden = code === 403;
  const ref: EventJson = {
    ...(s.resource !== undefined && { resource: s.resource }),
    ...(s.namespace !== undefined && { namespace: s.namespace }),
    ...(s.name !== undefined && { name: s.name }),
    apiVersion: s.apiVersion ?? 'v1',
    ...(s.apiGroup !== undefined && s.apiGroup !== '' && { apiGroup: s.apiGroup }),
    ...(s.subresource !== undefined && { subresource: s.subresource }),
  };
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: s.level ?? (s.requestObject !== undefined ? (s.responseObject !== undefined ? 'RequestResponse' : 'Request') : 'Metadata'),
    auditID: s.id ?? auditID(),
    stage: s.stage ?? 'ResponseComplete',
    requestURI: uriOf(s),
    verb: s.verb,
    user: userJson(user),
    ...(s.impersonatedUser !== undefined && { impersonatedUser: userJson(s.impersonatedUser) }),
    sourceIPs: [s.sourceIP ?? '10.0.12.7'],
    userAgent: s.userAgent ?? 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46',
    ...(s.resource !== undefined && { objectRef: ref }),
    responseStatus: forbidden
      ? { metadata: {}, status: 'Failure', message: `${s.resource ?? 'resource'} is forbidden: User "${(s.impersonatedUser ?? user).username}" cannot ${s.verb} resource "${s.resource ?? ''}"`, reason: 'Forbidden', details: { kind: s.resource ?? '' }, code }
      : { metadata: {}, code },
    ...(s.requestObject !== undefined && { requestObject: s.requestObject }),
    ...(s.responseObject !== undefined && { responseObject: s.responseObject }),
    requestReceivedTimestamp: t,
    stageTimestamp: t,
    annotations: forbidden ? { 'authorization.k8s.io/decision': 'forbid', 'authorization.k8s.io/reason': '' } : { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': `RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to User "${user.username}"` },
  };
}

// ---- per verb and subresource ----------------------------------------------------------------------------

export const secretGet = (ns: string, name: string, user: User, extra: Partial<EventSpec> = {}): EventJson => event({ verb: 'get', resource: 'secrets', namespace: ns, name, user, ...extra });
export const secretList = (ns: string | undefined, user: User, extra: Partial<EventSpec> = {}): EventJson => event({ verb: 'list', resource: 'secrets', ...(ns !== undefined && { namespace: ns }), user, ...extra });
export const configMapGet = (ns: string, name: string, user: User, extra: Partial<EventSpec> = {}): EventJson => event({ verb: 'get', resource: 'configmaps', namespace: ns, name, user, ...extra });

/** Exec or attach: SPDY clients `create` (POST), WebSocket clients (kubectl 1.30+) `get`; stage ResponseStarted, 101. */
export function podStream(sub: 'exec' | 'attach' | 'portforward', ns: string, pod: string, user: User, o: { verb?: 'create' | 'get'; stage?: string; code?: number; command?: string[]; container?: string; time?: number; id?: string } = {}): EventJson {
  const q = sub === 'portforward' ? '?ports=8000' : `?${(o.command ?? ['sh']).map((c) => `command=${encodeURIComponent(c)}`).join('&')}&container=${o.container ?? 'server'}&stdin=true&stdout=true&tty=true`;
  return event({ verb: o.verb ?? 'create', resource: 'pods', subresource: sub, namespace: ns, name: pod, user, uri: q, stage: o.stage ?? 'ResponseStarted', code: o.code ?? 101, ...(o.time !== undefined && { time: o.time }), ...(o.id !== undefined && { id: o.id }) });
}

export function ephemeral(ns: string, pod: string, user: User, image = 'busybox:1.36'): EventJson {
  return event({
    verb: 'patch',
    resource: 'pods',
    subresource: 'ephemeralcontainers',
    namespace: ns,
    name: pod,
    user,
    code: 200,
    requestObject: { spec: { ephemeralContainers: [{ name: 'debugger-x7k2p', image, stdin: true, tty: true, targetContainerName: 'server', terminationMessagePolicy: 'File', resources: {} }] } },
  });
}

export function tokenRequest(ns: string, saName: string, user: User, o: { pod?: string; audiences?: string[]; expirationSeconds?: number; time?: number } = {}): EventJson {
  return event({
    verb: 'create',
    resource: 'serviceaccounts',
    subresource: 'token',
    namespace: ns,
    name: saName,
    user,
    code: 201,
    ...(o.time !== undefined && { time: o.time }),
    userAgent: o.pod === undefined ? 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46' : 'kubelet/v1.31.2 (linux/amd64) kubernetes/5864a46',
    requestObject: {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: {
        audiences: o.audiences ?? ['https://kubernetes.default.svc.cluster.local'],
        expirationSeconds: o.expirationSeconds ?? 3607,
        boundObjectRef: o.pod === undefined ? null : { kind: 'Pod', apiVersion: 'v1', name: o.pod, uid: 'a1b2c3d4-e5f6-4711-8899-aabbccddeeff' },
      },
      status: { token: '', expirationTimestamp: null },
    },
  });
}

export function binding(kind: 'ClusterRoleBinding' | 'RoleBinding', name: string, role: { kind: 'ClusterRole' | 'Role'; name: string }, subjects: EventJson[], user: User, o: { ns?: string; verb?: string; time?: number; id?: string } = {}): EventJson {
  const resource = kind === 'ClusterRoleBinding' ? 'clusterrolebindings' : 'rolebindings';
  return event({
    verb: o.verb ?? 'create',
    resource,
    apiGroup: 'rbac.authorization.k8s.io',
    ...(o.ns !== undefined && { namespace: o.ns }),
    name,
    user,
    ...(o.time !== undefined && { time: o.time }),
    ...(o.id !== undefined && { id: o.id }),
    requestObject: { kind, apiVersion: 'rbac.authorization.k8s.io/v1', metadata: { name, ...(o.ns !== undefined && { namespace: o.ns }), creationTimestamp: null }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: role.kind, name: role.name }, subjects },
  });
}

export function role(kind: 'ClusterRole' | 'Role', name: string, rules: EventJson[], user: User, o: { ns?: string; time?: number } = {}): EventJson {
  return event({
    verb: 'create',
    resource: kind === 'ClusterRole' ? 'clusterroles' : 'roles',
    apiGroup: 'rbac.authorization.k8s.io',
    ...(o.ns !== undefined && { namespace: o.ns }),
    name,
    user,
    ...(o.time !== undefined && { time: o.time }),
    requestObject: { kind, apiVersion: 'rbac.authorization.k8s.io/v1', metadata: { name, creationTimestamp: null }, rules },
  });
}

export function webhookConfig(kind: 'mutating' | 'validating', verb: string, name: string, user: User): EventJson {
  return event({
    verb,
    resource: `${kind}webhookconfigurations`,
    apiGroup: 'admissionregistration.k8s.io',
    name,
    user,
    code: verb === 'create' ? 201 : 200,
    ...(verb === 'create' && {
      requestObject: {
        kind: kind === 'mutating' ? 'MutatingWebhookConfiguration' : 'ValidatingWebhookConfiguration',
        apiVersion: 'admissionregistration.k8s.io/v1',
        metadata: { name },
        webhooks: [{ name: `${name}.example.com`, clientConfig: { url: 'https://203.0.113.9/hook' }, rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }], sideEffects: 'None', admissionReviewVersions: ['v1'], failurePolicy: 'Ignore' }],
      },
    }),
  });
}

export function csrApproval(name: string, user: User, signer = 'kubernetes.io/kube-apiserver-client'): EventJson {
  return event({
    verb: 'update',
    resource: 'certificatesigningrequests',
    subresource: 'approval',
    apiGroup: 'certificates.k8s.io',
    name,
    user,
    code: 200,
    requestObject: {
      kind: 'CertificateSigningRequest',
      apiVersion: 'certificates.k8s.io/v1',
      metadata: { name },
      spec: { request: 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K', signerName: signer, usages: ['client auth'], username: 'mallory', groups: ['system:authenticated'] },
      status: { conditions: [{ type: 'Approved', status: 'True', reason: 'KubectlApprove', message: 'This CSR was approved by kubectl certificate approve.', lastUpdateTime: null }] },
    },
  });
}

export function nodeProxy(nodeName: string, path: string, user: User, verb = 'get'): EventJson {
  return event({ verb, resource: 'nodes', subresource: 'proxy', name: nodeName, user, uri: `/api/v1/nodes/${nodeName}/proxy${path}`, code: 200 });
}

export function pod(name: string, ns: string, spec: EventJson, o: { owner?: boolean; sa?: string } = {}): EventJson {
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      name,
      namespace: ns,
      ...(o.owner === true && { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${name.replace(/-[a-z0-9]+$/, '')}`, uid: '9f1e2d3c-0000-4b5a-8c7d-6e5f4a3b2c1d', controller: true, blockOwnerDeletion: true }] }),
    },
    spec: { ...(o.sa !== undefined && { serviceAccountName: o.sa }), ...spec },
  };
}

export function podCreate(p: EventJson, user: User, o: { code?: number; time?: number } = {}): EventJson {
  const meta = p['metadata'] as { name: string; namespace: string };
  return event({ verb: 'create', resource: 'pods', namespace: meta.namespace, user, code: o.code ?? 201, requestObject: p, responseObject: p, ...(o.time !== undefined && { time: o.time }) });
}

export function deploymentCreate(name: string, ns: string, podSpec: EventJson, user: User): EventJson {
  return event({
    verb: 'create',
    resource: 'deployments',
    apiGroup: 'apps',
    namespace: ns,
    name,
    user,
    requestObject: { kind: 'Deployment', apiVersion: 'apps/v1', metadata: { name, namespace: ns }, spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: podSpec } } },
  });
}

export function forbidden(user: User, verb: string, resource: string, ns: string | undefined, time: number, name?: string): EventJson {
  return event({ verb, resource, ...(ns !== undefined && { namespace: ns }), ...(name !== undefined && { name }), user, code: 403, time });
}

/** Serialise events as a JSON-lines log. */
export function jsonl(events: readonly EventJson[]): string {
  return events.map((e) => JSON.stringify(e)).join('\n') + '\n';
}
