/**
 * A minimal, bounded HDF5 reader for one purpose: the string attributes of the root group
 * (`model_config`, `training_config`, `keras_version`, `backend`) that legacy Keras `.h5` files carry.
 *
 * Why not h5wasm: it is a 3 MB WebAssembly build of the whole HDF5 C library, not installed, and would
 * need a worker thread with memory/time limits to parse hostile files. Reading root-group attributes
 * needs only the superblock, one object header (with continuation blocks) and, for variable-length
 * strings, one global heap collection: a few hundred lines we can bound precisely. Anything outside
 * that subset (dense attribute storage in a fractal heap, other datatypes) is reported as not
 * analysed (the target becomes partial) rather than guessed.
 *
 * Supported: superblock versions 0–3 (searched at 0, 512, 1024, ...), object header versions 1 and 2
 * (with continuation messages), attribute message versions 1–3, fixed-length strings (class 3) and
 * variable-length strings (class 9) stored in a global heap collection (GCOL), scalar or 1-element
 * dataspaces.
 */
import { BulwarkError, LimitExceededError } from '../../findings/index.js';
import type { ByteSource, Limits } from '../../limits/index.js';

export const HDF5_SIGNATURE = Uint8Array.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The limits the reader honours: attribute bytes (`maxTextBytes`), header messages and continuations. */
export type Hdf5Limits = Pick<Limits, 'maxTextBytes' | 'maxHdf5Messages' | 'maxHdf5Continuations'>;

function tooManyMessages(max: number): LimitExceededError {
  return new LimitExceededError('maxHdf5Messages', max, `HDF5: more than maxHdf5Messages (${max}) object header messages`);
}

export interface Hdf5Attribute {
  readonly name: string;
  /** Decoded string value; undefined when the attribute is not a string this reader decodes. */
  readonly value: string | undefined;
  /** Byte offset of the attribute message (for locations). */
  readonly offset: number;
  /** Why `value` is undefined (unsupported type or storage). */
  readonly note?: string;
}

export interface Hdf5RootAttributes {
  readonly superblockOffset: number;
  readonly superblockVersion: number;
  readonly attributes: readonly Hdf5Attribute[];
  /** Set when some attributes could not be enumerated (dense storage, unsupported header). */
  readonly incomplete?: string;
}

function malformed(msg: string): BulwarkError {
  return new BulwarkError('MALFORMED', `HDF5: ${msg}`);
}

/** Offset of the superblock signature (0, 512, 1024, ...), or -1. Reads ≤ log2(size) 8-byte probes. */
export function findHdf5Superblock(source: ByteSource): number {
  for (let off = 0; off + 8 <= source.size; off = off === 0 ? 512 : off * 2) {
    const b = source.read(off, 8);
    if (HDF5_SIGNATURE.every((x, i) => b[i] === x)) return off;
  }
  return -1;
}

/** Is this an HDF5 file whose superblock sits at offset 0 (what Keras writes)? */
export function isHdf5(source: ByteSource): boolean {
  const b = source.read(0, 8);
  return b.length === 8 && HDF5_SIGNATURE.every((x, i) => b[i] === x);
}

class Reader {
  constructor(
    readonly src: ByteSource,
    readonly base: number,
    readonly so: number,
    readonly sl: number,
    readonly maxAttrBytes: number,
  ) {}
  abs(addr: number): number {
    return this.base + addr;
  }
  bytes(addr: number, n: number): Uint8Array {
    if (!Number.isSafeInteger(addr) || addr < 0 || n < 0 || addr + n > this.src.size) throw malformed(`read of ${n} bytes at ${addr} outside the file`);
    const b = this.src.read(addr, n);
    if (b.length !== n) throw malformed(`short read at ${addr}`);
    return b;
  }
  uint(b: Uint8Array, at: number, size: number): number {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + (b[at + i] ?? 0);
    return v;
  }
  isUndef(b: Uint8Array, at: number, size: number): boolean {
    for (let i = 0; i < size; i++) if (b[at + i] !== 0xff) return false;
    return true;
  }
}

/**
 * Read the root group's attributes. Throws BulwarkError('MALFORMED') on structural errors and
 * LimitExceededError past `maxHdf5Messages` / `maxHdf5Continuations`.
 */
