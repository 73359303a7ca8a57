/**
 * Scan one container image layer by layer: the configuration's checks, then every layer streamed
 * (decompressed on the fly: gzip, zstd or plain tar) through a bounded tar reader. Each member is
 * checked as it passes (hostile names, setuid bits, miners, secrets, start-up hooks, model files,
 * which go to the model scanner); a bounded per-path index (path → layer, type, mode) has whiteouts
 * and opaque folders applied after each layer, and the merged filesystem's checks run at the end
 * (shells, package managers, PATH, entrypoint, the "disguised AI image" check). A finding on a file
 * that a later layer deletes says so: the bytes stay in the image.
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import type { ImageLayerLocation, Location, TargetStatus } from '../findings/index.js';
import { LimitExceededError, errorMessage, isBulwarkError } from '../findings/index.js';
import type { ByteSource, Limits } from '../limits/index.js';
import { BufferSource, FileSource, ReadBudget } from '../limits/index.js';
import type { ModelScanOptions } from '../model-scanners/index.js';
import { checkProductionPolicy, modelFileName, scanModelSource } from '../model-scanners/index.js';
import { blobDigestMismatch } from '../oci/index.js';
import type { ReportArgs, RuleMeta } from '../rules/index.js';
import { Reporter, coreRules } from '../rules/index.js';
import { checkConfig, checkMergedFilesystem, parseImageConfig } from './checks.js';
import type { ImageConfig } from './checks.js';
import { BENIGN_PTH, CONTENT_SECRETS, CREDENTIAL_FILES, MINER_MARKERS, MINER_NAMES, MINER_SHA256, NO_SECRET_SCAN_PREFIXES, SHELL_NAMES, WRITABLE_PREFIXES } from './data.js';
import * as rules from './rules.js';
import type { ImageInput } from './sources.js';
import type { TarDataSink, TarEntry } from './tar-stream.js';
import { TarStream } from './tar-stream.js';

export interface ImageScanOptions extends ModelScanOptions {
  readonly limits: Limits;
}

export interface ImageScanResult {
  readonly format: string;
  readonly status: TargetStatus;
  readonly layers: number;
  readonly files: number;
  readonly bytes: number;
}

/** One path of the merged filesystem. */
export interface IndexEntry {
  readonly layer: number;
  readonly type: TarEntry['type'];
  readonly mode: number;
  readonly size: number;
  readonly link?: string;
}

/** Model files held in memory while scanned; larger ones go to a private temporary file. */
const MODEL_IN_MEMORY = 64 * 1024 * 1024;
/** `.pth` files are read up to this many bytes (site.py reads them line by line; real ones are tiny). */
const PTH_BYTES = 64 * 1024;
/** Miner markers are searched in the first bytes of each executable. */
const MARKER_BYTES = 64 * 1024 * 1024;

const ELF = [0x7f, 0x45, 0x4c, 0x46];
const PTH_PATH = /(?:^|\/)(?:site|dist)-packages\/[^/]+\.pth$/;

/** Normalise a member name to an image path without a leading `/`; undefined when it leaves the root. */
export function imagePath(name: string): { path: string; absolute: boolean } | undefined {
  const absolute = name.startsWith('/');
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) return undefined;
      out.pop();
      continue;
    }
    out.push(part);
  }
  return { path: out.join('/'), absolute };
}

function hasDotDot(name: string): boolean {
  return name.split('/').includes('..');
}

function shown(p: string): string {
  // eslint-disable-next-line no-control-regex
  return JSON.stringify(p.length > 200 ? `${p.slice(0, 200)}…` : p).replace(/[\u0000-\u001f]/g, '?');
}

interface Pending {
  readonly rule: RuleMeta;
  readonly args: ReportArgs;
  readonly file: string;
  readonly layer: number;
}

/** A Reporter that hands the model scanner's findings to the image scan, relocated into the image. */
class RelocatingReporter extends Reporter {
  constructor(
    private readonly image: ImageScanner,
    private readonly loc: Omit<ImageLayerLocation, 'kind' | 'file'>,
    private readonly file: string,
    layerIndex: number,
    private readonly layerNo: number = layerIndex,
  ) {
    super({ selection: image.reporter.selection });
  }
  override report(rule: RuleMeta, args: ReportArgs): void {
    if (!this.enabled(rule)) return;
    const l: Location = args.location;
    const inner = l.kind === 'archive-member' ? `${this.file}!/${l.member}` : this.file;
    const line = l.kind === 'file' ? l.line : undefined;
    const location: ImageLayerLocation = { kind: 'image-layer', ...this.loc, file: inner, ...(line !== undefined && { line }) };
    this.image.pend(rule, { ...args, location }, this.file, this.layerNo);
  }
}

