/**
 * The configuration file end to end through the built CLI: discovery, `--config`, `--no-config`,
 * one-line errors, precedence of flags over the file, suppressions with expiry, ignores, the pickle
 * allow list, and `bulwark rules` explaining each rule's state.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pickle } from '../../test-fixtures/pickle-builder.js';

const root = join(import.meta.dirname, '../..');
const cli = join(root, 'dist/bulwark.mjs');
const work = mkdtempSync(join(tmpdir(), 'bulwark-cli-config-'));

function run(args: string[], cwd: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '' }, timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

interface Finding {
  ruleId: string;
  severity: string;
  suppressed?: { reason: string; source: string };
  location: { path: string; line?: number };
}

function findings(r: { stdout: string }): Finding[] {
  return (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
}

/** A project: a manifest with a `latest` image (medium) and a pickle that calls os.system (critical). */
function project(name: string, config?: string): string {
  const dir = join(work, name);
  mkdirSync(join(dir, 'k8s'), { recursive: true });
  mkdirSync(join(dir, 'models'), { recursive: true });
  mkdirSync(join(dir, 'vendor'), { recursive: true });
  writeFileSync(join(dir, 'k8s/pod.yaml'), ['apiVersion: v1', 'kind: Pod', 'metadata:', '  name: web', 'spec:', '  containers:', '  - name: web', '    image: nginx:latest', ''].join('\n'));
  writeFileSync(join(dir, 'models/legacy.pt'), pickle((b) => b.proto(2).global('os', 'system').binUnicode('echo x').tuple1().reduce().stop()));
  writeFileSync(join(dir, 'vendor/evil.pkl'), pickle((b) => b.proto(2).global('os', 'system').binUnicode('echo v').tuple1().reduce().stop()));
  writeFileSync(join(dir, 'models/own.pkl'), pickle((b) => b.proto(2).global('mypkg.models', 'MyNet').emptyTuple().newObj().stop()));
  if (config !== undefined) writeFileSync(join(dir, 'bulwark.yaml'), config);
  return dir;
}

