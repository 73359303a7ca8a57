/**
 * Zip builder for tests: writes well-formed archives by default and can forge every header field a
 * loader might resolve differently (local vs central name, flags, method, CRC, sizes, offsets,
 * extra fields, data descriptors, zip64 records, prepended/appended data, comments, hidden local
 * entries, extra EOCD records). Each trick is a named option so hostile fixtures read as a list of
 * tricks.
 */
import { crc32, deflateRawSync } from 'node:zlib';

export type Bytes = Uint8Array | string;

export interface ZipEntrySpec {
  /** Central-directory name (what PyTorch and Python look up). */
  readonly name: Bytes;
  readonly data: Bytes;
  /** `store` (default), `deflate`, or a raw method id whose bytes are `compressed` (or `data`). */
  readonly method?: 'store' | 'deflate' | number;
  /** Compressed bytes to write instead of compressing `data`. */
  readonly compressed?: Uint8Array;
  // Forgeries (central / local header fields). Unset fields take the honest value.
  readonly localName?: Bytes;
  readonly flags?: number;
  readonly localFlags?: number;
  readonly localMethod?: number;
  readonly crc?: number;
  readonly localCrc?: number;
  readonly compressedSize?: number;
  readonly uncompressedSize?: number;
  readonly localCompressedSize?: number;
  readonly localUncompressedSize?: number;
  /** Central-directory local header offset override (absolute in the output, before `prepend`). */
  readonly localHeaderOffset?: number;
  /** Point the central entry at the local header of entry number `aliasOf` (overlapping entries). */
  readonly aliasOf?: number;
  /** With `aliasOf`: write no local header or data of its own (a central record only; shared-member bombs). */
  readonly centralOnly?: boolean;
  readonly extra?: Uint8Array;
  readonly localExtra?: Uint8Array;
  readonly externalAttributes?: number;
  readonly versionMadeBy?: number;
  readonly comment?: Bytes;
  /** Set flag bit 3, zero the local CRC and sizes, and write a data descriptor after the data. */
  readonly dataDescriptor?: boolean | 'no-signature' | 'zip64';
  /** Write sizes and offset as 0xFFFFFFFF with a zip64 extra field (0x0001) in both headers. */
  readonly zip64?: boolean;
  /** Only a local header (streaming readers see it; the central directory does not list it). */
  readonly hiddenLocal?: boolean;
  /** Pad the local extra field so the data starts at a multiple of `align` (PyTorch uses 64). */
  readonly align?: number;
  /** Info-ZIP Unicode Path extra field (0x7075) naming the entry differently. */
  readonly unicodePath?: string;
}

export interface ZipSpec {
  readonly entries: readonly ZipEntrySpec[];
  /** Bytes before the first local header (self-extracting stub, pickle polyglot, ...). */
  readonly prepend?: Uint8Array;
  /**
   * `true` (default): offsets in the central directory and EOCD include the prepended bytes (as
   * `zip -A` fixes them); `false`: they are relative to the zip start (`cat stub.bin a.zip`).
   */
  readonly adjustOffsets?: boolean;
  /** Raw bytes written between local entries: key = index of the entry they precede. */
  readonly gaps?: Readonly<Record<number, Uint8Array>>;
  /** Bytes after the EOCD record (not covered by the comment length). */
  readonly append?: Uint8Array;
  readonly comment?: Bytes;
  /** Write a zip64 end of central directory record and locator. */
  readonly zip64?: boolean | Zip64Forgery;
  /** EOCD field overrides. */
  readonly eocd?: { readonly entries?: number; readonly totalEntries?: number; readonly cdSize?: number; readonly cdOffset?: number; readonly disk?: number };
  /** Central directory order (indices into entries). */
  readonly cdOrder?: readonly number[];
}

export interface Zip64Forgery {
  /** Zip64 EOCD record values (default: honest). */
  readonly entries?: number;
  readonly cdSize?: number;
  readonly cdOffset?: number;
  /** Locator's pointer to the zip64 record (default: honest). */
  readonly locatorOffset?: number;
  /** Use 0xFFFF/0xFFFFFFFF in the classic EOCD (default true). */
  readonly sentinels?: boolean;
  /** Extensible data after the zip64 record's fixed fields (moves the record away from the locator). */
  readonly extensible?: Uint8Array;
}

const enc = new TextEncoder();
export function bytes(b: Bytes): Uint8Array {
  return typeof b === 'string' ? enc.encode(b) : b;
}

