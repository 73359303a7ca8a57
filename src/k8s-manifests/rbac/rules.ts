/**
 * RBAC rules: one per risky grant category, plus wildcards, public subjects, the workload linkage
 * (lateral movement) and unresolved role references. Severities are graded per finding; the default
 * here is the cluster-wide grade (see docs/rules/k8s/rbac-*.md and severity.ts).
 */
import { defineRule } from '../../rules/index.js';
import type { GrantCategory } from './permissions.js';

const RBAC_DOCS = 'https://kubernetes.io/docs/reference/access-authn-authz/rbac/';
const GOOD_PRACTICES = 'https://kubernetes.io/docs/concepts/security/rbac-good-practices/';
const KUBEHOUND = 'https://kubehound.io/reference/attacks/';

export const secretsRead = defineRule({
  id: 'k8s/rbac-secrets-read',
  title: 'RBAC grant lets its holders read Secrets',
  severity: 'high',
  description:
    '`get`, `list` or `watch` on `secrets` returns the Secret values: ServiceAccount tokens, registry credentials, model-hub and cloud API keys. `list` and `watch` return every Secret of the scope at once. Held cluster-wide it exposes the tokens of every controller in the cluster.',
  remediation:
    'Grant Secret access by name (`resourceNames`) and in one namespace only, or mount the Secret into the one workload that needs it instead of granting API access. Never grant `list`/`watch` on Secrets to workloads.',
  references: [RBAC_DOCS, GOOD_PRACTICES, KUBEHOUND],
  tags: ['k8s', 'rbac', 'credential-access'],
  maturity: 'stable',
});

export const podCreate = defineRule({
  id: 'k8s/rbac-pod-create',
  title: 'RBAC grant lets its holders create or modify pods',
  severity: 'high',
  description:
    'Creating a pod, directly or through any controller that creates pods from a template (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob, ReplicationController), or patching a pod or its ephemeral containers, runs code of the holder\u2019s choice with any ServiceAccount, Secret or volume of the namespace. Cluster-wide this includes kube-system, and, unless Pod Security admission blocks it, privileged pods that take over nodes.',
  remediation:
    'Give workload-creation rights to CI or GitOps identities only, per namespace; never to workload ServiceAccounts. Enforce Pod Security `restricted` on namespaces where such rights exist.',
  references: [GOOD_PRACTICES, KUBEHOUND],
  tags: ['k8s', 'rbac', 'privilege-escalation'],
  maturity: 'stable',
});

export const podExec = defineRule({
  id: 'k8s/rbac-pod-exec',
  title: 'RBAC grant lets its holders exec into, attach to or port-forward pods',
  severity: 'high',
  description:
    '`pods/exec`, `pods/attach` and `pods/portforward` give a shell or a network tunnel into running pods, with their ServiceAccount tokens, mounted Secrets and model files. `get` is enough: WebSocket connections start as GET, and API servers before 1.35 authorised them as `get`.',
  remediation: 'Remove exec/attach/portforward (including `get`) from roles held by workloads; grant them to people just in time, per namespace.',
  references: [GOOD_PRACTICES, 'https://github.com/kubernetes/enhancements/issues/4006', KUBEHOUND],
  tags: ['k8s', 'rbac', 'execution'],
  maturity: 'stable',
});

export const nodesProxy = defineRule({
  id: 'k8s/rbac-nodes-proxy',
  title: 'RBAC grant gives access to the kubelet API (nodes/proxy)',
  severity: 'high',
  description:
    '`nodes/proxy` reaches the kubelet API of every node, whose /exec, /run and /attach endpoints run commands in any pod on the node; `get` is enough (WebSocket upgrades are authorised as `get`), and kubelet requests bypass API-server audit logging and admission.',
  remediation:
    'Remove `nodes/proxy`; monitoring agents that need metrics should use `nodes/metrics` and `nodes/stats` instead.',
  references: [GOOD_PRACTICES, 'https://grahamhelton.com/blog/nodes-proxy-rce', KUBEHOUND],
  tags: ['k8s', 'rbac', 'execution', 'gpu-node'],
  maturity: 'stable',
});

export const tokenCreate = defineRule({
  id: 'k8s/rbac-token-create',
  title: 'RBAC grant lets its holders mint ServiceAccount tokens',
  severity: 'high',
  description:
    '`create` on `serviceaccounts/token` issues a token for any ServiceAccount of the scope (or the named ones), so the holder acquires every permission those ServiceAccounts have.',
  remediation: 'Remove the grant, or restrict it with `resourceNames` to ServiceAccounts that hold no privileges.',
  references: [GOOD_PRACTICES, KUBEHOUND],
  tags: ['k8s', 'rbac', 'privilege-escalation'],
  maturity: 'stable',
});

export const escalateBind = defineRule({
  id: 'k8s/rbac-escalate-bind',
  title: 'RBAC grant allows escalate or bind on roles',
  severity: 'critical',
  description:
    '`escalate` lets the holder write Roles with permissions it does not have; `bind` lets it bind roles it does not hold. Either defeats RBAC\u2019s privilege-escalation prevention: cluster-wide it is cluster-admin, in a namespace it is namespace admin.',
  remediation: 'Remove `escalate` and `bind` (and `*` verbs on roles/clusterroles); role management belongs to cluster administrators.',
  references: [GOOD_PRACTICES, `${RBAC_DOCS}#privilege-escalation-prevention-and-bootstrapping`, KUBEHOUND],
  tags: ['k8s', 'rbac', 'privilege-escalation'],
  maturity: 'stable',
});

