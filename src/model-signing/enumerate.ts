/**
 * File enumeration (OMS §6.1), as the reference walks a model (`Path.glob("**\/*")` plus checks):
 * - regular files only; directories contribute their files; empty directories contribute nothing;
 * - ignore paths are model-relative and match a path and its subtree (component-wise);
 * - `allowSymlinks: false` (the default): any symbolic link is an error;
 * - `allowSymlinks: true`: a link to a regular file is hashed under the link's own name; a link to a
 *   directory is not descended (pathlib's `**` does not recurse into linked directories, nor does the
 *   Go port); a broken link is an error; a target outside the model root is a warning (OMS §6.1.1);
 * - special files (FIFOs, sockets, devices) are an error and are never opened (a FIFO would block);
 * - names must be valid UTF-8 (OMS §6.1.2 rule 7): they are read as bytes and decoded strictly.
 */
import type { Dirent, Stats } from 'node:fs';
import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, join, resolve, sep } from 'node:path';
import { BulwarkError } from '../findings/index.js';
import { failure } from './errors.js';
import { isUnder } from './paths.js';

export interface LocalFile {
  /** Model-relative POSIX name; `.` for a single-file model. */
  readonly name: string;
  /** Path on disk. */
  readonly path: string;
  readonly size: number;
}

export interface EnumerateOptions {
  readonly allowSymlinks: boolean;
  /** Canonical model-relative paths to leave out (with their subtrees). */
  readonly ignorePaths: readonly string[];
  /** Most files accepted (a named limit for untrusted trees). */
  readonly maxFiles?: number;
  /** Deepest directory nesting accepted. */
  readonly maxDepth?: number;
  /**
   * `false`: do not stat regular files found by the directory walk; their `size` is -1 and the
   * hasher takes it from `fstat` when it opens the file (one system call less per file, on the
   * serial path). Default true.
   */
  readonly sizes?: boolean;
}

