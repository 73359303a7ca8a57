/**
 * End-to-end tests of the built CLI (`npm test` builds first): exit codes, one-line usage errors,
 * atomic output, stdin, workers, and a filesystem walk that never hangs on special files.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pickle, torchStateDict } from '../../test-fixtures/pickle-builder.js';

const root = join(import.meta.dirname, '../..');
const cli = join(root, 'dist/src/cli/main.js');
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
