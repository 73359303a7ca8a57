import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BufferSource } from '../../limits/index.js';
import { rawSafetensors, ruleIds, safetensorsFile, scanHarness, tinyZip } from '../../../test-fixtures/safetensors-builder.js';
import { isSafetensors, scanSafetensors } from './index.js';

function scan(bytes: Uint8Array, limits = {}) {
  const h = scanHarness('model.safetensors', limits);
  const header = scanSafetensors(new BufferSource(bytes), h.ctx);
  return { ...h, header, ids: ruleIds(h.findings) };
}

const T = [
  { name: 'a.weight', dtype: 'F32', shape: [2, 3] },
  { name: 'a.bias', dtype: 'F16', shape: [3] },
  { name: 'q', dtype: 'F4', shape: [4] },
];

describe('safetensors sniffer', () => {
  it('recognises files by content', () => {
    expect(isSafetensors(new BufferSource(safetensorsFile(T)))).toBe(true);
    expect(isSafetensors(new BufferSource(rawSafetensors('{}')))).toBe(true);
    expect(isSafetensors(new BufferSource(new TextEncoder().encode('{"a": 1} not safetensors')))).toBe(false);
    expect(isSafetensors(new BufferSource(Uint8Array.from([0x80, 2, 0x7d, 0x71, 0, 0x2e, 0, 0, 0, 0])))).toBe(false);
    expect(isSafetensors(new BufferSource(new Uint8Array(4)))).toBe(false);
  });
});