class Writer {
  private chunks: Uint8Array[] = [];
  length = 0;
  put(b: Uint8Array): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  u16(v: number): void {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, v & 0xffff, true);
    this.put(b);
  }
  u32(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    this.put(b);
  }
  u64(v: number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
    this.put(b);
  }
  result(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

export function extraField(id: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, id, true);
  dv.setUint16(2, body.length, true);
  out.set(body, 4);
  return out;
}

function zip64Extra(uncompressed: number, compressed: number, offset?: number): Uint8Array {
  const w = new Writer();
  w.u64(uncompressed);
  w.u64(compressed);
  if (offset !== undefined) w.u64(offset);
  return extraField(0x0001, w.result());
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const w = new Writer();
  for (const p of parts) w.put(p);
  return w.result();
}

interface Placed {
  readonly spec: ZipEntrySpec;
  readonly offset: number;
  readonly crc: number;
  readonly method: number;
  readonly compressed: Uint8Array;
  readonly size: number;
  readonly flags: number;
}

/** Build a zip archive from `spec`. */
export function buildZip(spec: ZipSpec): Uint8Array {
  const w = new Writer();
  const prepend = spec.prepend ?? new Uint8Array(0);
  w.put(prepend);
  const base = spec.adjustOffsets === false ? prepend.length : 0;
  const placed: Placed[] = [];
  spec.entries.forEach((e, i) => {
    const shared = e.centralOnly === true && e.aliasOf !== undefined ? placed[e.aliasOf] : undefined;
    if (shared !== undefined) {
      placed.push({ ...shared, spec: e });
      return;
    }
    const gap = spec.gaps?.[i];
    if (gap) w.put(gap);
    const data = bytes(e.data);
    const method = e.method === undefined || e.method === 'store' ? 0 : e.method === 'deflate' ? 8 : e.method;
    const compressed = e.compressed ?? (method === 8 ? deflateRawSync(data) : data);
    const crc = crc32(data) >>> 0;
    const flags = (e.flags ?? 0) | (e.dataDescriptor ? 0x08 : 0);
    const offset = w.length - base;
    const localName = bytes(e.localName ?? e.name);
    let localExtra = e.localExtra ?? e.extra ?? new Uint8Array(0);
    if (e.unicodePath !== undefined && e.localExtra === undefined) localExtra = concat(localExtra, unicodePathExtra(bytes(e.name), e.unicodePath));
    if (e.zip64) localExtra = concat(zip64Extra(data.length, compressed.length), localExtra);
    if (e.align) {
      const dataStart = w.length + 30 + localName.length + localExtra.length;
      const pad = (e.align - ((dataStart + 4) % e.align)) % e.align;
      localExtra = concat(localExtra, extraField(0x4246, new Uint8Array(pad))); // 'FB' as PyTorch's writer
    }
    const dd = e.dataDescriptor;
    w.u32(0x04034b50);
    w.u16(e.zip64 ? 45 : 20);
    w.u16(e.localFlags ?? flags);
    w.u16(e.localMethod ?? method);
    w.u16(0); // time
    w.u16(0x21); // date
    w.u32(e.localCrc ?? (dd ? 0 : crc));
    w.u32(e.localCompressedSize ?? (dd ? 0 : e.zip64 ? 0xffffffff : compressed.length));
    w.u32(e.localUncompressedSize ?? (dd ? 0 : e.zip64 ? 0xffffffff : data.length));
    w.u16(localName.length);
    w.u16(localExtra.length);
    w.put(localName);
    w.put(localExtra);
    w.put(compressed);
    if (dd) {
      if (dd !== 'no-signature') w.u32(0x08074b50);
      w.u32(crc);
      if (dd === 'zip64') {
        w.u64(compressed.length);
        w.u64(data.length);
      } else {
        w.u32(compressed.length);
        w.u32(data.length);
      }
    }
    placed.push({ spec: e, offset, crc, method, compressed, size: data.length, flags });
  });
  const cdStart = w.length - base;
  const order = spec.cdOrder ?? placed.map((_, i) => i);
  let count = 0;
  for (const i of order) {
    const p = placed[i];
    if (!p || p.spec.hiddenLocal) continue;
    count++;
    const e = p.spec;
    const name = bytes(e.name);
    const aliased = e.aliasOf === undefined ? undefined : placed[e.aliasOf];
    const offset = e.localHeaderOffset ?? aliased?.offset ?? p.offset;
    let extra = e.extra ?? new Uint8Array(0);
    if (e.unicodePath !== undefined) extra = concat(extra, unicodePathExtra(name, e.unicodePath));
    if (e.zip64) extra = concat(zip64Extra(e.uncompressedSize ?? p.size, e.compressedSize ?? p.compressed.length, offset), extra);
    const comment = bytes(e.comment ?? '');
    w.u32(0x02014b50);
    w.u16(e.versionMadeBy ?? (e.zip64 ? 45 : 20));
    w.u16(e.zip64 ? 45 : 20);
    w.u16(p.flags);
    w.u16(p.method);
    w.u16(0);
    w.u16(0x21);
    w.u32(e.crc ?? p.crc);
    w.u32(e.zip64 ? 0xffffffff : (e.compressedSize ?? p.compressed.length));
    w.u32(e.zip64 ? 0xffffffff : (e.uncompressedSize ?? p.size));
    w.u16(name.length);
    w.u16(extra.length);
    w.u16(comment.length);
    w.u16(0); // disk
    w.u16(0); // internal attributes
    w.u32(e.externalAttributes ?? 0);
    w.u32(e.zip64 ? 0xffffffff : offset);
    w.put(name);
    w.put(extra);
    w.put(comment);
  }
  const cdSize = w.length - base - cdStart;
  // Like real writers, switch to zip64 records when the classic fields overflow (unless told not to).
  const needs64 = count > 0xfffe || cdSize >= 0xffffffff || cdStart >= 0xffffffff;
  const z64 = spec.zip64 === true || (spec.zip64 === undefined && needs64) ? {} : spec.zip64 === false || spec.zip64 === undefined ? undefined : spec.zip64;
  if (z64) {
    const recOffset = w.length - base;
    const ext = z64.extensible ?? new Uint8Array(0);
    w.u32(0x06064b50);
    w.u64(44 + ext.length);
    w.u16(45);
    w.u16(45);
    w.u32(0);
    w.u32(0);
    w.u64(z64.entries ?? count);
    w.u64(z64.entries ?? count);
    w.u64(z64.cdSize ?? cdSize);
    w.u64(z64.cdOffset ?? cdStart);
    w.put(ext);
    w.u32(0x07064b50);
    w.u32(0);
    w.u64(z64.locatorOffset ?? recOffset);
    w.u32(1);
  }
  const sentinels = z64 !== undefined && z64.sentinels !== false;
  const comment = bytes(spec.comment ?? '');
  w.u32(0x06054b50);
  w.u16(spec.eocd?.disk ?? 0);
  w.u16(0);
  w.u16(spec.eocd?.entries ?? (sentinels ? 0xffff : count));
  w.u16(spec.eocd?.totalEntries ?? spec.eocd?.entries ?? (sentinels ? 0xffff : count));
  w.u32(spec.eocd?.cdSize ?? (sentinels ? 0xffffffff : cdSize));
  w.u32(spec.eocd?.cdOffset ?? (sentinels ? 0xffffffff : cdStart));
  w.u16(comment.length);
  w.put(comment);
  if (spec.append) w.put(spec.append);
  return w.result();
}

