/**
 * Bulwark's own zip reader. It reads archives the way PyTorch (miniz, via PyTorchStreamReader)
 * and Python's `zipfile` read them — by central-directory name, with sizes and offsets from the
 * central directory — and records every place where those loaders, or streaming readers that walk
 * local headers, could see something different:
 *
 * - local header name, flags, method, CRC or sizes differing from the central directory;
 * - duplicate names (exact, or differing only in ASCII case: miniz looks names up case-insensitively);
 * - entries whose data overlap each other or the central directory;
 * - data before the first entry, between entries (possibly a hidden local entry) or after the EOCD;
 * - offsets relative to a prepended stub (Python adds the shift, miniz does not);
 * - zip64 records that readers locate differently (Python assumes the record sits right before its
 *   locator, miniz follows the locator) or that disagree with the classic EOCD;
 * - EOCD entry counts that differ from the records present (miniz reads by count, Python by size);
 * - names with `..`, absolute paths, backslashes, drive letters or NUL; symbolic-link entries;
 * - an EOCD that strict readers (which need the comment to end at EOF) do not pick.
 *
 * Nothing here decompresses or reads member data; `scan-zip.ts` does that with limits.
 * Formats: APPNOTE.TXT 6.3.10; miniz 3.x `mz_zip_reader_*`; CPython `Lib/zipfile/__init__.py`.
 */
import { crc32 } from 'node:zlib';
import { BulwarkError, LimitExceededError } from '../../findings/index.js';
import type { ByteSource } from '../../limits/index.js';

export const SIG_LOCAL = 0x04034b50;
export const SIG_CENTRAL = 0x02014b50;
export const SIG_EOCD = 0x06054b50;
export const SIG_ZIP64_EOCD = 0x06064b50;
export const SIG_ZIP64_LOCATOR = 0x07064b50;
export const SIG_DESCRIPTOR = 0x08074b50;

const EOCD_SIZE = 22;
/** Bytes read at a local header: the fixed part plus, usually, its name and extra field. */
const LOCAL_READ = 1024;
const MAX_COMMENT = 0xffff;
const ZIP64_EOCD_SIZE = 56;
const ZIP64_LOCATOR_SIZE = 20;

export type ZipIssueKind =
  | 'local-name-mismatch'
  | 'flag-mismatch'
  | 'header-mismatch'
  | 'duplicate-name'
  | 'overlapping-entries'
  | 'prepended-data'
  | 'appended-data'
  | 'unreferenced-data'
  | 'zip64-inconsistency'
  | 'central-directory-mismatch'
  | 'path-traversal'
  | 'symlink-member'
  | 'missing-local-header';

export interface ZipIssue {
  readonly kind: ZipIssueKind;
  readonly message: string;
  /** Absolute offset in the source. */
  readonly offset?: number;
  /** Length of the region concerned, when the issue is about a region. */
  readonly length?: number;
  /** Central-directory name of the entry concerned. */
  readonly entry?: string;
  /** Severity override: the same kind can be graver when loaders demonstrably disagree. */
  readonly severity?: 'critical' | 'high' | 'medium' | 'low' | 'info';
}

export interface ZipRegion {
  readonly start: number;
  readonly end: number;
}

export interface ZipEntry {
  /** Index in the central directory (the order miniz numbers files; index 0 names PyTorch's root). */
  readonly index: number;
  /** Readable name (UTF-8 when valid, otherwise Latin-1); data, never a path. */
  readonly name: string;
  /** Exact name bytes as a Latin-1 string: the identity used for comparisons. */
  readonly key: string;
  readonly flags: number;
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  /** Absolute offset of the local header in the source (any prepended-stub shift applied). */
  readonly localHeaderOffset: number;
  /** Absolute offset of the data, from the local header's name and extra lengths; -1 when no local header. */
  dataOffset: number;
  /** End of the entry's bytes (data plus data descriptor); -1 when unknown. */
  spanEnd: number;
  /** General-purpose flags of the local header (-1 when none). */
  localFlags: number;
  readonly isDirectory: boolean;
  readonly isSymlink: boolean;
  readonly encrypted: boolean;
}

/** Entries by ASCII-case-folded name (miniz's lookup), built once per archive. */
export interface ZipNameIndex {
  /** Every entry whose name folds to `foldedName` (see asciiLower), in central-directory order. */
  lookup(foldedName: string): readonly ZipEntry[];
}

/** How one reader family locates the central directory. */
export interface ZipView {
  readonly label: string;
  /** Absolute start of the central directory. */
  readonly cdStart: number;
  readonly cdSize: number;
  readonly declaredEntries: number;
  /** Bytes added to every stored offset (Python's "concat" for prepended stubs). */
  readonly shift: number;
}

