/**
 * The pickle opcode table, protocols 0–5, after CPython `Lib/pickletools.py` (`opcodes`) and
 * `Lib/pickle.py`. One byte per opcode; the argument that follows it is described by `arg`.
 *
 * Argument kinds (pickletools names in brackets):
 * - `none`        no argument
 * - `u1` `u2` `u4` `i4` `u8`  little-endian fixed-width integers [uint1, uint2, uint4, int4, uint8]
 * - `f8be`        8-byte big-endian IEEE double [float8]
 * - `line`        bytes up to `\n` [decimalnl_short, decimalnl_long, floatnl, stringnl, unicodestringnl]
 * - `line2`       two `\n`-terminated lines: module and name [stringnl_noescape_pair]
 * - `bytes1` `bytes4` `bytes8`  length-prefixed byte strings (u1, i4/u4, u8 length)
 * - `long1` `long4`  length-prefixed little-endian two's-complement integers
 */
export type ArgKind =
  | 'none'
  | 'u1'
  | 'u2'
  | 'u4'
  | 'i4'
  | 'u8'
  | 'f8be'
  | 'line'
  | 'line2'
  | 'bytes1'
  | 'bytes4'
  | 'bytes8'
  | 'long1'
  | 'long4';

export interface OpcodeInfo {
  readonly code: number;
  readonly name: string;
  readonly arg: ArgKind;
  /** Protocol that introduced the opcode. */
  readonly proto: number;
  /** Symbolic stack effect, as documented by pickletools (`mark` = needs a mark on the stack). */
  readonly effect: string;
}

export const OP = {
  MARK: 0x28, // (
  STOP: 0x2e, // .
  POP: 0x30, // 0
  POP_MARK: 0x31, // 1
  DUP: 0x32, // 2
  FLOAT: 0x46, // F
  INT: 0x49, // I
  BININT: 0x4a, // J
  BININT1: 0x4b, // K
  LONG: 0x4c, // L
  BININT2: 0x4d, // M
  NONE: 0x4e, // N
  PERSID: 0x50, // P
  BINPERSID: 0x51, // Q
  REDUCE: 0x52, // R
  STRING: 0x53, // S
  BINSTRING: 0x54, // T
  SHORT_BINSTRING: 0x55, // U
  UNICODE: 0x56, // V
  BINUNICODE: 0x58, // X
  APPEND: 0x61, // a
  BUILD: 0x62, // b
  GLOBAL: 0x63, // c
  DICT: 0x64, // d
  EMPTY_DICT: 0x7d, // }
  APPENDS: 0x65, // e
  GET: 0x67, // g
  BINGET: 0x68, // h
  INST: 0x69, // i
  LONG_BINGET: 0x6a, // j
  LIST: 0x6c, // l
  EMPTY_LIST: 0x5d, // ]
  OBJ: 0x6f, // o
  PUT: 0x70, // p
  BINPUT: 0x71, // q
  LONG_BINPUT: 0x72, // r
  SETITEM: 0x73, // s
  TUPLE: 0x74, // t
  EMPTY_TUPLE: 0x29, // )
  SETITEMS: 0x75, // u
  BINFLOAT: 0x47, // G
  // protocol 2
  PROTO: 0x80,
  NEWOBJ: 0x81,
  EXT1: 0x82,
  EXT2: 0x83,
  EXT4: 0x84,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  LONG1: 0x8a,
  LONG4: 0x8b,
  // protocol 3
  BINBYTES: 0x42, // B
  SHORT_BINBYTES: 0x43, // C
  // protocol 4
  SHORT_BINUNICODE: 0x8c,
  BINUNICODE8: 0x8d,
  BINBYTES8: 0x8e,
  EMPTY_SET: 0x8f,
  ADDITEMS: 0x90,
  FROZENSET: 0x91,
  NEWOBJ_EX: 0x92,
  STACK_GLOBAL: 0x93,
  MEMOIZE: 0x94,
  FRAME: 0x95,
  // protocol 5
  BYTEARRAY8: 0x96,
  NEXT_BUFFER: 0x97,
  READONLY_BUFFER: 0x98,
} as const;

export type OpName = keyof typeof OP;

