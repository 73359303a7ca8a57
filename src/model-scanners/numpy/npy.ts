/**
 * numpy `.npy` files (numpy/lib/format.py): magic `\x93NUMPY`, version byte pair, header length
 * (u16 for 1.0, u32 for 2.0 and 3.0), then a Python dict literal with exactly the keys `descr`,
 * `fortran_order` and `shape`, then the data. When the dtype holds Python objects (`|O`, or a
 * structured dtype with an object field) the data is a pickle, which numpy.load unpickles with
 * allow_pickle=True; otherwise the data is shape x itemsize raw bytes, which are never read.
 */
import { BulwarkError, LimitExceededError } from '../../findings/index.js';
import type { ByteSource, Limits } from '../../limits/index.js';
import type { PyValue } from './literal.js';
import { isDict, isTuple, parsePyLiteral } from './literal.js';

export const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

export interface DtypeInfo {
  /** Bytes per element. */
  readonly itemSize: number;
  /** The dtype (or one of its fields) is `object`: the data is a pickle. */
  readonly hasObject: boolean;
}

export interface NpyHeader {
  readonly major: number;
  readonly minor: number;
  readonly dataOffset: number;
  readonly descr: PyValue;
  readonly fortranOrder: boolean;
  readonly shape: readonly number[];
  readonly dtype: DtypeInfo;
}

function malformed(msg: string): BulwarkError {
  return new BulwarkError('MALFORMED', `npy: ${msg}`);
}

/** Sizes of numpy's one-character type codes (Linux/x86-64 C types). */
const CHAR_SIZES: Readonly<Record<string, number>> = {
  '?': 1, b: 1, B: 1, h: 2, H: 2, i: 4, I: 4, l: 8, L: 8, q: 8, Q: 8, p: 8, P: 8, n: 8, N: 8,
  e: 2, f: 4, d: 8, g: 16, F: 8, D: 16, G: 32, O: 8, M: 8, m: 8, S: 0, a: 0, U: 0, V: 0,
};
/** Type kinds that take a byte count (`<f4`, `|S10`, `<U5`, `|V16`...). */
const SIZED_KINDS = new Set(['b', 'i', 'u', 'f', 'c', 'S', 'a', 'U', 'V', 'O', 'M', 'm']);
const NAMES: Readonly<Record<string, DtypeInfo>> = (() => {
  const t: Record<string, DtypeInfo> = {};
  const add = (names: string[], itemSize: number, hasObject = false): void => {
    for (const n of names) t[n] = { itemSize, hasObject };
  };
  add(['bool', 'bool_', 'bool8', 'int8', 'byte', 'uint8', 'ubyte'], 1);
  add(['int16', 'short', 'uint16', 'ushort', 'float16', 'half'], 2);
  add(['int32', 'intc', 'uint32', 'uintc', 'float32', 'single'], 4);
  add(['int64', 'int', 'int_', 'long', 'longlong', 'intp', 'uint64', 'uint', 'ulong', 'ulonglong', 'uintp', 'float64', 'float', 'double', 'float_', 'complex64', 'csingle', 'datetime64', 'timedelta64'], 8);
  add(['complex128', 'complex', 'cdouble', 'complex_', 'longdouble', 'float128'], 16);
  add(['complex256', 'clongdouble'], 32);
  add(['object', 'object_', 'object0'], 8, true);
  return t;
})();

/** Element size and object-ness of a numpy type string such as `<f4`, `|O`, `<U10`, `<M8[ns]`. */
export function typestrInfo(s: string): DtypeInfo | undefined {
  const named = NAMES[s.replace(/^[<>|=]/, '')];
  if (named) return named;
  const m = /^([<>|=])?([?a-zA-Z])(\d*)(\[[A-Za-z0-9]+\])?$/.exec(s);
  if (!m) return undefined;
  const kind = m[2] as string;
  const digits = m[3] ?? '';
  const hasObject = kind === 'O';
  if (digits === '') {
    const size = CHAR_SIZES[kind];
    if (size === undefined) return undefined;
    return { itemSize: size, hasObject };
  }
  if (!SIZED_KINDS.has(kind)) return undefined;
  const n = Number(digits);
  if (!Number.isSafeInteger(n)) return undefined;
  return { itemSize: kind === 'U' ? n * 4 : n, hasObject };
}

function shapeOf(v: PyValue): number[] | undefined {
  if (typeof v === 'number') return [v];
  if (isTuple(v) && v.tuple.every((x) => typeof x === 'number')) return v.tuple as number[];
  return undefined;
}