export interface ZipArchive {
  readonly entries: readonly ZipEntry[];
  /** Case-folded name index of `entries`. */
  readonly names: ZipNameIndex;
  readonly issues: readonly ZipIssue[];
  readonly eocdOffset: number;
  readonly view: ZipView;
  /** A second central directory that another family of readers would use (scanned too). */
  readonly alternateViews: readonly ZipView[];
  /** Entries of the alternate views (their layout problems are not reported twice). */
  readonly alternateEntries: readonly ZipEntry[];
  /** An earlier EOCD that strict readers (comment must end at EOF) would use instead. */
  readonly alternateEocd?: number;
  readonly comment: ZipRegion;
  /** Regions outside every entry, the central directory and the EOCD (prepended, gaps, appended). */
  readonly prepended?: ZipRegion;
  readonly gaps: readonly ZipRegion[];
  readonly appended?: ZipRegion;
  readonly zip64: boolean;
  /** Set when the entry list is incomplete (limit or malformed central directory). */
  readonly error?: BulwarkError;
  /** Issues counted but not kept, per kind (past `maxIssuesPerKind`). */
  readonly omittedIssues: ReadonlyMap<ZipIssueKind, number>;
}

export interface ZipParseOptions {
  readonly maxEntries: number;
  /**
   * Issues kept in detail per kind (the scanner passes `maxFindingsPerRule`: what the report lists);
   * further ones are only counted (`omittedIssues`), so memory stays bounded. Default 20.
   */
  readonly maxIssuesPerKind?: number;
  /** Parse from this EOCD instead of the one readers pick (to scan an alternate view). */
  readonly eocdOffset?: number;
  /** Called once the central directory is read, before local headers are (primary view only). */
  readonly onDirectory?: (entries: readonly ZipEntry[], names: ZipNameIndex) => void;
  /**
   * Called for each entry right after its local header was read and checked (primary view only),
   * so a caller can sniff the entry while the bytes around its header are still in the source's
   * block cache: one pass over the archive instead of two.
   */
  readonly onEntry?: (entry: ZipEntry) => void;
}

function le16(b: Uint8Array, o: number): number {
  return (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8);
}
function le32(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) | ((b[o + 1] ?? 0) << 8) | ((b[o + 2] ?? 0) << 16) | ((b[o + 3] ?? 0) << 24)) >>> 0;
}
function le64(b: Uint8Array, o: number): number {
  return le32(b, o) + le32(b, o + 4) * 2 ** 32;
}

const NONE: readonly string[] = [];
const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Lenient = new TextDecoder('utf-8');

export function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
}

function isAscii(b: Uint8Array): boolean {
  return isAsciiRange(b, 0, b.length);
}

function isAsciiRange(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if ((b[i] as number) >= 0x80) return false;
  return true;
}

const EMPTY = new Uint8Array(0);

export function displayName(b: Uint8Array, utf8Flag: boolean, asLatin1?: string): string {
  if (isAscii(b)) return asLatin1 ?? latin1(b);
  if (utf8Flag) return utf8Lenient.decode(b);
  try {
    return utf8.decode(b);
  } catch {
    return latin1(b);
  }
}

/** ASCII lower-casing, as miniz's MZ_TOLOWER compares names. */
export function asciiLower(s: string): string {
  // Hot: called for every entry name and every storage lookup. A char loop beats a RegExp test here.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return s.replace(/[A-Z]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 32));
  }
  return s;
}

/** Why a member name is unsafe to extract, or undefined. */
export function unsafeName(name: string): string | undefined {
  // Fast path: nothing that any of the checks below could match.
  if (!name.includes('..') && !name.includes('\\') && !name.includes('\0') && name[0] !== '/' && name[1] !== ':') return undefined;
  if (name.includes('\0')) return 'contains a NUL byte (C readers truncate the name there)';
  if (name.startsWith('/')) return 'is an absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'starts with a drive letter';
  if (name.startsWith('\\')) return 'is an absolute Windows path';
  if (name.split(/[/\\]/).includes('..')) return 'contains a `..` path segment';
  if (name.includes('\\')) return 'contains a backslash (a directory separator on Windows)';
  return undefined;
}

class Issues {
  readonly list: ZipIssue[] = [];
  private counts = new Map<ZipIssueKind, number>();
  readonly omitted = new Map<ZipIssueKind, number>();
  constructor(private readonly perKind: number) {}
  add(issue: ZipIssue): void {
    const n = (this.counts.get(issue.kind) ?? 0) + 1;
    this.counts.set(issue.kind, n);
    if (n <= this.perKind) this.list.push(issue);
    else this.omitted.set(issue.kind, n - this.perKind);
  }
  finish(): ZipIssue[] {
    return this.list;
  }
}

interface ExtraInfo {
  zip64?: Uint8Array;
  unicodePath?: { crc: number; name: string };
  malformed?: string;
}

const NO_EXTRA: ExtraInfo = Object.freeze({});

function parseExtra(extra: Uint8Array): ExtraInfo {
  if (extra.length === 0) return NO_EXTRA;
  const info: ExtraInfo = {};
  let p = 0;
  while (p + 4 <= extra.length) {
    const id = le16(extra, p);
    const len = le16(extra, p + 2);
    if (p + 4 + len > extra.length) {
      info.malformed = `extra field 0x${id.toString(16).padStart(4, '0')} overruns the extra area`;
      return info;
    }
    if (id === 0x0001) info.zip64 = extra.subarray(p + 4, p + 4 + len);
    else if (id === 0x7075 && len >= 5 && extra[p + 4] === 1) {
      const body = extra.subarray(p + 4, p + 4 + len);
      info.unicodePath = { crc: le32(body, 1), name: utf8Lenient.decode(body.subarray(5)) };
    }
    p += 4 + len;
  }
  if (p !== extra.length && extra.length - p < 4 && extra.subarray(p).some((x) => x !== 0)) {
    info.malformed = 'extra field area ends with a partial header';
  }
  return info;
}

