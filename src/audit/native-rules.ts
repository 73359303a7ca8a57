/**
 * Bulwark's own audit detections: what an attacker does after a foothold in a pod (read Secrets and
 * sensitive ConfigMaps, open shells and tunnels into pods, mint service-account tokens, impersonate,
 * bind themselves to powerful roles, tamper with admission webhooks, approve certificates, reach the
 * kubelet through the node proxy, create pods that escape to the node), graded by who did it and
 * quiet on the cluster's own controllers (allowlists in the policy data, extended by users).
 */
import type { Severity } from '../findings/index.js';
import type { JsonObject } from '../k8s-manifests/index.js';
import type { AuditEvent } from './event.js';
import type { IdentityClass } from './policy.js';
import type { IdentityMatcher } from './patterns.js';
import type { AuditRule, EventContext } from './rule-model.js';
import { asArray, asString, auditRule, describeTarget, describeUser, get } from './rule-model.js';
import { commandOf } from './falco-rules.js';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];
/** Streams (exec, attach, port-forward) answer 101 Switching Protocols when they open. */
function opened(e: AuditEvent): boolean {
  return e.code === 101 || e.success;
}

const REFS = {
  audit: 'https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/',
  rbacGood: 'https://kubernetes.io/docs/concepts/security/rbac-good-practices/',
  secrets: 'https://kubernetes.io/docs/concepts/security/secrets-good-practices/',
  docs: 'docs/audit.md',
};

/** Severity tables by identity class (data): a workload identity doing it is worse than a person. */
const BY_CLASS = {
  secrets: { anonymous: 'critical', human: 'medium', 'control-plane': 'low', node: 'low', 'system-serviceaccount': 'medium', serviceaccount: 'high', 'ai-serviceaccount': 'critical' },
  shell: { anonymous: 'critical', human: 'medium', 'control-plane': 'medium', node: 'high', 'system-serviceaccount': 'medium', serviceaccount: 'high', 'ai-serviceaccount': 'high' },
  tokens: { anonymous: 'critical', human: 'high', 'control-plane': 'medium', node: 'medium', 'system-serviceaccount': 'medium', serviceaccount: 'high', 'ai-serviceaccount': 'critical' },
} as const satisfies Record<string, Record<IdentityClass, Severity>>;

/** Whether the actor (or the impersonating user) is in an identity list (names, or `group:` patterns). */
function inAllow(match: IdentityMatcher, e: AuditEvent): boolean {
  if (match(e.actor.username) || (e.impersonatedUser !== undefined && match(e.user.username))) return true;
  const g = match.groups;
  return g !== undefined && e.actor.groups.some(g);
}

export const secretRead = auditRule({
  id: 'audit/secret-read',
  title: 'Secret read outside the system controllers',
  severity: 'high',
  description:
    'A successful get, list or watch of Secrets by an identity that is not one of the cluster\u2019s own Secret readers (kubelets, the control plane, kube-system controllers and managed-cluster components: `secretReaders`). A person reading Secrets is worth a look; a workload\u2019s service account doing it (an AI model server or notebook especially) is the classic move after a pod is compromised: the token in the pod is used to harvest credentials. Graded by who read (`ai-serviceaccount` critical, `serviceaccount` high, `human` medium). Falco\u2019s "K8s Secret Get Successfully" reports every get, controllers included, and no list or watch.',
  remediation:
    'Check whether the identity needs the Secrets it read. Remove `get/list/watch` on `secrets` from roles that do not need them (list and watch return every Secret\u2019s data), rotate what was read if the access was not expected, and add legitimate readers (operators such as cert-manager or external-secrets) to `secretReaders` in the audit policy.',
  references: [REFS.secrets, REFS.rbacGood, REFS.docs],
  tags: ['k8s', 'audit', 'secrets', 'credential-access'],
  maturity: 'stable',
  on: { resources: ['secrets'], verbs: READ },
  severityByClass: BY_CLASS.secrets,
  controls: ['mitre:T1552.007'],
  check({ event: e, ctx }, report) {
    if (!READ.includes(e.verb) || !e.success || inAllow(ctx.policy.secretReaders, e)) return;
    const what = e.verb === 'get' ? `read Secret ${e.namespace ?? ''}/${e.name ?? ''}` : `${e.verb === 'list' ? 'listed' : 'watched'} Secrets ${e.namespace === undefined ? 'in all namespaces' : `in namespace ${e.namespace}`}`;
    report({ location: ctx.at(), message: `${describeUser(e)} (${ctx.identity}) ${what}` });
  },
});

