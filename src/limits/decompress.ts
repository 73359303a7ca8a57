/**
 * Capped decompression for every stream format Bulwark opens: raw deflate (zip members), zlib
 * (joblib), gzip (multi-member), bzip2 (seek-bzip, multi-stream), zstd (fzstd, frame by frame),
 * xz and .lzma (own decoder in lzma.ts), LZ4 frames (own decoder, below).
 *
 * Every function takes the whole compressed input and a cap on the output, never throws for bad
 * input, and returns what it decoded before any problem together with a typed error (see
 * DecompressResult). Output never exceeds the cap and is kept in fixed chunks (never one buffer that
 * doubles: peak memory is the output once); work is bounded by input size and cap.
 */
import { createRequire } from 'node:module';
import { InflateRaw, constants as zc, crc32, inflateRawSync, inflateSync } from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import { BulwarkError, LimitExceededError } from '../findings/index.js';
import type { DecompressResult, DecompressWarning } from './capped-output.js';
import type { DecodedBytes } from './capped-output.js';
import { CappedOutput, asDecodeError, malformed, resultOf } from './capped-output.js';
import { unlzmaCapped, unxzCapped } from './lzma.js';

export type { DecompressResult, DecompressWarning } from './capped-output.js';
export { CappedOutput, DecodedBytes, OUTPUT_CHUNK, resultOf, resultOfBuffer } from './capped-output.js';
export { crc64, decodeLzmaRaw, isLzmaAloneHeader, isXzMagic, unlzmaCapped, unxzCapped } from './lzma.js';

