import { BulwarkError, LimitExceededError } from '../findings/index.js';

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
 */
export interface DecompressResult {
  readonly data: Uint8Array;
  /** Compressed bytes consumed (where the stream, or the last good stream, ended). */
  readonly consumed: number;
  readonly warnings: readonly DecompressWarning[];
  /** Set when decoding stopped early: LIMIT_EXCEEDED (the cap), MALFORMED or UNSUPPORTED. */
  readonly error?: BulwarkError;
}

/** Growable output buffer that refuses to grow past `cap` bytes. */
export class CappedOutput {
  buf: Uint8Array;
  len = 0;
  constructor(
    readonly cap: number,
    readonly limitName: string,
    initial = 64 * 1024,
  ) {
    this.buf = new Uint8Array(Math.max(0, Math.min(initial, cap)));
  }

  /** Make room for `n` more bytes or throw LimitExceededError. */
  ensure(n: number): void {
    const need = this.len + n;
    if (need <= this.buf.length) return;
    if (need > this.cap) {
      throw new LimitExceededError(this.limitName, this.cap, `decompressed output exceeds ${this.limitName} (${this.cap} bytes)`);
    }
    let size = Math.max(this.buf.length * 2, 1024);
    while (size < need) size *= 2;
    const next = new Uint8Array(Math.min(size, this.cap));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  push(byte: number): void {
    if (this.len >= this.buf.length) this.ensure(1);
    this.buf[this.len++] = byte;
  }

  /** Append `bytes`; past the cap, keep the part that fits and then throw. */
  append(bytes: Uint8Array): void {
    if (this.len + bytes.length > this.cap) {
      const fit = this.cap - this.len;
      if (fit > 0) this.append(bytes.subarray(0, fit));
      this.ensure(bytes.length - Math.max(0, fit)); // throws
    }
    this.ensure(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  result(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
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
