/**
 * The OMS manifest: resource descriptors (one per file, or per shard), the serialization parameters,
 * the root digest, and the in-toto statement that carries them (OMS §5, §6).
 */
import { createHash } from 'node:crypto';
import type { LocalFile } from './enumerate.js';
import type { HashType, HashUnit } from './hash-io.js';
import { shardName } from './paths.js';
import { comparePathNames, compareShardNames, parseShardName } from './paths.js';
import { IN_TOTO_STATEMENT_TYPE, PREDICATE_TYPE } from './constants.js';

export interface FilesSerialization {
  readonly method: 'files';
  readonly hashType: HashType;
  readonly allowSymlinks: boolean;
  readonly ignorePaths?: readonly string[];
}

export interface ShardsSerialization {
  readonly method: 'shards';
  readonly hashType: HashType;
  readonly shardSize: number;
  readonly allowSymlinks: boolean;
  readonly ignorePaths?: readonly string[];
}

export type Serialization = FilesSerialization | ShardsSerialization;

export interface Resource {
  /** File name (`files`) or `name:start:end` (`shards`). */
  readonly name: string;
  /** Lowercase hex. */
  readonly digest: string;
  readonly algorithm: string;
}

export interface Manifest {
  /** The subject name (informational). */
  readonly modelName: string;
  readonly serialization: Serialization;
  /** In the order they are listed (and hashed into the root digest). */
  readonly resources: readonly Resource[];
}

/**
 * The `algorithm` of a resource. For shards the reference writes its hasher's name,
 * `<hash>-sharded-<shard_size>`, and its verifier compares it; the OMS schema lists only the plain
 * hash names. Bulwark writes the reference's form (so the reference verifies Bulwark's shard
 * signatures) and accepts both.
 */
export function resourceAlgorithm(s: Serialization): string {
  return s.method === 'shards' ? `${s.hashType}-sharded-${s.shardSize}` : s.hashType;
}

export function acceptedAlgorithms(s: Serialization): readonly string[] {
  return s.method === 'shards' ? [s.hashType, `${s.hashType}-sharded-${s.shardSize}`] : [s.hashType];
}

/** SHA-256 over the concatenated raw digests, in the listed order (OMS §6.5.1). */
export function rootDigest(resources: readonly Resource[]): string {
  const h = createHash('sha256');
  for (const r of resources) h.update(Buffer.from(r.digest, 'hex'));
  return h.digest('hex');
}

/** Shard ranges of a file of `size` bytes; an empty file has none (OMS §6.3.2). */
export function shardRanges(size: number, shardSize: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let start = 0; start < size; start += shardSize) out.push([start, Math.min(size, start + shardSize)]);
  return out;
}

export interface PlannedResource {
  readonly name: string;
  readonly unit: HashUnit;
}

/** The hash units of local files under a serialization, named as resources, in reference order. */
export function planResources(files: readonly LocalFile[], s: Serialization): PlannedResource[] {
  const out: PlannedResource[] = [];
  for (const f of files) {
    if (s.method === 'files') {
      out.push({ name: f.name, unit: { path: f.path, start: 0, end: f.size, size: f.size, whole: true, label: f.name } });
    } else {
      for (const [start, end] of shardRanges(f.size, s.shardSize)) {
        out.push({ name: shardName(f.name, start, end), unit: { path: f.path, start, end, size: f.size, whole: false, label: shardName(f.name, start, end) } });
      }
    }
  }
  return sortResourcesInPlace(out, s);
}

/** Sort anything with a `name` into the reference order for the serialization method. */
export function sortResourcesInPlace<T extends { readonly name: string }>(items: T[], s: Pick<Serialization, 'method'>): T[] {
  if (s.method === 'files') return items.sort((a, b) => comparePathNames(a.name, b.name));
  return items.sort((a, b) => {
    const pa = parseShardName(a.name);
    const pb = parseShardName(b.name);
    if (pa && pb) return compareShardNames(pa, pb);
    return comparePathNames(a.name, b.name);
  });
}

/** The `serialization` object exactly as written (key order as in OMS Appendix A). */
export function serializationJson(s: Serialization): Record<string, unknown> {
  const out: Record<string, unknown> = { method: s.method, hash_type: s.hashType };
  if (s.method === 'shards') out.shard_size = s.shardSize;
  out.allow_symlinks = s.allowSymlinks;
  if (s.ignorePaths !== undefined && s.ignorePaths.length > 0) out.ignore_paths = [...s.ignorePaths];
  return out;
}

/** The in-toto Statement v1 with the OMS predicate, as a plain object (OMS §6.6). */
export function statementOf(m: Manifest): Record<string, unknown> {
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{ name: m.modelName, digest: { sha256: rootDigest(m.resources) } }],
    predicateType: PREDICATE_TYPE,
    predicate: {
      resources: m.resources.map((r) => ({ name: r.name, digest: r.digest, algorithm: r.algorithm })),
      serialization: serializationJson(m.serialization),
    },
  };
}

/**
 * Serialize a statement as the reference does (`json_format.MessageToJson`: two-space indent, and
 * Python's `ensure_ascii`, which writes every non-ASCII UTF-16 code unit as `\uXXXX`).
 */
export function statementBytes(statement: unknown): Buffer {
  const json = JSON.stringify(statement, null, 2).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return Buffer.from(json, 'utf8');
}
