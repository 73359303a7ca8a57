import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Finding } from '../findings/index.js';
import { Reporter, firingProblem } from '../rules/index.js';
import { TRIVY_RULES, advisoryControl, importTrivyReport, looksLikeTrivyReport, severityOf } from './index.js';
import { LAYER, TRIVY_RULE_CASES, misconf, osResult, secret, trivyReport, vuln } from './rule-cases.js';

function run(text: string, ignoreUnfixed = false, reporter = new Reporter()): Finding[] {
  importTrivyReport(text, 'trivy.json', { ignoreUnfixed }, reporter);
  return reporter.finish();
}

describe('rule cases (in process; the registry meta-test runs them through bulwark scan)', () => {
  it('every rule has firing and silent cases', () => {
    for (const r of TRIVY_RULES) {
      const c = TRIVY_RULE_CASES.find((x) => x.ruleId === r.id);
      expect(c?.invalid.length, r.id).toBeGreaterThan(0);
      expect(c?.valid.length, r.id).toBeGreaterThan(0);
    }
  });
  for (const rc of TRIVY_RULE_CASES) {
    for (const c of rc.invalid) {
      it(`${rc.ruleId} fires: ${c.name}`, () => {
        const all = run(c.files['reports/trivy.json'] as string, c.options?.['ignoreUnfixed'] === true);
        expect(all.filter((f) => f.ruleId.startsWith('scan/'))).toEqual([]);
        expect(firingProblem(all.filter((f) => f.ruleId === rc.ruleId), c.expect)).toBeUndefined();
      });
    }
    for (const c of rc.valid) {
      it(`${rc.ruleId} stays silent: ${c.name}`, () => {
        const all = run(c.files['reports/trivy.json'] as string, c.options?.['ignoreUnfixed'] === true);
        expect(all.map((f) => f.ruleId)).toEqual([]);
      });
    }
  }
});

describe('import', () => {
  const report = trivyReport([
    osResult([
      vuln('CVE-2024-1234', 'openssl', '3.0.11', '3.0.15', 'CRITICAL'),
      vuln('CVE-2023-0001', 'zlib1g', '1.2.13', undefined, 'LOW'),
      vuln('CVE-2024-5555', 'libc6', '2.36', '2.36-9+deb12u9', 'MEDIUM', { Status: undefined }),
      vuln('CVE-2024-7777', 'perl', '5.36', undefined, 'HIGH', { Status: 'fix_deferred' }),
    ]),
    secret('aws-access-key-id', 'CRITICAL', '/app/.env', 3),
    { Target: 'k8s/deploy.yaml', Class: 'config', Type: 'kubernetes', Misconfigurations: [misconf('KSV001', 'AVD-KSV-0001', 'FAIL', 'MEDIUM', 12), misconf('KSV003', 'AVD-KSV-0003', 'EXCEPTION', 'LOW', 14)] },
  ]);

  it('maps vulnerabilities, secrets and failed misconfigurations with controls, severities and places', () => {
    const f = run(report);
    expect(f.map((x) => [x.ruleId, x.severity, x.controls])).toEqual([
      ['trivy/vulnerability', 'critical', ['cve:CVE-2024-1234']],
      ['trivy/secret', 'critical', ['trivy:secret:aws-access-key-id']],
      ['trivy/vulnerability', 'high', ['cve:CVE-2024-7777']],
      ['trivy/vulnerability', 'medium', ['cve:CVE-2024-5555']],
      ['trivy/misconfiguration', 'medium', ['trivy:AVD-KSV-0001', 'trivy:KSV001']],
      ['trivy/vulnerability', 'low', ['cve:CVE-2023-0001']],
    ]);
    expect(f[0]?.location).toEqual({ kind: 'image-layer', path: 'trivy.json', layer: LAYER.Digest });
    expect(f[0]?.remediation).toContain('Upgrade openssl to 3.0.15');
    expect(f[1]?.location).toEqual({ kind: 'image-layer', path: 'trivy.json', layer: LAYER.Digest, file: '/app/.env', line: 3 });
    expect(f[4]?.message).toContain('k8s/deploy.yaml:12');
    expect(f[4]?.remediation).toBe('Add USER instruction with non-root user');
  });

  it('--ignore-unfixed keeps only vulnerabilities with a released fix (status fixed, or a fixed version without status)', () => {
    const f = run(report, true).filter((x) => x.ruleId === 'trivy/vulnerability');
    expect(f.map((x) => x.controls?.[0])).toEqual(['cve:CVE-2024-1234', 'cve:CVE-2024-5555']);
  });

  it('never copies the secret match', () => {
    const f = run(report);
    for (const x of f) expect(JSON.stringify(x)).not.toContain('*****');
  });

  it('reports the most severe first, so a per-target cap drops the least severe', () => {
    const many = trivyReport([osResult([...Array.from({ length: 5 }, (_, i) => vuln(`CVE-2020-${1000 + i}`, 'p', '1', '2', 'LOW')), vuln('CVE-2024-9999', 'q', '1', '2', 'CRITICAL')])]);
    const f = run(many, false, new Reporter({ maxPerTarget: 2 }));
    expect(f.filter((x) => x.ruleId === 'trivy/vulnerability')[0]?.controls).toEqual(['cve:CVE-2024-9999']);
    expect(f.some((x) => x.ruleId === 'scan/limit-exceeded' && x.message.includes('4 more findings'))).toBe(true);
  });

  it('maps severities and advisory ids', () => {
    expect(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN', 'weird', undefined].map(severityOf)).toEqual(['critical', 'high', 'medium', 'low', 'low', 'low', 'low']);
    expect(['CVE-2024-1234', 'cve-2024-1', 'GHSA-x', 'DLA-3000-1'].map(advisoryControl)).toEqual(['cve:CVE-2024-1234', 'cve:CVE-2024-1', 'ghsa:GHSA-x', 'vuln:DLA-3000-1']);
  });
});

describe('untrusted reports fail closed', () => {
  const malformed = (text: string): string[] => run(text).filter((f) => f.ruleId === 'scan/malformed-input').map((f) => f.message);

  it('a report that is not one, or of another schema version, is malformed input', () => {
    expect(malformed('{"SchemaVersion": 2, "Results": [')[0]).toContain('not valid JSON');
    expect(malformed('{"Results": []}')[0]).toContain('no SchemaVersion');
    expect(malformed(trivyReport([], 1))[0]).toContain('SchemaVersion 1 is not supported');
    expect(malformed('{"SchemaVersion": 2, "Results": {}}')[0]).toContain('Results is not a list');
  });

  it('entries without their key fields are counted as malformed; the others are still imported', () => {
    const text = trivyReport([osResult([{ PkgName: 'x' }, vuln('CVE-2024-1', 'y', '1', '2', 'HIGH')]), 7, { Target: 'c', Misconfigurations: [{ Status: 'FAIL' }] }]);
    const f = run(text);
    expect(f.filter((x) => x.ruleId === 'scan/malformed-input').map((x) => x.message)).toEqual([expect.stringContaining('3 entries')]);
    expect(f.filter((x) => x.ruleId === 'trivy/vulnerability').length).toBe(1);
  });

  it('arbitrary JSON under SchemaVersion 2 never throws', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (v) => {
        run(JSON.stringify({ SchemaVersion: 2, Results: [v, { Target: 't', Vulnerabilities: [v], Secrets: v, Misconfigurations: [v] }] }));
        run(JSON.stringify(v));
      }),
      { numRuns: 300 },
    );
  });
});

