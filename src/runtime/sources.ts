/**
 * Line sources for the event inputs: a file read once or followed as it grows (Falco's `file_output`,
 * Tetragon's export file, a replay), with rotation and truncation handled by reopening, and stdin.
 * Lines are bounded by `maxEventBytes` through `readLines` (limits/event-source.ts).
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LineRecord } from '../limits/index.js';
import { readLines } from '../limits/index.js';

export interface FollowOptions {
  /** Keep reading as the file grows (tail -F); otherwise stop at the end. */
  readonly follow: boolean;
  /** Start at the end of the file (only new lines); default: from the start. */
  readonly fromEnd?: boolean;
  /** How often a followed file is checked for growth (ms). */
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
}

const CHUNK = 64 * 1024;

/** Chunks of a file, followed across growth, truncation and replacement (inode change). */
export async function* fileChunks(path: string, o: FollowOptions): AsyncGenerator<Uint8Array> {
  let fd: number | undefined;
  let ino = -1;
  let offset = 0;
  const buf = Buffer.allocUnsafe(CHUNK);
  const open = (): boolean => {
    try {
      fd = openSync(path, 'r');
      const st = fstatSync(fd);
      ino = st.ino;
      return true;
    } catch {
      fd = undefined;
      return false;
    }
  };
  if (!open() && !o.follow) throw new Error(`cannot open ${path}`);
  if (fd !== undefined && o.fromEnd === true) offset = fstatSync(fd).size;
  try {
    while (o.signal?.aborted !== true) {
      if (fd === undefined) {
        if (!open()) {
          await sleep(o.pollMs ?? 250, undefined, { signal: o.signal }).catch(() => undefined);
          continue;
        }
        offset = 0;
      }
      const n = readSync(fd as number, buf, 0, CHUNK, offset);
      if (n > 0) {
        offset += n;
        yield buf.subarray(0, n).slice();
        continue;
      }
      if (!o.follow) return;
      // At the end: rotated (new inode) or truncated? Reopen; else wait for growth.
      let st: { ino: number; size: number } | undefined;
      try {
        st = statSync(path);
      } catch {
        st = undefined;
      }
      if (st === undefined || st.ino !== ino || st.size < offset) {
        closeSync(fd as number);
        fd = undefined;
        if (st === undefined) await sleep(o.pollMs ?? 250, undefined, { signal: o.signal }).catch(() => undefined);
        continue;
      }
      await sleep(o.pollMs ?? 250, undefined, { signal: o.signal }).catch(() => undefined);
    }
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Lines of a file (bounded by `maxLineBytes`), followed or read once. */
export function fileLines(path: string, maxLineBytes: number, o: FollowOptions): AsyncGenerator<LineRecord> {
  return readLines(fileChunks(path, o), maxLineBytes);
}
