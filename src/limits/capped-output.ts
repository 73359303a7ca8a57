import { Buffer } from 'node:buffer';
import { BulwarkError, LimitExceededError } from '../findings/index.js';
import type { ByteSource } from './byte-source.js';

/** Something a decoder noticed that does not stop it (the content is still analysed). */
export interface DecompressWarning {
  /**
   * `bad-checksum`: a stored checksum (gzip CRC32/ISIZE, xz check, zlib Adler-32) does not match;
   * `trailing-data`: bytes after the end of the compressed stream(s) that the decoder ignored;
   * `unverified-checksum`: the stream declares a check this decoder cannot compute.
   */
  readonly kind: 'bad-checksum' | 'trailing-data' | 'unverified-checksum';
  readonly message: string;
  /** Offset in the compressed input. */
  readonly offset: number;
}

/**
 * Output of a capped decompression. Decoders never throw for bad input: they return what they
 * decoded before the problem (a streaming loader such as `pickle.load(gzip.open(f))` has already
 * acted on those bytes when the error surfaces) together with the typed error.
 *
 * The output is kept in fixed-size chunks that are never copied or regrown (`output`, a ByteSource);
 * `data` is a contiguous copy made on first access, for small outputs and tests only.
 */
export interface DecompressResult {
  /** The decoded bytes, as a source over the chunks (no copy). */
  readonly output: DecodedBytes;
  /** The decoded bytes as one buffer (copies the chunks on first access when there are several). */
  readonly data: Uint8Array;
  /** Compressed bytes consumed (where the stream, or the last good stream, ended). */
  readonly consumed: number;
  readonly warnings: readonly DecompressWarning[];
  /** Set when decoding stopped early: LIMIT_EXCEEDED (the cap), MALFORMED or UNSUPPORTED. */
  readonly error?: BulwarkError;
}

/** Bits of the chunk size: output is kept in 4 MiB chunks (the first one grows up to that size). */
const CHUNK_BITS = 22;
export const OUTPUT_CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = OUTPUT_CHUNK - 1;

/**
 * Decoded bytes held in chunks: chunk `k` covers offsets [k × 4 MiB, (k + 1) × 4 MiB). A read that
 * stays within one chunk is a view; one that spans chunks is copied (at most the requested length).
 */
export class DecodedBytes implements ByteSource {
  constructor(
    private readonly chunks: readonly Uint8Array[],
    readonly size: number,
  ) {}

  read(offset: number, length: number): Uint8Array {
    const start = !Number.isFinite(offset) || offset < 0 ? 0 : Math.min(offset, this.size);
    const end = Math.min(this.size, start + Math.max(0, length));
    if (end <= start) return new Uint8Array(0);
    const first = start >>> CHUNK_BITS;
    const last = (end - 1) >>> CHUNK_BITS;
    const c = this.chunks[first] as Uint8Array;
    if (first === last) return c.subarray(start & CHUNK_MASK, ((end - 1) & CHUNK_MASK) + 1);
    const out = new Uint8Array(end - start);
    let o = 0;
    for (let k = first; k <= last; k++) {
      const ch = this.chunks[k] as Uint8Array;
      const s = k === first ? start & CHUNK_MASK : 0;
      const e = k === last ? ((end - 1) & CHUNK_MASK) + 1 : ch.length;
      out.set(ch.subarray(s, e), o);
      o += e - s;
    }
    return out;
  }

  /** Call `fn` on consecutive views covering [start, end) (checksums without copying). */
  forEachSlice(start: number, end: number, fn: (slice: Uint8Array) => void): void {
    const e0 = Math.min(end, this.size);
    for (let p = Math.max(0, start); p < e0; ) {
      const k = p >>> CHUNK_BITS;
      const ch = this.chunks[k] as Uint8Array;
      const s = p & CHUNK_MASK;
      const e = Math.min(ch.length, s + (e0 - p));
      fn(ch.subarray(s, e));
      p += e - s;
    }
  }

  /** All bytes in one buffer (a copy when they span chunks). */
  contiguous(): Uint8Array {
    return this.read(0, this.size);
  }
}

/** Bytes sampled from a full chunk to find earlier chunks that may hold the same bytes. */
const PRINT_SAMPLES = 64;
/** Earlier chunks compared (memcmp) per fingerprint, at most: bounds the work per chunk. */
const PRINT_CANDIDATES = 4;

