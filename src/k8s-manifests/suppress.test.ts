import { describe, expect, it } from 'vitest';
import type { Finding } from '../findings/index.js';
import { parseSuppressAnnotation } from './suppress.js';
import { analyzeText } from './test-helpers.js';

const run = (text: string): Finding[] => analyzeText(text, {}, 'd.yaml');

const deployment = (name: string, ns: string, objectAnnotations: string[], podAnnotations: string[] = []): string =>
  [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${ns}`,
    ...(objectAnnotations.length > 0 ? ['  annotations:', ...objectAnnotations.map((a) => `    ${a}`)] : []),
    'spec:',
    '  template:',
    '    metadata:',
    `      labels: {app: ${name}}`,
    ...(podAnnotations.length > 0 ? ['      annotations:', ...podAnnotations.map((a) => `        ${a}`)] : []),
    '    spec:',
    '      containers:',
    '      - name: server',
    '        image: vllm/vllm-openai',
    '',
  ].join('\n');

describe('bulwark.dev/suppress', () => {
  it('marks the named rules\u2019 findings on the object as suppressed, keeps them, and leaves the others', () => {
    const plain = run(deployment('llm', 'ml', []));
    const text = deployment('llm', 'ml', ['bulwark.dev/suppress: |', '  k8s/image-latest: the tag is pinned by our admission controller', '  k8s/pss-*: legacy image, migration tracked in JIRA-42']);
    const found = run(text);
    expect(found.filter((f) => f.ruleId !== 'k8s/invalid-suppression')).toHaveLength(plain.length);
    const latest = found.find((f) => f.ruleId === 'k8s/image-latest');
    expect(latest?.suppressed).toEqual({ reason: 'the tag is pinned by our admission controller', source: 'annotation bulwark.dev/suppress on Deployment ml/llm' });
    const pss = found.filter((f) => f.ruleId.startsWith('k8s/pss-'));
    expect(pss.length).toBeGreaterThan(0);
    expect(pss.every((f) => f.suppressed?.reason === 'legacy image, migration tracked in JIRA-42')).toBe(true);
    expect(found.find((f) => f.ruleId === 'k8s/missing-resource-limits')?.suppressed).toBeUndefined();
    expect(found.some((f) => f.ruleId === 'k8s/invalid-suppression')).toBe(false);
  });

  it('accepts the annotation on the pod template too', () => {
    const found = run(deployment('llm', 'ml', [], ['bulwark.dev/suppress: "k8s/default-service-account: shared identity accepted for this demo"']));
    expect(found.find((f) => f.ruleId === 'k8s/default-service-account')?.suppressed?.reason).toBe('shared identity accepted for this demo');
  });

  it('does not reach other objects, even with the same name in another namespace', () => {
    const text = [deployment('llm', 'ml', ['bulwark.dev/suppress: "k8s/image-latest: reviewed"']), '---', deployment('llm', 'staging', [])].join('\n');
    const latest = run(text).filter((f) => f.ruleId === 'k8s/image-latest');
    expect(latest.map((f) => [f.location.kind === 'k8s-object' ? f.location.namespace : '', f.suppressed !== undefined])).toEqual([
      ['ml', true],
      ['staging', false],
    ]);
  });

  it('reports malformed entries and applies none of them', () => {
    const found = run(deployment('llm', 'ml', ['bulwark.dev/suppress: |', '  k8s/image-latest', '  *: everything', '  k8s/image-latest:   ', '  k8s/no-such-rule: typo']));
    const invalid = found.filter((f) => f.ruleId === 'k8s/invalid-suppression');
    expect(invalid).toHaveLength(4);
    expect(invalid[0]?.location).toMatchObject({ line: 7, column: 5, fieldPath: 'metadata.annotations["bulwark.dev/suppress"]' });
    expect(found.filter((f) => f.suppressed !== undefined)).toEqual([]);
  });

  it('parses entries line by line', () => {
    const known = (id: string): boolean => ['k8s/a', 'k8s/b'].includes(id) || id === 'k8s/*';
    expect(parseSuppressAnnotation('k8s/a, k8s/b: reason: with colon\n# comment\n\n', known)).toEqual([{ ids: ['k8s/a', 'k8s/b'], reason: 'reason: with colon' }]);
    expect(parseSuppressAnnotation('k8s/c: x', known)).toEqual([{ error: '"k8s/c" is not a known Kubernetes rule id' }]);
  });
});
