import AjvDraft04 from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding, RuleDescriptor, ScanReport } from '../findings/index.js';
import { REPORT_SCHEMA_VERSION, makeFinding, summarize } from '../findings/index.js';
import { sampleReport } from '../../test-fixtures/report-builder.js';
import { NdjsonSink, pathToUri, renderJson, renderNdjson, renderSarif, renderText, sanitizeText } from './index.js';

const rules: RuleDescriptor[] = [
  { id: 'pickle/dangerous-call', title: 'Dangerous call', severity: 'critical', description: 'Runs code on load. More text.', remediation: 'Do not load it.', references: ['https://docs.python.org/3/library/pickle.html'], tags: ['pickle'] },
  { id: 'k8s/privileged', title: 'Privileged', severity: 'high', description: 'Host access.', remediation: 'Set privileged: false.', references: [], tags: ['k8s'] },
  { id: 'scan/limit-exceeded', title: 'Limit', severity: 'high', description: 'Stopped.', remediation: 'Raise it.', references: [], tags: ['scan'] },
];

const findings: Finding[] = [
  makeFinding({ ruleId: 'pickle/dangerous-call', severity: 'critical', message: 'os.system("id") is called on load', evidence: 'os.system("id")', location: { kind: 'archive-member', path: 'models/evil.pt', member: 'archive/data.pkl', offset: 42 } }),
  makeFinding({ ruleId: 'scan/limit-exceeded', severity: 'high', message: 'stopped', location: { kind: 'byte-range', path: 'models/big.pkl', offset: 100, length: 8 } }),
  makeFinding({ ruleId: 'scan/limit-exceeded', severity: 'high', message: 'stopped', location: { kind: 'file', path: '/abs/dir with space/x.pkl' } }),
  makeFinding({
    ruleId: 'k8s/privileged',
    severity: 'high',
    message: 'container "app" runs privileged',
    controls: ['pss:privileged'],
    location: { kind: 'k8s-object', path: 'k8s/deploy.yaml', line: 12, column: 9, apiVersion: 'apps/v1', objectKind: 'Deployment', namespace: 'ml', name: 'infer', fieldPath: 'spec.template.spec.containers[0].securityContext.privileged' },
    suppressed: { reason: 'needs GPU driver access', source: 'annotation bulwark.dev/suppress' },
  }),
  makeFinding({ ruleId: 'k8s/privileged', severity: 'high', message: 'line-only', location: { kind: 'file', path: 'k8s/x.yaml', line: 3 } }),
  // Request and event locations (admission, audit, runtime, images).
  makeFinding({
    ruleId: 'k8s/privileged',
    severity: 'high',
    message: 'denied at admission',
    location: { kind: 'admission-request', path: 'admission', uid: 'u-1', operation: 'CREATE', user: 'alice', resource: 'v1/pods', apiVersion: 'v1', objectKind: 'Pod', namespace: 'ml', name: 'p', fieldPath: 'spec.containers[0].securityContext.privileged', pointer: '/spec/containers/0/securityContext/privileged' },
  }),
  makeFinding({ ruleId: 'pickle/dangerous-call', severity: 'high', message: 'secret read', time: '2026-12-02T10:00:00Z', source: 'audit-webhook', location: { kind: 'audit-event', path: 'audit.log', line: 7, auditID: 'a-1', timestamp: '2026-12-02T10:00:00Z', user: 'system:serviceaccount:ml:default', verb: 'list', resource: 'secrets', namespace: 'ml' } }),
  makeFinding({ ruleId: 'pickle/dangerous-call', severity: 'critical', message: 'miner', source: 'proc', location: { kind: 'process', path: 'proc', node: 'gpu-1', namespace: 'ml', pod: 'train-0', container: 'main', pid: 4242, exe: '/tmp/xmrig' } }),
  makeFinding({ ruleId: 'pickle/dangerous-call', severity: 'critical', message: 'payload', location: { kind: 'image-layer', path: 'registry.example/ml/app:1', layer: `sha256:${'a'.repeat(64)}`, layerIndex: 3, file: 'opt/model.pt' } }),
];