describe('safetensors scanner', () => {
  it('passes a well-formed file (all dtypes incl. sub-byte) clean', () => {
    const all = ['BOOL', 'F4', 'F6_E2M3', 'F6_E3M2', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F8_E4M3FNUZ', 'F8_E5M2FNUZ', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'C64', 'F64', 'I64', 'U64'];
    const r = scan(safetensorsFile(all.map((d, i) => ({ name: `t${i}`, dtype: d, shape: [4, 2] })), { metadata: { format: 'pt' } }));
    expect(r.findings).toEqual([]);
    expect(r.header?.tensors).toHaveLength(all.length);
    expect(r.header?.metadata).toEqual({ format: 'pt' });
  });

  it('passes the real file written by safetensors 0.8 clean', () => {
    const r = scan(readFileSync(new URL('../../../test-fixtures/real/tiny.safetensors', import.meta.url)));
    expect(r.findings).toEqual([]);
    expect(r.header?.tensors.length).toBe(6);
    expect(r.state.partial).toBe(false);
  });

  it('accepts scalars and zero-sized tensors', () => {
    const r = scan(safetensorsFile([{ name: 's', dtype: 'F32', shape: [] }, { name: 'z', dtype: 'F32', shape: [0, 5] }]));
    expect(r.findings).toEqual([]);
  });

  it.each([
    ['header length past the end', safetensorsFile(T, { lengthOverride: 10_000n }), 'runs past the end'],
    ['header length above 100 MB', safetensorsFile(T, { lengthOverride: 100_000_001n }), '100,000,000'],
    ['header not JSON', rawSafetensors('{"a": }'), 'not valid JSON'],
    ['header not an object', rawSafetensors('["a"]'), 'not a JSON object'],
    ['tensor entry not an object', rawSafetensors('{"a": 3}'), 'is not an object'],
    ['shape with a negative entry', rawSafetensors('{"a": {"dtype":"U8","shape":[-1],"data_offsets":[0,0]}}'), 'shape entry'],
    ['missing data_offsets', rawSafetensors('{"a": {"dtype":"U8","shape":[1]}}', 1), 'data_offsets'],
    ['trailing content after the JSON', rawSafetensors('{} x'), 'not valid JSON'],
    ['NaN in the header', rawSafetensors('{"__metadata__": {"a": NaN}}'), 'not valid JSON'],
  ])('reports a malformed header: %s', (_n, bytes, msg) => {
    const r = scan(bytes);
    expect(r.ids).toContain('safetensors/malformed-header');
    expect(r.findings.map((f) => f.message).join('\n')).toContain(msg);
  });

  it('reports a header that is not UTF-8', () => {
    const bytes = rawSafetensors('{"a":1}');
    bytes[10] = 0xff;
    expect(scan(bytes).findings.map((f) => f.message)).toContain('header is not valid UTF-8');
  });

  it('reports duplicate tensor names, tensor fields and metadata keys', () => {
    const r = scan(
      rawSafetensors(
        '{"__metadata__":{"k":"1","k":"2"},"t":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"t":{"dtype":"U8","shape":[2],"dtype":"I8","data_offsets":[0,2]}}',
        2,
      ),
    );
    const dups = r.findings.filter((f) => f.ruleId === 'safetensors/duplicate-key');
    expect(dups.map((f) => f.evidence).sort()).toEqual(['dtype', 'k', 't']);
    // The location points at the second occurrence (byte offset in the file).
    const loc = dups.find((f) => f.evidence === 't')?.location;
    expect(loc?.kind === 'byte-range' && loc.offset).toBeGreaterThan(40);
  });

  it('reports unknown dtypes', () => {
    const r = scan(safetensorsFile([{ name: 'x', dtype: 'F8_E4M3FN', shape: [2] }]));
    expect(r.ids).toEqual(['safetensors/unknown-dtype']);
  });

  it('reports byte ranges that do not match shape x dtype, overflow and sub-byte misalignment', () => {
    const r1 = scan(safetensorsFile([{ name: 'x', dtype: 'F32', shape: [2] }], { offsets: { x: [0, 9] }, data: new Uint8Array(9) }));
    expect(r1.ids).toEqual(['safetensors/tensor-size-mismatch']);
    const r2 = scan(rawSafetensors('{"x":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,0]}}'));
    expect(r2.findings.map((f) => f.message).join()).toContain('overflows');
    const r3 = scan(rawSafetensors('{"x":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}', 2));
    expect(r3.findings.map((f) => f.message).join()).toContain('byte boundary');
  });

  it('checks that the offsets tile the buffer exactly', () => {
    const overlap = scan(rawSafetensors('{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}', 3));
    expect(overlap.findings.map((f) => f.message).join()).toContain('overlaps');
    const gap = scan(rawSafetensors('{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[4,6]}}', 6));
    expect(gap.findings.map((f) => f.message).join()).toContain('belong to no tensor');
    const past = scan(rawSafetensors('{"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]}}', 4));
    expect(past.findings.map((f) => f.message).join()).toContain('past the end');
    const trailing = scan(safetensorsFile(T, { append: new Uint8Array(5) }));
    expect(trailing.ids).toEqual(['safetensors/data-layout']);
    const reversed = scan(rawSafetensors('{"a":{"dtype":"U8","shape":[0],"data_offsets":[2,1]}}', 2));
    expect(reversed.ids).toContain('safetensors/data-layout');
  });

  it('reports __metadata__ that is not string to string', () => {
    expect(scan(rawSafetensors('{"__metadata__":{"a":1}}')).ids).toEqual(['safetensors/invalid-metadata']);
    expect(scan(rawSafetensors('{"__metadata__":[1]}')).ids).toEqual(['safetensors/invalid-metadata']);
  });

  it('reports polyglots: a zip appended, a zip hidden in the last tensor, an HDF5 superblock, a pickle prefix', () => {
    const zip = tinyZip('archive/data.pkl', new TextEncoder().encode('payload'));
    const appended = scan(safetensorsFile(T, { append: zip }));
    expect(appended.ids).toContain('safetensors/polyglot');
    expect(appended.findings.filter((f) => f.ruleId === 'safetensors/polyglot').map((f) => f.evidence)).toEqual(['trailing-zip', 'zip-eocd']);

    // The zip is the content of a U8 tensor: the file is valid safetensors AND a valid zip.
    const hidden = safetensorsFile([{ name: 'blob', dtype: 'U8', shape: [zip.length] }], { data: zip });
    const r = scan(hidden);
    expect(r.ids).toEqual(['safetensors/polyglot']);
    expect(r.findings[0]?.evidence).toBe('zip-eocd');

    const h5Header = '{"blob":{"dtype":"U8","shape":[4096],"data_offsets":[0,4096]}}'.padEnd(64, ' ');
    const h5 = new Uint8Array(4096);
    h5.set([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a], 1024 - 8 - h5Header.length);
    const withH5 = rawSafetensors(h5Header, 0, h5);
    expect(scan(withH5).findings.map((f) => f.evidence)).toContain('hdf5-superblock');

    // Length 0x...5880: bytes 80 02 58 ... — PROTO 2 then BINUNICODE whose length eats the zero bytes.
    const header = `{"__metadata__":{"x":"${'a'.repeat(0x5802 - 22 - 3)}"}}`;
    const pk = rawSafetensors(header.padEnd(0x580280, ' '));
    expect(pk[0]).toBe(0x80);
    expect(scan(pk).findings.map((f) => f.evidence)).toContain('pickle-prefix');
  });

  it('does not call a file with an ordinary 0x280 header length a pickle polyglot', () => {
    const header = '{"__metadata__":{"x":"y"}}'.padEnd(0x280, ' ');
    const r = scan(rawSafetensors(header));
    expect(r.findings).toEqual([]);
  });

  it('marks the target partial when the header exceeds maxTextBytes', () => {
    const r = scan(safetensorsFile(T), { maxTextBytes: 16 });
    expect(r.ids).toEqual(['scan/limit-exceeded']);
    expect(r.state.partial).toBe(true);
  });

  it('caps repeated findings of one rule with a summary', () => {
    const entries = Array.from({ length: 30 }, (_, i) => `"t${i}":{"dtype":"X${i}","shape":[1],"data_offsets":[${i},${i + 1}]}`).join(',');
    const r = scan(rawSafetensors(`{${entries}}`, 30));
    const unknown = r.findings.filter((f) => f.ruleId === 'safetensors/unknown-dtype');
    expect(unknown).toHaveLength(21);
    expect(unknown[20]?.message).toContain('10 more findings');
  });

  it('never throws on arbitrary bytes and never reads more than the header (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, prefix) => {
        let input = bytes;
        if (prefix && bytes.length > 0) {
          // Make the length plausible so the JSON path runs.
          input = new Uint8Array(bytes.length + 8);
          new DataView(input.buffer).setBigUint64(0, BigInt(Math.min(bytes.length, 200)), true);
          input.set(bytes, 8);
        }
        const h = scanHarness();
        let read = 0;
        const src = new BufferSource(input);
        const counting = { size: src.size, read: (o: number, n: number) => ((read += Math.min(n, src.size)), src.read(o, n)) };
        scanSafetensors(counting, h.ctx);
        expect(read).toBeLessThan(input.length * 40 + 70_000);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on mutated valid headers (property)', () => {
    const base = new TextDecoder().decode(safetensorsFile(T).subarray(8));
    fc.assert(
      fc.property(fc.nat(base.length), fc.string({ maxLength: 8 }), (at, ins) => {
        const text = base.slice(0, at) + ins + base.slice(at);
        const h = scanHarness();
        scanSafetensors(new BufferSource(rawSafetensors(text, 64)), h.ctx);
      }),
      { numRuns: 300 },
    );
  });
});
