import { randomBytes } from 'node:crypto';
import { closeSync, fdatasync, fsyncSync, openSync, renameSync, rmSync, unlinkSync, write as writeCb, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BulwarkError } from '../findings/index.js';

/** Temporary files being written right now: removed if the process is interrupted (SIGINT/SIGTERM). */
const pending = new Set<string>();

function removeQuietly(p: string): void {
  try {
    unlinkSync(p);
  } catch {
    // already gone, or never created
  }
}

/** Private temporary folders (pulls, scans of oci:// references): removed with the pending files. */
const pendingDirs = new Set<string>();

/** Remove `dir` (recursively) if the process is interrupted before `releaseTempDir`. */
export function trackTempDir(dir: string): void {
  pendingDirs.add(dir);
}

/** Stop tracking a temporary folder (renamed into place, or already removed). */
export function untrackTempDir(dir: string): void {
  pendingDirs.delete(dir);
}

/** Remove a tracked temporary folder now (quietly) and stop tracking it. */
export function releaseTempDir(dir: string): void {
  pendingDirs.delete(dir);
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // already gone
  }
}

/** Remove every temporary file (and tracked temporary folder) still pending (signal handlers and fatal errors call this). */
export function removePendingFiles(): void {
  for (const p of pending) removeQuietly(p);
  pending.clear();
  for (const d of [...pendingDirs]) releaseTempDir(d);
}