export const sensitiveConfigMapRead = auditRule({
  id: 'audit/sensitive-configmap-read',
  title: 'Sensitive ConfigMap read',
  severity: 'medium',
  description:
    'A successful read of a ConfigMap whose name says it holds credentials or the cluster\u2019s identity mapping (`sensitiveConfigMaps`: aws-auth, kubeadm-config, *credential*, *token*, *kubeconfig* …), or a list/watch of ConfigMaps in kube-system or across all namespaces, by an identity outside `configMapReaders`. aws-auth maps IAM roles to Kubernetes groups; credentials left in ConfigMaps are readable by anyone allowed to read ConfigMaps.',
  remediation: 'Move credentials out of ConfigMaps into Secrets or an external store and rotate them; restrict ConfigMap reads in kube-system; add legitimate readers to `configMapReaders`.',
  references: [REFS.secrets, REFS.docs],
  tags: ['k8s', 'audit', 'secrets', 'credential-access'],
  maturity: 'stable',
  on: { resources: ['configmaps'], verbs: READ },
  severityByClass: { anonymous: 'critical', human: 'low', 'control-plane': 'low', node: 'low', 'system-serviceaccount': 'low', serviceaccount: 'medium', 'ai-serviceaccount': 'high' },
  controls: ['mitre:T1552.007'],
  check({ event: e, ctx }, report) {
    if (!READ.includes(e.verb) || !e.success || inAllow(ctx.policy.configMapReaders, e)) return;
    if (e.verb === 'get') {
      if (e.name === undefined || !ctx.policy.sensitiveConfigMaps(e.name)) return;
      report({ location: ctx.at(), message: `${describeUser(e)} (${ctx.identity}) read ConfigMap ${e.namespace ?? ''}/${e.name}` });
    } else if (e.namespace === undefined || ctx.policy.systemNamespaces(e.namespace)) {
      report({ location: ctx.at(), message: `${describeUser(e)} (${ctx.identity}) ${e.verb === 'list' ? 'listed' : 'watched'} ConfigMaps ${e.namespace === undefined ? 'in all namespaces' : `in ${e.namespace}`}` });
    }
  },
});

function streamRule(id: string, title: string, subresources: readonly string[], what: string, description: string, remediation: string, controls: readonly string[]): AuditRule {
  return auditRule({
    id,
    title,
    severity: 'high',
    description,
    remediation,
    references: [REFS.rbacGood, REFS.docs],
    tags: ['k8s', 'audit', 'exec', 'execution'],
    maturity: 'stable',
    on: { resources: subresources.map((s) => `pods/${s}`), stages: ['ResponseStarted', 'ResponseComplete'], verbs: ['create', 'get'] },
    severityByClass: BY_CLASS.shell,
    controls,
    check({ event: e, ctx }, report) {
      // SPDY clients POST (create); WebSocket clients (kubectl 1.30+) GET.
      if ((e.verb !== 'create' && e.verb !== 'get') || !opened(e)) return;
      const cmd = commandOf(e.requestURI);
      const container = new URLSearchParams(e.requestURI.slice(e.requestURI.indexOf('?') + 1)).get('container');
      report({
        location: ctx.at(),
        message: `${describeUser(e)} (${ctx.identity}) ${what} pod ${e.namespace ?? ''}/${e.name ?? ''}${container === null ? '' : ` container ${container}`}${cmd === '' ? '' : `: ${cmd}`}`,
        ...(cmd !== '' && { evidence: cmd }),
      });
    },
  });
}

