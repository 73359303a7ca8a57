import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BufferSource, DEFAULT_LIMITS, FileSource, LIMIT_NAMES, LIMIT_SPECS, ReadBudget, SliceSource, formatLimit, parseSize, readAll, resolveLimits } from './index.js';

describe('limits', () => {
  it('parses sizes with units', () => {
    expect(parseSize('10')).toBe(10);
    expect(parseSize('64k')).toBe(65536);
    expect(parseSize('2GiB')).toBe(2 * 1024 ** 3);
    expect(parseSize('1.5G')).toBeUndefined();
    expect(parseSize('-1')).toBeUndefined();
  });
  it('resolves overrides and rejects unknown names or bad values', () => {
    expect(resolveLimits({ maxPickleOps: 5 }).maxPickleOps).toBe(5);
    expect(resolveLimits({}).maxPickleOps).toBe(DEFAULT_LIMITS.maxPickleOps);
    expect(() => resolveLimits({ maxBogus: 1 })).toThrow(/unknown limit "maxBogus"/);
    expect(() => resolveLimits({ maxPickleOps: 0 })).toThrow(/positive integer/);
    expect(() => resolveLimits({ maxtextbytes: 1 })).toThrow(/unknown limit "maxtextbytes" \(did you mean maxTextBytes\?\)/);
  });
  it('layers overrides on a base (the config file first, then --limit)', () => {
    const file = resolveLimits({ maxFiles: 10, maxTextBytes: 20 });
    expect(resolveLimits({ maxFiles: 5 }, file)).toMatchObject({ maxFiles: 5, maxTextBytes: 20 });
  });
  it('has one documented row per limit, with its default, in its domain’s table (docs/limits.md)', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../docs/limits.md'), 'utf8');
    for (const name of LIMIT_NAMES) {
      const spec = LIMIT_SPECS[name];
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
      expect(row, `docs/limits.md lacks ${name}`).toBeDefined();
      expect(row).toContain(`| ${formatLimit(name, spec.default)} |`);
      const before = doc.slice(0, doc.indexOf(row as string));
      const heading = before.slice(before.lastIndexOf('### ')).split('\n')[0];
      expect(heading, `${name} is documented outside its domain ${spec.domain}`).toContain(`(\`${spec.domain}\`)`);
    }
    const documented = [...doc.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...LIMIT_NAMES].sort());
  });
});

describe('byte sources', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-bs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const data = Uint8Array.from({ length: 200_000 }, (_, i) => i % 251);
  const file = join(dir, 'f.bin');
  writeFileSync(file, data);

  it('FileSource reads exact ranges, short only at EOF, small reads through its block cache', () => {
    const src = new FileSource(file);
    try {
      expect(src.size).toBe(200_000);
      expect([...src.read(1000, 5)]).toEqual([...data.subarray(1000, 1005)]);
      expect([...src.read(70_000, 3)]).toEqual([...data.subarray(70_000, 70_003)]);
      expect(src.read(199_998, 10).length).toBe(2);
      expect(src.read(300_000, 10).length).toBe(0);
      expect(src.read(-5, 2).length).toBe(2);
      const big = src.read(10, 100_000);
      expect(big.length).toBe(100_000);
      expect(big[0]).toBe(data[10]);
    } finally {
      src.close();
    }
  });
  it('ReadBudget stops reads past maxReadBytes', () => {
    const src = new FileSource(file, new ReadBudget(50_000));
    try {
      expect(() => src.read(0, 100_000)).toThrow(/maxReadBytes|read more than/);
    } finally {
      src.close();
    }
  });
  it('missing files are IO errors', () => {
    expect(() => new FileSource(join(dir, 'nope'))).toThrow(/cannot read .*ENOENT/);
  });
  it('SliceSource never reads outside its window', () => {
    const s = new SliceSource(new BufferSource(data), 100, 10);
    expect(s.size).toBe(10);
    expect([...s.read(8, 100)]).toEqual([...data.subarray(108, 110)]);
    expect(new SliceSource(new BufferSource(data), 199_995, 100).size).toBe(5);
  });
  it('readAll refuses sources over the limit', () => {
    expect(() => readAll(new BufferSource(data), 10)).toThrow(/exceeds maxTextBytes/);
  });
});
