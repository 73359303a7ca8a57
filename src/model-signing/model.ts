/**
 * Hashing a model into an OMS manifest: ignore paths (OMS §6.2), enumeration (§6.1), hashing (§6.3),
 * resource order (§6.4, reference order: see paths.ts).
 */
import { lstatSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute, relative, resolve } from 'node:path';
import { BulwarkError, pushAll } from '../findings/index.js';
import { DEFAULT_IGNORED_PATHS, DEFAULT_SHARD_SIZE } from './constants.js';
import type { Enumeration, LocalFile } from './enumerate.js';
import { enumerateModel } from './enumerate.js';
import type { HashOptions, HashType } from './hash-io.js';
import { hashUnits, startHashPool } from './hash-io.js';
import type { Manifest, Serialization } from './manifest.js';
import { planResources, resourceAlgorithm } from './manifest.js';
import { checkIgnorePath, sortedUnique } from './paths.js';

export interface HashModelOptions extends HashOptions {
  /** `files` (default): one digest per file. `shards`: one per `shardSize` bytes of each file. */
  readonly method?: 'files' | 'shards';
  readonly hashType?: HashType;
  readonly shardSize?: number;
  readonly allowSymlinks?: boolean;
  /** Model-relative paths to leave out (and record in `ignore_paths`). */
  readonly ignorePaths?: readonly string[];
  /** Leave out `.git`, `.gitattributes`, `.github`, `.gitignore` at the model root (default true). */
  readonly ignoreGitPaths?: boolean;
  /** The signature file: left out (and recorded) when it lies inside the model folder. */
  readonly signaturePath?: string;
  /**
   * Resource name of a single-file model: `basename` (OMS §6.1.2 rule 5, the default) or `dot`
   * (`.`, what the Python reference writes and requires).
   */
  readonly singleFileName?: 'basename' | 'dot';
  readonly maxFiles?: number;
  readonly maxDepth?: number;
}

export interface HashedModel {
  readonly manifest: Manifest;
  readonly enumeration: Enumeration;
}

/** True when the model path is (or links to) a regular file; errors surface later in enumeration. */
export function isFileModel(modelPath: string): boolean {
  try {
    return statSync(modelPath).isFile();
  } catch {
    return false;
  }
}

/** The model-relative path of `file` when it lies inside the folder `modelPath`, else undefined. */
export function relativeInside(modelPath: string, file: string): string | undefined {
  const rel = relative(resolve(modelPath), resolve(file));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return rel.split(/[\\/]/).join('/');
}

export interface IgnoreSet {
  /** Paths excluded from enumeration. */
  readonly effective: string[];
  /** Paths recorded in `serialization.ignore_paths` (the same, sorted). */
  readonly recorded: string[];
}

/** Ignore paths of a folder model: defaults, user paths, the signature file if inside, and `extra`. */
export function ignoreSet(modelPath: string, options: Pick<HashModelOptions, 'ignorePaths' | 'ignoreGitPaths' | 'signaturePath'>, extra: readonly string[] = []): IgnoreSet {
  const paths: string[] = [];
  if (options.ignoreGitPaths ?? true) pushAll(paths, DEFAULT_IGNORED_PATHS);
  for (const p of options.ignorePaths ?? []) {
    const inside = isAbsolute(p) ? relativeInside(modelPath, p) : p;
    if (inside === undefined) throw new BulwarkError('USAGE', `ignore path ${p} is not inside the model ${modelPath}`);
    paths.push(checkIgnorePath(inside));
  }
  if (options.signaturePath !== undefined) {
    const rel = relativeInside(modelPath, options.signaturePath);
    if (rel !== undefined) paths.push(rel);
  }
  pushAll(paths, extra);
  const recorded = sortedUnique(paths);
  return { effective: recorded, recorded };
}

