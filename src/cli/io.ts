import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
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
