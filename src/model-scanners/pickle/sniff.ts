/**
 * Cheap content sniff for pickles. Protocol 2+ streams start with PROTO (0x80, version ≤ 5). Protocol
 * 0/1 streams have no magic: a bounded trial parse checks that the first bytes decode as opcodes with
 * the arguments CPython's C unpickler (`Modules/_pickle.c`) accepts and a consistent stack. A stream is
 * a pickle when the trial reaches STOP, fills its window with opcodes, or — whatever follows: garbage,
 * truncation, no STOP — executes a call (REDUCE, NEWOBJ, NEWOBJ_EX, INST, OBJ, BUILD) before failing:
 * `pickle.load` runs that call before it raises. Text files fail fast (`I love` is not an INT line, `No`
 * pops a missing MARK) and never reach a call.
 */
import type { ByteSource } from '../../limits/index.js';
import { OP, OPCODES } from './opcodes.js';

const SNIFF_BYTES = 4096;
/** A protocol 0 argument longer than the window is read further, up to this much. */
const MAX_SNIFF_BYTES = 1024 * 1024;
/** Opcodes a window-filling protocol 0/1 prefix must contain before it counts as a pickle. */
const MIN_OPS_WITHOUT_STOP = 8;

const IDENT_PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const INT_TEXT = /^\s*[+-]?(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|\d[\d_]*)L?\s*$/;
const FLOAT_TEXT = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$|^\s*[+-]?(inf|infinity|nan)\s*$/i;

/**
 * The STRING opcode's argument as the C unpickler checks it (load_string): trailing bytes up to
 * space are stripped, then the text must be quoted with the same quote at both ends.
 */
export function stringArgQuoted(line: string): boolean {
  let n = line.length;
  while (n > 0 && line.charCodeAt(n - 1) <= 0x20) n--;
  if (n < 2) return false;
  const q = line.charCodeAt(0);
  return (q === 0x22 || q === 0x27) && line.charCodeAt(n - 1) === q;
}

