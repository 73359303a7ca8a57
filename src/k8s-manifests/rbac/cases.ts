/**
 * Table-driven cases for every RBAC rule: file trees scanned end to end (`bulwark scan`), each with a
 * firing (`invalid`) and a silent (`valid`) variant. Line/column expectations are those of the real
 * loader (1-based; a sequence item is located at its first key).
 */
import type { RuleCase, RuleCases } from '../../rules/index.js';
import { ruleCases } from '../../rules/index.js';

const API = 'rbac.authorization.k8s.io/v1';

/** A ClusterRole whose first rule is at line 6, column 5. */
function clusterRole(name: string, rules: string, extraMeta = ''): string {
  return `apiVersion: ${API}\nkind: ClusterRole\nmetadata:\n  name: ${name}\n${extraMeta}rules:\n${rules}`;
}

/** A Role in `ns` whose first rule is at line 7, column 5. */
function role(name: string, ns: string, rules: string): string {
  return `apiVersion: ${API}\nkind: Role\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nrules:\n${rules}`;
}

function crb(name: string, roleName: string, subjects: string): string {
  return `apiVersion: ${API}\nkind: ClusterRoleBinding\nmetadata:\n  name: ${name}\nsubjects:\n${subjects}roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: ${roleName}\n`;
}

function rb(name: string, ns: string, kind: 'Role' | 'ClusterRole', roleName: string, subjects: string): string {
  return `apiVersion: ${API}\nkind: RoleBinding\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nsubjects:\n${subjects}roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ${kind}\n  name: ${roleName}\n`;
}

function sa(name: string, ns: string): string {
  return `  - kind: ServiceAccount\n    name: ${name}\n    namespace: ${ns}\n`;
}

const USER = '  - kind: User\n    name: alice\n    apiGroup: rbac.authorization.k8s.io\n';

function rule(groups: string, resources: string, verbs: string, extra = ''): string {
  return `  - apiGroups: [${groups}]\n    resources: [${resources}]\n    verbs: [${verbs}]\n${extra}`;
}

const doc = (...docs: string[]): string => docs.join('---\n');

function c(name: string, text: string, expect?: RuleCase['expect']): RuleCase {
  return { name, files: { 'rbac.yaml': text }, ...(expect !== undefined && { expect }) };
}

const secretReader = clusterRole('secret-reader', rule('""', 'secrets', 'get, list'));

