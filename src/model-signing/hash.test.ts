import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { HashUnit } from './hash-io.js';
import { hashUnits, planBatches, startHashPool } from './hash-io.js';

const dir = mkdtempSync(join(tmpdir(), 'bulwark-hash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const hasMkfifo = spawnSync('mkfifo', ['--version']).status === 0;

const CHUNK = 64 * 1024;

function file(name: string, data: Buffer): { path: string; data: Buffer } {
  const path = join(dir, name);
  writeFileSync(path, data);
  return { path, data };
}

const whole = (f: { path: string; data: Buffer }, label = f.path): HashUnit => ({ path: f.path, start: 0, end: f.data.length, size: f.data.length, whole: true, label });
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('hashUnits', () => {
  const sizes = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5, 9 * 1024 * 1024 + 3];
  const files = sizes.map((n, i) => file(`f${i}`, randomBytes(n)));

  it('hashes whole files and byte ranges, in-process and in workers, identically to createHash', async () => {
    const units: HashUnit[] = [];
    const expected: string[] = [];
    for (const f of files) {
      units.push(whole(f));
      expected.push(sha(f.data));
      for (let s = 0; s < f.data.length; s += 100_000) {
        const e = Math.min(f.data.length, s + 100_000);
        units.push({ path: f.path, start: s, end: e, size: f.data.length, whole: false, label: 'x' });
        expected.push(sha(f.data.subarray(s, e)));
      }
    }
    expect(await hashUnits(units, 'sha256', { jobs: 0, chunkSize: CHUNK })).toEqual(expected);
    expect(await hashUnits(units, 'sha256', { jobs: 2, chunkSize: CHUNK, forceWorkers: true })).toEqual(expected);
    const first = units.slice(0, 3);
    const blake = first.map((u) => createHash('blake2b512').update(files.find((f) => f.path === u.path)!.data.subarray(u.start, u.end)).digest('hex'));
    expect(await hashUnits(first, 'blake2b', { jobs: 2, forceWorkers: true })).toEqual(blake);
  });

  it('hashes whole files not stat\'ed at enumeration (size -1: the size fstat reports), small and large, with a pool started ahead', async () => {
    const units = files.map((f) => ({ path: f.path, start: 0, end: -1, size: -1, whole: true, label: f.path }));
    const expected = files.map((f) => sha(f.data));
    expect(await hashUnits(units, 'sha256', { jobs: 0, chunkSize: CHUNK })).toEqual(expected);
    expect(await hashUnits(units, 'sha256', { jobs: 2, chunkSize: CHUNK, forceWorkers: true })).toEqual(expected);
    const pool = startHashPool(3, CHUNK);
    expect(await hashUnits(units, 'sha256', { jobs: 2, chunkSize: CHUNK, forceWorkers: true, pool })).toEqual(expected);
  });

  it('keeps the order of thousands of small units spread over batches', async () => {
    const small = Array.from({ length: 1500 }, (_, i) => file(`s${i}`, Buffer.from(`file ${i}`)));
    const units = small.map((f) => whole(f));
    expect(await hashUnits(units, 'sha256', { jobs: 2, forceWorkers: true })).toEqual(small.map((f) => sha(f.data)));
  });

  it('detects a file whose size changed since enumeration', async () => {
    const f = file('changing', Buffer.from('0123456789'));
    for (const opts of [{ jobs: 0 }, { jobs: 1, forceWorkers: true }]) {
      await expect(hashUnits([{ ...whole(f, 'changing'), size: 9, end: 9 }], 'sha256', opts)).rejects.toThrow(/changing changed while it was being hashed \(size changed from 9 to 10 bytes\)/);
    }
  });

  it('refuses symbolic links when links are not allowed (O_NOFOLLOW)', async () => {
    const target = file('target', Buffer.from('t'));
    const link = join(dir, 'link');
    symlinkSync(target.path, link);
    const u: HashUnit = { path: link, start: 0, end: 1, size: 1, whole: true, label: 'link' };
    for (const opts of [{ jobs: 0 }, { jobs: 1, forceWorkers: true }]) {
      await expect(hashUnits([u], 'sha256', { ...opts, noFollow: true })).rejects.toThrow(/link became a symbolic link|cannot read link: ELOOP/);
      expect(await hashUnits([u], 'sha256', { ...opts, noFollow: false })).toEqual([sha(Buffer.from('t'))]);
    }
  });

  it.skipIf(!hasMkfifo)('never blocks on a FIFO swapped in for a file', async () => {
    const fifo = join(dir, 'fifo');
    spawnSync('mkfifo', [fifo]);
    const u: HashUnit = { path: fifo, start: 0, end: 10, size: 10, whole: true, label: 'fifo' };
    for (const opts of [{ jobs: 0 }, { jobs: 1, forceWorkers: true }]) {
      await expect(hashUnits([u], 'sha256', opts)).rejects.toThrow(/fifo is not a regular file/);
    }
  });

  it('reports a missing file by name', async () => {
    await expect(hashUnits([{ path: join(dir, 'nope'), start: 0, end: 1, size: 1, whole: true, label: 'weights/nope.bin' }], 'sha256', { jobs: 0 })).rejects.toThrow(/cannot read weights\/nope.bin: ENOENT/);
  });
});

describe('planBatches', () => {
  it('covers every unit exactly once, large units alone, largest first', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 80 * 1024 * 1024 }), { maxLength: 3000 }), (lens) => {
        const units = lens.map((n): HashUnit => ({ path: 'p', start: 0, end: n, size: n, whole: true, label: 'p' }));
        const batches = planBatches(units);
        const seen = batches.flat().sort((a, b) => a - b);
        expect(seen).toEqual(units.map((_, i) => i));
        for (const b of batches) {
          expect(b.length).toBeLessThanOrEqual(512);
          if (b.length > 1) for (const i of b) expect(lens[i]).toBeLessThan(32 * 1024 * 1024);
        }
        const first = batches[0];
        if (first && lens.length > 0) expect(lens[first[0] as number]).toBe(Math.max(...lens));
      }),
      { numRuns: 50 },
    );
  });
});
