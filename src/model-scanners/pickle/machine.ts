/**
 * The symbolic pickle machine: reads one pickle stream opcode by opcode (protocols 0–5) and replays
 * its stack and memo semantics without executing anything, recording which callable each
 * REDUCE / NEWOBJ / NEWOBJ_EX / INST / OBJ invokes with which arguments, what BUILD / SETITEM(S) /
 * APPEND(S) / ADDITEMS mutate, and which globals are imported. It reports what it sees to a
 * `MachineObserver` (observer.ts); the scanner's observer grades it against the policy (grade.ts).
 *
 * Reading follows CPython's C unpickler (`Modules/_pickle.c`), which is what `pickle.load` runs:
 * bytes are read linearly and FRAME only announces how many bytes follow. Where pickle.py's
 * `_Unframer` (used by joblib and by code that imports `pickle._Unpickler`) would read differently,
 * the divergence is reported and both readings are analysed (see scan.ts and `frameCheck`).
 *
 * Performance: the hot loop reads from a 1 MiB window over the ByteSource, switches on the opcode
 * byte, and allocates nothing for opcodes that push primitives. Calls whose callee the policy
 * allows are recorded without their arguments. Tensor payloads (large BINBYTES) are skipped by
 * seeking and kept as lazy (offset, length) references.
 */
import { LimitExceededError } from '../../findings/index.js';
import type { ByteSource } from '../../limits/index.js';
import { mapPy2Name } from './compat.js';
import { HIGHEST_PROTOCOL, OP, opcodeName } from './opcodes.js';
import type { MachineObserver, PendingArray, StreamOutcome } from './observer.js';
import { StreamStop } from './observer.js';
import { quoteStr } from './render.js';
import type { CallOp, Global, Value } from './values.js';
import { EMPTY_TUPLE, OUT_OF_BAND, RELEASED_TUPLE, PyBigInt, PyBytes, PyDict, PyFloat, PyList, PySet, PyStr, PyTuple, Unknown, MAX_ITEMS } from './values.js';

const WINDOW = 1 << 20;
/** bytes / bytearray up to this size are copied into the value; larger ones stay lazy references. */
const INLINE_BYTES = 4096;
/** Long strings kept whole per stream, in units of maxStringBytes (see `strOfLen`). */
const LONG_STRING_BUDGET = 64;
/**
 * The memo is an array of 64K-entry chunks (no big array is ever copied as it grows); an index whose
 * chunk is not adjacent to the allocated ones (LONG_BINPUT 4 000 000 000) goes to a Map instead.
 */
const MEMO_CHUNK_BITS = 16;
const MEMO_CHUNK_MASK = (1 << MEMO_CHUNK_BITS) - 1;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Sources return Uint8Array or Buffer; keeping `buf` one exact type keeps the hot loop's element
 * access monomorphic (a Buffer subclass there made the machine several times slower).
 */
function plain(b: Uint8Array): Uint8Array {
  return b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.length);
}
const utf8Lenient = new TextDecoder('utf-8');

/** Decode UTF-8 the way pickle does (`surrogatepass`): lone surrogates are accepted, other errors are not. */
function decodeUtf8(b: Uint8Array, start: number, end: number): string | undefined {
  let ascii = true;
  for (let i = start; i < end; i++) {
    if ((b[i] as number) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return latin1(b, start, end);
  const sub = b.subarray(start, end);
  try {
    return utf8.decode(sub);
  } catch {
    // surrogatepass: ED A0..BF xx encodes a lone surrogate; Python accepts it, TextDecoder does not.
    for (let i = 0; i + 2 < sub.length; i++) {
      if (sub[i] === 0xed && ((sub[i + 1] as number) & 0xe0) === 0xa0) return utf8Lenient.decode(sub);
    }
    return undefined;
  }
}

/**
 * Bytes as latin-1 text. Node's Buffer.prototype.latin1Slice works on any Uint8Array and makes one
 * flat string without allocating a view (several times faster than the alternatives for the short
 * strings a checkpoint holds millions of).
 */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: (this: Uint8Array, s: number, e: number) => string }).latin1Slice;
function latin1(b: Uint8Array, start: number, end: number): string {
  if (latin1Slice !== undefined) return latin1Slice.call(b, start, end);
  return Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('latin1');
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * Python 2 `repr`-style string literal of the STRING opcode: quoted, with backslash escapes. As the C
 * unpickler (load_string), trailing bytes up to space are stripped before the quotes are checked.
 */
function decodeStringLiteral(raw: string): string | undefined {
  let n = raw.length;
  while (n > 0 && raw.charCodeAt(n - 1) <= 0x20) n--;
  const t = raw.slice(0, n);
  if (t.length < 2) return undefined;
  const q = t[0];
  if ((q !== '"' && q !== "'") || t[t.length - 1] !== q) return undefined;
  const body = t.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = body[++i];
    if (n === undefined) return undefined;
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '\n': '' };
    if (n in simple) out += simple[n];
    else if (n === 'x') {
      const h = body.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) return undefined;
      out += String.fromCharCode(parseInt(h, 16));
      i += 2;
    } else if (/[0-7]/.test(n)) {
      let o = n;
      while (o.length < 3 && /[0-7]/.test(body[i + 1] ?? '')) o += body[++i];
      out += String.fromCharCode(parseInt(o, 8) & 0xff);
    } else out += `\\${n}`;
  }
  return out;
}