function unicodePathExtra(headerName: Uint8Array, path: string): Uint8Array {
  return extraField(0x7075, concat(new Uint8Array([1]), u32le(crc32(headerName) >>> 0), enc.encode(path)));
}

function u32le(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
}

export interface TorchZipOptions {
  /** Archive root folder (PyTorch uses the file stem, `archive` by default). */
  readonly root?: string;
  /** data.pkl contents (a pickle). */
  readonly dataPkl: Uint8Array;
  /** Storage members: key -> bytes (written as `<root>/data/<key>`, 64-byte aligned). */
  readonly storages?: Readonly<Record<string, Uint8Array>>;
  /** Extra members appended after the standard ones. */
  readonly extra?: readonly ZipEntrySpec[];
  /** Leave out records (e.g. `data.pkl`, `version`). */
  readonly omit?: readonly string[];
}

/** A zip laid out as `torch.save` writes it (PyTorchStreamWriter: stored, 64-byte aligned records). */
export function torchZipEntries(o: TorchZipOptions): ZipEntrySpec[] {
  const root = o.root ?? 'archive';
  const omit = new Set(o.omit ?? []);
  const entries: ZipEntrySpec[] = [];
  const add = (name: string, data: Bytes): void => {
    if (!omit.has(name)) entries.push({ name: `${root}/${name}`, data, align: 64 });
  };
  add('data.pkl', o.dataPkl);
  add('.format_version', '1');
  add('.storage_alignment', '64');
  add('byteorder', 'little');
  for (const [k, v] of Object.entries(o.storages ?? {})) add(`data/${k}`, v);
  add('version', '3\n');
  add('.data/serialization_id', '1234567890123456789012345678901234567890');
  return [...entries, ...(o.extra ?? [])];
}

export function buildTorchZip(o: TorchZipOptions, spec: Omit<ZipSpec, 'entries'> = {}): Uint8Array {
  return buildZip({ ...spec, entries: torchZipEntries(o) });
}