beforeAll(() => {
  if (!existsSync(cli)) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('bulwark.yaml', () => {
  it('is read from the current directory: rules off, ignores, suppressions', () => {
    const dir = project(
      'discovered',
      `rules:
  k8s/image-latest: off
ignore:
  - "vendor/**"
suppressions:
  - rule: pickle/dangerous-call
    path: models/legacy.pt
    reason: harmless echo, test fixture
    expires: 2099-12-31
`,
    );
    const r = run(['scan', '--format', 'json', '.'], dir);
    const f = findings(r);
    expect(f.some((x) => x.ruleId === 'k8s/image-latest')).toBe(false);
    expect(f.some((x) => x.location.path.includes('vendor'))).toBe(false);
    const call = f.find((x) => x.ruleId === 'pickle/dangerous-call');
    expect(call?.suppressed).toEqual({ reason: 'harmless echo, test fixture', source: 'config bulwark.yaml:6' });
    // Nothing else at high or above remains: exit 0.
    expect(f.filter((x) => !x.suppressed && (x.severity === 'critical' || x.severity === 'high'))).toEqual([]);
    expect(r.code).toBe(0);
  });

  it('--no-config ignores it, --config reads another file', () => {
    const dir = project('flags', 'rules:\n  k8s/image-latest: off\n');
    expect(findings(run(['scan', '--format', 'json', '--no-config', '.'], dir)).some((x) => x.ruleId === 'k8s/image-latest')).toBe(true);
    writeFileSync(join(dir, 'other.yaml'), 'rules:\n  k8s/image-latest: { severity: info }\n');
    const f = findings(run(['scan', '--format', 'json', '--config', 'other.yaml', '.'], dir));
    expect(f.find((x) => x.ruleId === 'k8s/image-latest')?.severity).toBe('info');
  });

  it('an expired suppression applies to nothing and becomes a finding at its line', () => {
    const dir = project('expired', 'suppressions:\n  - rule: pickle/dangerous-call\n    path: models/legacy.pt\n    reason: old\n    expires: 2020-01-31\n');
    const r = run(['scan', '--format', 'json', 'models'], dir);
    const f = findings(r);
    expect(f.find((x) => x.ruleId === 'pickle/dangerous-call')?.suppressed).toBeUndefined();
    expect(f.find((x) => x.ruleId === 'config/expired-suppression')).toMatchObject({ severity: 'medium', location: { path: 'bulwark.yaml', line: 2 } });
    expect(r.code).toBe(1);
  });

  it('flags given on the command line win over the file', () => {
    const dir = project('precedence', 'scan:\n  failOn: none\nlimits:\n  maxFiles: 1\n');
    // The file says: never fail, and stop after one file.
    const viaFile = run(['scan', '--format', 'json', 'models'], dir);
    expect(viaFile.code).toBe(0);
    expect(findings(viaFile).some((x) => x.ruleId === 'scan/limit-exceeded')).toBe(true);
    // The flags say: fail at high, and allow ten files (the file's other settings stay).
    const viaFlags = run(['scan', '--format', 'json', '--fail-on', 'high', '--limit', 'maxFiles=10', 'models'], dir);
    expect(viaFlags.code).toBe(1);
    expect(findings(viaFlags).some((x) => x.ruleId === 'scan/limit-exceeded')).toBe(false);
  });

  it('the pickle allow list makes the user\u2019s own class known', () => {
    const without = findings(run(['scan', '--format', 'json', '--no-config', 'models/own.pkl'], project('allow0')));
    expect(without.some((x) => x.ruleId === 'pickle/unknown-global')).toBe(true);
    const dir = project('allow', 'pickle:\n  allow: ["mypkg.*"]\n');
    expect(findings(run(['scan', '--format', 'json', 'models/own.pkl'], dir)).some((x) => x.ruleId === 'pickle/unknown-global')).toBe(false);
  });

  it('a wrong configuration is one line on stderr, exit 2, and nothing on stdout', () => {
    const cases: [string, RegExp][] = [
      ['rules:\n  k8s/imge-latest: off\n', /^bulwark: bulwark\.yaml:2:3: unknown rule id "k8s\/imge-latest" \(did you mean k8s\/image-latest\?\)/],
      ['rulez: {}\n', /^bulwark: bulwark\.yaml:1:1: the configuration: unknown key "rulez"/],
      ['rules:\n  scan/malformed-input: off\n', /^bulwark: bulwark\.yaml:2:3: scan\/malformed-input is a fail-closed rule/],
      ['limits:\n  maxFilez: 3\n', /^bulwark: bulwark\.yaml:2:3: limits: unknown limit "maxFilez" \(did you mean maxFiles\?\)/],
    ];
    for (const [i, [text, re]] of cases.entries()) {
      const dir = project(`bad${i}`, text);
      const r = run(['scan', '.'], dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
    const missing = run(['scan', '--config', 'nope.yaml', '.'], project('bad-missing'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('bulwark: nope.yaml: configuration file not found\n');
  });
});

describe('bulwark rules', () => {
  it('says which rules run and why', () => {
    const dir = project('rules', 'rules:\n  k8s/image-latest: off\n  tag:gpu: { severity: low }\n');
    const r = run(['rules'], dir);
    expect(r.code).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.startsWith('k8s/image-latest '));
    expect(line).toMatch(/ off .*\[bulwark\.yaml:2:3 k8s\/image-latest: off\]$/);
    const json = JSON.parse(run(['rules', '--format', 'json'], dir).stdout) as { id: string; enabled: boolean; effectiveSeverity: string; reason: string; admission?: { level: string } }[];
    const gpu = json.find((x) => x.id === 'k8s/gpu-device-host-access');
    expect(gpu).toMatchObject({ enabled: true, effectiveSeverity: 'low', reason: 'bulwark.yaml:3:3 tag:gpu: severity low' });
    expect(json.find((x) => x.id === 'k8s/pss-privileged')?.admission).toEqual({ level: 'baseline' });
    expect(run(['rules', '--enabled'], dir).stdout).not.toMatch(/^k8s\/image-latest /m);
  });
});