/** Resolve 0xFFFFFFFF fields from a zip64 extra field, in APPNOTE order. */
function applyZip64(
  z: Uint8Array | undefined,
  fields: { uncompressed: number; compressed: number; offset?: number },
): { uncompressed: number; compressed: number; offset?: number; missing: readonly string[] } {
  if (fields.uncompressed !== 0xffffffff && fields.compressed !== 0xffffffff && fields.offset !== 0xffffffff) return { ...fields, missing: NONE };
  const out = { ...fields, missing: [] as string[] };
  let p = 0;
  const take = (what: string): number | undefined => {
    if (!z || p + 8 > z.length) {
      out.missing.push(what);
      return undefined;
    }
    const v = le64(z, p);
    p += 8;
    return v;
  };
  if (fields.uncompressed === 0xffffffff) out.uncompressed = take('uncompressed size') ?? fields.uncompressed;
  if (fields.compressed === 0xffffffff) out.compressed = take('compressed size') ?? fields.compressed;
  if (fields.offset === 0xffffffff) out.offset = take('local header offset') ?? fields.offset;
  return out;
}

interface Eocd {
  readonly offset: number;
  readonly disk: number;
  readonly cdDisk: number;
  readonly entriesDisk: number;
  readonly entriesTotal: number;
  readonly cdSize: number;
  readonly cdOffset: number;
  readonly commentLength: number;
}

function readEocd(source: ByteSource, offset: number): Eocd | undefined {
  const b = source.read(offset, EOCD_SIZE);
  if (b.length < EOCD_SIZE || le32(b, 0) !== SIG_EOCD) return undefined;
  return {
    offset,
    disk: le16(b, 4),
    cdDisk: le16(b, 6),
    entriesDisk: le16(b, 8),
    entriesTotal: le16(b, 10),
    cdSize: le32(b, 12),
    cdOffset: le32(b, 16),
    commentLength: le16(b, 20),
  };
}

/** Offsets of EOCD signatures in the last 64 KiB + 22 bytes, highest first. */
export function findEocdCandidates(source: ByteSource): number[] {
  const size = source.size;
  if (size < EOCD_SIZE) return [];
  const start = Math.max(0, size - (EOCD_SIZE + MAX_COMMENT));
  const tail = source.read(start, size - start);
  const found: number[] = [];
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (tail[i] === 0x50 && tail[i + 1] === 0x4b && tail[i + 2] === 0x05 && tail[i + 3] === 0x06) found.push(start + i);
  }
  return found;
}

/**
 * Is there an EOCD record in the tail that points at a central directory (directly, through a
 * prepended-data shift, or through a zip64 locator)? Random binary data that happens to contain
 * the four signature bytes does not qualify.
 */
export function hasPlausibleEocd(source: ByteSource): boolean {
  for (const c of findEocdCandidates(source).slice(0, 8)) {
    const e = readEocd(source, c);
    if (!e) continue;
    if (c >= ZIP64_LOCATOR_SIZE && le32(source.read(c - ZIP64_LOCATOR_SIZE, 4), 0) === SIG_ZIP64_LOCATOR) return true;
    if (e.entriesTotal === 0 && e.cdSize === 0) return c + EOCD_SIZE + e.commentLength <= source.size;
    if (e.cdSize > c) continue;
    const starts = [c - e.cdSize, e.cdOffset];
    if (starts.some((s) => s >= 0 && s + 4 <= source.size && le32(source.read(s, 4), 0) === SIG_CENTRAL)) return true;
  }
  return false;
}

interface Zip64Record {
  readonly offset: number;
  readonly entries: number;
  readonly cdSize: number;
  readonly cdOffset: number;
}

function readZip64Record(source: ByteSource, offset: number): Zip64Record | undefined {
  if (offset < 0 || offset + ZIP64_EOCD_SIZE > source.size) return undefined;
  const b = source.read(offset, ZIP64_EOCD_SIZE);
  if (le32(b, 0) !== SIG_ZIP64_EOCD) return undefined;
  return { offset, entries: le64(b, 32), cdSize: le64(b, 40), cdOffset: le64(b, 48) };
}

/**
 * Parse the archive's structure. Throws BulwarkError('MALFORMED') when there is no usable end of
 * central directory record; otherwise returns what it could read, with `error` set when the entry
 * list is incomplete.
 */
