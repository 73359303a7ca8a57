import { describe, expect, it } from 'vitest';
import { load, summarize } from '../network-policy/test-helpers.js';
import { analyzeRbac as reportRbac } from './analyze.js';
import { findingsOf } from '../network-policy/test-helpers.js';

const analyzeRbac = findingsOf(reportRbac);

const CR = (name: string, rules: string) => `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: ${name}\nrules:\n${rules}`;
const R = (name: string, ns: string, rules: string) => `apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nrules:\n${rules}`;
const B = (kind: 'RoleBinding' | 'ClusterRoleBinding', name: string, ns: string | undefined, refKind: string, ref: string, subjects: string) =>
  `apiVersion: rbac.authorization.k8s.io/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n${ns ? `  namespace: ${ns}\n` : ''}roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ${refKind}, name: ${ref}}\nsubjects:\n${subjects}`;
const SA = (n: string, ns: string) => `  - {kind: ServiceAccount, name: ${n}, namespace: ${ns}}\n`;
const SECRETS = '  - {apiGroups: [""], resources: [secrets], verbs: [get, list]}\n';

function run(...docs: string[]) {
  return summarize(analyzeRbac(load(docs.join('---\n'))));
}

describe('RBAC severities and messages', () => {
  it('a public group among the holders makes a grant critical', () => {
    const fs = run(CR('s', SECRETS), B('ClusterRoleBinding', 'b', undefined, 'ClusterRole', 's', '  - {kind: Group, name: "system:authenticated"}\n'));
    expect(fs.find((f) => f.ruleId === 'k8s/rbac-secrets-read')?.severity).toBe('critical');
    expect(fs.find((f) => f.ruleId === 'k8s/rbac-public-subject')?.severity).toBe('critical');
  });

  it('a RoleBinding in kube-system counts as cluster-wide', () => {
    const fs = run(CR('s', SECRETS), B('RoleBinding', 'b', 'kube-system', 'ClusterRole', 's', SA('x', 'kube-system')));
    expect(fs.find((f) => f.ruleId === 'k8s/rbac-secrets-read')?.severity).toBe('high');
  });

  it('resourceNames lower a grant by one step', () => {
    const fs = run(R('t', 'ml', '  - {apiGroups: [""], resources: [serviceaccounts/token], verbs: [create], resourceNames: [builder]}\n'), B('RoleBinding', 'b', 'ml', 'Role', 't', SA('x', 'ml')));
    const f = fs.find((x) => x.ruleId === 'k8s/rbac-token-create');
    expect(f?.severity).toBe('low');
    expect(f?.message).toContain('only builder');
  });

  it('names four holders and counts the rest', () => {
    const subjects = ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => SA(n, 'ml')).join('');
    const f = run(CR('s', SECRETS), B('ClusterRoleBinding', 'b', undefined, 'ClusterRole', 's', subjects)).find((x) => x.ruleId === 'k8s/rbac-secrets-read');
    expect(f?.message).toContain('ServiceAccount ml/d (ClusterRoleBinding b, cluster-wide) and 2 more');
  });

  it('holders through an aggregating role are named with the role', () => {
    const agg = 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: agg\naggregationRule:\n  clusterRoleSelectors:\n    - matchLabels: {team: ml}\n';
    const leaf = 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: leaf\n  labels: {team: ml}\nrules:\n' + SECRETS;
    const fs = run(agg, leaf, B('ClusterRoleBinding', 'b', undefined, 'ClusterRole', 'agg', SA('x', 'ml')));
    const f = fs.find((x) => x.ruleId === 'k8s/rbac-secrets-read');
    expect(f?.line).toBe(15); // the rule in `leaf` (line 15 of the stream)
    expect(f?.message).toContain('ServiceAccount ml/x (ClusterRoleBinding b via ClusterRole agg, cluster-wide)');
  });
});

describe('workload linkage', () => {
  const pod = (extra: string) =>
    `apiVersion: v1\nkind: Pod\nmetadata:\n  name: nb\n  namespace: ml\nspec:\n  serviceAccountName: runner\n${extra}  containers:\n    - {name: c, image: jupyter/base-notebook}\n`;
  const grant = [CR('s', SECRETS), B('ClusterRoleBinding', 'b', undefined, 'ClusterRole', 's', SA('runner', 'ml'))];

  it('critical for a cluster-wide grant, located at serviceAccountName, naming the rule location', () => {
    const f = run(pod(''), ...grant).find((x) => x.ruleId === 'k8s/rbac-workload-privileged-sa');
    expect(f).toMatchObject({ severity: 'critical', line: 7, column: 3, fieldPath: 'spec.serviceAccountName' });
    expect(f?.message).toContain('read Secrets cluster-wide through ClusterRoleBinding b → ClusterRole s (manifest.yaml:16)');
  });

  it('info when no token is mounted, unless a token is projected', () => {
    const off = run(pod('  automountServiceAccountToken: false\n'), ...grant).find((x) => x.ruleId === 'k8s/rbac-workload-privileged-sa');
    expect(off?.severity).toBe('info');
    const projected = run(
      pod('  automountServiceAccountToken: false\n  volumes:\n    - name: t\n      projected:\n        sources:\n          - serviceAccountToken: {path: token}\n'),
      ...grant,
    ).find((x) => x.ruleId === 'k8s/rbac-workload-privileged-sa');
    expect(projected?.severity).toBe('critical');
  });

  it('the ServiceAccount object can disable automount for the pods that use it', () => {
    const sa = 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: runner\n  namespace: ml\nautomountServiceAccountToken: false\n';
    expect(run(pod(''), sa, ...grant).find((x) => x.ruleId === 'k8s/rbac-workload-privileged-sa')?.severity).toBe('info');
    expect(run(pod('  automountServiceAccountToken: true\n'), sa, ...grant).find((x) => x.ruleId === 'k8s/rbac-workload-privileged-sa')?.severity).toBe('critical');
  });

  it('grants in another namespace still count (the ServiceAccount can act there)', () => {
    const f = run(pod(''), CR('s', SECRETS), B('RoleBinding', 'b', 'prod', 'ClusterRole', 's', SA('runner', 'ml'))).find((x) => x.ruleId === 'k8s/rbac-workload-privileged-sa');
    expect(f?.severity).toBe('high');
    expect(f?.message).toContain('in namespace prod');
  });
});
