/**
 * End-to-end tests of the built CLI (`npm test` builds first): exit codes, one-line usage errors,
 * atomic output, stdin, workers, and a filesystem walk that never hangs on special files.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pickle, torchStateDict } from '../../test-fixtures/pickle-builder.js';

const root = join(import.meta.dirname, '../..');
const cli = join(root, 'dist/bulwark.mjs');
const work = mkdtempSync(join(tmpdir(), 'bulwark-cli-'));

function run(args: string[], input?: string | Uint8Array, env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '', ...env }, timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A pickle that would run a shell command when loaded (never executed: built opcode by opcode). */
const EVIL = pickle((b) => b.proto(2).global('os', 'system').binUnicode('echo bulwark-test').tuple1().reduce().stop());

beforeAll(() => {
  if (!existsSync(cli)) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
  mkdirSync(join(work, 'clean'));
  writeFileSync(join(work, 'clean/notes.txt'), 'just text\n');
  writeFileSync(join(work, 'clean/state_dict.pkl'), torchStateDict(3));
  mkdirSync(join(work, 'bad'));
  writeFileSync(join(work, 'bad/model.pkl'), EVIL);
  for (let i = 0; i < 6; i++) writeFileSync(join(work, 'bad', `model${i}.pkl`), pickle((b) => b.proto(2).global('os', 'system').binUnicode(`echo ${i}`).tuple1().reduce().stop()));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('usage errors exit 2 with one line on stderr', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown flag', ['scan', '--bogus', 'x'], /^bulwark: unknown option '--bogus'/],
    ['bad format', ['scan', '--format', 'xml', 'x'], /^bulwark: .*'xml' is invalid/],
    ['bad fail-on', ['scan', '--fail-on', 'severe', 'x'], /^bulwark: .*'severe' is invalid/],
    ['missing file', ['scan', join(work, 'nope')], /^bulwark: .*nope: no such file or directory/],
    ['bad jobs', ['scan', '--jobs', '0', join(work, 'clean')], /^bulwark: --jobs must be/],
    ['bad limit', ['scan', '--limit', 'maxNothing=3', join(work, 'clean')], /^bulwark: unknown limit "maxNothing"/],
    ['bad limit value', ['scan', '--limit', 'maxPickleOps=lots', join(work, 'clean')], /^bulwark: --limit maxPickleOps/],
    ['no paths', ['scan'], /^bulwark: missing required argument/],
    ['unknown command', ['frobnicate'], /^bulwark: unknown command/],
  ];
  for (const [name, args, re] of cases) {
    it(name, () => {
      const r = run(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    });
  }
});

describe('scan exit codes and output', () => {
  it('exits 0 when nothing reaches --fail-on', () => {
    const r = run(['scan', join(work, 'clean')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Result: PASS');
  });
  it('exits 1 on a finding at or above --fail-on, 0 with --fail-on none', () => {
    expect(run(['scan', join(work, 'bad', 'model.pkl')]).code).toBe(1);
    expect(run(['scan', '--fail-on', 'none', join(work, 'bad', 'model.pkl')]).code).toBe(0);
  });
  it('prints no ANSI escapes when stdout is not a terminal, even under CI=true', () => {
    expect(run(['scan', join(work, 'bad')]).stdout).not.toContain('\u001b[');
    expect(run(['scan', join(work, 'bad')], undefined, { CI: 'true' }).stdout).not.toContain('\u001b[');
    expect(run(['scan', join(work, 'bad')], undefined, { FORCE_COLOR: '1' }).stdout).toContain('\u001b[');
    expect(run(['scan', '--no-color', join(work, 'bad')], undefined, { FORCE_COLOR: '1' }).stdout).not.toContain('\u001b[');
  });
  it('reads stdin for `-`', () => {
    const r = run(['scan', '--format', 'json', '-'], EVIL);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { findings: { ruleId: string; evidence?: string; location: { path: string } }[] };
    const f = report.findings.find((x) => x.ruleId === 'pickle/dangerous-call');
    expect(f?.location.path).toBe('-');
    expect(f?.evidence).toContain('os.system("echo bulwark-test")');
  });
  it('writes --output atomically and leaves nothing behind on failure', () => {
    const out = join(work, 'report.sarif');
    const r = run(['scan', '--format', 'sarif', '--output', out, join(work, 'bad')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect((JSON.parse(readFileSync(out, 'utf8')) as { version: string }).version).toBe('2.1.0');
    const missingDir = join(work, 'no-such-dir', 'r.json');
    const bad = run(['scan', '--output', missingDir, join(work, 'bad')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^bulwark: cannot write/);
    expect(readdirSync(work).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
  it('--quiet prints nothing when nothing reaches --fail-on', () => {
    const r = run(['scan', '--quiet', join(work, 'clean')]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('');
  });
  it('gives the same report with worker threads as without', () => {
    const one = JSON.parse(run(['scan', '--format', 'json', '--jobs', '1', join(work, 'bad')]).stdout) as { findings: unknown[] };
    const two = JSON.parse(run(['scan', '--format', 'json', '--jobs', '2', join(work, 'bad')]).stdout) as { findings: unknown[] };
    expect(two.findings).toEqual(one.findings);
    expect(one.findings.length).toBeGreaterThanOrEqual(7);
  });
});

describe('filesystem walk', () => {
  it('does not follow links out of the tree and never opens a FIFO', () => {
    const dir = join(work, 'walk');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(work, 'outside.pkl'), EVIL);
    symlinkSync(join(work, 'outside.pkl'), join(dir, 'link-out.pkl'));
    symlinkSync('sub', join(dir, 'loop'));
    symlinkSync('..', join(dir, 'sub', 'up'));
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    const r = run(['scan', '--format', 'json', dir]);
    const report = JSON.parse(r.stdout) as { findings: { ruleId: string; location: { path: string } }[] };
    const ids = report.findings.map((f) => `${f.ruleId} ${f.location.path.slice(dir.length + 1)}`);
    expect(ids).toContain('scan/symlink-outside-tree link-out.pkl');
    expect(ids).toContain('scan/read-error pipe');
    expect(ids.some((x) => x.startsWith('pickle/'))).toBe(false);
  });
});

describe('a CLI people keep in their pipeline', () => {
  it('bare `bulwark` prints help on stderr and exits 2', () => {
    const r = run([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: bulwark');
    expect(r.stdout).toBe('');
  });
  it('severities are case-insensitive', () => {
    expect(run(['scan', '--fail-on', 'HIGH', join(work, 'bad')]).code).toBe(1);
    expect(run(['scan', '--fail-on', 'Critical', join(work, 'clean')]).code).toBe(0);
  });
  it('--severity filters what is shown, not what fails', () => {
    const r = run(['scan', '--format', 'json', '--severity', 'LOW,info', join(work, 'bad')]);
    const sev = (JSON.parse(r.stdout) as { findings: { severity: string }[] }).findings.map((f) => f.severity);
    expect(sev.every((s) => s === 'low' || s === 'info')).toBe(true);
    expect(r.code).toBe(1); // the critical findings still gate
  });
  it('--summary is one screen of counts; --explain and --summary do not mix', () => {
    const r = run(['scan', '--summary', join(work, 'bad')]);
    expect(r.stdout).toMatch(/^Rules$/m);
    expect(r.stdout).toMatch(/CRITICAL +\d+ {2}pickle\/dangerous-call/);
    expect(r.stdout).not.toContain('echo bulwark-test');
    expect(run(['scan', '--summary', '--explain', join(work, 'bad')]).code).toBe(2);
  });
  it('-o writes the report and says so in one line on stderr', () => {
    const out = join(work, 'report.sarif');
    const r = run(['scan', '--format', 'sarif', '-o', out, join(work, 'bad')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^bulwark: wrote .*report\.sarif \(sarif\): \d+ targets, \d+ findings \(.*critical.*\); FAIL: \d+ at or above high\n$/);
    const log = JSON.parse(readFileSync(out, 'utf8')) as { runs: { tool: { driver: { rules: { helpUri?: string }[] } } }[] };
    expect(log.runs[0]?.tool.driver.rules[0]?.helpUri).toMatch(/^file:\/\/.*\/docs\/rules\/.+\.md$/);
  });
  it('--skip-dirs and --skip-files leave paths out of the walk', () => {
    const r = run(['scan', '--format', 'json', '--skip-files', 'model[0-4].pkl', join(work, 'bad')]);
    const paths = (JSON.parse(r.stdout) as { targets: { path: string }[] }).targets.map((t) => t.path.split('/').pop());
    expect(paths.sort()).toEqual(['model.pkl', 'model5.pkl']);
    const d = run(['scan', '--format', 'json', '--skip-dirs', 'bad', work]);
    expect((JSON.parse(d.stdout) as { targets: { path: string }[] }).targets.some((t) => t.path.includes('/bad/'))).toBe(false);
  });
  it('`| head` ends quietly (EPIPE), `> /dev/full` is one line and exit 2', () => {
    const pipe = spawnSync('/bin/sh', ['-c', `"${process.execPath}" "${cli}" scan --explain "${join(work, 'bad')}" | head -1`], { encoding: 'utf8' });
    expect(pipe.stderr).toBe('');
    if (existsSync('/dev/full')) {
      const full = spawnSync('/bin/sh', ['-c', `"${process.execPath}" "${cli}" scan "${join(work, 'bad')}" > /dev/full`], { encoding: 'utf8' });
      expect(full.status).toBe(2);
      expect(full.stderr).toBe('bulwark: cannot write to standard output: no space left on the device (ENOSPC)\n');
    }
  });
  it('an unknown --pss-version is an error, not "latest"', () => {
    const r = run(['scan', '--pss-version', 'v1.99', join(work, 'clean')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^bulwark: --pss-version v1\.99: Bulwark knows Pod Security Standards up to v1\.\d+/);
  });
  it('empty stdin is an error', () => {
    const r = run(['scan', '-'], '');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('bulwark: stdin (-) is empty: nothing to scan\n');
  });
  it('bulwark explain RULE prints the rule\u2019s page; an unknown id names the closest', () => {
    const r = run(['explain', 'pickle/dangerous-call']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('# pickle/dangerous-call: Pickle calls a dangerous function when it is loaded');
    const bad = run(['explain', 'pickle/dangerous-cal']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/did you mean pickle\/dangerous-call\?/);
  });
});

describe('writes are all or nothing', () => {
  const sh = (cmd: string) => spawnSync('/bin/sh', ['-c', cmd], { encoding: 'utf8', timeout: 60_000 });
  it('scan -o on a full disk (file size limit) writes nothing, says so in one line, exit 2', () => {
    const out = join(work, 'limited', 'report.json');
    mkdirSync(join(work, 'limited'), { recursive: true });
    const r = sh(`ulimit -f 1; "${process.execPath}" "${cli}" scan --format json -o "${out}" "${join(work, 'bad')}"`);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^bulwark: cannot write .*report\.json: file too large .*\(EFBIG\); nothing was written\n$/);
    expect(readdirSync(join(work, 'limited'))).toEqual([]);
  });
  it('sign on a full disk leaves no half-written model.sig', () => {
    const model = join(work, 'signme');
    mkdirSync(model, { recursive: true });
    writeFileSync(join(model, 'w.bin'), 'weights');
    const key = join(work, 'sign-key.pem');
    writeFileSync(key, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const r = sh(`ulimit -f 1; "${process.execPath}" "${cli}" sign "${model}" --key "${key}" -q`);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/EFBIG/);
    expect(readdirSync(model)).toEqual(['w.bin']);
  });
  it('SIGINT at any moment leaves either the complete report or nothing, and no temporary file', async () => {
    const dir = join(work, 'interrupt');
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < 6; i++) {
      const out = join(dir, `r${i}.json`);
      const child = spawn(process.execPath, [cli, 'scan', '--format', 'json', '-o', out, join(work, 'bad')], { stdio: 'ignore' });
      const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on('exit', (c, s) => r([c, s])));
      await new Promise((r) => setTimeout(r, 100 + i * 120));
      child.kill('SIGINT');
      const [code, signal] = await exited;
      // 130 when the handlers caught it; killed by the signal itself when it came during start-up,
      // before anything could be written; 0/1 when the scan had already finished.
      expect(code === null ? signal : code).toSatisfy((x: unknown) => x === 'SIGINT' || x === 0 || x === 1 || x === 130);
    }
    for (const name of readdirSync(dir)) {
      expect(name.endsWith('.tmp'), `temporary file left: ${name}`).toBe(false);
      expect(() => JSON.parse(readFileSync(join(dir, name), 'utf8')) as unknown).not.toThrow();
    }
  });
});
