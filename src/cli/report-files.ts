/**
 * What the HTML and CycloneDX reports need from the scanned files besides the report: source lines
 * for snippets (text files up to `maxTextBytes`) and SHA-256 hashes (files up to `maxReadBytes`, read
 * in chunks). Only regular files; anything unreadable or over the bound gives nothing (the report says
 * less, never fails).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';

const CHUNK = 1 << 20;

function withFile<T>(path: string, maxBytes: number, fn: (fd: number, size: number) => T): T | undefined {
  if (path === '-' || path.includes('://')) return undefined;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > maxBytes) return undefined;
    return fn(fd, st.size);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function sourceLinesReader(maxBytes: number): (path: string) => readonly string[] | undefined {
  return (path) =>
    withFile(path, maxBytes, (fd, size) => {
      const buf = Buffer.alloc(size);
      let off = 0;
      while (off < size) {
        const n = readSync(fd, buf, off, Math.min(CHUNK, size - off), off);
        if (n === 0) break;
        off += n;
      }
      return buf.subarray(0, off).toString('utf8').split(/\r?\n/);
    });
}

export function sha256Reader(maxBytes: number): (path: string) => string | undefined {
  return (path) =>
    withFile(path, maxBytes, (fd, size) => {
      const h = createHash('sha256');
      const buf = Buffer.alloc(Math.min(CHUNK, Math.max(1, size)));
      let off = 0;
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, off);
        if (n === 0) break;
        h.update(buf.subarray(0, n));
        off += n;
      }
      return h.digest('hex');
    });
}