export function readRootAttributes(source: ByteSource, limits: Hdf5Limits): Hdf5RootAttributes {
  const maxAttrBytes = limits.maxTextBytes;
  const sbOff = findHdf5Superblock(source);
  if (sbOff < 0) throw malformed('no superblock signature');
  const sb = source.read(sbOff, 128);
  const version = sb[8] ?? 255;
  let so: number;
  let sl: number;
  let rootHeader: number;
  let base: number;
  if (version === 0 || version === 1) {
    so = sb[13] ?? 0;
    sl = sb[14] ?? 0;
    checkSizes(so, sl);
    let p = version === 0 ? 24 : 28;
    const r = new Reader(source, 0, so, sl, maxAttrBytes);
    base = r.uint(sb, p, so);
    p += so * 4; // base, free-space info, end of file, driver info
    // Root group symbol table entry: link name offset, object header address, ...
    rootHeader = r.uint(sb, p + so, so);
  } else if (version === 2 || version === 3) {
    so = sb[9] ?? 0;
    sl = sb[10] ?? 0;
    checkSizes(so, sl);
    const r = new Reader(source, 0, so, sl, maxAttrBytes);
    base = r.uint(sb, 12, so);
    rootHeader = r.uint(sb, 12 + so * 3, so);
  } else throw malformed(`unsupported superblock version ${version}`);
  // Addresses are relative to the base address, which the library pins to the superblock's offset.
  const r = new Reader(source, base !== 0 ? base : sbOff, so, sl, maxAttrBytes);
  const attrs: Hdf5Attribute[] = [];
  const incomplete = readObjectHeader(r, r.abs(rootHeader), attrs, limits);
  return { superblockOffset: sbOff, superblockVersion: version, attributes: attrs, ...(incomplete !== undefined && { incomplete }) };
}

function checkSizes(so: number, sl: number): void {
  if (![2, 4, 8].includes(so) || ![2, 4, 8].includes(sl)) throw malformed(`unsupported offset/length sizes ${so}/${sl}`);
}

interface Msg {
  readonly type: number;
  readonly data: Uint8Array;
  readonly offset: number;
}

/** Collect the messages of an object header (v1 or v2) with its continuation blocks. */
function readObjectHeader(r: Reader, addr: number, attrs: Hdf5Attribute[], limits: Hdf5Limits): string | undefined {
  const maxMessages = limits.maxHdf5Messages;
  const msgs: Msg[] = [];
  const head = r.bytes(addr, 16);
  let v2 = false;
  if (head[0] === 0x4f && head[1] === 0x48 && head[2] === 0x44 && head[3] === 0x52) {
    // "OHDR" version 2
    v2 = true;
    const flags = head[5] ?? 0;
    let p = 6;
    if (flags & 0x20) p += 16;
    if (flags & 0x10) p += 4;
    const sizeBytes = 1 << (flags & 3);
    const hb = r.bytes(addr, p + sizeBytes);
    const chunkSize = r.uint(hb, p, sizeBytes);
    p += sizeBytes;
    parseV2Messages(r, addr + p, chunkSize, flags, msgs, maxMessages);
  } else if (head[0] === 1) {
    const count = r.uint(head, 2, 2);
    const size = r.uint(head, 8, 4);
    parseV1Messages(r, addr + 16, size, msgs, count, maxMessages);
  } else throw malformed(`unsupported object header at ${addr}`);
  let followed = 0;
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i] as Msg;
    if (m.type === 0x10) {
      if (++followed > limits.maxHdf5Continuations) {
        throw new LimitExceededError('maxHdf5Continuations', limits.maxHdf5Continuations, `HDF5: more than maxHdf5Continuations (${limits.maxHdf5Continuations}) object header continuation blocks`);
      }
      const caddr = r.abs(r.uint(m.data, 0, r.so));
      const clen = r.uint(m.data, r.so, r.sl);
      if (v2) {
        const sig = r.bytes(caddr, 4);
        if (!(sig[0] === 0x4f && sig[1] === 0x43 && sig[2] === 0x48 && sig[3] === 0x4b)) throw malformed('continuation block without OCHK signature');
        parseV2Messages(r, caddr + 4, clen - 8, 0, msgs, maxMessages);
      } else parseV1Messages(r, caddr, clen, msgs, maxMessages, maxMessages);
    }
  }
  let incomplete: string | undefined;
  for (const m of msgs) {
    if (m.type === 0x0c) attrs.push(readAttribute(r, m));
    else if (m.type === 0x15) {
      // Attribute info: a defined fractal heap address means attributes in dense storage.
      const flags = m.data[1] ?? 0;
      const p = 2 + (flags & 1 ? 2 : 0);
      if (!r.isUndef(m.data, p, r.so)) incomplete = 'attributes are in dense storage (fractal heap), which this reader does not decode';
    }
  }
  return incomplete;
}

function parseV1Messages(r: Reader, start: number, size: number, out: Msg[], max: number, maxMessages: number): void {
  const b = r.bytes(start, size);
  let p = 0;
  let n = 0;
  while (p + 8 <= b.length && n < max) {
    if (out.length >= maxMessages) throw tooManyMessages(maxMessages);
    const type = r.uint(b, p, 2);
    const len = r.uint(b, p + 2, 2);
    if (p + 8 + len > b.length) throw malformed('object header message runs past its block');
    out.push({ type, data: b.subarray(p + 8, p + 8 + len), offset: start + p });
    p += 8 + len;
    n++;
  }
}

