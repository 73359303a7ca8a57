import { inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BulwarkError } from '../../findings/index.js';
import { BufferSource } from '../../limits/index.js';
import type { ZipSpec } from '../../../test-fixtures/zip-builder.js';
import { buildZip, extraField } from '../../../test-fixtures/zip-builder.js';
import { readWithYauzl } from '../../../test-fixtures/zip-oracle.js';
import type { ZipArchive, ZipIssueKind } from './parse.js';
import { hasPlausibleEocd, parseZip, unsafeName } from './parse.js';

const parse = (zip: Uint8Array, maxEntries = 1000): ZipArchive => parseZip(new BufferSource(zip), { maxEntries });
const kinds = (a: ZipArchive): ZipIssueKind[] => a.issues.map((i) => i.kind);
const only = (spec: ZipSpec): ZipIssueKind[] => kinds(parse(buildZip(spec)));

describe('parseZip on well-formed archives', () => {
  it('lists entries with offsets, sizes and no issues', () => {
    const a = parse(buildZip({ entries: [{ name: 'a', data: 'hello' }, { name: 'dir/b', data: 'x'.repeat(500), method: 'deflate' }] }));
    expect(a.issues).toEqual([]);
    expect(a.entries.map((e) => [e.name, e.method, e.uncompressedSize])).toEqual([
      ['a', 0, 5],
      ['dir/b', 8, 500],
    ]);
    expect(a.entries[0]?.dataOffset).toBe(31);
    expect(a.prepended).toBeUndefined();
    expect(a.appended).toBeUndefined();
    expect(a.gaps).toEqual([]);
  });

  it('accepts data descriptors, zip64 records and comments', () => {
    expect(only({ entries: [{ name: 'a', data: 'x', dataDescriptor: true }, { name: 'b', data: 'y', dataDescriptor: 'no-signature' }] })).toEqual([]);
    expect(only({ entries: [{ name: 'a', data: 'x', zip64: true, dataDescriptor: 'zip64' }], zip64: true })).toEqual([]);
    expect(only({ entries: [{ name: 'a', data: 'x' }], comment: 'hello' })).toEqual([]);
    expect(only({ entries: [] })).toEqual([]);
  });

  it('agrees with yauzl on random well-formed archives (differential)', async () => {
    const entry = fc.record({
      name: fc.stringMatching(/^[a-z0-9_]{1,12}(\/[a-z0-9_]{1,8}(\.[a-z]{1,3})?){0,2}$/),
      data: fc.uint8Array({ maxLength: 300 }),
      method: fc.constantFrom('store' as const, 'deflate' as const),
      dd: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(entry, { selector: (e) => e.name.toLowerCase(), maxLength: 8 }), fc.boolean(), async (entries, zip64) => {
        const zip = buildZip({ entries: entries.map((e) => ({ name: e.name, data: e.data, method: e.method, dataDescriptor: e.dd })), zip64 });
        const ours = parse(zip);
        expect(ours.issues).toEqual([]);
        const ref = await readWithYauzl(zip);
        expect(ours.entries.map((e) => e.name)).toEqual(ref.map((r) => r.name));
        expect(ours.entries.map((e) => [e.uncompressedSize, e.compressedSize])).toEqual(ref.map((r) => [r.size, r.compressedSize]));
        for (const [i, e] of ours.entries.entries()) {
          const raw = zip.subarray(e.dataOffset, e.dataOffset + e.compressedSize);
          const data = e.method === 8 ? inflateRawSync(raw) : Buffer.from(raw);
          expect(data.equals(ref[i]?.data ?? Buffer.alloc(0))).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('parseZip reports every inconsistency a loader could resolve differently', () => {
  it('local vs central names, and Unicode Path fields', () => {
    expect(only({ entries: [{ name: 'archive/data.pkl', localName: 'archive/evil.pkl', data: 'x' }] })).toEqual(['local-name-mismatch']);
    expect(only({ entries: [{ name: 'a.pkl', unicodePath: 'b.pkl', data: 'x' }] })).toEqual(['local-name-mismatch', 'local-name-mismatch']);
  });

  it('flag bits (encryption, data descriptor, UTF-8)', () => {
    const a = parse(buildZip({ entries: [{ name: 'a', data: 'x', localFlags: 0x0001 }] }));
    expect(kinds(a)).toEqual(['flag-mismatch']);
    expect(a.issues[0]?.message).toMatch(/encrypted/);
    expect(only({ entries: [{ name: 'a', data: 'x', flags: 0x0800 }] })).toEqual([]);
    expect(only({ entries: [{ name: 'a', data: 'x', localFlags: 0x0808 }] })).toEqual(['flag-mismatch']);
  });

  it('method, CRC and sizes between local and central headers', () => {
    expect(only({ entries: [{ name: 'a', data: 'x', localMethod: 8 }] })).toEqual(['header-mismatch']);
    expect(only({ entries: [{ name: 'a', data: 'x', localCrc: 1 }] })).toEqual(['header-mismatch']);
    expect(only({ entries: [{ name: 'a', data: 'xyz', localUncompressedSize: 1, localCompressedSize: 1 }] })).toEqual(['header-mismatch']);
    // Stored entry whose compressed and uncompressed sizes differ.
    expect(only({ entries: [{ name: 'a', data: 'xyz', uncompressedSize: 9, localUncompressedSize: 9 }] })).toEqual(['header-mismatch']);
  });

  it('malformed extra fields', () => {
    const bad = new Uint8Array([0x99, 0x99, 0x40, 0x00, 1, 2]); // claims 64 bytes, has 2
    expect(only({ entries: [{ name: 'a', data: 'x', extra: bad, localExtra: new Uint8Array(0) }] })).toEqual(['header-mismatch']);
  });

  it('duplicate names, exact and case-folded', () => {
    expect(only({ entries: [{ name: 'archive/data.pkl', data: 'a' }, { name: 'archive/data.pkl', data: 'b' }] })).toEqual(['duplicate-name']);
    const a = parse(buildZip({ entries: [{ name: 'archive/data.pkl', data: 'a' }, { name: 'archive/DATA.pkl', data: 'b' }] }));
    expect(kinds(a)).toEqual(['duplicate-name']);
    expect(a.issues[0]?.severity).toBe('medium');
  });

  it('overlapping entries and shared local headers', () => {
    const a = parse(buildZip({ entries: [{ name: 'a', data: 'payload' }, { name: 'b', data: 'other', aliasOf: 0 }] }));
    expect(kinds(a)).toContain('overlapping-entries');
    expect(a.issues.find((i) => i.kind === 'overlapping-entries')?.message).toMatch(/shares its local header/);
  });

  it('data before the archive, with offsets adjusted or relative to the stub', () => {
    const stub = new Uint8Array(100).fill(0x41);
    const fixed = parse(buildZip({ entries: [{ name: 'a', data: 'x' }], prepend: stub }));
    expect(kinds(fixed)).toEqual(['prepended-data']);
    expect(fixed.prepended).toEqual({ start: 0, end: 100 });
    expect(fixed.issues[0]?.severity).toBeUndefined();
    const shifted = parse(buildZip({ entries: [{ name: 'a', data: 'x' }], prepend: stub, adjustOffsets: false }));
    expect(kinds(shifted)).toEqual(['prepended-data']);
    expect(shifted.issues[0]?.severity).toBe('high');
    expect(shifted.view.shift).toBe(100);
    expect(shifted.entries[0]?.dataOffset).toBe(131);
  });

  it('data after the EOCD, and a second EOCD strict readers would pick', () => {
    const a = parse(buildZip({ entries: [{ name: 'a', data: 'x' }], append: new Uint8Array([1, 2, 3]) }));
    expect(kinds(a)).toEqual(['appended-data']);
    expect(a.appended).toEqual({ start: a.appended?.start, end: a.appended?.start !== undefined ? a.appended.start + 3 : 0 });
    // An EOCD whose comment ends with another EOCD signature and 5 more bytes: Python and miniz
    // take the last signature (leaving 5 bytes appended); strict readers (yauzl, Go) take the
    // first, whose comment reaches the end of the file.
    const plain = buildZip({ entries: [{ name: 'a', data: 'x' }] });
    const eocd2 = new Uint8Array(plain.subarray(plain.length - 22));
    const zip = buildZip({ entries: [{ name: 'a', data: 'x' }], comment: new Uint8Array([...eocd2, 0x78, 0x78, 0x78, 0x78, 0x78]) });
    const b = parse(zip);
    // The first EOCD itself lies between the central directory and the chosen EOCD.
    expect(kinds(b)).toEqual(['appended-data', 'unreferenced-data']);
    expect(b.issues[0]?.severity).toBe('high');
    expect(b.alternateEocd).toBe(plain.length - 22);
    expect(b.eocdOffset).toBe(zip.length - 27);
  });

  it('unreferenced bytes between entries (a hidden local entry)', () => {
    const a = parse(buildZip({ entries: [{ name: 'a', data: 'x' }, { name: 'hidden.pkl', data: 'evil', hiddenLocal: true }, { name: 'b', data: 'y' }] }));
    expect(kinds(a)).toEqual(['unreferenced-data']);
    expect(a.gaps).toHaveLength(1);
    const gap = a.gaps[0];
    expect(gap && gap.end - gap.start).toBe(30 + 'hidden.pkl'.length + 4);
  });

  it('zip64 records that readers locate differently', () => {
    // Extensible data moves the record away from its locator: Python ignores it, miniz follows the locator.
    const a = parse(buildZip({ entries: [{ name: 'a', data: 'x' }], zip64: { extensible: new Uint8Array(8) } }));
    expect(kinds(a)).toContain('zip64-inconsistency');
    // The locator points nowhere.
    expect(only({ entries: [{ name: 'a', data: 'x' }], zip64: { locatorOffset: 3 } })).toContain('zip64-inconsistency');
    // Classic EOCD values that disagree with the zip64 record.
    expect(only({ entries: [{ name: 'a', data: 'x' }], zip64: { sentinels: false, entries: 1 }, eocd: { entries: 2 } })).toContain('zip64-inconsistency');
    // Saturated per-entry fields without a zip64 extra field.
    expect(only({ entries: [{ name: 'a', data: 'x', compressedSize: 0xffffffff, localCompressedSize: 1 }] })).toContain('zip64-inconsistency');
  });

  it('EOCD entry counts that differ from the central directory', () => {
    const a = parse(buildZip({ entries: [{ name: 'a', data: 'x' }, { name: 'b', data: 'y' }], eocd: { entries: 1 } }));
    expect(kinds(a)).toEqual(['central-directory-mismatch']);
    expect(a.entries).toHaveLength(2);
    expect(only({ entries: [{ name: 'a', data: 'x' }], eocd: { disk: 1 } })).toContain('central-directory-mismatch');
  });

  it('path traversal names and symbolic links', () => {
    for (const name of ['../etc/passwd', '/abs', 'C:/x', 'a\\b', 'ok/../../x', 'nul\0.pkl']) {
      expect(only({ entries: [{ name, data: 'x' }] }), name).toEqual(['path-traversal']);
    }
    expect(only({ entries: [{ name: 'link', data: '/etc/passwd', versionMadeBy: 0x0314, externalAttributes: (0o120777 << 16) >>> 0 }] })).toEqual(['symlink-member']);
    expect(unsafeName('archive/data/0')).toBeUndefined();
  });

  it('a missing local header', () => {
    const a = parse(buildZip({ entries: [{ name: 'a', data: 'x', localHeaderOffset: 5 }] }));
    expect(kinds(a)).toContain('missing-local-header');
  });

  it('caps the number of entries with maxArchiveEntries', () => {
    const a = parse(buildZip({ entries: Array.from({ length: 10 }, (_, i) => ({ name: `f${i}`, data: 'x' })) }), 4);
    expect(a.entries).toHaveLength(4);
    expect(a.error?.code).toBe('LIMIT_EXCEEDED');
  });

  it('keeps detailed issues bounded and counts the rest', () => {
    const entries = Array.from({ length: 60 }, (_, i) => ({ name: `../x${i}`, data: 'x' }));
    const a = parse(buildZip({ entries }));
    expect(a.issues.filter((i) => i.kind === 'path-traversal')).toHaveLength(20);
    expect(a.omittedIssues.get('path-traversal')).toBe(40);
    const b = parseZip(new BufferSource(buildZip({ entries })), { maxEntries: 1000, maxIssuesPerKind: 5 });
    expect(b.issues.filter((i) => i.kind === 'path-traversal')).toHaveLength(5);
    expect(b.omittedIssues.get('path-traversal')).toBe(55);
  });

  it('throws MALFORMED without an end of central directory record', () => {
    expect(() => parse(new TextEncoder().encode('not a zip at all, just text'))).toThrow(BulwarkError);
  });

  it('does not take random bytes holding the EOCD signature for a zip', () => {
    const junk = new Uint8Array(200).fill(0x33);
    junk.set([0x50, 0x4b, 0x05, 0x06], 120);
    expect(hasPlausibleEocd(new BufferSource(junk))).toBe(false);
    expect(hasPlausibleEocd(new BufferSource(buildZip({ entries: [{ name: 'a', data: 'x' }], prepend: new Uint8Array(40) })))).toBe(true);
  });

  it('reads Python extra fields without confusing them for zip64', () => {
    const a = parse(buildZip({ entries: [{ name: 'a', data: 'x', extra: extraField(0x5455, new Uint8Array([1, 0, 0, 0, 0])) }] }));
    expect(a.issues).toEqual([]);
  });
});

describe('parseZip properties', () => {
  const sample = buildZip({
    entries: [
      { name: 'archive/data.pkl', data: 'x'.repeat(50), method: 'deflate' },
      { name: 'archive/data/0', data: new Uint8Array(64), zip64: true },
      { name: 'b', data: 'y', dataDescriptor: true },
    ],
    zip64: true,
    comment: 'c',
  });

  const safeParse = (bytes: Uint8Array, max: number): void => {
    try {
      const a = parseZip(new BufferSource(bytes), { maxEntries: max });
      expect(a.entries.length).toBeLessThanOrEqual(max);
      expect(a.issues.length).toBeLessThanOrEqual(15 * 21);
      for (const e of a.entries) expect(typeof e.name).toBe('string');
    } catch (e) {
      expect(e).toBeInstanceOf(BulwarkError);
    }
  };

  it('arbitrary bytes: only typed errors, bounded output', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 1, max: 50 }), (b, max) => safeParse(b, max)),
      { numRuns: 500 },
    );
  });

  it('mutated archives: only typed errors, bounded output', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 10 }), (edits, max) => {
        const b = new Uint8Array(sample);
        for (const [at, v] of edits) b[at % b.length] = v;
        safeParse(b, max);
      }),
      { numRuns: 1000 },
    );
  });

  it('truncated archives: only typed errors', () => {
    for (let n = 0; n <= sample.length; n++) safeParse(sample.subarray(0, n), 10);
    for (let n = 0; n <= sample.length; n += 7) safeParse(sample.subarray(n), 10);
  });
});
