/**
 * Leak detection over a growing text (one per choice of a response): canaries, protected-text word
 * n-grams, secret and PII patterns. Text is appended as it arrives and scanned in batches; every scan
 * looks at the new text plus an overlap of the longest pattern, so the total work is linear in the
 * output size and a match spanning two chunks is still seen whole.
 */
import { BulwarkError } from '../../findings/index.js';
import { PII_PATTERNS, SECRET_PATTERNS } from './patterns.js';
import type { LeakPattern } from './patterns.js';
import type { LeakKind, LeakRules } from './types.js';

/** Shortest canary accepted: a shorter one would match ordinary words. */
export const MIN_CANARY_CHARS = 6;
/** Longest pattern window accepted (characters); longer canaries are a configuration error. */
export const MAX_PATTERN_CHARS = 8192;
/** Words are compared on at most this many characters (both sides), so n-grams stay short. */
export const WORD_MAX_CHARS = 40;
/** Default word n-gram length. */
export const DEFAULT_NGRAM = 8;

/** Zero-width and other invisible format characters removed before matching (Cf, variation selectors, CGJ). */
const INVISIBLE = /[\p{Cf}\u034F\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/gu;
const NOT_PLAIN = /[^\t\n\r\u0020-\u007e]/;
const WORD_OR_SEP = /[\p{L}\p{N}\p{M}]+|[^\p{L}\p{N}\p{M}]+/gu;
const WORD_CHAR = /^[\p{L}\p{N}\p{M}]/u;

/** NFKC after removing invisible characters; printable ASCII is returned as is. */
export function clean(s: string): string {
  if (!NOT_PLAIN.test(s)) return s;
  return s.replace(INVISIBLE, '').normalize('NFKC');
}

/** Case-folded clean text (toLowerCase; JS has no full case folding). */
export function fold(s: string): string {
  return clean(s).toLowerCase();
}

/** The words of a folded text, each cut to WORD_MAX_CHARS. */
export function words(folded: string): string[] {
  const out: string[] = [];
  for (const m of folded.matchAll(/[\p{L}\p{N}\p{M}]+/gu)) out.push(m[0].slice(0, WORD_MAX_CHARS));
  return out;
}

export interface CompiledRules {
  readonly canaries: readonly { readonly raw: string; readonly clean: string; readonly folded: string }[];
  readonly ngram: number;
  /** n-gram (words joined by one space) → index of the protected text it came from. */
  readonly grams: ReadonlyMap<string, number>;
  /** Words that start / end some protected n-gram: a cheap test before joining the last n words. */
  readonly firstWords: ReadonlySet<string>;
  readonly lastWords: ReadonlySet<string>;
  readonly patterns: readonly LeakPattern[];
  /** Longest match of any detector, in characters (boundary characters included). */
  readonly maxMatchChars: number;
}

export interface Hit {
  readonly kind: LeakKind;
  readonly detail: string;
}

const cache = new WeakMap<LeakRules, CompiledRules>();

/**
 * Validate and precompile rules (cached per rules object). Throws a BulwarkError('CONFIG') for a canary
 * shorter than MIN_CANARY_CHARS, an n-gram outside 3..64, or a pattern longer than MAX_PATTERN_CHARS.
 */
export function compileLeakRules(rules: LeakRules): CompiledRules {
  const hit = cache.get(rules);
  if (hit !== undefined) return hit;
  const ngram = rules.ngram ?? DEFAULT_NGRAM;
  if (!Number.isInteger(ngram) || ngram < 3 || ngram > 64) throw new BulwarkError('CONFIG', `leak rules: ngram must be an integer from 3 to 64 (got ${String(ngram)})`);
  let maxLen = 0;
  const canaries = rules.canaries.map((raw, i) => {
    const c = { raw, clean: clean(raw), folded: fold(raw) };
    if (c.folded.length < MIN_CANARY_CHARS || raw.length < MIN_CANARY_CHARS) throw new BulwarkError('CONFIG', `leak rules: canary #${i + 1} is shorter than ${MIN_CANARY_CHARS} characters`);
    maxLen = Math.max(maxLen, raw.length, c.clean.length, c.folded.length);
    return c;
  });
  const grams = new Map<string, number>();
  const firstWords = new Set<string>();
  const lastWords = new Set<string>();
  rules.protectedTexts.forEach((text, t) => {
    const w = words(fold(text));
    for (let i = 0; i + ngram <= w.length; i++) {
      const g = w.slice(i, i + ngram).join(' ');
      if (!grams.has(g)) grams.set(g, t);
      firstWords.add(w[i] as string);
      lastWords.add(w[i + ngram - 1] as string);
      // +1: the n-gram is complete only when the character after its last word is seen.
      maxLen = Math.max(maxLen, g.length + 1);
    }
  });
  const patterns = [...(rules.secrets ?? true ? SECRET_PATTERNS : []), ...(rules.pii ?? false ? PII_PATTERNS : [])];
  for (const p of patterns) maxLen = Math.max(maxLen, p.maxLen);
  if (maxLen > MAX_PATTERN_CHARS) throw new BulwarkError('CONFIG', `leak rules: a canary or protected n-gram is longer than ${MAX_PATTERN_CHARS} characters`);
  const compiled: CompiledRules = { canaries, ngram, grams, firstWords, lastWords, patterns, maxMatchChars: maxLen };
  cache.set(rules, compiled);
  return compiled;
}

/**
 * One growing text. `append()` adds text; `scan()` checks everything appended since the last scan
 * (plus the overlap) and returns the first hit. After a scan, every match that touches a character
 * before `scanned - overlap` has been seen.
 */
export class TextScanner {
  /** Characters appended (UTF-16 code units of the raw text). */
  len = 0;
  /** Characters scanned. */
  scanned = 0;
  /** Characters kept from the scanned text to overlap the next scan (≥ the longest match + 2). */
  readonly overlap: number;
  private pending: string[] = [];
  private rawTail = '';
  private cleanTail = '';
  private foldTail = '';
  /** Last ngram-1 complete words. */
  private recent: string[] = [];
  /** The word being read (cut to WORD_MAX_CHARS) and whether the text ended inside it. */
  private partial = '';
  private inWord = false;

  constructor(readonly rules: CompiledRules) {
    this.overlap = rules.maxMatchChars + 2;
  }

  append(text: string): void {
    if (text.length === 0) return;
    this.pending.push(text);
    this.len += text.length;
  }

  get unscanned(): number {
    return this.len - this.scanned;
  }

  /** Scan the new text. `final`: no more text follows (a trailing word is complete). */
  scan(final: boolean): Hit | undefined {
    const fresh = this.pending.length === 1 ? (this.pending[0] as string) : this.pending.join('');
    this.pending = [];
    this.scanned = this.len;
    const r = this.rules;
    const rawWin = this.rawTail + fresh;
    let hit = this.check(rawWin, this.rawTail.length, false);
    const freshClean = clean(fresh);
    const cleanWin = this.cleanTail + freshClean;
    if (hit === undefined && cleanWin !== rawWin) hit = this.check(cleanWin, this.cleanTail.length, true);
    const freshFold = freshClean.toLowerCase();
    const foldWin = this.foldTail + freshFold;
    if (hit === undefined) {
      for (let i = 0; i < r.canaries.length; i++) {
        const c = r.canaries[i];
        if (c !== undefined && foldWin.indexOf(c.folded, Math.max(0, this.foldTail.length - c.folded.length + 1)) !== -1) {
          hit = { kind: 'canary', detail: `canary #${i + 1} (normalised)` };
          break;
        }
      }
    }
    if (hit === undefined && r.grams.size > 0) hit = this.words(freshFold, final);
    this.rawTail = tail(rawWin, this.overlap);
    this.cleanTail = tail(cleanWin, this.overlap);
    this.foldTail = tail(foldWin, this.overlap);
    return hit;
  }

  /** Canaries (exact) and patterns over a window whose first `old` characters were scanned before. */
  private check(win: string, old: number, normalised: boolean): Hit | undefined {
    const r = this.rules;
    for (let i = 0; i < r.canaries.length; i++) {
      const c = r.canaries[i];
      if (c === undefined) continue;
      const needle = normalised ? c.clean : c.raw;
      if (win.indexOf(needle, Math.max(0, old - needle.length + 1)) !== -1) return { kind: 'canary', detail: normalised ? `canary #${i + 1} (normalised)` : `canary #${i + 1}` };
    }
    for (const p of r.patterns) {
      p.re.lastIndex = 0;
      for (let m = p.re.exec(win); m !== null; m = p.re.exec(win)) {
        // A match ending in the overlap was seen (with its context) by the previous scan.
        if (m.index + m[0].length > old && (p.valid === undefined || p.valid(m[0]))) return { kind: p.kind, detail: p.id };
        if (m[0].length === 0) p.re.lastIndex++;
      }
    }
    return undefined;
  }

  private words(freshFold: string, final: boolean): Hit | undefined {
    const r = this.rules;
    let hit: Hit | undefined;
    const complete = (): void => {
      const w = this.partial;
      this.partial = '';
      this.inWord = false;
      if (hit !== undefined) return;
      this.recent.push(w);
      if (this.recent.length > r.ngram) this.recent.shift();
      if (this.recent.length === r.ngram && r.lastWords.has(w) && r.firstWords.has(this.recent[0] as string)) {
        const t = r.grams.get(this.recent.join(' '));
        if (t !== undefined) hit = { kind: 'protected-text', detail: `${r.ngram}-gram of protected text #${t + 1}` };
      }
    };
    WORD_OR_SEP.lastIndex = 0;
    for (const m of freshFold.matchAll(WORD_OR_SEP)) {
      const tok = m[0];
      if (WORD_CHAR.test(tok)) {
        if (this.partial.length < WORD_MAX_CHARS) this.partial = (this.partial + tok).slice(0, WORD_MAX_CHARS);
        this.inWord = true;
      } else if (this.inWord) {
        complete();
      }
    }
    if (final && this.inWord) complete();
    return hit;
  }
}

function tail(s: string, n: number): string {
  return s.length <= n ? s : s.slice(s.length - n);
}