export function parseZip(source: ByteSource, opts: ZipParseOptions): ZipArchive {
  const issues = new Issues(opts.maxIssuesPerKind ?? 20);
  const size = source.size;
  const candidates = findEocdCandidates(source);
  const chosen = opts.eocdOffset ?? candidates[0];
  if (chosen === undefined) throw new BulwarkError('MALFORMED', 'zip: no end of central directory record');
  const eocd = readEocd(source, chosen);
  if (!eocd) throw new BulwarkError('MALFORMED', 'zip: no end of central directory record');

  const commentEnd = Math.min(size, eocd.offset + EOCD_SIZE + eocd.commentLength);
  const comment: ZipRegion = { start: eocd.offset + EOCD_SIZE, end: commentEnd };
  if (eocd.offset + EOCD_SIZE + eocd.commentLength > size) {
    issues.add({ kind: 'central-directory-mismatch', message: 'the archive comment length runs past the end of the file (strict readers reject the archive)', offset: eocd.offset });
  }
  let appended: ZipRegion | undefined;
  let alternateEocd: number | undefined;
  if (commentEnd < size) {
    appended = { start: commentEnd, end: size };
    // Strict readers (yauzl, Go, Java) take the EOCD whose comment ends exactly at EOF.
    alternateEocd = candidates.find((c) => {
      if (c === eocd.offset) return false;
      const e = readEocd(source, c);
      return e !== undefined && c + EOCD_SIZE + e.commentLength === size;
    });
    issues.add({
      kind: 'appended-data',
      message:
        alternateEocd === undefined
          ? `${size - commentEnd} bytes after the end of central directory record`
          : `${size - commentEnd} bytes after the end of central directory record, ending in another EOCD record at offset ${alternateEocd}: readers that require the comment to end at EOF see a different archive`,
      offset: commentEnd,
      length: size - commentEnd,
      ...(alternateEocd !== undefined && { severity: 'high' as const }),
    });
  }
  if (eocd.disk !== 0 || eocd.cdDisk !== 0) {
    issues.add({ kind: 'central-directory-mismatch', message: `multi-disk archive (disk ${eocd.disk}, central directory on disk ${eocd.cdDisk}): Python and PyTorch refuse it, other readers may not`, offset: eocd.offset });
  }
  if (eocd.entriesDisk !== eocd.entriesTotal) {
    issues.add({ kind: 'central-directory-mismatch', message: `EOCD entry counts differ (${eocd.entriesDisk} on this disk, ${eocd.entriesTotal} in total)`, offset: eocd.offset });
  }

  // --- zip64: miniz follows the locator's pointer; Python assumes the record sits right before
  // the locator (no extensible data) and silently ignores it otherwise.
  let zip64 = false;
  let miniz: ZipView | undefined;
  let python: ZipView | undefined;
  const classic = { entries: eocd.entriesTotal, cdSize: eocd.cdSize, cdOffset: eocd.cdOffset };
  const locOff = eocd.offset - ZIP64_LOCATOR_SIZE;
  const loc = locOff >= 0 ? source.read(locOff, ZIP64_LOCATOR_SIZE) : new Uint8Array(0);
  if (loc.length === ZIP64_LOCATOR_SIZE && le32(loc, 0) === SIG_ZIP64_LOCATOR) {
    zip64 = true;
    const pointed = readZip64Record(source, le64(loc, 8));
    const assumed = readZip64Record(source, locOff - ZIP64_EOCD_SIZE);
    if (le32(loc, 4) !== 0 || le32(loc, 16) > 1) {
      issues.add({ kind: 'zip64-inconsistency', message: 'zip64 locator names another disk (Python refuses the archive)', offset: locOff });
    }
    if (pointed) miniz = { label: 'zip64 record found through its locator (PyTorch/miniz)', cdStart: pointed.cdOffset, cdSize: pointed.cdSize, declaredEntries: pointed.entries, shift: 0 };
    else issues.add({ kind: 'zip64-inconsistency', message: `zip64 locator points to offset ${le64(loc, 8)}, where there is no zip64 end of central directory record`, offset: locOff });
    // Python: concat = (record or EOCD position) - cd size - cd offset.
    const pyBase = assumed ? assumed.offset : eocd.offset;
    const pyVals = assumed ? { entries: assumed.entries, cdSize: assumed.cdSize, cdOffset: assumed.cdOffset } : classic;
    const pyShift = pyBase - pyVals.cdSize - pyVals.cdOffset;
    python = { label: 'zip64 record read by position (Python zipfile)', cdStart: pyVals.cdOffset + pyShift, cdSize: pyVals.cdSize, declaredEntries: pyVals.entries, shift: pyShift };
    if (pointed && (!assumed || assumed.offset !== pointed.offset)) {
      issues.add({
        kind: 'zip64-inconsistency',
        message: assumed
          ? `two zip64 records: the locator points to offset ${pointed.offset}, Python reads the one at ${assumed.offset}`
          : `the zip64 record at offset ${pointed.offset} is not immediately before its locator: Python ignores it and uses the classic EOCD values`,
        offset: pointed.offset,
        severity: 'high',
      });
    }
    const rec = pointed ?? assumed;
    if (rec) {
      const diffs: string[] = [];
      if (eocd.entriesTotal !== 0xffff && eocd.entriesTotal !== rec.entries) diffs.push(`entries ${eocd.entriesTotal} vs ${rec.entries}`);
      if (eocd.cdSize !== 0xffffffff && eocd.cdSize !== rec.cdSize) diffs.push(`central directory size ${eocd.cdSize} vs ${rec.cdSize}`);
      if (eocd.cdOffset !== 0xffffffff && eocd.cdOffset !== rec.cdOffset) diffs.push(`central directory offset ${eocd.cdOffset} vs ${rec.cdOffset}`);
      if (diffs.length > 0) {
        issues.add({
          kind: 'zip64-inconsistency',
          message: `classic EOCD and zip64 record disagree (${diffs.join('; ')}): readers that consult zip64 only for saturated fields see another archive`,
          offset: rec.offset,
        });
      }
    }
  } else {
    if (eocd.cdSize === 0xffffffff || eocd.cdOffset === 0xffffffff) {
      issues.add({ kind: 'zip64-inconsistency', message: 'EOCD fields are saturated (0xFFFFFFFF) but there is no zip64 locator', offset: eocd.offset });
    }
    miniz = { label: 'central directory (PyTorch/miniz)', cdStart: classic.cdOffset, cdSize: classic.cdSize, declaredEntries: classic.entries, shift: 0 };
    const shift = eocd.offset - classic.cdSize - classic.cdOffset;
    python = { label: 'central directory with prepended-data shift (Python zipfile)', cdStart: classic.cdOffset + shift, cdSize: classic.cdSize, declaredEntries: classic.entries, shift };
  }

  // Which views are usable: a central directory signature must start there (or the CD is empty).
  const usable = (v: ZipView | undefined): v is ZipView =>
    v !== undefined &&
    v.shift >= 0 &&
    v.cdStart >= 0 &&
    v.cdStart + v.cdSize <= size &&
    (v.cdSize === 0 || le32(source.read(v.cdStart, 4), 0) === SIG_CENTRAL);
  const views: ZipView[] = [];
  if (usable(miniz)) views.push(miniz);
  if (usable(python) && !views.some((v) => v.cdStart === python.cdStart && v.cdSize === python.cdSize && v.shift === python.shift)) views.push(python);
  if (views.length === 0) {
    throw new BulwarkError('MALFORMED', `zip: no central directory at offset ${miniz?.cdStart ?? python?.cdStart ?? 0}`);
  }
  const view = views[0] as ZipView;
  if (python && python.shift > 0 && usable(python)) {
    issues.add({
      kind: 'prepended-data',
      message: views.includes(python) && view !== python
        ? `offsets are relative to byte ${python.shift}: Python adds that shift, PyTorch (miniz) reads another central directory at ${view.cdStart}`
        : `${python.shift} bytes precede the archive and its offsets are relative to them: Python adjusts the offsets, PyTorch (miniz) cannot open the archive`,
      offset: 0,
      severity: 'high',
    });
  }

  const { entries, error } = readCentralDirectory(source, view, opts.maxEntries, issues, eocd);
  const names = checkNames(entries, issues);
  opts.onDirectory?.(entries, names);
  // Local headers, comparisons, layout.
  checkEntries(source, entries, issues, opts.onEntry);
  const alternateEntries: ZipEntry[] = [];
  for (const alt of views.slice(1)) {
    const scratch = new Issues(0);
    const more = readCentralDirectory(source, alt, opts.maxEntries, scratch, eocd).entries;
    checkEntries(source, more, scratch);
    for (const e of more) alternateEntries.push(e); // no spread: there can be a million entries
  }
  const layout = checkLayout(entries, view, eocd, zip64, issues, source.size);
  return {
    entries,
    names,
    issues: issues.finish(),
    omittedIssues: issues.omitted,
    eocdOffset: eocd.offset,
    view,
    alternateViews: views.slice(1),
    alternateEntries,
    ...(alternateEocd !== undefined && { alternateEocd }),
    comment,
    ...(layout.prepended && { prepended: layout.prepended }),
    gaps: layout.gaps,
    ...(appended && { appended }),
    zip64,
    ...(error && { error }),
  };
}

