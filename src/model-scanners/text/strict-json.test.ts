import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeUtf8Strict, lineColumnAt, parseStrictJson } from './index.js';

const parse = (s: string, maxDepth = 64) => parseStrictJson(s, { maxDepth });

describe('strict JSON parser', () => {
  it('parses what JSON.parse parses, with exact big integers', () => {
    const r = parse('{"a": [1, -2.5e3, true, null, "x\\u00e9\\ud83d\\ude00"], "n": 18446744073709551615, "__proto__": 1}');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const v = r.value as Record<string, unknown>;
    expect(v['a']).toEqual([1, -2500, true, null, 'xé😀']);
    expect(v['n']).toBe(18446744073709551615n);
    expect(Object.keys(v)).toEqual(['a', 'n', '__proto__']);
    expect(r.duplicates).toEqual([]);
  });

  it('reports duplicate keys with their path and offset', () => {
    const r = parse('{"a": {"b": 1, "b": 2}, "a": 3}');
    expect(r.ok && r.duplicates.map((d) => `${d.path}:${d.key}@${d.offset}`)).toEqual(['/a:b@15', '/:a@24']);
  });

  it('counts lone surrogates', () => {
    const r = parse('"\\ud800x\\udc00"');
    expect(r.ok && r.loneSurrogates).toBe(2);
  });

  it.each(['{"a":1,}', '[1,]', 'NaN', '{"a": Infinity}', '01', '1.', '"\u0001"', "{'a':1}", '{"a":1} x', '/* c */ {}', '"\\x41"', '-', ''])('rejects %j', (s) => {
    expect(parse(s).ok).toBe(false);
  });

  it('bounds depth and says so', () => {
    const r = parse('['.repeat(100) + ']'.repeat(100), 50);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.depthExceeded).toBe(true);
  });

  it('decodes UTF-8 strictly and maps offsets to lines', () => {
    expect(decodeUtf8Strict(Uint8Array.from([0x7b, 0xff, 0x7d]))).toBeUndefined();
    expect(lineColumnAt('a\nbc\nd', 4)).toEqual({ line: 2, column: 3 });
  });

  it('agrees with JSON.parse on valid documents without duplicates (property)', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 6 }), (text) => {
        const r = parse(text);
        expect(r.ok).toBe(true);
        if (r.ok) expect(JSON.stringify(r.value, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))).toBe(JSON.stringify(JSON.parse(text)));
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary text (property)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => void parse(s)), { numRuns: 500 });
  });
});
