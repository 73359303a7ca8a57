/**
 * Bounded tar reader (POSIX ustar, pax extended headers, GNU long names, v7), following Python's
 * `tarfile` where readers differ, since PyTorch's legacy format is read with it:
 * - header checksums are verified (unsigned or signed sum, as tarfile accepts both);
 * - the archive ends at the first all-zero block or, after the first member, at the first invalid
 *   header: tarfile stops silently there, so anything after it is hidden from Python (reported);
 * - pax `path`, `linkpath` and `size` records and GNU `L`/`K` long names apply to the next member;
 * - sizes are octal or GNU base-256; a member whose data runs past the end is truncated.
 * Member data is never read here.
 */
import { BulwarkError, LimitExceededError } from '../../findings/index.js';
import type { ByteSource } from '../../limits/index.js';
import { isTarHeader } from '../magic.js';

const BLOCK = 512;
/** Types tarfile knows; any other type is read as a regular file (tarfile's SUPPORTED_TYPES). */
const SUPPORTED_TYPES = new Set(['0', '1', '2', '3', '4', '5', '6', '7', 'S', 'L', 'K', 'x', 'g']);
/** Types whose data blocks tarfile skips (regular, contiguous, sparse, or unknown). */
export function carriesData(type: string): boolean {
  return type === '0' || type === '7' || type === 'S' || !SUPPORTED_TYPES.has(type);
}

export interface TarEntry {
  readonly name: string;
  /** Type flag character ('0' regular, '2' symlink, '5' directory...). */
  readonly type: string;
  readonly size: number;
  readonly headerOffset: number;
  readonly dataOffset: number;
  readonly linkName: string;
}

export type TarIssueKind = 'path-traversal' | 'link-member' | 'duplicate-member' | 'trailing-data';

export interface TarIssue {
  readonly kind: TarIssueKind;
  readonly message: string;
  readonly entry?: string;
  readonly offset?: number;
}

export interface TarArchive {
  readonly entries: readonly TarEntry[];
  readonly issues: readonly TarIssue[];
  /** Region after the point where Python's tarfile stops reading, when it is not all zeros. */
  readonly trailing?: { readonly start: number; readonly end: number };
  /** Set when the listing is incomplete (limit, truncated archive, unsupported member type). */
  readonly error?: BulwarkError;
}

export interface TarParseOptions {
  readonly maxEntries: number;
  /** Bound on pax headers and GNU long names read into memory. */
  readonly maxStringBytes: number;
}

function cstring(b: Uint8Array, start: number, len: number): string {
  let end = start;
  while (end < start + len && b[end] !== 0) end++;
  return Buffer.from(b.subarray(start, end)).toString('utf8');
}

/** Octal (space/NUL padded) or GNU base-256 number field; undefined when invalid. */
export function tarNumber(b: Uint8Array, start: number, len: number): number | undefined {
  const first = b[start] ?? 0;
  if (first & 0x80) {
    if (first === 0xff) return undefined; // negative
    let v = first & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + (b[start + i] ?? 0);
    return Number.isSafeInteger(v) ? v : undefined;
  }
  const s = Buffer.from(b.subarray(start, start + len)).toString('latin1').replace(/[\0 ]+$/, '').replace(/^ +/, '');
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) return undefined;
  const v = parseInt(s, 8);
  return Number.isSafeInteger(v) ? v : undefined;
}

/** pax extended header records: "<len> <key>=<value>\n". */
function parsePax(data: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  let p = 0;
  while (p < data.length) {
    let sp = p;
    while (sp < data.length && data[sp] !== 0x20) sp++;
    const len = Number(Buffer.from(data.subarray(p, sp)).toString('latin1'));
    if (!Number.isSafeInteger(len) || len <= sp - p || p + len > data.length) break;
    const rec = Buffer.from(data.subarray(sp + 1, p + len - 1)).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out.set(rec.slice(0, eq), rec.slice(eq + 1));
    p += len;
  }
  return out;
}

export function unsafeTarName(name: string): string | undefined {
  if (name.includes('\0')) return 'contains a NUL byte';
  if (name.startsWith('/')) return 'is an absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'starts with a drive letter';
  if (name.split(/[/\\]/).includes('..')) return 'contains a `..` path segment';
  return undefined;
}

