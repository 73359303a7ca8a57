import { describe, expect, it } from 'vitest';
import { analyzeNetworkPolicies as reportNetworkPolicies } from './analyze.js';
import { load, summarize } from './test-helpers.js';
import { findingsOf } from './test-helpers.js';

const analyzeNetworkPolicies = findingsOf(reportNetworkPolicies);

const ray = (ns: string, extra = '') =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ray-head\n  namespace: ${ns}\n  labels: {app: ray}\nspec:\n${extra}  containers:\n    - name: head\n      image: rayproject/ray:2.9.0\n      ports:\n        - {containerPort: 8265, name: dashboard}\n        - {containerPort: 10001}\n`;
const np = (name: string, ns: string, spec: string) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n${spec}`;
const run = (...docs: string[]) => summarize(analyzeNetworkPolicies(load(docs.join('---\n'))));

describe('NetworkPolicy findings', () => {
  it('lists every exposed AI port and locates the first', () => {
    const f = run(ray('ml')).find((x) => x.ruleId === 'k8s/netpol-ai-workload-exposed');
    expect(f).toMatchObject({ line: 12, column: 12, fieldPath: 'spec.containers[0].ports[0].containerPort' });
    expect(f?.message).toContain('Ray dashboard (job submission = remote code execution) on 8265, Ray client server on 10001');
  });

  it('a default deny does not protect hostNetwork pods', () => {
    const fs = run(ray('ml', '  hostNetwork: true\n'), np('deny', 'ml', '  podSelector: {}\n  policyTypes: [Ingress, Egress]\n'));
    expect(fs.find((x) => x.ruleId === 'k8s/netpol-ai-workload-exposed')?.message).toContain('hostNetwork');
    expect(fs.filter((x) => x.ruleId.startsWith('k8s/netpol-no-default-deny'))).toEqual([]);
  });

  it('system namespaces get no default-deny findings, but AI exposure is still reported', () => {
    const fs = run(ray('kube-system'));
    expect(fs.map((x) => x.ruleId).sort()).toEqual(['k8s/netpol-ai-egress-unrestricted', 'k8s/netpol-ai-workload-exposed']);
  });

  it('a namespace that only has policies in the input is not reported', () => {
    expect(run(np('p', 'ml', '  podSelector:\n    matchLabels: {app: x}\n'))).toEqual([]);
  });

  it('an invalid default deny is reported and does not count as one', () => {
    const fs = run(ray('ml'), np('deny', 'ml', '  podSelector: {}\n  policyTypes: [Ingress, Sideways]\n'));
    expect(fs.map((x) => x.ruleId).sort()).toEqual([
      'k8s/netpol-ai-egress-unrestricted',
      'k8s/netpol-ai-workload-exposed',
      'k8s/netpol-invalid-policy',
      'k8s/netpol-no-default-deny-egress',
      'k8s/netpol-no-default-deny-ingress',
    ]);
    expect(fs.find((x) => x.ruleId === 'k8s/netpol-invalid-policy')?.fieldPath).toBe('spec.policyTypes[1]');
  });

  it('a rule restricted to other ports does not expose the AI port', () => {
    const fs = run(ray('ml'), np('p', 'ml', '  podSelector: {}\n  policyTypes: [Ingress]\n  ingress:\n    - ports:\n        - {port: 8080}\n        - {port: 10000, endPort: 10000}\n'));
    expect(fs.filter((x) => x.ruleId === 'k8s/netpol-ai-workload-exposed')).toEqual([]);
    const named = run(ray('ml'), np('p', 'ml', '  podSelector: {}\n  policyTypes: [Ingress]\n  ingress:\n    - ports:\n        - {port: dashboard}\n'));
    expect(named.find((x) => x.ruleId === 'k8s/netpol-ai-workload-exposed')?.message).toContain('Ray dashboard');
  });
});
