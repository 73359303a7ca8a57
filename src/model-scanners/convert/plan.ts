/**
 * Planning a conversion: scan the checkpoint (refuse on any finding above info), read data.pkl with
 * the converter's observer (collect.ts), check every tensor against its storage record, and lay out
 * the safetensors file (header, then tensor data) as ranges of the input to copy.
 *
 * Nothing is executed and nothing is written here; write.ts streams a plan into a sink.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Finding } from '../../findings/index.js';
import { BulwarkError, severityRank } from '../../findings/index.js';
import type { ByteSource, Limits } from '../../limits/index.js';
import { DEFAULT_LIMITS, FileSource, SliceSource } from '../../limits/index.js';
import { Reporter, coreRules } from '../../rules/index.js';
import type { Value } from '../pickle/index.js';
import { Call, PyDict } from '../pickle/index.js';
import { parseNpyHeader } from '../numpy/index.js';
import { torchLayout } from '../pytorch/index.js';
import { scanModelSource } from '../scan-model.js';
import type { ZipEntry } from '../zip/index.js';
import { parseZip } from '../zip/index.js';
import type { DtypeInfo, TensorRef } from './collect.js';
import { Collector, OTHER_STORAGE_SIZES, STORAGE_DTYPES, collectTensors, runPickle } from './collect.js';

export interface ConvertOptions {
  /** Convert only the sub-dictionary at this key path ('/'-separated: `model`, `checkpoint/state_dict`). */
  readonly key?: string;
  /** Take the tensors and leave out (and list) every other object instead of refusing. */
  readonly tensorsOnly?: boolean;
  readonly limits?: Limits;
  /** Bulwark's version, recorded in the output's metadata. */
  readonly version: string;
}

/** The conversion was refused: the scanner's findings and the converter's own reasons. */
export interface Refusal {
  readonly refused: true;
  readonly input: string;
  /** Findings of the scan (all of them; those above info, or high and above with tensorsOnly, caused the refusal). */
  readonly findings: readonly Finding[];
  /** The converter's reasons (structure it does not convert, forged storage ranges, ...). */
  readonly problems: readonly string[];
}

/** One output tensor and where its bytes come from. */
export interface PlannedTensor {
  readonly name: string;
  readonly dtype: DtypeInfo;
  readonly shape: readonly number[];
  /** Bytes in the output (numel × element size). */
  readonly nbytes: number;
  /** Absolute offset of the tensor's first byte in the input when it is one contiguous range (`direct`). */
  readonly start: number;
  /** Storage (absolute start, bytes) and the view on it, for tensors that must be gathered. */
  readonly storageStart: number;
  readonly storageBytes: number;
  readonly offset: number;
  readonly stride: readonly number[];
  /** Swap the byte order of each `dtype.swap`-byte unit (big-endian storages). */
  readonly swap: boolean;
  /** One contiguous little-endian range of the input: copied as is. */
  direct: boolean;
  /** Offset in the output's data section. */
  dataOffset: number;
}

export interface ConversionPlan {
  readonly refused: false;
  readonly input: string;
  readonly inputSize: number;
  /** Header (8-byte length + padded JSON) with a placeholder where the source's SHA-256 goes. */
  readonly header: Uint8Array;
  /** Byte offset of the 64-character SHA-256 placeholder in the output. */
  readonly hashAt: number;
  /** Stored tensors in output order (direct ones first, by input offset). */
  readonly tensors: readonly PlannedTensor[];
  /** Names dropped because they alias a stored tensor (tied weights): removed → kept. */
  readonly aliases: ReadonlyMap<string, string>;
  /** What was not converted (non-tensor values; objects whose tensors --tensors-only took). */
  readonly leftOut: readonly string[];
  /** Findings of the scan that did not cause a refusal (info; with tensorsOnly, below high). */
  readonly findings: readonly Finding[];
  /** Output size in bytes. */
  readonly outputSize: number;
}

export const HASH_PLACEHOLDER = '0'.repeat(64);
/** Containers torch checkpoints wrap a state dict in (a training loop's `{'epoch': 3, 'model': sd}`). */
const WRAPPER_KEYS = ['state_dict', 'model_state_dict', 'model', 'module'];
const RESERVED_METADATA = new Set(['format', 'bulwark.source_sha256', 'bulwark.version']);