export const podExec = streamRule(
  'audit/pod-exec',
  'Shell or attach into a pod',
  ['exec', 'attach'],
  'opened a stream into',
  'An exec or attach into a pod that the API server opened (101 Switching Protocols, or success), whether the client used SPDY (`create`) or WebSockets (`get`, kubectl 1.30 and later): the caller runs commands inside the container, with its service-account token, mounted Secrets and model files. Reported once per request whatever stages the audit policy logs. Graded by who did it: a workload\u2019s service account opening a shell in another pod is lateral movement. Falco\u2019s "Attach/Exec Pod" sees only SPDY requests at stage ResponseStarted.',
  'Confirm who opened the shell and why; restrict `pods/exec` and `pods/attach` to break-glass roles, and prefer `kubectl debug` with an audited, time-bound role. Allowlist legitimate automation per rule in the audit policy (`allow:`).',
  ['mitre:T1609'],
);

export const podPortForward = streamRule(
  'audit/pod-port-forward',
  'Port-forward into a pod',
  ['portforward'],
  'forwarded a port to',
  'A port-forward to a pod that the API server opened: it tunnels the caller\u2019s traffic to a port of the pod past Services, Ingress and NetworkPolicies (a common way to reach an unauthenticated model server or database). Reported once per request. Falco\u2019s "port-forward" reports every stage of every port-forward request, opened or refused.',
  'Confirm who forwarded the port and why; restrict `pods/portforward` in RBAC.',
  ['mitre:T1572'],
);

export const ephemeralContainer = auditRule({
  id: 'audit/ephemeral-container',
  title: 'Ephemeral container added to a pod',
  severity: 'high',
  description:
    'A successful update or patch of `pods/ephemeralcontainers` (`kubectl debug`): a new container with an image and command of the caller\u2019s choice joins a running pod and its namespaces, volumes and service account. Reported with the image when the audit level logs the request.',
  remediation: 'Confirm the debugging session; restrict `pods/ephemeralcontainers` to break-glass roles and enforce Pod Security on debug profiles.',
  references: ['https://kubernetes.io/docs/concepts/workloads/pods/ephemeral-containers/', REFS.docs],
  tags: ['k8s', 'audit', 'exec', 'execution'],
  maturity: 'stable',
  on: { resources: ['pods/ephemeralcontainers'], verbs: ['create', 'update', 'patch'] },
  severityByClass: BY_CLASS.shell,
  controls: ['mitre:T1609'],
  check({ event: e, ctx }, report) {
    if (!['create', 'update', 'patch'].includes(e.verb) || !e.success) return;
    const list = asArray(get(e.requestObject, 'spec', 'ephemeralContainers')).length > 0 ? asArray(get(e.requestObject, 'spec', 'ephemeralContainers')) : asArray(get(e.requestObject, 'ephemeralContainers'));
    const last = list.at(-1);
    const image = asString(get(last, 'image'));
    report({ location: ctx.at(), message: `${describeUser(e)} (${ctx.identity}) added an ephemeral container to pod ${e.namespace ?? ''}/${e.name ?? ''}${image === undefined ? '' : ` (image ${image})`}`, ...(image !== undefined && { evidence: image }) });
  },
});