export function parseTar(source: ByteSource, opts: TarParseOptions): TarArchive {
  const entries: TarEntry[] = [];
  const issues: TarIssue[] = [];
  const seen = new Map<string, number>();
  let offset = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Map<string, string> | undefined;
  let error: BulwarkError | undefined;
  let trailing: { start: number; end: number } | undefined;
  const readSpecial = (dataOffset: number, size: number, what: string): Uint8Array => {
    if (size > opts.maxStringBytes) throw new LimitExceededError('maxStringBytes', opts.maxStringBytes, `tar ${what} of ${size} bytes exceeds maxStringBytes`);
    const d = source.read(dataOffset, size);
    if (d.length < size) throw new BulwarkError('MALFORMED', `tar: ${what} is truncated`);
    return d;
  };
  try {
    for (;;) {
      if (offset + BLOCK > source.size) {
        if (offset < source.size) trailing = { start: offset, end: source.size };
        if (offset === 0) throw new BulwarkError('MALFORMED', 'tar: no header');
        break;
      }
      const h = source.read(offset, BLOCK);
      if (h.every((b) => b === 0)) {
        // End of archive for tarfile; anything non-zero after it is invisible to Python.
        let rest = offset + BLOCK;
        if (rest < source.size && !allZero(source, rest)) {
          // Skip further zero blocks (the second end-of-archive block, record padding).
          while (rest + BLOCK <= source.size && source.read(rest, BLOCK).every((b) => b === 0)) rest += BLOCK;
          trailing = { start: rest, end: source.size };
        }
        break;
      }
      if (!isTarHeader(h)) {
        if (offset === 0) throw new BulwarkError('MALFORMED', 'tar: invalid first header');
        trailing = { start: offset, end: source.size };
        issues.push({ kind: 'trailing-data', message: `invalid tar header at offset ${offset}: Python\u2019s tarfile silently stops reading there, other tar readers may continue`, offset });
        break;
      }
      if (entries.length >= opts.maxEntries) throw new LimitExceededError('maxArchiveEntries', opts.maxEntries, `tar archive has more than maxArchiveEntries (${opts.maxEntries}) members`);
      const type = (h[156] ?? 0) === 0 ? '0' : String.fromCharCode(h[156] ?? 0x30);
      let size = tarNumber(h, 124, 12);
      if (size === undefined) throw new BulwarkError('MALFORMED', `tar: bad size field at offset ${offset}`);
      const dataOffset = offset + BLOCK;
      const paxSize = pax?.get('size');
      if (paxSize !== undefined && /^\d+$/.test(paxSize)) size = Number(paxSize);
      let next = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
      if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
        const d = readSpecial(dataOffset, size, type === 'L' ? 'long name' : type === 'K' ? 'long link name' : 'pax header');
        if (type === 'x') pax = parsePax(d);
        else if (type === 'L') longName = cstring(d, 0, d.length);
        else if (type === 'K') longLink = cstring(d, 0, d.length);
        offset = next;
        continue;
      }
      const magic = Buffer.from(h.subarray(257, 263)).toString('latin1');
      const prefix = magic === 'ustar\0' ? cstring(h, 345, 155) : '';
      let name = cstring(h, 0, 100);
      if (prefix) name = `${prefix}/${name}`;
      name = pax?.get('path') ?? longName ?? name;
      // tarfile reads the next header right after a link/directory/device header, whatever its size.
      if (!carriesData(type)) next = dataOffset;
      const linkName = pax?.get('linkpath') ?? longLink ?? cstring(h, 157, 100);
      pax = undefined;
      longName = undefined;
      longLink = undefined;
      const effectiveType = type === '0' && name.endsWith('/') ? '5' : type;
      const entry: TarEntry = { name, type: effectiveType, size, headerOffset: offset, dataOffset, linkName };
      entries.push(entry);
      const why = unsafeTarName(name);
      if (why) issues.push({ kind: 'path-traversal', message: `member name ${why}`, entry: name, offset });
      if (type === '1' || type === '2') {
        const linkWhy = unsafeTarName(linkName);
        issues.push({
          kind: 'link-member',
          message: `member is a ${type === '2' ? 'symbolic' : 'hard'} link to ${JSON.stringify(linkName.slice(0, 200))}${linkWhy ? ` (the target ${linkWhy})` : ''}`,
          entry: name,
          offset,
        });
      }
      if (type !== '5') {
        const prior = seen.get(name);
        if (prior !== undefined) {
          issues.push({ kind: 'duplicate-member', message: `member name appears more than once (at offsets ${prior} and ${offset}): tarfile\u2019s getmember and extract use the last, other tools the first`, entry: name, offset });
        } else {
          seen.set(name, offset);
        }
      }
      if (dataOffset + size > source.size && carriesData(type)) {
        throw new BulwarkError('MALFORMED', `tar: member ${JSON.stringify(name.slice(0, 200))} is truncated`);
      }
      offset = next;
    }
  } catch (e) {
    error = e instanceof BulwarkError ? e : new BulwarkError('INTERNAL', String(e), { cause: e });
    if (entries.length === 0 && !(e instanceof LimitExceededError)) throw error;
  }
  if (trailing && !issues.some((i) => i.kind === 'trailing-data')) {
    issues.push({ kind: 'trailing-data', message: `${trailing.end - trailing.start} bytes after the end of the tar archive`, offset: trailing.start });
  }
  return { entries, issues, ...(trailing && { trailing }), ...(error && { error }) };
}

/** Whether source[from:] is all zero bytes (checked in bounded chunks). */
function allZero(source: ByteSource, from: number): boolean {
  const CHUNK = 64 * 1024;
  for (let p = from; p < source.size; p += CHUNK) {
    const b = source.read(p, CHUNK);
    for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  }
  return true;
}