/** Captures a member's bytes (bounded): in memory, or in a private temporary file past MODEL_IN_MEMORY. */
class Capture implements TarDataSink {
  private chunks: Uint8Array[] = [];
  private n = 0;
  private fd: number | undefined;
  private dir: string | undefined;
  over = false;
  constructor(
    private readonly max: number,
    private readonly done: (c: Capture) => void,
    private readonly spill: boolean,
  ) {}
  data(chunk: Uint8Array): void {
    if (this.over) return;
    if (this.n + chunk.length > this.max) {
      this.over = true;
      this.release();
      return;
    }
    this.n += chunk.length;
    if (this.fd !== undefined) {
      writeAll(this.fd, chunk);
      return;
    }
    this.chunks.push(chunk.slice());
    if (this.spill && this.n > MODEL_IN_MEMORY) {
      this.dir = mkdtempSync(join(tmpdir(), 'bulwark-image-'));
      this.fd = openSync(join(this.dir, 'member'), 'wx', 0o600);
      for (const c of this.chunks) writeAll(this.fd, c);
      this.chunks = [];
    }
  }
  end(): void {
    this.done(this);
  }
  get size(): number {
    return this.n;
  }
  bytes(): Uint8Array {
    return this.chunks.length === 1 ? (this.chunks[0] as Uint8Array) : Buffer.concat(this.chunks);
  }
  /** The captured bytes as a ByteSource (call release() after). */
  source(budget: number): { source: ByteSource; close: () => void } {
    if (this.fd === undefined) return { source: new BufferSource(this.bytes()), close: () => undefined };
    closeSync(this.fd);
    this.fd = undefined;
    const f = new FileSource(join(this.dir as string, 'member'), new ReadBudget(budget));
    return { source: f, close: () => f.close() };
  }
  release(): void {
    this.chunks = [];
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}

function writeAll(fd: number, b: Uint8Array): void {
  let at = 0;
  while (at < b.length) at += writeSync(fd, b, at, b.length - at);
}

/** Searches executables for miner markers, across chunk boundaries. */
class MarkerSearch implements TarDataSink {
  private tail = Buffer.alloc(0);
  private seen = 0;
  private head = Buffer.alloc(0);
  private readonly hash = MINER_SHA256.size > 0 ? createHash('sha256') : undefined;
  found: string | undefined;
  constructor(private readonly done: (m: MarkerSearch) => void) {}
  data(chunk: Uint8Array): void {
    this.hash?.update(chunk);
    if (this.head.length < 4) this.head = Buffer.concat([this.head, Buffer.from(chunk.subarray(0, 4))]);
    if (this.found !== undefined || this.seen > MARKER_BYTES) return;
    this.seen += chunk.length;
    const buf = this.tail.length > 0 ? Buffer.concat([this.tail, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    for (const m of MINER_MARKERS) {
      if (buf.indexOf(m, 0, 'latin1') >= 0) {
        this.found = m;
        return;
      }
    }
    this.tail = Buffer.from(buf.subarray(Math.max(0, buf.length - 32)));
  }
  end(): void {
    this.done(this);
  }
  get elf(): boolean {
    return ELF.every((b, i) => this.head[i] === b);
  }
  digest(): string | undefined {
    return this.hash?.digest('hex');
  }
}

/** Sinks fed the same member bytes. */
function fanOut(sinks: readonly TarDataSink[]): TarDataSink | undefined {
  if (sinks.length === 0) return undefined;
  if (sinks.length === 1) return sinks[0];
  return {
    data: (c) => {
      for (const s of sinks) s.data(c);
    },
    end: () => {
      for (const s of sinks) s.end();
    },
  };
}

/** Decompress a layer's bytes by their magic: gzip, zstd, or a plain tar. */
export async function* decompressLayer(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const it = chunks[Symbol.asyncIterator]();
  let first = await it.next();
  while (!first.done && first.value.length === 0) first = await it.next();
  if (first.done) return;
  const head = first.value;
  const rest: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => {
      let sentFirst = false;
      return {
        next: async () => {
          if (!sentFirst) {
            sentFirst = true;
            return { done: false, value: head };
          }
          return it.next();
        },
      };
    },
  };
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    const input = Readable.from(rest);
    input.on('error', (e) => gunzip.destroy(e));
    input.pipe(gunzip);
    for await (const c of gunzip as AsyncIterable<Buffer>) yield c;
    return;
  }
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) {
    let out: Uint8Array[] = [];
    const z = new ZstdDecompress((c: Uint8Array) => {
      out.push(c);
    });
    for await (const c of rest) {
      z.push(c);
      if (out.length > 0) {
        const got = out;
        out = [];
        for (const o of got) yield o;
      }
    }
    z.push(new Uint8Array(0), true);
    for (const o of out) yield o;
    return;
  }
  yield* rest;
}

