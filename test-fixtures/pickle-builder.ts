/**
 * Opcode-level pickle builder for tests and rule cases. Every opcode is emitted explicitly, so a
 * hostile fixture reads as the trick it is (`.stackGlobal('posixpath', 'os.system')`, `.ext1(7)`,
 * `.frame(3)` with the wrong length). Helpers build common shapes (calls, containers, framed
 * protocol-4 bodies, PyTorch state dicts, joblib arrays).
 *
 * Values passed to `value()`: string → str, number → int (float when not an integer), bigint → LONG1,
 * boolean, null, Uint8Array → bytes, `tuple(...)`/arrays → tuple/list, `dictOf` → dict.
 */

export type PyLit = null | boolean | number | bigint | string | Uint8Array | PyLit[] | TupleLit | DictLit | FloatLit;
export class TupleLit {
  constructor(readonly items: PyLit[]) {}
}
export class DictLit {
  constructor(readonly entries: [PyLit, PyLit][]) {}
}
export class FloatLit {
  constructor(readonly v: number) {}
}
export const tuple = (...items: PyLit[]): TupleLit => new TupleLit(items);
export const dictOf = (...entries: [PyLit, PyLit][]): DictLit => new DictLit(entries);
export const float = (v: number): FloatLit => new FloatLit(v);

const enc = new TextEncoder();

export class PickleBuilder {
  private buf = new Uint8Array(256);
  private len = 0;
  private memoNext = 0;