function readCentralDirectory(source: ByteSource, view: ZipView, maxEntries: number, issues: Issues, eocd: Eocd): { entries: ZipEntry[]; error?: BulwarkError } {
  const entries: ZipEntry[] = [];
  const cd = source.read(view.cdStart, view.cdSize);
  const cdText = Buffer.from(cd.buffer, cd.byteOffset, cd.length);
  let p = 0;
  let error: BulwarkError | undefined;
  while (p < cd.length) {
    if (entries.length >= maxEntries) {
      error = new LimitExceededError('maxArchiveEntries', maxEntries, `zip central directory lists more than maxArchiveEntries (${maxEntries}) entries`);
      break;
    }
    if (p + 46 > cd.length || le32(cd, p) !== SIG_CENTRAL) {
      issues.add({
        kind: 'central-directory-mismatch',
        message: `${cd.length - p} bytes inside the central directory are not a central directory record (Python refuses the archive; miniz reads only the declared count)`,
        offset: view.cdStart + p,
      });
      break;
    }
    const nameLen = le16(cd, p + 28);
    const extraLen = le16(cd, p + 30);
    const commentLen = le16(cd, p + 32);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > cd.length) {
      error = new BulwarkError('MALFORMED', `zip: central directory record ${entries.length} runs past the central directory`);
      break;
    }
    const flags = le16(cd, p + 8);
    const key = cdText.toString('latin1', p + 46, p + 46 + nameLen);
    const ascii = isAsciiRange(cd, p + 46, p + 46 + nameLen);
    const nameBytes = ascii ? EMPTY : cd.subarray(p + 46, p + 46 + nameLen);
    const name = ascii ? key : displayName(nameBytes, (flags & 0x800) !== 0, key);
    const extra = extraLen === 0 ? NO_EXTRA : parseExtra(cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen));
    const rawUncompressed = le32(cd, p + 24);
    const rawCompressed = le32(cd, p + 20);
    const rawOffset = le32(cd, p + 42);
    const z =
      rawUncompressed !== 0xffffffff && rawCompressed !== 0xffffffff && rawOffset !== 0xffffffff
        ? { uncompressed: rawUncompressed, compressed: rawCompressed, offset: rawOffset, missing: NONE }
        : applyZip64(extra.zip64, { uncompressed: rawUncompressed, compressed: rawCompressed, offset: rawOffset });
    if (z.missing.length > 0) {
      issues.add({ kind: 'zip64-inconsistency', message: `central directory ${z.missing.join(', ')} is 0xFFFFFFFF without a zip64 extra field value`, entry: name, offset: view.cdStart + p });
    }
    if (extra.malformed) issues.add({ kind: 'header-mismatch', message: `central directory ${extra.malformed} (Python refuses it, other readers skip it)`, entry: name, offset: view.cdStart + p });
    if (extra.unicodePath) checkUnicodePath(extra.unicodePath, cd.subarray(p + 46, p + 46 + nameLen), name, issues, 'central directory');
    const versionMadeBy = le16(cd, p + 4);
    const externalAttributes = le32(cd, p + 38);
    const method = le16(cd, p + 10);
    entries.push({
      index: entries.length,
      name,
      key,
      flags,
      method,
      crc: le32(cd, p + 16),
      compressedSize: z.compressed,
      uncompressedSize: z.uncompressed,
      localHeaderOffset: (z.offset ?? 0) + view.shift,
      dataOffset: -1,
      spanEnd: -1,
      localFlags: -1,
      isDirectory: name.endsWith('/') || name.endsWith('\\'),
      isSymlink: versionMadeBy >>> 8 === 3 && ((externalAttributes >>> 16) & 0xf000) === 0xa000,
      encrypted: (flags & 0x41) !== 0 || method === 99,
    });
    p = end;
  }
  if (!error && entries.length !== view.declaredEntries && !(view.declaredEntries === 0xffff && entries.length >= 0xffff)) {
    issues.add({
      kind: 'central-directory-mismatch',
      message: `the end of central directory record declares ${view.declaredEntries} entries but the central directory holds ${entries.length}: PyTorch (miniz) reads by count, Python by size`,
      offset: eocd.offset,
      severity: 'high',
    });
  }
  return error ? { entries, error } : { entries };
}

