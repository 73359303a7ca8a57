import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BufferSource, DEFAULT_LIMITS } from '../../limits/index.js';
import { Pb } from '../../../test-fixtures/protobuf-builder.js';
import type { PbField } from './index.js';
import { ProtoWalker, firstTag, zigzag } from './index.js';

const opts = { maxDepth: 16, maxStringBytes: 1024, maxFields: DEFAULT_LIMITS.maxProtobufFields };

function fields(bytes: Uint8Array): PbField[] {
  const out: PbField[] = [];
  new ProtoWalker(new BufferSource(bytes), opts).message(0, bytes.length, (f) => out.push(f));
  return out;
}

describe('protobuf wire walker', () => {
  it('visits varints, fixed fields, strings and nested messages', () => {
    const bytes = new Pb().varint(1, 300).fixed32(2, 7).fixed64(3, 9n).string(4, 'héllo').message(5, (m) => m.varint(1, -1n)).finish();
    const f = fields(bytes);
    expect(f.map((x) => [x.field, x.wire])).toEqual([[1, 0], [2, 5], [3, 1], [4, 2], [5, 2]]);
    expect(f[0]?.varint).toBe(300);
    const w = new ProtoWalker(new BufferSource(bytes), opts);
    expect(w.string(f[3] as PbField).text).toBe('héllo');
    const inner: PbField[] = [];
    w.nested(f[4] as PbField, (x) => inner.push(x));
    expect(inner[0]?.varint).toBe(Number.MAX_SAFE_INTEGER); // -1 as int64: clamped, documented
    expect(zigzag(3)).toBe(-2);
  });

  it('skips deprecated groups', () => {
    const bytes = new Pb().group(7, new Pb().varint(1, 1).group(2, new Pb().string(1, 'x'))).varint(8, 1).finish();
    expect(fields(bytes).map((x) => x.field)).toEqual([8]);
  });

  it.each([
    ['a length past the end', new Pb().bytes(1, new Uint8Array(2), 10).finish()],
    ['a truncated varint', Uint8Array.from([0x08, 0xff])],
    ['wire type 7', Uint8Array.from([0x0f])],
    ['field number 0', Uint8Array.from([0x00, 0x01])],
    ['an unclosed group', Uint8Array.from([0x0b, 0x08, 0x01])],
    ['an 11-byte varint', Uint8Array.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])],
  ])('rejects %s as MALFORMED', (_n, bytes) => {
    expect(() => fields(bytes)).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
  });

  it('bounds depth and field count', () => {
    let m = new Pb().varint(1, 1);
    for (let i = 0; i < 20; i++) m = new Pb().message(1, m);
    const bytes = m.finish();
    const w = new ProtoWalker(new BufferSource(bytes), opts);
    const walk = (s: number, e: number): void => w.message(s, e, (f) => (f.wire === 2 ? walk(f.offset, f.offset + f.length) : undefined));
    expect(() => walk(0, bytes.length)).toThrow(expect.objectContaining({ limit: 'maxStructureDepth' }));
    const many = new Pb();
    for (let i = 0; i < 100; i++) many.varint(1, i);
    const w2 = new ProtoWalker(new BufferSource(many.finish()), { ...opts, maxFields: 50 });
    expect(() => w2.message(0, many.length, () => undefined)).toThrow(expect.objectContaining({ limit: 'maxProtobufFields' }));
  });

  it('truncates long strings to maxStringBytes', () => {
    const bytes = new Pb().string(1, 'x'.repeat(2000)).finish();
    const f = fields(bytes)[0] as PbField;
    const s = new ProtoWalker(new BufferSource(bytes), opts).string(f);
    expect(s.truncated).toBe(true);
    expect(s.text.length).toBe(1024);
  });

  it('reads the first tag cheaply', () => {
    expect(firstTag(new BufferSource(Uint8Array.from([0x3a, 0x00])))).toEqual({ field: 7, wire: 2, next: 1 });
  });

  it('never throws anything but BulwarkErrors and terminates on arbitrary bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const w = new ProtoWalker(new BufferSource(bytes), opts);
        const walk = (s: number, e: number): void => w.message(s, e, (f) => (f.wire === 2 && f.length > 0 ? walk(f.offset, f.offset + f.length) : undefined));
        try {
          walk(0, bytes.length);
        } catch (e) {
          expect((e as { code?: string }).code).toMatch(/MALFORMED|LIMIT_EXCEEDED/);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