export const impersonate = defineRule({
  id: 'k8s/rbac-impersonate',
  title: 'RBAC grant allows impersonation',
  severity: 'critical',
  description:
    '`impersonate` on users, groups or ServiceAccounts lets the holder act as them, for instance as a member of `system:masters` (cluster-wide) or as a privileged ServiceAccount of the namespace.',
  remediation: 'Remove `impersonate`, or restrict it with `resourceNames` to identities that hold no privileges.',
  references: [GOOD_PRACTICES, 'https://kubernetes.io/docs/reference/access-authn-authz/authentication/#user-impersonation'],
  tags: ['k8s', 'rbac', 'privilege-escalation'],
  maturity: 'stable',
});

export const csrApprove = defineRule({
  id: 'k8s/rbac-csr-approve',
  title: 'RBAC grant lets its holders approve certificate signing requests',
  severity: 'high',
  description:
    'Approving CertificateSigningRequests (`update` on `certificatesigningrequests/approval`, with `approve` on a signer) issues client certificates for any user or group the signer accepts; client certificates cannot be revoked before they expire.',
  remediation: 'Leave CSR approval to the control plane\u2019s approvers; remove the grant from workloads and people.',
  references: [GOOD_PRACTICES, 'https://kubernetes.io/docs/reference/access-authn-authz/certificate-signing-requests/'],
  tags: ['k8s', 'rbac', 'privilege-escalation'],
  maturity: 'stable',
});

export const admissionWrite = defineRule({
  id: 'k8s/rbac-admission-config-write',
  title: 'RBAC grant lets its holders change admission webhooks or policies',
  severity: 'high',
  description:
    'Writing Mutating/ValidatingWebhookConfigurations or (Mutating/Validating)AdmissionPolicies lets the holder intercept and rewrite every object sent to the API server (including Secrets and pod specs) or delete the guards, such as Bulwark\u2019s own admission webhook, that enforce the cluster\u2019s security policy.',
  remediation: 'Restrict writes to admissionregistration.k8s.io to cluster administrators and the operators that own a named configuration (`resourceNames`).',
  references: [GOOD_PRACTICES],
  tags: ['k8s', 'rbac', 'defense-evasion'],
  maturity: 'stable',
});

export const wildcard = defineRule({
  id: 'k8s/rbac-wildcard',
  title: 'RBAC rule uses wildcards',
  severity: 'critical',
  description:
    'A `*` in verbs, resources or apiGroups grants every current and future value, including subresources (`*` resources match `pods/exec`) and resources added later by CRDs. `*` verbs on `*` resources in `*` groups is cluster-admin (cluster-wide) or namespace owner (in a namespace), as is a binding to the built-in `cluster-admin` role.',
  remediation: 'List the verbs, resources and apiGroups the holder needs. Replace bindings to `cluster-admin` by a role scoped to the task.',
  references: [GOOD_PRACTICES, `${RBAC_DOCS}#user-facing-roles`],
  tags: ['k8s', 'rbac', 'least-privilege'],
  maturity: 'stable',
});

export const publicSubject = defineRule({
  id: 'k8s/rbac-public-subject',
  title: 'Role bound to anonymous, unauthenticated or all authenticated users',
  severity: 'critical',
  description:
    'A binding to `system:anonymous`, `system:unauthenticated`, `system:authenticated` or `system:serviceaccounts` gives the role to everyone who can reach the API server, to every identity of the cluster (including any cloud identity mapped into it), or to every pod\u2019s token.',
  remediation: 'Bind the role to the specific users, groups or ServiceAccounts that need it.',
  references: [GOOD_PRACTICES, `${RBAC_DOCS}#referring-to-subjects`],
  tags: ['k8s', 'rbac', 'initial-access'],
  maturity: 'stable',
});

export const workloadPrivileges = defineRule({
  id: 'k8s/rbac-workload-privileged-sa',
  title: 'Workload runs with a ServiceAccount that can read Secrets, create pods or escalate',
  severity: 'critical',
  description:
    'The pod\u2019s ServiceAccount token (mounted by default) holds a risky RBAC grant, so whoever compromises the pod \u2014 through a malicious model file, a prompt-injected tool call or a vulnerable inference server \u2014 inherits it: reading Secrets or creating pods cluster-wide is the lateral-movement path from one AI workload to the whole cluster.',
  remediation:
    'Run the workload with its own ServiceAccount that has no RBAC grants (set `automountServiceAccountToken: false` if it does not call the API), and move the privileged operation to a separate controller.',
  references: [GOOD_PRACTICES, 'https://kubehound.io/', 'https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/'],
  tags: ['k8s', 'rbac', 'lateral-movement', 'ai-workload'],
  maturity: 'stable',
});

export const unresolvedRoleRef = defineRule({
  id: 'k8s/rbac-unresolved-role-ref',
  title: 'Binding references a role that is not in the scanned input',
  severity: 'info',
  description:
    'The binding\u2019s role is neither in the scanned manifests nor a built-in role Bulwark knows, so what the binding grants was not analysed.',
  remediation: 'Scan the role\u2019s manifest together with the binding, or suppress this finding for roles managed elsewhere.',
  references: [RBAC_DOCS],
  tags: ['k8s', 'rbac', 'coverage'],
  maturity: 'stable',
});

export const CATEGORY_RULES = {
  'secrets-read': secretsRead,
  'pod-create': podCreate,
  'pod-exec': podExec,
  'nodes-proxy': nodesProxy,
  'token-create': tokenCreate,
  'escalate-bind': escalateBind,
  impersonate,
  'csr-approve': csrApprove,
  'admission-write': admissionWrite,
} as const satisfies Record<GrantCategory, unknown>;

export const RBAC_RULES = [
  secretsRead,
  podCreate,
  podExec,
  nodesProxy,
  tokenCreate,
  escalateBind,
  impersonate,
  csrApprove,
  admissionWrite,
  wildcard,
  publicSubject,
  workloadPrivileges,
  unresolvedRoleRef,
] as const;