export function serializationFor(options: HashModelOptions, ignorePaths: readonly string[]): Serialization {
  const hashType = options.hashType ?? 'sha256';
  const allowSymlinks = options.allowSymlinks ?? false;
  const ignore = ignorePaths.length > 0 ? { ignorePaths: [...ignorePaths] } : {};
  if ((options.method ?? 'files') === 'files') return { method: 'files', hashType, allowSymlinks, ...ignore };
  const shardSize = options.shardSize ?? DEFAULT_SHARD_SIZE;
  if (!Number.isSafeInteger(shardSize) || shardSize <= 0) throw new BulwarkError('USAGE', `shard size must be a positive integer, got ${shardSize}`);
  return { method: 'shards', hashType, shardSize, allowSymlinks, ...ignore };
}

/** Models with at most this many files are stat'ed at enumeration (sizes plan the hashing). */
const STAT_AT_ENUMERATION = 1024;

function withSizes(files: readonly LocalFile[]): LocalFile[] {
  return files.map((f) => {
    if (f.size >= 0) return f;
    try {
      return { ...f, size: lstatSync(f.path).size };
    } catch (e) {
      throw new BulwarkError('IO', `cannot read ${f.path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { cause: e });
    }
  });
}

/** Hash a model (folder or single file) into the manifest `bulwark sign` signs. */
export async function hashModel(modelPath: string, options: HashModelOptions = {}): Promise<HashedModel> {
  let ignores: IgnoreSet;
  if (isFileModel(modelPath)) {
    if ((options.ignorePaths ?? []).length > 0) throw new BulwarkError('USAGE', `--ignore-paths applies to folder models; ${modelPath} is a file`);
    // The reference joins the default ignores to the model path even for a file, and records them.
    const recorded = options.ignoreGitPaths ?? true ? sortedUnique(DEFAULT_IGNORED_PATHS) : [];
    ignores = { effective: [], recorded };
  } else {
    ignores = ignoreSet(modelPath, options);
  }
  // Hash workers start now, in their own threads, while this thread walks the model.
  const jobs = options.jobs ?? availableParallelism();
  const pool = jobs > 0 && !isFileModel(modelPath) ? startHashPool(jobs, options.chunkSize) : undefined;
  let enumeration: Enumeration;
  try {
    // The `files` method needs no sizes to hash a file whole: models of many files are not stat'ed
    // file by file on this thread (the hash workers fstat each file they open); a few files are, so
    // that large ones are scheduled first.
    const filesMethod = (options.method ?? 'files') === 'files';
    enumeration = enumerateModel(modelPath, {
      allowSymlinks: options.allowSymlinks ?? false,
      ignorePaths: ignores.effective,
      sizes: !filesMethod,
      ...(options.maxFiles !== undefined && { maxFiles: options.maxFiles }),
      ...(options.maxDepth !== undefined && { maxDepth: options.maxDepth }),
    });
    if (enumeration.files.length === 0) throw new BulwarkError('USAGE', `${modelPath} contains no regular files after applying the ignore paths`);
    if (filesMethod && enumeration.files.length <= STAT_AT_ENUMERATION) enumeration = { ...enumeration, files: withSizes(enumeration.files) };
  } catch (e) {
    pool?.close();
    throw e;
  }
  const serialization = serializationFor(options, ignores.recorded);
  const files = enumeration.single
    ? enumeration.files.map((f) => ({ ...f, name: (options.singleFileName ?? 'basename') === 'dot' ? '.' : enumeration.modelName }))
    : enumeration.files;
  const planned = planResources(files, serialization);
  const digests = await hashUnits(
    planned.map((p) => p.unit),
    serialization.hashType,
    { ...options, noFollow: !serialization.allowSymlinks, ...(pool !== undefined && { pool }) },
  );
  const algorithm = resourceAlgorithm(serialization);
  const resources = planned.map((p, i) => ({ name: p.name, digest: digests[i] as string, algorithm }));
  return { manifest: { modelName: enumeration.modelName, serialization, resources }, enumeration };
}
