/**
 * Firing and non-firing cases of every audit rule (test-only surface, left out of the build): realistic
 * events from test-fixtures/audit/events.ts (kube-apiserver's field layout per verb and subresource) and
 * Falco's own trace files (test-fixtures/audit/falco, see its README). Run them with `runAuditCase`
 * (case-runner.ts); rule-cases.test.ts runs all of them and checks the docs pages.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ev from '../../test-fixtures/audit/events.js';
import type { RuleCases } from '../rules/index.js';
import type { AuditCase, AuditRuleCases } from './case-runner.js';
import { toRuleCase } from './case-runner.js';

const FALCO_DIR = join(import.meta.dirname, '../../test-fixtures/audit/falco');
const trace = (file: string): (() => string) => () => readFileSync(join(FALCO_DIR, file), 'utf8');
const F = (_label: string, file: string, policy?: string): AuditCase => ({ name: `Falco trace ${file}${policy === undefined ? '' : ' (with policy)'}`, text: trace(file), ...(policy !== undefined && { policy }) });
const C = (name: string, events: readonly unknown[], extra: Partial<AuditCase> = {}): AuditCase => ({ name, events, ...extra });

const SHOP_API = ev.sa('shop', 'api');
const VLLM = ev.sa('ml', 'vllm');
const GC = ev.sa('kube-system', 'generic-garbage-collector');
const NOTEBOOK = ev.sa('ml', 'notebook', 'notebook-0');
const PRIVILEGED = { containers: [{ name: 'c', image: 'ubuntu:24.04', securityContext: { privileged: true } }] };
const PLAIN = { containers: [{ name: 'server', image: 'registry.example/shop/api:1.4.2' }] };

function burst(user: ev.User, n: number, spacing: number): ev.EventJson[] {
  return Array.from({ length: n }, (_, i) => ev.forbidden(user, i % 2 === 0 ? 'list' : 'get', ['secrets', 'pods', 'nodes', 'clusterroles'][i % 4] ?? 'secrets', i % 3 === 0 ? undefined : `ns-${i % 5}`, i * spacing, i % 2 === 0 ? undefined : `obj-${i}`));
}

const native: AuditRuleCases[] = [
  {
    ruleId: 'audit/secret-read',
    invalid: [
      C('an AI workload service account reads a Secret', [ev.secretGet('ml', 'hf-token', VLLM)], { expect: { severity: 'critical' } }),
      C('a person lists Secrets in every namespace', [ev.secretList(undefined, ev.ALICE)], { expect: { severity: 'medium', messageIncludes: 'in all namespaces' } }),
      C('an application service account watches Secrets', [ev.event({ verb: 'watch', resource: 'secrets', namespace: 'shop', user: SHOP_API })], { expect: { severity: 'high' } }),
    ],
    valid: [
      C('a kube-system controller lists Secrets', [ev.secretList(undefined, GC)]),
      C('the kubelet reads a pod\u2019s Secret', [ev.secretGet('ml', 'hf-token', ev.node('gpu-node-1'))]),
      C('a denied read', [ev.secretGet('ml', 'hf-token', ev.ALICE, { code: 403 })]),
      C('an operator added to secretReaders', [ev.secretList(undefined, ev.sa('cert-manager', 'cert-manager'))], { policy: 'secretReaders: ["system:serviceaccount:cert-manager:*"]\n' }),
      C('a per-rule allow entry', [ev.secretGet('shop', 'db', SHOP_API)], { policy: 'allow:\n  audit/secret-read:\n    - {user: "system:serviceaccount:shop:api", namespace: shop}\n' }),
    ],
  },
  {
    ruleId: 'audit/sensitive-configmap-read',
    invalid: [
      C('a workload reads aws-auth', [ev.configMapGet('kube-system', 'aws-auth', SHOP_API)], { expect: { severity: 'medium' } }),
      C('a person lists ConfigMaps in kube-system', [ev.event({ verb: 'list', resource: 'configmaps', namespace: 'kube-system', user: ev.ALICE })]),
    ],
    valid: [
      C('an ordinary ConfigMap', [ev.configMapGet('shop', 'app-settings', SHOP_API)]),
      C('a kube-system controller reads kubeadm-config', [ev.configMapGet('kube-system', 'kubeadm-config', ev.sa('kube-system', 'kube-proxy'))]),
      C('listing the workload\u2019s own namespace', [ev.event({ verb: 'list', resource: 'configmaps', namespace: 'shop', user: SHOP_API })]),
    ],
  },
  {
    ruleId: 'audit/pod-exec',
    invalid: [
      C('kubectl exec over SPDY (create, 101 at ResponseStarted)', [ev.podStream('exec', 'ml', 'vllm-0', ev.ALICE, { command: ['sh', '-c', 'cat /var/run/secrets/kubernetes.io/serviceaccount/token'] })], { expect: { messageIncludes: 'cat /var/run/secrets' } }),
      C('kubectl exec over WebSockets (get)', [ev.podStream('exec', 'ml', 'vllm-0', ev.ALICE, { verb: 'get' })]),
      C('attach by a workload service account', [ev.podStream('attach', 'shop', 'db-0', SHOP_API)], { expect: { severity: 'high' } }),
    ],
    valid: [
      C('an exec refused by RBAC', [ev.podStream('exec', 'ml', 'vllm-0', ev.ALICE, { stage: 'ResponseComplete', code: 403 })]),
      C('the RequestReceived stage only', [ev.podStream('exec', 'ml', 'vllm-0', ev.ALICE, { stage: 'RequestReceived', code: 0 })]),
      C('allowlisted automation', [ev.podStream('exec', 'ci', 'runner-0', ev.sa('ci', 'runner'))], { policy: 'allow:\n  audit/pod-exec:\n    - {user: "system:serviceaccount:ci:*", namespace: ci}\n' }),
    ],
  },
  {
    ruleId: 'audit/pod-port-forward',
    invalid: [C('kubectl port-forward to a model server', [ev.podStream('portforward', 'ml', 'vllm-0', ev.ALICE)])],
    valid: [C('a port-forward refused', [ev.podStream('portforward', 'ml', 'vllm-0', ev.ALICE, { stage: 'ResponseComplete', code: 403 })])],
  },
  {
    ruleId: 'audit/ephemeral-container',
    invalid: [C('kubectl debug adds a container', [ev.ephemeral('ml', 'vllm-0', ev.ALICE, 'nicolaka/netshoot')], { expect: { evidenceIncludes: 'netshoot' } })],
    valid: [C('kubectl debug refused', [ev.event({ verb: 'patch', resource: 'pods', subresource: 'ephemeralcontainers', namespace: 'ml', name: 'vllm-0', user: ev.ALICE, code: 403 })])],
  },
  {
    ruleId: 'audit/token-request',
    invalid: [
      C('kubectl create token by a person', [ev.tokenRequest('kube-system', 'clusterrole-aggregation-controller', ev.ALICE, { expirationSeconds: 31536000 })], { expect: { severity: 'high', messageIncludes: 'valid 31536000s' } }),
      C('a workload mints a token for another service account', [ev.tokenRequest('ml', 'trainer', VLLM)], { expect: { severity: 'critical' } }),
    ],
    valid: [
      C('the kubelet requests a projected token for a pod', [ev.tokenRequest('ml', 'vllm', ev.node('gpu-node-1'), { pod: 'vllm-0' })]),
      C('the controller manager', [ev.tokenRequest('kube-system', 'job-controller', ev.KCM)]),
    ],
  },
  {
    ruleId: 'audit/impersonation',
    invalid: [
      C('impersonating system:masters', [ev.event({ verb: 'list', resource: 'secrets', namespace: 'ml', user: ev.ALICE, impersonatedUser: { username: 'system:admin', groups: ['system:masters'] } })], { expect: { severity: 'critical' } }),
      C('impersonating a service account', [ev.event({ verb: 'get', resource: 'pods', namespace: 'ml', name: 'vllm-0', user: ev.ALICE, impersonatedUser: { username: 'system:serviceaccount:ml:vllm', groups: ['system:serviceaccounts'] } })], { expect: { severity: 'high' } }),
    ],
    valid: [
      C('a request without impersonation', [ev.event({ verb: 'get', resource: 'pods', namespace: 'ml', name: 'vllm-0', user: ev.ALICE })]),
      C('impersonation refused', [ev.event({ verb: 'get', resource: 'pods', namespace: 'ml', user: ev.ALICE, impersonatedUser: { username: 'bob' }, code: 403 })]),
    ],
  },
  {
    ruleId: 'audit/anonymous-access',
    invalid: [
      C('an anonymous read of Secrets succeeded', [ev.secretList('default', ev.ANONYMOUS)], { expect: { severity: 'critical' } }),
      C('an unauthenticated user listed pods', [ev.event({ verb: 'list', resource: 'pods', user: { username: 'system:anonymous', groups: ['system:unauthenticated'] } })], { expect: { severity: 'high' } }),
    ],
    valid: [
      C('anonymous health check', [ev.event({ verb: 'get', uri: '/healthz', user: ev.ANONYMOUS })]),
      C('anonymous OIDC discovery', [ev.event({ verb: 'get', uri: '/.well-known/openid-configuration', user: ev.ANONYMOUS })]),
      C('anonymous request refused', [ev.secretList('default', ev.ANONYMOUS, { code: 403 })]),
    ],
  },
  {
    ruleId: 'audit/powerful-role-binding',
    invalid: [
      C('ClusterRoleBinding to cluster-admin for a workload service account', [ev.binding('ClusterRoleBinding', 'api-admin', { kind: 'ClusterRole', name: 'cluster-admin' }, [{ kind: 'ServiceAccount', name: 'api', namespace: 'shop' }], ev.ALICE)], { expect: { severity: 'critical' } }),
      C('RoleBinding to admin in a namespace', [ev.binding('RoleBinding', 'ml-admins', { kind: 'ClusterRole', name: 'admin' }, [{ kind: 'User', name: 'bob@example.com', apiGroup: 'rbac.authorization.k8s.io' }], ev.ALICE, { ns: 'ml' })], { expect: { severity: 'high' } }),
      C('binding a role seen granting escalate and bind', [ev.role('ClusterRole', 'rbac-manager', [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles', 'clusterrolebindings'], verbs: ['escalate', 'bind', 'create'] }], ev.ALICE), ev.binding('ClusterRoleBinding', 'rbac-manager', { kind: 'ClusterRole', name: 'rbac-manager' }, [{ kind: 'ServiceAccount', name: 'api', namespace: 'shop' }], ev.ALICE)], { expect: { messageIncludes: 'grants bind, escalate' } }),
      C('any role for system:authenticated', [ev.binding('ClusterRoleBinding', 'everyone-view', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'Group', name: 'system:authenticated', apiGroup: 'rbac.authorization.k8s.io' }], ev.ALICE)], { expect: { severity: 'critical' } }),
    ],
    valid: [
      C('a binding to view', [ev.binding('RoleBinding', 'viewers', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'User', name: 'bob@example.com' }], ev.ALICE, { ns: 'shop' })]),
      C('a refused binding', [ev.event({ ...{ verb: 'create', resource: 'clusterrolebindings', apiGroup: 'rbac.authorization.k8s.io', name: 'x', user: SHOP_API, code: 403 } })]),
    ],
  },
  {
    ruleId: 'audit/admission-webhook-changed',
    invalid: [
      C('a new mutating webhook', [ev.webhookConfig('mutating', 'create', 'pod-injector', ev.ALICE)], { expect: { severity: 'high' } }),
      C('a validating webhook deleted', [ev.webhookConfig('validating', 'delete', 'bulwark-validate', SHOP_API)], { expect: { severity: 'high' } }),
      C('a person patches a webhook', [ev.webhookConfig('validating', 'patch', 'gatekeeper-validating-webhook-configuration', ev.ALICE)], { expect: { severity: 'medium' } }),
    ],
    valid: [
      C('cert-manager\u2019s cainjector updates the CA bundle', [ev.webhookConfig('mutating', 'patch', 'cert-manager-webhook', ev.sa('cert-manager', 'cert-manager-cainjector'))]),
      C('a read', [ev.webhookConfig('mutating', 'get', 'pod-injector', ev.ALICE)]),
    ],
  },
  {
    ruleId: 'audit/csr-approved',
    invalid: [C('kubectl certificate approve', [ev.csrApproval('mallory-admin', ev.ALICE)], { expect: { messageIncludes: 'kube-apiserver-client' } })],
    valid: [C('the kubelet CSR auto-approver', [ev.csrApproval('csr-8x2kq', ev.sa('kube-system', 'certificate-controller'), 'kubernetes.io/kube-apiserver-client-kubelet')])],
  },
  {
    ruleId: 'audit/node-proxy',
    invalid: [C('running a command through the kubelet API', [ev.nodeProxy('gpu-node-1', '/run/ml/vllm-0/server', ev.ALICE, 'create')], { expect: { evidenceIncludes: '/run/ml/vllm-0/server' } })],
    valid: [C('node proxy refused', [ev.event({ verb: 'get', resource: 'nodes', subresource: 'proxy', name: 'gpu-node-1', user: SHOP_API, code: 403 })])],
  },
  {
    ruleId: 'audit/insecure-pod-created',
    invalid: [
      C('a person creates a privileged pod', [ev.podCreate(ev.pod('debug', 'ml', PRIVILEGED), ev.ALICE)], { expect: { severity: 'critical', messageIncludes: 'privileged' } }),
      C('a Deployment mounting the container runtime socket', [ev.deploymentCreate('agent', 'ml', { containers: [{ name: 'a', image: 'registry.example/agent:1' }], volumes: [{ name: 'sock', hostPath: { path: '/run/containerd/containerd.sock' } }] }, ev.ALICE)], { expect: { severity: 'critical' } }),
      C('a pod on the host network', [ev.podCreate(ev.pod('sniffer', 'shop', { hostNetwork: true, containers: [{ name: 'c', image: 'registry.example/tools:2' }] }), SHOP_API)], { expect: { severity: 'high' } }),
    ],
    valid: [
      C('a ReplicaSet\u2019s pod (judged at its Deployment)', [ev.podCreate(ev.pod('web-7d9f8-abcde', 'shop', PRIVILEGED, { owner: true }), ev.sa('kube-system', 'replicaset-controller'))]),
      C('an ordinary pod', [ev.podCreate(ev.pod('api', 'shop', PLAIN), ev.ALICE)]),
      C('a creation refused by admission', [ev.podCreate(ev.pod('debug', 'ml', PRIVILEGED), ev.ALICE, { code: 403 })]),
    ],
  },
  {
    ruleId: 'audit/enumeration-burst',
    invalid: [C('25 refusals in a minute by a stolen workload token', burst(SHOP_API, 25, 2), { expect: { severity: 'high', evidenceIncludes: '20 x 403' } })],
    valid: [C('10 refusals', burst(SHOP_API, 10, 2)), C('25 refusals spread over 25 minutes', burst(SHOP_API, 25, 60))],
  },
  {
    ruleId: 'audit/secrets-across-namespaces',
    invalid: [
      C('one service account reads Secrets in 5 namespaces', ['a', 'b', 'c', 'd', 'e'].map((n, i) => ev.secretGet(`team-${n}`, 'db-credentials', SHOP_API, { time: i * 10 })), { expect: { messageIncludes: '5 namespaces' } }),
      C('a workload lists Secrets cluster-wide', [ev.secretList(undefined, VLLM)], { expect: { severity: 'critical' } }),
    ],
    valid: [
      C('its own namespace, many times', Array.from({ length: 8 }, (_, i) => ev.secretGet('shop', `s${i}`, SHOP_API, { time: i }))),
      C('a kube-system controller across namespaces', ['a', 'b', 'c', 'd', 'e'].map((n) => ev.secretGet(`team-${n}`, 'x', GC))),
    ],
  },
  {
    ruleId: 'audit/exec-then-secret-read',
    invalid: [
      C('a shell in a notebook, then its token reads Secrets (bound-token pod name)', [ev.podStream('exec', 'ml', 'notebook-0', ev.ALICE, { time: 0 }), ev.secretList('ml', NOTEBOOK, { time: 60 })], { expect: { severity: 'critical', messageIncludes: 'notebook-0' } }),
      C('linked through the pod\u2019s service account learned from its creation', [ev.podCreate(ev.pod('trainer-0', 'ml', PLAIN, { sa: 'trainer' }), ev.ALICE, { time: 0 }), ev.podStream('attach', 'ml', 'trainer-0', ev.ALICE, { time: 10 }), ev.secretGet('ml', 'wandb', ev.sa('ml', 'trainer'), { time: 100 })], { expect: { messageIncludes: 'linked by service account' } }),
    ],
    valid: [
      C('the read comes two hours later', [ev.podStream('exec', 'ml', 'notebook-0', ev.ALICE, { time: 0 }), ev.secretList('ml', NOTEBOOK, { time: 7200 })]),
      C('another pod\u2019s token reads Secrets', [ev.podStream('exec', 'ml', 'notebook-0', ev.ALICE, { time: 0 }), ev.secretList('ml', ev.sa('ml', 'notebook', 'notebook-1'), { time: 30 })]),
    ],
  },
  {
    ruleId: 'audit/new-binding-used',
    invalid: [
      C('bound to cluster-admin, then used', [ev.binding('ClusterRoleBinding', 'api-admin', { kind: 'ClusterRole', name: 'cluster-admin' }, [{ kind: 'ServiceAccount', name: 'api', namespace: 'shop' }], SHOP_API, { time: 0 }), ev.secretList(undefined, SHOP_API, { time: 5 })], { expect: { severity: 'critical', messageIncludes: 'used it' } }),
      C('a group bound to admin, then a member acts', [ev.binding('RoleBinding', 'contractors-admin', { kind: 'ClusterRole', name: 'admin' }, [{ kind: 'Group', name: 'contractors' }], ev.ALICE, { ns: 'ml', time: 0 }), ev.event({ verb: 'delete', resource: 'pods', namespace: 'ml', name: 'x', user: { username: 'eve@example.com', groups: ['contractors', 'system:authenticated'] }, time: 20 })]),
    ],
    valid: [
      C('a binding to view, then used', [ev.binding('RoleBinding', 'viewers', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'User', name: 'bob@example.com' }], ev.ALICE, { ns: 'shop', time: 0 }), ev.event({ verb: 'list', resource: 'pods', namespace: 'shop', user: { username: 'bob@example.com' }, time: 5 })]),
      C('used only after the window', [ev.binding('ClusterRoleBinding', 'api-admin', { kind: 'ClusterRole', name: 'cluster-admin' }, [{ kind: 'ServiceAccount', name: 'api', namespace: 'shop' }], ev.ALICE, { time: 0 }), ev.secretList(undefined, SHOP_API, { time: 7200 })]),
    ],
  },
  {
    ruleId: 'audit/first-seen-access',
    invalid: [C('a new verb on a new resource after a day of learning', [ev.event({ verb: 'list', resource: 'configmaps', namespace: 'shop', user: SHOP_API, time: 0 }), ev.event({ verb: 'list', resource: 'configmaps', namespace: 'shop', user: SHOP_API, time: 90000 }), ev.secretList('shop', SHOP_API, { time: 90010 })], { expect: { messageIncludes: 'first list of secrets' } })],
    valid: [
      C('the same access after learning', [ev.event({ verb: 'list', resource: 'configmaps', namespace: 'shop', user: SHOP_API, time: 0 }), ev.event({ verb: 'list', resource: 'configmaps', namespace: 'shop', user: SHOP_API, time: 90000 })]),
      C('new access within the learning window', [ev.event({ verb: 'list', resource: 'configmaps', namespace: 'shop', user: SHOP_API, time: 0 }), ev.secretList('shop', SHOP_API, { time: 60 })]),
    ],
  },
];

// ---- Falco's stock rules: their trace files where Falco has one, built events otherwise ----------------

const ACT = (resource: string, verb: 'create' | 'delete', o: Partial<ev.EventSpec> = {}): ev.EventJson => ev.event({ verb, resource, namespace: 'shop', name: 'x', user: ev.ALICE, code: verb === 'create' ? 201 : 200, ...o });
const RBAC = { apiGroup: 'rbac.authorization.k8s.io' };

function activity(ruleId: string, file: string | undefined, resource: string, verb: 'create' | 'delete', o: Partial<ev.EventSpec> = {}): AuditRuleCases {
  return {
    ruleId,
    invalid: file !== undefined ? [F(ruleId, file)] : [C(`${verb} of ${resource}`, [ACT(resource, verb, o)])],
    valid: [C(`a failed ${verb}`, [ACT(resource, verb, { ...o, code: 403 })]), C(`a get of ${resource}`, [ACT(resource, 'create', { ...o, verb: 'get', code: 200 })])],
  };
}

const falco: AuditRuleCases[] = [
  { ruleId: 'audit/falco-disallowed-k8s-user', invalid: [F('', 'some-user_creates_namespace_foo.json')], valid: [F('', 'minikube_creates_namespace_foo.json'), F('', 'some-user_creates_namespace_foo.json', 'falco:\n  allowedUsers: [some-user]\n')] },
  { ruleId: 'audit/falco-create-disallowed-pod', invalid: [F('', 'derived_create_nginx_pod_unprivileged.json', 'falco:\n  allowedPodImages: [apache]\n')], valid: [F('', 'derived_create_nginx_pod_unprivileged.json', 'falco:\n  allowedPodImages: [nginx]\n')] },
  { ruleId: 'audit/falco-create-privileged-pod', invalid: [F('', 'create_nginx_pod_privileged.json'), F('', 'create_nginx_pod_privileged_2nd_container.json'), F('', 'create_nginx_pod_no_secctx_1st_container_privileged_2nd_container.json')], valid: [F('', 'derived_create_nginx_pod_unprivileged.json'), F('', 'create_nginx_pod_privileged.json', 'falco:\n  privilegedImages: [nginx]\n')] },
  { ruleId: 'audit/falco-create-sensitive-mount-pod', invalid: [F('', 'derived_create_nginx_pod_sensitive_mount.json'), F('', 'create_nginx_pod_sensitive_mount_2nd_container.json')], valid: [F('', 'create_nginx_pod_unsensitive_mount.json'), F('', 'derived_create_nginx_pod_sensitive_mount.json', 'falco:\n  sensitiveMountImages: [nginx]\n'), C('a hostPath outside the sensitive list', [ev.podCreate(ev.pod('logs', 'shop', { containers: [{ name: 'c', image: 'fluent/fluent-bit:3' }], volumes: [{ name: 'v', hostPath: { path: '/var/log/pods' } }] }), ev.ALICE)])] },
  { ruleId: 'audit/falco-create-hostnetwork-pod', invalid: [F('', 'create_nginx_pod_hostnetwork.json')], valid: [F('', 'create_nginx_pod_nohostnetwork.json'), F('', 'create_nginx_pod_hostnetwork.json', 'falco:\n  hostNetworkImages: [nginx]\n')] },
  { ruleId: 'audit/falco-create-hostpid-pod', invalid: [C('hostPID pod', [ev.podCreate(ev.pod('top', 'shop', { hostPID: true, containers: [{ name: 'c', image: 'busybox:1.36' }] }), ev.ALICE)])], valid: [C('an ordinary pod', [ev.podCreate(ev.pod('api', 'shop', PLAIN), ev.ALICE)]), C('an allowed image', [ev.podCreate(ev.pod('top', 'shop', { hostPID: true, containers: [{ name: 'c', image: 'busybox:1.36' }] }), ev.ALICE)], { policy: 'falco:\n  hostPidImages: [busybox]\n' })] },
  { ruleId: 'audit/falco-create-hostipc-pod', invalid: [C('hostIPC pod', [ev.podCreate(ev.pod('shm', 'ml', { hostIPC: true, containers: [{ name: 'c', image: 'nvcr.io/nvidia/pytorch:24.01-py3' }] }), ev.ALICE)])], valid: [C('an ordinary pod', [ev.podCreate(ev.pod('api', 'shop', PLAIN), ev.ALICE)])] },
  { ruleId: 'audit/falco-create-nodeport-service', invalid: [F('', 'create_nginx_service_nodeport.json')], valid: [F('', 'create_nginx_service_nonodeport.json')] },
  { ruleId: 'audit/falco-create-modify-configmap-with-private-credentials', invalid: [{ ...F('', 'create_configmap_sensitive_values.json', 'thresholds: {dedupWindowSeconds: 0}\n'), expect: { count: 6 } }], valid: [F('', 'create_configmap_no_sensitive_values.json')] },
  { ruleId: 'audit/falco-anonymous-request-allowed', invalid: [F('', 'anonymous_creates_namespace_foo.json')], valid: [C('anonymous /healthz', [ev.event({ verb: 'get', uri: '/healthz', user: ev.ANONYMOUS })]), F('', 'minikube_creates_namespace_foo.json')] },
  { ruleId: 'audit/falco-attach-exec-pod', invalid: [F('', 'exec_pod.json'), F('', 'attach_pod.json')], valid: [C('the ResponseComplete stage', [ev.podStream('exec', 'ml', 'vllm-0', ev.ALICE, { stage: 'ResponseComplete' })])] },
  { ruleId: 'audit/falco-port-forward', invalid: [C('port-forward', [ev.podStream('portforward', 'ml', 'vllm-0', ev.ALICE)])], valid: [F('', 'exec_pod.json')] },
  { ruleId: 'audit/falco-ephemeralcontainers-created', invalid: [C('kubectl debug', [ev.ephemeral('ml', 'vllm-0', ev.ALICE)])], valid: [F('', 'exec_pod.json')] },
  { ruleId: 'audit/falco-create-disallowed-namespace', invalid: [F('', 'some-user_creates_namespace_foo.json')], valid: [F('', 'some-user_creates_namespace_foo.json', 'falco:\n  allowedNamespaces: [foo]\n')] },
  { ruleId: 'audit/falco-pod-created-in-kube-namespace', invalid: [F('', 'create_pod_kube_system_namespace.json'), F('', 'create_pod_kube_public_namespace.json')], valid: [F('', 'create_nginx_pod_nohostnetwork.json'), F('', 'create_pod_kube_system_namespace.json', 'falco:\n  kubeNamespaceImages: [nginx]\n')] },
  { ruleId: 'audit/falco-service-account-created-in-kube-namespace', invalid: [F('', 'create_serviceaccount_kube_system_namespace.json'), F('', 'create_serviceaccount_kube_public_namespace.json')], valid: [F('', 'create_serviceaccount.json')] },
  { ruleId: 'audit/falco-system-clusterrole-modified-deleted', invalid: [F('', 'delete_cluster_role_kube_aggregator.json'), F('', 'modify_cluster_role_node_problem_detector.json')], valid: [F('', 'delete_clusterrole.json')] },
  { ruleId: 'audit/falco-attach-to-cluster-admin-role', invalid: [F('', 'attach_cluster_admin_role.json')], valid: [F('', 'create_clusterrolebinding.json')] },
  { ruleId: 'audit/falco-clusterrole-with-wildcard-created', invalid: [F('', 'create_cluster_role_wildcard_resources.json'), F('', 'create_cluster_role_wildcard_verbs.json')], valid: [F('', 'create_clusterrole.json')] },
  { ruleId: 'audit/falco-clusterrole-with-write-privileges-created', invalid: [F('', 'create_cluster_role_write_privileges.json')], valid: [F('', 'create_clusterrole.json')] },
  { ruleId: 'audit/falco-clusterrole-with-pod-exec-created', invalid: [F('', 'create_cluster_role_pod_exec.json')], valid: [F('', 'create_clusterrole.json')] },
  activity('audit/falco-k8s-deployment-created', 'create_deployment.json', 'deployments', 'create', { apiGroup: 'apps' }),
  activity('audit/falco-k8s-deployment-deleted', 'delete_deployment.json', 'deployments', 'delete', { apiGroup: 'apps' }),
  activity('audit/falco-k8s-service-created', 'create_service.json', 'services', 'create'),
  activity('audit/falco-k8s-service-deleted', 'delete_service.json', 'services', 'delete'),
  activity('audit/falco-k8s-configmap-created', 'create_configmap.json', 'configmaps', 'create'),
  activity('audit/falco-k8s-configmap-deleted', 'delete_configmap.json', 'configmaps', 'delete'),
  activity('audit/falco-k8s-namespace-created', 'some-user_creates_namespace_foo.json', 'namespaces', 'create', { name: 'foo' }),
  activity('audit/falco-k8s-namespace-deleted', 'delete_namespace_foo.json', 'namespaces', 'delete', { name: 'foo' }),
  activity('audit/falco-k8s-serviceaccount-created', 'create_serviceaccount.json', 'serviceaccounts', 'create'),
  activity('audit/falco-k8s-serviceaccount-deleted', 'delete_serviceaccount.json', 'serviceaccounts', 'delete'),
  activity('audit/falco-k8s-role-created', undefined, 'roles', 'create', RBAC),
  activity('audit/falco-k8s-role-deleted', undefined, 'roles', 'delete', RBAC),
  activity('audit/falco-k8s-clusterrole-created', 'create_clusterrole.json', 'clusterroles', 'create', RBAC),
  activity('audit/falco-k8s-clusterrole-deleted', 'delete_clusterrole.json', 'clusterroles', 'delete', RBAC),
  activity('audit/falco-k8s-rolebinding-created', undefined, 'rolebindings', 'create', RBAC),
  activity('audit/falco-k8s-rolebinding-deleted', undefined, 'rolebindings', 'delete', RBAC),
  activity('audit/falco-k8s-clusterrolebinding-created', 'create_clusterrolebinding.json', 'clusterrolebindings', 'create', RBAC),
  activity('audit/falco-k8s-clusterrolebinding-deleted', 'delete_clusterrolebinding.json', 'clusterrolebindings', 'delete', RBAC),
  { ...activity('audit/falco-k8s-secret-created', 'create_secret.json', 'secrets', 'create'), valid: [F('', 'create_kube_system_secret.json'), F('', 'create_service_account_token_secret.json')] },
  activity('audit/falco-k8s-secret-deleted', 'delete_secret.json', 'secrets', 'delete'),
  { ruleId: 'audit/falco-k8s-secret-get-successfully', invalid: [C('a Secret read by a controller', [ev.secretGet('kube-system', 'bootstrap-token-abcdef', GC)])], valid: [C('a denied read', [ev.secretGet('ml', 'x', ev.ALICE, { code: 403 })])] },
  { ruleId: 'audit/falco-k8s-secret-get-unsuccessfully-tried', invalid: [C('a denied read', [ev.secretGet('ml', 'x', ev.ALICE, { code: 403 })])], valid: [C('a read', [ev.secretGet('ml', 'x', ev.ALICE)])] },
  { ruleId: 'audit/falco-all-k8s-audit-events', invalid: [F('', 'create_service.json')], valid: [C('a RequestReceived stage', [ev.event({ verb: 'get', resource: 'pods', namespace: 'a', name: 'b', stage: 'RequestReceived', code: 0 })])] },
  { ruleId: 'audit/falco-full-k8s-administrative-access', invalid: [F('', 'create_kube_system_secret.json')], valid: [F('', 'some-user_creates_namespace_foo.json')] },
  {
    ruleId: 'audit/falco-ingress-object-without-tls-certificate-created',
    invalid: [C('an Ingress without tls', [ev.event({ verb: 'create', resource: 'ingresses', apiGroup: 'networking.k8s.io', namespace: 'ml', name: 'vllm', user: ev.ALICE, requestObject: { kind: 'Ingress', apiVersion: 'networking.k8s.io/v1', metadata: { name: 'vllm' }, spec: { rules: [{ host: 'llm.example.com' }] } } })])],
    valid: [C('an Ingress with tls', [ev.event({ verb: 'create', resource: 'ingresses', apiGroup: 'networking.k8s.io', namespace: 'ml', name: 'vllm', user: ev.ALICE, requestObject: { kind: 'Ingress', apiVersion: 'networking.k8s.io/v1', metadata: { name: 'vllm' }, spec: { tls: [{ hosts: ['llm.example.com'], secretName: 'llm-tls' }] } } })])],
  },
  { ruleId: 'audit/falco-untrusted-node-successfully-joined-the-cluster', invalid: [C('an unknown node registers', [ev.event({ verb: 'create', resource: 'nodes', name: 'rogue-1', user: ev.node('rogue-1') })])], valid: [C('a listed node', [ev.event({ verb: 'create', resource: 'nodes', name: 'gpu-node-7', user: ev.node('gpu-node-7') })], { policy: 'falco:\n  allowedNodes: ["gpu-node-*"]\n' })] },
  { ruleId: 'audit/falco-untrusted-node-unsuccessfully-tried-to-join-the-cluster', invalid: [C('an unknown node is refused', [ev.event({ verb: 'create', resource: 'nodes', name: 'rogue-1', user: ev.node('rogue-1'), code: 403 })])], valid: [C('a node joins', [ev.event({ verb: 'create', resource: 'nodes', name: 'rogue-1', user: ev.node('rogue-1') })])] },
];

export const AUDIT_RULE_CASES: readonly AuditRuleCases[] = [...native, ...falco];

/**
 * The same cases in the shape of every other domain's (`RuleCases` with named files; `toRuleCase`),
 * for the registry meta-test: run them with `runAuditRuleCase` (case-runner.ts).
 */
export function auditRuleCases(): readonly RuleCases[] {
  return AUDIT_RULE_CASES.map((rc) => ({ ruleId: rc.ruleId, valid: rc.valid.map(toRuleCase), invalid: rc.invalid.map(toRuleCase) }));
}
