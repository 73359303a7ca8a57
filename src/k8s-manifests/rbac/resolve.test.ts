import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { load, objectOf } from '../network-policy/test-helpers.js';
import { analyzeRbac as reportRbac } from './analyze.js';
import { buildRbacModel, grantsOfSubject, subjectKey } from './resolve.js';
import { findingsOf } from '../network-policy/test-helpers.js';

const analyzeRbac = findingsOf(reportRbac);

const CR = (name: string, body: string, labels = '') =>
  `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: ${name}\n${labels ? `  labels:\n${labels}` : ''}${body}`;
const R = (name: string, ns: string, body: string) => `apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n${body}`;
const CRB = (name: string, role: string, subjects: string) =>
  `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: ${name}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ${role}}\nsubjects:\n${subjects}`;
const RB = (name: string, ns: string, kind: string, role: string, subjects: string) =>
  `apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ${kind}, name: ${role}}\nsubjects:\n${subjects}`;
const SECRETS = 'rules:\n  - {apiGroups: [""], resources: [secrets], verbs: [get]}\n';
const PODS = 'rules:\n  - {apiGroups: [""], resources: [pods], verbs: [create]}\n';
const SA = (name: string, ns?: string) => `  - {kind: ServiceAccount, name: ${name}${ns ? `, namespace: ${ns}` : ''}}\n`;

function model(...docs: string[]) {
  return buildRbacModel(load(docs.join('---\n')));
}

function grants(m: ReturnType<typeof model>, s: { kind: 'User' | 'Group' | 'ServiceAccount'; name: string; namespace?: string }) {
  return [...new Set(grantsOfSubject(m, s).map((g) => `${g.category}@${g.scope.kind === 'cluster' ? '*' : g.scope.namespace}`))].sort();
}

