/**
 * Zip scanner: reports what the parser found (parse.ts), then reads members the way PyTorch reads
 * them — by central-directory name, from the central directory's offsets and sizes — and sniffs
 * every member's head for content whatever its name. Members that are pickles or containers are
 * read in full and scanned; others (tensor data) are never read beyond their head.
 *
 * - stored members are sliced from the source without copying;
 * - deflate, bzip2, LZMA, zstd and xz members are decompressed with the target's caps;
 * - CRCs are verified for members read in full anyway (pickles and every compressed member);
 * - regions outside all entries (prepended, unreferenced, appended bytes) are sniffed and scanned;
 * - entries that other reader families would see (a second central directory through a
 *   prepended-data shift or a zip64 locator, or another EOCD) are scanned too.
 */
import { crc32 } from 'node:zlib';
import { LimitExceededError } from '../../findings/index.js';
import type { ByteSource, DecompressResult } from '../../limits/index.js';
import { BufferSource, SliceSource, decodeLzmaRaw, decompress, inflateRawHead, resultOfBuffer } from '../../limits/index.js';
import type { RuleSelection } from '../../rules/index.js';
import { Reporter, coreRules } from '../../rules/index.js';
import { decodeFor, decompressedSource, inChild, scanRegion } from '../containers.js';
import { ModelScanContext, TargetState } from '../context.js';
import type { DetectedFormat } from '../detect-format.js';
import { detectFormat } from '../detect-format.js';
import type { PersistentRef, ShippedModule } from '../pickle/index.js';
import { scanPickle } from '../pickle/index.js';
import type { PackageSource, TorchZipLayout } from '../pytorch/index.js';
import { checkTorchScriptCode, checkTorchZip, packageModuleOf, scanPackageSources, torchLayout } from '../pytorch/index.js';
import type { ZipArchive, ZipEntry, ZipNameIndex } from './parse.js';
import { asciiLower, hiddenLocalEntry, parseZip } from './parse.js';
import { ZIP_ISSUE_RULES, badCrc, encryptedMember, headerMismatch, unsupportedMethod } from './rules.js';

/** Compression methods Bulwark decodes: stored, deflate, bzip2, LZMA, zstd, xz. */
const METHODS: Readonly<Record<number, string>> = { 0: 'stored', 8: 'deflate', 12: 'bzip2', 14: 'LZMA', 93: 'zstd', 95: 'xz' };
const METHOD_NAMES: Readonly<Record<number, string>> = { 9: 'deflate64', 6: 'implode', 97: 'WavPack', 98: 'PPMd', 99: 'AES', 96: 'JPEG' };
/** Bytes of decompressed output used to sniff a compressed member. */
const SNIFF_OUT = 64 * 1024;
/** Compressed input fed to the sniffing decoder (a bzip2 block can need up to ~900 kB). */
const SNIFF_IN = 1024 * 1024;
const PICKLE_FORMATS: ReadonlySet<string> = new Set(['pickle', 'joblib', 'pytorch-legacy']);
/** Chunk size for CRC-32 of stored members. */
const CRC_CHUNK = 1024 * 1024;
/** Bytes of a pickle-looking storage record analysed speculatively. */
const SPECULATE = 64 * 1024;
/** The speculative analysis sees every rule (the user's selection must not decide what is a pickle). */
const EVERY_RULE: RuleSelection = { state: () => ({ enabled: true, reason: 'speculative analysis' }) };

export interface ZipScanOptions {
  /** The caller already scanned the bytes before the archive (a pickle/zip polyglot). */
  readonly skipPrepended?: boolean;
  /**
   * Offset where the pickle stream(s) of this file end (the last STOP): an archive that ends before
   * it lies inside the pickle's data (skorch stores `torch.save` output as bytes in its pickle) and
   * is analysed as that embedded archive, from its own start, not as a file with prepended data.
   */
  readonly pickleEnd?: number;
}

