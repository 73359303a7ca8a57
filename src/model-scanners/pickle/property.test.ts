import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { PyLit } from '../../../test-fixtures/pickle-builder.js';
import { DictLit, FloatLit, TupleLit, dictOf, float, joblibArrayPickle, pickle, torchStateDict, tuple } from '../../../test-fixtures/pickle-builder.js';
import { BufferSource } from '../../limits/index.js';
import { renderValue } from './render.js';
import { looksLikePickle } from './sniff.js';
import { evalPickle, hasRawControl, scanBytes } from './test-utils.js';

const SMALL = { maxPickleOps: 5_000, maxPickleStack: 500, maxPickleMemo: 500, maxStringBytes: 256, maxNestingDepth: 3 };

const SEEDS: Uint8Array[] = [
  torchStateDict(3),
  joblibArrayPickle({ shape: [2, 2] }),
  pickle((b) => b.proto(2).call('os', 'system', 'id').stop()),
  pickle((b) => b.proto(4).framed((f) => f.stackGlobal('posixpath', 'os.system').value(tuple('id')).reduce().stop())),
  pickle((b) => b.mark().string("'id'").inst('os', 'system').stop()),
  pickle((b) => b.proto(3).global('pickle', 'loads').binBytes(pickle((x) => x.proto(2).call('os', 'system', 'id').stop())).tuple1().reduce().stop()),
  pickle((b) => b.proto(5).byteArray8(Uint8Array.of(1, 2)).nextBuffer().readonlyBuffer().tuple2().memoize().stop()),
];

function checkScan(bytes: Uint8Array): void {
  const r = scanBytes(bytes, { limits: SMALL });
  expect(r.analysis.opcodes).toBeLessThanOrEqual(SMALL.maxPickleOps);
  expect(r.analysis.endOffset).toBeGreaterThanOrEqual(0);
  expect(r.analysis.endOffset).toBeLessThanOrEqual(bytes.length);
  if (!r.analysis.complete) expect(r.partial).toBe(true);
  expect(r.of('scan/internal-error')).toEqual([]);
  for (const f of r.findings) {
    expect(hasRawControl(f.message, true)).toBe(false);
    if (f.evidence !== undefined) expect(hasRawControl(f.evidence)).toBe(false);
  }
}

describe('property: arbitrary input never breaks the analyser', () => {
  test('arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        checkScan(bytes);
        looksLikePickle(new BufferSource(bytes));
      }),
      { numRuns: 1500 },
    );
  });

  test('arbitrary bytes after a PROTO opcode (so the machine runs, not only the sniff)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 }), fc.uint8Array({ maxLength: 300 }), (p, tail) => {
        const bytes = new Uint8Array(tail.length + 2);
        bytes.set([0x80, p]);
        bytes.set(tail, 2);
        checkScan(bytes);
      }),
      { numRuns: 1500 },
    );
  });

  test('streams of valid opcodes with random arguments', () => {
    const opcodeBytes = [0x28, 0x2e, 0x30, 0x31, 0x32, 0x4a, 0x4b, 0x4d, 0x4e, 0x52, 0x58, 0x61, 0x62, 0x65, 0x68, 0x6c, 0x6f, 0x71, 0x73, 0x74, 0x75, 0x7d, 0x5d, 0x29, 0x81, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8c, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x97, 0x98, 0x82, 0x63, 0x69];
    const chunk = fc.oneof(fc.constantFrom(...opcodeBytes).map((b) => [b]), fc.uint8Array({ maxLength: 6 }).map((a) => [...a]), fc.constantFrom([0x63, ...new TextEncoder().encode('os\nsystem\n')], [0x8c, 2, 0x6f, 0x73]));
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 80 }), (chunks) => {
        const body = chunks.flat();
        checkScan(Uint8Array.from([0x80, 4, ...body]));
      }),
      { numRuns: 1500 },
    );
  });

  test('mutations of valid pickles (flips, insertions, deletions, truncations)', () => {
    const mutation = fc.tuple(fc.constantFrom('flip', 'insert', 'delete', 'truncate'), fc.nat(), fc.integer({ min: 0, max: 255 }));
    fc.assert(
      fc.property(fc.constantFrom(...SEEDS), fc.array(mutation, { minLength: 1, maxLength: 4 }), (seed, muts) => {
        let b = [...seed];
        for (const [kind, pos, val] of muts) {
          const i = b.length === 0 ? 0 : pos % b.length;
          if (kind === 'flip') b[i] = val;
          else if (kind === 'insert') b.splice(i, 0, val);
          else if (kind === 'delete') b.splice(i, 1);
          else b = b.slice(0, i);
        }
        const bytes = Uint8Array.from(b);
        checkScan(bytes);
        looksLikePickle(new BufferSource(bytes));
      }),
      { numRuns: 2000 },
    );
  });
});

/** Python-like rendering of a literal, as the analyser renders the value load() returns. */
function expectedRender(v: PyLit): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return renderValue(v);
  if (v instanceof Uint8Array) return bytesRender(v);
  if (v instanceof FloatLit) return renderValue({ k: 'float', v: v.v } as never);
  if (v instanceof TupleLit) return v.items.length === 1 ? `(${expectedRender(v.items[0] ?? null)},)` : `(${list(v.items)})`;
  if (v instanceof DictLit) return `{${v.entries.slice(0, 6).map(([k, x]) => `${expectedRender(k)}: ${expectedRender(x)}`).join(', ')}${v.entries.length > 6 ? `, …${v.entries.length - 6} more` : ''}}`;
  return `[${list(v)}]`;
}
function depth(v: PyLit): number {
  if (v instanceof TupleLit) return 1 + Math.max(0, ...v.items.map(depth));
  if (v instanceof DictLit) return 1 + Math.max(0, ...v.entries.map(([k, x]) => Math.max(depth(k), depth(x))));
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depth));
  return 0;
}
function list(items: readonly PyLit[]): string {
  const shown = items.slice(0, 6).map(expectedRender);
  if (items.length > 6) shown.push(`…${items.length - 6} more`);
  return shown.join(', ');
}
function bytesRender(b: Uint8Array): string {
  return renderValue({ k: 'bytes', data: b, offset: 0, length: b.length, bytearray: false } as never);
}

describe('property: the value load() returns is recovered exactly', () => {
  const scalar: fc.Arbitrary<PyLit> = fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).filter((x) => x < -(2n ** 53n) || x > 2n ** 53n),
    fc.string({ maxLength: 12 }),
    fc.double({ noNaN: true }).filter((x) => !Number.isInteger(x)).map(float),
    fc.uint8Array({ maxLength: 8 }),
  );
  const lit = fc.letrec<{ v: PyLit }>((tie) => ({
    v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.array(tie('v'), { maxLength: 4 }), fc.array(tie('v'), { maxLength: 4 }).map((a) => tuple(...a)), fc.array(fc.tuple(fc.string({ maxLength: 4 }), tie('v')), { maxLength: 3 }).map((e) => dictOf(...e))),
  })).v;

  test('protocols 2 and 4 (tuples, lists, dicts, strings, bytes, ints, floats)', () => {
    fc.assert(
      fc.property(lit, fc.constantFrom(2, 4), (v, proto) => {
        const bytes = pickle((b) => b.proto(proto).value(v, proto).stop());
        const r = evalPickle(bytes);
        expect(r.outcome.failure?.message).toBeUndefined();
        const expected = expectedRender(v);
        // Rendering is bounded (depth 5, 400 characters): compare where it is not cut.
        if (expected.length < 400 && depth(v) <= 5) expect(r.value).toBe(expected);
      }),
      { numRuns: 600 },
    );
  });
});
