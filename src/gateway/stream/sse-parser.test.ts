import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SseParser } from './sse-parser.js';
import type { SseSegment } from './sse-parser.js';

const enc = new TextEncoder();

function parseAll(input: Uint8Array, splits: readonly number[] = [], max = 1 << 20): { segs: SseSegment[]; parser: SseParser } {
  const p = new SseParser(max);
  p.retain(0);
  const segs: SseSegment[] = [];
  let prev = 0;
  for (const s of [...splits].sort((a, b) => a - b)) {
    segs.push(...p.push(input.subarray(prev, s)));
    prev = s;
  }
  segs.push(...p.push(input.subarray(prev)));
  const t = p.finish();
  if (t !== undefined) segs.push(t);
  return { segs, parser: p };
}

/** Dispatched events as [type, data]. */
function events(text: string, splits: readonly number[] = []): [string, string][] {
  return parseAll(enc.encode(text), splits)
    .segs.filter((s) => s.complete && s.data !== undefined)
    .map((s) => [s.type, s.data as string]);
}

/** The bytes of the segments, checking that they are contiguous from offset 0. */
function concat(p: SseParser, segs: readonly SseSegment[]): Uint8Array {
  let o = 0;
  for (const s of segs) {
    expect(s.start).toBe(o);
    o = s.end;
  }
  return p.bytes(0, o);
}