export const tokenRequest = auditRule({
  id: 'audit/token-request',
  title: 'ServiceAccount token minted by someone other than the kubelet',
  severity: 'high',
  description:
    'A successful TokenRequest (`create` of `serviceaccounts/token`, what `kubectl create token` does) by an identity other than the kubelets and the control plane (`tokenRequesters`). The kubelet requests tokens for the pods it runs; anyone else minting a token for a service account gets that account\u2019s permissions for the token\u2019s lifetime, outside any pod: a persistence and escalation move.',
  remediation: 'Find who minted the token, for which service account, audience and lifetime; remove `create` on `serviceaccounts/token` from roles that do not need it, and delete or rotate the service account if the request was not expected.',
  references: ['https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/token-request-v1/', REFS.docs],
  tags: ['k8s', 'audit', 'identity', 'persistence'],
  maturity: 'stable',
  on: { resources: ['serviceaccounts/token'], verbs: ['create'] },
  severityByClass: BY_CLASS.tokens,
  controls: ['mitre:T1528'],
  check({ event: e, ctx }, report) {
    if (e.verb !== 'create' || !e.success || inAllow(ctx.policy.tokenRequesters, e)) return;
    const spec = get(e.requestObject, 'spec');
    const exp = get(spec, 'expirationSeconds');
    const aud = asArray(get(spec, 'audiences')).filter((a): a is string => typeof a === 'string');
    report({
      location: ctx.at(),
      message: `${describeUser(e)} (${ctx.identity}) minted a token for ServiceAccount ${e.namespace ?? ''}/${e.name ?? ''}${typeof exp === 'number' ? ` valid ${exp}s` : ''}${aud.length > 0 ? ` for ${aud.join(',')}` : ''}`,
    });
  },
});

const ADMIN_GROUPS = new Set(['system:masters']);

export const impersonation = auditRule({
  id: 'audit/impersonation',
  title: 'Request made by impersonating another identity',
  severity: 'high',
  description:
    'A successful request in which the caller impersonated another user, group or service account (`Impersonate-User`/`Impersonate-Group` headers, `kubectl --as`): the request ran with the impersonated identity\u2019s permissions, and logs that do not read `impersonatedUser` attribute it to the wrong person. Critical when the impersonated identity is in `system:masters`.',
  remediation: 'Confirm the caller is meant to impersonate; grant `impersonate` only on named users or groups (`resourceNames`), never on `system:masters`, and allowlist legitimate proxies per rule in the audit policy.',
  references: ['https://kubernetes.io/docs/reference/access-authn-authz/authentication/#user-impersonation', REFS.docs],
  tags: ['k8s', 'audit', 'identity', 'privilege-escalation'],
  maturity: 'stable',
  on: { resources: ['*'] },
  controls: ['mitre:T1078'],
  check({ event: e, ctx }, report) {
    const as = e.impersonatedUser;
    if (as === undefined || !e.success) return;
    const admin = as.groups.some((g) => ADMIN_GROUPS.has(g)) || as.username === 'system:admin';
    report({
      location: ctx.at(),
      message: `${e.user.username} impersonated ${as.username || '(groups only)'}${as.groups.length > 0 ? ` (groups ${as.groups.join(',')})` : ''} to ${e.verb} ${describeTarget(e)}`,
      ...(admin && { severity: 'critical' as const }),
    });
  },
});

export const anonymousAccess = auditRule({
  id: 'audit/anonymous-access',
  title: 'Anonymous or unauthenticated request succeeded',
  severity: 'high',
  description:
    'A request by `system:anonymous` or a member of `system:unauthenticated` that succeeded, other than the health and discovery endpoints meant to be public (`anonymousPaths`). Success means some binding grants unauthenticated callers access: anyone who reaches the API server has it. Critical when it wrote or read Secrets. Falco\u2019s "Anonymous Request Allowed" looks only at the username and the authorization decision, not at the outcome or the group.',
  remediation: 'Remove RoleBindings and ClusterRoleBindings to `system:anonymous` and `system:unauthenticated`; disable anonymous authentication or limit it to health endpoints (AuthenticationConfiguration `anonymous.conditions`).',
  references: ['https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests', REFS.docs],
  tags: ['k8s', 'audit', 'identity', 'initial-access'],
  maturity: 'stable',
  on: { resources: ['*'] },
  controls: ['mitre:T1190'],
  check({ event: e, ctx }, report) {
    if (!e.success || (e.user.username !== 'system:anonymous' && !e.actor.groups.includes('system:unauthenticated'))) return;
    if (ctx.identity !== 'anonymous') return;
    if (e.resource === '' && ctx.policy.anonymousPaths(e.requestURI)) return;
    const severe = WRITE.includes(e.verb) || e.resource === 'secrets';
    report({ location: ctx.at(), message: `anonymous request succeeded: ${e.verb} ${e.resource === '' ? e.requestURI : describeTarget(e)} (${e.code})`, ...(severe && { severity: 'critical' as const }) });
  },
});