/** raw-unicode-escape (UNICODE opcode): `\uXXXX` and `\UXXXXXXXX`, other bytes as latin-1. */
function decodeRawUnicodeEscape(raw: string): string | undefined {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c === '\\' && (raw[i + 1] === 'u' || raw[i + 1] === 'U')) {
      // An odd run of backslashes before u starts an escape.
      let bs = 0;
      for (let j = i; j >= 0 && raw[j] === '\\'; j--) bs++;
      if (bs % 2 === 1) {
        const n = raw[i + 1] === 'u' ? 4 : 8;
        const h = raw.slice(i + 2, i + 2 + n);
        if (h.length !== n || !/^[0-9a-fA-F]+$/.test(h)) return undefined;
        const cp = parseInt(h, 16);
        if (cp > 0x10ffff) return undefined;
        out += String.fromCodePoint(cp);
        i += 1 + n;
        continue;
      }
    }
    out += c;
  }
  return out;
}

/** Python `int(text, 0)`-style integer text (INT, LONG with its `L` suffix). */
function parseIntText(text: string): Value | undefined {
  let t = text.trim();
  if (t.endsWith('L')) t = t.slice(0, -1);
  if (!/^[+-]?(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|[0-9][0-9_]*)$/.test(t) || t.includes('__') || /_$/.test(t)) return undefined;
  const neg = t.startsWith('-');
  const body = t.replace(/^[+-]/, '').replace(/_/g, '');
  let big: bigint;
  try {
    big = BigInt(body.length > 1 && body[0] === '0' && /^[0-9]+$/.test(body) ? body.replace(/^0+(?=\d)/, '') : body);
  } catch {
    return undefined;
  }
  if (neg) big = -big;
  if (big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(big);
  const s = big.toString();
  return new PyBigInt(s.length > 60 ? `${s.slice(0, 30)}…${s.slice(-10)}` : s, Math.ceil(s.length / 2.4));
}

/** Little-endian two's-complement integer of LONG1/LONG4. */
function decodeLong(b: Uint8Array, start: number, n: number): Value {
  if (n === 0) return 0;
  if (n <= 6) {
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + (b[start + i] as number);
    if (((b[start + n - 1] as number) & 0x80) !== 0) v -= 2 ** (8 * n);
    return v;
  }
  if (n > 512) return new PyBigInt(`<int of ${n} bytes>`, n);
  let big = 0n;
  for (let i = n - 1; i >= 0; i--) big = (big << 8n) | BigInt(b[start + i] as number);
  if (((b[start + n - 1] as number) & 0x80) !== 0) big -= 1n << BigInt(8 * n);
  if (big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(big);
  const s = big.toString();
  return new PyBigInt(s.length > 60 ? `${s.slice(0, 30)}…${s.slice(-10)}` : s, n);
}

export interface MachineOptions {
  /** Opcodes this machine may still execute (shared budget across the streams of one scan). */
  readonly opsBudget: { left: number; readonly max: number };
  readonly maxStack: number;
  readonly maxMemo: number;
  readonly maxStringBytes: number;
  /** joblib embedded pickles nest this deep at most. */
  readonly joblibDepth: number;
  readonly maxNestingDepth: number;
  /**
   * Items kept per container (default MAX_ITEMS; the rest are counted in `dropped`). The converter
   * raises it: a state dict's entries are the data it converts, not evidence.
   */
  readonly maxItems?: number;
}

/**
 * One pickle stream. Not reusable: create one per stream start.
 */
export class StreamMachine {
  private buf: Uint8Array = new Uint8Array(0);
  /** Absolute offset of buf[0]. */
  private base = 0;
  /** Read index into buf (absolute position = base + bi). */
  private bi = 0;
  private readonly size: number;

  private stack: Value[] = [];
  private marks: number[] = [];
  private memo: (Value | undefined)[][] = [];
  private memoMap: Map<number, Value> | undefined = undefined;
  private memoCount = 0;
  proto = 0;

  /** Frame being read: [frameStart, frameEnd) (absolute), or frameEnd = -1 outside frames. */
  private frameEnd = -1;
  private frameStart = -1;
  private pending: PendingArray[] = [];
  /** Offset of the opcode being executed. */
  private op0 = 0;

  constructor(
    private readonly source: ByteSource,
    private readonly g: MachineObserver,
    private readonly o: MachineOptions,
  ) {
    this.size = source.size;
    this.maxItems = o.maxItems ?? MAX_ITEMS;
  }

  private readonly maxItems: number;

  get position(): number {
    return this.base + this.bi;
  }

  // --- reading ------------------------------------------------------------------------------

  /** Make `n` bytes available at the read position; false when the source ends first. */
  private need(n: number): boolean {
    if (this.bi + n <= this.buf.length) return true;
    const pos = this.base + this.bi;
    if (pos + n > this.size) return false;
    this.buf = plain(this.source.read(pos, Math.max(WINDOW, n)));
    this.base = pos;
    this.bi = 0;
    return this.buf.length >= n;
  }

  private truncated(what: string): never {
    throw new StreamStop('malformed', `pickle data was truncated in ${what} (stream ends at offset ${this.size})`, this.op0);
  }

  private malformed(msg: string): never {
    throw new StreamStop('malformed', msg, this.op0);
  }

  private u8(what: string): number {
    if (this.bi >= this.buf.length && !this.need(1)) this.truncated(what);
    return this.buf[this.bi++] as number;
  }

  private u16(what: string): number {
    if (!this.need(2)) this.truncated(what);
    const b = this.buf;
    const i = this.bi;
    this.bi = i + 2;
    return (b[i] as number) | ((b[i + 1] as number) << 8);
  }

  private u32(what: string): number {
    if (!this.need(4)) this.truncated(what);
    const b = this.buf;
    const i = this.bi;
    this.bi = i + 4;
    return ((b[i] as number) | ((b[i + 1] as number) << 8) | ((b[i + 2] as number) << 16)) + (b[i + 3] as number) * 0x1000000;
  }

  private i32(what: string): number {
    const v = this.u32(what);
    return v >= 0x80000000 ? v - 0x100000000 : v;
  }

  /** 8-byte little-endian unsigned; values above 2^53 come back as Infinity (no source is that big). */
  private u64(what: string): number {
    const lo = this.u32(what);
    const hi = this.u32(what);
    return hi >= 0x200000 ? Number.POSITIVE_INFINITY : hi * 0x100000000 + lo;
  }

  private f64be(what: string): number {
    if (!this.need(8)) this.truncated(what);
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.bi, 8).getFloat64(0, false);
    this.bi += 8;
    return v;
  }

  /** Move the read position forward by n bytes without reading them. */
  private skip(n: number, what: string): void {
    const pos = this.base + this.bi;
    if (n > this.size - pos) this.truncated(what);
    if (this.bi + n <= this.buf.length) {
      this.bi += n;
    } else {
      this.base = pos + n;
      this.buf = new Uint8Array(0);
      this.bi = 0;
    }
  }

  /** Seek to an absolute position (joblib arrays, nested streams). */
  seek(pos: number): void {
    if (pos >= this.base && pos <= this.base + this.buf.length) this.bi = pos - this.base;
    else {
      this.base = pos;
      this.buf = new Uint8Array(0);
      this.bi = 0;
    }
  }

  /**
   * A `\n`-terminated line (protocol 0 arguments), the newline excluded: latin-1 text, or UTF-8 when
   * `asUtf8`. Lines longer than maxStringBytes are skipped to their newline and marked truncated.
   */
  private line(what: string, asUtf8: boolean): { text: string; truncated: boolean } {
    const max = this.o.maxStringBytes;
    let nl = this.buf.indexOf(0x0a, this.bi);
    if (nl < 0 || nl - this.bi > max) {
      const pos = this.position;
      const want = Math.min(Math.max(WINDOW, max + 1), this.size - pos);
      if (this.buf.length - this.bi < want) {
        this.buf = plain(this.source.read(pos, want));
        this.base = pos;
        this.bi = 0;
      }
      nl = this.buf.indexOf(0x0a, this.bi);
    }
    if (nl >= 0 && nl - this.bi <= max) {
      const start = this.bi;
      this.bi = nl + 1;
      const text = asUtf8 ? decodeUtf8(this.buf, start, nl) : latin1(this.buf, start, nl);
      if (text === undefined) this.malformed(`${what}: line is not valid UTF-8`);
      return { text, truncated: false };
    }
    if (this.buf.length - this.bi <= max) this.truncated(what); // the data ends before a newline
    // Too long to keep: keep a head, then skip to the newline.
    const head = latin1(this.buf, this.bi, this.bi + Math.min(max, 4096));
    this.bi += max;
    for (;;) {
      if (this.bi >= this.buf.length && !this.need(1)) this.truncated(what);
      const k = this.buf.indexOf(0x0a, this.bi);
      if (k >= 0) {
        this.bi = k + 1;
        return { text: head, truncated: true };
      }
      this.bi = this.buf.length;
    }
  }

  /**
   * Bytes of long strings (over 4 KiB) kept so far. Past LONG_STRING_BUDGET × maxStringBytes, long
   * strings keep only a 4 KiB head, so memory does not grow with the file (short strings, which are
   * names and keys, are always kept whole).
   */
  private longStringBytes = 0;

  /** A length-prefixed str: decoded up to maxStringBytes, the rest skipped. */
  private strOfLen(n: number, what: string): Value {
    const pos = this.base + this.bi;
    if (n > this.size - pos) this.truncated(what);
    let keep = Math.min(n, this.o.maxStringBytes);
    if (keep > 4096) {
      if (this.longStringBytes + keep > LONG_STRING_BUDGET * this.o.maxStringBytes) keep = 4096;
      else this.longStringBytes += keep;
    }
    if (!this.need(keep)) this.truncated(what);
    if (keep < n) {
      // A cut may split a UTF-8 sequence: decode the kept head leniently.
      const head = utf8Lenient.decode(this.buf.subarray(this.bi, this.bi + keep));
      this.bi += keep;
      this.skip(n - keep, what);
      return new PyStr(head, n);
    }
    const s = decodeUtf8(this.buf, this.bi, this.bi + keep);
    this.bi += keep;
    if (s === undefined) this.malformed(`${what}: string is not valid UTF-8 (the loader raises UnicodeDecodeError)`);
    return s;
  }

  /** A length-prefixed Python 2 str (BINSTRING): decoded as latin-1 like numpy/torch loaders do. */
  private binStringOfLen(n: number, what: string): Value {
    const pos = this.base + this.bi;
    if (n > this.size - pos) this.truncated(what);
    const keep = Math.min(n, this.o.maxStringBytes);
    if (!this.need(keep)) this.truncated(what);
    const s = latin1(this.buf, this.bi, this.bi + keep);
    this.bi += keep;
    if (keep < n) {
      this.skip(n - keep, what);
      return new PyStr(s, n);
    }
    return s;
  }

  private bytesOfLen(n: number, what: string, bytearray: boolean): PyBytes {
    const pos = this.base + this.bi;
    if (n > this.size - pos) this.truncated(what);
    if (n <= INLINE_BYTES) {
      if (!this.need(n)) this.truncated(what);
      const data = this.buf.slice(this.bi, this.bi + n);
      this.bi += n;
      return new PyBytes(data, pos, n, bytearray);
    }
    this.skip(n, what);
    return new PyBytes(undefined, pos, n, bytearray);
  }

  // --- stack ----------------------------------------------------------------------------------

  private pop(): Value {
    const s = this.stack;
    const m = this.marks;
    if (s.length === 0 || (m.length > 0 && s.length <= (m[m.length - 1] as number))) {
      this.malformed(`unpickling stack underflow at ${opcodeName(this.opAt())}`);
    }
    return s.pop() as Value;
  }

  private top(): Value {
    const s = this.stack;
    const m = this.marks;
    if (s.length === 0 || (m.length > 0 && s.length <= (m[m.length - 1] as number))) {
      this.malformed(`unpickling stack underflow at ${opcodeName(this.opAt())}`);
    }
    return s[s.length - 1] as Value;
  }

  private opAt(): number {
    return this.op0 >= this.base && this.op0 < this.base + this.buf.length ? (this.buf[this.op0 - this.base] as number) : -1;
  }

  /** Items above the topmost mark, removing them and the mark. */
  private popMark(): Value[] {
    const k = this.marks.pop();
    if (k === undefined) this.malformed(`could not find MARK for ${opcodeName(this.opAt())}`);
    const s = this.stack;
    const n = s.length - k;
    if (n <= 16) {
      // Popping is cheaper than slice + a length store (a runtime call) for the short runs that
      // dominate real streams (argument tuples, persistent ids).
      const items = new Array<Value>(n);
      for (let i = n - 1; i >= 0; i--) items[i] = s.pop() as Value;
      return items;
    }
    const items = s.slice(k);
    s.length = k;
    return items;
  }

  /** Index and value of the latest PUT (the argument tuple of the next REDUCE, typically). */
  private lastPutIdx = -1;
  private lastPutVal: Value = null;

  /** Replace the memo entry of `v` by a shared placeholder when it was the latest PUT. */
  releaseMemo(v: Value): void {
    const idx = this.lastPutIdx;
    if (idx < 0 || this.lastPutVal !== v) return;
    const c = this.memo[idx >>> MEMO_CHUNK_BITS];
    if (c !== undefined && c[idx & MEMO_CHUNK_MASK] === v) c[idx & MEMO_CHUNK_MASK] = RELEASED_TUPLE;
    this.lastPutIdx = -1;
    this.lastPutVal = null;
  }

  private memoPut(idx: number, v: Value): void {
    this.lastPutIdx = idx;
    this.lastPutVal = v;
    const ci = idx >>> MEMO_CHUNK_BITS;
    let c = this.memo[ci];
    if (c === undefined && ci === this.memo.length && idx < 2 ** 32) {
      c = [];
      this.memo.push(c);
    }
    if (c !== undefined) {
      const i = idx & MEMO_CHUNK_MASK;
      if (c[i] === undefined && !(this.memoMap?.delete(idx) ?? false)) this.memoCount++;
      c[i] = v;
    } else {
      this.memoMap ??= new Map();
      if (!this.memoMap.has(idx)) this.memoCount++;
      this.memoMap.set(idx, v);
    }
    if (this.memoCount > this.o.maxMemo) {
      throw new StreamStop('limit', `memo grew beyond maxPickleMemo (${this.o.maxMemo} entries)`, this.op0, 'maxPickleMemo');
    }
  }

  private memoGet(idx: number): Value {
    let v = this.memo[idx >>> MEMO_CHUNK_BITS]?.[idx & MEMO_CHUNK_MASK];
    if (v === undefined && this.memoMap !== undefined) v = this.memoMap.get(idx);
    if (v === undefined) this.malformed(`memo value ${idx} not found (GET before PUT)`);
    return v;
  }

  private cap(items: Value[]): { items: Value[]; dropped: number } {
    if (items.length <= this.maxItems) return { items, dropped: 0 };
    return { items: items.slice(0, this.maxItems), dropped: items.length - this.maxItems };
  }

  private global(module: string, name: string, at: number): Global {
    let m = module;
    let n = name;
    let written: string | undefined;
    // find_class applies _compat_pickle for protocol < 3. The mapped name is graded at every
    // protocol (a Python 2 module name cannot be imported by Python 3 anyway, so this only adds
    // findings, never hides one).
    const [mm, mn] = mapPy2Name(module, name);
    if (mm !== module || mn !== name) {
      m = mm;
      n = mn;
      written = `${module}.${name}`;
    }
    const gl = this.g.intern(m, n, written, false);
    this.g.referenceOp(gl, at);
    return gl;
  }

  // --- the loop -------------------------------------------------------------------------------

  /**
   * Run from `start` to STOP (or an error). Findings are reported through the grader; malformed
   * input and limits come back in the outcome.
   */
  run(start: number): StreamOutcome {
    this.seek(start);
    try {
      return this.loop(start);
    } catch (e) {
      if (e instanceof StreamStop) return { start, end: this.position, stopped: false, failure: e };
      if (e instanceof LimitExceededError) {
        return { start, end: this.position, stopped: false, failure: new StreamStop('limit', e.message, this.op0, e.limit) };
      }
      throw e;
    }
  }

  private loop(start: number): StreamOutcome {
    const o = this.o;
    const budget = o.opsBudget;
    const maxStack = o.maxStack;
    const stack = this.stack;
    for (;;) {
      if (this.frameEnd >= 0) this.frameCheck();
      if (--budget.left < 0) {
        throw new StreamStop('limit', `more than maxPickleOps (${budget.max}) opcodes`, this.position, 'maxPickleOps');
      }
      if (stack.length > maxStack) {
        throw new StreamStop('limit', `stack grew beyond maxPickleStack (${maxStack})`, this.position, 'maxPickleStack');
      }
      this.op0 = this.base + this.bi;
      if (this.bi >= this.buf.length && !this.need(1)) {
        throw new StreamStop('malformed', `pickle data was truncated: no STOP before the end of the data at offset ${this.size}`, this.op0);
      }
      const op = this.buf[this.bi++] as number;
      switch (op) {
        // --- protocol 2+ framing / control
        case OP.PROTO: {
          const p = this.u8('PROTO');
          if (p > HIGHEST_PROTOCOL) this.malformed(`unsupported pickle protocol: ${p}`);
          this.proto = p;
          break;
        }
        case OP.FRAME: {
          const n = this.u64('FRAME');
          this.onFrame(n);
          break;
        }
        case OP.STOP: {
          const result = this.pop();
          const end = this.position;
          const alt = this.frameEnd > end ? this.frameEnd : undefined;
          if (alt !== undefined) {
            this.g.frameMismatch(
              this.op0,
              `STOP at offset ${this.op0} ends the stream inside a FRAME that runs to offset ${this.frameEnd}: the C unpickler stops after STOP, pickle.py (and joblib) discard the rest of the frame, so a following load() starts at different offsets`,
            );
          }
          this.flushPendingAtStop();
          return alt === undefined ? { start, end, stopped: true, result } : { start, end, stopped: true, altNext: alt, result };
        }

        // --- integers and floats
        case OP.BININT1:
          stack.push(this.u8('BININT1'));
          break;
        case OP.BININT2:
          stack.push(this.u16('BININT2'));
          break;
        case OP.BININT:
          stack.push(this.i32('BININT'));
          break;
        case OP.LONG1: {
          const n = this.u8('LONG1');
          if (!this.need(n)) this.truncated('LONG1');
          stack.push(decodeLong(this.buf, this.bi, n));
          this.bi += n;
          break;
        }
        case OP.LONG4: {
          const n = this.i32('LONG4');
          if (n < 0) this.malformed('LONG pickle has negative byte count');
          if (n <= 4096) {
            if (!this.need(n)) this.truncated('LONG4');
            stack.push(decodeLong(this.buf, this.bi, n));
            this.bi += n;
          } else {
            this.skip(n, 'LONG4');
            stack.push(new PyBigInt(`<int of ${n} bytes>`, n));
          }
          break;
        }
        case OP.INT: {
          const { text } = this.line('INT', false);
          if (text === '00') stack.push(false);
          else if (text === '01') stack.push(true);
          else {
            const v = parseIntText(text);
            if (v === undefined) this.malformed(`invalid literal for INT: ${quoteStr(text, 40)}`);
            stack.push(v);
          }
          break;
        }
        case OP.LONG: {
          const { text } = this.line('LONG', false);
          const v = parseIntText(text);
          if (v === undefined) this.malformed(`invalid literal for LONG: ${quoteStr(text, 40)}`);
          stack.push(v);
          break;
        }
        case OP.FLOAT: {
          const { text } = this.line('FLOAT', false);
          const t = text.trim();
          const v = /^[+-]?(inf|infinity|nan)$/i.test(t) ? (t.toLowerCase().includes('nan') ? NaN : t.startsWith('-') ? -Infinity : Infinity) : Number(t);
          if (t === '' || Number.isNaN(v) !== /nan/i.test(t)) this.malformed(`could not convert string to float: ${quoteStr(text, 40)}`);
          stack.push(new PyFloat(v));
          break;
        }
        case OP.BINFLOAT:
          stack.push(new PyFloat(this.f64be('BINFLOAT')));
          break;

        // --- constants
        case OP.NONE:
          stack.push(null);
          break;
        case OP.NEWTRUE:
          stack.push(true);
          break;
        case OP.NEWFALSE:
          stack.push(false);
          break;

        // --- strings and bytes
        case OP.SHORT_BINUNICODE:
          stack.push(this.strOfLen(this.u8('SHORT_BINUNICODE'), 'SHORT_BINUNICODE'));
          break;
        case OP.BINUNICODE:
          stack.push(this.strOfLen(this.u32('BINUNICODE'), 'BINUNICODE'));
          break;
        case OP.BINUNICODE8: {
          const n = this.u64('BINUNICODE8');
          if (!Number.isFinite(n)) this.truncated('BINUNICODE8');
          stack.push(this.strOfLen(n, 'BINUNICODE8'));
          break;
        }
        case OP.UNICODE: {
          const { text, truncated } = this.line('UNICODE', false);
          const s = decodeRawUnicodeEscape(text);
          if (s === undefined) this.malformed('UNICODE: invalid raw-unicode-escape data');
          stack.push(truncated ? new PyStr(s, text.length) : s);
          break;
        }
        case OP.STRING: {
          const { text, truncated } = this.line('STRING', false);
          if (truncated) {
            stack.push(new PyStr(text, text.length));
            break;
          }
          const s = decodeStringLiteral(text);
          if (s === undefined) this.malformed('the STRING opcode argument must be quoted');
          stack.push(s);
          break;
        }
        case OP.SHORT_BINSTRING:
          stack.push(this.binStringOfLen(this.u8('SHORT_BINSTRING'), 'SHORT_BINSTRING'));
          break;
        case OP.BINSTRING: {
          const n = this.i32('BINSTRING');
          if (n < 0) this.malformed('BINSTRING pickle has negative byte count');
          stack.push(this.binStringOfLen(n, 'BINSTRING'));
          break;
        }
        case OP.SHORT_BINBYTES:
          stack.push(this.bytesOfLen(this.u8('SHORT_BINBYTES'), 'SHORT_BINBYTES', false));
          break;
        case OP.BINBYTES:
          stack.push(this.bytesOfLen(this.u32('BINBYTES'), 'BINBYTES', false));
          break;
        case OP.BINBYTES8: {
          const n = this.u64('BINBYTES8');
          if (!Number.isFinite(n)) this.truncated('BINBYTES8');
          stack.push(this.bytesOfLen(n, 'BINBYTES8', false));
          break;
        }
        case OP.BYTEARRAY8: {
          const n = this.u64('BYTEARRAY8');
          if (!Number.isFinite(n)) this.truncated('BYTEARRAY8');
          stack.push(this.bytesOfLen(n, 'BYTEARRAY8', true));
          break;
        }
        case OP.NEXT_BUFFER:
          stack.push(OUT_OF_BAND);
          break;
        case OP.READONLY_BUFFER:
          this.top();
          break;

        // --- containers
        case OP.EMPTY_TUPLE:
          stack.push(EMPTY_TUPLE);
          break;
        case OP.TUPLE1:
        case OP.TUPLE2:
        case OP.TUPLE3: {
          const n = op - OP.TUPLE1 + 1;
          const m = this.marks;
          if (stack.length - n < (m.length > 0 ? (m[m.length - 1] as number) : 0)) this.malformed(`unpickling stack underflow at ${opcodeName(op)}`);
          stack.push(this.tupleFromStack(n));
          break;
        }
        case OP.TUPLE: {
          const { items, dropped } = this.cap(this.popMark());
          stack.push(dropped === 0 ? this.tuple(items) : new PyTuple(items, dropped));
          break;
        }
        case OP.EMPTY_LIST:
          stack.push(new PyList([]));
          break;
        case OP.LIST: {
          const { items, dropped } = this.cap(this.popMark());
          stack.push(new PyList(items, dropped));
          break;
        }
        case OP.EMPTY_DICT:
          stack.push(new PyDict([], []));
          break;
        case OP.DICT: {
          const items = this.popMark();
          if (items.length % 2 !== 0) this.malformed('odd number of items for DICT');
          const d = new PyDict([], []);
          this.addPairs(d, items);
          stack.push(d);
          break;
        }
        case OP.EMPTY_SET:
          stack.push(new PySet([], false));
          break;
        case OP.FROZENSET: {
          const { items, dropped } = this.cap(this.popMark());
          stack.push(new PySet(items, true, dropped));
          break;
        }
        case OP.APPEND: {
          const v = this.pop();
          const target = this.top();
          this.append(target, [v], 'APPEND');
          break;
        }
        case OP.APPENDS: {
          const items = this.popMark();
          const target = this.top();
          this.append(target, items, 'APPENDS');
          break;
        }
        case OP.ADDITEMS: {
          const items = this.popMark();
          const target = this.top();
          this.append(target, items, 'ADDITEMS');
          break;
        }
        case OP.SETITEM: {
          const v = this.pop();
          const k = this.pop();
          const target = this.top();
          this.setItems(target, [k, v], 'SETITEM');
          break;
        }
        case OP.SETITEMS: {
          const items = this.popMark();
          const target = this.top();
          if (items.length % 2 !== 0) this.malformed('odd number of items for SETITEMS');
          this.setItems(target, items, 'SETITEMS');
          break;
        }

        // --- stack manipulation
        case OP.POP: {
          // pickle.py: POP with an empty stack above a mark pops the mark (pop_mark); C does the same.
          const m = this.marks;
          if (m.length > 0 && stack.length === (m[m.length - 1] as number)) m.pop();
          else this.pop();
          break;
        }
        case OP.DUP:
          stack.push(this.top());
          break;
        case OP.MARK:
          this.marks.push(stack.length);
          if (stack.length + this.marks.length > maxStack) {
            throw new StreamStop('limit', `stack grew beyond maxPickleStack (${maxStack})`, this.op0, 'maxPickleStack');
          }
          break;
        case OP.POP_MARK:
          this.popMark();
          break;

        // --- memo
        case OP.BINPUT:
          this.memoPut(this.u8('BINPUT'), this.top());
          break;
        case OP.LONG_BINPUT: {
          const i = this.u32('LONG_BINPUT');
          if (i >= 0x80000000) this.malformed('negative LONG_BINPUT argument');
          this.memoPut(i, this.top());
          break;
        }
        case OP.PUT: {
          const { text } = this.line('PUT', false);
          const i = parseIntText(text);
          if (typeof i !== 'number') this.malformed(`invalid PUT index ${quoteStr(text, 30)}`);
          if (i < 0) this.malformed('negative PUT argument');
          this.memoPut(i, this.top());
          break;
        }
        case OP.MEMOIZE:
          this.memoPut(this.memoCount, this.top());
          break;
        case OP.BINGET:
          stack.push(this.memoGet(this.u8('BINGET')));
          break;
        case OP.LONG_BINGET:
          stack.push(this.memoGet(this.u32('LONG_BINGET')));
          break;
        case OP.GET: {
          const { text } = this.line('GET', false);
          const i = parseIntText(text);
          if (typeof i !== 'number') this.malformed(`invalid GET index ${quoteStr(text, 30)}`);
          stack.push(this.memoGet(i));
          break;
        }

        // --- globals and calls
        case OP.GLOBAL: {
          const m = this.line('GLOBAL', true);
          const n = this.line('GLOBAL', true);
          stack.push(this.globalFromText(m, n));
          break;
        }
        case OP.STACK_GLOBAL: {
          const name = this.pop();
          const module = this.pop();
          stack.push(this.g.stackGlobal(module, name, this.op0, this.proto));
          break;
        }
        case OP.EXT1:
        case OP.EXT2:
        case OP.EXT4: {
          const code = op === OP.EXT1 ? this.u8('EXT1') : op === OP.EXT2 ? this.u16('EXT2') : this.i32('EXT4');
          if (code <= 0) this.malformed('EXT specifies code <= 0');
          stack.push(this.g.extension(code, this.op0));
          break;
        }
        case OP.REDUCE: {
          const args = this.pop();
          const fn = this.pop();
          stack.push(this.call('REDUCE', fn, args, null));
          break;
        }
        case OP.NEWOBJ: {
          const args = this.pop();
          const cls = this.pop();
          stack.push(this.call('NEWOBJ', cls, args, null));
          break;
        }
        case OP.NEWOBJ_EX: {
          const kwargs = this.pop();
          const args = this.pop();
          const cls = this.pop();
          stack.push(this.call('NEWOBJ_EX', cls, args, kwargs));
          break;
        }
        case OP.INST: {
          const m = this.line('INST', true);
          const n = this.line('INST', true);
          const cls = this.globalFromText(m, n);
          const items = this.popMark();
          stack.push(this.call('INST', cls, new PyTuple(items), null));
          break;
        }
        case OP.OBJ: {
          const items = this.popMark();
          if (items.length === 0) this.malformed('OBJ without a class after MARK');
          const cls = items[0] as Value;
          stack.push(this.call('OBJ', cls, new PyTuple(items.slice(1)), null));
          break;
        }
        case OP.BUILD: {
          const state = this.pop();
          const target = this.top();
          this.build(target, state);
          break;
        }
        case OP.PERSID: {
          const { text } = this.line('PERSID', false);
          if (!isAscii(text)) this.malformed('persistent IDs in protocol 0 must be ASCII strings');
          stack.push(this.g.persistent(text, this.op0));
          break;
        }
        case OP.BINPERSID: {
          const pid = this.pop();
          stack.push(this.g.persistent(pid, this.op0));
          if (typeof pid === 'object' && pid !== null && pid.k === 'tuple' && pid.thinned) this.releaseMemo(pid);
          break;
        }
        default:
          this.malformed(`invalid load key, 0x${op.toString(16).padStart(2, '0')} (not a pickle opcode) at offset ${this.op0}`);
      }
    }
  }

  private globalFromText(m: { text: string; truncated: boolean }, n: { text: string; truncated: boolean }): Value {
    if (m.truncated || n.truncated) {
      const gl = this.g.intern(m.text, n.text, undefined, true);
      this.g.referenceOp(gl, this.op0);
      return gl;
    }
    return this.global(m.text, n.text, this.op0);
  }

  private call(op: CallOp, callee: Value, argsV: Value, kwargs: Value): Value {
    let args: readonly Value[];
    if (typeof argsV === 'object' && argsV !== null && (argsV.k === 'tuple' || argsV.k === 'list')) {
      args = argsV.k === 'tuple' && argsV.thinned ? [new Unknown(`arguments reused from an earlier call (${argsV.dropped} items)`)] : argsV.items;
    } else {
      // C's REDUCE needs a tuple; pickle.py accepts any iterable. Not statically known: one unknown arg.
      args = [argsV];
    }
    const kw = typeof kwargs === 'object' && kwargs !== null && kwargs.k === 'dict' ? kwargs : null;
    const r = this.g.invoke(op, callee, args, kw, kwargs !== null && kw === null ? kwargs : undefined, this.op0);
    // An allowed call keeps no arguments: release the (usually memoised) argument tuple's items so
    // that checkpoints with millions of tensors do not keep every argument alive.
    if (typeof r === 'object' && r !== null && r.k === 'call' && r.args === null && typeof argsV === 'object' && argsV !== null && argsV.k === 'tuple' && argsV.items.length > 0) {
      argsV.thin();
      if (argsV.thinned) this.releaseMemo(argsV);
    }
    return r;
  }

  /** TUPLE1/2/3: the top `n` stack items as a tuple (shared by content when they are small ints). */
  private tupleFromStack(n: number): PyTuple {
    const s = this.stack;
    const base = s.length - n;
    let key = 0;
    let ints = true;
    for (let i = base; i < s.length; i++) {
      const x = s[i];
      if (typeof x !== 'number' || x < 0 || x > 0xffff || !Number.isInteger(x)) {
        ints = false;
        break;
      }
      key = key * 0x10000 + x;
    }
    if (ints) {
      const k = key * 4 + n;
      const hit = this.g.tuples.get(k);
      if (hit !== undefined) {
        for (let i = 0; i < n; i++) s.pop();
        return hit;
      }
    }
    const c = n === 3 ? (s.pop() as Value) : null;
    const b = n >= 2 ? (s.pop() as Value) : null;
    const a = s.pop() as Value;
    return this.tuple(n === 1 ? [a] : n === 2 ? [a, b] : [a, b, c]);
  }

  /**
   * Tuples of up to 4 small non-negative ints (tensor shapes and strides) are shared by content:
   * tuples are immutable, and checkpoints repeat a few shapes across millions of tensors.
   */
  private tuple(items: Value[]): PyTuple {
    const n = items.length;
    if (n === 0 || n > 4) return new PyTuple(items);
    for (let i = 0; i < n; i++) {
      const x = items[i];
      if (typeof x !== 'number' || x < 0 || x > 0xffff || !Number.isInteger(x)) return new PyTuple(items);
    }
    // Exact keys: up to three 16-bit items fit a safe integer (tagged with n); four use a string.
    let key = 0;
    for (let i = n === 4 ? 1 : 0; i < n; i++) key = key * 0x10000 + (items[i] as number);
    const k: number | string = n === 4 ? `${items[0] as number},${key}` : key * 4 + n;
    let t = this.g.tuples.get(k);
    if (t === undefined) {
      t = new PyTuple(items);
      if (this.g.tuples.size < 65536) this.g.tuples.set(k, t);
    }
    return t;
  }

  private addPairs(d: PyDict, items: Value[]): void {
    for (let i = 0; i + 1 < items.length; i += 2) {
      if (d.keys.length < this.maxItems) {
        d.keys.push(items[i] as Value);
        d.vals.push(items[i + 1] as Value);
      } else d.dropped++;
    }
  }

  private append(target: Value, items: Value[], op: 'APPEND' | 'APPENDS' | 'ADDITEMS'): void {
    if (typeof target === 'object' && target !== null) {
      if (target.k === 'list' || (target.k === 'set' && op === 'ADDITEMS')) {
        for (const v of items) {
          if (target.items.length < this.maxItems) target.items.push(v);
          else target.dropped++;
        }
        return;
      }
      if (target.k === 'call') return; // list subclass / set built by a call: graded at construction
      this.g.mutation(op, target, items, this.op0);
    }
  }

  private setItems(target: Value, items: Value[], op: 'SETITEM' | 'SETITEMS'): void {
    if (typeof target === 'object' && target !== null) {
      if (target.k === 'dict') {
        this.addPairs(target, items);
        return;
      }
      if (target.k === 'call') {
        // An OrderedDict / dict subclass built by an allowed call: items are data. Calls that
        // resolve to namespaces (vars(), sys.modules) are checked by the grader.
        if (target.args === null) return;
      }
      this.g.mutation(op, target, items, this.op0);
    }
  }

  private build(target: Value, state: Value): void {
    if (typeof target !== 'object' || target === null) return;
    if (target.k === 'call') {
      target.state = state;
      const arr = this.g.joblibArray(target, state, this.op0);
      if (arr !== undefined) this.joblib(arr);
      else if (target.args !== null) this.g.mutation('BUILD', target, [state], this.op0);
      return;
    }
    this.g.mutation('BUILD', target, [state], this.op0);
  }

  // --- frames ---------------------------------------------------------------------------------

  private onFrame(n: number): void {
    const pos = this.position;
    if (this.frameEnd > pos) {
      this.g.frameMismatch(
        this.op0,
        `FRAME at offset ${this.op0} starts before the previous frame ends (offset ${this.frameEnd}): pickle.py raises "beginning of a new frame before end of current frame", the C unpickler reads on`,
      );
    }
    if (n > this.size - pos) {
      this.g.frameMismatch(
        this.op0,
        `FRAME at offset ${this.op0} announces ${Number.isFinite(n) ? n : 'more than 2^53'} bytes but only ${this.size - pos} follow: the C unpickler stops here ("pickle data was truncated"), pickle.py runs the frame's opcodes`,
      );
      this.frameStart = pos;
      this.frameEnd = this.size;
      return;
    }
    this.frameStart = pos;
    this.frameEnd = pos + n;
    if (n === 0) this.frameEnd = -1;
  }

  /** Called before each opcode while inside a frame. */
  private frameCheck(): void {
    const pos = this.position;
    if (pos < this.frameEnd) return;
    if (pos > this.frameEnd) {
      this.g.frameMismatch(
        this.op0,
        `the opcode at offset ${this.op0} (${opcodeName(this.opAt())}) crosses the end of its FRAME at offset ${this.frameEnd}: pickle.py raises "pickle exhausted before end of frame", the C unpickler and pickletools read on`,
      );
    }
    this.frameEnd = -1;
    this.flushPending();
  }

  // --- joblib ---------------------------------------------------------------------------------

  private joblib(arr: PendingArray): void {
    // The BUILD may end its frame exactly (joblib commits the frame before writing array bytes):
    // close it before the array bytes move the position past the frame end.
    if (this.frameEnd >= 0 && this.position >= this.frameEnd) this.frameCheck();
    if (this.frameEnd > this.position) {
      // pickle.py (joblib's unpickler) has read the whole frame into memory: the array bytes
      // are read from the file after the frame, while the frame's remaining opcodes run first.
      this.g.frameMismatch(
        arr.at,
        `joblib array data after BUILD at offset ${arr.at} is inside a FRAME that runs to offset ${this.frameEnd}: joblib reads the array bytes after the frame, other readers at the BUILD`,
      );
      this.pending.push(arr);
      return;
    }
    this.readArray(arr);
  }

  private flushPending(): void {
    while (this.pending.length > 0) this.readArray(this.pending.shift() as PendingArray);
  }

  private flushPendingAtStop(): void {
    if (this.pending.length > 0) {
      this.seek(Math.max(this.position, this.frameEnd));
      this.frameEnd = -1;
      this.flushPending();
    }
  }

  /** Skip (or, for object arrays, analyse) the array bytes joblib writes after a NumpyArrayWrapper. */
  private readArray(arr: PendingArray): void {
    const at = this.position;
    if (arr.embeddedPickle) {
      if (this.o.joblibDepth >= this.o.maxNestingDepth) {
        throw new StreamStop('limit', `joblib object arrays nested deeper than maxNestingDepth (${this.o.maxNestingDepth})`, at, 'maxNestingDepth');
      }
      const inner = new StreamMachine(this.source, this.g, { ...this.o, joblibDepth: this.o.joblibDepth + 1 });
      const out = this.g.embedded(inner, at);
      if (!out.stopped) {
        throw out.failure ?? new StreamStop('malformed', 'joblib object array pickle did not end', at);
      }
      this.seek(out.end);
      return;
    }
    // pickle.load would read these bytes as opcodes: analyse that reading too (quietly).
    const budget = { left: 0, max: 0 };
    this.g.shadow(new StreamMachine(this.source, this.g, { ...this.o, opsBudget: budget, joblibDepth: this.o.maxNestingDepth }), at, budget);
    if (arr.aligned) {
      const pad = this.u8('joblib alignment byte');
      this.skip(pad, 'joblib alignment padding');
    }
    if (arr.dataBytes > this.size - this.position) {
      throw new StreamStop('malformed', `joblib array data (${arr.dataBytes} bytes from offset ${this.position}) runs past the end of the stream`, at);
    }
    this.skip(arr.dataBytes, 'joblib array data');
  }
}