const deployment = (sa: string): string =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: inference\n  namespace: ml\nspec:\n  selector:\n    matchLabels: {app: inference}\n  template:\n    metadata:\n      labels: {app: inference}\n    spec:\n      serviceAccountName: ${sa}\n      containers:\n        - name: server\n          image: vllm/vllm-openai@sha256:0000000000000000000000000000000000000000000000000000000000000000\n`;

export const RBAC_RULE_CASES: readonly RuleCases[] = [
  ruleCases('k8s/rbac-secrets-read', {
    invalid: [
      c('ClusterRoleBinding gives a ServiceAccount cluster-wide Secret reads', doc(secretReader, crb('inference-secrets', 'secret-reader', sa('inference', 'ml'))), {
        line: 6,
        column: 5,
        fieldPath: 'rules[0]',
        severity: 'high',
        messageIncludes: 'ServiceAccount ml/inference',
      }),
      c('RoleBinding limits it to one namespace', doc(secretReader, rb('read', 'ml', 'ClusterRole', 'secret-reader', sa('inference', 'ml'))), {
        line: 6,
        column: 5,
        severity: 'medium',
        messageIncludes: 'in namespace ml',
      }),
      c(
        'rule aggregated into the built-in view role reaches every viewer',
        clusterRole('crd-viewer', rule('""', 'secrets', 'get'), '  labels:\n    rbac.authorization.k8s.io/aggregate-to-view: "true"\n'),
        { line: 8, column: 5, severity: 'high', messageIncludes: 'every holder of built-in ClusterRole view' },
      ),
      c('`*` resources include secrets', doc(clusterRole('reader', rule('""', '"*"', 'list')), crb('r', 'reader', USER)), { line: 6, column: 5 }),
    ],
    valid: [
      c('ConfigMaps only', doc(clusterRole('cm', rule('""', 'configmaps', 'get, list')), crb('cm', 'cm', sa('inference', 'ml')))),
      c('create without read', doc(clusterRole('w', rule('""', 'secrets', 'create')), crb('w', 'w', USER))),
      c('secrets in another API group', doc(clusterRole('x', rule('"example.com"', 'secrets', 'get')), crb('x', 'x', USER))),
      c('the role is not bound in the input', secretReader),
    ],
  }),
  ruleCases('k8s/rbac-pod-create', {
    invalid: [
      c(
        'patch on Deployments in a namespace',
        doc(role('deployer', 'ml', rule('"apps"', 'deployments', 'get, patch')), rb('deployer', 'ml', 'Role', 'deployer', sa('ci', 'ml'))),
        { line: 7, column: 5, fieldPath: 'rules[0]', severity: 'medium' },
      ),
      c('create pods cluster-wide', doc(clusterRole('pods', rule('""', 'pods', 'create')), crb('pods', 'pods', sa('runner', 'ci'))), { severity: 'high' }),
      c('built-in edit bound by RoleBinding', rb('edit', 'ml', 'ClusterRole', 'edit', USER), { line: 13, column: 3, fieldPath: 'roleRef.name', messageIncludes: 'built-in ClusterRole edit' }),
    ],
    valid: [
      c('read-only pods', doc(clusterRole('pods', rule('""', 'pods', 'get, list, watch')), crb('pods', 'pods', USER))),
      c(
        'create with resourceNames never matches a create',
        doc(clusterRole('pods', rule('""', 'pods', 'create', '    resourceNames: ["fixed"]\n')), crb('pods', 'pods', USER)),
      ),
    ],
  }),
  ruleCases('k8s/rbac-pod-exec', {
    invalid: [
      c('get on pods/exec is enough over WebSocket', doc(clusterRole('exec', rule('""', 'pods/exec', 'get')), crb('exec', 'exec', USER)), {
        line: 6,
        column: 5,
        severity: 'high',
        evidenceIncludes: 'get on pods/exec',
      }),
      c('`*/attach` matches pods/attach', doc(role('att', 'ml', rule('""', '"*/attach"', 'create')), rb('att', 'ml', 'Role', 'att', USER)), { severity: 'medium' }),
    ],
    valid: [
      c('logs only', doc(clusterRole('logs', rule('""', 'pods/log', 'get')), crb('logs', 'logs', USER))),
      c('`pods` does not cover pods/exec', doc(clusterRole('pods', rule('""', 'pods', 'get')), crb('pods', 'pods', USER))),
    ],
  }),
  ruleCases('k8s/rbac-nodes-proxy', {
    invalid: [
      c('get nodes/proxy reaches kubelet exec', doc(clusterRole('metrics', rule('""', 'nodes/proxy, nodes/metrics', 'get')), crb('metrics', 'metrics', sa('prometheus', 'monitoring'))), {
        line: 6,
        column: 5,
        severity: 'high',
      }),
    ],
    valid: [
      c('nodes/metrics only', doc(clusterRole('metrics', rule('""', 'nodes/metrics, nodes/stats', 'get')), crb('metrics', 'metrics', USER))),
      c('a RoleBinding cannot grant a cluster-scoped resource', doc(clusterRole('np', rule('""', 'nodes/proxy', 'get')), rb('np', 'ml', 'ClusterRole', 'np', USER))),
    ],
  }),
  ruleCases('k8s/rbac-token-create', {
    invalid: [
      c('create serviceaccounts/token in a namespace', doc(role('tok', 'ml', rule('""', 'serviceaccounts/token', 'create')), rb('tok', 'ml', 'Role', 'tok', USER)), {
        line: 7,
        column: 5,
        severity: 'medium',
      }),
    ],
    valid: [c('read ServiceAccounts only', doc(role('sa', 'ml', rule('""', 'serviceaccounts', 'get, list')), rb('sa', 'ml', 'Role', 'sa', USER)))],
  }),
  ruleCases('k8s/rbac-escalate-bind', {
    invalid: [
      c('bind on clusterroles cluster-wide', doc(clusterRole('binder', rule('"rbac.authorization.k8s.io"', 'clusterroles', 'bind')), crb('binder', 'binder', sa('operator', 'ops'))), {
        line: 6,
        column: 5,
        severity: 'critical',
      }),
    ],
    valid: [c('read roles', doc(clusterRole('rr', rule('"rbac.authorization.k8s.io"', 'roles, clusterroles', 'get, list')), crb('rr', 'rr', USER)))],
  }),
  ruleCases('k8s/rbac-impersonate', {
    invalid: [
      c('impersonate groups cluster-wide', doc(clusterRole('imp', rule('""', 'users, groups', 'impersonate')), crb('imp', 'imp', USER)), { line: 6, column: 5, severity: 'critical' }),
      c('impersonate ServiceAccounts in a namespace', doc(role('imp', 'ml', rule('""', 'serviceaccounts', 'impersonate')), rb('imp', 'ml', 'Role', 'imp', USER)), { severity: 'high' }),
    ],
    valid: [
      c('users impersonation through a RoleBinding is not granted', doc(clusterRole('imp', rule('""', 'users, groups', 'impersonate')), rb('imp', 'ml', 'ClusterRole', 'imp', USER))),
    ],
  }),
  ruleCases('k8s/rbac-csr-approve', {
    invalid: [
      c(
        'approval subresource and signer approve',
        doc(
          clusterRole('approver', `${rule('"certificates.k8s.io"', 'certificatesigningrequests/approval', 'update')}${rule('"certificates.k8s.io"', 'signers', 'approve')}`),
          crb('approver', 'approver', sa('approver', 'ops')),
        ),
        { line: 6, column: 5, severity: 'high' },
      ),
    ],
    valid: [c('create CSRs only', doc(clusterRole('csr', rule('"certificates.k8s.io"', 'certificatesigningrequests', 'create, get')), crb('csr', 'csr', USER)))],
  }),
  ruleCases('k8s/rbac-admission-config-write', {
    invalid: [
      c('delete validating webhooks', doc(clusterRole('hooks', rule('"admissionregistration.k8s.io"', 'validatingwebhookconfigurations', 'get, delete')), crb('hooks', 'hooks', USER)), {
        line: 6,
        column: 5,
        severity: 'high',
      }),
    ],
    valid: [c('read webhooks', doc(clusterRole('hooks', rule('"admissionregistration.k8s.io"', 'validatingwebhookconfigurations', 'get, list')), crb('hooks', 'hooks', USER)))],
  }),
  ruleCases('k8s/rbac-wildcard', {
    invalid: [
      c('ClusterRoleBinding to built-in cluster-admin', crb('admin', 'cluster-admin', sa('inference', 'ml')), {
        line: 12,
        column: 3,
        fieldPath: 'roleRef.name',
        severity: 'critical',
      }),
      c('`*` on `*` in a namespace', doc(role('owner', 'ml', rule('"*"', '"*"', '"*"')), rb('owner', 'ml', 'Role', 'owner', USER)), {
        line: 7,
        column: 17,
        fieldPath: 'rules[0].apiGroups[0]',
        severity: 'high',
      }),
      c('partial wildcard', doc(clusterRole('any-verb', rule('""', 'configmaps', '"*"')), crb('cm', 'any-verb', USER)), { line: 8, column: 13, fieldPath: 'rules[0].verbs[0]', severity: 'medium' }),
    ],
    valid: [
      c('explicit lists', doc(clusterRole('cm', rule('""', 'configmaps', 'get, update')), crb('cm', 'cm', USER))),
      c('non-resource URLs through a RoleBinding grant nothing', doc(clusterRole('urls', '  - nonResourceURLs: ["*"]\n    verbs: ["get"]\n'), rb('urls', 'ml', 'ClusterRole', 'urls', USER))),
    ],
  }),
  ruleCases('k8s/rbac-public-subject', {
    invalid: [
      c(
        'unauthenticated users can read Secrets',
        doc(secretReader, crb('oops', 'secret-reader', '  - kind: Group\n    name: system:unauthenticated\n    apiGroup: rbac.authorization.k8s.io\n')),
        { line: 16, column: 5, fieldPath: 'subjects[0].name', severity: 'critical' },
      ),
      c('anonymous user, harmless role', doc(clusterRole('cm', rule('""', 'configmaps', 'get')), crb('anon', 'cm', '  - kind: User\n    name: system:anonymous\n')), { severity: 'high' }),
    ],
    valid: [
      c('default binding of system:basic-user to system:authenticated', crb('basic', 'system:basic-user', '  - kind: Group\n    name: system:authenticated\n')),
      c('a named group', doc(secretReader, crb('ops', 'secret-reader', '  - kind: Group\n    name: ops-team\n'))),
    ],
  }),
  ruleCases('k8s/rbac-workload-privileged-sa', {
    invalid: [
      c('inference pods can read every Secret', doc(deployment('inference'), secretReader, crb('inference-secrets', 'secret-reader', sa('inference', 'ml'))), {
        line: 13,
        column: 7,
        fieldPath: 'spec.template.spec.serviceAccountName',
        severity: 'critical',
        messageIncludes: 'read Secrets cluster-wide',
      }),
      c(
        'namespace group grant reaches the default ServiceAccount',
        doc(
          `apiVersion: v1\nkind: Pod\nmetadata:\n  name: notebook\n  namespace: ml\nspec:\n  containers:\n    - name: jupyter\n      image: jupyter/base-notebook@sha256:0000000000000000000000000000000000000000000000000000000000000000\n`,
          rb('edit-all', 'ml', 'ClusterRole', 'edit', '  - kind: Group\n    name: system:serviceaccounts:ml\n'),
        ),
        { line: 6, column: 1, fieldPath: 'spec', severity: 'high' },
      ),
    ],
    valid: [
      c('ServiceAccount without grants', doc(deployment('inference'), secretReader, crb('other', 'secret-reader', sa('backup', 'ops')))),
      c('same-named ServiceAccount in another namespace', doc(deployment('inference'), secretReader, crb('other', 'secret-reader', sa('inference', 'prod')))),
    ],
  }),
  ruleCases('k8s/rbac-unresolved-role-ref', {
    invalid: [c('binding to a role defined elsewhere', rb('x', 'ml', 'ClusterRole', 'vendor-operator', USER), { line: 13, column: 3, fieldPath: 'roleRef.name', severity: 'info' })],
    valid: [c('binding to built-in view', rb('x', 'ml', 'ClusterRole', 'view', USER)), c('binding to a role in the input', doc(secretReader, crb('r', 'secret-reader', USER)))],
  }),
];
