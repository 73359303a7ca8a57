/**
 * What is a manifest (issue 10, item 4) and the fail-closed limits of the loader (issue 19): text that
 * is not a manifest never gets a finding; a manifest that is broken, too large or too costly always
 * does; UTF-16/32 with a byte-order mark are decoded; JSON streams and audit logs are told apart.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, resolveLimits } from '../limits/index.js';
import { Reporter } from '../rules/index.js';
import { reportK8sFolders } from './folders.js';
import { MANIFEST_TEXT_FORMAT, loadManifestText, manifestHead, manifestHeadBytes } from './load.js';
import { clearlyManifestDocument, decodeManifestBytes, decodeManifestHead, splitJsonStream } from './manifest-text.js';
import { loadText } from './test-helpers.js';

const POD = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: x\n    securityContext: {privileged: true}\n';

describe('text that is not a manifest: no object, no finding', () => {
  it.each([
    ['Markdown with a YAML code block', `# Deploying\n\nApply this: it works.\n\n\`\`\`yaml\n${POD}\`\`\`\n\nThen check the pod.\n`],
    ['Markdown with a multi-document YAML code block (a middle document parses alone)', `# Example\n\n| | |\n|---|---|\n| Severity | high |\n\n\`\`\`yaml\n${POD}---\n${POD}---\n${POD}\`\`\`\n\nProse: after.\n`],
    ['Markdown with a tilde fence', `Intro\n~~~yaml\n${POD}---\n${POD}~~~\n`],
    ['Markdown whose prose has colons', `Note: apiVersion and kind are required.\nkind: of a note\n\`\`\`yaml\n${POD}\`\`\`\n`],
    ['TypeScript with a manifest in a string', `const manifest = \`\n${POD}\`;\nexport default { apiVersion: 'v1', kind: 'Pod' };\n`],
    ['Helm values', 'image:\n  repository: vllm/vllm-openai\n  tag: latest\nresources: {}\nextraManifests:\n- apiVersion: v1\n  kind: ConfigMap\n'],
    ['a GitHub Actions workflow', 'name: ci\non: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n    - run: kubectl apply -f k8s/\n      env: {kind: test, apiVersion: x}\n'],
    ['a compose file', "services:\n  web:\n    image: nginx\n    labels: {apiVersion: '1', kind: web}\n"],
    ['a Panther-style rule', 'AnalysisType: rule\nFilename: k8s.py\nkind: rule\nTests:\n  - Name: x\n    Log: {apiVersion: v1}\n'],
  ])('%s', (_name, text) => {
    const r = loadText(text);
    expect(r.kind).not.toBe('manifest');
    expect(r.objects).toEqual([]);
    expect(r.findings).toEqual([]);
  });

  it('a raw Helm template is a template (the chart folder is reported once, see folders.ts)', () => {
    const r = loadText('apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include "x.fullname" . }}\nspec:\n  replicas: {{ .Values.replicas }}\n');
    expect(r).toMatchObject({ kind: 'helm-template', objects: [], findings: [] });
  });

  it('a kustomization is not an object; it gets one info finding saying how to render it', () => {
    const r = loadText('apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [deploy.yaml]\n', 'overlays/prod/kustomization.yaml');
    expect(r.kind).toBe('kustomization');
    expect(r.findings.map((f) => [f.ruleId, f.severity])).toEqual([['k8s/kustomization-not-rendered', 'info']]);
  });

  it('audit logs (JSON lines of audit.k8s.io events) are not manifests', () => {
    const event = (i: number): string => JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: `a${i}`, verb: 'create', objectRef: { resource: 'pods', apiVersion: 'v1' } });
    const r = loadText(`${event(1)}\n${event(2)}\n${event(3)}\n`);
    expect(r).toMatchObject({ kind: 'audit-log', objects: [], findings: [] });
  });
});

describe('manifests', () => {
  it('a JSON stream (kubectl apply -f reads concatenated values) is one object per value, with positions', () => {
    const r = loadText('{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}\n{"apiVersion": "v1", "kind": "ConfigMap",\n "metadata": {"name": "b"}}\n');
    expect(r.kind).toBe('manifest');
    expect(r.objects.map((o) => o.name)).toEqual(['a', 'b']);
    expect(r.findings).toEqual([]);
    const b = r.objects[1];
    expect(b?.origin.kind === 'file' ? b.origin.positions.get('metadata') : undefined).toEqual({ line: 3, column: 2 });
  });

  it('a manifest that is clearly meant as one and fails to parse stays a high finding', () => {
    const r = loadText('apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n\tcontainers: []\n');
    expect(r.kind).toBe('manifest');
    expect(r.findings.map((f) => [f.ruleId, f.severity])).toEqual([['scan/malformed-input', 'high']]);
  });

  it('a broken JSON manifest stays a high finding', () => {
    const r = loadText('{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},,}\n');
    expect(r.findings.map((f) => f.ruleId)).toEqual(['scan/malformed-input']);
  });

  it('Argo multi-line double-quoted scalars in flow sequences load as Kubernetes reads them', () => {
    const r = loadText('apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {generateName: x-}\nspec:\n  templates:\n  - name: build\n    container:\n      image: golang:1.18\n      args: ["\n        cd /src &&\n        make\n      "]\n');
    expect(r.findings).toEqual([]);
    const spec = r.objects[0]?.value['spec'] as { templates: { container: { args: string[] } }[] };
    expect(spec.templates[0]?.container.args).toEqual([' cd /src && make ']);
  });
});

describe('decoding as kubectl does', () => {
  const bytes = (s: string, enc: 'utf16le' | 'utf16be' | 'utf32le' | 'utf32be'): Uint8Array => {
    const cps = [0xfeff, ...[...s].map((c) => c.codePointAt(0) as number)];
    const out: number[] = [];
    for (const cp of cps) {
      if (enc === 'utf16le') out.push(cp & 0xff, cp >> 8);
      else if (enc === 'utf16be') out.push(cp >> 8, cp & 0xff);
      else if (enc === 'utf32le') out.push(cp & 0xff, (cp >> 8) & 0xff, (cp >> 16) & 0xff, 0);
      else out.push(0, (cp >> 16) & 0xff, (cp >> 8) & 0xff, cp & 0xff);
    }
    return Uint8Array.from(out);
  };
  it.each(['utf16le', 'utf16be', 'utf32le', 'utf32be'] as const)('%s with a byte-order mark', (enc) => {
    const d = decodeManifestBytes(bytes(POD, enc));
    expect(d?.text).toBe(POD);
    expect(d?.encoding).toBe(enc.replace('utf', 'utf-'));
    const r = loadText(d?.text ?? '');
    expect(r.objects.map((o) => o.kind)).toEqual(['Pod']);
  });
  it('UTF-8 with and without a BOM; binary is not text', () => {
    expect(decodeManifestBytes(new TextEncoder().encode(`\uFEFF${POD}`))).toEqual({ text: POD, encoding: 'utf-8', bom: true });
    expect(decodeManifestBytes(new TextEncoder().encode(POD))?.bom).toBe(false);
    expect(decodeManifestBytes(Uint8Array.from([0x80, 0x00, 0x01]))).toBeUndefined();
    expect(decodeManifestBytes(Uint8Array.from([0xff, 0xfe, 0x00, 0xd8]))).toBeUndefined(); // a lone surrogate
  });
  it('the head of an oversized file: a sequence cut at the end of the probe is dropped', () => {
    const text = `${POD}# é 😀`;
    const utf8 = new TextEncoder().encode(text);
    for (let cut = 1; cut <= 4; cut++) {
      expect(decodeManifestHead(utf8.subarray(0, utf8.length - cut))?.text.startsWith(POD), `utf-8 -${cut}`).toBe(true);
      expect(manifestHeadBytes(utf8.subarray(0, utf8.length - cut))).toBe(true);
    }
    for (const enc of ['utf16le', 'utf16be', 'utf32le', 'utf32be'] as const) {
      const b = bytes(text, enc);
      for (let cut = 1; cut <= 3; cut++) expect(manifestHeadBytes(b.subarray(0, b.length - cut)), `${enc} -${cut}`).toBe(true);
    }
    expect(manifestHeadBytes(new TextEncoder().encode('# Readme\n\napiVersion and kind are fields.\n'))).toBe(false);
    expect(manifestHeadBytes(Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x00]))).toBe(false);
  });
});

describe('limits fail closed', () => {
  it('a manifest over maxTextBytes is a high "not analysed" finding (the head says it is a manifest)', () => {
    const text = `${POD}${'# padding\n'.repeat(50)}`;
    const r = loadText(text, 'big.yaml', resolveLimits({ maxTextBytes: 200 }));
    expect(r.kind).toBe('manifest');
    expect(r.findings.map((f) => [f.ruleId, f.severity, f.evidence])).toEqual([['scan/limit-exceeded', 'high', 'maxTextBytes']]);
    expect(manifestHead(text)).toBe(true);
    expect(manifestHead('# Readme\n\nSome prose.\n')).toBe(false);
  });

  it('maxYamlNodes stops reading while lexing, before any tree is built', () => {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: [${Array.from({ length: 5000 }, () => 'x').join(',')}]}\n`;
    const r = loadText(text, 'm.yaml', resolveLimits({ maxYamlNodes: 1000 }));
    expect(r.objects).toEqual([]);
    expect(r.findings.map((f) => [f.ruleId, f.evidence])).toEqual([['scan/limit-exceeded', 'maxYamlNodes']]);
  });

  it('an alias flood stops at maxYamlAliases while lexing', () => {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nx: &a v\ndata: [${Array.from({ length: 200 }, () => '*a').join(',')}]\n`;
    const r = loadText(text, 'm.yaml', resolveLimits({ maxYamlAliases: 50 }));
    expect(r.findings.map((f) => f.evidence)).toEqual(['maxYamlAliases']);
  });

  it('documents before the limit are analysed; the message says what was not', () => {
    const text = `${POD}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: [${Array.from({ length: 3000 }, () => 'x').join(',')}]}\n`;
    const r = loadText(text, 'm.yaml', resolveLimits({ maxYamlNodes: 500 }));
    expect(r.objects.map((o) => o.kind)).toEqual(['Pod']);
    expect(r.findings[0]?.message).toContain('document 2 and the rest of the file were not analysed');
  });

  it('many duplicate keys neither crash nor recurse', () => {
    const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: c}', 'data:'];
    for (let i = 0; i < 20_000; i++) lines.push('  k: v');
    const r = new Reporter();
    const res = loadManifestText(lines.join('\n'), 'd.yaml', DEFAULT_LIMITS, r);
    expect(res.objects).toHaveLength(1);
    expect(r.finish().length).toBe(19_999);
  });
});

describe('helpers', () => {
  it('splitJsonStream', () => {
    expect(splitJsonStream('{"a": "}{"} [1]\n{}')).toEqual([
      [0, 11],
      [12, 15],
      [16, 18],
    ]);
    expect(splitJsonStream('{"a": 1} x')).toBeUndefined();
    expect(splitJsonStream('{"a": 1')).toBeUndefined();
  });
  it('clearlyManifestDocument', () => {
    expect(clearlyManifestDocument('apiVersion: v1\nkind: Pod\nspec:\n\tx: 1\n', 30)).toBe(true);
    expect(clearlyManifestDocument('Some prose.\napiVersion: v1\nkind: Pod\nMore prose.\n', 0)).toBe(false);
    expect(clearlyManifestDocument('```yaml\napiVersion: v1\nkind: Pod\n```\n', 0)).toBe(false);
  });
  it('the format reported for each kind of text', () => {
    expect(MANIFEST_TEXT_FORMAT).toEqual({ manifest: 'k8s-manifest', 'not-manifest': 'text', 'helm-template': 'helm-template', kustomization: 'kustomization', 'audit-log': 'k8s-audit-log' });
  });
});

describe('folders: Helm charts and kustomizations, once each', () => {
  const report = (files: { path: string; format: string }[]): { ruleId: string; path: string }[] => {
    const r = new Reporter();
    reportK8sFolders(files, r);
    return r.finish().map((f) => ({ ruleId: f.ruleId, path: f.location.path }));
  };
  it('one finding per top-level chart (subcharts belong to it), one per kustomization the loader did not report', () => {
    expect(
      report([
        { path: 'charts/llm/Chart.yaml', format: 'text' },
        { path: 'charts/llm/values.yaml', format: 'text' },
        { path: 'charts/llm/templates/deployment.yaml', format: 'helm-template' },
        { path: 'charts/llm/charts/redis/Chart.yaml', format: 'text' },
        { path: 'charts/llm/charts/redis/templates/sts.yaml', format: 'helm-template' },
        { path: 'loose/templates/x.yaml', format: 'helm-template' },
        { path: 'k/base/kustomization.yaml', format: 'text' },
        { path: 'k/overlays/prod/kustomization.yaml', format: 'kustomization' },
      ]),
    ).toEqual([
      { ruleId: 'k8s/helm-chart-not-rendered', path: 'charts/llm/Chart.yaml' },
      { ruleId: 'k8s/helm-chart-not-rendered', path: 'loose/templates/x.yaml' },
      { ruleId: 'k8s/kustomization-not-rendered', path: 'k/base/kustomization.yaml' },
    ]);
  });
});
