/**
 * Builds Keras fixtures in code: `.keras` v3 zips (a small zip writer: stored or deflated members,
 * duplicate names allowed) with configs made of named layer specs, and legacy HDF5 files (a minimal
 * HDF5 writer: superblock v0, a version-1 root object header holding string attributes, optionally
 * behind a continuation message or as a variable-length string in a global heap collection).
 */
import { deflateRawSync } from 'node:zlib';
import { crc32 } from 'node:zlib';

export interface ZipMember {
  readonly name: string;
  readonly data: Uint8Array | string;
  readonly deflate?: boolean;
}

export function zipFile(members: readonly ZipMember[]): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const m of members) {
    const data = typeof m.data === 'string' ? new TextEncoder().encode(m.data) : m.data;
    const body = m.deflate ? new Uint8Array(deflateRawSync(data)) : data;
    const name = new TextEncoder().encode(m.name);
    const crc = crc32(data);
    const local = new Uint8Array(30 + name.length + body.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(6, 0x800, true);
    lv.setUint16(8, m.deflate ? 8 : 0, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    local.set(body, 30 + name.length);
    const cd = new Uint8Array(46 + name.length);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(8, 0x800, true);
    cv.setUint16(10, m.deflate ? 8 : 0, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, body.length, true);
    cv.setUint32(24, data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    cd.set(name, 46);
    locals.push(local);
    centrals.push(cd);
    offset += local.length;
  }
  const cdSize = centrals.reduce((n, c) => n + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, members.length, true);
  ev.setUint16(10, members.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + cdSize + 22);
  let o = 0;
  for (const p of [...locals, ...centrals, eocd]) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

// ---- configs ----

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function kerasLayer(className: string, config: Record<string, Json> = {}, extra: Record<string, Json> = {}): Record<string, Json> {
  return { module: 'keras.layers', class_name: className, config: { name: config['name'] ?? className.toLowerCase(), trainable: true, ...config }, registered_name: null, ...extra };
}

export function functionalConfig(layers: readonly Json[]): Record<string, Json> {
  return { module: 'keras.src.models.functional', class_name: 'Functional', config: { name: 'model', trainable: true, layers: [...layers] }, registered_name: 'Functional' };
}

/** A Lambda layer as Keras 3 writes it: the function is marshalled bytecode (here: harmless bytes). */
export function lambdaLayer(name = 'lam'): Record<string, Json> {
  return kerasLayer('Lambda', { name, function: { class_name: '__lambda__', config: { code: '4wEAAAAAAAAAAAAAAAIAAAADAAAA8wwAAACX', defaults: null, closure: null } }, arguments: {} });
}

export const BENIGN_LAYERS: readonly Json[] = [
  kerasLayer('InputLayer', { batch_shape: [null, 4], dtype: 'float32' }),
  kerasLayer('Dense', { units: 8, activation: 'relu', kernel_initializer: { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null }, registered_name: null } }),
  kerasLayer('Dense', { name: 'head', units: 2, activation: 'softmax' }),
];

export function kerasZip(config: Json | string, o: { metadata?: Json; extra?: readonly ZipMember[]; deflate?: boolean; omitConfig?: boolean } = {}): Uint8Array {
  const members: ZipMember[] = [{ name: 'metadata.json', data: JSON.stringify(o.metadata ?? { keras_version: '3.15.1', date_saved: '2026-01-01@00:00:00' }) }];
  if (!o.omitConfig) members.push({ name: 'config.json', data: typeof config === 'string' ? config : JSON.stringify(config), deflate: o.deflate ?? true });
  members.push({ name: 'model.weights.h5', data: new Uint8Array(64) });
  members.push(...(o.extra ?? []));
  return zipFile(members);
}

// ---- HDF5 ----

export interface H5Attr {
  readonly name: string;
  readonly value: string;
  /** Store as a variable-length string in a global heap collection (what h5py does for str). */
  readonly vlen?: boolean;
}

/**
 * A minimal HDF5 file: superblock v0 (8-byte offsets/lengths), a v1 root object header with one
 * attribute message per attribute (fixed-length or variable-length strings), optionally moving the
 * attributes behind a continuation message.
 */
export function hdf5File(attrs: readonly H5Attr[], o: { continuation?: boolean; userblock?: number } = {}): Uint8Array {
  const ub = o.userblock ?? 0;
  const parts: number[] = [];
  const u = (n: number | bigint, size: number): void => {
    let v = BigInt(n);
    for (let i = 0; i < size; i++) {
      parts.push(Number(v & 0xffn));
      v >>= 8n;
    }
  };
  const pad = (n: number): number => Math.ceil(n / 8) * 8;
  // Layout (addresses relative to the superblock): superblock (96), root object header at 96.
  const heapObjects: Uint8Array[] = [];
  const msgs: number[][] = [];
  for (const a of attrs) {
    const name = [...new TextEncoder().encode(a.name), 0];
    const val = new TextEncoder().encode(a.value);
    const m: number[] = [];
    const push = (n: number | bigint, size: number): void => {
      let v = BigInt(n);
      for (let i = 0; i < size; i++) {
        m.push(Number(v & 0xffn));
        v >>= 8n;
      }
    };
    let dt: number[];
    if (a.vlen) {
      // class 9 (vlen), version 1, type = string (1); size 16; base type: class 3 string size 1
      dt = [0x19, 0x01, 0, 0, 16, 0, 0, 0, 0x13, 0, 0, 0, 1, 0, 0, 0];
    } else {
      dt = [0x13, 0, 0, 0, ...[val.length & 0xff, (val.length >> 8) & 0xff, (val.length >> 16) & 0xff, (val.length >> 24) & 0xff]];
    }
    const ds = [1, 0, 0, 0, 0, 0, 0, 0]; // dataspace v1, rank 0 (scalar)
    push(1, 1); // version
    push(0, 1);
    push(name.length, 2);
    push(dt.length, 2);
    push(ds.length, 2);
    m.push(...name, ...new Array(pad(name.length) - name.length).fill(0));
    m.push(...dt, ...new Array(pad(dt.length) - dt.length).fill(0));
    m.push(...ds);
    if (a.vlen) {
      push(val.length, 4);
      push(-1, 8); // collection address patched below
      push(heapObjects.length + 1, 4);
      heapObjects.push(val);
    } else m.push(...val);
    while (m.length % 8 !== 0) m.push(0);
    msgs.push(m);
  }
  const encodeMsgs = (list: number[][], type: number): number[] => list.flatMap((m) => [type & 0xff, type >> 8, m.length & 0xff, m.length >> 8, 0, 0, 0, 0, ...m]);
  const SB = 96;
  const attrBlock = encodeMsgs(msgs, 0x0c);
  let headerMsgs: number[];
  let contBlock: number[] = [];
  const contAddr = SB + 16 + 24; // header prefix + one continuation message (8 + 16)
  if (o.continuation) {
    headerMsgs = encodeMsgs([[...le(contAddr, 8), ...le(attrBlock.length, 8)]], 0x10);
    contBlock = attrBlock;
  } else headerMsgs = attrBlock;
  const heapAddr = SB + 16 + headerMsgs.length + contBlock.length;
  // patch vlen collection addresses (placeholder -1 → heapAddr)
  const patch = (block: number[]): void => {
    for (let i = 0; i + 8 <= block.length; i++) {
      if (block.slice(i, i + 8).every((b) => b === 0xff) && block[i - 4] !== undefined) {
        const a = le(heapAddr, 8);
        for (let k = 0; k < 8; k++) block[i + k] = a[k] ?? 0;
      }
    }
  };
  patch(headerMsgs);
  patch(contBlock);
  // superblock v0
  u(0, ub);
  parts.push(0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0, 0, 8, 8, 0);
  u(4, 2);
  u(16, 2);
  u(0, 4);
  u(0, 8); // base address
  u(-1, 8); // free space
  u(0, 8); // end of file (unchecked here)
  u(-1, 8); // driver info
  u(0, 8); // root: link name offset
  u(SB, 8); // root: object header address
  u(0, 4);
  u(0, 4);
  u(0, 16);
  while (parts.length < ub + SB) parts.push(0);
  // v1 object header
  parts.push(1, 0);
  u(o.continuation ? 1 : msgs.length, 2);
  u(1, 4);
  u(headerMsgs.length, 4);
  u(0, 4);
  parts.push(...headerMsgs, ...contBlock);
  if (heapObjects.length > 0) {
    const objs: number[] = [];
    heapObjects.forEach((v, i) => {
      objs.push(...le(i + 1, 2), 1, 0, 0, 0, 0, 0, ...le(v.length, 8), ...v);
      while (objs.length % 8 !== 0) objs.push(0);
    });
    const size = 16 + objs.length + 16;
    parts.push(0x47, 0x43, 0x4f, 0x4c, 1, 0, 0, 0, ...le(size, 8), ...objs, 0, 0, 0, 0, 0, 0, 0, 0, ...le(0, 8));
  }
  return Uint8Array.from(parts);
}

function le(n: number, size: number): number[] {
  const out: number[] = [];
  let v = BigInt(n);
  for (let i = 0; i < size; i++) {
    out.push(Number(v & 0xffn));
    v >>= 8n;
  }
  return out;
}
