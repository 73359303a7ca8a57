/**
 * Decoders for payload wrappers: base64 (and base64url), hex, rot13, leetspeak. Each returns decoded
 * text only when it looks like text (mostly printable), so random tokens and hashes decode to nothing.
 */

/** Hex runs of at least 8 bytes, optionally separated by one space, colon or "\x". */
const HEX_RUN = /(?:(?:\\x)?[0-9a-fA-F]{2}[ :]?){8,}/g;

/** Share of printable characters a decoded payload needs to count as text. */
export const MIN_PRINTABLE_RATIO = 0.9;

export function printableRatio(s: string): number {
  if (s.length === 0) return 0;
  let ok = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x20 && c !== 0x7f && c !== 0xfffd) || c === 0x09 || c === 0x0a || c === 0x0d) ok++;
  }
  return ok / s.length;
}

function asText(bytes: Buffer): string | undefined {
  if (bytes.length < 8) return undefined;
  const s = bytes.toString('utf8');
  if (printableRatio(s) < MIN_PRINTABLE_RATIO) return undefined;
  // Text needs some letters and spaces, not only symbols.
  if (!/[a-zA-Z]{2,}/.test(s)) return undefined;
  return s;
}

export interface Decoded {
  readonly via: 'base64' | 'hex';
  readonly text: string;
}

/** Decoded base64 and hex runs of `s`, at most `budget` bytes of output in total. */
function isB64(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f || c === 0x5f || c === 0x2d;
}

/** Maximal runs of base64 characters of at least 16 (a plain loop: one pass, no regex restarts). */
function base64Runs(s: string): string[] {
  const runs: string[] = [];
  let start = -1;
  for (let i = 0; i <= s.length; i++) {
    if (i < s.length && isB64(s.charCodeAt(i))) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      if (i - start >= 16) {
        let end = i;
        while (end < s.length && end - i < 2 && s.charCodeAt(end) === 0x3d) end++;
        runs.push(s.slice(start, end));
      }
      start = -1;
    }
  }
  return runs;
}

const MAYBE_SEPARATED_HEX = /\\x[0-9a-f]{2}|[0-9a-f]{2}[ :][0-9a-f]{2}[ :][0-9a-f]{2}[ :][0-9a-f]{2}/i;

export function decodeRuns(s: string, budget: { left: number; exceeded: boolean }): Decoded[] {
  const out: Decoded[] = [];
  for (const run of base64Runs(s)) {
    if (!/[a-z]/.test(run) || !/[A-Z0-9]/.test(run)) continue; // all-lowercase words are not base64
    const need = Math.ceil((run.length * 3) / 4);
    if (need > budget.left) {
      budget.exceeded = true;
      break;
    }
    budget.left -= need;
    const text = asText(Buffer.from(run.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
    if (text !== undefined) out.push({ via: 'base64', text });
  }
  if (!MAYBE_SEPARATED_HEX.test(s) && !/[0-9a-fA-F]{16}/.test(s)) return out;
  for (const m of s.matchAll(HEX_RUN)) {
    const hex = m[0].replace(/\\x|[ :]/g, '');
    const need = hex.length >> 1;
    if (need > budget.left) {
      budget.exceeded = true;
      break;
    }
    budget.left -= need;
    const text = asText(Buffer.from(hex.length % 2 === 0 ? hex : hex.slice(0, -1), 'hex'));
    if (text !== undefined) out.push({ via: 'hex', text });
  }
  return out;
}

/** rot13 of lower-case ASCII letters (the text is already case-folded); other characters unchanged. */
export function rot13(s: string): string {
  const parts: string[] = [];
  const CHUNK = 8192;
  for (let at = 0; at < s.length; at += CHUNK) {
    const end = Math.min(s.length, at + CHUNK);
    const codes = new Array<number>(end - at);
    for (let i = at; i < end; i++) {
      const c = s.charCodeAt(i);
      codes[i - at] = c >= 97 && c <= 122 ? ((c - 84) % 26) + 97 : c;
    }
    parts.push(String.fromCharCode.apply(null, codes));
  }
  return parts.join('');
}

const LEET: Readonly<Record<string, string>> = { '1': 'i', '0': 'o', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's', '!': 'i', '|': 'l' };

/** Leetspeak digits and symbols inside words mapped back to letters ("1gn0r3" → "ignore"); numbers stay. */
export function unleet(s: string): string {
  return s.replace(/[a-z0-9@$!|]+/g, (w) => (/[a-z]/.test(w) && /[013457@$!|]/.test(w) ? w.replace(/[013457@$!|]/g, (c) => LEET[c] ?? c) : w));
}

/** True when the text carries leetspeak (a digit or @/$ inside a word). */
export function hasLeet(s: string): boolean {
  return /[a-z][013457@$][a-z013457@$]|[013457@$][a-z]{2}/.test(s);
}