function checkUnicodePath(u: { crc: number; name: string }, headerName: Uint8Array, name: string, issues: Issues, where: string): void {
  // Readers honour the field only when its CRC matches the header name.
  if (u.crc === crc32(headerName) >>> 0 && u.name !== name) {
    issues.add({
      kind: 'local-name-mismatch',
      message: `${where} Unicode Path extra field names this entry ${JSON.stringify(u.name)}: readers that honour it (7-Zip, Info-ZIP) use that name`,
      entry: name,
    });
  }
}

const FLAG_NAMES: ReadonlyArray<[number, string]> = [
  [0x0001, 'encrypted'],
  [0x0008, 'data descriptor'],
  [0x0040, 'strong encryption'],
  [0x0800, 'UTF-8 names'],
  [0x2000, 'masked local header'],
  [0x0020, 'patched data'],
];

function describeFlags(diff: number): string {
  const names = FLAG_NAMES.filter(([bit]) => diff & bit).map(([, n]) => n);
  const other = diff & ~FLAG_NAMES.reduce((a, [bit]) => a | bit, 0);
  if (other) names.push(`bits 0x${other.toString(16)}`);
  return names.join(', ');
}

/** Do the bytes equal the Latin-1 key (without building a string)? */
function sameName(b: Uint8Array, key: string): boolean {
  if (b.length !== key.length) return false;
  for (let i = 0; i < b.length; i++) if (b[i] !== key.charCodeAt(i)) return false;
  return true;
}

function checkEntries(source: ByteSource, entries: ZipEntry[], issues: Issues, onEntry?: (e: ZipEntry) => void): void {
  for (const e of entries) {
    checkEntry(source, e, issues);
    onEntry?.(e);
  }
}

