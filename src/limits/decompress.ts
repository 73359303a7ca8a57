/**
 * Capped decompression for every stream format Bulwark opens: raw deflate (zip members), zlib
 * (joblib), gzip (multi-member), bzip2 (seek-bzip, multi-stream), zstd (fzstd, frame by frame),
 * xz and .lzma (own decoder in lzma.ts).
 *
 * Every function takes the whole compressed input and a cap on the output, never throws for bad
 * input, and returns what it decoded before any problem together with a typed error (see
 * DecompressResult). Output never exceeds the cap; work is bounded by input size and cap.
 */
import { createRequire } from 'node:module';
import { constants as zc, crc32, inflateRawSync, inflateSync } from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import { BulwarkError, LimitExceededError } from '../findings/index.js';
import type { DecompressResult, DecompressWarning } from './capped-output.js';
import { CappedOutput, asDecodeError, malformed } from './capped-output.js';
import { unlzmaCapped, unxzCapped } from './lzma.js';

export type { DecompressResult, DecompressWarning } from './capped-output.js';
export { CappedOutput } from './capped-output.js';
export { crc64, decodeLzmaRaw, isLzmaAloneHeader, isXzMagic, unlzmaCapped, unxzCapped } from './lzma.js';

export type CompressionFormat = 'deflate-raw' | 'zlib' | 'gzip' | 'bzip2' | 'zstd' | 'xz' | 'lzma';