export class ImageScanner {
  readonly index = new Map<string, IndexEntry>();
  private indexFull = false;
  private pending: Pending[] = [];
  private deletedAt = new Map<string, number>();
  private gitRoots = new Set<string>();
  private config: ImageConfig | undefined;
  files = 0;
  bytes = 0;
  /** The merged filesystem is incomplete (a layer could not be read to its end, the index is full). */
  incomplete = false;

  constructor(
    readonly input: ImageInput,
    readonly options: ImageScanOptions,
    readonly reporter: Reporter,
  ) {}

  pend(rule: RuleMeta, args: ReportArgs, file: string, layer: number): void {
    if (this.pending.length < this.options.limits.maxFindingsPerTarget * 4) this.pending.push({ rule, args, file, layer });
    else this.reporter.report(rule, args);
  }

  private loc(layer: number, file?: string): ImageLayerLocation {
    const l = this.input.layers[layer];
    return { kind: 'image-layer', path: this.input.location, layer: l?.digest ?? '', layerIndex: layer, ...(file !== undefined && { file }) };
  }

  configLocation(): ImageLayerLocation {
    return { kind: 'image-layer', path: this.input.location, layer: this.input.configDigest };
  }

  async run(): Promise<ImageScanResult> {
    let config: ImageConfig | undefined;
    try {
      config = parseImageConfig(this.input.config);
      this.config = config;
    } catch (e) {
      this.reporter.report(coreRules.malformedInput, { location: this.configLocation(), message: `image configuration: ${errorMessage(e)}` });
    }
    if (config !== undefined) checkConfig(this, config);
    for (const layer of this.input.layers) {
      await this.scanLayer(layer.index);
    }
    if (config !== undefined) checkMergedFilesystem(this, config);
    this.flush();
    const status: TargetStatus = this.reporter.partialPaths().has(this.input.location) || this.incomplete ? 'partial' : 'complete';
    if (this.incomplete) this.reporter.markPartial(this.input.location);
    return { format: this.input.format, status, layers: this.input.layers.length, files: this.files, bytes: this.bytes };
  }

  private async scanLayer(i: number): Promise<void> {
    const layer = this.input.layers[i];
    if (layer === undefined) return;
    const whiteouts: string[] = [];
    const opaque: string[] = [];
    const seenHere = new Set<string>();
    const tar = new TarStream(
      {
        entry: (e) => this.entry(i, e, whiteouts, opaque, seenHere),
        problem: (message) => this.reporter.report(rules.unsafeLayerEntry, { location: this.loc(i), message }),
      },
      { maxPathBytes: this.options.limits.maxLayerPathBytes, maxPaxBytes: 1024 * 1024 },
    );
    const diffId = createHash('sha256');
    // The diff id is checked where the stored bytes have no digest of their own (legacy docker-archive
    // layers); a verified blob already pins what it decompresses to.
    const expectDiff = !layer.verifiedBlob && this.config?.diffIds.length === this.input.layers.length ? this.config.diffIds[i] : undefined;
    let out = 0;
    const max = this.options.limits.maxLayerBytes;
    // The stored bytes are read to their end whatever the decompressor does, so that the digest is
    // always compared (a tampered gzip trailer must be a digest mismatch, not only a decode error).
    const raw = layer.open()[Symbol.asyncIterator]();
    const shielded: AsyncIterable<Uint8Array> = { [Symbol.asyncIterator]: () => ({ next: () => raw.next() }) };
    const drain = async (): Promise<void> => {
      while (!(await raw.next()).done);
    };
    try {
      try {
        for await (const c of decompressLayer(shielded)) {
          out += c.length;
          if (out > max) throw new LimitExceededError('maxLayerBytes', max, `layer ${i}: the decompressed layer is larger than maxLayerBytes (${max})`);
          if (expectDiff !== undefined) diffId.update(c);
          tar.push(c);
        }
        await drain();
      } catch (e) {
        if (!(isBulwarkError(e) && e.code === 'VERIFICATION') && !(e instanceof LimitExceededError)) await drain();
        throw e;
      }
      const end = tar.end();
      this.bytes += out;
      if (!end.complete) {
        this.incomplete = true;
        this.reporter.report(coreRules.malformedInput, { location: this.loc(i), message: `layer ${i}: the tar stream ends inside a member` });
      }
      if (expectDiff !== undefined) {
        const got = `sha256:${diffId.digest('hex')}`;
        if (got !== expectDiff) this.reporter.report(blobDigestMismatch, { location: this.loc(i), message: `layer ${i}: the uncompressed layer has digest ${got}, the image configuration's diff id is ${expectDiff}` });
      }
    } catch (e) {
      tar.end();
      this.incomplete = true;
      if (isBulwarkError(e) && e.code === 'VERIFICATION') this.reporter.report(blobDigestMismatch, { location: this.loc(i), message: e.message });
      else if (e instanceof LimitExceededError) this.reporter.report(coreRules.limitExceeded, { location: this.loc(i), message: e.message, evidence: e.limit });
      else if (isBulwarkError(e) && e.code === 'IO') this.reporter.report(coreRules.readError, { location: this.loc(i), message: `layer ${i}: ${errorMessage(e)}` });
      else this.reporter.report(coreRules.malformedInput, { location: this.loc(i), message: `layer ${i} could not be read to its end: ${errorMessage(e)}` });
    } finally {
      await raw.return?.();
    }
    this.applyWhiteouts(i, whiteouts, opaque);
  }

