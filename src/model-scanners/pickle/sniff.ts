/**
 * Cheap content sniff for pickles. Protocol 2+ streams start with PROTO (0x80, version ≤ 5). Protocol
 * 0/1 streams have no magic: a bounded trial parse of the first bytes checks that they decode as
 * opcodes with well-formed arguments and a consistent stack, and either reach STOP or fill the sniff
 * window. Text files fail it fast (e.g. `I love` is not an INT line, `No` pops a missing MARK).
 */
import type { ByteSource } from '../../limits/index.js';
import { OP, OPCODES } from './opcodes.js';

const SNIFF_BYTES = 4096;
/** Opcodes a window-filling protocol 0/1 prefix must contain before it counts as a pickle. */
const MIN_OPS_WITHOUT_STOP = 8;

const IDENT_PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const INT_TEXT = /^\s*[+-]?(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|\d[\d_]*)L?\s*$/;
const FLOAT_TEXT = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$|^\s*[+-]?(inf|infinity|nan)\s*$/i;

export function looksLikePickle(source: ByteSource): boolean {
  try {
    if (source.size < 2) return false;
    const head = source.read(0, Math.min(source.size, SNIFF_BYTES));
    if (head.length >= 2 && head[0] === OP.PROTO) return (head[1] ?? 255) <= 5 && (head.length < 3 || OPCODES[head[2] ?? 0] !== undefined);
    return trialParse(head, source.size > head.length);
  } catch {
    return false;
  }
}

/** Walk opcodes of a protocol 0/1 prefix; true when it is plausibly a pickle. */
export function trialParse(b: Uint8Array, more: boolean): boolean {
  let i = 0;
  let depth = 0;
  const marks: number[] = [];
  const memo = new Set<number>();
  let ops = 0;
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
    if (depth - n < floor()) return false;
    depth -= n;
    return true;
  };
  const popMark = (): boolean => {
    const m = marks.pop();
    if (m === undefined) return false;
    depth = m;
    return true;
  };
  while (i < b.length) {
    const op = b[i++] as number;
    const info = OPCODES[op];
    if (info === undefined) return false;
    ops++;
    // Arguments that do not fit the window: plausible when the source goes on.
    const fixed = { u1: 1, u2: 2, u4: 4, i4: 4, u8: 8, f8be: 8 } as Record<string, number>;
    const width = fixed[info.arg];
    if (width !== undefined && i + width > b.length) return more && ops >= MIN_OPS_WITHOUT_STOP;
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
        if (a === undefined || c === undefined) return more && ops >= MIN_OPS_WITHOUT_STOP;
        if (op === OP.INT || op === OP.LONG || op === OP.GET || op === OP.PUT) {
          if (!INT_TEXT.test(a)) return false;
        } else if (op === OP.FLOAT) {
          if (!FLOAT_TEXT.test(a)) return false;
        } else if (op === OP.STRING) {
          if (!/^(['"]).*\1\r?$/.test(a)) return false;
        } else if (op === OP.GLOBAL || op === OP.INST) {
          if (!IDENT_PATH.test(a) || !IDENT_PATH.test(c)) return false;
        } else if (op === OP.PERSID) {
          if (!/^[\x20-\x7e]*$/.test(a)) return false;
        }
        if (op === OP.GET && !memo.has(Number.parseInt(a, 10))) return false;
        if (op === OP.PUT) memo.add(Number.parseInt(a, 10));
        break;
      }
      case 'bytes1':
      case 'bytes4':
      case 'bytes8': {
        const lw = info.arg === 'bytes1' ? 1 : info.arg === 'bytes4' ? 4 : 8;
        if (i + lw > b.length) return more && ops >= MIN_OPS_WITHOUT_STOP;
        let n = 0;
        for (let k = lw - 1; k >= 0; k--) n = n * 256 + (b[i + k] as number);
        if (info.arg === 'bytes4' && (b[i + 3] as number) >= 0x80 && op !== OP.BINUNICODE && op !== OP.BINBYTES) return false;
        i += lw;
        if (i + n > b.length) return more && ops >= MIN_OPS_WITHOUT_STOP;
        i += n;
        break;
      }
      case 'long1':
      case 'long4': {
        const lw = info.arg === 'long1' ? 1 : 4;
        if (i + lw > b.length) return more && ops >= MIN_OPS_WITHOUT_STOP;
        let n = 0;
        for (let k = lw - 1; k >= 0; k--) n = n * 256 + (b[i + k] as number);
        i += lw + n;
        if (i > b.length) return more && ops >= MIN_OPS_WITHOUT_STOP;
        break;
      }
      default:
        break;
    }
    switch (op) {
      case OP.STOP:
        return ops > 1 && depth > floor();
      case OP.MARK:
        marks.push(depth);
        break;
      case OP.PROTO:
        if (argInt > 5) return false;
        break;
      case OP.FRAME:
        break;
      case OP.TUPLE:
      case OP.LIST:
      case OP.DICT:
      case OP.FROZENSET:
      case OP.INST:
        if (!popMark()) return false;
        depth++;
        break;
      case OP.OBJ: {
        const m = marks[marks.length - 1];
        if (m === undefined || depth <= m) return false;
        popMark();
        depth++;
        break;
      }
      case OP.POP_MARK:
        if (!popMark()) return false;
        break;
      case OP.APPENDS:
      case OP.SETITEMS:
      case OP.ADDITEMS: {
        const m = marks[marks.length - 1];
        if (m === undefined || m < 1 || !popMark()) return false;
        break;
      }
      case OP.TUPLE1:
        if (!pop(1)) return false;
        depth++;
        break;
      case OP.TUPLE2:
      case OP.REDUCE:
      case OP.NEWOBJ:
      case OP.STACK_GLOBAL:
        if (!pop(2)) return false;
        depth++;
        break;
      case OP.TUPLE3:
      case OP.NEWOBJ_EX:
        if (!pop(3)) return false;
        depth++;
        break;
      case OP.APPEND:
      case OP.BUILD:
        if (!pop(1) || depth < 1) return false;
        break;
      case OP.SETITEM:
        if (!pop(2) || depth < 1) return false;
        break;
      case OP.POP:
        if (marks.length > 0 && depth === floor()) marks.pop();
        else if (!pop(1)) return false;
        break;
      case OP.DUP:
        if (depth <= floor()) return false;
        depth++;
        break;
      case OP.BINPERSID:
      case OP.READONLY_BUFFER:
        if (depth <= floor()) return false;
        break;
      case OP.BINPUT:
      case OP.LONG_BINPUT:
      case OP.PUT:
      case OP.MEMOIZE:
        if (depth <= floor()) return false;
        if (op !== OP.PUT) memo.add(op === OP.MEMOIZE ? memo.size : argInt);
        break;
      case OP.BINGET:
      case OP.LONG_BINGET:
        if (!memo.has(argInt)) return false;
        depth++;
        break;
      case OP.EXT1:
      case OP.EXT2:
      case OP.EXT4:
        if (argInt === 0) return false;
        depth++;
        break;
      default:
        // Everything else pushes exactly one value.
        depth++;
    }
  }
  return more && ops >= MIN_OPS_WITHOUT_STOP;
}
