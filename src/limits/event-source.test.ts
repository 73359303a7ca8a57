import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LineRecord } from './index.js';
import { BoundedQueue, readLines } from './index.js';

async function* chunks(parts: (string | Uint8Array)[]): AsyncGenerator<string | Uint8Array> {
  for (const p of parts) yield p;
}

async function collect(parts: (string | Uint8Array)[], max: number): Promise<LineRecord[]> {
  const out: LineRecord[] = [];
  for await (const r of readLines(chunks(parts), max)) out.push(r);
  return out;
}

describe('readLines', () => {
  it('splits lines across chunk boundaries, drops CR and empty lines, keeps a last line without newline', async () => {
    expect(await collect(['{"a"', ':1}\r\n\n{"b":2}\n{"c"', ':3}'], 100)).toEqual([
      { kind: 'line', line: 1, text: '{"a":1}' },
      { kind: 'line', line: 3, text: '{"b":2}' },
      { kind: 'line', line: 4, text: '{"c":3}' },
    ]);
  });
  it('reports a line over the limit with its length, without keeping it, and goes on', async () => {
    const long = 'x'.repeat(50);
    expect(await collect(['ok\n', long.slice(0, 20), long.slice(20), '\nnext\n'], 10)).toEqual([
      { kind: 'line', line: 1, text: 'ok' },
      { kind: 'too-long', line: 2, bytes: 50 },
      { kind: 'line', line: 3, text: 'next' },
    ]);
  });
  it('reports invalid UTF-8 as such', async () => {
    expect(await collect([Uint8Array.of(0x61, 0xff, 0x62, 0x0a, 0x63)], 10)).toEqual([
      { kind: 'invalid-utf8', line: 1, bytes: 3 },
      { kind: 'line', line: 2, text: 'c' },
    ]);
  });
  it('never keeps more than the limit and sees every line, however the stream is cut', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.stringMatching(/^[a-z]{0,30}$/), { maxLength: 30 }), fc.array(fc.nat(40), { maxLength: 10 }), async (lines, cuts) => {
        const text = lines.map((l) => `${l}\n`).join('');
        const bytes = new TextEncoder().encode(text);
        const parts: Uint8Array[] = [];
        let at = 0;
        for (const c of cuts) {
          parts.push(bytes.subarray(at, Math.min(bytes.length, at + c)));
          at = Math.min(bytes.length, at + c);
        }
        parts.push(bytes.subarray(at));
        const got = await collect(parts, 20);
        const expected = lines
          .map((l, i) => (l.length > 20 ? { kind: 'too-long', line: i + 1, bytes: l.length } : { kind: 'line', line: i + 1, text: l }))
          .filter((r) => r.kind !== 'line' || (r as { text: string }).text !== '');
        expect(got).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});

describe('BoundedQueue', () => {
  it('hands items to a waiting consumer, bounds the depth and counts drops', async () => {
    const q = new BoundedQueue<number>(2);
    const first = q.take();
    expect(q.offer(1)).toBe(true);
    expect(await first).toEqual({ value: 1, done: false });
    expect(q.offer(2)).toBe(true);
    expect(q.offer(3)).toBe(true);
    expect(q.offer(4)).toBe(false);
    expect(q.dropped).toBe(1);
    expect(q.highWater).toBe(2);
    q.close();
    const rest: number[] = [];
    for await (const v of q) rest.push(v);
    expect(rest).toEqual([2, 3]);
    expect(q.offer(5)).toBe(false);
  });
});