export interface Enumeration {
  /** True when the model is one file (its resource is named `.` here; see `singleFileName`). */
  readonly single: boolean;
  /** Basename of the resolved model path (the statement's subject name). */
  readonly modelName: string;
  /** Files in reference order of their names. */
  readonly files: LocalFile[];
  readonly warnings: string[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function ioError(path: string, e: unknown): BulwarkError {
  const code = (e as NodeJS.ErrnoException).code ?? String(e);
  return new BulwarkError('IO', `cannot read ${path}: ${code}`, { cause: e });
}

function within(real: string, rootReal: string): boolean {
  return real === rootReal || real.startsWith(rootReal.endsWith(sep) ? rootReal : rootReal + sep);
}

/** The subject name the reference writes: the path's final component, or the resolved one for `.`/`..`. */
export function modelNameOf(modelPath: string): string {
  const b = basename(modelPath);
  return b === '' || b === '.' || b === '..' ? basename(resolve(modelPath)) : b;
}

/** A directory's entries read as bytes, names decoded strictly (OMS §6.1.2 rule 7). */
function strictEntries(dir: string, rel: string): Dirent[] {
  const raw = readdirSync(dir, { withFileTypes: true, encoding: 'buffer' });
  return raw.map((e) => {
    let name: string;
    try {
      name = utf8.decode(e.name);
    } catch {
      throw failure('unsupported', `a file name under ${rel === '' ? '.' : rel} is not valid UTF-8 and cannot be recorded in a signature`);
    }
    // A Dirent with the strictly decoded name (the type methods are the original entry's).
    return Object.assign(Object.create(Object.getPrototypeOf(e) as object) as Dirent, e, { name });
  });
}

/**
 * Files in the reference order (`comparePathNames`: component-wise by UTF-8 bytes), sorting on keys
 * computed once per file instead of encoding both names in every comparison: names as strings with
 * `/` mapped to NUL, compared as strings when every name is ASCII (UTF-16 order is byte order then),
 * else as UTF-8 buffers.
 */
function sortByName(files: LocalFile[]): LocalFile[] {
  const keyed = files.map((f) => ({ f, k: f.name.replaceAll('/', '\0') }));
  // eslint-disable-next-line no-control-regex
  const ascii = keyed.every((x) => /^[\x00-\x7f]*$/.test(x.k));
  if (ascii) {
    keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  } else {
    const withBytes = keyed.map((x) => ({ f: x.f, b: Buffer.from(x.k, 'utf8') }));
    withBytes.sort((a, b) => Buffer.compare(a.b, b.b));
    return withBytes.map((x) => x.f);
  }
  return keyed.map((x) => x.f);
}

export function enumerateModel(modelPath: string, options: EnumerateOptions): Enumeration {
  const maxFiles = options.maxFiles ?? 10_000_000;
  const maxDepth = options.maxDepth ?? 256;
  const warnings: string[] = [];
  let top: Stats;
  try {
    top = lstatSync(modelPath);
  } catch (e) {
    throw ioError(modelPath, e);
  }
  if (top.isSymbolicLink()) {
    if (!options.allowSymlinks) throw failure('symlink', `model path ${modelPath} is a symbolic link (allow_symlinks is false)`);
    try {
      top = statSync(modelPath);
    } catch (e) {
      throw ioError(modelPath, e);
    }
  }
  const modelName = modelNameOf(modelPath);
  if (top.isFile()) {
    return { single: true, modelName, files: [{ name: '.', path: modelPath, size: top.size }], warnings };
  }
  if (!top.isDirectory()) throw failure('unsupported', `model path ${modelPath} is neither a regular file nor a directory`);

  const rootReal = options.allowSymlinks ? realpathSync(modelPath) : '';
  const files: LocalFile[] = [];
  const ignored = options.ignorePaths.length === 0 ? (): boolean => false : (rel: string): boolean => options.ignorePaths.some((p) => isUnder(rel, p));
  const wantSizes = options.sizes ?? true;
  const stack: Array<{ dir: string; rel: string; depth: number }> = [{ dir: modelPath, rel: '', depth: 0 }];
  while (stack.length > 0) {
    const { dir, rel, depth } = stack.pop() as { dir: string; rel: string; depth: number };
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
      // Names are decoded leniently (invalid UTF-8 becomes U+FFFD): a directory with a U+FFFD in a
      // name is read again as bytes and decoded strictly.
      if (entries.some((e) => e.name.includes('\uFFFD'))) entries = strictEntries(dir, rel);
    } catch (e) {
      if (e instanceof BulwarkError) throw e;
      throw ioError(dir, e);
    }
    // join() normalises every path; the directory is joined once and names (no '/') appended.
    const dirPrefix = join(dir, '.').replace(/[\\/]*$/, '') + sep;
    for (const entry of entries) {
      const name = entry.name;
      const childRel = rel === '' ? name : `${rel}/${name}`;
      if (ignored(childRel)) continue;
      const abs = dirPrefix + name;
      if (entry.isSymbolicLink()) {
        if (!options.allowSymlinks) {
          throw failure('symlink', `${childRel} is a symbolic link (allow_symlinks is false)`);
        }
        let st: Stats;
        try {
          st = statSync(abs);
        } catch (e) {
          throw failure('symlink', `${childRel} is a broken symbolic link (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
        }
        let real = abs;
        try {
          real = realpathSync(abs);
        } catch {
          // statSync succeeded, so this only races with a concurrent change; keep the link path
        }
        if (!within(real, rootReal)) warnings.push(`${childRel} links outside the model (${real})`);
        if (st.isFile()) {
          files.push({ name: childRel, path: abs, size: st.size });
        } else if (st.isDirectory()) {
          warnings.push(`${childRel} links to a directory, which is not followed (as in the reference implementation)`);
        } else {
          throw failure('unsupported', `${childRel} links to a special file`);
        }
      } else if (entry.isFile()) {
        if (!wantSizes) {
          files.push({ name: childRel, path: abs, size: -1 });
        } else {
          let st: Stats;
          try {
            st = lstatSync(abs);
          } catch (e) {
            throw ioError(abs, e);
          }
          files.push({ name: childRel, path: abs, size: st.size });
        }
      } else if (entry.isDirectory()) {
        if (depth + 1 > maxDepth) throw new BulwarkError('LIMIT_EXCEEDED', `${childRel} is nested deeper than ${maxDepth} directories`);
        stack.push({ dir: abs, rel: childRel, depth: depth + 1 });
      } else {
        throw failure('unsupported', `${childRel} is a special file (FIFO, socket or device) and cannot be signed or verified`);
      }
      if (files.length > maxFiles) throw new BulwarkError('LIMIT_EXCEEDED', `the model has more than ${maxFiles} files`);
    }
  }
  return { single: false, modelName, files: sortByName(files), warnings };
}
