/**
 * Resource names: canonical relative POSIX paths, their order, and ignore-path matching.
 *
 * Order. OMS §6.4 says "sorted lexicographically by name"; the reference implementation sorts its
 * manifest keys as Python objects: a file key is a `PurePosixPath`, which compares component by
 * component (so `tok/vocab.json` < `tok.json`, because `tok` < `tok.json`), and a shard key is the
 * tuple `(path, start, end)`, which compares offsets as integers (so `w:9000000000:…` sorts before
 * `w:10000000000:…`). Both orders verify everywhere (verifiers hash the digests in the order listed);
 * Bulwark writes the reference's order so its root digest equals the reference's for the same model.
 * Python compares `str` by code point, which is UTF-8 byte order; JavaScript compares UTF-16 code
 * units, which differs above U+FFFF, so names are compared as UTF-8 bytes here.
 */
import { BulwarkError } from '../findings/index.js';

/** Compare two path names component by component, each component by UTF-8 bytes (Python PurePosixPath). */
export function comparePathNames(a: string, b: string): number {
  if (a === b) return 0;
  // Components cannot contain NUL or '/', so mapping '/' to NUL (the lowest byte) turns the
  // component-wise comparison into one byte comparison.
  return Buffer.compare(Buffer.from(a.replaceAll('/', '\0'), 'utf8'), Buffer.from(b.replaceAll('/', '\0'), 'utf8'));
}

export interface ShardName {
  readonly path: string;
  readonly start: number;
  readonly end: number;
}

/**
 * Split `path:start:end`. Names may contain colons, so the offsets are the last two colon-separated
 * decimal integers (OMS §6.3.2), not the first split.
 */
export function parseShardName(name: string): ShardName | undefined {
  const m = /^(.*):(0|[1-9][0-9]{0,15}):(0|[1-9][0-9]{0,15})$/s.exec(name);
  if (!m || m[1] === undefined || m[2] === undefined || m[3] === undefined) return undefined;
  const start = Number(m[2]);
  const end = Number(m[3]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) return undefined;
  return { path: m[1], start, end };
}

export function shardName(path: string, start: number, end: number): string {
  return `${path}:${start}:${end}`;
}

/** Reference order of shard resources: path (component-wise), then start and end as integers. */
export function compareShardNames(a: ShardName, b: ShardName): number {
  return comparePathNames(a.path, b.path) || a.start - b.start || a.end - b.end;
}

/**
 * Canonicalise a relative POSIX path as `PurePosixPath` does (collapse `//`, drop `.` components and
 * trailing `/`). Returns undefined for paths OMS forbids: absolute, `..` components, empty, NUL.
 * The single-file name `.` is returned as `.`.
 */
export function canonicalRelativePath(name: string): string | undefined {
  if (name === '.' ) return '.';
  if (name.length === 0 || name.includes('\0') || name.startsWith('/')) return undefined;
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.includes('..')) return undefined;
  return parts.join('/');
}

/** True when `rel` equals `ignore` or lies under it (Python `Path.is_relative_to`, component-wise). */
export function isUnder(rel: string, ignore: string): boolean {
  return rel === ignore || rel.startsWith(`${ignore}/`);
}

/**
 * Validate a user-given ignore path (relative to the model root). OMS §6.2.1: no glob characters,
 * no leading `/`, no `..`. Returns the canonical form.
 */
export function checkIgnorePath(p: string): string {
  const canon = canonicalRelativePath(p.replaceAll('\\', '/'));
  if (canon === undefined || canon === '.') {
    throw new BulwarkError('USAGE', `ignore path "${p}" must be a relative path inside the model (no leading "/", no "..")`);
  }
  if (/[*?[]/.test(canon)) {
    throw new BulwarkError('USAGE', `ignore path "${p}" contains a glob character; OMS ignore paths are literal paths`);
  }
  return canon;
}

/** Sort and de-duplicate strings by code point (the order Bulwark records `ignore_paths` in). */
export function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}