function fingerprint(c: Uint8Array): string {
  const step = Math.floor(c.length / PRINT_SAMPLES);
  let key = '';
  for (let i = 0; i < PRINT_SAMPLES; i++) key += String.fromCharCode(c[i * step + (i & 7)] as number);
  return key;
}

/**
 * Output buffer of a decoder, refusing to grow past `cap` bytes. Bytes go into 4 MiB chunks that are
 * never copied once full (the first chunk grows by doubling up to 4 MiB, so small outputs stay small),
 * so peak memory is the output size, not twice it. Also the LZ77 window of the decoders that copy
 * matches from earlier output (LZMA, LZ4): `byteAt` and `copyMatch` read across chunks.
 *
 * A full chunk whose bytes equal an earlier chunk's shares that chunk's buffer (compared with memcmp
 * against a few earlier chunks with the same sampled fingerprint): what a bomb expands to is
 * repetitive by construction, so a gigabyte of zeros or of a short repeated pattern holds a few
 * chunks, not the gigabyte. Writes into a shared chunk (`setByte`) copy it first.
 */
export class CappedOutput {
  private chunks: Uint8Array[] = [];
  /** The chunk being written (chunks[chunks.length - 1]) and the write offset inside it. */
  private cur: Uint8Array;
  private curOff = 0;
  len = 0;
  /** Full chunks by fingerprint (indices into `chunks`), and the indices whose buffer is shared. */
  private readonly byPrint = new Map<string, number[]>();
  private readonly shared = new Set<number>();

  constructor(
    readonly cap: number,
    readonly limitName: string,
    initial = 64 * 1024,
  ) {
    this.cur = new Uint8Array(Math.max(0, Math.min(initial, cap, OUTPUT_CHUNK)));
    this.chunks.push(this.cur);
  }

  private overflow(): never {
    throw new LimitExceededError(this.limitName, this.cap, `decompressed output exceeds ${this.limitName} (${this.cap} bytes)`);
  }

  /** Room in the current chunk after making sure at least one more byte fits (or throw at the cap). */
  private room(): number {
    let free = this.cur.length - this.curOff;
    if (free > 0) return free;
    if (this.len >= this.cap) this.overflow();
    if (this.chunks.length === 1 && this.cur.length < OUTPUT_CHUNK) {
      // Grow the first chunk (small outputs never allocate a whole chunk).
      const next = new Uint8Array(Math.min(OUTPUT_CHUNK, Math.max(1024, this.cur.length * 2), this.cap));
      next.set(this.cur);
      this.cur = next;
      this.chunks[0] = next;
    } else {
      const want = Math.min(OUTPUT_CHUNK, this.cap - this.len);
      const spare = this.cur.length === OUTPUT_CHUNK ? this.seal() : undefined;
      this.cur = spare === undefined ? new Uint8Array(want) : spare.subarray(0, want);
      this.chunks.push(this.cur);
      this.curOff = 0;
    }
    free = this.cur.length - this.curOff;
    return free;
  }

  /**
   * The current chunk is full: when an earlier chunk holds the same bytes, use that chunk's buffer
   * in its place and return the current buffer for reuse as the next chunk.
   */
  private seal(): Uint8Array | undefined {
    const k = this.chunks.length - 1;
    const c = this.cur;
    const key = fingerprint(c);
    const list = this.byPrint.get(key);
    if (list === undefined) {
      this.byPrint.set(key, [k]);
      return undefined;
    }
    for (const j of list) {
      const e = this.chunks[j] as Uint8Array;
      if (e.length === c.length && Buffer.compare(e, c) === 0) {
        this.chunks[k] = e;
        this.shared.add(j);
        this.shared.add(k);
        return c;
      }
    }
    if (list.length < PRINT_CANDIDATES) list.push(k);
    return undefined;
  }

  /** Throw LimitExceededError unless `n` more bytes fit under the cap. */
  ensure(n: number): void {
    if (this.len + n > this.cap) this.overflow();
  }

  push(byte: number): void {
    if (this.curOff >= this.cur.length) this.room();
    this.cur[this.curOff++] = byte;
    this.len++;
  }

  /** Append `bytes`; past the cap, keep the part that fits and then throw. */
  append(bytes: Uint8Array): void {
    let i = 0;
    const n = bytes.length;
    while (i < n) {
      if (this.len >= this.cap) this.overflow();
      const k = Math.min(this.room(), n - i, this.cap - this.len);
      this.cur.set(bytes.subarray(i, i + k), this.curOff);
      this.curOff += k;
      this.len += k;
      i += k;
    }
  }

