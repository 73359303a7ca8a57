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
import { comparePathNames, isUnder } from './paths.js';

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
  const ignored = (rel: string): boolean => options.ignorePaths.some((p) => isUnder(rel, p));
  const stack: Array<{ dir: string; rel: string; depth: number }> = [{ dir: modelPath, rel: '', depth: 0 }];
  while (stack.length > 0) {
    const { dir, rel, depth } = stack.pop() as { dir: string; rel: string; depth: number };
    let entries: Dirent<Buffer>[];
    try {
      entries = readdirSync(dir, { withFileTypes: true, encoding: 'buffer' });
    } catch (e) {
      throw ioError(dir, e);
    }
    for (const entry of entries) {
      let name: string;
      try {
        name = utf8.decode(entry.name);
      } catch {
        throw failure('unsupported', `a file name under ${rel === '' ? '.' : rel} is not valid UTF-8 and cannot be recorded in a signature`);
      }
      const childRel = rel === '' ? name : `${rel}/${name}`;
      if (ignored(childRel)) continue;
      const abs = join(dir, name);
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
        let st: Stats;
        try {
          st = lstatSync(abs);
        } catch (e) {
          throw ioError(abs, e);
        }
        files.push({ name: childRel, path: abs, size: st.size });
      } else if (entry.isDirectory()) {
        if (depth + 1 > maxDepth) throw new BulwarkError('LIMIT_EXCEEDED', `${childRel} is nested deeper than ${maxDepth} directories`);
        stack.push({ dir: abs, rel: childRel, depth: depth + 1 });
      } else {
        throw failure('unsupported', `${childRel} is a special file (FIFO, socket or device) and cannot be signed or verified`);
      }
      if (files.length > maxFiles) throw new BulwarkError('LIMIT_EXCEEDED', `the model has more than ${maxFiles} files`);
    }
  }
  files.sort((a, b) => comparePathNames(a.name, b.name));
  return { single: false, modelName, files, warnings };
}