describe('RBAC effective permissions per subject', () => {
  it('ClusterRoleBinding grants cluster-wide; RoleBinding to a ClusterRole only in its namespace', () => {
    // (Names such as `y` or `on` are booleans in YAML 1.1, as Kubernetes reads them: avoided here.)
    const m = model(CR('s', SECRETS), CRB('a', 's', SA('x', 'ml')), RB('b', 'ops', 'ClusterRole', 's', SA('yoda', 'ops')));
    expect(grants(m, { kind: 'ServiceAccount', name: 'x', namespace: 'ml' })).toEqual(['secrets-read@*']);
    expect(grants(m, { kind: 'ServiceAccount', name: 'yoda', namespace: 'ops' })).toEqual(['secrets-read@ops']);
  });

  it('ServiceAccount subject namespace defaults to the RoleBinding namespace, never for ClusterRoleBindings', () => {
    const m = model(CR('s', SECRETS), RB('b', 'ml', 'ClusterRole', 's', SA('x')), CRB('c', 's', SA('yoda')));
    expect(grants(m, { kind: 'ServiceAccount', name: 'x', namespace: 'ml' })).toEqual(['secrets-read@ml']);
    expect(grants(m, { kind: 'ServiceAccount', name: 'yoda', namespace: 'default' })).toEqual([]);
  });

  it('Role bindings resolve the Role in the binding namespace only', () => {
    const m = model(R('r', 'ml', SECRETS), RB('b', 'ml', 'Role', 'r', SA('x', 'ml')), RB('c', 'ops', 'Role', 'r', SA('yoda', 'ops')));
    expect(grants(m, { kind: 'ServiceAccount', name: 'x', namespace: 'ml' })).toEqual(['secrets-read@ml']);
    expect(grants(m, { kind: 'ServiceAccount', name: 'yoda', namespace: 'ops' })).toEqual([]);
  });

  it('a ServiceAccount holds the grants of system:serviceaccounts[:ns], system:authenticated and its user name', () => {
    const m = model(
      CR('s', SECRETS),
      CR('p', PODS),
      CRB('all-sa', 's', '  - {kind: Group, name: "system:serviceaccounts:ml"}\n'),
      RB('u', 'ml', 'ClusterRole', 'p', '  - {kind: User, name: "system:serviceaccount:ml:runner"}\n'),
    );
    expect(grants(m, { kind: 'ServiceAccount', name: 'runner', namespace: 'ml' })).toEqual(['pod-create@ml', 'secrets-read@*']);
    expect(grants(m, { kind: 'ServiceAccount', name: 'runner', namespace: 'ops' })).toEqual([]);
    expect(subjectKey({ kind: 'User', name: 'system:serviceaccount:ml:runner' })).toBe('sa:ml/runner');
  });

  it('aggregation pulls rules from labelled ClusterRoles (matchLabels and matchExpressions), transitively', () => {
    const m = model(
      CR('agg', 'aggregationRule:\n  clusterRoleSelectors:\n    - matchExpressions:\n        - {key: example.com/aggregate, operator: In, values: [ml]}\n', ''),
      CR('leaf-secrets', SECRETS, '    example.com/aggregate: ml\n'),
      CR('mid', 'aggregationRule:\n  clusterRoleSelectors:\n    - matchLabels: {tier: pods}\n', '    example.com/aggregate: ml\n'),
      CR('leaf-pods', PODS, '    tier: pods\n'),
      CR('other', PODS, '    example.com/aggregate: other\n'),
      CRB('b', 'agg', SA('x', 'ml')),
    );
    expect(grants(m, { kind: 'ServiceAccount', name: 'x', namespace: 'ml' })).toEqual(['pod-create@*', 'secrets-read@*']);
  });

  it('the rules written in an aggregated ClusterRole are replaced by the aggregation', () => {
    const m = model(CR('agg', `aggregationRule:\n  clusterRoleSelectors:\n    - matchLabels: {none: here}\n${SECRETS}`), CRB('b', 'agg', SA('x', 'ml')));
    expect(grants(m, { kind: 'ServiceAccount', name: 'x', namespace: 'ml' })).toEqual([]);
  });

  it('aggregation cycles terminate and an invalid selector grants nothing', () => {
    const m = model(
      CR('a', 'aggregationRule:\n  clusterRoleSelectors:\n    - matchLabels: {ring: "1"}\n', '    ring: "1"\n'),
      CR('b', 'aggregationRule:\n  clusterRoleSelectors:\n    - matchLabels: {ring: "1"}\n', '    ring: "1"\n'),
      CR('leaf', SECRETS, '    ring: "1"\n'),
      CR('bad', 'aggregationRule:\n  clusterRoleSelectors:\n    - matchExpressions: [{key: ring, operator: In}]\n'),
      CRB('ba', 'a', SA('x', 'ml')),
      CRB('bb', 'bad', SA('yoda', 'ml')),
    );
    expect(grants(m, { kind: 'ServiceAccount', name: 'x', namespace: 'ml' })).toEqual(['secrets-read@*']);
    expect(grants(m, { kind: 'ServiceAccount', name: 'yoda', namespace: 'ml' })).toEqual([]);
  });

  it('built-in roles: edit reads secrets, view does not, a ClusterRole labelled aggregate-to-view extends view', () => {
    const base = model(RB('v', 'ml', 'ClusterRole', 'view', SA('v', 'ml')), RB('e', 'ml', 'ClusterRole', 'edit', SA('e', 'ml')));
    expect(grants(base, { kind: 'ServiceAccount', name: 'v', namespace: 'ml' })).toEqual([]);
    expect(grants(base, { kind: 'ServiceAccount', name: 'e', namespace: 'ml' })).toEqual(['impersonate@ml', 'pod-create@ml', 'pod-exec@ml', 'secrets-read@ml', 'token-create@ml']);
    const extended = model(RB('v', 'ml', 'ClusterRole', 'view', SA('v', 'ml')), CR('crd-view', SECRETS, '    rbac.authorization.k8s.io/aggregate-to-view: "true"\n'));
    expect(grants(extended, { kind: 'ServiceAccount', name: 'v', namespace: 'ml' })).toEqual(['secrets-read@ml']);
  });

  it('a role in the input overrides the built-in of the same name', () => {
    const m = model(CR('cluster-admin', 'rules:\n  - {apiGroups: [""], resources: [configmaps], verbs: [get]}\n'), CRB('b', 'cluster-admin', SA('x', 'ml')));
    expect(grants(m, { kind: 'ServiceAccount', name: 'x', namespace: 'ml' })).toEqual([]);
  });

  it('cluster-admin is a full wildcard; cluster-scoped grants do not pass through RoleBindings', () => {
    const m = model(CRB('b', 'cluster-admin', SA('x', 'ml')), CR('np', 'rules:\n  - {apiGroups: [""], resources: [nodes/proxy], verbs: [get]}\n'), RB('r', 'ml', 'ClusterRole', 'np', SA('yoda', 'ml')));
    expect(grants(m, { kind: 'ServiceAccount', name: 'x', namespace: 'ml' })).toEqual(['wildcard@*']);
    expect(grants(m, { kind: 'ServiceAccount', name: 'yoda', namespace: 'ml' })).toEqual([]);
  });

  it('a ClusterRoleBinding cannot reference a Role; a rule without apiGroups grants nothing', () => {
    const m = model(
      R('r', 'default', SECRETS),
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef: {kind: Role, name: r}\nsubjects:\n  - {kind: User, name: u}\n',
      CR('nogroups', 'rules:\n  - {resources: [secrets], verbs: [get]}\n'),
      CRB('c', 'nogroups', '  - {kind: User, name: v}\n'),
    );
    expect(grants(m, { kind: 'User', name: 'u' })).toEqual([]);
    expect(grants(m, { kind: 'User', name: 'v' })).toEqual([]);
  });
});

