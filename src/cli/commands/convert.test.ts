/**
 * `bulwark convert` end to end through the built CLI (run `npm run build` first): exit codes, refusal
 * output, atomic writes (nothing left behind), --force, --verify, --tensors-only, sharded folders.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pickle } from '../../../test-fixtures/pickle-builder.js';
import { buildTorchZip } from '../../../test-fixtures/zip-builder.js';

const root = join(import.meta.dirname, '../../..');
const cli = join(root, 'dist/bulwark.mjs');
const FIX = join(root, 'test-fixtures/real/convert');
const work = mkdtempSync(join(tmpdir(), 'bulwark-convert-cli-'));

function run(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '' }, timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Files in `dir` (temporary files included: a refusal or an error must leave none). */
function files(dir: string): string[] {
  return readdirSync(dir).sort();
}

beforeAll(() => {
  if (!existsSync(cli)) throw new Error('dist/ is missing: run `npm run build`');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('bulwark convert', () => {
  it('converts a state dict, refuses to overwrite without --force, verifies bit for bit', () => {
    const d = join(work, 'one');
    mkdirSync(d);
    const out = join(d, 'model.safetensors');
    const r = run(['convert', join(FIX, 'state-dict-fp32.pt'), out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Converted .*state-dict-fp32\.pt -> .*model\.safetensors: 9 tensors/);
    expect(files(d)).toEqual(['model.safetensors']);
    const again = run(['convert', join(FIX, 'state-dict-fp32.pt'), out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^bulwark: .*exists \(use --force to overwrite\)\n$/);
    expect(run(['convert', '--force', '-q', join(FIX, 'state-dict-fp32.pt'), out])).toMatchObject({ code: 0, stdout: '' });
    const v = run(['convert', '--verify', join(FIX, 'state-dict-fp32.pt'), out]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/9 tensors match .* bit for bit/);
    // A flipped byte in the data is a mismatch (exit 1).
    const b = readFileSync(out);
    b[b.length - 2] = (b[b.length - 2] as number) ^ 0x40;
    writeFileSync(out, b);
    const bad = run(['convert', '--verify', join(FIX, 'state-dict-fp32.pt'), out]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/mismatch: .*bytes differ/);
  });

  it('refuses a payload with the scan findings, exit 1, and leaves no file behind', () => {
    const d = join(work, 'payload');
    mkdirSync(d);
    const src = join(d, 'evil.pt');
    writeFileSync(src, buildTorchZip({ dataPkl: pickle((b) => b.proto(2).global('os', 'system').str('echo pwned').tuple1().reduce().stop()) }));
    const r = run(['convert', src, join(d, 'out.safetensors')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/CRITICAL\s+pickle\/dangerous-call/);
    expect(r.stdout).toMatch(/refused to convert .*evil\.pt/);
    expect(files(d)).toEqual(['evil.pt']);
    const t = run(['convert', '--tensors-only', src, join(d, 'out.safetensors')]);
    expect(t.code).toBe(1);
    expect(files(d)).toEqual(['evil.pt']);
  });

  it('refuses a full-model save (custom class) unless --tensors-only, which lists what it left out', () => {
    const d = join(work, 'full');
    mkdirSync(d);
    const r = run(['convert', join(FIX, 'tied-full-model.pt'), join(d, 'm.safetensors')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/pickle\/unknown-global.*tinylm\.TiedLM/);
    expect(files(d)).toEqual([]);
    const t = run(['convert', '--tensors-only', join(FIX, 'tied-full-model.pt'), join(d, 'm.safetensors')]);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/1 tensor, 1 tied alias/);
    expect(t.stdout).toMatch(/left out \(not tensors\):\n.*tinylm\.TiedLM/);
  });

  it('converts a sharded checkpoint folder into model-0000N-of-0000M.safetensors and its index, and verifies it', () => {
    const out = join(work, 'sharded-out');
    const r = run(['convert', join(FIX, 'sharded'), out]);
    expect(r.code).toBe(0);
    expect(files(out)).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors.index.json']);
    const index = JSON.parse(readFileSync(join(out, 'model.safetensors.index.json'), 'utf8')) as { weight_map: Record<string, string> };
    expect(Object.keys(index.weight_map)).toHaveLength(4);
    expect(run(['convert', '--verify', join(FIX, 'sharded', 'pytorch_model.bin.index.json'), out]).code).toBe(0);
  });

  it('writes no shard at all when one shard is refused (all or nothing)', () => {
    const src = join(work, 'sharded-bad');
    cpSync(join(FIX, 'sharded'), src, { recursive: true });
    writeFileSync(join(src, 'pytorch_model-00002-of-00002.bin'), buildTorchZip({ dataPkl: pickle((b) => b.proto(2).global('builtins', 'eval').str('1').tuple1().reduce().stop()) }));
    const out = join(work, 'sharded-bad-out');
    mkdirSync(out);
    const r = run(['convert', src, out]);
    expect(r.code).toBe(1);
    expect(files(out)).toEqual([]);
  });

  it('usage and I/O errors exit 2 with one line', () => {
    const cases: [string[], RegExp][] = [
      [['convert', join(work, 'missing.pt'), join(work, 'x.safetensors')], /^bulwark: no such file or folder/],
      [['convert', join(FIX, 'state-dict-fp32.pt'), join(work, 'no-such-dir', 'x.safetensors')], /^bulwark: cannot write .*no such directory/],
      [['convert', join(FIX, 'state-dict-fp32.pt'), work], /^bulwark: .* is a folder/],
      [['convert', join(FIX, 'state-dict-fp32.pt')], /^bulwark: missing required argument/],
    ];
    for (const [args, re] of cases) {
      const r = run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
