/** Inputs built to make an analyser slow or memory-hungry finish quickly, within bounds. */
import { describe, expect, test } from 'vitest';
import { pickle, tuple } from '../../../test-fixtures/pickle-builder.js';
import { scanBytes } from './test-utils.js';

const time = <T>(f: () => T): [T, number] => {
  const t0 = performance.now();
  const r = f();
  return [r, performance.now() - t0];
};

describe('pathological inputs', () => {
  test('100 000 dangerous calls: findings capped, scan fast', () => {
    const bytes = pickle((b) => {
      b.proto(2).global('os', 'system').binPut(0);
      for (let i = 0; i < 100_000; i++) b.binGet(0).str(`echo ${i}`, 2).tuple1().reduce().pop();
      b.stop();
    });
    const [r, ms] = time(() => scanBytes(bytes));
    expect(r.findings.length).toBeLessThanOrEqual(1000);
    // The Reporter lists maxFindingsPerRule calls and counts the others in one summary finding.
    const calls = r.of('pickle/dangerous-call');
    expect(calls.length).toBe(21);
    expect(calls.at(-1)?.message).toMatch(/^99980 more findings of this rule/);
    expect(ms).toBeLessThan(5000);
  });

  test('a dotted name of 100 000 parts', () => {
    const [r, ms] = time(() => scanBytes(pickle((b) => b.proto(4).str('os').binUnicode('a.'.repeat(100_000) + 'system').stackGlobal().value(tuple('id')).reduce().stop())));
    expect(r.of('pickle/dangerous-call')).toHaveLength(1);
    expect(ms).toBeLessThan(2000);
  });

  test('a getattr chain 20 000 calls deep', () => {
    const bytes = pickle((b) => {
      b.proto(4).stackGlobal('builtins', 'getattr').binPut(0).pop();
      b.stackGlobal('importlib', 'import_module').value(tuple('os')).reduce();
      for (let i = 0; i < 20_000; i++) b.binGet(0).raw([]).pop();
      for (let i = 0; i < 2_000; i++) {
        // x = getattr(x, "path") repeatedly: os.path.path.path…
        b.binPut(1).pop().binGet(0).binGet(1).str('path').tuple2().reduce();
      }
      b.stop();
    });
    const [r, ms] = time(() => scanBytes(bytes));
    expect(r.analysis.complete).toBe(true);
    expect(ms).toBeLessThan(5000);
  });

  test('a list that contains itself, and 10 000 nested tuples, render bounded', () => {
    const cyc = pickle((b) => b.proto(2).emptyList().binPut(0).binGet(0).append().global('os', 'system').binGet(0).tuple1().reduce().stop());
    const f = scanBytes(cyc).of('pickle/dangerous-call')[0];
    expect((f?.evidence ?? '').length).toBeLessThan(600);
    const deep = pickle((b) => {
      b.proto(2).global('os', 'system').none();
      for (let i = 0; i < 10_000; i++) b.tuple1();
      b.tuple1().reduce().stop();
    });
    const g = scanBytes(deep).of('pickle/dangerous-call')[0];
    expect((g?.evidence ?? '').length).toBeLessThan(600);
  });

  test('a huge announced string length is checked against the data, not allocated', () => {
    const r = scanBytes(Uint8Array.of(0x80, 4, 0x8d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x41));
    expect(r.of('scan/malformed-input')).toHaveLength(1);
    const r2 = scanBytes(Uint8Array.of(0x80, 4, 0x95, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x4e, 0x2e));
    expect(r2.of('pickle/frame-mismatch')).toHaveLength(1);
  });

  test('100 000 distinct unknown globals: findings capped', () => {
    const bytes = pickle((b) => {
      b.proto(4);
      for (let i = 0; i < 100_000; i++) b.stackGlobal('pkg', `C${i}`).pop();
      b.none().stop();
    });
    const [r, ms] = time(() => scanBytes(bytes));
    expect(r.findings.length).toBeLessThanOrEqual(1000);
    expect(ms).toBeLessThan(5000);
  });
});