// ---- RBAC ------------------------------------------------------------------------------------------------

/** The dangerous grants of a role object's rules (`escalate`, `bind`, `impersonate`, `*`), or undefined. */
export function dangerousGrants(role: JsonObject | undefined, verbs: ReadonlySet<string>): string | undefined {
  const found = new Set<string>();
  for (const r of asArray(get(role, 'rules'))) {
    for (const v of asArray(get(r, 'verbs'))) if (typeof v === 'string' && verbs.has(v)) found.add(v === '*' ? 'verbs *' : v);
    for (const x of asArray(get(r, 'resources'))) if (x === '*') found.add('resources *');
  }
  return found.size === 0 ? undefined : [...found].sort().join(', ');
}

/** Remember roles with dangerous grants as they are written (used when a binding names them). */
export function learnRole(e: AuditEvent, ctx: EventContext): void {
  if ((e.resource !== 'roles' && e.resource !== 'clusterroles') || e.subresource !== '' || !e.success) return;
  const key = `${e.resource === 'roles' ? `Role:${e.namespace ?? ''}` : 'ClusterRole:'}:${e.name ?? asString(get(e.requestObject, 'metadata', 'name')) ?? ''}`;
  if (e.verb === 'delete') {
    ctx.state.dangerousRoles.delete(key);
    return;
  }
  if (!['create', 'update', 'patch'].includes(e.verb)) return;
  const obj = e.verb === 'patch' ? e.responseObject : (e.requestObject ?? e.responseObject);
  if (obj === undefined) return;
  const d = dangerousGrants(obj, ctx.policy.dangerousVerbs);
  if (d === undefined) ctx.state.dangerousRoles.delete(key);
  else ctx.state.dangerousRoles.set(key, d);
}

export interface BindingView {
  readonly kind: 'RoleBinding' | 'ClusterRoleBinding';
  readonly name: string;
  readonly roleKind: string;
  readonly roleName: string;
  readonly subjects: readonly { kind: string; name: string; namespace: string | undefined }[];
  /** Why the role is powerful (`cluster-admin`, `grants bind, escalate`), or undefined. */
  readonly power: string | undefined;
  readonly severity: Severity;
  readonly broad: readonly string[];
}

/** A binding written by the event, with how powerful its role is (undefined when not a binding write). */
export function bindingOf(e: AuditEvent, ctx: EventContext): BindingView | undefined {
  if ((e.resource !== 'rolebindings' && e.resource !== 'clusterrolebindings') || e.subresource !== '' || !e.success) return undefined;
  if (!['create', 'update', 'patch'].includes(e.verb)) return undefined;
  const obj = e.verb === 'patch' ? e.responseObject : (e.requestObject ?? e.responseObject);
  const roleName = asString(get(obj, 'roleRef', 'name'));
  if (obj === undefined || roleName === undefined) return undefined;
  const roleKind = asString(get(obj, 'roleRef', 'kind')) ?? 'ClusterRole';
  const kind = e.resource === 'rolebindings' ? 'RoleBinding' : 'ClusterRoleBinding';
  const subjects = asArray(get(obj, 'subjects')).map((s) => ({ kind: asString(get(s, 'kind')) ?? '', name: asString(get(s, 'name')) ?? '', namespace: asString(get(s, 'namespace')) ?? (kind === 'RoleBinding' ? e.namespace : undefined) }));
  const learned = ctx.state.dangerousRoles.get(`${roleKind === 'Role' ? `Role:${e.namespace ?? ''}` : 'ClusterRole:'}:${roleName}`);
  const builtIn = roleKind === 'ClusterRole' && ctx.policy.powerfulRoles(roleName);
  const broad = subjects.filter((s) => s.kind === 'Group' && ctx.policy.broadGroups.has(s.name)).map((s) => s.name);
  const power = builtIn ? roleName : learned === undefined ? undefined : `grants ${learned}`;
  const severity: Severity = broad.length > 0 && (power !== undefined || roleName.length > 0) ? 'critical' : roleName === 'cluster-admin' && kind === 'ClusterRoleBinding' ? 'critical' : 'high';
  return { kind, name: e.name ?? asString(get(obj, 'metadata', 'name')) ?? '', roleKind, roleName, subjects, power, severity, broad };
}