const TABLE: readonly OpcodeInfo[] = [
  { code: OP.INT, name: 'INT', arg: 'line', proto: 0, effect: '-> int|bool' },
  { code: OP.BININT, name: 'BININT', arg: 'i4', proto: 1, effect: '-> int' },
  { code: OP.BININT1, name: 'BININT1', arg: 'u1', proto: 1, effect: '-> int' },
  { code: OP.BININT2, name: 'BININT2', arg: 'u2', proto: 1, effect: '-> int' },
  { code: OP.LONG, name: 'LONG', arg: 'line', proto: 0, effect: '-> int' },
  { code: OP.LONG1, name: 'LONG1', arg: 'long1', proto: 2, effect: '-> int' },
  { code: OP.LONG4, name: 'LONG4', arg: 'long4', proto: 2, effect: '-> int' },
  { code: OP.STRING, name: 'STRING', arg: 'line', proto: 0, effect: '-> str|bytes' },
  { code: OP.BINSTRING, name: 'BINSTRING', arg: 'bytes4', proto: 1, effect: '-> str|bytes' },
  { code: OP.SHORT_BINSTRING, name: 'SHORT_BINSTRING', arg: 'bytes1', proto: 1, effect: '-> str|bytes' },
  { code: OP.BINBYTES, name: 'BINBYTES', arg: 'bytes4', proto: 3, effect: '-> bytes' },
  { code: OP.SHORT_BINBYTES, name: 'SHORT_BINBYTES', arg: 'bytes1', proto: 3, effect: '-> bytes' },
  { code: OP.BINBYTES8, name: 'BINBYTES8', arg: 'bytes8', proto: 4, effect: '-> bytes' },
  { code: OP.BYTEARRAY8, name: 'BYTEARRAY8', arg: 'bytes8', proto: 5, effect: '-> bytearray' },
  { code: OP.NEXT_BUFFER, name: 'NEXT_BUFFER', arg: 'none', proto: 5, effect: '-> buffer' },
  { code: OP.READONLY_BUFFER, name: 'READONLY_BUFFER', arg: 'none', proto: 5, effect: 'buffer -> buffer' },
  { code: OP.NONE, name: 'NONE', arg: 'none', proto: 0, effect: '-> None' },
  { code: OP.NEWTRUE, name: 'NEWTRUE', arg: 'none', proto: 2, effect: '-> True' },
  { code: OP.NEWFALSE, name: 'NEWFALSE', arg: 'none', proto: 2, effect: '-> False' },
  { code: OP.UNICODE, name: 'UNICODE', arg: 'line', proto: 0, effect: '-> str' },
  { code: OP.SHORT_BINUNICODE, name: 'SHORT_BINUNICODE', arg: 'bytes1', proto: 4, effect: '-> str' },
  { code: OP.BINUNICODE, name: 'BINUNICODE', arg: 'bytes4', proto: 1, effect: '-> str' },
  { code: OP.BINUNICODE8, name: 'BINUNICODE8', arg: 'bytes8', proto: 4, effect: '-> str' },
  { code: OP.FLOAT, name: 'FLOAT', arg: 'line', proto: 0, effect: '-> float' },
  { code: OP.BINFLOAT, name: 'BINFLOAT', arg: 'f8be', proto: 1, effect: '-> float' },
  { code: OP.EMPTY_LIST, name: 'EMPTY_LIST', arg: 'none', proto: 1, effect: '-> list' },
  { code: OP.APPEND, name: 'APPEND', arg: 'none', proto: 0, effect: 'list any -> list' },
  { code: OP.APPENDS, name: 'APPENDS', arg: 'none', proto: 1, effect: 'list mark any* -> list' },
  { code: OP.LIST, name: 'LIST', arg: 'none', proto: 0, effect: 'mark any* -> list' },
  { code: OP.EMPTY_TUPLE, name: 'EMPTY_TUPLE', arg: 'none', proto: 1, effect: '-> tuple' },
  { code: OP.TUPLE, name: 'TUPLE', arg: 'none', proto: 0, effect: 'mark any* -> tuple' },
  { code: OP.TUPLE1, name: 'TUPLE1', arg: 'none', proto: 2, effect: 'any -> tuple' },
  { code: OP.TUPLE2, name: 'TUPLE2', arg: 'none', proto: 2, effect: 'any any -> tuple' },
  { code: OP.TUPLE3, name: 'TUPLE3', arg: 'none', proto: 2, effect: 'any any any -> tuple' },
  { code: OP.EMPTY_DICT, name: 'EMPTY_DICT', arg: 'none', proto: 1, effect: '-> dict' },
  { code: OP.DICT, name: 'DICT', arg: 'none', proto: 0, effect: 'mark (k v)* -> dict' },
  { code: OP.SETITEM, name: 'SETITEM', arg: 'none', proto: 0, effect: 'dict k v -> dict' },
  { code: OP.SETITEMS, name: 'SETITEMS', arg: 'none', proto: 1, effect: 'dict mark (k v)* -> dict' },
  { code: OP.EMPTY_SET, name: 'EMPTY_SET', arg: 'none', proto: 4, effect: '-> set' },
  { code: OP.ADDITEMS, name: 'ADDITEMS', arg: 'none', proto: 4, effect: 'set mark any* -> set' },
  { code: OP.FROZENSET, name: 'FROZENSET', arg: 'none', proto: 4, effect: 'mark any* -> frozenset' },
  { code: OP.POP, name: 'POP', arg: 'none', proto: 0, effect: 'any ->' },
  { code: OP.DUP, name: 'DUP', arg: 'none', proto: 0, effect: 'any -> any any' },
  { code: OP.MARK, name: 'MARK', arg: 'none', proto: 0, effect: '-> mark' },
  { code: OP.POP_MARK, name: 'POP_MARK', arg: 'none', proto: 1, effect: 'mark any* ->' },
  { code: OP.GET, name: 'GET', arg: 'line', proto: 0, effect: '-> any' },
  { code: OP.BINGET, name: 'BINGET', arg: 'u1', proto: 1, effect: '-> any' },
  { code: OP.LONG_BINGET, name: 'LONG_BINGET', arg: 'u4', proto: 1, effect: '-> any' },
  { code: OP.PUT, name: 'PUT', arg: 'line', proto: 0, effect: 'any -> any' },
  { code: OP.BINPUT, name: 'BINPUT', arg: 'u1', proto: 1, effect: 'any -> any' },
  { code: OP.LONG_BINPUT, name: 'LONG_BINPUT', arg: 'u4', proto: 1, effect: 'any -> any' },
  { code: OP.MEMOIZE, name: 'MEMOIZE', arg: 'none', proto: 4, effect: 'any -> any' },
  { code: OP.EXT1, name: 'EXT1', arg: 'u1', proto: 2, effect: '-> any' },
  { code: OP.EXT2, name: 'EXT2', arg: 'u2', proto: 2, effect: '-> any' },
  { code: OP.EXT4, name: 'EXT4', arg: 'i4', proto: 2, effect: '-> any' },
  { code: OP.GLOBAL, name: 'GLOBAL', arg: 'line2', proto: 0, effect: '-> any' },
  { code: OP.STACK_GLOBAL, name: 'STACK_GLOBAL', arg: 'none', proto: 4, effect: 'str str -> any' },
  { code: OP.REDUCE, name: 'REDUCE', arg: 'none', proto: 0, effect: 'any any -> any' },
  { code: OP.BUILD, name: 'BUILD', arg: 'none', proto: 0, effect: 'any any -> any' },
  { code: OP.INST, name: 'INST', arg: 'line2', proto: 0, effect: 'mark any* -> any' },
  { code: OP.OBJ, name: 'OBJ', arg: 'none', proto: 1, effect: 'mark any any* -> any' },
  { code: OP.NEWOBJ, name: 'NEWOBJ', arg: 'none', proto: 2, effect: 'any any -> any' },
  { code: OP.NEWOBJ_EX, name: 'NEWOBJ_EX', arg: 'none', proto: 4, effect: 'any any any -> any' },
  { code: OP.PROTO, name: 'PROTO', arg: 'u1', proto: 2, effect: '->' },
  { code: OP.STOP, name: 'STOP', arg: 'none', proto: 0, effect: 'any ->' },
  { code: OP.FRAME, name: 'FRAME', arg: 'u8', proto: 4, effect: '->' },
  { code: OP.PERSID, name: 'PERSID', arg: 'line', proto: 0, effect: '-> any' },
  { code: OP.BINPERSID, name: 'BINPERSID', arg: 'none', proto: 1, effect: 'any -> any' },
];

/** Opcode byte → info (undefined for bytes that are not opcodes). */
export const OPCODES: readonly (OpcodeInfo | undefined)[] = (() => {
  const t: (OpcodeInfo | undefined)[] = new Array<OpcodeInfo | undefined>(256).fill(undefined);
  for (const o of TABLE) t[o.code] = o;
  return t;
})();

export const OPCODE_LIST: readonly OpcodeInfo[] = TABLE;

export function opcodeName(code: number): string {
  return OPCODES[code]?.name ?? `0x${code.toString(16).padStart(2, '0')}`;
}

/** Highest protocol CPython reads (`pickle.HIGHEST_PROTOCOL`); PROTO above it is an error. */
export const HIGHEST_PROTOCOL = 5;