function parseV2Messages(r: Reader, start: number, size: number, headerFlags: number, out: Msg[], maxMessages: number): void {
  const b = r.bytes(start, size);
  const creation = (headerFlags & 0x04) !== 0;
  let p = 0;
  while (p + 4 <= b.length) {
    if (out.length >= maxMessages) throw tooManyMessages(maxMessages);
    const type = b[p] ?? 0;
    const len = r.uint(b, p + 1, 2);
    const hdr = 4 + (creation ? 2 : 0);
    if (p + hdr + len > b.length) break; // gap / padding at the end of a chunk
    out.push({ type, data: b.subarray(p + hdr, p + hdr + len), offset: start + p });
    p += hdr + len;
  }
}

const pad8 = (n: number): number => Math.ceil(n / 8) * 8;

function readAttribute(r: Reader, m: Msg): Hdf5Attribute {
  const d = m.data;
  const version = d[0] ?? 0;
  const nameSize = r.uint(d, 2, 2);
  const dtSize = r.uint(d, 4, 2);
  const dsSize = r.uint(d, 6, 2);
  let p = version === 3 ? 9 : 8;
  const nameBytes = d.subarray(p, p + nameSize);
  const name = new TextDecoder().decode(nameBytes).replace(/\0+$/, '');
  p += version === 1 ? pad8(nameSize) : nameSize;
  const dt = d.subarray(p, p + dtSize);
  p += version === 1 ? pad8(dtSize) : dtSize;
  const ds = d.subarray(p, p + dsSize);
  p += version === 1 ? pad8(dsSize) : dsSize;
  const data = d.subarray(p);
  const cls = (dt[0] ?? 0) & 0x0f;
  const elemSize = r.uint(dt, 4, 4);
  const count = dataspaceCount(r, ds);
  if (count !== 1) return { name, value: undefined, offset: m.offset, note: `attribute with ${count} elements` };
  if (cls === 3) {
    const n = Math.min(elemSize, data.length);
    return { name, value: new TextDecoder('utf-8', { fatal: false }).decode(data.subarray(0, n)).replace(/\0+$/, ''), offset: m.offset };
  }
  if (cls === 9 && ((dt[1] ?? 0) & 0x0f) === 1) {
    // Variable-length string: {u32 length, collection address, u32 object index}.
    const len = r.uint(data, 0, 4);
    const coll = r.uint(data, 4, r.so);
    const index = r.uint(data, 4 + r.so, 4);
    if (len > r.maxAttrBytes) return { name, value: undefined, offset: m.offset, note: `string of ${len} bytes exceeds the limit` };
    return { name, value: readGlobalHeapObject(r, r.abs(coll), index, len), offset: m.offset };
  }
  return { name, value: undefined, offset: m.offset, note: `datatype class ${cls}` };
}

function dataspaceCount(r: Reader, ds: Uint8Array): number {
  const version = ds[0] ?? 0;
  const rank = ds[1] ?? 0;
  if (version === 2 && ds[3] === 0) return 1; // scalar
  if (version === 2 && ds[3] === 2) return 0; // null
  if (rank === 0) return 1;
  const p = version === 1 ? 8 : 4;
  let n = 1;
  for (let i = 0; i < rank && i < 32; i++) n *= r.uint(ds, p + i * r.sl, r.sl);
  return n;
}

function readGlobalHeapObject(r: Reader, addr: number, index: number, len: number): string {
  const head = r.bytes(addr, 8 + r.sl);
  if (!(head[0] === 0x47 && head[1] === 0x43 && head[2] === 0x4f && head[3] === 0x4c)) throw malformed(`no global heap collection at ${addr}`);
  const size = r.uint(head, 8, r.sl);
  if (size > 1 << 30) throw malformed('global heap collection too large');
  let p = addr + 8 + r.sl;
  const end = addr + size;
  for (let guard = 0; p + 8 + r.sl <= end && guard < 1_000_000; guard++) {
    const h = r.bytes(p, 8 + r.sl);
    const idx = r.uint(h, 0, 2);
    const objSize = r.uint(h, 8, r.sl);
    if (idx === 0) break; // free space
    if (idx === index) {
      if (len > objSize) throw malformed('variable-length string longer than its heap object');
      return new TextDecoder('utf-8', { fatal: false }).decode(r.bytes(p + 8 + r.sl, len));
    }
    p += 8 + r.sl + pad8(objSize);
  }
  throw malformed(`global heap object ${index} not found`);
}