function refuse(input: string, findings: readonly Finding[], problems: readonly string[]): Refusal {
  return { refused: true, input, findings, problems };
}

/** Scan one file as `bulwark scan` would; returns its findings and whether the analysis was complete. */
export function scanInput(source: ByteSource, path: string, limits: Limits): { findings: Finding[]; complete: boolean; format: string } {
  const reporter = new Reporter({ maxPerTarget: limits.maxFindingsPerTarget, maxPerRule: limits.maxFindingsPerRule });
  const r = scanModelSource(source, path, { strict: false, policy: 'default' }, limits, reporter);
  reporter.finish();
  const complete = r !== undefined && r.status === 'complete' && !reporter.partialPaths().has(path);
  return { findings: [...reporter.findings], complete, format: r?.format ?? 'unknown' };
}

function entriesOf(v: Value, collector: Collector): { keys: Value[]; vals: Value[] } | undefined {
  if (v instanceof PyDict) return v;
  if (v instanceof Call && v.callee !== null && typeof v.callee === 'object' && v.callee.k === 'global' && v.callee.module === 'collections' && v.callee.name === 'OrderedDict') {
    return collector.items.get(v) ?? { keys: [], vals: [] };
  }
  return undefined;
}

/** The value at `key` ('/'-separated), or the wrapped state dict when the top level is a training checkpoint. */
function selectRoot(root: Value, collector: Collector, key: string | undefined): { value: Value; problem?: string } {
  if (key !== undefined) {
    let v = root;
    for (const seg of key.split('/')) {
      const e = entriesOf(v, collector);
      const i = e === undefined ? -1 : e.keys.indexOf(seg);
      if (e === undefined || i < 0) return { value: null, problem: `--key ${key}: no key "${seg}" in the checkpoint's dictionary` };
      v = e.vals[i] ?? null;
    }
    return { value: v };
  }
  let v = root;
  for (let depth = 0; depth < 4; depth++) {
    const e = entriesOf(v, collector);
    if (e === undefined) break;
    let wrapped: Value | undefined;
    let others = true;
    for (let i = 0; i < e.keys.length; i++) {
      const k = e.keys[i];
      const val = e.vals[i] ?? null;
      if (typeof k === 'string' && WRAPPER_KEYS.includes(k) && entriesOf(val, collector) !== undefined && wrapped === undefined) wrapped = val;
      else if (val !== null && typeof val === 'object' && (val.k === 'dict' || val.k === 'list' || val.k === 'tuple' || val.k === 'call')) others = false;
    }
    if (wrapped === undefined || !others) break;
    v = wrapped;
  }
  return { value: v };
}

interface Storage {
  readonly start: number;
  readonly size: number;
  /** What to call it in messages (an archive member name, or `storage <key>`). */
  readonly member: string;
  /** `member` is a zip member name (findings point at it). */
  readonly inArchive?: boolean;
}

/** Forged or inconsistent storage layouts, reported as `scan/malformed-input` findings of the refusal. */
function malformedFindings(input: string, items: readonly { readonly member?: string; readonly message: string }[]): Finding[] {
  const r = new Reporter();
  for (const i of items) {
    r.report(coreRules.malformedInput, { location: i.member !== undefined ? { kind: 'archive-member', path: input, member: i.member } : { kind: 'file', path: input }, message: i.message });
  }
  return r.findings;
}

function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const s = shape[i] as number;
    if (s !== 1 && stride[i] !== expected) return false;
    expected *= s;
  }
  return true;
}

/** Where a checkpoint's object pickle and storages are (zip records, or the legacy stream). */
interface Layout {
  readonly collector: Collector;
  readonly root: Value;
  /** Formats without a pickle (numpy) list their tensors directly. */
  readonly tensors?: TensorRef[];
  readonly bigEndian: boolean;
  /** Locate the storages the tensors use (the legacy stream needs their element sizes); returns problems. */
  prepare(tensors: readonly TensorRef[]): string[];
  storage(key: string): Storage | string;
}

