import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeNetworkPolicies as reportNetworkPolicies } from './analyze.js';
import { compileLabelSelector } from './label-selector.js';
import { load, objectOf } from './test-helpers.js';
import type { WorkloadVerdict } from './verdicts.js';
import { analyzeCoverage, networkPolicyVerdicts, portsInclude } from './verdicts.js';
import { findingsOf } from './test-helpers.js';

const analyzeNetworkPolicies = findingsOf(reportNetworkPolicies);

function pod(name: string, ns: string, labels: Record<string, string>, extra = ''): string {
  const l = Object.entries(labels)
    .map(([k, v]) => `    ${k}: "${v}"\n`)
    .join('');
  return `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n  labels:\n${l || '    none: ""\n'}spec:\n${extra}  containers:\n    - name: c\n      image: busybox\n`;
}

function np(name: string, ns: string, spec: string): string {
  return `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n${spec}`;
}

function verdicts(...docs: string[]): Map<string, WorkloadVerdict> {
  const out = new Map<string, WorkloadVerdict>();
  for (const w of networkPolicyVerdicts(load(docs.join('---\n')))) out.set(w.object.name, w);
  return out;
}

function v(m: Map<string, WorkloadVerdict>, name: string): [string, string] {
  const w = m.get(name);
  if (!w) throw new Error(`no workload ${name}`);
  return [w.ingress.verdict, w.egress.verdict];
}

