/**
 * Rule cases for the `path/*` rules (run end to end by src/engine/rules-meta.test.ts): a model folder
 * whose pickle runs a (harmless) command on load, and the manifests of a workload that loads it.
 */
import type { RuleCases } from '../rules/index.js';
import { ruleCases } from '../rules/index.js';
import { PickleBuilder } from '../../test-fixtures/pickle-builder.js';

/** A pickle that calls posix.system("echo …") when loaded. */
export function evilPickle(): Uint8Array {
  const b = new PickleBuilder();
  b.proto(2);
  b.global('posix', 'system');
  b.binUnicode('echo bulwark-test');
  b.tuple1().reduce();
  b.stop();
  return b.build();
}

/** A Job loading `/models/<modelRef>`; `podSpec` lines go under the pod spec (two-space indent). */
export function job(modelRef: string, podSpec: readonly string[] = [], container: readonly string[] = []): string {
  return [
    'apiVersion: batch/v1',
    'kind: Job',
    'metadata: {name: train, namespace: ml}',
    'spec:',
    '  template:',
    '    spec:',
    '      restartPolicy: Never',
    ...podSpec.map((l) => `      ${l}`),
    '      containers:',
    '      - name: trainer',
    '        image: registry.example/train:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    `        args: ["--base-model", "/models/${modelRef}"]`,
    ...container.map((l) => `        ${l}`),
    '',
  ].join('\n');
}

const NS = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: ml}\n';
const EGRESS_DENY = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-egress, namespace: ml}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n';
const SECRET_READER = [
  'apiVersion: rbac.authorization.k8s.io/v1',
  'kind: Role',
  'metadata: {name: secret-reader, namespace: ml}',
  'rules:',
  '- apiGroups: [""]',
  '  resources: [secrets]',
  '  verbs: [get, list]',
  '---',
  'apiVersion: rbac.authorization.k8s.io/v1',
  'kind: RoleBinding',
  'metadata: {name: default-reads-secrets, namespace: ml}',
  'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: secret-reader}',
  'subjects:',
  '- {kind: ServiceAccount, name: default, namespace: ml}',
  '',
].join('\n');
const POD_CREATOR = SECRET_READER.replace('resources: [secrets]', 'resources: [pods]').replace('verbs: [get, list]', 'verbs: [create]').replace(/secret-reader/g, 'pod-creator').replace('default-reads-secrets', 'default-creates-pods');

const evil = { 'models/evil-llm/model.pkl': evilPickle };

export const PATH_RULE_CASES: readonly RuleCases[] = [
  ruleCases('path/model-to-secrets', {
    valid: [
      { name: 'the token is not mounted', files: { ...evil, 'k8s/job.yaml': job('evil-llm', ['automountServiceAccountToken: false']), 'k8s/rbac.yaml': SECRET_READER } },
      { name: 'the workload loads another model', files: { ...evil, 'k8s/job.yaml': job('other-llm'), 'k8s/rbac.yaml': SECRET_READER } },
      { name: 'the ServiceAccount cannot read Secrets', files: { ...evil, 'k8s/job.yaml': job('evil-llm') } },
    ],
    invalid: [
      { name: 'model → Job → default ServiceAccount → Secrets', files: { ...evil, 'k8s/job.yaml': job('evil-llm'), 'k8s/rbac.yaml': SECRET_READER }, expect: { severity: 'critical', messageIncludes: 'Job ml/train', evidenceIncludes: 'Secrets of namespace ml' } },
      { name: 'hub cache path models--org--name', files: { ...evil, 'k8s/job.yaml': job('hub/models--acme--evil-llm/snapshots/1'), 'k8s/rbac.yaml': SECRET_READER }, expect: { messageIncludes: 'RoleBinding ml/default-reads-secrets' } },
    ],
  }),
  ruleCases('path/model-to-cluster-control', {
    valid: [{ name: 'the ServiceAccount can only read Secrets', files: { ...evil, 'k8s/job.yaml': job('evil-llm'), 'k8s/rbac.yaml': SECRET_READER } }],
    invalid: [{ name: 'the ServiceAccount can create pods', files: { ...evil, 'k8s/job.yaml': job('evil-llm'), 'k8s/rbac.yaml': POD_CREATOR }, expect: { severity: 'critical', messageIncludes: 'create pods' } }],
  }),
  ruleCases('path/model-to-node', {
    valid: [{ name: 'an unprivileged container', files: { ...evil, 'k8s/job.yaml': job('evil-llm') } }],
    invalid: [{ name: 'a privileged container', files: { ...evil, 'k8s/job.yaml': job('evil-llm', [], ['securityContext: {privileged: true}']) }, expect: { severity: 'critical', evidenceIncludes: 'the node (host)' } }],
  }),
  ruleCases('path/model-egress', {
    valid: [{ name: 'the namespace denies egress by default', files: { ...evil, 'k8s/ns.yaml': NS, 'k8s/job.yaml': job('evil-llm'), 'k8s/netpol.yaml': EGRESS_DENY } }],
    invalid: [{ name: 'nothing restricts egress', files: { ...evil, 'k8s/ns.yaml': NS, 'k8s/job.yaml': job('evil-llm') }, expect: { severity: 'high', evidenceIncludes: 'any network destination' } }],
  }),
];
