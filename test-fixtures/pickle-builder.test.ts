/**
 * The builder emits exactly what CPython's Pickler writes for the same opcodes (reference bytes from
 * `pickle.dumps` in CPython 3.11, copied here as the expected values).
 */
import { describe, expect, test } from 'vitest';
import { PickleBuilder, joblibArrayPickle, pickle, torchStateDict, tuple } from './pickle-builder.js';

const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('PickleBuilder', () => {
  test('pickle.dumps(OrderedDict(a=1), protocol=2)', () => {
    const b = pickle((x) => x.proto(2).global('collections', 'OrderedDict').binPut(0).emptyTuple().reduce().binPut(1).binUnicode('a').binPut(2).binInt1(1).setItem().stop());
    expect(b).toEqual(bytes('\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01X\x01\x00\x00\x00aq\x02K\x01s.'));
  });

  test("pickle.dumps({'a': [1, 2.5, None, True]}, protocol=0)", () => {
    const b = pickle((x) => x.mark().dict().put(0).unicode('a').put(1).mark().list().put(2).int(1).append().float('2.5').append().none().append().int('01').append().setItem().stop());
    expect(b).toEqual(bytes('(dp0\nVa\np1\n(lp2\nI1\naF2.5\naNaI01\nas.'));
  });

  test("pickle.dumps(('ab', b'c', 1.5), protocol=4) with its frame", () => {
    const b = pickle((x) => x.proto(4).framed((f) => f.shortBinUnicode('ab').memoize().shortBinBytes(bytes('c')).memoize().binFloat(1.5).tuple3().memoize().stop()));
    expect(b).toEqual(bytes('\x80\x04\x95\x15\x00\x00\x00\x00\x00\x00\x00\x8c\x02ab\x94C\x01c\x94G?\xf8\x00\x00\x00\x00\x00\x00\x87\x94.'));
  });

  test('integers: BININT, LONG1 (pickle.encode_long)', () => {
    expect(pickle((x) => x.proto(2).value(-5, 2).stop())).toEqual(bytes('\x80\x02J\xfb\xff\xff\xff.'));
    expect(pickle((x) => x.proto(2).value(70000, 2).stop())).toEqual(bytes('\x80\x02Jp\x11\x01\x00.'));
    expect(pickle((x) => x.proto(2).value(2 ** 40, 2).stop())).toEqual(bytes('\x80\x02\x8a\x06\x00\x00\x00\x00\x00\x01.'));
    const enc = (n: bigint): number[] => [...pickle((x) => x.long1(n))].slice(2);
    expect(enc(255n)).toEqual([0xff, 0x00]);
    expect(enc(-1n)).toEqual([0xff]);
    expect(enc(0n)).toEqual([]);
    expect(enc(128n)).toEqual([0x80, 0x00]);
    expect(enc(-128n)).toEqual([0x80]);
    expect(enc(-129n)).toEqual([0x7f, 0xff]);
    expect(enc(2n ** 70n)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0x40]);
  });

  test('pickle.dumps({1, 2}, protocol=4)', () => {
    const b = pickle((x) => x.proto(4).framed((f) => f.emptySet().memoize().mark().binInt1(1).binInt1(2).addItems().stop()));
    expect(b).toEqual(bytes('\x80\x04\x95\t\x00\x00\x00\x00\x00\x00\x00\x8f\x94(K\x01K\x02\x90.'));
  });

  test('value() and call() helpers', () => {
    expect(pickle((x) => x.proto(2).call('m', 'f', 1).stop())).toEqual(bytes('\x80\x02cm\nf\nK\x01\x85R.'));
    expect(pickle((x) => x.value(tuple(1, 2, 3, 4), 1))).toEqual(bytes('(K\x01K\x02K\x03K\x04t'));
    expect(new PickleBuilder().raw('abc').length).toBe(3);
  });

  test('torchStateDict and joblibArrayPickle produce streams of the expected size', () => {
    expect(torchStateDict(10).length).toBeGreaterThan(10 * 60);
    expect(torchStateDict(10)[0]).toBe(0x80);
    const j = joblibArrayPickle({ shape: [4] });
    expect(j[j.length - 1]).toBe(0x2e);
  });
});
