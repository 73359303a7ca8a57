import type { Dirent, Stats } from 'node:fs';
import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Limits } from '../limits/index.js';
import type { PathGlob, Reporter } from '../rules/index.js';
import { compileGlob, coreRules, pathCandidates } from '../rules/index.js';

export interface WalkedFile {
  /** Path as shown in reports: the argument joined with the relative path inside it. */
  readonly path: string;
  readonly size: number;
  /** The directory argument this file was found under (undefined for file arguments). */
  readonly root?: string;
}

export interface WalkResult {
  readonly files: WalkedFile[];
  /** Paths that could not be read (each got a `scan/read-error` finding): partial targets. */
  readonly unreadable: string[];
  /** Paths left out by an `ignore` glob (files, or folders not descended into). */
  readonly ignored: number;
  /** Directory arguments (for folder-level analysers such as Hugging Face repos and signatures). */
  readonly roots: string[];
  /** File arguments (each is its own input, as a folder argument is). */
  readonly fileArgs: string[];
}

const VCS_DIRS = new Set(['.git', '.hg', '.svn']);

function within(real: string, rootReal: string): boolean {
  return real === rootReal || real.startsWith(rootReal.endsWith(sep) ? rootReal : rootReal + sep);
}

/**
 * Enumerate regular files under the arguments. Symbolic links inside a directory are followed only when
 * they resolve inside that directory (cycles are cut); links that leave the tree are reported, not
 * followed. Special files (FIFOs, sockets, devices) are never opened: reading a FIFO would hang.
 */
export function walk(args: readonly string[], limits: Limits, skipVcs: boolean, ignore: readonly string[], reporter: Reporter): WalkResult {
  const files: WalkedFile[] = [];
  const unreadable: string[] = [];
  const roots: string[] = [];
  const fileArgs: string[] = [];
  const seenFiles = new Set<string>();
  const globs: PathGlob[] = ignore.map((g) => compileGlob(g));
  let ignored = 0;
  /** Ignore globs apply to what the walk finds under a directory argument, not to named files. */
  const isIgnored = (p: string, root: string): boolean => {
    if (globs.length === 0) return false;
    const c = pathCandidates(p, [root]);
    if (globs.some((g) => c.some((x) => g.matches(x)))) {
      ignored++;
      return true;
    }
    return false;
  };

  const readErr = (path: string, message: string): void => {
    unreadable.push(path);
    reporter.report(coreRules.readError, { location: { kind: 'file', path }, message });
  };

  for (const arg of args) {
    let st: Stats;
    try {
      st = statSync(arg);
    } catch (e) {
      readErr(arg, `cannot read ${arg}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      continue;
    }
    if (st.isFile()) {
      files.push({ path: arg, size: st.size });
      fileArgs.push(arg);
      continue;
    }
    if (!st.isDirectory()) {
      readErr(arg, `${arg} is not a regular file or directory; not read`);
      continue;
    }
    roots.push(arg);
    let rootReal: string;
    try {
      rootReal = realpathSync(arg);
    } catch (e) {
      readErr(arg, `cannot resolve ${arg}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      continue;
    }
    const visitedDirs = new Set<string>([rootReal]);
    let count = 0;
    let stopped = false;
    const visit = (dir: string, depth: number): void => {
      if (stopped) return;
      if (depth > limits.maxDirectoryDepth) {
        reporter.report(coreRules.limitExceeded, {
          location: { kind: 'file', path: dir },
          message: `directory deeper than maxDirectoryDepth (${limits.maxDirectoryDepth}); not walked`,
          evidence: 'maxDirectoryDepth',
        });
        return;
      }
      let entries: Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch (e) {
        readErr(dir, `cannot list ${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
        return;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const ent of entries) {
        if (stopped) return;
        const p = join(dir, ent.name);
        if (isIgnored(p, arg)) continue;
        if (ent.isDirectory()) {
          if (skipVcs && VCS_DIRS.has(ent.name)) continue;
          let real: string;
          try {
            real = realpathSync(p);
          } catch {
            real = p;
          }
          if (visitedDirs.has(real)) continue;
          visitedDirs.add(real);
          visit(p, depth + 1);
          continue;
        }
        let target: Stats;
        if (ent.isSymbolicLink()) {
          let real: string;
          try {
            real = realpathSync(p);
            target = statSync(real);
          } catch {
            reporter.report(coreRules.symlinkOutsideTree, { location: { kind: 'file', path: p }, message: `symbolic link ${ent.name} is dangling; not followed` });
            continue;
          }
          if (!within(real, rootReal)) {
            reporter.report(coreRules.symlinkOutsideTree, {
              location: { kind: 'file', path: p },
              message: `symbolic link points outside ${arg} (to ${relative(rootReal, real)}); not followed`,
              evidence: real,
            });
            continue;
          }
          if (target.isDirectory()) {
            if (visitedDirs.has(real)) continue;
            visitedDirs.add(real);
            visit(p, depth + 1);
            continue;
          }
          if (seenFiles.has(real)) continue;
          seenFiles.add(real);
        } else {
          try {
            target = lstatSync(p);
          } catch (e) {
            readErr(p, `cannot read ${p}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
            continue;
          }
        }
        if (!target.isFile()) {
          readErr(p, `${p} is not a regular file (FIFO, socket or device); not read`);
          continue;
        }
        if (++count > limits.maxFiles) {
          reporter.report(coreRules.limitExceeded, {
            location: { kind: 'file', path: arg },
            message: `more than maxFiles (${limits.maxFiles}) files under ${arg}; the rest were not scanned`,
            evidence: 'maxFiles',
          });
          stopped = true;
          return;
        }
        files.push({ path: p, size: target.size, root: arg });
      }
    };
    visit(arg, 0);
  }
  return { files, unreadable, ignored, roots, fileArgs };
}
