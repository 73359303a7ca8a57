/**
 * A streaming tar reader for image layers: push chunks (of any size), get one callback per member
 * with its header (type, mode, size, link target, pax and GNU long names applied) and, when the
 * callback asks for them, the member's bytes. Nothing is written anywhere.
 *
 * Why not the reader in src/oci/unpack.ts: `TarExtractor` writes members into a folder and refuses
 * (throws on) links, devices and FIFOs, which is right for `pull` but not for scanning an image, where
 * symbolic links are normal and hostile members must become findings while the layer goes on.
 *
 * Synchronous on purpose: the caller feeds it from a decompression stream; every member's data is
 * passed through (never gathered) unless the member handler asks for it.
 */
import { BulwarkError } from '../findings/index.js';

export type TarEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char-device' | 'block-device' | 'fifo' | 'other';

export interface TarEntry {
  /** The member name as written (pax / GNU long names applied), not normalised. */
  readonly name: string;
  readonly type: TarEntryType;
  /** The raw type flag. */
  readonly flag: string;
  /** Permission bits with setuid (0o4000), setgid (0o2000) and sticky (0o1000). */
  readonly mode: number;
  readonly size: number;
  readonly linkName: string;
  readonly uid: number;
}

/** What the member handler wants of a member's bytes. */
export interface TarDataSink {
  data(chunk: Uint8Array): void;
  end(): void;
}

export interface TarStreamLimits {
  /** Longest member name or link target (pax / GNU long names). */
  readonly maxPathBytes: number;
  /** Largest pax extended header kept; larger ones are skipped and reported. */
  readonly maxPaxBytes: number;
}

export interface TarStreamHandler {
  entry(e: TarEntry): TarDataSink | undefined;
  /** A member that could not be read as intended (a huge header): the stream goes on. */
  problem(message: string, name: string | undefined): void;
}

const TYPES: Readonly<Record<string, TarEntryType>> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '5': 'dir',
  '2': 'symlink',
  '1': 'hardlink',
  '3': 'char-device',
  '4': 'block-device',
  '6': 'fifo',
};

export function cstring(b: Uint8Array, at: number, len: number): string {
  const s = b.subarray(at, at + len);
  const z = s.indexOf(0);
  return Buffer.from(z >= 0 ? s.subarray(0, z) : s).toString('utf8');
}

