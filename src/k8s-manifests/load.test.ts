import { describe, expect, it } from 'vitest';
import type { Limits } from '../limits/index.js';
import { DEFAULT_LIMITS, resolveLimits } from '../limits/index.js';
import { looksLikeManifest } from './load.js';
import type { ManifestObject } from './model.js';
import { positionOf } from './model.js';
import { fileOrigin, loadText } from './test-helpers.js';
import { resolvePlainScalar } from './yaml-resolve.js';

const load = (text: string, limits: Limits = DEFAULT_LIMITS, path = 'm.yaml') => loadText(text, path, limits);
const spec = (o: ManifestObject | undefined): Record<string, unknown> => (o?.value['spec'] ?? {}) as Record<string, unknown>;

describe('plain scalars resolve as yaml.v2 (sigs.k8s.io/yaml) reads them', () => {
  it.each([
    ['yes', true],
    ['Yes', true],
    ['YES', true],
    ['y', true],
    ['on', true],
    ['ON', true],
    ['True', true],
    ['no', false],
    ['n', false],
    ['Off', false],
    ['FALSE', false],
    ['yEs', 'yEs'],
    ['tRue', 'tRue'],
    ['', null],
    ['~', null],
    ['null', null],
    ['NULL', null],
    ['0', 0],
    ['-0b101', -5],
    ['0x1F', 31],
    ['0o17', 15],
    ['0755', 493],
    ['08', 8],
    ['1_000', 1000],
    ['+12', 12],
    ['1e3', 1000],
    ['3.25', 3.25],
    ['.5', 0.5],
    ['.inf', Infinity],
    ['-.Inf', -Infinity],
    ['1:20', '1:20'],
    ['2001-12-14', '2001-12-14'],
    ['0x', '0x'],
    ['12abc', '12abc'],
    ['Infinity', 'Infinity'],
  ] as const)('%j → %j', (src, want) => {
    expect(resolvePlainScalar(src)).toEqual(want);
  });

  it('quoted and block scalars stay strings; explicit tags are honoured', () => {
    const r = load('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  a: "yes"\n  b: \'0x10\'\n  c: !!str 5\n  d: !!int "7"\n  e: |\n    on\n');
    expect(r.objects[0]?.value['data']).toEqual({ a: 'yes', b: '0x10', c: '5', d: 7, e: 'on\n' });
  });

  it('`privileged: yes` is true, as Kubernetes reads it', () => {
    const r = load('apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    securityContext: {privileged: yes}\n');
    expect((spec(r.objects[0])['containers'] as { securityContext: unknown }[])[0]?.securityContext).toEqual({ privileged: true });
  });
});

describe('multi-document streams', () => {
  const HELM = [
    '---',
    '# Source: llm/templates/serviceaccount.yaml',
    'apiVersion: v1',
    'kind: ServiceAccount',
    'metadata:',
    '  name: llm',
    '---',
    '# Source: llm/templates/deployment.yaml',
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: llm',
    '  namespace: ml',
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    '      - name: server',
    '        image: vllm/vllm-openai',
    '---',
    '',
  ].join('\n');

  it('loads helm template output with positions of every field', () => {
    const r = load(HELM, DEFAULT_LIMITS, '-');
    expect(r.findings).toEqual([]);
    expect(r.objects.map((o) => [o.kind, o.name, o.namespace, fileOrigin(o).docIndex, o.path])).toEqual([
      ['ServiceAccount', 'llm', undefined, 0, '-'],
      ['Deployment', 'llm', 'ml', 1, '-'],
    ]);
    const d = r.objects[1] as ManifestObject;
    expect(fileOrigin(d).positions.get('')).toEqual({ line: 9, column: 1 });
    expect(fileOrigin(d).positions.get('spec.template.spec.containers[0]')).toEqual({ line: 18, column: 9 });
    expect(fileOrigin(d).positions.get('spec.template.spec.containers[0].image')).toEqual({ line: 19, column: 9 });
    // a missing field is located at its nearest existing ancestor
    expect(positionOf(d, ['spec', 'template', 'spec', 'containers', 0, 'securityContext', 'runAsNonRoot'])).toEqual({ line: 18, column: 9 });
  });

  it('reports a broken document where it breaks and still analyses the others', () => {
    const r = load('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n');
    expect(r.objects.map((o) => o.name)).toEqual(['a', 'c']);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]?.ruleId).toBe('scan/malformed-input');
    expect(r.findings[0]?.message).toContain('document 2');
    expect(r.findings[0]?.location).toMatchObject({ kind: 'file', path: 'm.yaml' });
  });

  it('hints at Go templates when a broken manifest contains {{ }}', () => {
    const r = load('apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Name }}\n  labels: {{- .Labels | nindent 4 }}\n');
    expect(r.findings.map((f) => f.ruleId)).toContain('scan/malformed-input');
    expect(r.findings.some((f) => f.message.includes('helm template'))).toBe(true);
  });

  it('a raw Helm template is not a manifest: no finding, no object', () => {
    const r = load('apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\n  labels: {{- include "x" . | nindent 4 }}\n');
    expect(r.kind).toBe('helm-template');
    expect(r.findings).toEqual([]);
  });

  it('reports documents of a manifest that are not objects, and skips empty ones', () => {
    const r = load('---\n# only a comment\n---\njust a string\n---\nfoo: bar\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n');
    expect(r.objects.map((o) => o.kind)).toEqual(['ConfigMap']);
    expect(r.findings.map((f) => f.message)).toEqual([expect.stringContaining('document 2 is not a mapping')]);
  });
});

