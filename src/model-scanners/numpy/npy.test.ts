import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BulwarkError } from '../../findings/index.js';
import { BufferSource, DEFAULT_LIMITS } from '../../limits/index.js';
import { buildNpy, floatNpy } from '../../../test-fixtures/npy-builder.js';
import { EVIL_PICKLE, findingsOf, memberOf, mustScan, ruleIds } from '../../../test-fixtures/model-scan-helpers.js';
import { buildZip } from '../../../test-fixtures/zip-builder.js';
import { isDict, isTuple, parsePyLiteral } from './literal.js';
import { dtypeInfo, parseNpyHeader, typestrInfo } from './npy.js';

const header = (bytes: Uint8Array) => parseNpyHeader(new BufferSource(bytes), DEFAULT_LIMITS);

describe('Python literal parser (no eval)', () => {
  it('parses the dicts numpy writes', () => {
    const v = parsePyLiteral("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", 16);
    expect(isDict(v)).toBe(true);
    if (!isDict(v)) return;
    expect(v.dict.map(([k]) => k)).toEqual(['descr', 'fortran_order', 'shape']);
    const shape = v.dict[2]?.[1];
    expect(shape && isTuple(shape) ? shape.tuple : undefined).toEqual([3, 4]);
  });

  it('handles 1-tuples, empty tuples, parentheses, Python 2 longs, u-strings and escapes', () => {
    expect(parsePyLiteral('(3,)', 4)).toEqual({ tuple: [3] });
    expect(parsePyLiteral('()', 4)).toEqual({ tuple: [] });
    expect(parsePyLiteral('(3)', 4)).toBe(3);
    expect(parsePyLiteral('(3L, 4L)', 4)).toEqual({ tuple: [3, 4] });
    expect(parsePyLiteral("u'a\\'b\\x41'", 4)).toBe("a'bA");
    expect(parsePyLiteral("[('a', '<i4'), ('b', '|O', (2,))]", 8)).toEqual([{ tuple: ['a', '<i4'] }, { tuple: ['b', '|O', { tuple: [2] }] }]);
  });

  it('rejects code and anything literal_eval would not accept', () => {
    for (const t of ["__import__('os').system('id')", "{'a': 1", '1.5', "{'a' 1}", 'True False', 'f(1)', "'unterminated"]) {
      expect(() => parsePyLiteral(t, 8), t).toThrow(BulwarkError);
    }
  });

  it('bounds nesting depth', () => {
    expect(() => parsePyLiteral('['.repeat(50) + ']'.repeat(50), 20)).toThrow(/maxStructureDepth/);
  });

  it('never throws anything but typed errors', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (t) => {
        try {
          parsePyLiteral(t, 16);
        } catch (e) {
          expect(e).toBeInstanceOf(BulwarkError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('dtypes', () => {
  it('sizes and object-ness', () => {
    expect(typestrInfo('<f4')).toEqual({ itemSize: 4, hasObject: false });
    expect(typestrInfo('<U10')).toEqual({ itemSize: 40, hasObject: false });
    expect(typestrInfo('|O')).toEqual({ itemSize: 8, hasObject: true });
    expect(typestrInfo('object')).toEqual({ itemSize: 8, hasObject: true });
    expect(typestrInfo('<M8[ns]')).toEqual({ itemSize: 8, hasObject: false });
    expect(typestrInfo('|b1')).toEqual({ itemSize: 1, hasObject: false });
    expect(typestrInfo('<zz')).toBeUndefined();
    expect(dtypeInfo([{ tuple: ['a', '<i4'] }, { tuple: ['b', '|O', { tuple: [2] }] }])).toEqual({ itemSize: 20, hasObject: true });
    expect(dtypeInfo({ tuple: ['<f8', { tuple: [2, 3] }] })).toEqual({ itemSize: 48, hasObject: false });
  });
});

describe('npy header', () => {
  it('parses versions 1, 2 and 3', () => {
    for (const version of [1, 2, 3] as const) {
      const h = header(buildNpy({ version, descr: "'<i8'", shape: '(2, 5)', data: new Uint8Array(80) }));
      expect(h.shape).toEqual([2, 5]);
      expect(h.dtype.itemSize).toBe(8);
      expect(h.dataOffset % 64).toBe(0);
    }
  });

  it('rejects headers numpy rejects', () => {
    expect(() => header(buildNpy({ headerText: "{'descr': '<f4', 'shape': (1,)}" }))).toThrow(/keys/);
    expect(() => header(buildNpy({ headerText: "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}" }))).toThrow(/fortran_order/);
    expect(() => header(buildNpy({ headerText: "{'descr': '<f4', 'fortran_order': False, 'shape': [1]}" }))).toThrow(/shape/);
    expect(() => header(buildNpy({ descr: "'<q9z'" }))).toThrow(/dtype/);
    const v9 = buildNpy();
    v9[6] = 9;
    expect(() => header(v9)).toThrow(/version/);
  });

  it('bounds the header length with maxStringBytes', () => {
    const big = buildNpy({ version: 2, headerText: `{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }${' '.repeat(5000)}\n` });
    expect(() => parseNpyHeader(new BufferSource(big), { maxStringBytes: 1000, maxStructureDepth: 16 })).toThrow(/maxStringBytes/);
  });

  it('never throws anything but typed errors on mutated files', () => {
    const base = buildNpy({ descr: "[('a', '<i4'), ('b', '|O')]", shape: '(2,)', data: new Uint8Array(24) });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 5 }), (edits) => {
        const b = new Uint8Array(base);
        for (const [at, v] of edits) b[at % b.length] = v;
        try {
          header(b);
        } catch (e) {
          expect(e).toBeInstanceOf(BulwarkError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('npy scanning', () => {
  it('passes numeric arrays whose size matches', () => {
    const r = mustScan(floatNpy(16));
    expect(r.format).toBe('numpy-npy');
    expect(r.findings).toEqual([]);
    expect(r.status).toBe('complete');
  });

  it('analyses object arrays as pickles (numpy loader)', () => {
    const r = mustScan(buildNpy({ descr: "'|O'", shape: '(1,)', data: EVIL_PICKLE }));
    expect(ruleIds(r)).toEqual(['numpy/object-array', 'pickle/dangerous-call']);
  });

  it('finds object fields in structured dtypes', () => {
    const r = mustScan(buildNpy({ descr: "[('w', '<f4'), ('o', '|O')]", shape: '(1,)', data: EVIL_PICKLE }));
    expect(ruleIds(r)).toContain('pickle/dangerous-call');
  });

  it('reports size mismatches and scans trailing data', () => {
    const r = mustScan(buildNpy({ descr: "'<f4'", shape: '(2,)', data: new Uint8Array([...new Uint8Array(8), ...EVIL_PICKLE]) }));
    expect(ruleIds(r)).toEqual(['numpy/size-mismatch', 'pickle/dangerous-call']);
    expect(findingsOf(r, 'pickle/dangerous-call').map(memberOf)).toEqual(['<data after the array>']);
    const short = mustScan(buildNpy({ descr: "'<f4'", shape: '(100,)', data: new Uint8Array(8) }));
    expect(ruleIds(short)).toEqual(['numpy/size-mismatch']);
  });

  it('reports malformed headers as partial', () => {
    const r = mustScan(buildNpy({ headerText: "{'descr': eval('1'), 'fortran_order': False, 'shape': ()}" }));
    expect(r.status).toBe('partial');
    expect(ruleIds(r)).toEqual(['scan/malformed-input']);
  });

  it('npz members go through the zip path', () => {
    const npz = buildZip({ entries: [{ name: 'a.npy', data: floatNpy(4) }, { name: 'b.npy', data: buildNpy({ descr: "'|O'", shape: '(1,)', data: EVIL_PICKLE }), method: 'deflate' }] });
    const r = mustScan(npz);
    expect(r.format).toBe('numpy-npz');
    expect(findingsOf(r, 'pickle/dangerous-call').map(memberOf)).toEqual(['b.npy']);
  });
});