/** torch.save's zip: data.pkl, `data/<key>` records (stored), `byteorder`. */
function zipLayout(source: ByteSource, limits: Limits): Layout | string {
  const zip = parseZip(source, { maxEntries: limits.maxArchiveEntries });
  if (zip.error !== undefined) return `the zip central directory: ${zip.error.message}`;
  const layout = torchLayout(zip.entries, zip.names);
  if (layout === undefined || layout.root === undefined || layout.dataPkl.length !== 1) return 'no single data.pkl record under the archive root';
  const root = layout.root;
  const stored = (e: ZipEntry, what: string): Storage | string => {
    if (e.method !== 0 || e.encrypted || e.compressedSize !== e.uncompressedSize) return `${what} is not stored uncompressed (method ${e.method}); torch.save stores every record`;
    if (e.dataOffset < 0 || e.dataOffset + e.uncompressedSize > source.size) return `${what} claims ${e.uncompressedSize} bytes at offset ${e.dataOffset}, past the end of the ${source.size}-byte file`;
    return { start: e.dataOffset, size: e.uncompressedSize, member: e.name, inArchive: true };
  };
  const pkl = stored(layout.dataPkl[0] as ZipEntry, `${root}/data.pkl`);
  if (typeof pkl === 'string') return pkl;
  let bigEndian = false;
  const bo = layout.lookup('byteorder');
  if (bo.length > 1) return 'several byteorder records';
  if (bo.length === 1) {
    const s = stored(bo[0] as ZipEntry, `${root}/byteorder`);
    if (typeof s === 'string') return s;
    const text = Buffer.from(source.read(s.start, Math.min(s.size, 16))).toString('latin1');
    if (text !== 'little' && text !== 'big') return `byteorder record says ${JSON.stringify(text)} (expected "little" or "big")`;
    bigEndian = text === 'big';
  }
  const { collector, outcome } = runPickle(new SliceSource(source, pkl.start, pkl.size), limits);
  if (outcome.failure !== undefined || !outcome.stopped || outcome.result === undefined) {
    return [`data.pkl could not be read to its end: ${outcome.failure?.message ?? 'no STOP'}`, ...collector.problems].join('; ');
  }
  const storages = new Map<string, Storage | string>();
  return {
    collector,
    root: outcome.result,
    bigEndian,
    prepare: () => [],
    storage: (key: string): Storage | string => {
      let s = storages.get(key);
      if (s === undefined) {
        const es = layout.lookup(`data/${key}`);
        s = es.length !== 1 ? `storage ${JSON.stringify(key)}: ${es.length === 0 ? 'no' : 'several'} ${root}/data/${key} record${es.length === 0 ? '' : 's'}` : stored(es[0] as ZipEntry, `${root}/data/${key}`);
        storages.set(key, s);
      }
      return s;
    },
  };
}

const LEGACY_MAGIC = '119547037146038801333356'; // 0x1950a86a20f9469cfc6c

/**
 * torch.save's legacy stream (`_use_new_zipfile_serialization=False`): five pickles (magic number,
 * protocol version, sys_info, the object, the storage keys), then per key in that order an int64
 * element count and the raw elements, in the writer's byte order (sys_info `little_endian`).
 */