export function scanZip(source: ByteSource, ctx: ModelScanContext, options: ZipScanOptions = {}): string {
  if (options.pickleEnd !== undefined) {
    const embedded = embeddedArchive(source, ctx, options.pickleEnd);
    if (embedded !== undefined) {
      // Bytes inside the pickle that end with an EOCD: an archive stored as data. Read it as what it
      // is, from its own start (no prepended data, offsets consistent), like the code that unpacks it.
      ctx.scanNested(new SliceSource(source, embedded.start, embedded.end - embedded.start), `<zip archive inside the pickle data at offset ${embedded.start}>`);
      return 'zip';
    }
  }
  let archive: ZipArchive;
  let torch: TorchZipLayout | undefined;
  let scanner = new MemberScanner(source, ctx, undefined);
  try {
    // One pass: each entry is sniffed (and scanned when it holds content) right after its local
    // header is checked, while the bytes around it are still in the file's block cache.
    archive = parseZip(source, {
      maxEntries: ctx.limits.maxArchiveEntries,
      maxIssuesPerKind: ctx.limits.maxFindingsPerRule,
      onDirectory: (entries, names) => {
        torch = torchLayout(entries, names);
        scanner = new MemberScanner(source, ctx, torch, archiveCode(entries, names, torch));
      },
      onEntry: (e) => scanner.scanSafely(e),
    });
  } catch (e) {
    ctx.failed(e, 'zip archive');
    return 'zip';
  }
  reportIssues(archive, ctx);
  if (archive.error) ctx.failed(archive.error, 'zip central directory');
  for (const e of archive.alternateEntries) scanner.scanSafely(e);
  if (archive.alternateEocd !== undefined) {
    try {
      const alt = parseZip(source, { maxEntries: ctx.limits.maxArchiveEntries, maxIssuesPerKind: ctx.limits.maxFindingsPerRule, eocdOffset: archive.alternateEocd });
      for (const e of [...alt.entries, ...alt.alternateEntries]) scanner.scanSafely(e);
      if (alt.error) ctx.failed(alt.error, 'alternate zip central directory');
    } catch (e) {
      ctx.failed(e, `alternate zip archive (EOCD at ${archive.alternateEocd})`, archive.alternateEocd);
    }
  }

  scanner.finishPackage();
  if (archive.prepended && !options.skipPrepended) scanRegion(ctx, source, archive.prepended.start, archive.prepended.end, '<data before the archive>');
  for (const g of archive.gaps) scanGap(source, ctx, scanner, g.start, g.end);
  if (archive.appended) scanRegion(ctx, source, archive.appended.start, archive.appended.end, '<data after the archive>');

  // Assigned in the onDirectory callback, which TypeScript's flow analysis does not follow.
  const layout = torch as TorchZipLayout | undefined;
  if (layout) {
    checkTorchZip(layout, ctx, scanner.persistentIds);
    return 'pytorch-zip';
  }
  return scanner.sawNpy ? 'numpy-npz' : 'zip';
}