/** Decompress `input` in `format`, producing at most `maxOutput` bytes (error named `limitName`). */
export function decompress(format: CompressionFormat, input: Uint8Array, maxOutput: number, limitName = 'maxDecompressedBytes'): DecompressResult {
  switch (format) {
    case 'deflate-raw':
      return inflateRawCapped(input, maxOutput, limitName);
    case 'zlib':
      return inflateZlibCapped(input, maxOutput, limitName);
    case 'gzip':
      return gunzipCapped(input, maxOutput, limitName);
    case 'bzip2':
      return bunzip2Capped(input, maxOutput, limitName);
    case 'zstd':
      return unzstdCapped(input, maxOutput, limitName);
    case 'xz':
      return unxzCapped(input, maxOutput, limitName);
    case 'lzma':
      return unlzmaCapped(input, maxOutput, limitName);
    default: {
      const never: never = format;
      throw new BulwarkError('INTERNAL', `unknown compression format ${String(never)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Deflate family on node:zlib (maxOutputLength caps the output; ERR_BUFFER_TOO_LARGE is the cap).

type ZlibKind = 'raw' | 'zlib';

interface ZlibFailure {
  readonly code: string | undefined;
  readonly message: string;
}

function zlibFailure(e: unknown): ZlibFailure {
  const err = e as { code?: unknown; message?: unknown };
  return { code: typeof err.code === 'string' ? err.code : undefined, message: typeof err.message === 'string' ? err.message : String(e) };
}

function inflateOnce(kind: ZlibKind, input: Uint8Array, max: number, sync: boolean): { buffer: Buffer; consumed: number } {
  const opts = { maxOutputLength: Math.max(1, max), info: true as const, ...(sync && { finishFlush: zc.Z_SYNC_FLUSH }) };
  const r = (kind === 'raw' ? inflateRawSync(input, opts) : inflateSync(input, opts)) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
  return { buffer: r.buffer, consumed: r.engine.bytesWritten };
}

/** Deflate expands one input byte into at most 1032 output bytes (RFC 1951: length 258 per 2 bits). */
const DEFLATE_MAX_RATIO = 1032;
/** Partial output recovered from a corrupt deflate stream is limited to this much (and the cap). */
const RECOVERY_OUTPUT = 16 * 1024 * 1024;

/**
 * Largest prefix of a failing stream's output that decodes without error, found by a bounded
 * binary search over input prefixes (inflating a prefix with Z_SYNC_FLUSH yields a prefix of the
 * output, so success is monotonic in the prefix length).
 */
function recoverPrefix(kind: ZlibKind, input: Uint8Array, max: number, hi: number): Uint8Array {
  const cap = Math.min(max, RECOVERY_OUTPUT);
  let lo = 0;
  let best: Uint8Array = new Uint8Array(0);
  let upper = Math.min(hi, input.length);
  for (let probes = 0; probes < 32 && lo < upper; probes++) {
    const mid = Math.ceil((lo + upper) / 2);
    try {
      best = inflateOnce(kind, input.subarray(0, mid), cap, true).buffer;
      lo = mid;
    } catch {
      upper = mid - 1;
    }
  }
  return best;
}

function inflateCapped(kind: ZlibKind, input: Uint8Array, maxOutput: number, limitName: string): DecompressResult {
  const what = kind === 'raw' ? 'deflate' : 'zlib';
  if (maxOutput <= 0) {
    return { data: new Uint8Array(0), consumed: 0, warnings: [], error: new LimitExceededError(limitName, maxOutput, `no decompression budget left (${limitName})`) };
  }
  try {
    const r = inflateOnce(kind, input, maxOutput, false);
    const warnings: DecompressWarning[] =
      r.consumed < input.length ? [{ kind: 'trailing-data', message: `${input.length - r.consumed} bytes after the end of the ${what} stream`, offset: r.consumed }] : [];
    return { data: r.buffer, consumed: r.consumed, warnings };
  } catch (e) {
    const f = zlibFailure(e);
    if (f.code === 'ERR_BUFFER_TOO_LARGE') {
      // Keep the longest prefix of the output that fits (bounded search, see recoverPrefix).
      const data = recoverPrefix(kind, input, maxOutput, input.length);
      return { data, consumed: 0, warnings: [], error: new LimitExceededError(limitName, maxOutput, `${what} output exceeds ${limitName} (${maxOutput} bytes)`) };
    }
    if (f.code === 'Z_BUF_ERROR') {
      // Truncated stream: take everything decodable.
      let data: Uint8Array = new Uint8Array(0);
      try {
        data = inflateOnce(kind, input, maxOutput, true).buffer;
      } catch {
        data = recoverPrefix(kind, input, maxOutput, input.length);
      }
      return { data, consumed: input.length, warnings: [], error: malformed(`${what}: compressed data is truncated`) };
    }
    if (f.code === 'Z_DATA_ERROR' && /incorrect data check/.test(f.message)) {
      // zlib's Adler-32 trailer mismatch: the data decoded fine; report the checksum.
      try {
        const r = inflateOnce(kind, input.subarray(0, Math.max(0, input.length - 4)), maxOutput, true);
        return { data: r.buffer, consumed: input.length, warnings: [{ kind: 'bad-checksum', message: 'zlib Adler-32 checksum does not match', offset: input.length - 4 }] };
      } catch {
        /* fall through */
      }
    }
    const data = recoverPrefix(kind, input, maxOutput, input.length);
    return { data, consumed: 0, warnings: [], error: malformed(`${what}: corrupt data (${f.message})`) };
  }
}

/** Raw deflate (zip method 8). */
export function inflateRawCapped(input: Uint8Array, maxOutput: number, limitName = 'maxDecompressedBytes'): DecompressResult {
  return inflateCapped('raw', input, maxOutput, limitName);
}

/** zlib-wrapped deflate (RFC 1950; joblib's zlib compressor and its old `ZF` format). */
export function inflateZlibCapped(input: Uint8Array, maxOutput: number, limitName = 'maxDecompressedBytes'): DecompressResult {
  return inflateCapped('zlib', input, maxOutput, limitName);
}

/**
 * The head of a deflate stream, for sniffing a member's content without inflating all of it: at
 * most `inputBytes` of input and `maxOutput` of output, never an error.
 */
export function inflateRawHead(input: Uint8Array, maxOutput: number): Uint8Array {
  try {
    return inflateOnce('raw', input, maxOutput, true).buffer;
  } catch {
    return recoverPrefix('raw', input, maxOutput, Math.min(input.length, Math.floor(maxOutput / DEFLATE_MAX_RATIO) || 1));
  }
}

/** Valid zlib header: CM = 8, CINFO <= 7, no preset dictionary, FCHECK. */
export function isZlibHeader(head: Uint8Array): boolean {
  if (head.length < 2) return false;
  const cmf = head[0] ?? 0;
  const flg = head[1] ?? 0;
  return (cmf & 0x0f) === 8 && cmf >>> 4 <= 7 && (flg & 0x20) === 0 && (cmf * 256 + flg) % 31 === 0;
}

/**
 * A zlib header followed by deflate data that decodes without error as far as `head` goes (the
 * two-byte header alone matches text such as `x^2`).
 */
export function looksLikeZlib(head: Uint8Array): boolean {
  if (!isZlibHeader(head) || head.length < 3) return false;
  try {
    inflateOnce('zlib', head, 1024 * 1024, true);
    return true;
  } catch (e) {
    const f = zlibFailure(e);
    return f.code === 'ERR_BUFFER_TOO_LARGE';
  }
}

// ---------------------------------------------------------------------------------------------
// gzip: members parsed here (RFC 1952), bodies inflated raw, CRC32 and ISIZE verified.

/** Parse a gzip member header at `pos`; returns the offset of the deflate data and the FNAME. */
export function parseGzipHeader(input: Uint8Array, pos: number): { dataStart: number; name?: string } {
  const at = (i: number): number => {
    if (i >= input.length) throw malformed('gzip: header is truncated');
    return input[i] ?? 0;
  };
  if (at(pos) !== 0x1f || at(pos + 1) !== 0x8b) throw malformed('gzip: bad magic');
  if (at(pos + 2) !== 8) throw new BulwarkError('UNSUPPORTED', `gzip: compression method ${at(pos + 2)} is not deflate`);
  const flags = at(pos + 3);
  let p = pos + 10;
  if (p > input.length) throw malformed('gzip: header is truncated');
  if (flags & 0x04) {
    const xlen = at(p) | (at(p + 1) << 8);
    p += 2 + xlen;
  }
  let name: string | undefined;
  if (flags & 0x08) {
    const start = p;
    while (at(p) !== 0) p++;
    name = Buffer.from(input.subarray(start, Math.min(p, start + 1024))).toString('latin1');
    p++;
  }
  if (flags & 0x10) {
    while (at(p) !== 0) p++;
    p++;
  }
  if (flags & 0x02) p += 2;
  if (p > input.length) throw malformed('gzip: header is truncated');
  return name === undefined ? { dataStart: p } : { dataStart: p, name };
}

/**
 * gzip with every member (concatenated gzip files decompress to the concatenation, as Python's
 * `gzip` and `zcat` read them); zero padding between members is skipped as Python does.
 */
export function gunzipCapped(input: Uint8Array, maxOutput: number, limitName = 'maxDecompressedBytes'): DecompressResult {
  const parts: Uint8Array[] = [];
  let total = 0;
  const warnings: DecompressWarning[] = [];
  let pos = 0;
  const finish = (error?: BulwarkError): DecompressResult => {
    const data = parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
    return error === undefined ? { data, consumed: pos, warnings } : { data, consumed: pos, warnings, error };
  };
  try {
    for (;;) {
      const { dataStart } = parseGzipHeader(input, pos);
      const body = inflateRawCapped(input.subarray(dataStart), maxOutput - total, limitName);
      parts.push(body.data);
      total += body.data.length;
      if (body.error) return finish(body.error);
      const trailer = dataStart + body.consumed;
      if (trailer + 8 > input.length) {
        pos = input.length;
        return finish(malformed('gzip: member trailer is truncated'));
      }
      const storedCrc = ((input[trailer] ?? 0) | ((input[trailer + 1] ?? 0) << 8) | ((input[trailer + 2] ?? 0) << 16) | ((input[trailer + 3] ?? 0) << 24)) >>> 0;
      const isize = ((input[trailer + 4] ?? 0) | ((input[trailer + 5] ?? 0) << 8) | ((input[trailer + 6] ?? 0) << 16) | ((input[trailer + 7] ?? 0) << 24)) >>> 0;
      if (crc32(body.data) >>> 0 !== storedCrc || body.data.length % 2 ** 32 !== isize) {
        warnings.push({ kind: 'bad-checksum', message: 'gzip member CRC32 or length does not match its data', offset: trailer });
      }
      pos = trailer + 8;
      let p = pos;
      while (p < input.length && input[p] === 0) p++;
      if (p >= input.length) {
        pos = input.length;
        return finish();
      }
      if (input[p] === 0x1f && input[p + 1] === 0x8b) {
        pos = p;
        continue;
      }
      warnings.push({ kind: 'trailing-data', message: `${input.length - p} bytes after the last gzip member`, offset: p });
      pos = p;
      return finish();
    }
  } catch (e) {
    return finish(asDecodeError(e, 'gzip'));
  }
}

// ---------------------------------------------------------------------------------------------
// bzip2 on seek-bzip (synchronous; one block of at most 900 kB is decoded at a time).

interface BunzipInstance {
  _init_block(): boolean;
  _read_bunzip(): number;
  reader: { read(bits: number): number };
  streamCRC: number;
}
type BunzipCtor = new (input: unknown, output: unknown) => BunzipInstance;

const requireCjs = createRequire(import.meta.url);
let bunzipCtor: BunzipCtor | undefined;
function loadBunzip(): BunzipCtor {
  bunzipCtor ??= requireCjs('seek-bzip') as BunzipCtor;
  return bunzipCtor;
}

class InputEnd extends Error {}

/**
 * bzip2, every stream of a multi-stream file (as Python's `bz2` reads them); data after the last
 * stream that is not another stream is reported as trailing data. A truncated stream is an error
 * (seek-bzip alone would stop silently at a block boundary).
 */
export function bunzip2Capped(input: Uint8Array, maxOutput: number, limitName = 'maxDecompressedBytes'): DecompressResult {
  const out = new CappedOutput(maxOutput, limitName);
  const warnings: DecompressWarning[] = [];
  let consumed = 0;
  const inStream = {
    pos: 0,
    readByte(): number {
      if (this.pos >= input.length) throw new InputEnd('bzip2: compressed data is truncated');
      return input[this.pos++] ?? 0;
    },
    read(buf: Uint8Array, off: number, len: number): number {
      let n = 0;
      while (n < len && this.pos < input.length) buf[off + n++] = input[this.pos++] ?? 0;
      return n === 0 ? -1 : n;
    },
    seek(p: number): void {
      this.pos = p;
    },
    eof(): boolean {
      return this.pos >= input.length;
    },
  };
  const outStream = {
    writeByte(b: number): void {
      out.push(b);
    },
  };
  try {
    const Bunzip = loadBunzip();
    for (;;) {
      const start = inStream.pos;
      const bz = new Bunzip(inStream, outStream);
      for (;;) {
        if (bz._init_block()) bz._read_bunzip();
        else break;
      }
      const stored = bz.reader.read(32) >>> 0;
      if (stored !== bz.streamCRC >>> 0) warnings.push({ kind: 'bad-checksum', message: 'bzip2 stream CRC does not match', offset: start });
      consumed = inStream.pos;
      if (consumed >= input.length) break;
      if (input[consumed] === 0x42 && input[consumed + 1] === 0x5a && input[consumed + 2] === 0x68) continue;
      warnings.push({ kind: 'trailing-data', message: `${input.length - consumed} bytes after the end of the bzip2 stream`, offset: consumed });
      break;
    }
    return { data: out.result(), consumed, warnings };
  } catch (e) {
    const err = e instanceof InputEnd ? malformed(e.message) : asDecodeError(e, 'bzip2');
    return { data: out.result(), consumed, warnings, error: err };
  }
}

// ---------------------------------------------------------------------------------------------
// zstd on fzstd. Frames are walked here first (fzstd allocates the window the header declares, so
// windows larger than the cap are refused before decoding), then each frame is decoded on its own.

const ZSTD_MAGIC = 0xfd2fb528;
const ZSTD_WINDOW_FLOOR = 128 * 1024 * 1024;

function le32(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) | ((b[o + 1] ?? 0) << 8) | ((b[o + 2] ?? 0) << 16) | ((b[o + 3] ?? 0) << 24)) >>> 0;
}

interface ZstdFrame {
  readonly start: number;
  readonly end: number;
  readonly skippable: boolean;
  readonly window: number;
}

/** Walk one zstd frame at `pos` (header, block headers, checksum) without decoding it. */
function walkZstdFrame(input: Uint8Array, pos: number): ZstdFrame {
  if (pos + 4 > input.length) throw malformed('zstd: frame is truncated');
  const magic = le32(input, pos);
  if (magic >>> 4 === 0x184d2a5) {
    if (pos + 8 > input.length) throw malformed('zstd: skippable frame is truncated');
    const end = pos + 8 + le32(input, pos + 4);
    if (end > input.length) throw malformed('zstd: skippable frame is truncated');
    return { start: pos, end, skippable: true, window: 0 };
  }
  if (magic !== ZSTD_MAGIC) throw malformed('zstd: bad frame magic');
  let p = pos + 4;
  if (p >= input.length) throw malformed('zstd: frame header is truncated');
  const fhd = input[p++] ?? 0;
  if (fhd & 0x08) throw malformed('zstd: reserved frame header bit set');
  const single = (fhd >>> 5) & 1;
  const checksum = (fhd >>> 2) & 1;
  const dictFlag = fhd & 3;
  const fcsFlag = fhd >>> 6;
  let window = 0;
  if (!single) {
    if (p >= input.length) throw malformed('zstd: frame header is truncated');
    const wd = input[p++] ?? 0;
    const base = 2 ** (10 + (wd >>> 3));
    window = base + (base / 8) * (wd & 7);
  }
  const dictBytes = [0, 1, 2, 4][dictFlag] ?? 0;
  let dictId = 0;
  for (let i = 0; i < dictBytes; i++) dictId += (input[p + i] ?? 0) * 2 ** (8 * i);
  p += dictBytes;
  const fcsBytes = fcsFlag === 0 ? single : [0, 2, 4, 8][fcsFlag] ?? 0;
  let fcs = 0;
  for (let i = 0; i < fcsBytes; i++) fcs += (input[p + i] ?? 0) * 2 ** (8 * i);
  if (fcsBytes === 2) fcs += 256;
  p += fcsBytes;
  if (p > input.length) throw malformed('zstd: frame header is truncated');
  if (dictId !== 0) throw new BulwarkError('UNSUPPORTED', `zstd: frame needs dictionary ${dictId}`);
  if (single) window = fcs;
  for (;;) {
    if (p + 3 > input.length) throw malformed('zstd: block header is truncated');
    const bh = (input[p] ?? 0) | ((input[p + 1] ?? 0) << 8) | ((input[p + 2] ?? 0) << 16);
    p += 3;
    const last = bh & 1;
    const type = (bh >>> 1) & 3;
    const size = bh >>> 3;
    if (type === 3) throw malformed('zstd: reserved block type');
    p += type === 1 ? 1 : size;
    if (p > input.length) throw malformed('zstd: block is truncated');
    if (last) break;
  }
  if (checksum) p += 4;
  if (p > input.length) throw malformed('zstd: frame checksum is truncated');
  return { start: pos, end: p, skippable: false, window };
}

/** zstd, every frame (skippable frames are skipped); fzstd does not verify the optional XXH64. */
export function unzstdCapped(input: Uint8Array, maxOutput: number, limitName = 'maxDecompressedBytes'): DecompressResult {
  const out = new CappedOutput(maxOutput, limitName);
  const warnings: DecompressWarning[] = [];
  let consumed = 0;
  try {
    while (consumed < input.length) {
      const m = le32(input, consumed);
      if (consumed > 0 && m !== ZSTD_MAGIC && m >>> 4 !== 0x184d2a5) {
        warnings.push({ kind: 'trailing-data', message: `${input.length - consumed} bytes after the last zstd frame`, offset: consumed });
        break;
      }
      const frame = walkZstdFrame(input, consumed);
      if (!frame.skippable) {
        // fzstd allocates the declared window up front: refuse windows beyond the cap (with a floor
        // so that small caps still decode a prefix of ordinary frames).
        const windowLimit = Math.max(maxOutput, ZSTD_WINDOW_FLOOR);
        if (frame.window > windowLimit) {
          throw new LimitExceededError(limitName, maxOutput, `zstd frame declares a ${frame.window}-byte window, more than ${limitName} allows (${windowLimit})`);
        }
        const d = new ZstdDecompress((chunk: Uint8Array) => {
          out.append(chunk);
        });
        d.push(input.subarray(frame.start, frame.end), true);
      }
      consumed = frame.end;
    }
    return { data: out.result(), consumed, warnings };
  } catch (e) {
    return { data: out.result(), consumed, warnings, error: asDecodeError(e, 'zstd') };
  }
}