describe('detection by content', () => {
  it('recognises Trivy reports and nothing else', () => {
    expect(looksLikeTrivyReport(trivyReport([]))).toBe(true);
    expect(looksLikeTrivyReport('{"SchemaVersion":2,"ArtifactName":".","ArtifactType":"filesystem"}')).toBe(true);
    expect(looksLikeTrivyReport('{"architectures": ["LlamaForCausalLM"], "SchemaVersion": 2}')).toBe(false);
    expect(looksLikeTrivyReport('{"name": "x", "version": "1.0.0"}')).toBe(false);
    expect(looksLikeTrivyReport('{"apiVersion": "v1", "kind": "Pod"}')).toBe(false);
    expect(looksLikeTrivyReport('{"SchemaVersion": 2}')).toBe(false);
  });
});

describe('bulwark scan --trivy-report (built CLI)', () => {
  const bin = join(import.meta.dirname, '../../dist/bulwark.mjs');
  const work = mkdtempSync(join(tmpdir(), 'bulwark-trivy-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const cli = (args: string[]): { code: number; out: string } => {
    try {
      return { code: 0, out: execFileSync(process.execPath, [bin, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
    } catch (e) {
      const err = e as { status: number; stdout: string; stderr: string };
      return { code: err.status, out: `${err.stdout}${err.stderr}` };
    }
  };

  it.skipIf(!existsSync(bin))('gates on Trivy findings, with --ignore-unfixed and --fail-on', () => {
    const report = join(work, 'trivy.json');
    writeFileSync(report, trivyReport([osResult([vuln('CVE-2024-1234', 'openssl', '3.0.11', '3.0.15', 'MEDIUM'), vuln('CVE-2023-9999', 'zlib1g', '1.2.13', undefined, 'CRITICAL')])]));
    writeFileSync(join(work, 'notes.txt'), 'hello\n');
    // A clean Dockerfile beside it: neither format makes the folder a model folder (no signing findings).
    writeFileSync(join(work, 'Containerfile'), `FROM python:3.12-slim@sha256:${'ab'.repeat(32)}\nUSER 10001\n`);
    const all = cli(['scan', '--no-config', '-f', 'json', '--trivy-report', report, work]);
    expect(all.code).toBe(1);
    const parsed = JSON.parse(all.out) as { targets: { path: string; format: string }[]; findings: Finding[] };
    expect(parsed.targets.map((t) => t.format).sort()).toEqual(['dockerfile', 'trivy-report', 'unknown']);
    expect(parsed.findings.map((f) => `${f.ruleId} ${f.controls?.[0] ?? f.message}`).sort()).toEqual(['trivy/vulnerability cve:CVE-2023-9999', 'trivy/vulnerability cve:CVE-2024-1234']);
    expect(cli(['scan', '--no-config', '-q', '--trivy-report', report, '--ignore-unfixed', work]).code).toBe(0);
    expect(cli(['scan', '--no-config', '-q', '--trivy-report', report, '--ignore-unfixed', '--fail-on', 'medium', work]).code).toBe(1);
    const notReport = cli(['scan', '--no-config', '-q', '--trivy-report', join(work, 'notes.txt'), work]);
    expect(notReport.code).toBe(2);
    expect(notReport.out).toContain('not a Trivy JSON report');
  });
});