describe('SseParser conformance (WHATWG HTML §9.2.6)', () => {
  it.each([
    ['LF', 'data: a\n\ndata: b\n\n'],
    ['CRLF', 'data: a\r\n\r\ndata: b\r\n\r\n'],
    ['CR', 'data: a\r\rdata: b\r\r'],
    ['mixed', 'data: a\r\n\rdata: b\n\r\n'],
  ])('line endings: %s', (_name, text) => {
    expect(events(text)).toEqual([
      ['message', 'a'],
      ['message', 'b'],
    ]);
  });

  it('strips exactly one space after the colon; no space is fine', () => {
    expect(events('data:a\n\ndata:  b\n\n')).toEqual([
      ['message', 'a'],
      ['message', ' b'],
    ]);
  });

  it('joins multi-line data with LF and drops the last LF', () => {
    expect(events('data: one\ndata: two\ndata:\n\n')).toEqual([['message', 'one\ntwo\n']]);
  });

  it('ignores comment lines and unknown fields; comment-only blocks dispatch nothing', () => {
    expect(events(': keep-alive\n\n:another\nfoo: bar\ndata: x\n: c\n\n')).toEqual([['message', 'x']]);
  });

  it('event: sets the type of the next dispatch only', () => {
    expect(events('event: error\ndata: e\n\ndata: m\n\n')).toEqual([
      ['error', 'e'],
      ['message', 'm'],
    ]);
  });

  it('a field name without a colon is a field with an empty value: "data" alone dispatches ""', () => {
    expect(events('data\n\n')).toEqual([['message', '']]);
  });

  it('no data field, no event; an event field alone does not dispatch', () => {
    expect(events('event: x\n\nid: 3\n\n')).toEqual([]);
  });

  it('id sets lastEventId; an id with NUL is ignored', () => {
    const { segs } = parseAll(enc.encode('id: 7\ndata: a\n\nid: 8\u0000\ndata: b\n\n'));
    expect(segs.map((s) => s.lastEventId)).toEqual(['7', '7']);
  });

  it('retry: only ASCII digits are accepted', () => {
    const a = parseAll(enc.encode('retry: 1500\n\n')).parser;
    expect(a.retry).toBe(1500);
    const b = parseAll(enc.encode('retry: 15x\n\n')).parser;
    expect(b.retry).toBeUndefined();
  });

  it('a leading BOM is ignored once; later BOMs are data', () => {
    expect(events('\ufeffdata: a\n\ndata: \ufeffb\n\n')).toEqual([
      ['message', 'a'],
      ['message', '\ufeffb'],
    ]);
  });

  it('an unterminated last event is not dispatched as complete', () => {
    const { segs } = parseAll(enc.encode('data: a\n\ndata: b'));
    expect(segs.map((s) => [s.complete, s.data])).toEqual([
      [true, 'a'],
      [false, 'b'],
    ]);
  });

  it('splits inside a UTF-8 sequence and inside CRLF', () => {
    const text = 'data: h\u00e9llo \u{1F600} \u4e16\u754c\r\n\r\ndata: b\r\n\r\n';
    const bytes = enc.encode(text);
    for (let i = 1; i < bytes.length; i++) {
      expect(events(text, [i])).toEqual([
        ['message', 'h\u00e9llo \u{1F600} \u4e16\u754c'],
        ['message', 'b'],
      ]);
    }
    // Every byte its own chunk.
    expect(events(text, Array.from({ length: bytes.length }, (_, i) => i))).toHaveLength(2);
  });

  it('invalid UTF-8 decodes to U+FFFD, never throws', () => {
    const bytes = new Uint8Array([...enc.encode('data: '), 0xff, 0xc3, 0x28, 0x0a, 0x0a]);
    expect(parseAll(bytes).segs[0]?.data).toBe('\ufffd\ufffd(');
  });

  it('a segment over maxEventBytes sets overflow and stops', () => {
    const p = new SseParser(64);
    expect(p.push(enc.encode('data: short\n\n'))).toHaveLength(1);
    p.push(enc.encode(`data: ${'x'.repeat(100)}`));
    expect(p.overflow).toBe(true);
    expect(p.push(enc.encode('\n\ndata: more\n\n'))).toEqual([]);
    // No blank line at all (e.g. an endless comment) is bounded too.
    const q = new SseParser(64);
    for (let i = 0; i < 20; i++) q.push(enc.encode(': ping ping ping\n'));
    expect(q.overflow).toBe(true);
  });

  it('tiny chunks of a long line do not rescan (linear)', () => {
    const p = new SseParser(1 << 22);
    const one = enc.encode('x');
    p.push(enc.encode('data: '));
    const t0 = performance.now();
    for (let i = 0; i < 200_000; i++) p.push(one);
    expect(p.push(enc.encode('\n\n'))[0]?.data).toHaveLength(200_000);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});

describe('SseParser properties', () => {
  const sseText = fc
    .array(
      fc.oneof(
        fc.string({ maxLength: 20 }).map((s) => `data: ${s.replace(/[\r\n]/g, ' ')}\n`),
        fc.constantFrom('\n', '\r\n', '\r', ': c\n', 'event: e\n', 'id: 1\r\n', 'retry: 10\n', 'data:\u00e9\u{1F600}\r\n'),
      ),
      { maxLength: 30 },
    )
    .map((a) => a.join(''));

  it('raw segments concatenate to the input for any split', () => {
    fc.assert(
      fc.property(sseText, fc.array(fc.nat(), { maxLength: 8 }), (text, cuts) => {
        const bytes = enc.encode(text);
        const { segs, parser } = parseAll(bytes, cuts.map((c) => c % (bytes.length + 1)));
        expect(concat(parser, segs)).toEqual(new Uint8Array(bytes));
      }),
    );
  });

  it('events do not depend on the split', () => {
    fc.assert(
      fc.property(sseText, fc.array(fc.nat(), { maxLength: 8 }), (text, cuts) => {
        const bytes = enc.encode(text);
        expect(events(text, cuts.map((c) => c % (bytes.length + 1)))).toEqual(events(text));
      }),
    );
  });

  it('arbitrary bytes never throw and stay within the limit', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 10 }), (chunks) => {
        const p = new SseParser(256);
        for (const c of chunks) {
          p.push(c);
          expect(p.pendingBytes).toBeLessThanOrEqual(256 + 65536);
          if (!p.overflow) expect(p.pendingBytes).toBeLessThanOrEqual(256);
        }
        p.finish();
      }),
    );
  });
});