  private entry(i: number, e: TarEntry, whiteouts: string[], opaque: string[], seenHere: Set<string>): TarDataSink | undefined {
    this.files++;
    const norm = imagePath(e.name);
    if (norm === undefined || hasDotDot(e.name)) {
      this.reporter.report(rules.unsafeLayerEntry, { location: this.loc(i), message: `layer ${i}: the member ${shown(e.name)} has a \`..\` path${norm === undefined ? ' that leaves the image root' : ''}; not followed`, evidence: shown(e.name) });
      if (norm === undefined) return undefined;
    } else if (norm.absolute) {
      this.reporter.report(rules.unsafeLayerEntry, { location: this.loc(i, norm.path), severity: 'medium', message: `layer ${i}: the member ${shown(e.name)} has an absolute path`, evidence: shown(e.name) });
    }
    const path = norm.path;
    if (path === '') return undefined;
    const slash = path.lastIndexOf('/');
    const base = path.slice(slash + 1);
    const dir = slash < 0 ? '' : path.slice(0, slash);
    if (base.startsWith('.wh.')) {
      if (base === '.wh..wh..opq') opaque.push(dir);
      else whiteouts.push(dir === '' ? base.slice(4) : `${dir}/${base.slice(4)}`);
      return undefined;
    }
    if (e.type === 'hardlink') {
      const target = imagePath(e.linkName);
      if (target === undefined || hasDotDot(e.linkName) || e.linkName.startsWith('/')) {
        this.reporter.report(rules.unsafeLayerEntry, { location: this.loc(i, path), message: `layer ${i}: ${shown(path)} is a hard link to ${shown(e.linkName)}, outside the image root; not followed`, evidence: shown(e.linkName) });
      }
    }
    if (e.type === 'char-device' || e.type === 'block-device') {
      this.reporter.report(rules.unsafeLayerEntry, { location: this.loc(i, path), message: `layer ${i}: ${shown(path)} is a ${e.type === 'char-device' ? 'character' : 'block'} device node; not created`, evidence: shown(path) });
    }
    // The index: later layers replace earlier entries.
    if (!this.index.has(path) && this.index.size >= this.options.limits.maxImageFiles) {
      if (!this.indexFull) {
        this.indexFull = true;
        this.incomplete = true;
        this.reporter.report(coreRules.limitExceeded, { location: this.loc(i, path), message: `the image has more than maxImageFiles (${this.options.limits.maxImageFiles}) paths: the merged filesystem's checks see only the first`, evidence: 'maxImageFiles' });
      }
    } else {
      this.index.set(path, { layer: i, type: e.type, mode: e.mode, size: e.size, ...(e.linkName !== '' && { link: e.linkName }) });
    }
    seenHere.add(path);
    const gitAt = `/${path}/`.indexOf('/.git/');
    if (gitAt >= 0) {
      const root = gitAt === 0 ? '' : path.slice(0, gitAt - 1);
      if (!this.gitRoots.has(root)) {
        this.gitRoots.add(root);
        this.pend(rules.gitFolder, { location: this.loc(i, `${root === '' ? '' : `${root}/`}.git`), message: `layer ${i} holds the Git repository /${root === '' ? '' : `${root}/`}.git` }, path, i);
      }
    }
    if (e.type !== 'file') return undefined;
    return this.fileChecks(i, e, path, base);
  }

