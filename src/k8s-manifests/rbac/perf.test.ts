/**
 * Adversarial RBAC input: every ClusterRole aggregates every other (`clusterRoleSelectors: [{}]`),
 * so each rule is held through every aggregated role. Aggregation is resolved once per distinct
 * selector set (SCCs) and findings summarise holders, so this stays far from quadratic blow-ups.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../limits/index.js';
import { loadText } from '../test-helpers.js';
import { analyzeRbac as reportRbac } from './analyze.js';
import { findingsOf } from '../network-policy/test-helpers.js';

const analyzeRbac = findingsOf(reportRbac);

describe('RBAC performance', () => {
  it('1,000 aggregate-everything roles, 1,000 leaf roles and 1,000 bindings', () => {
    const docs: string[] = [];
    for (let i = 0; i < 1000; i++) {
      docs.push(`apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: agg-${i}\n  labels: {x: "1"}\naggregationRule:\n  clusterRoleSelectors:\n    - {}\n`);
      docs.push(`apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: leaf-${i}\n  labels: {x: "1"}\nrules:\n  - {apiGroups: [""], resources: [secrets], verbs: [get]}\n`);
      docs.push(`apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: b-${i}\nroleRef: {kind: ClusterRole, name: agg-${i}}\nsubjects: [{kind: User, name: u${i}}]\n`);
    }
    const objects = loadText(docs.join('---\n'), 'agg.yaml', DEFAULT_LIMITS).objects;
    const t = performance.now();
    const findings = analyzeRbac(objects);
    const ms = performance.now() - t;
    // Each leaf rule: one secrets-read finding naming 4 of its 1,000 holders and the count of the rest;
    // each binding: cluster-admin (aggregated through {}) as a wildcard finding.
    const secrets = findings.filter((f) => f.ruleId === 'k8s/rbac-secrets-read');
    expect(secrets).toHaveLength(1000);
    expect(secrets[0]?.message).toContain('and 996 more');
    expect(findings.filter((f) => f.ruleId === 'k8s/rbac-wildcard')).toHaveLength(1000);
    expect(ms).toBeLessThan(3000);
  });
});
