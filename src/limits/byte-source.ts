import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { BulwarkError, LimitExceededError } from '../findings/index.js';

/**
 * Random-access, synchronous reads over untrusted bytes: files, archive members and decompressed
 * streams all go through this one interface (after sigstore-js's SignedEntity adapters). Reads are
 * synchronous on purpose: parsers are tight loops and parallelism comes from worker threads.
 */
export interface ByteSource {
  readonly size: number;
  /** Exactly `length` bytes from `offset`, or fewer only where the source ends. Never beyond `size`. */
  read(offset: number, length: number): Uint8Array;
}

/** Counts bytes read for one target against `maxReadBytes`. Shared by a target's sources. */
export class ReadBudget {
  private used = 0;
  constructor(readonly max: number) {}
  charge(n: number): void {
    this.used += n;
    if (this.used > this.max) throw new LimitExceededError('maxReadBytes', this.max, `read more than ${this.max} bytes from one target`);
  }
  get bytesRead(): number {
    return this.used;
  }
}

export class BufferSource implements ByteSource {
  readonly size: number;
  constructor(private readonly buf: Uint8Array) {
    this.size = buf.length;
  }
  read(offset: number, length: number): Uint8Array {
    const start = clampStart(offset, this.size);
    const end = Math.min(this.size, start + Math.max(0, length));
    return this.buf.subarray(start, end);
  }
}

export class SliceSource implements ByteSource {
  readonly size: number;
  constructor(
    private readonly parent: ByteSource,
    private readonly start: number,
    length: number,
  ) {
    this.size = Math.max(0, Math.min(length, parent.size - start));
  }
  read(offset: number, length: number): Uint8Array {
    const s = clampStart(offset, this.size);
    const n = Math.min(Math.max(0, length), this.size - s);
    return this.parent.read(this.start + s, n);
  }
}

const BLOCK = 16 * 1024;

/**
 * A file read with `readSync`. Small reads are served from a one-block (16 KiB) cache (zip local headers and
 * pickle streams are read in small pieces); large reads go straight to the file.
 */
export class FileSource implements ByteSource {
  readonly size: number;
  private fd: number;
  private blockStart = -1;
  private block: Uint8Array = new Uint8Array(0);
  constructor(
    readonly path: string,
    private readonly budget?: ReadBudget,
  ) {
    try {
      this.fd = openSync(path, 'r');
      this.size = fstatSync(this.fd).size;
    } catch (e) {
      throw new BulwarkError('IO', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { cause: e });
    }
  }

  read(offset: number, length: number): Uint8Array {
    const start = clampStart(offset, this.size);
    const n = Math.min(Math.max(0, length), this.size - start);
    if (n === 0) return new Uint8Array(0);
    if (n <= BLOCK / 4) {
      if (this.blockStart < 0 || start < this.blockStart || start + n > this.blockStart + this.block.length) {
        const bs = start;
        const len = Math.min(BLOCK, this.size - bs);
        this.block = this.readRaw(bs, len);
        this.blockStart = bs;
      }
      const rel = start - this.blockStart;
      return this.block.subarray(rel, rel + n);
    }
    return this.readRaw(start, n);
  }

  private readRaw(offset: number, n: number): Uint8Array {
    this.budget?.charge(n);
    const out = Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      let r: number;
      try {
        r = readSync(this.fd, out, got, n - got, offset + got);
      } catch (e) {
        throw new BulwarkError('IO', `read error in ${this.path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { cause: e });
      }
      if (r === 0) break; // file shrank while we read it
      got += r;
    }
    return got === n ? out : out.subarray(0, got);
  }

  close(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}

function clampStart(offset: number, size: number): number {
  if (!Number.isFinite(offset) || offset < 0) return 0;
  return Math.min(offset, size);
}

/** Read a whole (small) source into memory, refusing more than `max` bytes. */
export function readAll(src: ByteSource, max: number, limitName = 'maxTextBytes'): Uint8Array {
  if (src.size > max) throw new LimitExceededError(limitName, max, `source of ${src.size} bytes exceeds ${limitName} (${max})`);
  return src.read(0, src.size);
}