  private fileChecks(i: number, e: TarEntry, path: string, base: string): TarDataSink | undefined {
    const sinks: TarDataSink[] = [];
    const loc = this.loc(i, path);
    const lower = base.toLowerCase();
    if ((e.mode & 0o6000) !== 0) {
      const bits = [(e.mode & 0o4000) !== 0 ? 'setuid' : '', (e.mode & 0o2000) !== 0 ? 'setgid' : ''].filter((b) => b !== '').join(' and ');
      const shell = SHELL_NAMES.has(lower) || /^(?:python[\d.]*|perl[\d.]*|node|ruby|lua|php)$/.test(lower);
      this.pend(rules.setuidBinary, { location: loc, ...(shell && { severity: 'high' }), message: `layer ${i}: /${path} is ${bits} (mode ${(e.mode & 0o7777).toString(8).padStart(4, '0')})${shell ? `: a ${bits} ${SHELL_NAMES.has(lower) ? 'shell' : 'interpreter'} gives a root shell` : ''}`, evidence: `/${path} ${(e.mode & 0o7777).toString(8).padStart(4, '0')}` }, path, i);
    }
    if (MINER_NAMES.has(lower)) {
      this.pend(rules.minerBinary, { location: loc, message: `layer ${i}: /${path} is named like the miner ${base}`, evidence: base }, path, i);
    }
    const inTmp = WRITABLE_PREFIXES.some((p) => path.startsWith(p));
    const executable = (e.mode & 0o111) !== 0;
    if (executable || inTmp) {
      sinks.push(
        new MarkerSearch((m) => {
          if (inTmp && (m.elf || executable)) this.pend(rules.binaryInTmp, { location: loc, message: `layer ${i}: /${path} is ${m.elf ? 'an ELF executable' : 'an executable file'} under /${path.split('/')[0]}${path.startsWith('var/') ? '/tmp' : ''}` }, path, i);
          const digest = m.digest();
          if (m.found !== undefined && !MINER_NAMES.has(lower)) this.pend(rules.minerBinary, { location: loc, message: `layer ${i}: /${path} holds the mining marker ${JSON.stringify(m.found)}`, evidence: m.found }, path, i);
          else if (digest !== undefined && MINER_SHA256.has(digest)) this.pend(rules.minerBinary, { location: loc, message: `layer ${i}: /${path} has the SHA-256 of a known miner`, evidence: digest }, path, i);
        }),
      );
    }
    if (PTH_PATH.test(path)) {
      sinks.push(new Capture(PTH_BYTES, (c) => this.pth(i, path, base, c), false));
    } else if (modelFileName(path) !== undefined && !path.startsWith('usr/lib/firmware/') && !path.startsWith('lib/firmware/')) {
      sinks.push(new Capture(this.options.limits.maxReadBytes, (c) => this.model(i, path, c), true));
    } else {
      const credentialName = CREDENTIAL_FILES.some((re) => re.test(path));
      const searchable = e.size <= this.options.limits.maxImageSecretScanBytes && (credentialName || !NO_SECRET_SCAN_PREFIXES.some((p) => path.startsWith(p)));
      if (searchable && e.size > 0) sinks.push(new Capture(this.options.limits.maxImageSecretScanBytes, (c) => this.secrets(i, path, c, credentialName), false));
    }
    return fanOut(sinks);
  }