describe('JSON and List kinds', () => {
  const JSON_LIST = JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'ml' }, spec: { hostNetwork: true } },
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'b' }, spec: {} },
      ],
    },
    null,
    2,
  );

  it('loads kubectl get -o json output; items get basePath and item-relative positions', () => {
    const r = load(JSON_LIST, DEFAULT_LIMITS, 'list.json');
    expect(r.findings).toEqual([]);
    expect(r.objects.map((o) => [o.kind, o.name, fileOrigin(o).basePath])).toEqual([
      ['Pod', 'a', ['items', 0]],
      ['Deployment', 'b', ['items', 1]],
    ]);
    const pod = r.objects[0] as ManifestObject;
    expect(spec(pod)['hostNetwork']).toBe(true);
    // the position of a JSON key is its opening quote
    const jsonLines = JSON_LIST.split('\n');
    const line = jsonLines.findIndex((l) => l.includes('"hostNetwork"'));
    expect(fileOrigin(pod).positions.get('spec.hostNetwork')).toEqual({ line: line + 1, column: (jsonLines[line] ?? '').indexOf('"hostNetwork"') + 1 });
  });

  it('JSON numbers keep JSON semantics (1e3 is a number, "yes" a string)', () => {
    const r = load('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"yes"},"x":1e3}');
    expect(r.objects[0]?.value['x']).toBe(1000);
    expect(r.objects[0]?.value['data']).toEqual({ a: 'yes' });
  });

  it('places a duplicate key inside a List item on that item', () => {
    const r = load('apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: a}}\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: b}\n  spec: {hostPID: false, hostPID: true}\n');
    expect(r.findings).toEqual([expect.objectContaining({ ruleId: 'k8s/duplicate-key', location: expect.objectContaining({ name: 'b', fieldPath: 'spec.hostPID', line: 8, column: 26 }) })]);
  });

  it('typed lists (PodList) fill in the items\u2019 kind and apiVersion', () => {
    const r = load('apiVersion: v1\nkind: PodList\nitems:\n- metadata: {name: x}\n  spec: {}\n');
    expect(r.objects.map((o) => [o.apiVersion, o.kind, o.name])).toEqual([['v1', 'Pod', 'x']]);
  });
});

describe('duplicate keys and merge keys', () => {
  it('reports a duplicate key where it repeats, and keeps the last value (as kubectl does)', () => {
    const r = load('apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: false\n  hostPID: true\n');
    expect(spec(r.objects[0])['hostPID']).toBe(true);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ ruleId: 'k8s/duplicate-key', location: { kind: 'k8s-object', line: 6, column: 3, fieldPath: 'spec.hostPID', objectKind: 'Pod', name: 'p' } });
  });

  it('applies << merge keys in yaml.v2 order and reports when a merge overrides an explicit key', () => {
    const text = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: c}',
      'base: &base {a: 1, b: 2}',
      'before:',
      '  <<: *base',
      '  a: 10', // explicit after the merge wins everywhere
      'after:',
      '  a: 10',
      '  <<: *base', // yaml.v2 lets the merge overwrite; the YAML spec keeps a: 10
      'multi:',
      '  <<: [{x: 1}, {x: 2, w: 3}]', // earlier sources take precedence
      '',
    ].join('\n');
    const r = load(text);
    const v = r.objects[0]?.value ?? {};
    expect(v['before']).toEqual({ a: 10, b: 2 });
    expect(v['after']).toEqual({ a: 1, b: 2 });
    expect(v['multi']).toEqual({ x: 1, w: 3 });
    expect(r.findings.map((f) => [f.ruleId, f.location.kind === 'k8s-object' ? f.location.fieldPath : ''])).toEqual([['k8s/duplicate-key', 'after.a']]);
  });

  it('keys resolve like values: `y:` and `on:` become "true" (yaml.v2)', () => {
    const r = load('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {y: 1, on: 2, 5: 3}\n');
    expect(r.objects[0]?.value['data']).toEqual({ true: 2, 5: 3 });
    expect(r.findings.map((f) => f.ruleId)).toEqual(['k8s/duplicate-key']);
  });

  it('reports a duplicate inside an anchored mapping once, however often it is aliased', () => {
    const r = load('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nx: &x {k: 1, k: 2}\ny: *x\nz: *x\n');
    expect(r.findings.filter((f) => f.ruleId === 'k8s/duplicate-key')).toHaveLength(1);
  });

  it('a mapping used as a key makes the document malformed', () => {
    const r = load('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n? {a: 1}\n: x\n');
    expect(r.objects).toEqual([]);
    expect(r.findings[0]?.ruleId).toBe('scan/malformed-input');
  });
});