function subjectText(b: BindingView): string {
  return b.subjects.map((s) => `${s.kind} ${s.namespace === undefined || s.kind !== 'ServiceAccount' ? '' : `${s.namespace}/`}${s.name}`).join(', ');
}

export const powerfulRoleBinding = auditRule({
  id: 'audit/powerful-role-binding',
  title: 'Binding to a powerful role',
  severity: 'high',
  description:
    'A RoleBinding or ClusterRoleBinding created or changed that grants an administrator role (`powerfulRoles`: cluster-admin, admin, edit) or a role seen in the log granting `escalate`, `bind`, `impersonate` or `*` — or that grants any role to everyone (`system:anonymous`, `system:unauthenticated`, `system:authenticated`, `system:serviceaccounts`). Binding yourself (or a service account you hold) to such a role is how a foothold becomes cluster control. Critical for cluster-admin cluster-wide and for grants to everyone. Falco\u2019s "Attach to cluster-admin Role" covers only ClusterRoleBinding creation to cluster-admin.',
  remediation: 'Confirm the binding was approved; delete it otherwise and review what the subject did since (see `audit/new-binding-used`). Grant narrow roles instead of admin roles, and never bind roles to broad groups.',
  references: [REFS.rbacGood, 'https://kubernetes.io/docs/reference/access-authn-authz/rbac/#privilege-escalation-prevention-and-bootstrapping', REFS.docs],
  tags: ['k8s', 'audit', 'rbac', 'privilege-escalation'],
  maturity: 'stable',
  on: { resources: ['rolebindings', 'clusterrolebindings', 'roles', 'clusterroles'], verbs: ['create', 'update', 'patch', 'delete'] },
  controls: ['mitre:T1098'],
  check({ event: e, ctx }, report) {
    learnRole(e, ctx);
    const b = bindingOf(e, ctx);
    if (b === undefined || (b.power === undefined && b.broad.length === 0)) return;
    const why = b.broad.length > 0 ? `to everyone in ${b.broad.join(', ')}` : `(${b.power})`;
    report({ location: ctx.at(), message: `${describeUser(e)} ${e.verb === 'create' ? 'created' : 'changed'} ${b.kind} ${e.namespace === undefined ? '' : `${e.namespace}/`}${b.name} binding ${b.roleKind} ${b.roleName} ${why} to ${subjectText(b) || 'no subjects'}`, severity: b.severity });
  },
});

const WEBHOOK_RESOURCES = ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations', 'validatingadmissionpolicies', 'validatingadmissionpolicybindings', 'mutatingadmissionpolicies', 'mutatingadmissionpolicybindings'];

