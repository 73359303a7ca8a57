import { describe, expect, test } from 'vitest';
import type { PickleBuilder } from '../../../test-fixtures/pickle-builder.js';
import { joblibArrayPickle, joblibWrapper, pickle, tuple } from '../../../test-fixtures/pickle-builder.js';
import { scanBytes } from './test-utils.js';

/**
 * joblib's NumpyPickler writes each array's bytes right after the BUILD of its NumpyArrayWrapper
 * (joblib >= 1.2: a padding-length byte and 0xff padding to a 16-byte boundary first; object arrays
 * as an embedded protocol-2 pickle). The builder's output loads with joblib 1.2 (checked by hand).
 */
describe('joblib array interleaving', () => {
  const evilTail = (b: PickleBuilder): void => {
    b.pop().stackGlobal('os', 'system').value(tuple('id')).reduce();
  };

  test('aligned float64 array: bytes skipped exactly, the stream ends cleanly', () => {
    const r = scanBytes(joblibArrayPickle({ shape: [2, 3] }), { scan: { loader: 'joblib' } });
    expect(r.findings).toEqual([]);
    expect(r.analysis.stops).toBe(1);
    expect(r.analysis.complete).toBe(true);
  });

  test('array bytes that look like opcodes are not read as opcodes', () => {
    // 0x2e is STOP, 0x52 REDUCE: data made of them must not end or change the stream.
    const data = new Uint8Array(64).fill(0x52);
    const r = scanBytes(joblibArrayPickle({ shape: [8], data }));
    expect(r.findings).toEqual([]);
  });

  test('joblib <= 1.1 (no alignment attribute) and other dtypes', () => {
    expect(scanBytes(joblibArrayPickle({ shape: [5], aligned: false })).findings).toEqual([]);
    expect(scanBytes(joblibArrayPickle({ shape: [7], dtype: 'i4' })).findings).toEqual([]);
    expect(scanBytes(joblibArrayPickle({ shape: [0, 4] })).findings).toEqual([]);
  });

  test('what follows the array is analysed', () => {
    const r = scanBytes(joblibArrayPickle({ shape: [3], after: evilTail }));
    expect(r.of('pickle/dangerous-call')).toHaveLength(1);
  });

  test('object arrays are an embedded pickle: analysed, then the outer stream goes on', () => {
    const inner = pickle((b) => b.proto(2).global('os', 'system').stop());
    const r = scanBytes(joblibArrayPickle({ shape: [1], dtype: 'O8', objectArrayPickle: inner, after: evilTail }));
    expect(r.of('pickle/dangerous-global').map((f) => f.evidence)).toEqual(['os.system']);
    expect(r.of('pickle/dangerous-call')).toHaveLength(1);
  });

  test('an embedded object-array pickle that breaks is malformed', () => {
    const r = scanBytes(joblibArrayPickle({ shape: [1], dtype: 'O8', objectArrayPickle: Uint8Array.of(0x80, 0x02, 0x4e) }));
    expect(r.of('scan/malformed-input')).toHaveLength(1);
    expect(r.partial).toBe(true);
  });

  test('array data running past the end of the stream is malformed', () => {
    const full = joblibArrayPickle({ shape: [1000] });
    const r = scanBytes(full.subarray(0, 400));
    expect(r.of('scan/malformed-input')[0]?.message).toMatch(/joblib array data|truncated/);
  });

  test('a wrapper whose dtype is not statically known fails closed', () => {
    const bytes = pickle((b) =>
      b.proto(4).stackGlobal('joblib.numpy_pickle', 'NumpyArrayWrapper').emptyTuple().newObj().emptyDict().mark().str('shape').value(tuple(3)).str('dtype').nextBuffer().setItems().buildOp().stop(),
    );
    const r = scanBytes(bytes);
    expect(r.of('scan/malformed-input')[0]?.message).toMatch(/dtype is not statically known/);
  });

  test('array bytes inside an unfinished frame: joblib (pickle.py) reads them after the frame', () => {
    // The frame holds the wrapper's BUILD *and* a payload. joblib reads the array bytes from the
    // file after the frame while the frame's remaining opcodes (the payload) run first.
    const body = pickle((f) => {
      joblibWrapper(f, { shape: [2], aligned: true });
      f.stackGlobal('os', 'system').value(tuple('id')).reduce().pop();
    });
    const bytes = pickle((b) => b.proto(4).frame(body.length).raw(body).raw([0]).raw(new Uint8Array(16)).stop());
    const r = scanBytes(bytes, { scan: { loader: 'joblib' } });
    expect(r.of('pickle/frame-mismatch')[0]?.message).toMatch(/joblib reads the array bytes after the frame/);
    expect(r.of('pickle/dangerous-call')).toHaveLength(1);
    expect(r.analysis.stops).toBe(1);
    expect(r.of('scan/malformed-input')).toEqual([]);
  });
});

describe('the pickle.load reading of joblib array bytes', () => {
  test('a payload hidden in the array bytes (run by pickle.load, skipped by joblib.load) is reported', () => {
    const payload = pickle((b) => b.proto(2).call('os', 'system', 'id').stop());
    const data = new Uint8Array(Math.ceil(payload.length / 8) * 8);
    data.set(payload);
    const r = scanBytes(joblibArrayPickle({ shape: [data.length / 8], aligned: false, data }));
    const f = r.of('pickle/dangerous-call')[0];
    expect(f?.message).toMatch(/if this file is loaded with pickle\.load instead of joblib\.load/);
    expect(f?.severity).toBe('critical');
  });

  test('ordinary array bytes give nothing (the reading fails quietly)', () => {
    const data = new Uint8Array(800);
    for (let i = 0; i < data.length; i++) data[i] = (i * 37 + 11) & 0xff;
    expect(scanBytes(joblibArrayPickle({ shape: [100], aligned: false, data })).findings).toEqual([]);
    expect(scanBytes(joblibArrayPickle({ shape: [100], aligned: true, data })).findings).toEqual([]);
  });
});