export type CompressionFormat = 'deflate-raw' | 'zlib' | 'gzip' | 'bzip2' | 'zstd' | 'xz' | 'lzma' | 'lz4';

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
    case 'lz4':
      return unlz4Capped(input, maxOutput, limitName);
    default: {
      const never: never = format;
      throw new BulwarkError('INTERNAL', `unknown compression format ${String(never)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Deflate family on node:zlib. The output is produced in chunks straight into a CappedOutput
// (`streamInflate`, driving zlib's synchronous handle the way node's own *Sync functions do, but
// without collecting and concatenating every chunk), so a stream costs its output size in memory once,
// and the cap is exact. zlib-wrapped streams are decoded as raw deflate between their header and
// their Adler-32 trailer, which is checked here (so a checksum mismatch loses no output).

type ZlibKind = 'raw' | 'zlib';

interface ZlibFailure {
  readonly code: string | undefined;
  readonly message: string;
}

function zlibFailure(e: unknown): ZlibFailure {
  const err = e as { code?: unknown; message?: unknown };
  return { code: typeof err.code === 'string' ? err.code : undefined, message: typeof err.message === 'string' ? err.message : String(e) };
}

/** What node:zlib's synchronous handle offers (node 12+; `inflateRawSync` is built on it). */
interface ZlibHandle {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
  close(): void;
  onerror: ((message: string, errno: number) => void) | undefined;
}

/** A raw-inflate handle and its write state [availOut, availIn], or undefined where the runtime lacks it. */
function rawInflateHandle(): { handle: ZlibHandle; state: Uint32Array } | undefined {
  const z = new InflateRaw() as unknown as { _handle?: Partial<ZlibHandle>; _writeState?: unknown };
  const h = z._handle;
  const st = z._writeState;
  if (h === undefined || typeof h.writeSync !== 'function' || typeof h.close !== 'function' || !(st instanceof Uint32Array) || st.length < 2) return undefined;
  return { handle: h as ZlibHandle, state: st };
}

/** Output window of one handle call. */
const INFLATE_WINDOW = 1024 * 1024;

interface InflateRun {
  /** Input bytes consumed up to the end of the stream (or all of them when it did not end). */
  readonly consumed: number;
  /** The stream reached its end (final block). */
  readonly ended: boolean;
  /** zlib reported corrupt data (the output of the failing call is not in `out`). */
  readonly corrupt?: string;
}

/**
 * Inflate raw deflate `input` into `out` (Z_SYNC_FLUSH, so a truncated stream yields everything it
 * decodes). Throws LimitExceededError when more output than `out.cap` is produced; returns undefined
 * when the runtime has no synchronous zlib handle (the caller falls back to inflateRawSync).
 */
function streamInflate(input: Uint8Array, out: CappedOutput): InflateRun | undefined {
  const z = rawInflateHandle();
  if (z === undefined) return undefined;
  const { handle, state } = z;
  let error: string | undefined;
  handle.onerror = (message) => {
    error = message;
  };
  let inOff = 0;
  let availIn = input.length;
  try {
    for (;;) {
      if (out.len >= out.cap) {
        // The cap is reached: one more output byte means the stream is larger than allowed.
        const probe = new Uint8Array(1);
        handle.writeSync(zc.Z_SYNC_FLUSH, input, inOff, availIn, probe, 0, 1);
        if (error !== undefined) return { consumed: inOff, ended: false, corrupt: error };
        if ((state[0] ?? 1) === 0) out.ensure(1); // throws
        const inAfter = state[1] ?? 0;
        if (inAfter > availIn) return { consumed: inOff, ended: false, corrupt: 'zlib state out of range' };
        inOff += availIn - inAfter;
        availIn = inAfter;
        break;
      }
      const w = out.writable(INFLATE_WINDOW);
      handle.writeSync(zc.Z_SYNC_FLUSH, input, inOff, availIn, w, 0, w.length);
      if (error !== undefined) return { consumed: inOff, ended: false, corrupt: error };
      const availOut = state[0] ?? 0;
      const inAfter = state[1] ?? 0;
      if (availOut > w.length || inAfter > availIn) return { consumed: inOff, ended: false, corrupt: 'zlib state out of range' };
      out.commit(w.length - availOut);
      inOff += availIn - inAfter;
      availIn = inAfter;
      if (availOut !== 0) break; // no more output for now: the stream ended or the input ran out
    }
    if (availIn > 0) return { consumed: inOff, ended: true };
    // All input used: ended exactly here, or truncated? Z_FINISH with no input tells them apart.
    const probe = new Uint8Array(1);
    handle.writeSync(zc.Z_FINISH, input, inOff, 0, probe, 0, 1);
    if (error !== undefined) return { consumed: inOff, ended: false };
    return { consumed: inOff, ended: true };
  } finally {
    handle.close();
  }
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

/** Adler-32 of the output range [start, end). */
function adler32(bytes: DecodedBytes, start: number, end: number): number {
  let a = 1;
  let b = 0;
  bytes.forEachSlice(start, end, (s) => {
    for (let i = 0; i < s.length; ) {
      const n = Math.min(s.length - i, 3800);
      for (const stop = i + n; i < stop; i++) {
        a += s[i] as number;
        b += a;
      }
      a %= 65521;
      b %= 65521;
    }
  });
  return ((b << 16) | a) >>> 0;
}

/**
 * Raw deflate into `out`, from `input`: what it decoded, where the stream ended, and the problem if
 * any. The streaming path is exact; a corrupt stream falls back to the bounded prefix recovery.
 */
function inflateInto(input: Uint8Array, out: CappedOutput, what: string): { consumed: number; error?: BulwarkError; trailing?: number } {
  const start = out.len;
  let run: InflateRun | undefined;
  try {
    run = streamInflate(input, out);
  } catch (e) {
    if (e instanceof LimitExceededError) return { consumed: 0, error: e };
    throw e;
  }
  if (run === undefined) return inflateIntoFallback(input, out, what);
  if (run.corrupt !== undefined) {
    // Replace the exact-but-incomplete output of the failing call by the recovered prefix.
    const rec = recoverPrefix('raw', input, Math.max(0, out.cap - start), input.length);
    const have = out.len - start;
    if (rec.length > have) {
      try {
        out.append(rec.subarray(have));
      } catch (e) {
        if (!(e instanceof LimitExceededError)) throw e;
      }
    }
    return { consumed: 0, error: malformed(`${what}: corrupt data (${run.corrupt})`) };
  }
  if (!run.ended) return { consumed: input.length, error: malformed(`${what}: compressed data is truncated`) };
  return run.consumed < input.length ? { consumed: run.consumed, trailing: run.consumed } : { consumed: run.consumed };
}

/** inflateRawSync-based decoding (runtimes without a synchronous zlib handle). */
function inflateIntoFallback(input: Uint8Array, out: CappedOutput, what: string): { consumed: number; error?: BulwarkError; trailing?: number } {
  const max = Math.max(0, out.cap - out.len);
  const append = (b: Uint8Array): void => {
    try {
      out.append(b);
    } catch (e) {
      if (!(e instanceof LimitExceededError)) throw e;
    }
  };
  try {
    const r = inflateOnce('raw', input, max, false);
    append(r.buffer);
    return r.consumed < input.length ? { consumed: r.consumed, trailing: r.consumed } : { consumed: r.consumed };
  } catch (e) {
    const f = zlibFailure(e);
    if (f.code === 'ERR_BUFFER_TOO_LARGE') {
      append(recoverPrefix('raw', input, max, input.length));
      return { consumed: 0, error: new LimitExceededError(out.limitName, out.cap, `${what} output exceeds ${out.limitName} (${out.cap} bytes)`) };
    }
    if (f.code === 'Z_BUF_ERROR') {
      try {
        append(inflateOnce('raw', input, max, true).buffer);
      } catch {
        append(recoverPrefix('raw', input, max, input.length));
      }
      return { consumed: input.length, error: malformed(`${what}: compressed data is truncated`) };
    }
    append(recoverPrefix('raw', input, max, input.length));
    return { consumed: 0, error: malformed(`${what}: corrupt data (${f.message})`) };
  }
}

function noBudget(limitName: string, maxOutput: number): DecompressResult {
  return resultOf(new CappedOutput(0, limitName), 0, [], new LimitExceededError(limitName, maxOutput, `no decompression budget left (${limitName})`));
}

function capError(out: CappedOutput, what: string): LimitExceededError {
  return new LimitExceededError(out.limitName, out.cap, `${what} output exceeds ${out.limitName} (${out.cap} bytes)`);
}

/** Raw deflate (zip method 8). */
export function inflateRawCapped(input: Uint8Array, maxOutput: number, limitName = 'maxDecompressedBytes'): DecompressResult {
  if (maxOutput <= 0) return noBudget(limitName, maxOutput);
  const out = new CappedOutput(maxOutput, limitName);
  const r = inflateInto(input, out, 'deflate');
  if (r.error instanceof LimitExceededError) return resultOf(out, 0, [], capError(out, 'deflate'));
  const warnings: DecompressWarning[] =
    r.trailing !== undefined ? [{ kind: 'trailing-data', message: `${input.length - r.trailing} bytes after the end of the deflate stream`, offset: r.trailing }] : [];
  return resultOf(out, r.consumed, warnings, r.error);
}

/** zlib-wrapped deflate (RFC 1950; joblib's zlib compressor and its old `ZF` format). */
export function inflateZlibCapped(input: Uint8Array, maxOutput: number, limitName = 'maxDecompressedBytes'): DecompressResult {
  if (maxOutput <= 0) return noBudget(limitName, maxOutput);
  const out = new CappedOutput(maxOutput, limitName);
  if (input.length < 2) return resultOf(out, 0, [], malformed('zlib: compressed data is truncated'));
  if (!isZlibHeader(input)) {
    const preset = ((input[1] ?? 0) & 0x20) !== 0 && ((input[0] ?? 0) & 0x0f) === 8;
    return resultOf(out, 0, [], preset ? new BulwarkError('UNSUPPORTED', 'zlib: stream needs a preset dictionary') : malformed('zlib: incorrect header check'));
  }
  const r = inflateInto(input.subarray(2), out, 'zlib');
  if (r.error instanceof LimitExceededError) return resultOf(out, 0, [], capError(out, 'zlib'));
  if (r.error !== undefined) return resultOf(out, r.consumed === 0 ? 0 : input.length, [], r.error);
  const end = 2 + r.consumed;
  if (end + 4 > input.length) return resultOf(out, input.length, [], malformed('zlib: compressed data is truncated (no Adler-32 trailer)'));
  const warnings: DecompressWarning[] = [];
  const stored = (((input[end] ?? 0) << 24) | ((input[end + 1] ?? 0) << 16) | ((input[end + 2] ?? 0) << 8) | (input[end + 3] ?? 0)) >>> 0;
  if (adler32(out.bytes(), 0, out.len) !== stored) warnings.push({ kind: 'bad-checksum', message: 'zlib Adler-32 checksum does not match', offset: end });
  const consumed = end + 4;
  if (consumed < input.length) warnings.push({ kind: 'trailing-data', message: `${input.length - consumed} bytes after the end of the zlib stream`, offset: consumed });
  return resultOf(out, consumed, warnings);
}

/**
 * The head of a deflate stream, for sniffing a member's content without inflating all of it: at
 * most `maxOutput` bytes of output, never an error (what decodes before a problem).
 */
export function inflateRawHead(input: Uint8Array, maxOutput: number): Uint8Array {
  const out = new CappedOutput(Math.max(0, maxOutput), 'sniff');
  try {
    const run = streamInflate(input, out);
    if (run !== undefined && run.corrupt === undefined) return out.result();
    if (run === undefined) {
      try {
        return inflateOnce('raw', input, maxOutput, true).buffer;
      } catch {
        /* fall through */
      }
    }
  } catch (e) {
    if (e instanceof LimitExceededError) return out.result();
    /* fall through */
  }
  return recoverPrefix('raw', input, maxOutput, Math.min(input.length, Math.floor(maxOutput / DEFLATE_MAX_RATIO) || 1));
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
// gzip: members parsed here (RFC 1952), bodies inflated raw into one output, CRC32 and ISIZE verified.

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
  if (maxOutput <= 0) return noBudget(limitName, maxOutput);
  const out = new CappedOutput(maxOutput, limitName);
  const warnings: DecompressWarning[] = [];
  let pos = 0;
  try {
    for (;;) {
      const { dataStart } = parseGzipHeader(input, pos);
      const memberStart = out.len;
      const body = inflateInto(input.subarray(dataStart), out, 'deflate');
      if (body.error instanceof LimitExceededError) return resultOf(out, pos, warnings, capError(out, 'gzip'));
      if (body.error !== undefined) return resultOf(out, pos, warnings, body.error);
      const trailer = dataStart + body.consumed;
      if (trailer + 8 > input.length) return resultOf(out, input.length, warnings, malformed('gzip: member trailer is truncated'));
      const storedCrc = ((input[trailer] ?? 0) | ((input[trailer + 1] ?? 0) << 8) | ((input[trailer + 2] ?? 0) << 16) | ((input[trailer + 3] ?? 0) << 24)) >>> 0;
      const isize = ((input[trailer + 4] ?? 0) | ((input[trailer + 5] ?? 0) << 8) | ((input[trailer + 6] ?? 0) << 16) | ((input[trailer + 7] ?? 0) << 24)) >>> 0;
      let crc = 0;
      out.bytes().forEachSlice(memberStart, out.len, (s) => {
        crc = crc32(s, crc);
      });
      if (crc >>> 0 !== storedCrc || (out.len - memberStart) % 2 ** 32 !== isize) {
        warnings.push({ kind: 'bad-checksum', message: 'gzip member CRC32 or length does not match its data', offset: trailer });
      }
      pos = trailer + 8;
      let p = pos;
      while (p < input.length && input[p] === 0) p++;
      if (p >= input.length) return resultOf(out, input.length, warnings);
      if (input[p] === 0x1f && input[p + 1] === 0x8b) {
        pos = p;
        continue;
      }
      warnings.push({ kind: 'trailing-data', message: `${input.length - p} bytes after the last gzip member`, offset: p });
      return resultOf(out, p, warnings);
    }
  } catch (e) {
    return resultOf(out, pos, warnings, asDecodeError(e, 'gzip'));
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
    return resultOf(out, consumed, warnings);
  } catch (e) {
    const err = e instanceof InputEnd ? malformed(e.message) : asDecodeError(e, 'bzip2');
    return resultOf(out, consumed, warnings, err);
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
    return resultOf(out, consumed, warnings);
  } catch (e) {
    return resultOf(out, consumed, warnings, asDecodeError(e, 'zstd'));
  }
}

// ---------------------------------------------------------------------------------------------
// LZ4 frame format (lz4_Frame_format.md v1.6.x, as python-lz4's `lz4.frame` and so joblib's lz4
// compressor write it) and the legacy frame (`lz4 -l`). Own bounded decoder: blocks are decoded into
// the capped output, whose earlier bytes are the match window (linked blocks reach into previous ones).

const LZ4_MAGIC = 0x184d2204;
const LZ4_LEGACY_MAGIC = 0x184c2102;
/** Legacy frames have fixed 8 MiB blocks. */
const LZ4_LEGACY_BLOCK = 8 * 1024 * 1024;

const PRIME32_1 = 0x9e3779b1;
const PRIME32_2 = 0x85ebca77;
const PRIME32_3 = 0xc2b2ae3d;
const PRIME32_4 = 0x27d4eb2f;
const PRIME32_5 = 0x165667b1;

function rotl32(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0;
}

/** Incremental XXH32 (the checksum of the LZ4 frame format). */
class Xxh32 {
  private v1: number;
  private v2: number;
  private v3: number;
  private v4: number;
  private total = 0;
  private readonly mem = new Uint8Array(16);
  private memLen = 0;

  constructor(private readonly seed = 0) {
    this.v1 = (seed + PRIME32_1 + PRIME32_2) >>> 0;
    this.v2 = (seed + PRIME32_2) >>> 0;
    this.v3 = seed >>> 0;
    this.v4 = (seed - PRIME32_1) >>> 0;
  }

  private static round(acc: number, lane: number): number {
    return Math.imul(rotl32((acc + Math.imul(lane, PRIME32_2)) >>> 0, 13), PRIME32_1) >>> 0;
  }

  private stripe(b: Uint8Array, o: number): void {
    this.v1 = Xxh32.round(this.v1, le32(b, o));
    this.v2 = Xxh32.round(this.v2, le32(b, o + 4));
    this.v3 = Xxh32.round(this.v3, le32(b, o + 8));
    this.v4 = Xxh32.round(this.v4, le32(b, o + 12));
  }

  update(data: Uint8Array): void {
    this.total += data.length;
    let i = 0;
    if (this.memLen > 0) {
      const k = Math.min(16 - this.memLen, data.length);
      this.mem.set(data.subarray(0, k), this.memLen);
      this.memLen += k;
      i = k;
      if (this.memLen < 16) return;
      this.stripe(this.mem, 0);
      this.memLen = 0;
    }
    for (; i + 16 <= data.length; i += 16) this.stripe(data, i);
    if (i < data.length) {
      this.mem.set(data.subarray(i), 0);
      this.memLen = data.length - i;
    }
  }

  digest(): number {
    let h =
      this.total >= 16
        ? (rotl32(this.v1, 1) + rotl32(this.v2, 7) + rotl32(this.v3, 12) + rotl32(this.v4, 18)) >>> 0
        : (this.seed + PRIME32_5) >>> 0;
    h = (h + this.total) >>> 0;
    let i = 0;
    for (; i + 4 <= this.memLen; i += 4) h = Math.imul(rotl32((h + Math.imul(le32(this.mem, i), PRIME32_3)) >>> 0, 17), PRIME32_4) >>> 0;
    for (; i < this.memLen; i++) h = Math.imul(rotl32((h + Math.imul(this.mem[i] as number, PRIME32_5)) >>> 0, 11), PRIME32_1) >>> 0;
    h ^= h >>> 15;
    h = Math.imul(h, PRIME32_2) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, PRIME32_3) >>> 0;
    h ^= h >>> 16;
    return h >>> 0;
  }
}

/** XXH32 of `data` (seed 0). */
export function xxh32(data: Uint8Array, seed = 0): number {
  const h = new Xxh32(seed);
  h.update(data);
  return h.digest();
}

/**
 * Decode one LZ4 block (input[start, end)) into `out`. `windowStart`: output offset before which
 * matches may not reach (the block's own start for independent blocks, 0 for linked ones).
 */
function lz4Block(input: Uint8Array, start: number, end: number, out: CappedOutput, windowStart: number): void {
  let p = start;
  for (;;) {
    if (p >= end) throw malformed('lz4: block ends inside a sequence');
    const token = input[p++] as number;
    let lit = token >>> 4;
    if (lit === 15) {
      for (;;) {
        if (p >= end) throw malformed('lz4: literal length runs past the block');
        const b = input[p++] as number;
        lit += b;
        if (b !== 255) break;
      }
    }
    if (p + lit > end) throw malformed('lz4: literals run past the block');
    if (lit > 0) out.append(input.subarray(p, p + lit));
    p += lit;
    if (p === end) return; // the last sequence has literals only
    if (p + 2 > end) throw malformed('lz4: match offset runs past the block');
    const offset = (input[p] as number) | ((input[p + 1] as number) << 8);
    p += 2;
    if (offset === 0) throw malformed('lz4: match offset 0');
    if (offset > out.len - windowStart) throw malformed('lz4: match offset beyond the start of the data');
    let mlen = (token & 15) + 4;
    if ((token & 15) === 15) {
      for (;;) {
        if (p >= end) throw malformed('lz4: match length runs past the block');
        const b = input[p++] as number;
        mlen += b;
        if (b !== 255) break;
      }
    }
    out.copyMatch(offset, mlen);
  }
}

/** Decode one LZ4 frame at `pos` into `out`; returns the offset after it. */
function lz4Frame(input: Uint8Array, pos: number, out: CappedOutput, warnings: DecompressWarning[]): number {
  let p = pos + 4;
  if (p + 3 > input.length) throw malformed('lz4: frame descriptor is truncated');
  const flg = input[p] as number;
  const bd = input[p + 1] as number;
  if (flg >>> 6 !== 1) throw new BulwarkError('UNSUPPORTED', `lz4: frame version ${flg >>> 6}`);
  if (flg & 0x02 || bd & 0x8f) throw malformed('lz4: reserved bits set in the frame descriptor');
  const independent = (flg & 0x20) !== 0;
  const blockChecksum = (flg & 0x10) !== 0;
  const hasSize = (flg & 0x08) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  const hasDict = (flg & 0x01) !== 0;
  const maxCode = (bd >>> 4) & 7;
  if (maxCode < 4) throw malformed(`lz4: invalid block maximum size code ${maxCode}`);
  const maxBlock = 1 << (8 + 2 * maxCode);
  const descStart = p;
  p += 2;
  let declared = -1;
  if (hasSize) {
    if (p + 8 > input.length) throw malformed('lz4: frame descriptor is truncated');
    declared = le32(input, p) + le32(input, p + 4) * 2 ** 32;
    p += 8;
  }
  if (hasDict) {
    if (p + 4 > input.length) throw malformed('lz4: frame descriptor is truncated');
    throw new BulwarkError('UNSUPPORTED', `lz4: frame needs dictionary ${le32(input, p)}`);
  }
  if (p >= input.length) throw malformed('lz4: frame descriptor is truncated');
  const hc = input[p] as number;
  if (((xxh32(input.subarray(descStart, p)) >>> 8) & 0xff) !== hc) throw malformed('lz4: frame descriptor checksum does not match');
  p++;
  const frameStart = out.len;
  for (;;) {
    if (p + 4 > input.length) throw malformed('lz4: compressed data is truncated');
    const word = le32(input, p);
    p += 4;
    if (word === 0) break; // EndMark
    const stored = (word & 0x80000000) !== 0;
    const size = word & 0x7fffffff;
    if (size > maxBlock) throw malformed(`lz4: block of ${size} bytes exceeds the frame's ${maxBlock}-byte maximum`);
    if (p + size > input.length) throw malformed('lz4: compressed data is truncated');
    const blockOut = out.len;
    if (stored) out.append(input.subarray(p, p + size));
    else lz4Block(input, p, p + size, out, independent ? blockOut : frameStart);
    if (out.len - blockOut > maxBlock) throw malformed(`lz4: block decodes to more than the frame's ${maxBlock}-byte maximum`);
    if (blockChecksum) {
      if (p + size + 4 > input.length) throw malformed('lz4: block checksum is truncated');
      if (xxh32(input.subarray(p, p + size)) !== le32(input, p + size)) warnings.push({ kind: 'bad-checksum', message: 'lz4 block checksum does not match', offset: p + size });
      p += 4;
    }
    p += size;
  }
  if (contentChecksum) {
    if (p + 4 > input.length) throw malformed('lz4: content checksum is truncated');
    const h = new Xxh32();
    out.bytes().forEachSlice(frameStart, out.len, (s) => h.update(s));
    if (h.digest() !== le32(input, p)) warnings.push({ kind: 'bad-checksum', message: 'lz4 content checksum does not match the decompressed data', offset: p });
    p += 4;
  }
  if (declared >= 0 && declared !== out.len - frameStart) {
    warnings.push({ kind: 'bad-checksum', message: `lz4 frame declares ${declared} bytes of content but decodes to ${out.len - frameStart}`, offset: descStart + 2 });
  }
  return p;
}