function checkEntry(source: ByteSource, e: ZipEntry, issues: Issues): void {
  const off = e.localHeaderOffset;
  // One read for the fixed header, name and extra field in the common case (they fit in 1 KiB).
  const h = off >= 0 && off + 30 <= source.size ? source.read(off, LOCAL_READ) : EMPTY;
  if (h.length < 30 || le32(h, 0) !== SIG_LOCAL) {
    issues.add({ kind: 'missing-local-header', message: `no local file header at offset ${off}`, entry: e.name, offset: off });
    return;
  }
  const lflags = le16(h, 6);
  const lmethod = le16(h, 8);
  const lcrc = le32(h, 14);
  const lcomp = le32(h, 18);
  const luncomp = le32(h, 22);
  const nameLen = le16(h, 26);
  const extraLen = le16(h, 28);
  const ne = 30 + nameLen + extraLen <= h.length ? h.subarray(30, 30 + nameLen + extraLen) : source.read(off + 30, nameLen + extraLen);
  const lnameBytes = ne.subarray(0, nameLen);
  e.localFlags = lflags;
  e.dataOffset = off + 30 + nameLen + extraLen;
  if (!sameName(lnameBytes, e.key)) {
    issues.add({
      kind: 'local-name-mismatch',
      message: `local header names the entry ${JSON.stringify(displayName(lnameBytes, (lflags & 0x800) !== 0))}: PyTorch (miniz) uses the central name, Python refuses the entry, streaming readers use the local name`,
      entry: e.name,
      offset: off,
    });
  }
  const diff = (lflags ^ e.flags) & 0xffff;
  if (diff) {
    issues.add({
      kind: 'flag-mismatch',
      message: `local and central general-purpose flags differ (${describeFlags(diff)}): readers that trust the local header decode the entry differently`,
      entry: e.name,
      offset: off,
    });
  }
  if (lmethod !== e.method) {
    issues.add({ kind: 'header-mismatch', message: `local header says compression method ${lmethod}, central directory ${e.method}`, entry: e.name, offset: off });
  }
  const lextra = parseExtra(ne.subarray(nameLen, nameLen + extraLen));
  if (lextra.malformed) issues.add({ kind: 'header-mismatch', message: `local header ${lextra.malformed}`, entry: e.name, offset: off });
  if (lextra.unicodePath) checkUnicodePath(lextra.unicodePath, lnameBytes, e.name, issues, 'local header');
  if ((lflags & 0x08) === 0) {
    const z = luncomp !== 0xffffffff && lcomp !== 0xffffffff ? { uncompressed: luncomp, compressed: lcomp } : applyZip64(lextra.zip64, { uncompressed: luncomp, compressed: lcomp });
    if (lcrc !== e.crc || z.compressed !== e.compressedSize || z.uncompressed !== e.uncompressedSize) {
      const diffs: string[] = [];
      if (lcrc !== e.crc) diffs.push(`CRC 0x${lcrc.toString(16)} vs 0x${e.crc.toString(16)}`);
      if (z.compressed !== e.compressedSize) diffs.push(`compressed size ${z.compressed} vs ${e.compressedSize}`);
      if (z.uncompressed !== e.uncompressedSize) diffs.push(`size ${z.uncompressed} vs ${e.uncompressedSize}`);
      issues.add({ kind: 'header-mismatch', message: `local header and central directory disagree (${diffs.join('; ')}): streaming readers use the local values`, entry: e.name, offset: off });
    }
  }
  if (e.method === 0 && e.compressedSize !== e.uncompressedSize && !e.encrypted) {
    issues.add({ kind: 'header-mismatch', message: `stored entry with compressed size ${e.compressedSize} but size ${e.uncompressedSize}: readers read different lengths`, entry: e.name, offset: off });
  }
  // Span: data plus any data descriptor.
  let end = e.dataOffset + e.compressedSize;
  if (e.flags & 0x08) {
    const d = source.read(end, 4);
    const hasSig = d.length === 4 && le32(d, 0) === SIG_DESCRIPTOR;
    const big = lextra.zip64 !== undefined || e.compressedSize >= 0xffffffff;
    end += (hasSig ? 4 : 0) + 4 + (big ? 16 : 8);
  }
  e.spanEnd = end;
}

/**
 * An entry described only by a local header at `offset` (inside a gap no central entry covers):
 * what a streaming reader would extract there. Data is bounded by `end`; with a data descriptor
 * (sizes unknown up front) the data is taken to run to `end`.
 */
export function hiddenLocalEntry(source: ByteSource, offset: number, end: number): ZipEntry | undefined {
  if (offset + 30 > end) return undefined;
  const h = source.read(offset, 30);
  if (h.length < 30 || le32(h, 0) !== SIG_LOCAL) return undefined;
  const flags = le16(h, 6);
  const method = le16(h, 8);
  const nameLen = le16(h, 26);
  const extraLen = le16(h, 28);
  const dataOffset = offset + 30 + nameLen + extraLen;
  if (dataOffset > end) return undefined;
  const nameBytes = source.read(offset + 30, nameLen);
  const extra = parseExtra(source.read(offset + 30 + nameLen, extraLen));
  const z = applyZip64(extra.zip64, { uncompressed: le32(h, 22), compressed: le32(h, 18) });
  const avail = end - dataOffset;
  const compressed = flags & 0x08 ? avail : Math.min(z.compressed, avail);
  const name = displayName(nameBytes, (flags & 0x800) !== 0);
  return {
    index: -1,
    name,
    key: latin1(nameBytes),
    flags,
    method,
    crc: le32(h, 14),
    compressedSize: compressed,
    uncompressedSize: flags & 0x08 ? -1 : z.uncompressed,
    localHeaderOffset: offset,
    dataOffset,
    spanEnd: dataOffset + compressed,
    localFlags: flags,
    isDirectory: name.endsWith('/'),
    isSymlink: false,
    encrypted: (flags & 0x41) !== 0 || method === 99,
  };
}