export const admissionWebhookChanged = auditRule({
  id: 'audit/admission-webhook-changed',
  title: 'Admission webhook or policy configuration changed',
  severity: 'medium',
  description:
    'A successful create, update, patch or delete of a Mutating/ValidatingWebhookConfiguration or a (Mutating/Validating)AdmissionPolicy or binding. A new mutating webhook sees and can rewrite every matching object (inject containers, mount the host, copy Secrets); deleting or loosening a validating webhook turns off policy enforcement. Updates by the components that manage their own webhooks (CA-bundle injectors, policy engines: `webhookManagers`) are not reported; creations and deletions always are. High for new mutating webhooks and for deletions.',
  remediation: 'Confirm the change; compare the configuration with the approved one (rules, namespaceSelector, failurePolicy, service), and restrict write access to admission configuration to the platform team.',
  references: ['https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/', REFS.docs],
  tags: ['k8s', 'audit', 'admission', 'defense-evasion'],
  maturity: 'stable',
  on: { resources: WEBHOOK_RESOURCES, verbs: WRITE },
  controls: ['mitre:T1562'],
  check({ event: e, ctx }, report) {
    if (!WRITE.includes(e.verb) || !e.success) return;
    const mutating = e.resource.startsWith('mutating');
    if ((e.verb === 'update' || e.verb === 'patch') && inAllow(ctx.policy.webhookManagers, e)) return;
    const severe = (mutating && e.verb === 'create') || e.verb === 'delete' || e.verb === 'deletecollection';
    report({ location: ctx.at(), message: `${describeUser(e)} ${e.verb === 'create' ? 'created' : e.verb.startsWith('delete') ? 'deleted' : 'changed'} ${e.resource} ${e.name ?? ''}`.trim(), ...(severe && { severity: 'high' as const }) });
  },
});

export const csrApproved = auditRule({
  id: 'audit/csr-approved',
  title: 'Certificate signing request approved by hand',
  severity: 'high',
  description:
    'A successful update of `certificatesigningrequests/approval` by an identity other than the kubelet-certificate auto-approver (`csrApprovers`). An approved CSR for the `kubernetes.io/kube-apiserver-client` signer is a client certificate the API server trusts for as long as it is valid, for whatever user and groups (`system:masters`) the request named; certificates cannot be revoked.',
  remediation: 'Check the approved request\u2019s signer, subject and groups (`kubectl get csr NAME -o yaml`); if it was not expected, rotate the signing CA or remove the subject\u2019s permissions, and restrict `approve` on `signers` in RBAC.',
  references: ['https://kubernetes.io/docs/reference/access-authn-authz/certificate-signing-requests/', REFS.docs],
  tags: ['k8s', 'audit', 'identity', 'persistence'],
  maturity: 'stable',
  on: { resources: ['certificatesigningrequests/approval'], verbs: ['update', 'patch'] },
  controls: ['mitre:T1649'],
  check({ event: e, ctx }, report) {
    if ((e.verb !== 'update' && e.verb !== 'patch') || !e.success || inAllow(ctx.policy.csrApprovers, e)) return;
    const obj = e.requestObject ?? e.responseObject;
    const signer = asString(get(obj, 'spec', 'signerName'));
    const requester = asString(get(obj, 'spec', 'username'));
    const approved = asArray(get(obj, 'status', 'conditions')).some((c) => asString(get(c, 'type')) === 'Approved');
    if (obj !== undefined && get(obj, 'status') !== undefined && !approved) return;
    report({ location: ctx.at(), message: `${describeUser(e)} approved certificate signing request ${e.name ?? ''}${signer === undefined ? '' : ` for signer ${signer}`}${requester === undefined ? '' : ` requested by ${requester}`}` });
  },
});

export const nodeProxy = auditRule({
  id: 'audit/node-proxy',
  title: 'Kubelet API reached through the node proxy',
  severity: 'high',
  description:
    'A successful request on `nodes/proxy`: the API server forwards it to the kubelet, whose API can run commands in any container on the node (`/exec`, `/run`) and read logs and metrics. Commands run this way are not audited as pod exec. Even `get` on `nodes/proxy` reaches the kubelet\u2019s exec endpoints over WebSockets.',
  remediation: 'Remove `nodes/proxy` from roles that do not need it (monitoring should use `nodes/metrics` or the metrics endpoints); allowlist legitimate scrapers per rule in the audit policy.',
  references: ['https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/', REFS.docs],
  tags: ['k8s', 'audit', 'nodes', 'execution'],
  maturity: 'stable',
  on: { resources: ['nodes/proxy'], stages: ['ResponseStarted', 'ResponseComplete'] },
  severityByClass: BY_CLASS.shell,
  controls: ['mitre:T1609'],
  check({ event: e, ctx }, report) {
    if (!opened(e)) return;
    const path = e.requestURI.replace(/^.*\/proxy/, '') || '/';
    report({ location: ctx.at(), message: `${describeUser(e)} (${ctx.identity}) reached the kubelet of node ${e.name ?? ''} through the API server: ${e.verb} ${path.slice(0, 200)}`, evidence: path.slice(0, 200) });
  },
});

