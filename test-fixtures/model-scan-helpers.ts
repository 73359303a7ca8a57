/**
 * Helpers for model-scanner tests: a Reporter configured as the engine configures it, scan bytes end
 * to end with small limits, summarise findings, count the bytes a scan reads, and small hostile
 * payloads shared by container tests.
 */
import type { Finding, TargetStatus } from '../src/findings/index.js';
import type { ByteSource, Limits } from '../src/limits/index.js';
import { BufferSource, DEFAULT_LIMITS, resolveLimits } from '../src/limits/index.js';
import type { ModelScanOptions } from '../src/model-scanners/index.js';
import { scanModelSource } from '../src/model-scanners/index.js';
import { Reporter } from '../src/rules/index.js';
import { pickle } from './pickle-builder.js';

export const OPTIONS: ModelScanOptions = { strict: false, policy: 'default' };

/** A Reporter with the caps the engine uses: `maxFindingsPerTarget` and `maxFindingsPerRule`. */
export function modelReporter(limits: Limits = DEFAULT_LIMITS): Reporter {
  return new Reporter({ maxPerTarget: limits.maxFindingsPerTarget, maxPerRule: limits.maxFindingsPerRule });
}

/** What a test sees of one scan: the result and every finding (the Reporter's summaries included). */
export interface ScannedModel {
  readonly format: string;
  /** The final status: partial when the Reporter says so (also after its caps were applied). */
  readonly status: TargetStatus;
  readonly findings: Finding[];
}

/** `os.system("id")` as a protocol 2 pickle. */
export const EVIL_PICKLE = pickle((b) => b.proto(2).global('os', 'system').str('id').tuple1().reduce().stop());
/** Same call, protocol 0 (no magic bytes). */
export const EVIL_PICKLE_P0 = new TextEncoder().encode("cos\nsystem\n(S'id'\ntR.");
/** A harmless pickle: an empty dict. */
export const BENIGN_PICKLE = pickle((b) => b.proto(2).emptyDict().stop());

/**
 * Hostile pickle `os.system("id")` compressed by CPython 3.11 (`bz2.compress`, `lzma.compress`
 * with FORMAT_XZ and FORMAT_ALONE) and the zstd 1.5 CLI (`zstd -q -c`).
 */
export const EVIL_COMPRESSED = {
  xz: '/Td6WFoAAATm1rRGAgAhARYAAAB0L+WjAQAegAJjb3MKc3lzdGVtCnEAWAIAAABpZHEBhXECUnEDLgAAtUwC/DzA5DEAATcf6hiJPR+2830BAAAAAARZWg==',
  lzma: 'XQAAgAD//////////wBAAIgDvDC9NN4vXibQaf/hrZw665g3o8UNHl80wUzKjkUPuM///LCQAA==',
  bzip2: 'QlpoOTFBWSZTWR6rbAEAAA7TwHgQAAEQQA4irCBCACAAIp6gNBhMhTCaaA0xKBACDhGLOQvqsptHni5yiPi7kinChID1W2AI',
  zstd: 'KLUv/QRY+QAAgAJjb3MKc3lzdGVtCnEAWAIAAABpZHEBhXECUnEDLrmmyWM=',
} as const;
/** Raw bytes of that pickle (CPython's encoding, differs from EVIL_PICKLE by memo opcodes). */
export const EVIL_PICKLE_CPYTHON = Buffer.from('8002636f730a73797374656d0a71005802000000696471018571025271032e', 'hex');

/**
 * A zip written by CPython 3.11's zipfile holding EVIL_PICKLE_CPYTHON four times: `stored.pkl`
 * (ZIP_STORED), `deflated.pkl` (ZIP_DEFLATED), `bzip2.pkl` (ZIP_BZIP2), `lzma.pkl` (ZIP_LZMA).
 */