function legacyLayout(source: ByteSource, limits: Limits): Layout | string {
  let pos = 0;
  const results: Value[] = [];
  let objectCollector: Collector | undefined;
  for (let i = 0; i < 5; i++) {
    const { collector, outcome } = runPickle(source, limits, pos);
    if (outcome.failure !== undefined || !outcome.stopped || outcome.result === undefined) return `legacy checkpoint: pickle ${i + 1} of 5 could not be read: ${outcome.failure?.message ?? 'no STOP'}`;
    if (i === 3) objectCollector = collector;
    results.push(outcome.result);
    pos = outcome.end;
  }
  const [magic, proto, sysInfo, root, keys] = results;
  const magicText = typeof magic === 'object' && magic !== null && magic.k === 'bigint' ? magic.text : undefined;
  if (magicText !== LEGACY_MAGIC || proto !== 1001) return 'not a legacy torch.save stream (magic number or protocol version 1001 missing)';
  let bigEndian = false;
  if (sysInfo instanceof PyDict) {
    const i = sysInfo.keys.indexOf('little_endian');
    if (i >= 0) bigEndian = sysInfo.vals[i] === false;
  }
  if (typeof keys !== 'object' || keys === null || keys.k !== 'list' || keys.dropped > 0 || !keys.items.every((k) => typeof k === 'string')) return 'legacy checkpoint: the storage key list is not a list of strings';
  const keyList = keys.items as string[];
  const dataStart = pos;
  const storages = new Map<string, Storage>();
  return {
    collector: objectCollector as Collector,
    root: root ?? null,
    bigEndian,
    prepare: (tensors: readonly TensorRef[]): string[] => {
      // Element sizes from every storage persistent id of the object pickle (not only the tensors
      // converted: --key may select a part), checked against the tensors that use them.
      const size = new Map<string, number>();
      for (const [key, cls] of (objectCollector as Collector).storageTypes) {
        const es = STORAGE_DTYPES[cls]?.size ?? OTHER_STORAGE_SIZES[cls];
        if (es !== undefined) size.set(key, es);
      }
      for (const t of tensors) if (size.get(t.storageKey) !== t.dtype.size) return [`storage ${JSON.stringify(t.storageKey)} is used with different element sizes`];
      let p = dataStart;
      for (const key of keyList) {
        if (p + 8 > source.size) return [`legacy checkpoint: storage ${JSON.stringify(key)} starts past the end of the file`];
        const head = Buffer.from(source.read(p, 8));
        const numel = Number(bigEndian ? head.readBigUInt64BE(0) : head.readBigUInt64LE(0));
        const es = size.get(key);
        if (es === undefined) return [`legacy checkpoint: storage ${JSON.stringify(key)} has no known storage type, so its size is unknown`];
        const bytes = numel * es;
        if (!Number.isSafeInteger(bytes) || p + 8 + bytes > source.size) return [`legacy checkpoint: storage ${JSON.stringify(key)} claims ${numel} elements, past the end of the file (a forged size)`];
        if (storages.has(key)) return [`legacy checkpoint: storage ${JSON.stringify(key)} is listed twice`];
        storages.set(key, { start: p + 8, size: bytes, member: `storage ${key}` });
        p += 8 + bytes;
      }
      if (p !== source.size) return [`legacy checkpoint: ${source.size - p} bytes follow the last storage`];
      return [];
    },
    storage: (key: string): Storage | string => storages.get(key) ?? `storage ${JSON.stringify(key)} is not in the checkpoint's storage list`,
  };
}

/** numpy type strings (`<f4`, `|b1`...) safetensors can hold: kind + size → dtype. */
const NPY_DTYPES: Readonly<Record<string, DtypeInfo>> = Object.freeze({
  f8: { dtype: 'F64', size: 8, swap: 8 },
  f4: { dtype: 'F32', size: 4, swap: 4 },
  f2: { dtype: 'F16', size: 2, swap: 2 },
  i8: { dtype: 'I64', size: 8, swap: 8 },
  i4: { dtype: 'I32', size: 4, swap: 4 },
  i2: { dtype: 'I16', size: 2, swap: 2 },
  i1: { dtype: 'I8', size: 1, swap: 1 },
  u8: { dtype: 'U64', size: 8, swap: 8 },
  u4: { dtype: 'U32', size: 4, swap: 4 },
  u2: { dtype: 'U16', size: 2, swap: 2 },
  u1: { dtype: 'U8', size: 1, swap: 1 },
  b1: { dtype: 'BOOL', size: 1, swap: 1 },
  c8: { dtype: 'C64', size: 8, swap: 4 },
});

/**
 * numpy: one `.npy` (the tensor is named `array`) or an `.npz` (a zip of stored `.npy` members, each
 * named by its member name without `.npy`). Object arrays are refused (their data is a pickle); so
 * are compressed members (savez_compressed). Big-endian arrays are byte-swapped, each by its own order.
 */