describe('NetworkPolicy verdicts', () => {
  it('no policy: not isolated in both directions', () => {
    expect(v(verdicts(pod('a', 'ml', { app: 'a' })), 'a')).toEqual(['not-isolated', 'not-isolated']);
  });

  it('namespace default deny without rules isolates both directions (the Polaris case)', () => {
    const m = verdicts(pod('a', 'ml', { app: 'a' }), np('deny', 'ml', '  podSelector: {}\n  policyTypes: [Ingress, Egress]\n'));
    expect(v(m, 'a')).toEqual(['isolated-default-deny', 'isolated-default-deny']);
    expect(m.get('a')?.ingress.policies.map((p) => p.name)).toEqual(['deny']);
  });

  it('policyTypes default: Ingress only, Egress only with at least one egress rule', () => {
    expect(v(verdicts(pod('a', 'ml', {}), np('p', 'ml', '  podSelector: {}\n')), 'a')).toEqual(['isolated-default-deny', 'not-isolated']);
    expect(v(verdicts(pod('a', 'ml', {}), np('p', 'ml', '  podSelector: {}\n  egress: []\n')), 'a')).toEqual(['isolated-default-deny', 'not-isolated']);
    expect(v(verdicts(pod('a', 'ml', {}), np('p', 'ml', '  podSelector: {}\n  egress:\n    - to:\n        - podSelector: {}\n')), 'a')).toEqual([
      'isolated-default-deny',
      'isolated-with-allow-rules',
    ]);
  });

  it('explicit policyTypes ignore rules of unlisted directions', () => {
    const m = verdicts(pod('a', 'ml', {}), np('p', 'ml', '  podSelector: {}\n  policyTypes: [Egress]\n  ingress:\n    - {}\n'));
    expect(v(m, 'a')).toEqual(['not-isolated', 'isolated-default-deny']);
  });

  it('direction matters: an allow-all egress rule does not re-open ingress', () => {
    const m = verdicts(pod('a', 'ml', {}), np('p', 'ml', '  podSelector: {}\n  policyTypes: [Ingress, Egress]\n  egress:\n    - {}\n'));
    expect(v(m, 'a')).toEqual(['isolated-default-deny', 'reopened-by-allow-all']);
  });

  it('policies are additive: a specific allow-all re-opens a pod under a namespace default deny', () => {
    const m = verdicts(
      pod('a', 'ml', { app: 'a' }),
      pod('b', 'ml', { app: 'b' }),
      np('deny', 'ml', '  podSelector: {}\n  policyTypes: [Ingress]\n'),
      np('open-a', 'ml', '  podSelector:\n    matchLabels: {app: a}\n  ingress:\n    - {}\n'),
    );
    expect(m.get('a')?.ingress.verdict).toBe('reopened-by-allow-all');
    expect(m.get('a')?.ingress.allowAll.map((r) => r.policy.name)).toEqual(['open-a']);
    expect(m.get('b')?.ingress.verdict).toBe('isolated-default-deny');
  });

  it('a rule with ports only is not allow-all, but opens those ports to any source', () => {
    const m = verdicts(pod('a', 'ml', {}), np('p', 'ml', '  podSelector: {}\n  ingress:\n    - ports:\n        - port: 8080\n'));
    const w = m.get('a');
    expect(w?.ingress.verdict).toBe('isolated-with-allow-rules');
    expect(w?.ingress.anyPeerPorts).toEqual([{ protocol: 'TCP', port: 8080 }]);
  });

  it('namespaceSelector {} is every pod of the cluster, but not any address', () => {
    const m = verdicts(pod('a', 'ml', {}), np('p', 'ml', '  podSelector: {}\n  ingress:\n    - from:\n        - namespaceSelector: {}\n'));
    const w = m.get('a');
    expect(w?.ingress.verdict).toBe('isolated-with-allow-rules');
    expect(w?.ingress.rules[0]?.rule.allPods).toBe(true);
    expect(w?.ingress.rules[0]?.rule.anyPeer).toBe(false);
  });

  it('ipBlock 0.0.0.0/0 or ::/0 without ports re-opens; with except it does not', () => {
    const world = verdicts(pod('a', 'ml', {}), np('p', 'ml', '  podSelector: {}\n  ingress:\n    - from:\n        - ipBlock: {cidr: "::/0"}\n'));
    expect(world.get('a')?.ingress.verdict).toBe('reopened-by-allow-all');
    const holed = verdicts(pod('a', 'ml', {}), np('p', 'ml', '  podSelector: {}\n  ingress:\n    - from:\n        - ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}\n'));
    expect(holed.get('a')?.ingress.verdict).toBe('isolated-with-allow-rules');
  });

  it('policies select pods of their own namespace only', () => {
    const m = verdicts(pod('a', 'ml', { app: 'a' }), np('deny', 'other', '  podSelector: {}\n  policyTypes: [Ingress, Egress]\n'));
    expect(v(m, 'a')).toEqual(['not-isolated', 'not-isolated']);
  });

  it('unset namespace is default for both pods and policies', () => {
    const m = verdicts(
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  containers: [{name: c, image: x}]\n',
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: d\nspec:\n  podSelector: {}\n',
    );
    expect(m.get('a')?.ingress.verdict).toBe('isolated-default-deny');
  });

  it('matchExpressions In / NotIn / Exists / DoesNotExist select exactly', () => {
    const pods = [pod('head', 'ml', { app: 'ray', role: 'head' }), pod('worker', 'ml', { app: 'ray', role: 'worker' }), pod('web', 'ml', { app: 'web' })];
    const sel = (expr: string) => verdicts(...pods, np('p', 'ml', `  podSelector:\n    matchExpressions:\n      - ${expr}\n  policyTypes: [Ingress]\n`));
    const isolated = (m: Map<string, WorkloadVerdict>) => [...m.values()].filter((w) => w.ingress.verdict !== 'not-isolated').map((w) => w.object.name).sort();
    expect(isolated(sel('{key: role, operator: In, values: [head]}'))).toEqual(['head']);
    expect(isolated(sel('{key: role, operator: NotIn, values: [head]}'))).toEqual(['web', 'worker']);
    expect(isolated(sel('{key: role, operator: Exists}'))).toEqual(['head', 'worker']);
    expect(isolated(sel('{key: role, operator: DoesNotExist}'))).toEqual(['web']);
  });

  it('invalid policies (rejected by the API) do not isolate', () => {
    const m = verdicts(pod('a', 'ml', {}), np('bad', 'ml', '  podSelector: {}\n  policyTypes: [Ingress]\n  ingress:\n    - from:\n        - {}\n'));
    expect(m.get('a')?.ingress.verdict).toBe('not-isolated');
  });

  it('hostNetwork pods are reported not isolated, with the policies that would select them', () => {
    const m = verdicts(pod('h', 'ml', {}, '  hostNetwork: true\n'), np('deny', 'ml', '  podSelector: {}\n  policyTypes: [Ingress]\n'));
    const w = m.get('h');
    expect(w?.hostNetwork).toBe(true);
    expect(w?.ingress.verdict).toBe('not-isolated');
    expect(w?.ingress.policies.map((p) => p.name)).toEqual(['deny']);
  });

  it('every pod template of a workload gets a verdict (CronJob, RayCluster head and workers)', () => {
    const ray = `apiVersion: ray.io/v1\nkind: RayCluster\nmetadata:\n  name: rc\n  namespace: ml\nspec:\n  headGroupSpec:\n    template:\n      metadata:\n        labels: {ray.io/node-type: head}\n      spec:\n        containers: [{name: head, image: rayproject/ray}]\n  workerGroupSpecs:\n    - template:\n        metadata:\n          labels: {ray.io/node-type: worker}\n        spec:\n          containers: [{name: w, image: rayproject/ray}]\n`;
    const ws = networkPolicyVerdicts(load([ray, np('heads', 'ml', '  podSelector:\n    matchLabels: {ray.io/node-type: head}\n')].join('---\n')));
    expect(ws.map((w) => [w.template.role, w.ingress.verdict])).toEqual([
      ['head', 'isolated-default-deny'],
      ['worker[0]', 'not-isolated'],
    ]);
  });

  it('namespace labels come from Namespace objects plus kubernetes.io/metadata.name', () => {
    const a = analyzeCoverage(load(['apiVersion: v1\nkind: Namespace\nmetadata:\n  name: gw\n  labels: {team: edge}\n', pod('a', 'ml', {})].join('---\n')));
    expect(a.namespacesMatching(compileLabelSelector({ matchLabels: { team: 'edge' } }))).toEqual({ matched: ['gw'], uncertain: ['ml'] });
    expect(a.namespacesMatching(compileLabelSelector({ matchLabels: { 'kubernetes.io/metadata.name': 'ml' } }))).toEqual({ matched: ['ml'], uncertain: [] });
    expect(a.namespacesMatching(compileLabelSelector({}))).toEqual({ matched: ['gw', 'ml'], uncertain: [] });
  });

  it('namespace default-deny status: present, missing, reopened', () => {
    const a = analyzeCoverage(
      load(
        [
          pod('a', 'one', {}),
          np('d', 'one', '  podSelector: {}\n  policyTypes: [Ingress, Egress]\n  egress:\n    - {}\n'),
          pod('b', 'two', {}),
        ].join('---\n'),
      ),
    );
    expect(a.namespaces.get('one')?.defaultDeny.ingress.status).toBe('present');
    expect(a.namespaces.get('one')?.defaultDeny.egress.status).toBe('reopened');
    expect(a.namespaces.get('two')?.defaultDeny.ingress.status).toBe('missing');
  });

  it('portsInclude resolves named ports and ranges', () => {
    const named = new Map([['http', 8888]]);
    expect(portsInclude([{ protocol: 'TCP', port: 'http' }], 8888, 'TCP', named)).toBe(true);
    expect(portsInclude([{ protocol: 'UDP', port: 'http' }], 8888, 'TCP', named)).toBe(false);
    expect(portsInclude([{ protocol: 'TCP', port: 8000, endPort: 9000 }], 8265, 'TCP', named)).toBe(true);
    expect(portsInclude([{ protocol: 'TCP' }], 1, 'TCP', named)).toBe(true);
    expect(portsInclude([], 1, 'TCP', named)).toBe(false);
  });
});