export const PY_ZIP_ALL_METHODS =
  'UEsDBBQAAAAAAAAAIQDt2ob6HwAAAB8AAAAKAAAAc3RvcmVkLnBrbIACY29zCnN5c3RlbQpxAFgCAAAAaWRxAYVxAlJxAy5QSwMEFAAAAAgARyB7Xe3ahvohAAAAHwAAAAwAAABkZWZsYXRlZC5wa2xrYErOL+YqriwuSc3lKmSIYGJgYMhMKWRsLWQKKmTWAwBQSwMELgAAAAwARyB7Xe3ahvpIAAAAHwAAAAkAAABiemlwMi5wa2xCWmg5MUFZJlNZHqtsAQAADtPAeBAAARBADiKsIEIAIAAinqA0GEyFMJpoDTEoEAIOEYs5C+qym0eeLnKI+LuSKcKEgPVbYAhQSwMEPwACAA4ARyB7Xe3ahvozAAAAHwAAAAgAAABsem1hLnBrbAkEBQBdAACAAABAAIgDvDC9NN4vXibQaf/hrZw665g3o8UNHl80wUzKjkUPuM///LCQAFBLAQIUAxQAAAAAAAAAIQDt2ob6HwAAAB8AAAAKAAAAAAAAAAAAAACAAQAAAABzdG9yZWQucGtsUEsBAhQDFAAAAAgARyB7Xe3ahvohAAAAHwAAAAwAAAAAAAAAAAAAAIABRwAAAGRlZmxhdGVkLnBrbFBLAQIuAy4AAAAMAEcge13t2ob6SAAAAB8AAAAJAAAAAAAAAAAAAACAAZIAAABiemlwMi5wa2xQSwECPwM/AAIADgBHIHtd7dqG+jMAAAAfAAAACAAAAAAAAAAAAAAAgAEBAQAAbHptYS5wa2xQSwUGAAAAAAQABADfAAAAWgEAAAAA';

export function b64(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64'));
}

/** Scan bytes as a file named `path`, with limit overrides and scan options. */
export function scanBytes(bytes: Uint8Array | ByteSource, limits: Partial<Limits> = {}, path = 'target', options: ModelScanOptions = OPTIONS): ScannedModel | undefined {
  const source = bytes instanceof Uint8Array ? new BufferSource(bytes) : bytes;
  const resolved = resolveLimits(limits);
  const reporter = modelReporter(resolved);
  const r = scanModelSource(source, path, options, resolved, reporter);
  if (r === undefined) return undefined;
  const findings = reporter.finish();
  return { format: r.format, status: reporter.partialPaths().has(path) ? 'partial' : r.status, findings };
}

/** Like scanBytes, but fails when the content is not recognised. */
export function mustScan(bytes: Uint8Array | ByteSource, limits: Partial<Limits> = {}): ScannedModel {
  const r = scanBytes(bytes, limits);
  if (!r) throw new Error('content was not recognised as a model format');
  return r;
}

export function ruleIds(r: ScannedModel | undefined): string[] {
  return [...new Set((r?.findings ?? []).map((f) => f.ruleId))].sort();
}

export function memberOf(f: Finding): string | undefined {
  return f.location.kind === 'archive-member' ? f.location.member : undefined;
}

/** Findings of `ruleId`, as `member: message` strings. */
export function findingsOf(r: ScannedModel | undefined, ruleId: string): Finding[] {
  return (r?.findings ?? []).filter((f) => f.ruleId === ruleId);
}

/** A ByteSource that records every read (offset, length) — to prove what a scan did not read. */
export class RecordingSource implements ByteSource {
  readonly reads: Array<[number, number]> = [];
  constructor(private readonly inner: ByteSource) {}
  get size(): number {
    return this.inner.size;
  }
  read(offset: number, length: number): Uint8Array {
    const b = this.inner.read(offset, length);
    this.reads.push([offset, b.length]);
    return b;
  }
  /** Bytes read that fall inside [start, end). */
  bytesReadWithin(start: number, end: number): number {
    let n = 0;
    for (const [o, l] of this.reads) n += Math.max(0, Math.min(end, o + l) - Math.max(start, o));
    return n;
  }
}