function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOSPC':
      return 'no space left on the device (ENOSPC)';
    case 'EROFS':
      return 'read-only file system (EROFS)';
    case 'EDQUOT':
      return 'disk quota exceeded (EDQUOT)';
    case 'EFBIG':
      return 'file too large for this file system or for the process\'s file size limit (EFBIG)';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code})`;
    case 'ENOENT':
      return 'no such directory (ENOENT)';
    default:
      return code ?? String(e);
  }
}

/**
 * Write a file all or nothing: a temporary file in the same directory, every byte written (short writes
 * are retried, never ignored), fsync, then rename over the target. On any error — ENOSPC, EROFS, EIO —
 * the temporary file is removed and the target is untouched, and the error says what happened. A
 * SIGINT/SIGTERM during the write removes the temporary file too (see `installSignalCleanup`).
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    pending.add(tmp);
    let off = 0;
    while (off < bytes.length) {
      const n = writeSync(fd, bytes, off, bytes.length - off);
      if (n <= 0) throw Object.assign(new Error('short write'), { code: 'EIO' });
      off += n;
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
    pending.delete(tmp);
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // the write error is the one to report
      }
    }
    removeQuietly(tmp);
    pending.delete(tmp);
    throw new BulwarkError('IO', `cannot write ${path}: ${errnoText(e)}; nothing was written`, { cause: e });
  }
}

/**
 * A file written all or nothing, in pieces: `write` appends (short writes retried), `writeAt`
 * overwrites bytes already written (a header patched last), `finish` fsyncs and closes the temporary
 * file, `commit` renames it over the target; `abort` removes it. The temporary file is removed on
 * SIGINT/SIGTERM like writeFileAtomic's. `commitAll` renames several finished files (a sharded
 * output): if one rename fails, the targets already renamed are removed, so none or all appear.
 */
export class AtomicFile {
  private fd: number | undefined;
  private readonly tmp: string;
  private pos = 0;
  private done = false;
  /** Bytes appended since the last background flush was started. */
  private unflushed = 0;
  private flushing: Promise<void> | undefined;
  private flushError: unknown;

  /** Start writing back to disk in the background every this many bytes (the final fsync then has less to do). */
  static readonly FLUSH_EVERY = 128 * 1024 * 1024;

  constructor(readonly path: string) {
    this.tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      this.fd = openSync(this.tmp, 'wx', 0o644);
      pending.add(this.tmp);
    } catch (e) {
      throw new BulwarkError('IO', `cannot write ${path}: ${errnoText(e)}; nothing was written`, { cause: e });
    }
  }

  private writeFully(data: Uint8Array, position: number): void {
    if (this.fd === undefined) throw new BulwarkError('IO', `cannot write ${this.path}: already closed`);
    let off = 0;
    while (off < data.length) {
      let n: number;
      try {
        n = writeSync(this.fd, data, off, data.length - off, position + off);
      } catch (e) {
        this.abort();
        throw new BulwarkError('IO', `cannot write ${this.path}: ${errnoText(e)}; nothing was written`, { cause: e });
      }
      if (n <= 0) {
        this.abort();
        throw new BulwarkError('IO', `cannot write ${this.path}: short write (EIO); nothing was written`);
      }
      off += n;
    }
  }

  /** Append synchronously. */
  write(data: Uint8Array): void {
    this.writeFully(data, this.pos);
    this.pos += data.length;
  }

  /**
   * Append asynchronously: the position is taken now, the write runs on libuv's thread pool (so the
   * caller can hash the next chunk meanwhile); `data` must stay intact until the promise settles.
   */
  append(data: Uint8Array): Promise<void> {
    const at = this.pos;
    this.pos += data.length;
    this.unflushed += data.length;
    if (this.unflushed >= AtomicFile.FLUSH_EVERY && this.flushing === undefined && this.fd !== undefined) {
      // Write back what is written so far while the caller produces the rest (as a durable cp would
      // have to at the end): fdatasync runs on the thread pool; an error fails finish().
      this.unflushed = 0;
      const fdNow = this.fd;
      this.flushing = new Promise((resolve) => {
        fdatasync(fdNow, (err) => {
          if (err !== null) this.flushError = err;
          this.flushing = undefined;
          resolve();
        });
      });
    }
    const fd = this.fd;
    if (fd === undefined) return Promise.reject(new BulwarkError('IO', `cannot write ${this.path}: already closed`));
    return new Promise((resolve, reject) => {
      const step = (off: number): void => {
        if (off >= data.length) {
          resolve();
          return;
        }
        writeCb(fd, data, off, data.length - off, at + off, (err, n) => {
          if (err !== null || n <= 0) {
            this.abort();
            reject(new BulwarkError('IO', `cannot write ${this.path}: ${err === null ? 'short write (EIO)' : errnoText(err)}; nothing was written`, { cause: err ?? undefined }));
            return;
          }
          step(off + n);
        });
      };
      step(0);
    });
  }

  writeAt(position: number, data: Uint8Array): void {
    this.writeFully(data, position);
  }

  /** Wait for a background flush in flight (call before finish when append was used). */
  async settle(): Promise<void> {
    if (this.flushing !== undefined) await this.flushing;
  }

  /** fsync and close (the data is on disk under the temporary name). */
  finish(): void {
    if (this.fd === undefined) return;
    try {
      if (this.flushError !== undefined) throw this.flushError;
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = undefined;
    } catch (e) {
      this.abort();
      throw new BulwarkError('IO', `cannot write ${this.path}: ${errnoText(e)}; nothing was written`, { cause: e });
    }
  }

  /** Rename over the target (after finish). */
  commit(): void {
    this.finish();
    try {
      renameSync(this.tmp, this.path);
      pending.delete(this.tmp);
      this.done = true;
    } catch (e) {
      this.abort();
      throw new BulwarkError('IO', `cannot write ${this.path}: ${errnoText(e)}; nothing was written`, { cause: e });
    }
  }

  abort(): void {
    if (this.done) return;
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // the first error is the one to report
      }
      this.fd = undefined;
    }
    removeQuietly(this.tmp);
    pending.delete(this.tmp);
  }

  static commitAll(files: readonly AtomicFile[]): void {
    for (const f of files) f.finish();
    const renamed: AtomicFile[] = [];
    try {
      for (const f of files) {
        f.commit();
        renamed.push(f);
      }
    } catch (e) {
      for (const f of renamed) removeQuietly(f.path);
      for (const f of files) f.abort();
      throw e;
    }
  }
}

/** The exit code to use when the process ends early on a signal (128 + signal number). */
const SIGNAL_EXIT: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/** On SIGINT/SIGTERM/SIGHUP: remove pending temporary files, then exit with 128 + the signal number. */
export function installSignalCleanup(): void {
  for (const sig of Object.keys(SIGNAL_EXIT) as NodeJS.Signals[]) {
    process.once(sig, () => {
      removePendingFiles();
      process.exit(SIGNAL_EXIT[sig] ?? 1);
    });
  }
}

/**
 * Standard output that ends quietly when the reader goes away (`bulwark scan . | head`: EPIPE ends the
 * process with the exit code it already had, as other command-line tools do) and reports any other
 * write failure (`> /dev/full`: ENOSPC) as one line with exit code 2 instead of a stack trace.
 */
export function guardStdout(): void {
  const onError = (e: NodeJS.ErrnoException): void => {
    if (e.code === 'EPIPE') {
      removePendingFiles();
      process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    }
    try {
      process.stderr.write(`bulwark: cannot write to standard output: ${errnoText(e)}\n`);
    } catch {
      // stderr is gone too
    }
    removePendingFiles();
    process.exit(2);
  };
  process.stdout.on('error', onError);
  process.stderr.on('error', () => undefined);
}

/**
 * Write `text` to standard output and wait until it has been handed to the OS (so that the exit code
 * is set only after the output is out, and a write error surfaces through `guardStdout`).
 */
export function writeStdout(text: string): Promise<void> {
  return new Promise((resolve) => {
    if (text === '') {
      resolve();
      return;
    }
    process.stdout.write(text, () => resolve());
  });
}

/** Read all of stdin, refusing more than `max` bytes; empty stdin is a usage error (nothing to scan). */
export async function readStdin(max: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of process.stdin) {
    const b = chunk as Buffer;
    n += b.length;
    if (n > max) throw new BulwarkError('USAGE', `stdin is larger than maxReadBytes (${max} bytes)`);
    chunks.push(b);
  }
  if (n === 0) throw new BulwarkError('USAGE', 'stdin (-) is empty: nothing to scan');
  return Buffer.concat(chunks);
}

export function useColor(stream: NodeJS.WriteStream, noColorFlag: boolean): boolean {
  if (noColorFlag) return false;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  const force = process.env.FORCE_COLOR;
  if (force !== undefined && force !== '' && force !== '0' && force !== 'false') return true;
  return stream.isTTY === true;
}