/** The archive's region when it lies entirely before `pickleEnd` and does not start at 0, else undefined. */
function embeddedArchive(source: ByteSource, ctx: ModelScanContext, pickleEnd: number): { start: number; end: number } | undefined {
  try {
    const a = parseZip(source, { maxEntries: ctx.limits.maxArchiveEntries, maxIssuesPerKind: 1 });
    const start = a.prepended?.end ?? 0;
    const end = a.appended?.start ?? source.size;
    return start > 0 && end <= pickleEnd && end > start ? { start, end } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Bytes no central entry covers: local entries hidden there (as streaming readers would extract
 * them) are scanned as members; what remains is sniffed.
 */
function scanGap(source: ByteSource, ctx: ModelScanContext, scanner: MemberScanner, start: number, end: number): void {
  let p = start;
  for (let n = 0; n < 1000; n++) {
    const e = hiddenLocalEntry(source, p, end);
    if (!e) break;
    scanner.scanSafely({ ...e, name: `<hidden entry: ${e.name}>` });
    p = e.spanEnd;
    if (e.flags & 0x08) break;
  }
  if (p < end) scanRegion(ctx, source, p, end, `<unreferenced bytes at offset ${p}>`);
}

function reportIssues(archive: ZipArchive, ctx: ModelScanContext): void {
  for (const issue of archive.issues) {
    const at = issue.entry === undefined ? ctx : ctx.child(issue.entry);
    if (issue.kind === 'missing-local-header') {
      at.incomplete(coreRules.malformedInput, `zip entry: ${issue.message}; the entry was not analysed`);
      continue;
    }
    const rule = ZIP_ISSUE_RULES[issue.kind];
    at.report(rule, {
      location: issue.entry === undefined ? ctx.at(issue.offset, issue.length) : at.at(),
      message: issue.message,
      ...(issue.severity !== undefined && { severity: issue.severity }),
    });
  }
  // Issues past the parser's per-kind bound were counted, not kept: the Reporter counts them in its
  // "N more findings of this rule" summary.
  for (const [kind, n] of archive.omittedIssues) {
    if (kind === 'missing-local-header') {
      ctx.incomplete(coreRules.malformedInput, `${n} more zip entries have no local header; they were not analysed`);
      continue;
    }
    ctx.reportCounted(ZIP_ISSUE_RULES[kind], n, { location: ctx.at(), message: `a further ${kind} problem in this archive (details not kept)` });
  }
}

/** Code that ships in the archive: a TorchScript program, or a torch.package's modules. */
interface ArchiveCode {
  /** TorchScript: `<root>/code/` members are TorchScript source; pickles name its classes. */
  readonly torchscriptRoot?: string;
  /** torch.package: the archive root (modules ship as `<root>/<path>.py`). */
  readonly packageRoot?: string;
}

function archiveCode(entries: readonly ZipEntry[], names: ZipNameIndex, torch: TorchZipLayout | undefined): ArchiveCode {
  const first = entries[0];
  const slash = first === undefined ? -1 : first.key.indexOf('/');
  const root = first === undefined || slash < 0 ? undefined : first.key.slice(0, slash);
  if (root === undefined) return {};
  if (torch !== undefined && (torch.lookup('constants.pkl').length > 0 || torch.lookup('code/__torch__.py').length > 0)) return { torchscriptRoot: root };
  if (names.lookup(asciiLower(`${root}/.data/extern_modules`)).length > 0) return { packageRoot: root };
  return {};
}

/** Source members larger than this are not read as code (reported, not analysed). */
const MAX_CODE_BYTES = 4 * 1024 * 1024;

class MemberScanner {
  readonly persistentIds: PersistentRef[] = [];
  sawNpy = false;
  /** torch.package: sources and pickles held until every module is scanned (finishPackage). */
  private readonly packageSources: PackageSource[] = [];
  private readonly packagePickles: { e: ZipEntry; content: ByteSource }[] = [];
  /**
   * Data offsets already sniffed, with the views (compressed size, method, role) sniffed there: one
   * number for the usual single view (no array per member: a checkpoint has 200,000 of them), an
   * array of up to 8 once a member is shared.
   */
  private readonly done = new Map<number, number | number[]>();

  constructor(
    private readonly source: ByteSource,
    private readonly ctx: ModelScanContext,
    private readonly torch: TorchZipLayout | undefined,
    private readonly code: ArchiveCode = {},
  ) {}

  /** torch.package: scan the shipped modules, then the pickles with what those modules hold. */
  finishPackage(): void {
    if (this.code.packageRoot === undefined) return;
    let shipped: ReadonlyMap<string, ShippedModule> = new Map();
    try {
      shipped = scanPackageSources(this.packageSources, this.ctx);
    } catch (e) {
      this.ctx.failed(e, 'torch.package sources');
    }
    for (const { e, content } of this.packagePickles) {
      inChild(this.ctx, e.name, 'pickle analysis', (child) => {
        scanPickle(content, child, { loader: 'pickle', shippedModules: shipped });
      });
    }
  }

  /** Source members handled as code (TorchScript program, torch.package module); true when handled. */
  private scanCode(e: ZipEntry): boolean {
    const ts = this.code.torchscriptRoot;
    const pkg = this.code.packageRoot;
    if (ts !== undefined && e.key.startsWith(`${ts}/code/`) && e.key.endsWith('.py')) {
      const c = this.ctx.child(e.name);
      const text = this.text(e, c);
      if (text !== undefined) checkTorchScriptCode(text, c);
      return true;
    }
    if (pkg !== undefined) {
      const module = packageModuleOf(e.key, pkg);
      if (module === undefined) return false;
      const text = this.text(e, this.ctx.child(e.name));
      if (text !== undefined) this.packageSources.push({ member: e.name, module, text });
      return true;
    }
    return false;
  }

  private text(e: ZipEntry, c: ModelScanContext): string | undefined {
    if (e.uncompressedSize > MAX_CODE_BYTES || e.compressedSize > MAX_CODE_BYTES) {
      c.incomplete(coreRules.limitExceeded, `source member of ${e.uncompressedSize} bytes is larger than ${MAX_CODE_BYTES}; not analysed`, undefined, 'maxTextBytes');
      return undefined;
    }
    const content = this.content(e, c, true);
    if (content === undefined) return undefined;
    return Buffer.from(content.read(0, content.size)).toString('utf8');
  }

  private stopped = false;

  /**
   * Scan one entry; never throws. Running out of the read budget stops the remaining entries
   * (reported once) instead of failing each of them.
   */
  scanSafely(e: ZipEntry): void {
    if (this.stopped) return;
    try {
      this.scan(e);
    } catch (err) {
      if (err instanceof LimitExceededError && err.limit === 'maxReadBytes') {
        this.stopped = true;
        this.ctx.failed(err, 'zip entries (the remaining entries were not analysed)');
      } else {
        this.ctx.child(e.name).failed(err, 'zip entry');
      }
    }
  }

  /** Scan one entry (a local-only entry found in a gap may have an unknown size, -1). */
  private scan(e: ZipEntry): void {
    if (e.dataOffset < 0) return; // no local header: reported as malformed
    if (e.compressedSize === 0 && e.uncompressedSize <= 0) return; // empty file or directory
    // The same bytes under another name or view are sniffed and scanned once, however many central
    // entries point at them (65,535 entries sharing one member cost one inflation, not 65,535).
    const isDataPkl = this.torch?.dataPkl.includes(e) ?? false;
    const isStorage = this.torch?.isStorage(e) === true;
    const id = (e.compressedSize * 65536 + e.method) * 4 + (isDataPkl ? 2 : 0) + (isStorage ? 1 : 0);
    const seen = this.done.get(e.dataOffset);
    if (seen === undefined) this.done.set(e.dataOffset, id);
    else if (typeof seen === 'number') {
      if (seen === id) return;
      this.done.set(e.dataOffset, [seen, id]);
    } else {
      if (seen.includes(id)) return;
      if (seen.length < 8) seen.push(id);
    }
    if (e.encrypted) {
      const c = this.ctx.child(e.name);
      c.incomplete(encryptedMember, 'the entry is encrypted; its content was not analysed');
      return;
    }
    if (METHODS[e.method] === undefined) {
      const c = this.ctx.child(e.name);
      const name = METHOD_NAMES[e.method] ?? `method ${e.method}`;
      c.incomplete(unsupportedMethod, `compressed with ${name}, which Bulwark cannot decode; the entry was not analysed`, undefined, String(e.method));
      return;
    }
    if (this.scanCode(e)) return;
    let format: DetectedFormat | undefined;
    try {
      format = isDataPkl ? 'pickle' : detectFormat(this.head(e), { zipTail: false, storage: isStorage });
    } catch (err) {
      this.ctx.child(e.name).failed(err, 'sniffing the entry');
      return;
    }
    if (format === undefined) return; // tensor data or other opaque bytes: head sniffed, rest skipped
    if (format === 'numpy-npy') this.sawNpy = true;
    // Tensor storage records are raw bytes to torch; a few of them start like a pickle by chance.
    const storage = isStorage && PICKLE_FORMATS.has(format);
    if (storage && !this.isRealPickle(e)) return;
    const c = this.ctx.child(e.name);
    const content = this.content(e, c, PICKLE_FORMATS.has(format) && !storage);
    if (!content) return;
    if (this.code.packageRoot !== undefined && PICKLE_FORMATS.has(format)) {
      this.packagePickles.push({ e, content });
      return;
    }
    if (this.torch && PICKLE_FORMATS.has(format)) {
      // Pickles in a PyTorch archive are read by torch.load / torch.jit.load: analyse them as such.
      const torchscript = this.code.torchscriptRoot !== undefined;
      inChild(this.ctx, e.name, 'pickle analysis', (child) => {
        const r = scanPickle(content, child, { loader: 'torch', torchscript });
        // No spread: a checkpoint can reference hundreds of thousands of storages.
        if (isDataPkl) for (const ref of r.persistentIds) this.persistentIds.push(ref);
      });
      return;
    }
    this.ctx.scanNested(content, e.name);
  }

  /**
   * Speculative analysis of a storage record that starts like a pickle, on its first 64 KiB in a
   * scratch context. It counts as a pickle when it parses to a STOP, when it is still parsing at
   * the end of the window, or when it yields any finding other than the fail-closed `scan/*` ones
   * (a payload before the stream breaks). Otherwise it is tensor data whose first bytes happen to
   * read as opcodes, and is left alone (and not read further).
   */
  private isRealPickle(e: ZipEntry): boolean {
    if (e.method !== 0) return true; // compressed storages are unusual enough to analyse for real
    const window = Math.min(e.compressedSize, SPECULATE);
    const reporter = new Reporter({ selection: EVERY_RULE });
    const scratch = new ModelScanContext(this.ctx.path, e.name, this.ctx.depth + 1, this.ctx.options, new TargetState(this.ctx.limits, reporter), () => 'unknown');
    try {
      const r = scanPickle(new BufferSource(this.source.read(e.dataOffset, window)), scratch, { loader: 'torch', single: true });
      if (r.stops >= 1 || (window < e.compressedSize && r.endOffset >= window - 16)) return true;
    } catch {
      return false;
    }
    return reporter.findings.some((f) => !f.ruleId.startsWith('scan/'));
  }

  /** The member's first bytes (decompressed), never an error. */
  private head(e: ZipEntry): ByteSource {
    if (e.method === 0) return new SliceSource(this.source, e.dataOffset, e.compressedSize);
    const input = this.source.read(e.dataOffset, Math.min(e.compressedSize, SNIFF_IN));
    if (e.method === 8) return new BufferSource(inflateRawHead(input, SNIFF_OUT));
    return new BufferSource(this.decode(e, input, SNIFF_OUT, 'sniff').data);
  }

  private decode(e: ZipEntry, input: Uint8Array, cap: number, limitName: string): DecompressResult {
    switch (e.method) {
      case 8:
        return decompress('deflate-raw', input, cap, limitName);
      case 12:
        return decompress('bzip2', input, cap, limitName);
      case 93:
        return decompress('zstd', input, cap, limitName);
      case 95:
        return decompress('xz', input, cap, limitName);
      case 14: {
        // APPNOTE 5.8.8: version (2), properties size (2), properties (props byte + dict size).
        const propsSize = (input[2] ?? 0) | ((input[3] ?? 0) << 8);
        const props = input.subarray(4, 4 + propsSize);
        const dict = ((props[1] ?? 0) | ((props[2] ?? 0) << 8) | ((props[3] ?? 0) << 16) | ((props[4] ?? 0) << 24)) >>> 0;
        const size = e.flags & 0x02 ? -1 : e.uncompressedSize;
        return decodeLzmaRaw(input.subarray(4 + propsSize), props[0] ?? 0, dict, size, cap, limitName);
      }
      default:
        return resultOfBuffer(new Uint8Array(0), 0, []);
    }
  }

  /** The member's full content; CRC checked when the bytes are read in full anyway. */
  private content(e: ZipEntry, c: ModelScanContext, fullRead: boolean): ByteSource | undefined {
    if (e.method === 0) {
      const slice = new SliceSource(this.source, e.dataOffset, e.compressedSize);
      // CRC in 1 MiB chunks: a large pickle is never held in memory twice (the analyser reads
      // its own windows).
      if (fullRead && e.uncompressedSize >= 0) this.checkCrc(e, c, slice);
      return slice;
    }
    const input = this.source.read(e.dataOffset, e.compressedSize);
    const r = decodeFor(c, input.length, (cap, limitName) => this.decode(e, input, cap, limitName));
    const out = decompressedSource(c, r, `${METHODS[e.method] ?? 'compressed'} entry`);
    if (!r.error && e.uncompressedSize >= 0) {
      this.checkCrc(e, c, r.output);
      const n = r.output.size;
      if (n !== e.uncompressedSize && e.index >= 0) {
        c.report(headerMismatch, {
          location: c.at(),
          message: `the entry decompresses to ${n} bytes but declares ${e.uncompressedSize}: readers that stop at the declared size see ${n > e.uncompressedSize ? 'less' : 'a truncated entry'}`,
        });
      }
    }
    return out;
  }

  private checkCrc(e: ZipEntry, c: ModelScanContext, data: Uint8Array | ByteSource): void {
    let actual: number;
    if (data instanceof Uint8Array) actual = crc32(data) >>> 0;
    else {
      actual = 0;
      for (let p = 0; p < data.size; p += CRC_CHUNK) actual = crc32(data.read(p, CRC_CHUNK), actual) >>> 0;
    }
    if (actual !== e.crc) {
      c.report(badCrc, {
        location: c.at(),
        message: `content CRC-32 is 0x${actual.toString(16).padStart(8, '0')}, the central directory says 0x${e.crc.toString(16).padStart(8, '0')}`,
      });
    }
  }
}
