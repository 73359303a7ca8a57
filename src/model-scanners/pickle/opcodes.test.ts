import { describe, expect, test } from 'vitest';
import type { PickleBuilder} from '../../../test-fixtures/pickle-builder.js';
import { pickle, tuple } from '../../../test-fixtures/pickle-builder.js';
import { OPCODE_LIST, OPCODES } from './opcodes.js';
import { evalPickle } from './test-utils.js';

type Case = readonly [op: string, build: (b: PickleBuilder) => void, expected: string];

/** One entry per opcode (at least): the stream and what load() would return, rendered. */
const CASES: readonly Case[] = [
  ['MARK', (b) => b.mark().binInt1(1).binInt1(2).tuple().stop(), '(1, 2)'],
  ['STOP', (b) => b.none().stop(), 'None'],
  ['POP', (b) => b.binInt1(1).binInt1(2).pop().stop(), '1'],
  ['POP', (b) => b.binInt1(1).mark().pop().stop(), '1'], // POP on an empty frame above a mark pops the mark
  ['POP_MARK', (b) => b.binInt1(7).mark().binInt1(1).binInt1(2).popMark().stop(), '7'],
  ['DUP', (b) => b.proto(2).binInt1(3).dup().tuple2().stop(), '(3, 3)'],
  ['FLOAT', (b) => b.float('1.5').stop(), '1.5'],
  ['FLOAT', (b) => b.float('-inf').stop(), '-inf'],
  ['INT', (b) => b.int(42).stop(), '42'],
  ['INT', (b) => b.int('01').stop(), 'True'],
  ['INT', (b) => b.int('00').stop(), 'False'],
  ['INT', (b) => b.int('123456789012345678901234567890').stop(), '123456789012345678901234567890'],
  ['BININT', (b) => b.binInt(-5).stop(), '-5'],
  ['BININT1', (b) => b.binInt1(255).stop(), '255'],
  ['LONG', (b) => b.long('-12345678901234567890').stop(), '-12345678901234567890'],
  ['BININT2', (b) => b.binInt2(65535).stop(), '65535'],
  ['NONE', (b) => b.none().stop(), 'None'],
  ['PERSID', (b) => b.persId('abc').stop(), 'persistent_load("abc")'],
  ['BINPERSID', (b) => b.proto(2).str('x', 2).binInt1(1).tuple2().binPersId().stop(), 'persistent_load(("x", 1))'],
  ['REDUCE', (b) => b.proto(2).global('mymod', 'f').binInt1(1).tuple1().reduce().stop(), 'mymod.f(1)'],
  ['STRING', (b) => b.string("'a\\nb\\x41'").stop(), '"a\\nbA"'],
  ['BINSTRING', (b) => b.binString('caf\u00e9').stop(), '"caf\u00e9"'],
  ['SHORT_BINSTRING', (b) => b.shortBinString('hi').stop(), '"hi"'],
  ['UNICODE', (b) => b.unicode('caf\\u00e9 \\U0001F600').stop(), '"caf\u00e9 \u{1F600}"'],
  ['BINUNICODE', (b) => b.binUnicode('h\u00e9').stop(), '"h\u00e9"'],
  ['APPEND', (b) => b.emptyList().binInt1(1).append().stop(), '[1]'],
  ['BUILD', (b) => b.proto(2).global('mymod', 'C').emptyTuple().newObj().emptyDict().buildOp().stop(), 'mymod.C()'],
  ['GLOBAL', (b) => b.global('collections', 'OrderedDict').stop(), 'collections.OrderedDict'],
  ['DICT', (b) => b.mark().binInt1(1).binInt1(2).dict().stop(), '{1: 2}'],
  ['EMPTY_DICT', (b) => b.emptyDict().stop(), '{}'],
  ['APPENDS', (b) => b.emptyList().mark().binInt1(1).binInt1(2).appends().stop(), '[1, 2]'],
  ['GET', (b) => b.binInt1(9).put(3).pop().get(3).stop(), '9'],
  ['BINGET', (b) => b.binInt1(9).binPut(3).pop().binGet(3).stop(), '9'],
  ['INST', (b) => b.mark().binInt1(1).inst('mymod', 'C').stop(), 'mymod.C(1)'],
  ['LONG_BINGET', (b) => b.binInt1(9).longBinPut(70000).pop().longBinGet(70000).stop(), '9'],
  ['LIST', (b) => b.mark().binInt1(1).list().stop(), '[1]'],
  ['EMPTY_LIST', (b) => b.emptyList().stop(), '[]'],
  ['OBJ', (b) => b.mark().global('mymod', 'C').binInt1(1).obj().stop(), 'mymod.C(1)'],
  ['PUT', (b) => b.binInt1(4).put(0).stop(), '4'],
  ['BINPUT', (b) => b.binInt1(4).binPut(0).stop(), '4'],
  ['LONG_BINPUT', (b) => b.binInt1(4).longBinPut(1).stop(), '4'],
  ['SETITEM', (b) => b.emptyDict().binInt1(1).binInt1(2).setItem().stop(), '{1: 2}'],
  ['TUPLE', (b) => b.mark().tuple().stop(), '()'],
  ['EMPTY_TUPLE', (b) => b.emptyTuple().stop(), '()'],
  ['SETITEMS', (b) => b.emptyDict().mark().binInt1(1).binInt1(2).binInt1(3).binInt1(4).setItems().stop(), '{1: 2, 3: 4}'],
  ['BINFLOAT', (b) => b.binFloat(2.0).stop(), '2.0'],
  ['PROTO', (b) => b.proto(5).none().stop(), 'None'],
  ['NEWOBJ', (b) => b.proto(2).global('mymod', 'C').binInt1(1).tuple1().newObj().stop(), 'mymod.C(1)'],
  ['EXT1', (b) => b.proto(2).ext1(1).stop(), '<the global registered under extension code 1>'],
  ['EXT2', (b) => b.proto(2).ext2(300).stop(), '<the global registered under extension code 300>'],
  ['EXT4', (b) => b.proto(2).ext4(70000).stop(), '<the global registered under extension code 70000>'],
  ['TUPLE1', (b) => b.proto(2).binInt1(1).tuple1().stop(), '(1,)'],
  ['TUPLE2', (b) => b.proto(2).binInt1(1).binInt1(2).tuple2().stop(), '(1, 2)'],
  ['TUPLE3', (b) => b.proto(2).binInt1(1).binInt1(2).binInt1(3).tuple3().stop(), '(1, 2, 3)'],
  ['NEWTRUE', (b) => b.proto(2).newTrue().stop(), 'True'],
  ['NEWFALSE', (b) => b.proto(2).newFalse().stop(), 'False'],
  ['LONG1', (b) => b.proto(2).long1(-1n).stop(), '-1'],
  ['LONG1', (b) => b.proto(2).long1(255n).stop(), '255'],
  ['LONG1', (b) => b.proto(2).long1(2n ** 70n).stop(), '1180591620717411303424'],
  ['LONG4', (b) => b.proto(2).long4(-(2n ** 64n)).stop(), '-18446744073709551616'],
  ['BINBYTES', (b) => b.proto(3).binBytes(Uint8Array.of(1, 0x41)).stop(), 'b"\\x01A"'],
  ['SHORT_BINBYTES', (b) => b.proto(3).shortBinBytes(Uint8Array.of(0x22)).stop(), 'b"\\""'],
  ['SHORT_BINUNICODE', (b) => b.proto(4).shortBinUnicode('x').stop(), '"x"'],
  ['BINUNICODE8', (b) => b.proto(4).binUnicode8('y').stop(), '"y"'],
  ['BINBYTES8', (b) => b.proto(4).binBytes8(Uint8Array.of(0x7a)).stop(), 'b"z"'],
  ['EMPTY_SET', (b) => b.proto(4).emptySet().stop(), 'set()'],
  ['ADDITEMS', (b) => b.proto(4).emptySet().mark().binInt1(1).binInt1(2).addItems().stop(), '{1, 2}'],
  ['FROZENSET', (b) => b.proto(4).mark().binInt1(1).frozenSet().stop(), 'frozenset({1})'],
  ['NEWOBJ_EX', (b) => b.proto(4).global('mymod', 'C').binInt1(1).tuple1().emptyDict().str('k').binInt1(2).setItem().newObjEx().stop(), 'mymod.C(1, k=2)'],
  ['STACK_GLOBAL', (b) => b.proto(4).stackGlobal('collections', 'OrderedDict').stop(), 'collections.OrderedDict'],
  ['MEMOIZE', (b) => b.proto(4).binInt1(5).memoize().pop().binInt1(6).memoize().pop().binGet(1).stop(), '6'],
  ['FRAME', (b) => b.proto(4).framed((f) => f.none().stop()), 'None'],
  ['BYTEARRAY8', (b) => b.proto(5).byteArray8(Uint8Array.of(0x61, 0x62)).stop(), 'bytearray(b"ab")'],
  ['NEXT_BUFFER', (b) => b.proto(5).nextBuffer().stop(), '<out-of-band buffer (protocol 5 NEXT_BUFFER)>'],
  ['READONLY_BUFFER', (b) => b.proto(5).nextBuffer().readonlyBuffer().stop(), '<out-of-band buffer (protocol 5 NEXT_BUFFER)>'],
];