  /** Bytes emitted so far. */
  get length(): number {
    return this.len;
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  raw(bytes: Uint8Array | readonly number[] | string): this {
    const b = typeof bytes === 'string' ? enc.encode(bytes) : bytes;
    this.ensure(b.length);
    if (b instanceof Uint8Array) this.buf.set(b, this.len);
    else for (let i = 0; i < b.length; i++) this.buf[this.len + i] = b[i] as number;
    this.len += b.length;
    return this;
  }

  private op(code: number, ...arg: (Uint8Array | number[])[]): this {
    this.ensure(1);
    this.buf[this.len++] = code;
    for (const a of arg) this.raw(a);
    return this;
  }

  build(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  // --- integers
  static u16(n: number): number[] {
    return [n & 0xff, (n >>> 8) & 0xff];
  }
  static u32(n: number): number[] {
    return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
  }
  static u64(n: number | bigint): number[] {
    let v = BigInt(n);
    const out: number[] = [];
    for (let i = 0; i < 8; i++) {
      out.push(Number(v & 0xffn));
      v >>= 8n;
    }
    return out;
  }

  // --- control
  proto(n: number): this {
    return this.op(0x80, [n]);
  }
  frame(length: number | bigint): this {
    return this.op(0x95, PickleBuilder.u64(length));
  }
  stop(): this {
    return this.op(0x2e);
  }
  mark(): this {
    return this.op(0x28);
  }
  pop(): this {
    return this.op(0x30);
  }
  popMark(): this {
    return this.op(0x31);
  }
  dup(): this {
    return this.op(0x32);
  }

  // --- constants and numbers
  none(): this {
    return this.op(0x4e);
  }
  newTrue(): this {
    return this.op(0x88);
  }
  newFalse(): this {
    return this.op(0x89);
  }
  int(text: string | number): this {
    return this.op(0x49).raw(`${text}\n`);
  }
  long(text: string | number | bigint): this {
    return this.op(0x4c).raw(`${text}L\n`);
  }
  float(text: string | number): this {
    return this.op(0x46).raw(`${text}\n`);
  }
  binInt1(n: number): this {
    return this.op(0x4b, [n]);
  }
  binInt2(n: number): this {
    return this.op(0x4d, PickleBuilder.u16(n));
  }
  binInt(n: number): this {
    return this.op(0x4a, PickleBuilder.u32(n >>> 0));
  }
  long1(n: bigint | number): this {
    const bytes = twosComplement(BigInt(n));
    return this.op(0x8a, [bytes.length], bytes);
  }
  long4(n: bigint | number): this {
    const bytes = twosComplement(BigInt(n));
    return this.op(0x8b, PickleBuilder.u32(bytes.length), bytes);
  }
  binFloat(v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, false);
    return this.op(0x47, b);
  }

  // --- strings and bytes
  string(quotedLiteral: string): this {
    return this.op(0x53).raw(`${quotedLiteral}\n`);
  }
  binString(s: string): this {
    const b = latin1(s);
    return this.op(0x54, PickleBuilder.u32(b.length), b);
  }
  shortBinString(s: string): this {
    const b = latin1(s);
    return this.op(0x55, [b.length], b);
  }
  unicode(rawUnicodeEscaped: string): this {
    return this.op(0x56).raw(latin1(rawUnicodeEscaped)).raw([0x0a]);
  }
  shortBinUnicode(s: string): this {
    const b = enc.encode(s);
    if (b.length > 255) throw new Error('shortBinUnicode: too long');
    return this.op(0x8c, [b.length], b);
  }
  binUnicode(s: string | Uint8Array): this {
    const b = typeof s === 'string' ? enc.encode(s) : s;
    return this.op(0x58, PickleBuilder.u32(b.length), b);
  }
  binUnicode8(s: string): this {
    const b = enc.encode(s);
    return this.op(0x8d, PickleBuilder.u64(b.length), b);
  }
  shortBinBytes(b: Uint8Array): this {
    return this.op(0x43, [b.length], b);
  }
  binBytes(b: Uint8Array): this {
    return this.op(0x42, PickleBuilder.u32(b.length), b);
  }
  binBytes8(b: Uint8Array): this {
    return this.op(0x8e, PickleBuilder.u64(b.length), b);
  }
  byteArray8(b: Uint8Array): this {
    return this.op(0x96, PickleBuilder.u64(b.length), b);
  }
  nextBuffer(): this {
    return this.op(0x97);
  }
  readonlyBuffer(): this {
    return this.op(0x98);
  }
  /** str with the shortest opcode for the protocol (SHORT_BINUNICODE needs protocol 4). */
  str(s: string, proto = 4): this {
    const n = enc.encode(s).length;
    return proto >= 4 && n < 256 ? this.shortBinUnicode(s) : this.binUnicode(s);
  }

  // --- containers
  emptyTuple(): this {
    return this.op(0x29);
  }
  tuple(): this {
    return this.op(0x74);
  }
  tuple1(): this {
    return this.op(0x85);
  }
  tuple2(): this {
    return this.op(0x86);
  }
  tuple3(): this {
    return this.op(0x87);
  }
  emptyList(): this {
    return this.op(0x5d);
  }
  list(): this {
    return this.op(0x6c);
  }
  append(): this {
    return this.op(0x61);
  }
  appends(): this {
    return this.op(0x65);
  }
  emptyDict(): this {
    return this.op(0x7d);
  }
  dict(): this {
    return this.op(0x64);
  }
  setItem(): this {
    return this.op(0x73);
  }
  setItems(): this {
    return this.op(0x75);
  }
  emptySet(): this {
    return this.op(0x8f);
  }
  addItems(): this {
    return this.op(0x90);
  }
  frozenSet(): this {
    return this.op(0x91);
  }

  // --- memo
  put(i: number): this {
    return this.op(0x70).raw(`${i}\n`);
  }
  binPut(i: number): this {
    return this.op(0x71, [i]);
  }
  longBinPut(i: number): this {
    return this.op(0x72, PickleBuilder.u32(i));
  }
  memoize(): this {
    return this.op(0x94);
  }
  get(i: number): this {
    return this.op(0x67).raw(`${i}\n`);
  }
  binGet(i: number): this {
    return this.op(0x68, [i]);
  }
  longBinGet(i: number): this {
    return this.op(0x6a, PickleBuilder.u32(i));
  }

  // --- globals, calls, objects
  global(module: string, name: string): this {
    return this.op(0x63).raw(`${module}\n${name}\n`);
  }
  /** Push module and name as strs, then STACK_GLOBAL. */
  stackGlobal(module?: string, name?: string): this {
    if (module !== undefined) this.str(module);
    if (name !== undefined) this.str(name);
    return this.op(0x93);
  }
  inst(module: string, name: string): this {
    return this.op(0x69).raw(`${module}\n${name}\n`);
  }
  obj(): this {
    return this.op(0x6f);
  }
  reduce(): this {
    return this.op(0x52);
  }
  build_(): this {
    return this.op(0x62);
  }
  /** BUILD (named `buildOp` too, as `build()` returns the bytes). */
  buildOp(): this {
    return this.op(0x62);
  }
  newObj(): this {
    return this.op(0x81);
  }
  newObjEx(): this {
    return this.op(0x92);
  }
  ext1(code: number): this {
    return this.op(0x82, [code]);
  }
  ext2(code: number): this {
    return this.op(0x83, PickleBuilder.u16(code));
  }
  ext4(code: number): this {
    return this.op(0x84, PickleBuilder.u32(code));
  }
  persId(text: string): this {
    return this.op(0x50).raw(`${text}\n`);
  }
  binPersId(): this {
    return this.op(0x51);
  }

  // --- helpers ----------------------------------------------------------------------------

  /** Push a Python literal (see the module comment). */
  value(v: PyLit, proto = 4): this {
    if (v === null) return this.none();
    if (v === true) return proto >= 2 ? this.newTrue() : this.int('01');
    if (v === false) return proto >= 2 ? this.newFalse() : this.int('00');
    if (typeof v === 'bigint') return this.long1(v);
    if (typeof v === 'number') {
      if (!Number.isInteger(v)) return this.binFloat(v);
      if (v >= 0 && v < 256) return this.binInt1(v);
      if (v >= 0 && v < 65536) return this.binInt2(v);
      if (v >= -0x80000000 && v < 0x80000000) return this.binInt(v);
      return this.long1(BigInt(v));
    }
    if (typeof v === 'string') return this.str(v, proto);
    if (v instanceof Uint8Array) return v.length < 256 ? this.shortBinBytes(v) : this.binBytes(v);
    if (v instanceof FloatLit) return this.binFloat(v.v);
    if (v instanceof TupleLit) {
      const n = v.items.length;
      if (n === 0) return this.emptyTuple();
      if (n <= 3 && proto >= 2) {
        for (const x of v.items) this.value(x, proto);
        return n === 1 ? this.tuple1() : n === 2 ? this.tuple2() : this.tuple3();
      }
      this.mark();
      for (const x of v.items) this.value(x, proto);
      return this.tuple();
    }
    if (v instanceof DictLit) {
      this.emptyDict();
      if (v.entries.length === 0) return this;
      this.mark();
      for (const [k, x] of v.entries) {
        this.value(k, proto);
        this.value(x, proto);
      }
      return this.setItems();
    }
    this.emptyList();
    if (v.length === 0) return this;
    this.mark();
    for (const x of v) this.value(x, proto);
    return this.appends();
  }

  /** `module.name(*args)` via GLOBAL + args tuple + REDUCE. */
  call(module: string, name: string, ...args: PyLit[]): this {
    this.global(module, name);
    return this.value(tuple(...args)).reduce();
  }

  /** Next memo index for `memoize()` users. */
  nextMemo(): number {
    return this.memoNext++;
  }

  /** Wrap `body` (built by fn on a fresh builder) in a FRAME of its exact length. */
  framed(fn: (b: PickleBuilder) => void): this {
    const inner = new PickleBuilder();
    fn(inner);
    const bytes = inner.build();
    return this.frame(bytes.length).raw(bytes);
  }
}

export function pickle(fn: (b: PickleBuilder) => void): Uint8Array {
  const b = new PickleBuilder();
  fn(b);
  return b.build();
}

function twosComplement(n: bigint): number[] {
  if (n === 0n) return [];
  const out: number[] = [];
  let v = n;
  for (;;) {
    const byte = Number(v & 0xffn);
    out.push(byte);
    v >>= 8n;
    if ((v === 0n && (byte & 0x80) === 0) || (v === -1n && (byte & 0x80) !== 0)) break;
  }
  return out;
}

function latin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

// --- common shapes --------------------------------------------------------------------------

/**
 * A PyTorch `state_dict` pickle as `torch.save` (zip format, protocol 2) writes it: an OrderedDict
 * of `_rebuild_tensor_v2(persistent_load(('storage', FloatStorage, key, 'cpu', numel)), 0, shape,
 * stride, False, OrderedDict())`, with the memoisation Pickler does (globals and repeated strings
 * are BINGETs, SETITEMS in batches of 1000).
 */
export function torchStateDict(count: number, opts: { keyPrefix?: string; shape?: readonly number[] } = {}): Uint8Array {
  const b = new PickleBuilder();
  const shape = opts.shape ?? [4, 4];
  const stride = shape.map((_, i) => shape.slice(i + 1).reduce((a, x) => a * x, 1));
  const numel = shape.reduce((a, x) => a * x, 1);
  let memo = 0;
  const put = (): number => {
    const i = memo++;
    if (i < 256) b.binPut(i);
    else b.longBinPut(i);
    return i;
  };
  const get = (i: number): void => {
    if (i < 256) b.binGet(i);
    else b.longBinGet(i);
  };
  b.proto(2);
  b.global('collections', 'OrderedDict');
  const od = put();
  b.emptyTuple().reduce();
  put();
  let rebuild = -1;
  let storageStr = -1;
  let floatStorage = -1;
  let cpu = -1;
  for (let start = 0; start < count; start += 1000) {
    b.mark();
    for (let i = start; i < Math.min(count, start + 1000); i++) {
      b.binUnicode(`${opts.keyPrefix ?? 'model.layers'}.${i}.weight`);
      put();
      if (rebuild < 0) {
        b.global('torch._utils', '_rebuild_tensor_v2');
        rebuild = put();
      } else get(rebuild);
      b.mark(); // arguments of _rebuild_tensor_v2
      b.mark(); // the persistent id tuple
      if (storageStr < 0) {
        b.binUnicode('storage');
        storageStr = put();
      } else get(storageStr);
      if (floatStorage < 0) {
        b.global('torch', 'FloatStorage');
        floatStorage = put();
      } else get(floatStorage);
      b.binUnicode(String(i));
      put();
      if (cpu < 0) {
        b.binUnicode('cpu');
        cpu = put();
      } else get(cpu);
      b.value(numel, 2);
      b.tuple();
      put();
      b.binPersId();
      b.binInt1(0);
      b.value(tuple(...shape), 2);
      put();
      b.value(tuple(...stride), 2);
      put();
      b.newFalse();
      get(od);
      b.emptyTuple().reduce();
      put();
      b.tuple();
      put();
      b.reduce();
      put();
    }
    b.setItems();
  }
  b.stop();
  return b.build();
}

/**
 * A joblib pickle (NumpyPickler, protocol 4) of one float64 array: the NumpyArrayWrapper is built
 * and BUILD with its state, then (with alignment) a padding-length byte, padding, and the raw data.
 */
export function joblibArrayPickle(opts: { shape: readonly number[]; dtype?: string; aligned?: boolean; data?: Uint8Array; objectArrayPickle?: Uint8Array; after?: (b: PickleBuilder) => void } = { shape: [3] }): Uint8Array {
  const b = new PickleBuilder();
  const dtype = opts.dtype ?? 'f8';
  const itemsize = dtype === 'O8' ? 8 : Number(dtype.slice(1)) || 8;
  b.proto(4);
  joblibWrapper(b, { shape: opts.shape, dtype, aligned: opts.aligned !== false });
  if (dtype === 'O8') {
    b.raw(opts.objectArrayPickle ?? pickle((x) => x.proto(2).emptyList().stop()));
  } else {
    const count = opts.shape.reduce((a, x) => a * x, 1);
    if (opts.aligned !== false) {
      const pos = b.length;
      const pad = 16 - ((pos + 1) % 16);
      b.raw([pad]);
      b.raw(new Uint8Array(pad).fill(0xff));
    }
    b.raw(opts.data ?? new Uint8Array(count * itemsize).fill(0x2e));
  }
  opts.after?.(b);
  b.stop();
  return b.build();
}

/** The opcodes of one joblib NumpyArrayWrapper up to and including its BUILD (no array bytes). */
export function joblibWrapper(b: PickleBuilder, opts: { shape: readonly number[]; dtype?: string; aligned?: boolean }): PickleBuilder {
  const dtype = opts.dtype ?? 'f8';
  b.global('joblib.numpy_pickle', 'NumpyArrayWrapper');
  b.memoize();
  b.emptyTuple().newObj().memoize();
  b.emptyDict().memoize().mark();
  b.str('subclass').global('numpy', 'ndarray').memoize();
  b.str('shape').value(tuple(...opts.shape));
  b.str('order').str('C');
  b.str('dtype').global('numpy', 'dtype').memoize().str(dtype).newFalse().newTrue().tuple3().reduce().memoize();
  b.mark().binInt1(3).str(dtype === 'O8' ? '|' : '<').none().none().none().binInt(-1).binInt(-1).binInt1(dtype === 'O8' ? 63 : 0).tuple().buildOp();
  b.str('allow_mmap').newTrue();
  if (opts.aligned !== false) b.str('numpy_array_alignment_bytes').binInt1(16);
  return b.setItems().buildOp();
}
