/**
 * Unpacking artifacts into a folder that Bulwark owns: every file is created new (O_EXCL, O_NOFOLLOW)
 * under a private root Bulwark made itself, so `..`, absolute paths, links, devices and overwrites
 * cannot reach outside it. Tar layers are read as a stream: regular files and folders only.
 */
import type { FileHandle } from 'node:fs/promises';
import { constants } from 'node:fs';
import { lstat, mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { BulwarkError, LimitExceededError } from '../findings/index.js';
import { UnsafeArtifactError, safeRelativePath } from './modelpack.js';

/** Writes files below `root` (a folder Bulwark created and owns; nothing in it is a link). */
export class FolderWriter {
  private readonly dirs = new Set<string>(['']);
  constructor(
    readonly root: string,
    private readonly where: string,
  ) {}

  /** Create the folders of `rel` (a path from safeRelativePath) one by one, checking each is a real folder. */
  async ensureDir(rel: string): Promise<void> {
    const parts = rel.split('/');
    let cur = '';
    for (const part of parts) {
      cur = cur === '' ? part : `${cur}/${part}`;
      if (this.dirs.has(cur)) continue;
      const abs = join(this.root, cur);
      try {
        await mkdir(abs, { mode: 0o755 });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new BulwarkError('IO', `cannot create ${abs}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { cause: e });
      }
      const st = await lstat(abs);
      if (!st.isDirectory()) throw new UnsafeArtifactError(`refused: ${this.where}: ${JSON.stringify(cur.slice(0, 200))} is both a file and a folder`);
      this.dirs.add(cur);
    }
  }

  /** A new file (never an existing one, never through a link). */
  async createFile(rel: string): Promise<FileHandle> {
    const slash = rel.lastIndexOf('/');
    if (slash > 0) await this.ensureDir(rel.slice(0, slash));
    if (this.dirs.has(rel)) throw new UnsafeArtifactError(`refused: ${this.where}: ${JSON.stringify(rel.slice(0, 200))} is both a folder and a file`);
    try {
      return await open(join(this.root, rel), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || code === 'ELOOP' || code === 'EISDIR' || code === 'ENOTDIR') throw new UnsafeArtifactError(`refused: ${this.where}: the file ${JSON.stringify(rel.slice(0, 200))} appears twice in the artifact`);
      throw new BulwarkError('IO', `cannot write ${join(this.root, rel)}: ${code ?? String(e)}`, { cause: e });
    }
  }

  withWhere(where: string): FolderWriter {
    const w = new FolderWriter(this.root, where);
    for (const d of this.dirs) w.dirs.add(d);
    return w;
  }
}

/**
 * Buffered writes to a file handle, every byte written: chunks are gathered (not copied) until 1 MiB,
 * then written with one writev while the next batch gathers (hashing and receiving overlap the disk
 * write); an error surfaces at the next batch or at close. Chunks must not be modified after write().
 */
export class BufferedFile {
  private static readonly BATCH = 1024 * 1024;
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private inflight: Promise<void> = Promise.resolve();
  constructor(private readonly fh: FileHandle) {}
  private async submit(chunks: Buffer[]): Promise<void> {
    await this.inflight;
    const p = writevAll(this.fh, chunks);
    p.catch(() => undefined); // observed by the next submit or by close
    this.inflight = p;
  }
  async write(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return;
    this.batch.push(chunk);
    this.batchBytes += chunk.length;
    if (this.batchBytes >= BufferedFile.BATCH) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.batchBytes === 0) return;
    const chunks = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    await this.submit(chunks);
  }
  async close(): Promise<void> {
    try {
      await this.flush();
      await this.inflight;
    } finally {
      await this.fh.close();
    }
  }
}

/** writev until every byte is written (a short write continues where it stopped). */
async function writevAll(fh: FileHandle, chunks: Buffer[]): Promise<void> {
  let list = chunks;
  while (list.length > 0) {
    const total = list.reduce((n, c) => n + c.length, 0);
    const { bytesWritten } = await fh.writev(list);
    if (bytesWritten <= 0) throw new BulwarkError('IO', 'short write');
    if (bytesWritten >= total) return;
    let skip = bytesWritten;
    const rest: Buffer[] = [];
    for (const c of list) {
      if (skip >= c.length) {
        skip -= c.length;
        continue;
      }
      rest.push(skip > 0 ? c.subarray(skip) : c);
      skip = 0;
    }
    list = rest;
  }
}

/** Write a raw layer's bytes to `rel`. */
export async function writeRawLayer(w: FolderWriter, rel: string, chunks: AsyncIterable<Buffer>): Promise<number> {
  const f = new BufferedFile(await w.createFile(rel));
  let n = 0;
  try {
    for await (const c of chunks) {
      n += c.length;
      await f.write(c);
    }
  } finally {
    await f.close();
  }
  return n;
}

export interface TarLimits {
  readonly maxLayerPathBytes: number;
  readonly maxArchiveEntries: number;
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  '1': 'a hard link',
  '2': 'a symbolic link',
  '3': 'a character device',
  '4': 'a block device',
  '6': 'a FIFO',
  K: 'a GNU long link name',
};

function cstring(b: Buffer, at: number, len: number): string {
  const s = b.subarray(at, at + len);
  const z = s.indexOf(0);
  return (z >= 0 ? s.subarray(0, z) : s).toString('utf8');
}

function octalOrBase256(b: Buffer, at: number, len: number): number {
  const f = b.subarray(at, at + len);
  if (((f[0] ?? 0) & 0x80) !== 0) {
    let v = 0;
    for (let i = 1; i < f.length; i++) {
      v = v * 256 + (f[i] ?? 0);
      if (!Number.isSafeInteger(v)) throw new BulwarkError('MALFORMED', 'tar size field out of range');
    }
    return v;
  }
  const s = cstring(b, at, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new BulwarkError('MALFORMED', `tar header: bad number ${JSON.stringify(s.slice(0, 20))}`);
  return parseInt(s, 8);
}

function checksumOk(h: Buffer): boolean {
  const stored = octalOrBase256(h, 148, 8);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : (h[i] ?? 0);
  return sum === stored;
}

function parsePax(data: Buffer, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  let off = 0;
  while (off < data.length) {
    const sp = data.indexOf(0x20, off);
    if (sp < 0) break;
    const len = Number(data.subarray(off, sp).toString('latin1'));
    if (!Number.isSafeInteger(len) || len <= 0 || off + len > data.length) throw new BulwarkError('MALFORMED', `${where}: malformed pax header`);
    const rec = data.subarray(sp + 1, off + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    off += len;
  }
  return out;
}

/**
 * A streaming tar reader that writes regular files and folders through a FolderWriter and refuses
 * everything else (links, devices, FIFOs). Push chunks, then `end()`.
 */
export class TarExtractor {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private state: 'header' | 'data' | 'meta' | 'skip' | 'done' = 'header';
  private remaining = 0;
  private padding = 0;
  private file: BufferedFile | undefined;
  private meta: { type: string; chunks: Buffer[]; size: number } | undefined;
  private paxPath: string | undefined;
  private paxSize: number | undefined;
  private gnuLongName: string | undefined;
  private entries = 0;
  private zeroBlocks = 0;
  files = 0;

  constructor(
    private readonly w: FolderWriter,
    private readonly where: string,
    private readonly limits: TarLimits,
  ) {}

  private take(n: number): Buffer | undefined {
    if (this.pendingBytes < n) return undefined;
    const all = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending, this.pendingBytes);
    const head = all.subarray(0, n);
    const rest = all.subarray(n);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes = rest.length;
    return head;
  }

  async push(chunk: Buffer): Promise<void> {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    for (;;) {
      if (this.state === 'done') {
        this.pending = [];
        this.pendingBytes = 0;
        return;
      }
      if (this.state === 'header') {
        const h = this.take(512);
        if (h === undefined) return;
        await this.header(h);
        continue;
      }
      // data / meta / skip: pass through up to `remaining`, then the padding.
      if (this.remaining > 0) {
        if (this.pendingBytes === 0) return;
        const n = Math.min(this.remaining, this.pendingBytes);
        const part = this.take(n) as Buffer;
        this.remaining -= n;
        if (this.state === 'data') await (this.file as BufferedFile).write(part);
        else if (this.state === 'meta' && this.meta) this.meta.chunks.push(Buffer.from(part));
        if (this.remaining > 0) return;
      }
      if (this.padding > 0) {
        const pad = this.take(this.padding);
        if (pad === undefined) {
          // consume what is there
          const n = this.pendingBytes;
          this.take(n);
          this.padding -= n;
          return;
        }
        this.padding = 0;
      }
      await this.finishEntry();
      this.state = 'header';
    }
  }

  private async finishEntry(): Promise<void> {
    if (this.state === 'data' && this.file) {
      await this.file.close();
      this.file = undefined;
      this.files++;
    } else if (this.state === 'meta' && this.meta) {
      const data = Buffer.concat(this.meta.chunks);
      if (this.meta.type === 'x') {
        const pax = parsePax(data, this.where);
        if (pax['path'] !== undefined) this.paxPath = pax['path'];
        if (pax['size'] !== undefined) {
          const s = Number(pax['size']);
          if (!Number.isSafeInteger(s) || s < 0) throw new BulwarkError('MALFORMED', `${this.where}: bad pax size`);
          this.paxSize = s;
        }
      } else if (this.meta.type === 'L') this.gnuLongName = cstring(data, 0, data.length);
      this.meta = undefined;
    }
  }

  private async header(h: Buffer): Promise<void> {
    if (h.every((b) => b === 0)) {
      if (++this.zeroBlocks >= 2) this.state = 'done';
      return;
    }
    this.zeroBlocks = 0;
    if (!checksumOk(h)) throw new UnsafeArtifactError(`refused: ${this.where}: a tar header with a bad checksum`);
    if (++this.entries > this.limits.maxArchiveEntries) throw new LimitExceededError('maxArchiveEntries', this.limits.maxArchiveEntries, `${this.where}: more than maxArchiveEntries (${this.limits.maxArchiveEntries}) tar entries`);
    const type = String.fromCharCode(h[156] ?? 0);
    let size = octalOrBase256(h, 124, 12);
    const ustar = cstring(h, 257, 6) === 'ustar';
    const prefix = ustar ? cstring(h, 345, 155) : '';
    const rawName = cstring(h, 0, 100);
    if (type === 'x' || type === 'L' || type === 'g') {
      const maxMeta = type === 'L' ? this.limits.maxLayerPathBytes + 1 : 1024 * 1024;
      if (size > maxMeta) throw new LimitExceededError(type === 'L' ? 'maxLayerPathBytes' : 'maxRegistryResponseBytes', maxMeta, `${this.where}: a tar ${type === 'L' ? 'long name' : 'pax header'} of ${size} bytes`);
      this.state = type === 'g' ? 'skip' : 'meta';
      this.meta = { type, chunks: [], size };
      this.remaining = size;
      this.padding = (512 - (size % 512)) % 512;
      return;
    }
    const name = this.paxPath ?? this.gnuLongName ?? (prefix !== '' ? `${prefix}/${rawName}` : rawName);
    if (this.paxSize !== undefined) size = this.paxSize;
    this.paxPath = undefined;
    this.paxSize = undefined;
    this.gnuLongName = undefined;
    const entry = `${this.where}: tar entry ${JSON.stringify(name.slice(0, 200))}`;
    const bad = TYPE_NAMES[type];
    if (bad !== undefined) throw new UnsafeArtifactError(`refused: ${entry} is ${bad} (pull writes regular files and folders only)`);
    if (type !== '0' && type !== '\0' && type !== '7' && type !== '5') throw new UnsafeArtifactError(`refused: ${entry} has tar type ${JSON.stringify(type)} (pull writes regular files and folders only)`);
    const rel = name.replace(/^\.\/+/, '') === '' && type === '5' ? '' : safeRelativePath(name, this.limits.maxLayerPathBytes, this.where);
    if (type === '5') {
      if (rel !== '') await this.w.ensureDir(rel);
      this.state = 'skip';
      this.remaining = size;
      this.padding = (512 - (size % 512)) % 512;
      return;
    }
    this.file = new BufferedFile(await this.w.createFile(rel));
    this.state = 'data';
    this.remaining = size;
    this.padding = (512 - (size % 512)) % 512;
    if (size === 0 && this.padding === 0) {
      await this.finishEntry();
      this.state = 'header';
    }
  }

  /** Close a file left open by an error (the caller removes the folder). */
  async abort(): Promise<void> {
    const f = this.file;
    this.file = undefined;
    if (f) await f.close().catch(() => undefined);
  }

  /** The stream ended: it must end between entries. */
  async end(): Promise<void> {
    if (this.file) {
      await this.file.close();
      this.file = undefined;
    }
    if (this.state !== 'done' && this.state !== 'header') throw new UnsafeArtifactError(`refused: ${this.where}: the tar stream ends inside an entry`);
    if (this.state === 'header' && this.pendingBytes > 0) throw new UnsafeArtifactError(`refused: ${this.where}: the tar stream ends inside a header`);
  }
}
