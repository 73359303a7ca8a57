/**
 * Cost of the RBAC + NetworkPolicy analysis against the cost of parsing the same manifests (issue 4:
 * the whole manifest analysis may add at most 1x the parse time; these two analysers get half of it).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../limits/index.js';
import type { ManifestObject } from '../model.js';
import { loadText } from '../test-helpers.js';
import { analyzeRbac as reportRbac } from '../rbac/analyze.js';
import { analyzeNetworkPolicies as reportNetworkPolicies } from './analyze.js';
import { networkPolicyVerdicts } from './verdicts.js';
import { findingsOf } from './test-helpers.js';

const analyzeRbac = findingsOf(reportRbac);
const analyzeNetworkPolicies = findingsOf(reportNetworkPolicies);

function mixed(n: number): string {
  const docs: string[] = [];
  const nsCount = 100;
  for (let i = 0; docs.length < n; i++) {
    const ns = `ns-${i % nsCount}`;
    switch (i % 10) {
      case 0:
        docs.push(i < nsCount * 10 ? `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n  labels: {team: t${i % 7}}\n` : `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n  namespace: ${ns}\ndata: {a: b}\n`);
        break;
      case 1:
      case 2:
      case 3:
        docs.push(
          `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-${i}\n  namespace: ${ns}\nspec:\n  selector:\n    matchLabels: {app: app-${i}}\n  template:\n    metadata:\n      labels: {app: app-${i}, tier: t${i % 5}}\n    spec:\n      serviceAccountName: sa-${i % 50}\n      containers:\n        - name: main\n          image: vllm/vllm-openai:v0.6.0\n          ports:\n            - containerPort: 8000\n          resources:\n            limits: {cpu: "1", memory: 1Gi, nvidia.com/gpu: 1}\n`,
        );
        break;
      case 4:
        docs.push(`apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-${i}\n  namespace: ${ns}\nspec:\n  selector: {app: app-${i - 3}}\n  ports:\n    - port: 80\n      targetPort: 8000\n`);
        break;
      case 5:
        docs.push(
          i % 20 === 5
            ? `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny-${i}\n  namespace: ${ns}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n`
            : `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: np-${i}\n  namespace: ${ns}\nspec:\n  podSelector:\n    matchExpressions:\n      - {key: app, operator: In, values: [app-${i - 4}, app-${i - 3}]}\n  ingress:\n    - from:\n        - namespaceSelector:\n            matchLabels: {team: t1}\n          podSelector:\n            matchLabels: {tier: t2}\n      ports:\n        - port: 8000\n`,
        );
        break;
      case 6:
        docs.push(`apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa-${i % 50}\n  namespace: ${ns}\n`);
        break;
      case 7:
        docs.push(
          `apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: role-${i}\n  namespace: ${ns}\nrules:\n  - apiGroups: [""]\n    resources: [configmaps, secrets]\n    verbs: [get, list]\n  - apiGroups: [apps]\n    resources: [deployments]\n    verbs: [get, patch]\n`,
        );
        break;
      case 8:
        docs.push(
          `apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: rb-${i}\n  namespace: ${ns}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: role-${i - 1}}\nsubjects:\n  - {kind: ServiceAccount, name: sa-${i % 50}}\n`,
        );
        break;
      case 9:
        docs.push(
          i % 30 === 9
            ? `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: crb-${i}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\nsubjects:\n  - {kind: ServiceAccount, name: sa-${i % 50}, namespace: ${ns}}\n`
            : `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: cr-${i}\n  labels: {rbac.example.com/aggregate: "${i % 3 === 0}"}\nrules:\n  - apiGroups: [""]\n    resources: [pods]\n    verbs: [get]\n`,
        );
        break;
    }
  }
  return docs.join('---\n');
}

function best(fn: () => void, runs = 3): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

describe('performance', () => {
  it('RBAC + NetworkPolicy analysis of 10,000 mixed objects costs well under the parse time', () => {
    const text = mixed(10_000);
    let objects: ManifestObject[] = [];
    // One timed parse (the slower side; repeating it only makes the bound looser).
    const parse = best(() => {
      objects = loadText(text, 'big.yaml', DEFAULT_LIMITS).objects;
    }, 1);
    expect(objects.length).toBe(10_000);
    let findings = 0;
    const analyse = best(() => {
      findings = analyzeRbac(objects).length + analyzeNetworkPolicies(objects).length;
    });
    expect(findings).toBeGreaterThan(0);
    // Budget for these two analysers: half of the parse time (K1's rules take the other half).
    expect(analyse, `parse ${parse.toFixed(0)} ms, analysis ${analyse.toFixed(0)} ms`).toBeLessThan(parse * 0.5);
  });

  it('no workloads × policies blow-up: 3,000 pods and 3,000 policies in one namespace', () => {
    const docs: string[] = [];
    for (let i = 0; i < 3000; i++) {
      docs.push(`apiVersion: v1\nkind: Pod\nmetadata:\n  name: p${i}\n  namespace: big\n  labels: {app: a${i}}\nspec:\n  containers: [{name: c, image: x}]\n`);
      docs.push(`apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: n${i}\n  namespace: big\nspec:\n  podSelector:\n    matchLabels: {app: a${i}}\n  ingress:\n    - from:\n        - podSelector: {}\n`);
    }
    const objects = loadText(docs.join('---\n'), 'big.yaml', { ...DEFAULT_LIMITS, maxYamlDocuments: 10_000 }).objects;
    const t = performance.now();
    const vs = networkPolicyVerdicts(objects);
    const ms = performance.now() - t;
    expect(vs.every((v) => v.ingress.verdict === 'isolated-with-allow-rules' && v.ingress.policies.length === 1)).toBe(true);
    expect(ms).toBeLessThan(1000);
  });
});