function numpyLayout(source: ByteSource, limits: Limits, npz: boolean): Layout | string {
  const members: { name: string; start: number; size: number; member: string; inArchive?: boolean }[] = [];
  if (!npz) members.push({ name: 'array', start: 0, size: source.size, member: 'the file' });
  else {
    const zip = parseZip(source, { maxEntries: limits.maxArchiveEntries });
    if (zip.error !== undefined) return `the zip central directory: ${zip.error.message}`;
    for (const e of zip.entries) {
      if (e.isDirectory) continue;
      if (!e.name.endsWith('.npy')) return `${e.name}: an .npz member that is not an .npy array`;
      if (e.method !== 0 || e.encrypted || e.compressedSize !== e.uncompressedSize) return `${e.name}: a compressed member (np.savez_compressed); only np.savez archives (stored members) are converted`;
      if (e.dataOffset < 0 || e.dataOffset + e.uncompressedSize > source.size) return `${e.name}: claims ${e.uncompressedSize} bytes past the end of the file`;
      members.push({ name: e.name.slice(0, -4), start: e.dataOffset, size: e.uncompressedSize, member: e.name, inArchive: true });
    }
  }
  const tensors: TensorRef[] = [];
  const storages = new Map<string, Storage>();
  for (const m of members) {
    let h;
    try {
      h = parseNpyHeader(new SliceSource(source, m.start, m.size), limits);
    } catch (e) {
      return `${m.member}: ${e instanceof Error ? e.message : String(e)}`;
    }
    const descr = typeof h.descr === 'string' ? /^([<>|=])([a-z])(\d+)$/.exec(h.descr) : null;
    const dtype = descr === null ? undefined : NPY_DTYPES[`${descr[2] ?? ''}${descr[3] ?? ''}`];
    if (h.dtype.hasObject) return `${m.member}: an object array (its data is a pickle): not converted`;
    if (descr === null || dtype === undefined) return `${m.member}: dtype ${JSON.stringify(h.descr)} has no safetensors equivalent`;
    const be = descr[1] === '>' && dtype.swap > 1;
    const numel = h.shape.reduce((a, b) => a * b, 1);
    const bytes = numel * dtype.size;
    if (!Number.isSafeInteger(bytes) || h.dataOffset + bytes !== m.size) return `${m.member}: ${m.size - h.dataOffset} data bytes for ${numel} elements of ${dtype.size} bytes (a forged shape, or trailing data)`;
    const stride: number[] = [];
    let acc = 1;
    if (h.fortranOrder) {
      for (const d of h.shape) {
        stride.push(acc);
        acc *= d;
      }
    } else {
      for (let i = h.shape.length - 1; i >= 0; i--) {
        stride[i] = acc;
        acc *= h.shape[i] as number;
      }
    }
    storages.set(m.member, { start: m.start + h.dataOffset, size: bytes, member: m.member, ...(m.inArchive === true && { inArchive: true }) });
    tensors.push({ name: m.name, storageKey: m.member, storageClass: dtype.dtype, dtype, offset: 0, shape: [...h.shape], stride, bigEndian: be });
  }
  return {
    collector: new Collector(0),
    root: null,
    tensors,
    bigEndian: false,
    prepare: () => [],
    storage: (key: string): Storage | string => storages.get(key) ?? `no member ${key}`,
  };
}

/** Plan the conversion of one PyTorch zip checkpoint (refusal, or the layout to write). */
export function planCheckpoint(input: string, options: ConvertOptions): ConversionPlan | Refusal {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const source = new FileSource(input);
  try {
    return planSource(source, input, options, limits);
  } catch (e) {
    // Fail closed: an I/O error is the caller's to report; anything else refuses the conversion.
    if (e instanceof BulwarkError && e.code === 'IO') throw e;
    return refuse(input, [], [`the checkpoint could not be analysed: ${e instanceof Error ? e.message : String(e)}`]);
  } finally {
    source.close();
  }
}