// ---- property tests -------------------------------------------------------------------------------

const labelKey = fc.constantFrom('app', 'role', 'team');
const labelVal = fc.constantFrom('a', 'b', '');
const selector = fc.oneof(
  fc.constant({}),
  fc.anything(),
  fc.record({ matchLabels: fc.dictionary(labelKey, labelVal) }),
  fc.record({
    matchExpressions: fc.array(fc.record({ key: labelKey, operator: fc.constantFrom('In', 'NotIn', 'Exists', 'DoesNotExist', 'Bogus'), values: fc.array(labelVal, { maxLength: 2 }) }), {
      maxLength: 2,
    }),
  }),
);
const peer = fc.oneof(
  fc.record({ podSelector: selector, namespaceSelector: selector }, { requiredKeys: [] }),
  fc.record({ ipBlock: fc.record({ cidr: fc.oneof(fc.constantFrom('0.0.0.0/0', '::/0', '10.0.0.0/8', 'bad'), fc.anything()), except: fc.anything() }, { requiredKeys: [] }) }),
  fc.anything(),
);
const rule = fc.oneof(fc.record({ from: fc.array(peer, { maxLength: 3 }), to: fc.array(peer, { maxLength: 3 }), ports: fc.anything() }, { requiredKeys: [] }), fc.anything());
const policyValue = fc.record({
  apiVersion: fc.constant('networking.k8s.io/v1'),
  kind: fc.constant('NetworkPolicy'),
  metadata: fc.record({ name: fc.constantFrom('p1', 'p2'), namespace: fc.constantFrom('a', 'b') }, { requiredKeys: [] }),
  spec: fc.oneof(
    fc.record(
      {
        podSelector: selector,
        policyTypes: fc.oneof(fc.array(fc.constantFrom('Ingress', 'Egress', 'Other'), { maxLength: 3 }), fc.anything()),
        ingress: fc.oneof(fc.array(rule, { maxLength: 3 }), fc.anything()),
        egress: fc.oneof(fc.array(rule, { maxLength: 3 }), fc.anything()),
      },
      { requiredKeys: [] },
    ),
    fc.anything(),
  ),
});
const podValue = fc.record({
  apiVersion: fc.constant('v1'),
  kind: fc.constant('Pod'),
  metadata: fc.record({ name: fc.constantFrom('x', 'y'), namespace: fc.constantFrom('a', 'b'), labels: fc.oneof(fc.dictionary(labelKey, labelVal), fc.anything()) }, { requiredKeys: [] }),
  spec: fc.oneof(fc.record({ hostNetwork: fc.anything(), containers: fc.anything() }, { requiredKeys: [] }), fc.anything()),
});
const nsValue = fc.record({ apiVersion: fc.constant('v1'), kind: fc.constant('Namespace'), metadata: fc.record({ name: fc.constantFrom('a', 'b'), labels: fc.anything() }, { requiredKeys: [] }) });
const objects = fc.array(fc.oneof(policyValue, podValue, nsValue, fc.anything()), { maxLength: 8 }).map((vs) => vs.map((x) => objectOf(x)));

describe('NetworkPolicy properties', () => {
  it('verdicts and findings never throw on arbitrary JSON-shaped objects', () => {
    fc.assert(
      fc.property(objects, (objs) => {
        networkPolicyVerdicts(objs);
        analyzeNetworkPolicies(objs);
      }),
      { numRuns: 500 },
    );
  });

  it('verdict invariants hold', () => {
    fc.assert(
      fc.property(objects, (objs) => {
        for (const w of networkPolicyVerdicts(objs)) {
          for (const d of [w.ingress, w.egress]) {
            // Isolation is decided by the selecting policies alone.
            expect(d.verdict === 'not-isolated').toBe(d.policies.length === 0 || w.hostNetwork);
            expect(d.verdict === 'reopened-by-allow-all').toBe(d.allowAll.length > 0 && !w.hostNetwork);
            if (d.verdict === 'isolated-default-deny') expect(d.rules).toEqual([]);
            for (const p of d.policies) {
              expect(p.namespace).toBe(w.namespace);
              expect(p.types[d.direction]).toBe(true);
              expect(p.problems).toEqual([]);
            }
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