// ---- pods that escape ------------------------------------------------------------------------------------

/** The Kubernetes single-object rules that mean "this pod can reach the node" (data). */
export const ESCAPE_RULES: ReadonlySet<string> = new Set(['k8s/pss-privileged', 'k8s/pss-host-namespaces', 'k8s/pss-host-path-volumes', 'k8s/runtime-socket-mount', 'k8s/pss-capabilities-baseline', 'k8s/pss-proc-mount', 'k8s/pss-windows-host-process', 'k8s/gpu-device-host-access']);

const WORKLOADS = ['pods', 'deployments', 'daemonsets', 'statefulsets', 'replicasets', 'jobs', 'cronjobs'];

function controlled(o: JsonObject | undefined): boolean {
  return asArray(get(o, 'metadata', 'ownerReferences')).some((r) => get(r, 'controller') === true);
}

export const insecurePodCreated = auditRule({
  id: 'audit/insecure-pod-created',
  title: 'Pod that can reach the node created',
  severity: 'high',
  description:
    'A pod or workload created or updated (successfully) with what Pod Security baseline forbids because it hands the node to the container: privileged containers, host namespaces (hostNetwork, hostPID, hostIPC), hostPath volumes (runtime sockets and kubelet directories graded critical), added capabilities, unmasked /proc, Windows host processes, raw GPU device nodes. Each finding is one Kubernetes single-object rule firing on the audited object (the same rules as `bulwark scan` and admission), located at the field, with that rule\u2019s severity. Objects created by the cluster\u2019s controllers from an owner (a ReplicaSet\u2019s pods) are judged at the owner, so one Deployment is one alert, attributed to whoever created it. Needs the audit policy to log pods and workloads at level Request or above.',
  remediation: 'Find who created the workload and whether it is an approved node agent; otherwise delete it and enforce Pod Security baseline (or Bulwark\u2019s admission webhook) on the namespace.',
  references: ['https://kubernetes.io/docs/concepts/security/pod-security-standards/', REFS.docs],
  tags: ['k8s', 'audit', 'host', 'privilege-escalation'],
  maturity: 'stable',
  on: { resources: WORKLOADS, verbs: ['create', 'update', 'patch'] },
  controls: ['mitre:T1610', 'mitre:T1611'],
  check({ event: e, ctx }, report) {
    if (!['create', 'update', 'patch'].includes(e.verb) || !e.success) return;
    const obj = ctx.object();
    if (obj === undefined) return;
    if (controlled(obj) && (ctx.identity === 'system-serviceaccount' || ctx.identity === 'control-plane')) return;
    for (const f of ctx.objectFindings()) {
      if (!ESCAPE_RULES.has(f.ruleId)) continue;
      const loc = f.location;
      report({
        location: loc.kind === 'audit-event' ? ctx.at(loc.fieldPath, loc.pointer) : ctx.at(),
        message: `${describeUser(e)} ${e.verb === 'create' ? 'created' : 'changed'} ${describeTarget(e)}: ${f.message}`,
        severity: f.severity,
        controls: [f.ruleId, ...(f.controls ?? [])],
        ...(f.evidence !== undefined && { evidence: f.evidence }),
      });
    }
  },
});

export const NATIVE_RULES: readonly AuditRule[] = [secretRead, sensitiveConfigMapRead, podExec, podPortForward, ephemeralContainer, tokenRequest, impersonation, anonymousAccess, powerfulRoleBinding, admissionWebhookChanged, csrApproved, nodeProxy, insecurePodCreated];

