/**
 * Property tests: arbitrary text never throws out of loadManifests or analyzeManifests, always
 * terminates, and stays within the limits (object count, findings well-formed, positions in range).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { resolveLimits } from '../limits/index.js';
import { analyze, fileOrigin, loadText } from './test-helpers.js';

const LIMITS = resolveLimits({ maxYamlDocuments: 50, maxYamlAliases: 200, maxStructureDepth: 32, maxTextBytes: 64 * 1024 });

function checkInvariants(text: string): void {
  const r = loadText(text, 'fuzz.yaml', LIMITS);
  expect(r.objects.length).toBeLessThanOrEqual(LIMITS.maxYamlDocuments * Math.max(1, text.length));
  const lineCount = text.split(/\r\n|\r|\n/).length;
  for (const o of r.objects) {
    expect(typeof o.kind).toBe('string');
    expect(typeof o.apiVersion).toBe('string');
    for (const p of fileOrigin(o).positions.values()) {
      expect(p.line).toBeGreaterThanOrEqual(1);
      expect(p.line).toBeLessThanOrEqual(lineCount + 1);
      expect(p.column).toBeGreaterThanOrEqual(1);
    }
  }
  for (const f of r.findings) {
    expect(f.ruleId).toMatch(/^(scan|k8s)\//);
    expect(f.message.length).toBeGreaterThan(0);
  }
  const analysed = analyze(r.objects);
  for (const f of analysed) expect(f.location.path).toBe('fuzz.yaml');
}

/** YAML-ish text built from manifest fragments, so the fuzzer reaches deep into the loader. */
const fragment = fc.constantFrom(
  'apiVersion: v1\n',
  'kind: Pod\n',
  'kind: List\n',
  'kind: Deployment\napiVersion: apps/v1\n',
  'metadata: {name: x}\n',
  'spec:\n',
  '  containers:\n',
  '  - name: c\n',
  '    image: busybox\n',
  '    securityContext: {privileged: yes}\n',
  '  volumes: [{name: v}]\n',
  '  template: &t\n',
  '    spec: *t\n',
  '<<: *t\n',
  'items:\n- kind: Pod\n',
  '---\n',
  '{"a": [1, 2, {"b": null}]}\n',
  '? [a]\n: b\n',
  'x: !!str 5\n',
  '  hostNetwork: true\n  hostNetwork: false\n',
  '"unterminated\n',
  '[[[[[[[[\n',
  '\t\n',
  '\uFEFF',
  '# comment\n',
);

describe('loadManifests on arbitrary input', () => {
  it('never throws on arbitrary unicode text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (s) => checkInvariants(s)), { numRuns: 300 });
  });

  it('never throws on random concatenations of manifest fragments', () => {
    fc.assert(fc.property(fc.array(fragment, { maxLength: 40 }), (parts) => checkInvariants(parts.join(''))), { numRuns: 400 });
  });

  it('never throws on arbitrary JSON values wrapped in workload objects', () => {
    const kinds = fc.constantFrom(['v1', 'Pod'], ['apps/v1', 'Deployment'], ['batch/v1', 'CronJob'], ['v1', 'Service'], ['networking.k8s.io/v1', 'Ingress'], ['ray.io/v1', 'RayCluster'], ['rbac.authorization.k8s.io/v1', 'RoleBinding']);
    fc.assert(
      fc.property(kinds, fc.jsonValue({ maxDepth: 6 }), fc.jsonValue({ maxDepth: 4 }), ([apiVersion, kind], spec, meta) => {
        checkInvariants(stringify({ apiVersion, kind, metadata: meta, spec }));
        checkInvariants(JSON.stringify({ apiVersion, kind, metadata: { name: 'x', annotations: meta }, spec: { template: { spec } } }));
      }),
      { numRuns: 300 },
    );
  });

  it('terminates quickly on alias-heavy documents', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }), (width, depth) => {
        const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: c}', 'a0: &a0 [x]'];
        for (let i = 1; i <= depth; i++) lines.push(`a${i}: &a${i} [${Array(width).fill(`*a${i - 1}`).join(', ')}]`);
        const t = performance.now();
        checkInvariants(lines.join('\n'));
        expect(performance.now() - t).toBeLessThan(2000);
      }),
      { numRuns: 40 },
    );
  });
});