  private secrets(i: number, path: string, c: Capture, credentialName: boolean): void {
    if (c.over) return;
    const bytes = c.bytes();
    c.release();
    const head = bytes.subarray(0, 8192);
    if (!credentialName && head.includes(0)) return; // binary
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
    for (const p of CONTENT_SECRETS) {
      const m = p.re.exec(text);
      if (m === null) continue;
      const line = text.slice(0, m.index).split('\n').length;
      this.pend(rules.secretInLayer, { location: { ...this.loc(i, path), line }, message: `layer ${i}: /${path} holds ${p.what}`, evidence: `${m[0].slice(0, p.privateKey ? 40 : 4)}… (${m[0].length} characters)` }, path, i);
      return;
    }
    if (credentialName && /(?:password|secret|token|auth)["'\s]*[:=]/i.test(text)) {
      this.pend(rules.secretInLayer, { location: this.loc(i, path), severity: 'high', message: `layer ${i}: /${path} is a credentials file`, evidence: `/${path}` }, path, i);
    }
  }

  private pth(i: number, path: string, base: string, c: Capture): void {
    const text = Buffer.from(c.bytes()).toString('utf8');
    c.release();
    const benign = BENIGN_PTH.get(base);
    if (benign !== undefined && text.startsWith(benign)) return;
    const lines = text.split(/\r?\n/);
    const at = lines.findIndex((l) => /^import[ \t]/.test(l));
    if (at < 0 && !c.over) return;
    const line = lines[at] ?? '';
    this.pend(rules.pthStartupHook, { location: { ...this.loc(i, path), line: at + 1 }, message: `layer ${i}: /${path} runs code in every Python start-up: ${JSON.stringify(line.slice(0, 120))}`, evidence: line.slice(0, 200) }, path, i);
  }

  private model(i: number, path: string, c: Capture): void {
    const loc = this.loc(i, path);
    if (c.over) {
      c.release();
      this.reporter.report(coreRules.limitExceeded, { location: loc, message: `layer ${i}: the model file /${path} is larger than maxReadBytes (${this.options.limits.maxReadBytes}); it was not scanned`, evidence: 'maxReadBytes' });
      return;
    }
    const { source, close } = c.source(this.options.limits.maxReadBytes);
    const rel = new RelocatingReporter(this, { path: loc.path, layer: loc.layer, layerIndex: i }, path, i);
    try {
      const r = scanModelSource(source, path, { strict: this.options.strict, policy: this.options.policy, ...(this.options.pickle !== undefined && { pickle: this.options.pickle }) }, this.options.limits, rel);
      checkProductionPolicy(this.options.policy, { path, format: r?.format ?? 'unknown', size: source.size }, rel);
    } catch (e) {
      this.reporter.report(coreRules.internalError, { location: loc, message: `model scan of /${path}: ${errorMessage(e)}` });
    } finally {
      close();
      c.release();
    }
  }

  private applyWhiteouts(i: number, whiteouts: readonly string[], opaque: readonly string[]): void {
    if (whiteouts.length === 0 && opaque.length === 0) return;
    const gone = new Set(whiteouts);
    const opq = new Set(opaque);
    const deleted = (p: string, layer: number): boolean => {
      if (layer >= i) return false;
      if (gone.has(p)) return true;
      for (let s = p.lastIndexOf('/'); s > 0; s = p.lastIndexOf('/', s - 1)) {
        const anc = p.slice(0, s);
        if (gone.has(anc) || opq.has(anc)) return true;
      }
      return opq.has('') && p !== '';
    };
    for (const [p, e] of this.index) if (deleted(p, e.layer)) this.index.delete(p);
    for (const f of this.pending) if (!this.deletedAt.has(`${f.layer}\0${f.file}`) && deleted(f.file, f.layer)) this.deletedAt.set(`${f.layer}\0${f.file}`, i);
  }

  /** Report what was held back, saying which files a later layer deletes or replaces. */
  private flush(): void {
    for (const f of this.pending) {
      const del = this.deletedAt.get(`${f.layer}\0${f.file}`);
      const now = this.index.get(f.file);
      const fate =
        del !== undefined
          ? `; deleted in layer ${del}, but still in layer ${f.layer} of the image for anyone who pulls it`
          : now !== undefined && now.layer !== f.layer
            ? `; replaced in layer ${now.layer}, but still in layer ${f.layer} of the image`
            : '';
      this.reporter.report(f.rule, fate === '' ? f.args : { ...f.args, message: `${f.args.message}${fate}` });
    }
    this.pending = [];
  }

  report(rule: RuleMeta, args: ReportArgs): void {
    this.reporter.report(rule, args);
  }

  fileLocation(file: string): ImageLayerLocation {
    const e = this.index.get(file);
    return e === undefined ? this.configLocation() : this.loc(e.layer, file);
  }
}

/** Scan one image; findings go to `reporter` (every one located in the image). Never throws for bad content. */
export async function scanImage(input: ImageInput, options: ImageScanOptions, reporter: Reporter): Promise<ImageScanResult> {
  return new ImageScanner(input, options, reporter).run();
}