// ---- property tests -------------------------------------------------------------------------------

const name = fc.constantFrom('a', 'b', 'edit', 'cluster-admin', 'system:anonymous', 'system:authenticated');
const ruleArb = fc.oneof(
  fc.record(
    {
      apiGroups: fc.oneof(fc.array(fc.constantFrom('', '*', 'apps', 'rbac.authorization.k8s.io'), { maxLength: 2 }), fc.anything()),
      resources: fc.oneof(fc.array(fc.constantFrom('secrets', 'pods', 'pods/exec', '*', '*/exec', 'nodes/proxy', 'clusterroles'), { maxLength: 3 }), fc.anything()),
      verbs: fc.oneof(fc.array(fc.constantFrom('get', 'list', 'create', '*', 'bind', 'impersonate'), { maxLength: 3 }), fc.anything()),
      resourceNames: fc.oneof(fc.array(fc.string(), { maxLength: 2 }), fc.anything()),
      nonResourceURLs: fc.anything(),
    },
    { requiredKeys: [] },
  ),
  fc.anything(),
);
const roleArb = fc.record({
  apiVersion: fc.constant('rbac.authorization.k8s.io/v1'),
  kind: fc.constantFrom('Role', 'ClusterRole'),
  metadata: fc.record({ name, namespace: fc.constantFrom('ml', 'ops'), labels: fc.oneof(fc.dictionary(fc.constantFrom('k', 'rbac.authorization.k8s.io/aggregate-to-view'), fc.constantFrom('true', 'v')), fc.anything()) }, { requiredKeys: [] }),
  rules: fc.oneof(fc.array(ruleArb, { maxLength: 3 }), fc.anything()),
  aggregationRule: fc.oneof(fc.record({ clusterRoleSelectors: fc.oneof(fc.array(fc.oneof(fc.constant({}), fc.record({ matchLabels: fc.dictionary(fc.constant('k'), fc.constant('v')) }), fc.anything()), { maxLength: 2 }), fc.anything()) }), fc.constant(undefined)),
});
const subjectArb = fc.oneof(fc.record({ kind: fc.constantFrom('User', 'Group', 'ServiceAccount', 'Other'), name, namespace: fc.constantFrom('ml', 'ops') }, { requiredKeys: [] }), fc.anything());
const bindingArb = fc.record({
  apiVersion: fc.constant('rbac.authorization.k8s.io/v1'),
  kind: fc.constantFrom('RoleBinding', 'ClusterRoleBinding'),
  metadata: fc.record({ name, namespace: fc.constantFrom('ml', 'ops') }, { requiredKeys: [] }),
  roleRef: fc.oneof(fc.record({ kind: fc.constantFrom('Role', 'ClusterRole', 'X'), name }, { requiredKeys: [] }), fc.anything()),
  subjects: fc.oneof(fc.array(subjectArb, { maxLength: 3 }), fc.anything()),
});
const podArb = fc.record({
  apiVersion: fc.constant('v1'),
  kind: fc.constant('Pod'),
  metadata: fc.record({ name, namespace: fc.constantFrom('ml', 'ops') }, { requiredKeys: [] }),
  spec: fc.oneof(fc.record({ serviceAccountName: fc.oneof(name, fc.anything()), automountServiceAccountToken: fc.anything(), volumes: fc.anything() }, { requiredKeys: [] }), fc.anything()),
});

describe('RBAC properties', () => {
  it('analyzeRbac never throws on arbitrary JSON-shaped objects, and every finding has a k8s location', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(roleArb, bindingArb, podArb, fc.anything()), { maxLength: 10 }), (values) => {
        const fs = analyzeRbac(values.map((v) => objectOf(v)));
        for (const f of fs) expect(f.location.kind).toBe('k8s-object');
      }),
      { numRuns: 500 },
    );
  });
});