  /** A writable view of at most `max` bytes at the end of the output (for decoders that write in place). */
  writable(max: number): Uint8Array {
    if (this.len >= this.cap) this.overflow();
    const k = Math.min(this.room(), max, this.cap - this.len);
    return this.cur.subarray(this.curOff, this.curOff + k);
  }

  /** Record that `n` bytes were written into the last `writable` view. */
  commit(n: number): void {
    this.curOff += n;
    this.len += n;
  }

  /** The byte at absolute output position `pos` (< len). */
  byteAt(pos: number): number {
    return (this.chunks[pos >>> CHUNK_BITS] as Uint8Array)[pos & CHUNK_MASK] as number;
  }

  /** Overwrite the byte at `pos` (< len). */
  setByte(pos: number, v: number): void {
    const k = pos >>> CHUNK_BITS;
    if (this.shared.has(k)) {
      // Copy on write: the buffer is also another chunk's.
      this.chunks[k] = (this.chunks[k] as Uint8Array).slice();
      this.shared.delete(k);
    }
    (this.chunks[k] as Uint8Array)[pos & CHUNK_MASK] = v;
  }

  /**
   * LZ77 match: append `len` bytes copied from `dist` bytes back (overlapping copies repeat, as the
   * formats define). The caller checks that `dist` lies within the output. Past the cap, the part
   * that fits is written and then LimitExceededError is thrown.
   */
  copyMatch(dist: number, len: number): void {
    let left = len;
    let src = this.len - dist;
    while (left > 0) {
      if (this.len >= this.cap) this.overflow();
      let k = Math.min(this.room(), left, this.cap - this.len);
      const cur = this.cur;
      let d = this.curOff;
      // Within one source chunk and non-overlapping runs, copy in bulk; otherwise byte by byte.
      const sChunk = this.chunks[src >>> CHUNK_BITS] as Uint8Array;
      const sOff = src & CHUNK_MASK;
      if (dist >= k && sChunk !== cur && sOff + k <= sChunk.length) {
        cur.set(sChunk.subarray(sOff, sOff + k), d);
      } else if (dist >= k && sChunk === cur) {
        cur.copyWithin(d, sOff, sOff + k);
      } else {
        k = Math.min(k, 1 << 16);
        for (let i = 0; i < k; i++) cur[d++] = this.byteAt(src + i);
        d = this.curOff;
      }
      this.curOff = d + k;
      this.len += k;
      src += k;
      left -= k;
    }
  }

  /** Bytes of memory the chunks hold (shared chunks counted once). */
  get heldBytes(): number {
    let n = 0;
    for (const c of new Set(this.chunks)) n += c.length;
    return n;
  }

  /** The output so far, as a chunked source. */
  bytes(): DecodedBytes {
    return new DecodedBytes(this.chunks.slice(), this.len);
  }

  /** The output so far as one buffer (copies when it spans chunks; small outputs only). */
  result(): Uint8Array {
    return this.bytes().contiguous();
  }
}

/** A DecompressResult over `out` (its `data` is made on first access). */
export function resultOf(out: CappedOutput | DecodedBytes, consumed: number, warnings: readonly DecompressWarning[], error?: BulwarkError): DecompressResult {
  const output = out instanceof DecodedBytes ? out : out.bytes();
  let data: Uint8Array | undefined;
  const r = {
    output,
    get data(): Uint8Array {
      data ??= output.contiguous();
      return data;
    },
    consumed,
    warnings,
  };
  return error === undefined ? r : Object.assign(r, { error });
}

/** A DecompressResult over one buffer. */
export function resultOfBuffer(buf: Uint8Array, consumed: number, warnings: readonly DecompressWarning[], error?: BulwarkError): DecompressResult {
  const out = new CappedOutput(buf.length, 'maxDecompressedBytes', buf.length);
  out.append(buf);
  return resultOf(out, consumed, warnings, error);
}

export function malformed(message: string): BulwarkError {
  return new BulwarkError('MALFORMED', message);
}

/** Map anything a decoder threw to a typed error (third-party decoders throw plain errors). */
export function asDecodeError(e: unknown, what: string): BulwarkError {
  if (e instanceof BulwarkError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new BulwarkError('MALFORMED', `${what}: corrupt data (${msg})`, { cause: e });
}