/** Every character is ASCII (the C unpickler decodes PERSID arguments as ASCII, control bytes included). */
function isAsciiText(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** A memo index line as PyLong_FromString(s, NULL, 10) reads it (whitespace, underscores); undefined when invalid. */
export function memoIndexText(text: string): number | undefined {
  const t = text.trim();
  if (!/^[+-]?\d+(?:_\d+)*$/.test(t)) return undefined;
  const v = Number(t.replace(/_/g, ''));
  return Number.isSafeInteger(v) ? v : undefined;
}

export function looksLikePickle(source: ByteSource): boolean {
  try {
    if (source.size < 2) return false;
    let window = SNIFF_BYTES;
    for (;;) {
      const head = source.read(0, Math.min(source.size, window));
      if (head.length >= 2 && head[0] === OP.PROTO) return (head[1] ?? 255) <= 5 && (head.length < 3 || OPCODES[head[2] ?? 0] !== undefined);
      const more = source.size > head.length;
      const r = trialParse(head, more);
      if (r !== 'need-more') return r;
      if (!more) return false;
      if (window >= MAX_SNIFF_BYTES) return trialParse(head, more, true) === true;
      window *= 8;
    }
  } catch {
    return false;
  }
}

/**
 * Walk opcodes of a protocol 0/1 prefix: true when it is plausibly a pickle (STOP, or a call executed
 * before a failure), false when the C unpickler fails before any call, `need-more` when the window
 * ends first (with `final`: true when enough opcodes were seen).
 */
export function trialParse(b: Uint8Array, more: boolean, final = false): boolean | 'need-more' {
  let i = 0;
  let depth = 0;
  const marks: number[] = [];
  const memo = new Set<number>();
  let ops = 0;
  let putIndex = 0;
  /** A call ran (REDUCE, NEWOBJ, NEWOBJ_EX, INST, OBJ, BUILD): whatever follows, the loader ran it. */
  let called = false;
  const fail = (): boolean => called;
  const needMore = (): boolean | 'need-more' => (called ? true : !more ? false : final ? ops >= MIN_OPS_WITHOUT_STOP : 'need-more');
  const line = (): string | undefined => {
    const nl = b.indexOf(0x0a, i);
    if (nl < 0) return undefined;
    let s = '';
    for (let k = i; k < nl; k++) s += String.fromCharCode(b[k] as number);
    i = nl + 1;
    return s;
  };
  const floor = (): number => (marks.length > 0 ? (marks[marks.length - 1] as number) : 0);
  const pop = (n: number): boolean => {
    if (depth - n < floor()) return fail();
    depth -= n;
    return true;
  };
  const popMark = (): boolean => {
    const m = marks.pop();
    if (m === undefined) return fail();
    depth = m;
    return true;
  };
  while (i < b.length) {
    const op = b[i++] as number;
    const info = OPCODES[op];
    if (info === undefined) return fail();
    ops++;
    // Arguments that do not fit the window: plausible when the source goes on.
    const fixed = { u1: 1, u2: 2, u4: 4, i4: 4, u8: 8, f8be: 8 } as Record<string, number>;
    const width = fixed[info.arg];
    if (width !== undefined && i + width > b.length) return needMore();
    let argInt = 0;
    if (width !== undefined) {
      for (let k = width - 1; k >= 0; k--) argInt = argInt * 256 + (b[i + k] as number);
      i += width;
    }
    switch (info.arg) {
      case 'line':
      case 'line2': {
        const a = line();
        const c = info.arg === 'line2' ? (a === undefined ? undefined : line()) : '';
        if (a === undefined || c === undefined) return needMore();
        if (op === OP.INT || op === OP.LONG) {
          if (!INT_TEXT.test(a)) return fail();
        } else if (op === OP.GET || op === OP.PUT) {
          const k = memoIndexText(a);
          if (k === undefined || k < 0) return fail();
          if (op === OP.GET && !memo.has(k)) return fail();
          if (op === OP.PUT) putIndex = k;
        } else if (op === OP.FLOAT) {
          if (!FLOAT_TEXT.test(a)) return fail();
        } else if (op === OP.STRING) {
          if (!stringArgQuoted(a)) return fail();
        } else if (op === OP.GLOBAL || op === OP.INST) {
          if (!IDENT_PATH.test(a) || !IDENT_PATH.test(c)) return fail();
        } else if (op === OP.PERSID) {
          if (!isAsciiText(a)) return fail();
        }
        break;
      }
      case 'bytes1':
      case 'bytes4':
      case 'bytes8': {
        const lw = info.arg === 'bytes1' ? 1 : info.arg === 'bytes4' ? 4 : 8;
        if (i + lw > b.length) return needMore();
        let n = 0;
        for (let k = lw - 1; k >= 0; k--) n = n * 256 + (b[i + k] as number);
        if (info.arg === 'bytes4' && (b[i + 3] as number) >= 0x80 && op !== OP.BINUNICODE && op !== OP.BINBYTES) return fail();
        i += lw;
        if (i + n > b.length) return needMore();
        i += n;
        break;
      }
      case 'long1':
      case 'long4': {
        const lw = info.arg === 'long1' ? 1 : 4;
        if (i + lw > b.length) return needMore();
        let n = 0;
        for (let k = lw - 1; k >= 0; k--) n = n * 256 + (b[i + k] as number);
        if (info.arg === 'long4' && (b[i + 3] as number) >= 0x80) return fail();
        i += lw + n;
        if (i > b.length) return needMore();
        break;
      }
      default:
        break;
    }
    switch (op) {
      case OP.STOP:
        return called || (ops > 1 && depth > floor());
      case OP.MARK:
        marks.push(depth);
        break;
      case OP.PROTO:
        if (argInt > 5) return fail();
        break;
      case OP.FRAME:
        break;
      case OP.TUPLE:
      case OP.LIST:
      case OP.DICT:
      case OP.FROZENSET:
        if (!popMark()) return fail();
        depth++;
        break;
      case OP.INST:
        if (!popMark()) return fail();
        depth++;
        called = true;
        break;
      case OP.OBJ: {
        const m = marks[marks.length - 1];
        if (m === undefined || depth <= m) return fail();
        popMark();
        depth++;
        called = true;
        break;
      }
      case OP.POP_MARK:
        if (!popMark()) return fail();
        break;
      case OP.APPENDS:
      case OP.SETITEMS:
      case OP.ADDITEMS: {
        const m = marks[marks.length - 1];
        if (m === undefined || m < 1 || !popMark()) return fail();
        break;
      }
      case OP.TUPLE1:
        if (!pop(1)) return fail();
        depth++;
        break;
      case OP.TUPLE2:
      case OP.STACK_GLOBAL:
        if (!pop(2)) return fail();
        depth++;
        break;
      case OP.REDUCE:
      case OP.NEWOBJ:
        if (!pop(2)) return fail();
        depth++;
        called = true;
        break;
      case OP.TUPLE3:
        if (!pop(3)) return fail();
        depth++;
        break;
      case OP.NEWOBJ_EX:
        if (!pop(3)) return fail();
        depth++;
        called = true;
        break;
      case OP.APPEND:
        if (!pop(1) || depth < 1) return fail();
        break;
      case OP.BUILD:
        if (!pop(1) || depth < 1) return fail();
        called = true;
        break;
      case OP.SETITEM:
        if (!pop(2) || depth < 1) return fail();
        break;
      case OP.POP:
        if (marks.length > 0 && depth === floor()) marks.pop();
        else if (!pop(1)) return fail();
        break;
      case OP.DUP:
        if (depth <= floor()) return fail();
        depth++;
        break;
      case OP.BINPERSID:
      case OP.READONLY_BUFFER:
        if (depth <= floor()) return fail();
        break;
      case OP.BINPUT:
      case OP.LONG_BINPUT:
      case OP.PUT:
      case OP.MEMOIZE:
        if (depth <= floor()) return fail();
        memo.add(op === OP.PUT ? putIndex : op === OP.MEMOIZE ? memo.size : argInt);
        break;
      case OP.BINGET:
      case OP.LONG_BINGET:
        if (!memo.has(argInt)) return fail();
        depth++;
        break;
      case OP.EXT1:
      case OP.EXT2:
      case OP.EXT4:
        if (argInt === 0) return fail();
        depth++;
        break;
      default:
        // Everything else pushes exactly one value.
        depth++;
    }
  }
  return needMore();
}
