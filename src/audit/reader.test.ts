/**
 * The audit-log reader and the JSON item splitter: JSON lines, pretty-printed documents, one-line
 * EventLists past the event limit, truncated and over-long input, invalid UTF-8 — every record is
 * either handed over or rejected with a reason; memory never holds more than one event.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RejectKind } from './reader.js';
import { readAuditStream } from './reader.js';

async function read(input: string | Uint8Array | (string | Uint8Array)[], max = 1 << 20): Promise<{ texts: [number, string][]; rejects: [RejectKind, number, string][]; mode: string }> {
  const texts: [number, string][] = [];
  const rejects: [RejectKind, number, string][] = [];
  const chunks = Array.isArray(input) ? input : [input];
  async function* gen(): AsyncGenerator<Uint8Array | string> {
    for (const c of chunks) yield c;
  }
  const r = await readAuditStream(gen(), max, { text: (t, l) => texts.push([l, t]), reject: (k, l, d) => rejects.push([k, l, d]) });
  return { texts, rejects, mode: r.mode };
}

const ev = (id: string): string => JSON.stringify({ kind: 'Event', auditID: id, stage: 'ResponseComplete', verb: 'get' });

describe('readAuditStream', () => {
  it('reads JSON lines across chunk boundaries, CRLF and a last line without newline', async () => {
    const text = `${ev('a')}\r\n\n${ev('b')}\n${ev('c')}`;
    const r = await read([text.slice(0, 17), text.slice(17, 80), text.slice(80)]);
    expect(r.mode).toBe('lines');
    expect(r.texts.map(([l, t]) => [l, (JSON.parse(t) as { auditID: string }).auditID])).toEqual([[1, 'a'], [3, 'b'], [4, 'c']]);
    expect(r.rejects).toEqual([]);
  });

  it('splits a pretty-printed EventList into its items, with their lines', async () => {
    const doc = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items: [JSON.parse(ev('a')), JSON.parse(ev('b'))] }, null, 2);
    const r = await read([doc.slice(0, 30), doc.slice(30)]);
    expect(r.mode).toBe('document');
    expect(r.texts.map(([, t]) => (JSON.parse(t) as { auditID: string }).auditID)).toEqual(['a', 'b']);
    expect(r.texts[0]?.[0]).toBe(6);
  });

  it('splits AKS records, a top-level array and concatenated pretty events', async () => {
    const records = JSON.stringify({ records: [{ properties: { log: ev('x') } }, { properties: { log: ev('y') } }] }, null, 1);
    expect((await read(records)).texts).toHaveLength(2);
    expect((await read(`[\n${ev('a')},\n "str", 12,\n${ev('b')}\n]`)).texts.map(([, t]) => t.slice(0, 3))).toEqual(['{"k', '"st', '12', '{"k']);
    const two = `${JSON.stringify(JSON.parse(ev('a')), null, 2)}\n${JSON.stringify(JSON.parse(ev('b')), null, 2)}`;
    expect((await read(two)).texts.map(([, t]) => (JSON.parse(t) as { auditID: string }).auditID)).toEqual(['a', 'b']);
  });

  it('splits a one-line EventList larger than maxEventBytes into items; skips other over-long lines', async () => {
    const big = JSON.stringify({ kind: 'EventList', items: Array.from({ length: 50 }, (_, i) => JSON.parse(ev(`e${i}`)) as unknown) });
    const r = await read(`${ev('first')}\n${big}\n${'x'.repeat(5000)}\n${ev('last')}\n`, 1000);
    expect(r.texts.map(([, t]) => (JSON.parse(t) as { auditID: string }).auditID)).toEqual(['first', ...Array.from({ length: 50 }, (_, i) => `e${i}`), 'last']);
    expect(r.rejects).toEqual([['too-long', 3, 'a line of 5000 bytes is larger than maxEventBytes (1000)']]);
  });

  it('rejects an over-long item inside a document, invalid UTF-8 and truncation', async () => {
    const doc = `{"items": [\n${ev('a')},\n{"kind":"Event","pad":"${'p'.repeat(3000)}"},\n${ev('b')}\n]}`;
    const r = await read(doc, 1000);
    expect(r.texts).toHaveLength(2);
    expect(r.rejects[0]?.[0]).toBe('too-long');
    const bad = await read([Buffer.from(`${ev('a')}\n`), Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d, 0x0a]), Buffer.from(`${ev('b')}\n`)]);
    expect(bad.texts).toHaveLength(2);
    expect(bad.rejects).toEqual([['invalid-utf8', 2, '6 bytes are not UTF-8']]);
    const cut = await read('{\n "items": [\n' + ev('a') + ',\n {"kind": "Ev');
    expect(cut.texts).toHaveLength(1);
    expect(cut.rejects[0]?.[0]).toBe('malformed');
  });

  it('never throws and always terminates on arbitrary bytes; memory per record stays under the limit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), async (chunks) => {
        const r = await read(chunks.length === 0 ? [''] : chunks, 200);
        for (const [, t] of r.texts) expect(Buffer.byteLength(t)).toBeLessThanOrEqual(200);
      }),
      { numRuns: 300 },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('{', '}', '[', ']', '"', '\\', ',', ':', '\n', 'a', ' ', '1', '"items"'), { maxLength: 200 }), async (toks) => {
        await read([toks.join('').slice(0, 50), toks.join('').slice(50)], 64);
      }),
      { numRuns: 300 },
    );
  });
});