function checkLayout(entries: ZipEntry[], view: ZipView, eocd: Eocd, zip64: boolean, issues: Issues, size: number): { prepended?: ZipRegion; gaps: ZipRegion[] } {
  const located = entries.filter((e) => e.dataOffset >= 0);
  // Writers emit entries in file order, so the sort is usually skipped.
  const order = Uint32Array.from(located.keys());
  let sorted = true;
  for (let i = 1; i < located.length && sorted; i++) sorted = (located[i] as ZipEntry).localHeaderOffset >= (located[i - 1] as ZipEntry).localHeaderOffset;
  if (!sorted) order.sort((a, b) => (located[a] as ZipEntry).localHeaderOffset - (located[b] as ZipEntry).localHeaderOffset);
  const cdStart = view.cdStart;
  const cdEnd = view.cdStart + view.cdSize;
  const gaps: ZipRegion[] = [];
  let reach = -1;
  let reachEntry: ZipEntry | undefined;
  let first = cdStart;
  for (const i of order) {
    const e = located[i] as ZipEntry;
    if (reach < 0) first = Math.min(first, e.localHeaderOffset);
    if (reach >= 0 && e.localHeaderOffset < reach) {
      issues.add({
        kind: 'overlapping-entries',
        message:
          reachEntry && reachEntry.localHeaderOffset === e.localHeaderOffset
            ? `shares its local header and data with ${JSON.stringify(reachEntry.name)}`
            : `its bytes overlap ${JSON.stringify(reachEntry?.name ?? '')} (a zip bomb shape, or one payload under two names)`,
        entry: e.name,
        offset: e.localHeaderOffset,
      });
    } else if (reach >= 0 && e.localHeaderOffset > reach) {
      gaps.push({ start: reach, end: e.localHeaderOffset });
    }
    if (e.spanEnd > cdStart && e.localHeaderOffset < cdEnd && view.cdSize > 0) {
      issues.add({ kind: 'overlapping-entries', message: 'its data runs into the central directory', entry: e.name, offset: e.localHeaderOffset });
    } else if (e.spanEnd > size) {
      issues.add({ kind: 'header-mismatch', message: `its data runs past the end of the file (${e.spanEnd - size} bytes missing)`, entry: e.name, offset: e.localHeaderOffset });
    }
    if (e.spanEnd > reach) {
      reach = e.spanEnd;
      reachEntry = e;
    }
  }
  // Between the last entry and the central directory (or zip64 record).
  if (reach >= 0 && reach < cdStart) gaps.push({ start: reach, end: cdStart });
  const cdFollower = zip64 ? -1 : eocd.offset;
  if (cdFollower >= 0 && cdEnd < cdFollower) gaps.push({ start: cdEnd, end: cdFollower });
  for (const g of gaps) {
    issues.add({
      kind: 'unreferenced-data',
      message: `${g.end - g.start} bytes at offset ${g.start} belong to no entry listed in the central directory (streaming readers may see a hidden entry there)`,
      offset: g.start,
      length: g.end - g.start,
    });
  }
  const prepended = first > 0 ? { start: 0, end: Math.min(first, size) } : undefined;
  if (prepended && view.shift === 0) {
    issues.add({
      kind: 'prepended-data',
      message: `${prepended.end} bytes precede the first entry (a stub or another file format: PyTorch and other loaders that check the first bytes read it as a different file)`,
      offset: 0,
      length: prepended.end,
    });
  }
  return prepended ? { prepended, gaps } : { gaps };
}

function checkNames(entries: ZipEntry[], issues: Issues): ZipNameIndex {
  // One map keyed by the folded name; names that collide (rare) keep all their entries in `more`.
  const folded = new Map<string, ZipEntry>();
  const more = new Map<string, ZipEntry[]>();
  for (const e of entries) {
    const why = unsafeName(e.name);
    if (why) issues.add({ kind: 'path-traversal', message: `entry name ${why}`, entry: e.name });
    if (e.isSymlink) issues.add({ kind: 'symlink-member', message: 'entry is a symbolic link (extracting the archive creates a link that can point outside the target folder)', entry: e.name });
    const low = asciiLower(e.key);
    const first = folded.get(low);
    if (first === undefined) {
      folded.set(low, e);
      continue;
    }
    const group = more.get(low) ?? [first];
    const same = group.find((x) => x.key === e.key);
    if (same) {
      issues.add({
        kind: 'duplicate-name',
        message: `name appears more than once (entries ${same.index} and ${e.index}): Python uses the last, other readers the first, PyTorch (miniz) either`,
        entry: e.name,
      });
    } else {
      issues.add({
        kind: 'duplicate-name',
        message: `name differs only in case from ${JSON.stringify(first.name)}: PyTorch (miniz) looks names up case-insensitively and may pick either`,
        entry: e.name,
        severity: 'medium',
      });
    }
    group.push(e);
    more.set(low, group);
  }
  return {
    lookup(name: string): readonly ZipEntry[] {
      const g = more.get(name);
      if (g) return g;
      const one = folded.get(name);
      return one ? [one] : [];
    },
  };
}