function planSource(source: FileSource, input: string, options: ConvertOptions, limits: Limits): ConversionPlan | Refusal {
  const tensorsOnly = options.tensorsOnly === true;
  // 1. The scan decides: any finding above info refuses (with --tensors-only: high and above).
  const scan = scanInput(source, input, limits);
  const bar = severityRank(tensorsOnly ? 'medium' : 'info');
  const blocking = scan.findings.filter((f) => severityRank(f.severity) > bar);
  const problems: string[] = [];
  if (!scan.complete) problems.push('the scan of the checkpoint was not complete (see the findings): a partial analysis is never converted');
  if (!['pytorch-zip', 'pytorch-legacy', 'numpy-npy', 'numpy-npz'].includes(scan.format)) {
    problems.push(`the input is ${scan.format === 'unknown' ? 'not a recognised model format' : `a ${scan.format} file`}; bulwark convert reads PyTorch checkpoints (torch.save, zip or legacy), Hugging Face shards of them, and numpy .npy/.npz files`);
  }
  if (blocking.length > 0 || problems.length > 0) return refuse(input, scan.findings, problems);

  // 2. The checkpoint's object pickle and where its storages are.
  const lay = scan.format === 'pytorch-zip' ? zipLayout(source, limits) : scan.format === 'pytorch-legacy' ? legacyLayout(source, limits) : numpyLayout(source, limits, scan.format === 'numpy-npz');
  if (typeof lay === 'string') return refuse(input, scan.findings, [lay]);
  const bigEndian = lay.bigEndian;
  let collected: { tensors: TensorRef[]; leftOut: string[]; problems: string[] };
  if (lay.tensors !== undefined) {
    if (options.key !== undefined) return refuse(input, scan.findings, ['--key selects part of a pickled checkpoint; numpy files hold arrays by name']);
    collected = { tensors: lay.tensors, leftOut: [], problems: [] };
  } else {
    const sel = selectRoot(lay.root, lay.collector, options.key);
    if (sel.problem !== undefined) return refuse(input, scan.findings, [sel.problem]);
    collected = collectTensors(sel.value, lay.collector, { tensorsOnly, budget: limits.maxConvertTensors, maxDepth: limits.maxStructureDepth });
  }
  pushProblems(problems, collected.problems);

  // 3. Names: DataParallel's `module.` prefix goes when every tensor has it; names must be unique.
  let tensors: TensorRef[] = collected.tensors;
  if (tensors.length > 0 && tensors.every((t) => t.name.startsWith('module.'))) tensors = tensors.map((t) => ({ ...t, name: t.name.slice('module.'.length) }));
  tensors = tensors.map((t) => (t.name === '' ? { ...t, name: 'tensor' } : t));
  const seen = new Set<string>();
  for (const t of tensors) {
    if (t.name === '__metadata__') problems.push('a tensor named __metadata__ (the safetensors header reserves the name)');
    if (seen.has(t.name)) problems.push(`two tensors are named ${JSON.stringify(t.name)} after flattening`);
    seen.add(t.name);
  }
  if (tensors.length === 0 && problems.length === 0) problems.push('the checkpoint holds no tensors');

  // 4. Storages and views: every byte a view reads must lie inside its storage record.
  const prep = lay.prepare(tensors);
  if (prep.length > 0) return refuse(input, [...scan.findings, ...malformedFindings(input, prep.map((message) => ({ message })))], problems);
  const forged: { member?: string; message: string }[] = [];
  const storageOf = lay.storage;
  const planned: PlannedTensor[] = [];
  const aliases = new Map<string, string>();
  const byView = new Map<string, PlannedTensor>();
  for (const t of [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const s = storageOf(t.storageKey);
    if (typeof s === 'string') {
      problems.push(`${t.name}: ${s}`);
      continue;
    }
    const numel = numelOf(t.shape);
    const nbytes = numel * t.dtype.size;
    if (!Number.isSafeInteger(nbytes)) {
      problems.push(`${t.name}: shape [${t.shape.join(', ')}] is too large`);
      continue;
    }
    let spanEnd = 0;
    if (numel > 0) {
      let maxIndex = t.offset;
      for (let i = 0; i < t.shape.length; i++) maxIndex += ((t.shape[i] as number) - 1) * (t.stride[i] as number);
      spanEnd = (maxIndex + 1) * t.dtype.size;
      if (!Number.isSafeInteger(spanEnd) || spanEnd > s.size) {
        const message = `tensor ${t.name}: the view (offset ${t.offset}, size [${t.shape.join(', ')}], stride [${t.stride.join(', ')}]) reads up to byte ${spanEnd} of ${s.member}, which holds ${s.size} bytes (a forged storage offset or size); torch.load refuses it, a lenient reader reads out of bounds`;
        forged.push(s.inArchive === true ? { member: s.member, message } : { message });
        continue;
      }
    }
    const viewKey = `${t.storageKey}\n${t.storageClass}\n${t.offset}\n${t.shape.join(',')}\n${t.stride.join(',')}`;
    const same = byView.get(viewKey);
    if (same !== undefined && numel > 0 && !RESERVED_METADATA.has(t.name)) {
      aliases.set(t.name, same.name); // tied weights: one copy, the alias in the metadata (safetensors.torch.save_model)
      continue;
    }
    const swap = (t.bigEndian ?? bigEndian) && t.dtype.swap > 1;
    const p: PlannedTensor = {
      name: t.name,
      dtype: t.dtype,
      shape: t.shape,
      nbytes,
      start: s.start + t.offset * t.dtype.size,
      storageStart: s.start,
      storageBytes: s.size,
      offset: t.offset,
      stride: t.stride,
      swap,
      direct: numel > 0 && !swap && isContiguous(t.shape, t.stride),
      dataOffset: 0,
    };
    if (!p.direct && numel > 0 && spanEnd - t.offset * t.dtype.size > limits.maxConvertCopyBytes) {
      problems.push(`${t.name}: copying this view needs ${spanEnd - t.offset * t.dtype.size} bytes in memory, more than maxConvertCopyBytes (${limits.maxConvertCopyBytes})`);
      continue;
    }
    byView.set(viewKey, p);
    planned.push(p);
  }
  if (problems.length > 0 || forged.length > 0) return refuse(input, [...scan.findings, ...malformedFindings(input, forged)], problems);

  // 5. Layout: direct ranges in input order (one sequential pass), then gathered views, then empty tensors.
  const direct = planned.filter((p) => p.direct).sort((a, b) => a.start - b.start);
  const ordered: PlannedTensor[] = [];
  let prevEnd = -1;
  for (const p of direct) {
    if (p.start < prevEnd) p.direct = false; // overlaps the previous range: gathered separately
    else {
      ordered.push(p);
      prevEnd = p.start + p.nbytes;
    }
  }
  for (const p of planned) if (!p.direct && p.nbytes > 0) ordered.push(p);
  for (const p of planned) if (p.nbytes === 0) ordered.push(p);
  let at = 0;
  for (const p of ordered) {
    p.dataOffset = at;
    at += p.nbytes;
  }
  const { header, hashAt } = buildHeader(ordered, aliases, options.version);
  return {
    refused: false,
    input,
    inputSize: source.size,
    header,
    hashAt,
    tensors: ordered,
    aliases,
    leftOut: collected.leftOut,
    findings: scan.findings,
    outputSize: header.length + at,
  };
}

function pushProblems(target: string[], items: readonly string[]): void {
  for (const s of items) target.push(s);
}

/**
 * The safetensors header: `__metadata__` first (the source's SHA-256 placeholder, Bulwark's version,
 * `format: pt`, then the aliases of tied weights), tensors sorted by name, padded with spaces to a
 * multiple of 8 bytes as the Rust crate pads it.
 */
function buildHeader(tensors: readonly PlannedTensor[], aliases: ReadonlyMap<string, string>, version: string): { header: Uint8Array; hashAt: number } {
  const meta: string[] = [`"bulwark.source_sha256":"${HASH_PLACEHOLDER}"`, `"bulwark.version":${JSON.stringify(version)}`, `"format":"pt"`];
  for (const [removed, kept] of [...aliases].sort((a, b) => (a[0] < b[0] ? -1 : 1))) meta.push(`${JSON.stringify(removed)}:${JSON.stringify(kept)}`);
  const prefix = '{"__metadata__":{';
  const parts: string[] = [];
  for (const t of [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    parts.push(`${JSON.stringify(t.name)}:{"dtype":"${t.dtype.dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${t.dataOffset},${t.dataOffset + t.nbytes}]}`);
  }
  let json = `${prefix}${meta.join(',')}}${parts.length > 0 ? ',' : ''}${parts.join(',')}}`;
  let len = Buffer.byteLength(json, 'utf8');
  const pad = (8 - (len % 8)) % 8;
  json += ' '.repeat(pad);
  len += pad;
  const header = new Uint8Array(8 + len);
  new DataView(header.buffer).setBigUint64(0, BigInt(len), true);
  Buffer.from(header.buffer, header.byteOffset, header.length).write(json, 8, 'utf8');
  return { header, hashAt: 8 + prefix.length + '"bulwark.source_sha256":"'.length };
}

// --- Hugging Face sharded checkpoints ------------------------------------------------------------

export interface ShardedPlan {
  readonly refused: false;
  readonly shards: readonly { readonly output: string; readonly plan: ConversionPlan }[];
  /** model.safetensors.index.json */
  readonly indexJson: string;
}

const SHARD_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** The index of a sharded checkpoint given a folder or the index file itself; undefined when `input` is neither. */
export function shardIndexOf(input: string): string | undefined {
  try {
    if (statSync(input).isDirectory()) {
      const p = join(input, 'pytorch_model.bin.index.json');
      return existsSync(p) ? p : undefined;
    }
  } catch {
    return undefined;
  }
  return input.endsWith('.index.json') ? input : undefined;
}

/**
 * Plan a sharded checkpoint: every shard the index names is converted on its own (shard N of M
 * becomes `model-0000N-of-0000M.safetensors`) and `model.safetensors.index.json` maps every stored
 * tensor to its shard, the layout `transformers` loads. Refused when any shard is.
 */
export function planSharded(indexPath: string, options: ConvertOptions): ShardedPlan | Refusal {
  const limits = options.limits ?? DEFAULT_LIMITS;
  let index: unknown;
  try {
    const size = statSync(indexPath).size;
    if (size > limits.maxTextBytes) throw new BulwarkError('IO', `${indexPath} is larger than maxTextBytes (${limits.maxTextBytes})`);
    index = JSON.parse(readFileSync(indexPath, 'utf8'));
  } catch (e) {
    if (e instanceof BulwarkError) throw e;
    if ((e as NodeJS.ErrnoException).code !== undefined) throw new BulwarkError('IO', `cannot read ${indexPath}: ${(e as NodeJS.ErrnoException).code ?? ''}`, { cause: e });
    return refuse(indexPath, [], [`${basename(indexPath)} is not valid JSON`]);
  }
  const wm = typeof index === 'object' && index !== null ? (index as { weight_map?: unknown }).weight_map : undefined;
  if (typeof wm !== 'object' || wm === null || Array.isArray(wm)) return refuse(indexPath, [], [`${basename(indexPath)} has no weight_map object`]);
  const files = new Set<string>();
  for (const v of Object.values(wm as Record<string, unknown>)) {
    if (typeof v !== 'string' || !SHARD_NAME.test(v)) return refuse(indexPath, [], [`weight_map names a shard ${JSON.stringify(v)} that is not a plain file name in the index's folder`]);
    files.add(v);
  }
  if (files.size === 0) return refuse(indexPath, [], ['weight_map names no shard']);
  if (files.size > 99_999) return refuse(indexPath, [], ['weight_map names more than 99,999 shards']);
  const dir = dirname(indexPath);
  const names = [...files].sort();
  const m = names.length;
  const pad = (n: number): string => String(n).padStart(5, '0');
  const shards: { output: string; plan: ConversionPlan }[] = [];
  const weightMap = new Map<string, string>();
  let total = 0;
  for (let i = 0; i < m; i++) {
    const name = names[i] as string;
    const plan = planCheckpoint(join(dir, name), options);
    if (plan.refused) return plan;
    const output = `model-${pad(i + 1)}-of-${pad(m)}.safetensors`;
    for (const t of plan.tensors) {
      if (weightMap.has(t.name)) return refuse(join(dir, name), [], [`tensor ${JSON.stringify(t.name)} is in two shards`]);
      weightMap.set(t.name, output);
      total += t.nbytes;
    }
    shards.push({ output, plan });
  }
  const sorted = [...weightMap].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const indexJson = `${JSON.stringify({ metadata: { total_size: total }, weight_map: Object.fromEntries(sorted) }, null, 2)}\n`;
  return { refused: false, shards, indexJson };
}