const targets = [
  { path: 'models/evil.pt', format: 'pytorch-zip', status: 'complete' as const },
  { path: 'models/big.pkl', format: 'pickle', status: 'partial' as const },
  { path: 'k8s/deploy.yaml', format: 'k8s-manifest', status: 'complete' as const },
];

const report: ScanReport = {
  schemaVersion: REPORT_SCHEMA_VERSION,
  tool: { name: 'bulwark', version: '0.1.0' },
  targets,
  findings,
  rules,
  summary: summarize(targets, findings),
};

describe('sarif reporter', () => {
  const schema = JSON.parse(readFileSync(join(import.meta.dirname, '../../test-fixtures/schemas/sarif-schema-2.1.0.json'), 'utf8')) as object;
  // CommonJS modules: under NodeNext the default import is the module object.
  const ajv = new AjvDraft04.default({ allErrors: true, strict: false });
  addFormatsModule.default(ajv);
  const validate = ajv.compile(schema);

  it('validates against the official SARIF 2.1.0 schema', () => {
    const log = JSON.parse(renderSarif(report, { docsBaseUrl: 'file:///opt/bulwark/docs/' })) as unknown;
    const ok = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema check is not vacuous: a broken log fails it', () => {
    const log = JSON.parse(renderSarif(report)) as { runs: { results: { level: string }[] }[] };
    const first = log.runs[0]?.results[0];
    if (first) first.level = 'catastrophic';
    expect(validate(log)).toBe(false);
  });

  it('carries rule metadata, security-severity, regions, fingerprints and suppressions', () => {
    const log = JSON.parse(renderSarif(report)) as {
      runs: {
        tool: { driver: { rules: { id: string; properties: Record<string, unknown> }[] } };
        results: { ruleId: string; ruleIndex: number; level: string; partialFingerprints: Record<string, string>; suppressions?: unknown[]; locations: { physicalLocation: { artifactLocation: { uri: string }; region?: Record<string, number> }; logicalLocations?: { fullyQualifiedName: string }[] }[] }[];
      }[];
    };
    const run = log.runs[0];
    expect(run?.tool.driver.rules.map((r) => r.id)).toEqual(rules.map((r) => r.id));
    expect(run?.tool.driver.rules[0]?.properties['security-severity']).toBe('9.5');
    const [evil, big, abs, k8s] = run?.results ?? [];
    expect(evil?.level).toBe('error');
    expect(evil?.ruleIndex).toBe(0);
    expect(evil?.locations[0]?.logicalLocations?.[0]?.fullyQualifiedName).toBe('archive/data.pkl');
    expect(big?.locations[0]?.physicalLocation.region).toEqual({ byteOffset: 100, byteLength: 8 });
    expect(abs?.locations[0]?.physicalLocation.artifactLocation.uri).toBe('file:///abs/dir%20with%20space/x.pkl');
    expect(k8s?.locations[0]?.physicalLocation.region).toEqual({ startLine: 12, startColumn: 9 });
    expect(k8s?.suppressions).toHaveLength(1);
    expect(evil?.partialFingerprints['bulwarkFingerprint/v1']).toBe(findings[0]?.fingerprint);
  });
});

describe('json reporter', () => {
  it('writes the versioned ScanReport exactly', () => {
    const parsed = JSON.parse(renderJson(report)) as ScanReport;
    expect(parsed.schemaVersion).toBe(REPORT_SCHEMA_VERSION);
    expect(parsed.findings[0]?.location).toEqual({ kind: 'archive-member', path: 'models/evil.pt', member: 'archive/data.pkl', offset: 42 });
    expect(parsed).toEqual(JSON.parse(JSON.stringify(report)));
  });
});

