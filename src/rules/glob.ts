/**
 * Path globs for ignores and suppressions (gitignore-like, deliberately small):
 * - `*` any characters but `/`; `**` any characters including `/` (`a/**` is everything under `a`);
 * - `?` one character but `/`; `[abc]` / `[a-z]` / `[!a]` a class; `{a,b}` alternatives (not nested);
 * - a pattern without `/` (other than a trailing one) matches a file or folder name at any depth
 *   (`*.pt`, `vendor`); a pattern with `/` is anchored (`models/legacy.pt`);
 * - a trailing `/` or a plain name also covers everything under a matching folder.
 * Paths are compared with `/` separators and without a leading `./`. Nothing here touches the file
 * system: globs are matched against path strings only.
 */
import { BulwarkError } from '../findings/index.js';

export interface PathGlob {
  readonly pattern: string;
  matches(path: string): boolean;
}

/** Normalise a path for matching: `/` separators, no `./` prefix, no duplicate or trailing slashes. */
export function normalizeGlobPath(p: string): string {
  let s = p.replace(/\\/g, '/').replace(/\/{2,}/g, '/');
  while (s.startsWith('./')) s = s.slice(2);
  if (s.length > 1 && s.endsWith('/')) s = s.slice(0, -1);
  return s;
}

function escapeRe(c: string): string {
  return /[.+^${}()|[\]\\*?]/.test(c) ? `\\${c}` : c;
}

function translate(glob: string): string {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) throw new BulwarkError('CONFIG', `glob "${glob}": unclosed [`);
      let body = glob.slice(i + 1, end);
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      re += `[${body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '{') {
      const end = glob.indexOf('}', i);
      if (end < 0) throw new BulwarkError('CONFIG', `glob "${glob}": unclosed {`);
      const alts = glob.slice(i + 1, end).split(',');
      re += `(?:${alts.map((a) => translate(a)).join('|')})`;
      i = end;
    } else re += escapeRe(c);
  }
  return re;
}

/** Compile a glob; throws a CONFIG error for an empty or malformed pattern. */
export function compileGlob(pattern: string): PathGlob {
  const raw = pattern.trim();
  if (raw === '') throw new BulwarkError('CONFIG', 'empty path pattern');
  let p = normalizeGlobPath(raw);
  const dirOnly = raw.endsWith('/');
  const anchored = p.includes('/');
  if (p.startsWith('/')) p = p.slice(1);
  const body = translate(p);
  // Anchored patterns match from the start; unanchored ones at any depth. Either also covers
  // everything below a matching folder.
  const re = new RegExp(`^${anchored ? '' : '(?:.*/)?'}${body}${dirOnly ? '/.*' : '(?:/.*)?'}$`, 's');
  return { pattern, matches: (path) => re.test(normalizeGlobPath(path)) };
}

/**
 * The forms of `path` a user may have meant: as reported, and relative to each scan root that
 * contains it (`bulwark scan repo/` reports `repo/vendor/a.yaml`; `vendor/**` means that file).
 */
export function pathCandidates(path: string, roots: readonly string[]): string[] {
  const p = normalizeGlobPath(path);
  const out = [p];
  for (const r of roots) {
    const root = normalizeGlobPath(r);
    if (root === '.' || root === '') continue;
    if (p.startsWith(`${root}/`)) out.push(p.slice(root.length + 1));
  }
  return out;
}

export function anyGlobMatches(globs: readonly PathGlob[], path: string, roots: readonly string[] = []): PathGlob | undefined {
  if (globs.length === 0) return undefined;
  const candidates = pathCandidates(path, roots);
  return globs.find((g) => candidates.some((c) => g.matches(c)));
}
