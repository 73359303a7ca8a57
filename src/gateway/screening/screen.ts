import type { ScreeningHit, ScreeningOptions, ScreeningResult, ScreeningVia } from './index.js';
import { decodeRuns, hasLeet, rot13, unleet } from './decode.js';
import { joinSpacedLetters, normalise, simplify } from './normalise.js';
import { PATTERNS, type PatternSpec } from './patterns.js';

/** Named limits of one screenText call (defaults; ScreeningOptions overrides them per call). */
export const SCREENING_LIMITS = {
  /** Longest text screened (characters). */
  maxChars: 65_536,
  /** Nested wrappers decoded (base64 inside hex inside ...). */
  maxDecodeDepth: 2,
  /** Decoded bytes produced in total per call. */
  maxDecodedBytes: 262_144,
  /** Decoded payloads screened per call (each is a full pattern pass). */
  maxDecodedPayloads: 64,
} as const;

/** Suggested per-route thresholds: score >= flag → log/flag; score >= block → reject (HTTP 400). */
export const DEFAULT_FLAG_THRESHOLD = 0.5;
export const DEFAULT_BLOCK_THRESHOLD = 0.85;

/** Weight of the extra hit added when hidden or decoded text carries a match (tag chars, base64, ...). */
export const HIDDEN_PAYLOAD_WEIGHT = 0.6;
/** Weight of a hit for non-empty ASCII smuggled in Unicode tag characters, whatever it says. */
export const TAG_SMUGGLING_WEIGHT = 0.5;

const EXCERPT_CHARS = 120;

function excerpt(text: string, index: number, length: number): string {
  const room = Math.max(0, EXCERPT_CHARS - Math.min(length, EXCERPT_CHARS));
  const start = Math.max(0, index - (room >> 1));
  // eslint-disable-next-line no-control-regex
  return text.slice(start, start + EXCERPT_CHARS).replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

interface Acc {
  readonly hits: ScreeningHit[];
  readonly seen: Set<string>;
  hiddenHit: boolean;
}

function scan(text: string, via: ScreeningVia, acc: Acc, hidden: boolean): number {
  let found = 0;
  for (const spec of PATTERNS as readonly PatternSpec[]) {
    if (acc.seen.has(spec.id)) continue;
    const m = spec.regex.exec(text);
    if (m === null) continue;
    acc.seen.add(spec.id);
    acc.hits.push({ family: spec.family, pattern: spec.id, weight: spec.weight, via, excerpt: excerpt(text, m.index, m[0].length) });
    if (hidden) acc.hiddenHit = true;
    found++;
  }
  return found;
}

/** Words that almost every pattern needs; a rot13 view without any of them is not screened in full. */
const ROT13_ANCHOR = /\b(?:ignore|disregard|forget|instructions?|system|prompt|previous|pretend|mode|reveal|repeat|send|developer|jailbreak)\b/;
const SAYS_ROT13 = /\brot-?\s?13\b|\bcaesar\b/;

/** rot13 is tried when the text says so, or when the rotated text contains a screening keyword. */
function scanRot13(text: string, acc: Acc, via: ScreeningVia = 'rot13'): void {
  const r = rot13(text);
  if (SAYS_ROT13.test(text) || ROT13_ANCHOR.test(r)) scan(r, via === 'rot13' ? 'rot13' : via, acc, true);
}

/** Combine hit weights as independent evidence: 1 - Π(1 - w). */
export function combine(weights: readonly number[]): number {
  let keep = 1;
  for (const w of weights) keep *= 1 - Math.min(1, Math.max(0, w));
  return 1 - keep;
}

export function screen(input: string, options: ScreeningOptions = {}): ScreeningResult {
  const maxChars = options.maxChars ?? SCREENING_LIMITS.maxChars;
  const maxDepth = options.maxDecodeDepth ?? SCREENING_LIMITS.maxDecodeDepth;
  const budget = { left: options.maxDecodedBytes ?? SCREENING_LIMITS.maxDecodedBytes, exceeded: false };
  let truncated = false;
  let text = typeof input === 'string' ? input : '';
  if (text.length > maxChars) {
    // Do not split a surrogate pair.
    let cut = maxChars;
    const c = text.charCodeAt(cut - 1);
    if (c >= 0xd800 && c <= 0xdbff) cut--;
    text = text.slice(0, cut);
    truncated = true;
  }
  const n = normalise(text);
  const acc: Acc = { hits: [], seen: new Set(), hiddenHit: false };

  // 1. As sent (case and whitespace folded only), then after Unicode normalisation.
  const plain = n.folded === text ? n.text : joinSpacedLetters(simplify(text));
  scan(plain, 'plain', acc, false);
  if (n.text !== plain) scan(n.text, 'normalised', acc, false);

  // 2. ASCII smuggled in tag characters: always a signal, and screened as text.
  if (n.hidden.length > 0) {
    acc.hits.push({ family: 'obfuscation', pattern: 'obfuscation/tag-smuggling', weight: TAG_SMUGGLING_WEIGHT, via: 'normalised', excerpt: excerpt(simplify(n.hidden), 0, 0) });
    acc.seen.add('obfuscation/tag-smuggling');
    scan(joinSpacedLetters(simplify(n.hidden)), 'normalised', acc, true);
  }

  // 3. Leetspeak and rot13 views of the normalised text.
  if (hasLeet(n.text)) scan(unleet(n.text), 'leet', acc, true);
  scanRot13(n.text, acc);

  // 4. base64 / hex payloads, nested up to maxDepth, bounded by maxDecodedBytes and maxDecodedPayloads.
  let payloads = 0;
  let level: string[] = [n.folded];
  if (n.hidden.length > 0) level.push(n.hidden);
  for (let depth = 0; depth < maxDepth && level.length > 0 && !budget.exceeded; depth++) {
    const next: string[] = [];
    for (const src of level) {
      for (const d of decodeRuns(src, budget)) {
        if (payloads >= SCREENING_LIMITS.maxDecodedPayloads) {
          budget.exceeded = true;
          break;
        }
        payloads++;
        const inner = normalise(d.text);
        scan(inner.text, d.via, acc, true);
        if (hasLeet(inner.text)) scan(unleet(inner.text), d.via, acc, true);
        scanRot13(inner.text, acc, d.via);
        next.push(inner.folded);
      }
      if (budget.exceeded) break;
    }
    level = next;
  }
  if (budget.exceeded) truncated = true;

  // 5. Bonus: a match that was hidden (tag characters) or wrapped (decoded, rot13, leet).
  if (acc.hiddenHit) {
    acc.hits.push({ family: 'obfuscation', pattern: 'obfuscation/hidden-payload', weight: HIDDEN_PAYLOAD_WEIGHT, via: 'normalised', excerpt: 'a pattern matched only in hidden or decoded text' });
  }
  const score = combine(acc.hits.map((h) => h.weight));
  return { score: Math.round(score * 10_000) / 10_000, hits: acc.hits, normalisation: { ...n.counts }, truncated };
}