describe('text reporter', () => {
  it('compact by default: one line per finding with severity, rule, where and message', () => {
    const out = renderText(report, { color: false, quiet: false, failOn: 'high' });
    expect(out).toContain('models/evil.pt (pytorch-zip)');
    expect(out).toMatch(/^ {2}CRITICAL pickle\/dangerous-call +archive\/data\.pkl @ byte 42 {2}os\.system\("id"\) is called on load$/m);
    expect(out).toMatch(/^ {2}HIGH {5}k8s\/privileged +12:9 Deployment\/ml\/infer {2}container "app" runs privileged \[suppressed: needs GPU driver access\]$/m);
    expect(out).not.toContain('why:');
    expect(out).toContain('Run with --explain');
    // Every finding is one line: the number of finding lines equals the number of findings.
    expect(out.split('\n').filter((l) => /^ {2}(CRITICAL|HIGH|MEDIUM|LOW|INFO) /.test(l))).toHaveLength(findings.length);
  });
  it('--explain says what, where, why and how to fix', () => {
    const out = renderText(report, { color: false, quiet: false, failOn: 'high', mode: 'explain' });
    expect(out).toContain('models/evil.pt (pytorch-zip)');
    expect(out).toMatch(/CRITICAL +pickle\/dangerous-call +archive\/data\.pkl @ byte 42/);
    expect(out).toContain('why: Runs code on load.');
    expect(out).toContain('fix: Do not load it.');
    expect(out).toContain('12:9 Deployment/ml/infer');
    expect(out).toContain('field: spec.template.spec.containers[0].securityContext.privileged');
    expect(out).toContain('[suppressed: needs GPU driver access]');
    expect(out).toContain('Result: FAIL');
    expect(out).not.toContain('\u001b[');
  });
  it('--summary counts by severity, rule and file on one screen', () => {
    const out = renderText(report, { color: false, quiet: false, failOn: 'high', mode: 'summary' });
    expect(out).toMatch(/^ {2}CRITICAL +4 {2}pickle\/dangerous-call +Dangerous call$/m);
    expect(out).toMatch(/^Files$/m);
    expect(out).not.toContain('is called on load');
    expect(out).toContain('Result: FAIL');
  });
  it('lists the files it did not recognise', () => {
    const t = [...targets, { path: 'notes.md', format: 'unknown', status: 'unsupported' as const }];
    const out = renderText({ ...report, targets: t, summary: summarize(t, findings) }, { color: false, quiet: false, failOn: 'high' });
    expect(out).toContain('Not a recognised format (not analysed): notes.md');
  });
  it('uses colour only when asked', () => {
    expect(renderText(report, { color: true, quiet: false, failOn: 'high' })).toContain('\u001b[');
  });
  it('quiet mode prints only gating findings and no banner', () => {
    const out = renderText(report, { color: false, quiet: true, failOn: 'critical' });
    expect(out).toContain('pickle/dangerous-call');
    expect(out).not.toContain('scan/limit-exceeded');
    expect(out).not.toContain('Result:');
    const none = renderText({ ...report, findings: [] }, { color: false, quiet: true, failOn: 'high' });
    expect(none.trim()).toBe('');
  });
  it('passes when nothing reaches --fail-on', () => {
    expect(renderText(report, { color: false, quiet: false, failOn: 'none' })).toContain('not gated');
    const low = findings.map((f) => ({ ...f, severity: 'low' as const }));
    expect(renderText({ ...report, findings: low }, { color: false, quiet: false, failOn: 'high' })).toContain('Result: PASS');
  });
  it('never lets scanned strings drive the terminal', () => {
    const hostile = makeFinding({ ruleId: 'pickle/dangerous-call', severity: 'critical', message: 'name \u001b[2J\u001b]0;pwned\u0007 \u202eevil', location: { kind: 'archive-member', path: 'x.pt', member: 'a\u001b[31m\nb' } });
    const out = renderText({ ...report, findings: [hostile] }, { color: false, quiet: false, failOn: 'high' });
    // eslint-disable-next-line no-control-regex -- the test looks for raw control characters
    expect(out).not.toMatch(/[\u001b\u0007\u202e]/);
    expect(out).toContain('\\x1b[2J');
    expect(out).toContain('\\u202e');
  });
});

describe('sanitizeText', () => {
  it('escapes controls, keeps ordinary unicode', () => {
    expect(sanitizeText('a\tb\u0000c\u009bd é ✓')).toBe('a\\tb\\x00c\\x9bd é ✓');
  });
});

