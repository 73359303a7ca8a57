import { BulwarkError } from '../findings/index.js';

/**
 * Every length, count, depth and decompressed size Bulwark reads from untrusted input has a named
 * limit here. Exceeding one produces a `scan/limit-exceeded` finding and a `partial` target: a
 * partial analysis is never reported as clean.
 */
export interface Limits {
  /** Bytes actually read from one target (tensor payloads are skipped by seeking and do not count). */
  readonly maxReadBytes: number;
  /** Output of one decompression (zip member, gzip/bz2/xz/zstd/lzma stream, joblib body). */
  readonly maxDecompressedBytes: number;
  /** Sum of all decompressed output for one target, nested archives included. */
  readonly maxTotalDecompressedBytes: number;
  /** Opcodes executed symbolically in one pickle stream. */
  readonly maxPickleOps: number;
  /** Symbolic stack size (items plus marks) of one pickle stream. */
  readonly maxPickleStack: number;
  /** Memo entries of one pickle stream. */
  readonly maxPickleMemo: number;
  /** Bytes of one string kept for analysis and evidence; longer strings are truncated (and said so). */
  readonly maxStringBytes: number;
  /** Nesting of containers in containers and of pickles in pickles. */
  readonly maxNestingDepth: number;
  /** Entries in one archive (zip central directory, tar members). */
  readonly maxArchiveEntries: number;
  /** Files considered under one directory argument. */
  readonly maxFiles: number;
  /** Directory depth of a walk. */
  readonly maxDirectoryDepth: number;
  /** Findings kept per target (further findings are counted in one summary finding). */
  readonly maxFindingsPerTarget: number;
  /** Bytes of one text document (YAML/JSON manifests, configs, templates). */
  readonly maxTextBytes: number;
  /** YAML documents in one file. */
  readonly maxYamlDocuments: number;
  /** YAML alias resolutions in one document (alias bombs). */
  readonly maxYamlAliases: number;
  /** Nesting depth of one JSON/YAML/protobuf structure. */
  readonly maxStructureDepth: number;
}

export type LimitName = keyof Limits;

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export const DEFAULT_LIMITS: Limits = Object.freeze({
  maxReadBytes: 2 * GiB,
  maxDecompressedBytes: 1 * GiB,
  maxTotalDecompressedBytes: 2 * GiB,
  maxPickleOps: 100_000_000,
  maxPickleStack: 2_000_000,
  maxPickleMemo: 10_000_000,
  maxStringBytes: 1 * MiB,
  maxNestingDepth: 8,
  maxArchiveEntries: 1_000_000,
  maxFiles: 1_000_000,
  maxDirectoryDepth: 64,
  maxFindingsPerTarget: 1_000,
  maxTextBytes: 64 * MiB,
  maxYamlDocuments: 10_000,
  maxYamlAliases: 10_000,
  maxStructureDepth: 256,
});

export const LIMIT_NAMES = Object.keys(DEFAULT_LIMITS) as LimitName[];

export function isLimitName(s: string): s is LimitName {
  return (LIMIT_NAMES as string[]).includes(s);
}

/** Merge overrides (e.g. from `--limit name=value`) onto the defaults; values must be positive integers. */
export function resolveLimits(overrides: Partial<Record<string, number>> = {}): Limits {
  const out: Record<string, number> = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) continue;
    if (!isLimitName(k)) throw new BulwarkError('USAGE', `unknown limit "${k}" (known: ${LIMIT_NAMES.join(', ')})`);
    if (!Number.isSafeInteger(v) || v <= 0) throw new BulwarkError('USAGE', `limit ${k} must be a positive integer`);
    out[k] = v;
  }
  return Object.freeze(out) as unknown as Limits;
}

/** Parse a size such as `512MiB`, `2GiB`, `1000000`, `64k`. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+)\s*(k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)?$/i.exec(text.trim());
  if (!m?.[1]) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase();
  const mult = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? MiB : unit.startsWith('g') ? GiB : unit.startsWith('t') ? 1024 * GiB : 1;
  const v = n * mult;
  return Number.isSafeInteger(v) ? v : undefined;
}