describe('limits', () => {
  it('stops an alias bomb at maxYamlAliases', () => {
    const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: c}', 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    const r = load(lines.join('\n'));
    expect(r.objects).toEqual([]);
    expect(r.findings[0]).toMatchObject({ ruleId: 'scan/limit-exceeded', evidence: 'maxYamlAliases' });
  });

  it('stops deep nesting at maxStructureDepth', () => {
    const deep = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: ${'['.repeat(40)}${']'.repeat(40)}\n`;
    const r = load(deep, resolveLimits({ maxStructureDepth: 16 }));
    expect(r.findings[0]).toMatchObject({ ruleId: 'scan/limit-exceeded', evidence: 'maxStructureDepth' });
    const ok = load(deep, resolveLimits({ maxStructureDepth: 64 }));
    expect(ok.findings).toEqual([]);
  });

  it('reports nesting the YAML parser itself cannot handle', () => {
    const r = load(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: ${'['.repeat(20000)}`);
    expect(r.findings.length).toBeGreaterThan(0);
    expect(r.findings.every((f) => f.ruleId.startsWith('scan/'))).toBe(true);
  });

  it('stops at maxYamlDocuments and says so', () => {
    const doc = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n';
    const r = load(Array(5).fill(doc).join('---\n'), resolveLimits({ maxYamlDocuments: 3 }));
    expect(r.objects).toHaveLength(3);
    expect(r.findings).toEqual([expect.objectContaining({ ruleId: 'scan/limit-exceeded', evidence: 'maxYamlDocuments' })]);
  });

  it('refuses text over maxTextBytes (counted in UTF-8 bytes)', () => {
    const r = load(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: "${'é'.repeat(40)}"}\n`, resolveLimits({ maxTextBytes: 80 }));
    expect(r.objects).toEqual([]);
    expect(r.findings[0]).toMatchObject({ ruleId: 'scan/limit-exceeded', evidence: 'maxTextBytes' });
  });
});

describe('objects', () => {
  it('applies the emptyDir default to volumes without a source', () => {
    const r = load('apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: j}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          volumes:\n          - name: scratch\n          - name: typo\n            hostpath: {path: /}\n          - name: pvc\n            persistentVolumeClaim: {claimName: x}\n');
    const vols = (r.objects[0]?.value as { spec: { jobTemplate: { spec: { template: { spec: { volumes: unknown[] } } } } } }).spec.jobTemplate.spec.template.spec.volumes;
    expect(vols).toEqual([
      { name: 'scratch', emptyDir: {} },
      { name: 'typo', hostpath: { path: '/' }, emptyDir: {} },
      { name: 'pvc', persistentVolumeClaim: { claimName: 'x' } },
    ]);
  });

  it('names objects by generateName when name is missing, and skips a BOM', () => {
    const r = load('\uFEFFapiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: train-\n');
    expect(r.objects[0]?.name).toBe('train-*');
    expect(fileOrigin(r.objects[0]).positions.get('kind')).toEqual({ line: 2, column: 1 });
  });

  it('keeps a __proto__ key as data', () => {
    const r = load('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  __proto__: {polluted: true}\n');
    const data = r.objects[0]?.value['data'] as Record<string, unknown>;
    expect(Object.prototype.hasOwnProperty.call(data, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('looksLikeManifest', () => {
  it.each([
    ['apiVersion: v1\nkind: Pod\n', true],
    ['# Source: x\n---\nkind: Service\napiVersion: v1\n', true],
    ['{"apiVersion": "v1", "kind": "List"}', true],
    ['name: my-chart\napiVersion: v2\nversion: 1.0.0\n', false],
    ['services:\n  web:\n    image: nginx\n', false],
    ['a plain text file mentioning kind and apiVersion', false],
  ])('%j → %s', (text, want) => {
    expect(looksLikeManifest(text)).toBe(want);
  });
});