describe('NDJSON sink', () => {
  const f = (i: number): Finding => makeFinding({ ruleId: 'a/b', severity: 'high', message: `m${i}\nwith a newline`, location: { kind: 'file', path: 'p' } });
  it('writes one parseable finding per line, as it happens', () => {
    const lines: string[] = [];
    const sink = new NdjsonSink({ write: (s) => (lines.push(s), true), once: () => undefined }, 10);
    sink.write(f(1));
    sink.write(f(2));
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.endsWith('\n') && l.indexOf('\n') === l.length - 1)).toBe(true);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ ruleId: 'a/b', message: 'm1\nwith a newline' });
  });
  it('queues while the stream is full, drops and counts beyond the bound, and drains in order', async () => {
    const lines: string[] = [];
    let drain: (() => void) | undefined;
    let full = true;
    const sink = new NdjsonSink({ write: (s) => (lines.push(s), !full), once: (_e, l) => (drain = l) }, 2);
    for (let i = 0; i < 5; i++) sink.write(f(i));
    expect(lines).toHaveLength(1);
    expect(sink.dropped).toBe(2);
    full = false;
    const done = sink.flushed();
    drain?.();
    await done;
    expect(lines.map((l) => (JSON.parse(l) as Finding).message.slice(0, 2))).toEqual(['m0', 'm1', 'm2']);
    expect(sink.written).toBe(3);
  });
  it('renders a report as NDJSON', () => {
    expect(renderNdjson({ findings: [f(1), f(2)] } as unknown as ScanReport).split('\n')).toHaveLength(3);
  });
});

describe('SARIF URIs', () => {
  it('normalises relative paths and never climbs out of SRCROOT', () => {
    expect(pathToUri('./a//b/../c.yaml')).toBe('a/c.yaml');
    expect(pathToUri('dir with space/x.pt')).toBe('dir%20with%20space/x.pt');
    expect(pathToUri('../outside/x.yaml')).toMatch(/^file:\/\/\/.*\/outside\/x\.yaml$/);
    expect(pathToUri('/abs/x.yaml')).toBe('file:///abs/x.yaml');
  });
  it('gives each rule a helpUri under the docs base', () => {
    const log = JSON.parse(renderSarif(report, { docsBaseUrl: 'https://docs.example/bulwark/docs' })) as { runs: { tool: { driver: { rules: { id: string; helpUri?: string }[] } } }[] };
    const r = log.runs[0]?.tool.driver.rules.find((x) => x.id === 'k8s/privileged');
    expect(r?.helpUri).toBe('https://docs.example/bulwark/docs/rules/k8s/privileged.md');
  });
});

describe('attack paths in the reports', () => {
  const withPaths = sampleReport();
  it('SARIF: path results carry code flows (one thread flow per route) and still validate', () => {
    const schema = JSON.parse(readFileSync(join(import.meta.dirname, '../../test-fixtures/schemas/sarif-schema-2.1.0.json'), 'utf8')) as object;
    const ajv = new AjvDraft04.default({ allErrors: true, strict: false });
    addFormatsModule.default(ajv);
    const validate = ajv.compile(schema);
    const log = JSON.parse(renderSarif(withPaths)) as { runs: { results: { ruleId: string; codeFlows?: { threadFlows: { locations: { kinds: string[]; location: { message: { text: string } } }[] }[] }[] }[] }[] };
    expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
    const path = log.runs[0]?.results.find((r) => r.ruleId === 'path/model-to-secrets');
    const steps = path?.codeFlows?.[0]?.threadFlows[0]?.locations ?? [];
    expect(steps.map((s) => s.kinds[0])).toEqual(['code execution', 'credential access', 'credential access']);
    expect(steps[2]?.location.message.text).toContain('can read Secrets');
    expect(log.runs[0]?.results.filter((r) => r.codeFlows !== undefined)).toHaveLength(1);
  });
  it('JSON carries the graph as `attackPaths`', () => {
    const parsed = JSON.parse(renderJson(withPaths)) as ScanReport;
    expect(parsed.attackPaths?.paths[0]?.fixes[0]?.edge).toBe('e2');
  });
  it('--summary lists the paths and the fix that breaks each', () => {
    const out = renderText(withPaths, { color: false, quiet: false, failOn: 'high', mode: 'summary' });
    expect(out).toMatch(/^Attack paths$/m);
    expect(out).toContain('path/model-to-secrets  models/evil → Job ml/train → ServiceAccount ml/default → Secrets of namespace ml');
    expect(out).toContain('break it: Remove the grant to read Secrets');
  });
});