export function number(b: Uint8Array, at: number, len: number, what: string): number {
  const f = b.subarray(at, at + len);
  if (((f[0] ?? 0) & 0x80) !== 0) {
    let v = (f[0] ?? 0) & 0x7f;
    for (let i = 1; i < f.length; i++) {
      v = v * 256 + (f[i] ?? 0);
      if (!Number.isSafeInteger(v)) throw new BulwarkError('MALFORMED', `tar header: ${what} out of range`);
    }
    return v;
  }
  const s = cstring(b, at, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new BulwarkError('MALFORMED', `tar header: bad ${what} ${JSON.stringify(s.slice(0, 20))}`);
  const v = parseInt(s, 8);
  if (!Number.isSafeInteger(v)) throw new BulwarkError('MALFORMED', `tar header: ${what} out of range`);
  return v;
}

export function headerChecksumOk(h: Uint8Array): boolean {
  const stored = number(h, 148, 8, 'checksum');
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : (h[i] ?? 0);
  return sum === stored;
}

function parsePax(data: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  const buf = Buffer.from(data.buffer, data.byteOffset, data.length);
  let off = 0;
  while (off < buf.length) {
    const sp = buf.indexOf(0x20, off);
    if (sp < 0) break;
    const len = Number(buf.subarray(off, sp).toString('latin1'));
    if (!Number.isSafeInteger(len) || len <= 0 || off + len > buf.length) throw new BulwarkError('MALFORMED', 'malformed pax header');
    const rec = buf.subarray(sp + 1, off + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out.set(rec.slice(0, eq), rec.slice(eq + 1));
    off += len;
  }
  return out;
}

type State = 'header' | 'data' | 'meta' | 'skip' | 'padding' | 'done';

export class TarStream {
  private readonly header = new Uint8Array(512);
  private headerFill = 0;
  private state: State = 'header';
  private remaining = 0;
  private padding = 0;
  private sink: TarDataSink | undefined;
  private meta: { flag: string; chunks: Uint8Array[] } | undefined;
  private paxPath: string | undefined;
  private paxLink: string | undefined;
  private paxSize: number | undefined;
  private longName: string | undefined;
  private longLink: string | undefined;
  private zeroBlocks = 0;
  /** Members seen (metadata headers not counted). */
  entries = 0;
  /** Bytes after the end-of-archive blocks. */
  trailing = 0;

  constructor(
    private readonly handler: TarStreamHandler,
    private readonly limits: TarStreamLimits,
  ) {}

  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      switch (this.state) {
        case 'done': {
          for (let i = at; i < chunk.length; i++) if (chunk[i] !== 0) this.trailing++;
          return;
        }
        case 'header': {
          const n = Math.min(512 - this.headerFill, chunk.length - at);
          this.header.set(chunk.subarray(at, at + n), this.headerFill);
          this.headerFill += n;
          at += n;
          if (this.headerFill === 512) {
            this.headerFill = 0;
            this.onHeader(this.header);
          }
          break;
        }
        case 'data':
        case 'meta':
        case 'skip': {
          const n = Math.min(this.remaining, chunk.length - at);
          if (n > 0) {
            const part = chunk.subarray(at, at + n);
            if (this.state === 'data') this.sink?.data(part);
            else if (this.state === 'meta') this.meta?.chunks.push(part.slice());
            this.remaining -= n;
            at += n;
          }
          if (this.remaining === 0) this.endMember();
          break;
        }
        case 'padding': {
          const n = Math.min(this.padding, chunk.length - at);
          this.padding -= n;
          at += n;
          if (this.padding === 0) this.state = 'header';
          break;
        }
      }
    }
  }

  /** The stream ended: true when it ended between members (an end-of-archive marker is optional). */
  end(): { complete: boolean } {
    if (this.state === 'data' || this.state === 'meta' || this.state === 'skip') {
      this.sink?.end();
      this.sink = undefined;
      return { complete: false };
    }
    // A stream that stops in the padding after a member's last byte lost nothing (umoci 0.4's
    // `insert` writes layers that end so, without padding or end-of-archive blocks).
    return { complete: this.headerFill === 0 };
  }

  private begin(state: State, size: number): void {
    this.state = state;
    this.remaining = size;
    this.padding = (512 - (size % 512)) % 512;
    if (size === 0) this.endMember();
  }

  private endMember(): void {
    if (this.state === 'data') {
      this.sink?.end();
      this.sink = undefined;
    } else if (this.state === 'meta' && this.meta !== undefined) {
      const m = this.meta;
      this.meta = undefined;
      const data = m.chunks.length === 1 ? (m.chunks[0] as Uint8Array) : Buffer.concat(m.chunks);
      if (m.flag === 'x') {
        const pax = parsePax(data);
        const p = pax.get('path');
        if (p !== undefined) this.paxPath = p;
        const l = pax.get('linkpath');
        if (l !== undefined) this.paxLink = l;
        const s = pax.get('size');
        if (s !== undefined) {
          const v = Number(s);
          if (!Number.isSafeInteger(v) || v < 0 || !/^\d+$/.test(s)) throw new BulwarkError('MALFORMED', 'tar: bad pax size');
          this.paxSize = v;
        }
      } else if (m.flag === 'L') this.longName = cstring(data, 0, data.length);
      else if (m.flag === 'K') this.longLink = cstring(data, 0, data.length);
    }
    this.state = this.padding > 0 ? 'padding' : 'header';
  }

  private onHeader(h: Uint8Array): void {
    let zero = true;
    for (let i = 0; i < 512; i++) {
      if (h[i] !== 0) {
        zero = false;
        break;
      }
    }
    if (zero) {
      if (++this.zeroBlocks >= 2) this.state = 'done';
      return;
    }
    this.zeroBlocks = 0;
    if (!headerChecksumOk(h)) throw new BulwarkError('MALFORMED', 'a tar header with a bad checksum');
    const flag = String.fromCharCode(h[156] ?? 0);
    let size = number(h, 124, 12, 'size');
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      const max = flag === 'L' || flag === 'K' ? this.limits.maxPathBytes + 1 : this.limits.maxPaxBytes;
      if (flag === 'g' || size > max) {
        if (flag !== 'g') this.handler.problem(`a tar ${flag === 'x' ? 'pax header' : 'GNU long name'} of ${size} bytes (more than ${max}) was skipped`, undefined);
        this.begin('skip', size);
        return;
      }
      this.meta = { flag, chunks: [] };
      this.begin('meta', size);
      return;
    }
    const ustar = cstring(h, 257, 5) === 'ustar';
    const prefix = ustar ? cstring(h, 345, 155) : '';
    const raw = cstring(h, 0, 100);
    const name = this.paxPath ?? this.longName ?? (prefix !== '' ? `${prefix}/${raw}` : raw);
    const linkName = this.paxLink ?? this.longLink ?? cstring(h, 157, 100);
    if (this.paxSize !== undefined) size = this.paxSize;
    this.paxPath = this.paxLink = this.longName = this.longLink = this.paxSize = undefined;
    const type = TYPES[flag] ?? 'other';
    const entry: TarEntry = { name, type, flag, mode: number(h, 100, 8, 'mode') & 0o7777, size, linkName, uid: number(h, 108, 8, 'uid') };
    this.entries++;
    const sink = this.handler.entry(entry);
    if (sink !== undefined && (type === 'file' || type === 'other')) {
      this.sink = sink;
      this.begin('data', size);
    } else {
      sink?.end();
      this.begin('skip', size);
    }
  }
}