/** Decode one legacy LZ4 frame (`lz4 -l`): 8 MiB blocks until the input ends or another magic starts. */
function lz4LegacyFrame(input: Uint8Array, pos: number, out: CappedOutput): number {
  let p = pos + 4;
  while (p + 4 <= input.length) {
    const size = le32(input, p);
    if (size === LZ4_MAGIC || size === LZ4_LEGACY_MAGIC || (size >>> 4 === 0x184d2a5)) break;
    p += 4;
    if (size > input.length - p) throw malformed('lz4: compressed data is truncated');
    const blockOut = out.len;
    lz4Block(input, p, p + size, out, blockOut);
    if (out.len - blockOut > LZ4_LEGACY_BLOCK) throw malformed('lz4: legacy block decodes to more than 8 MiB');
    p += size;
  }
  if (p < input.length && p + 4 > input.length) throw malformed('lz4: compressed data is truncated');
  return p;
}

/**
 * LZ4 frames, every frame of a file (concatenated frames decode to the concatenation, as the lz4
 * CLI and python-lz4 read them); skippable frames are skipped. Checksums that do not match are
 * warnings (the data is still analysed); data after the last frame is trailing data.
 */
export function unlz4Capped(input: Uint8Array, maxOutput: number, limitName = 'maxDecompressedBytes'): DecompressResult {
  const out = new CappedOutput(Math.max(0, maxOutput), limitName);
  const warnings: DecompressWarning[] = [];
  let consumed = 0;
  try {
    while (consumed < input.length) {
      if (consumed + 4 > input.length) {
        if (consumed === 0) throw malformed('lz4: frame is truncated');
        warnings.push({ kind: 'trailing-data', message: `${input.length - consumed} bytes after the last lz4 frame`, offset: consumed });
        break;
      }
      const m = le32(input, consumed);
      if (m >>> 4 === 0x184d2a5) {
        if (consumed + 8 > input.length) throw malformed('lz4: skippable frame is truncated');
        const end = consumed + 8 + le32(input, consumed + 4);
        if (end > input.length) throw malformed('lz4: skippable frame is truncated');
        consumed = end;
      } else if (m === LZ4_MAGIC) {
        consumed = lz4Frame(input, consumed, out, warnings);
      } else if (m === LZ4_LEGACY_MAGIC) {
        consumed = lz4LegacyFrame(input, consumed, out);
      } else {
        if (consumed === 0) throw malformed('lz4: bad frame magic');
        warnings.push({ kind: 'trailing-data', message: `${input.length - consumed} bytes after the last lz4 frame`, offset: consumed });
        break;
      }
    }
    return resultOf(out, consumed, warnings);
  } catch (e) {
    return resultOf(out, consumed, warnings, asDecodeError(e, 'lz4'));
  }
}