function product(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Element size and object-ness of a `descr` as numpy's descr_to_dtype reads it. */
export function dtypeInfo(descr: PyValue, depth = 0): DtypeInfo {
  if (depth > 32) throw malformed('dtype nests too deeply');
  if (typeof descr === 'string') {
    const info = typestrInfo(descr);
    if (!info) throw malformed(`unrecognised dtype ${JSON.stringify(descr.slice(0, 64))}`);
    return info;
  }
  if (isTuple(descr)) {
    // (base, shape): a sub-array dtype.
    const [base, shape] = descr.tuple;
    const s = shape === undefined ? undefined : shapeOf(shape);
    if (base === undefined || !s) throw malformed('bad sub-array dtype');
    const b = dtypeInfo(base, depth + 1);
    return { itemSize: b.itemSize * product(s), hasObject: b.hasObject };
  }
  if (Array.isArray(descr)) {
    // Structured: [(name, descr) | (name, descr, shape), ...]
    let itemSize = 0;
    let hasObject = false;
    for (const field of descr) {
      if (!isTuple(field) || field.tuple.length < 2 || field.tuple.length > 3) throw malformed('bad structured dtype field');
      const sub = dtypeInfo(field.tuple[1] as PyValue, depth + 1);
      const shape = field.tuple.length === 3 ? shapeOf(field.tuple[2] as PyValue) : [1];
      if (!shape) throw malformed('bad structured dtype field shape');
      itemSize += sub.itemSize * product(shape);
      hasObject ||= sub.hasObject;
    }
    return { itemSize, hasObject };
  }
  throw malformed('descr is not a type string, tuple or field list');
}

function le16(b: Uint8Array, o: number): number {
  return (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8);
}
function le32(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) | ((b[o + 1] ?? 0) << 8) | ((b[o + 2] ?? 0) << 16) | ((b[o + 3] ?? 0) << 24)) >>> 0;
}

/** Parse and validate an `.npy` header as numpy.lib.format.read_array_header_* does. */
export function parseNpyHeader(source: ByteSource, limits: Pick<Limits, 'maxStringBytes' | 'maxStructureDepth'>): NpyHeader {
  const pre = source.read(0, 12);
  if (pre.length < 10 || !NPY_MAGIC.every((b, i) => pre[i] === b)) throw malformed('bad magic');
  const major = pre[6] ?? 0;
  const minor = pre[7] ?? 0;
  let start: number;
  let length: number;
  if (major === 1) {
    start = 10;
    length = le16(pre, 8);
  } else if (major === 2 || major === 3) {
    if (pre.length < 12) throw malformed('header is truncated');
    start = 12;
    length = le32(pre, 8);
  } else {
    throw malformed(`unsupported format version ${major}.${minor}`);
  }
  if (length > limits.maxStringBytes) throw new LimitExceededError('maxStringBytes', limits.maxStringBytes, `npy header of ${length} bytes exceeds maxStringBytes (${limits.maxStringBytes})`);
  const raw = source.read(start, length);
  if (raw.length < length) throw malformed('header is truncated');
  const text = major === 3 ? new TextDecoder('utf-8', { fatal: false }).decode(raw) : Buffer.from(raw).toString('latin1');
  const v = parsePyLiteral(text, limits.maxStructureDepth);
  if (!isDict(v)) throw malformed('header is not a dict');
  const keys = v.dict.map(([k]) => k);
  const want = ['descr', 'fortran_order', 'shape'];
  if (keys.length !== 3 || !want.every((k) => keys.includes(k))) throw malformed(`header keys are ${JSON.stringify(keys).slice(0, 100)}, not descr, fortran_order and shape`);
  const get = (k: string): PyValue => (v.dict.find(([key]) => key === k) as readonly [PyValue, PyValue])[1];
  const shapeV = get('shape');
  if (!isTuple(shapeV) || !shapeV.tuple.every((x) => typeof x === 'number')) throw malformed('shape is not a tuple of integers');
  const fortran = get('fortran_order');
  if (typeof fortran !== 'boolean') throw malformed('fortran_order is not a boolean');
  const descr = get('descr');
  return { major, minor, dataOffset: start + length, descr, fortranOrder: fortran, shape: shapeV.tuple as number[], dtype: dtypeInfo(descr) };
}

/** Expected data size; Infinity when it cannot be represented. */
export function expectedDataSize(h: NpyHeader): number {
  const n = product(h.shape) * h.dtype.itemSize;
  return Number.isSafeInteger(n) && n >= 0 ? n : Number.POSITIVE_INFINITY;
}

/** Short rendering of a descr for messages (data, truncated). */
export function renderDescr(v: PyValue): string {
  const r = (x: PyValue): string => {
    if (typeof x === 'string') return `'${x}'`;
    if (x === null) return 'None';
    if (typeof x === 'number' || typeof x === 'boolean') return String(x);
    if (Array.isArray(x)) return `[${x.map(r).join(', ')}]`;
    if (isTuple(x)) return `(${x.tuple.map(r).join(', ')}${x.tuple.length === 1 ? ',' : ''})`;
    return `{${x.dict.map(([k, val]) => `${r(k)}: ${r(val)}`).join(', ')}}`;
  };
  const s = r(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}