describe('opcode table', () => {
  test('matches pickletools: 68 opcodes, unique bytes and names', () => {
    expect(OPCODE_LIST).toHaveLength(68);
    expect(new Set(OPCODE_LIST.map((o) => o.code)).size).toBe(68);
    expect(new Set(OPCODE_LIST.map((o) => o.name)).size).toBe(68);
    expect(OPCODES[0x80]?.name).toBe('PROTO');
    expect(OPCODES[0x95]?.arg).toBe('u8');
    expect(OPCODES[0x00]).toBeUndefined();
  });

  test('every opcode has a case below', () => {
    const covered = new Set(CASES.map((c) => c[0]));
    expect(OPCODE_LIST.map((o) => o.name).filter((n) => !covered.has(n))).toEqual([]);
  });

  test.each(CASES.map((c, i) => [`${c[0]} #${i}`, c] as const))('%s', (_name, [, build, expected]) => {
    const r = evalPickle(pickle(build));
    expect(r.outcome.failure?.message).toBeUndefined();
    expect(r.outcome.stopped).toBe(true);
    expect(r.value).toBe(expected);
  });
});

describe('malformed streams (what the loader rejects)', () => {
  const bad: readonly (readonly [string, (b: PickleBuilder) => void, RegExp])[] = [
    ['unknown opcode', (b) => b.raw([0xff]), /invalid load key, 0xff/],
    ['truncated argument', (b) => b.raw([0x4a, 1, 2]), /truncated/],
    ['no STOP', (b) => b.none(), /no STOP/],
    ['stack underflow', (b) => b.proto(2).tuple1(), /underflow/],
    ['pop below mark', (b) => b.binInt1(1).mark().tuple1(), /underflow/],
    ['missing mark', (b) => b.binInt1(1).tuple(), /MARK/],
    ['GET before PUT', (b) => b.binGet(3), /memo value 3 not found/],
    ['unsupported protocol', (b) => b.proto(6), /unsupported pickle protocol: 6/],
    ['odd DICT', (b) => b.mark().binInt1(1).dict(), /odd number of items for DICT/],
    ['odd SETITEMS', (b) => b.emptyDict().mark().binInt1(1).setItems(), /odd number of items for SETITEMS/],
    ['negative LONG_BINPUT', (b) => b.none().longBinPut(0x80000000), /negative LONG_BINPUT/],
    ['negative PUT', (b) => b.none().put(-1), /negative PUT/],
    ['EXT code 0', (b) => b.ext1(0), /EXT specifies code <= 0/],
    ['bad INT literal', (b) => b.int('12a'), /invalid literal for INT/],
    ['unquoted STRING', (b) => b.string('abc'), /must be quoted/],
    ['invalid UTF-8', (b) => b.binUnicode(Uint8Array.of(0xff, 0xfe)), /not valid UTF-8/],
    ['BINSTRING negative length', (b) => b.raw([0x54, 0xff, 0xff, 0xff, 0xff]), /negative byte count/],
    ['string longer than the data', (b) => b.raw([0x58, 10, 0, 0, 0, 0x61]), /truncated/],
    ['OBJ without class', (b) => b.mark().obj(), /OBJ without a class/],
    ['GLOBAL without newline', (b) => b.raw('cos\nsys'), /truncated/],
  ];
  test.each(bad)('%s', (_name, build, re) => {
    const r = evalPickle(pickle(build));
    expect(r.outcome.stopped).toBe(false);
    expect(r.outcome.failure?.kind).toBe('malformed');
    expect(r.outcome.failure?.message).toMatch(re);
  });

  test('lone surrogates are accepted (pickle decodes with surrogatepass)', () => {
    const r = evalPickle(pickle((b) => b.binUnicode(Uint8Array.of(0xed, 0xa0, 0x80)).stop()));
    expect(r.outcome.stopped).toBe(true);
  });

  test('a tuple argument to REDUCE may be any iterable for pickle.py: a list works', () => {
    const r = evalPickle(pickle((b) => b.global('mymod', 'f').emptyList().reduce().stop()));
    expect(r.value).toBe('mymod.f()');
  });

  test('tuple(...) helper and value() round-trip nested containers', () => {
    const r = evalPickle(pickle((b) => b.proto(4).value(tuple(1, 'a', [true, null], tuple())).stop()));
    expect(r.value).toBe('(1, "a", [True, None], ())');
  });
});
