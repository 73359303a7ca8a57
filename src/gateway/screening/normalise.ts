import { CONFUSABLES } from './confusables.js';

/** What normalisation removed or mapped, reported in ScreeningResult.normalisation. */
export interface NormalisationCounts {
  zeroWidth: number;
  tagChars: number;
  bidi: number;
  confusables: number;
}

export interface Normalised {
  /** Invisible characters removed, NFKC, confusables mapped; case and whitespace as sent (decoders need case). */
  readonly folded: string;
  /** `folded`, case-folded, horizontal whitespace collapsed to one space and line breaks to one "\n". */
  readonly text: string;
  /** ASCII hidden in Unicode tag characters (U+E0020..U+E007E), decoded ("ASCII smuggling"); "" when none. */
  readonly hidden: string;
  readonly counts: NormalisationCounts;
}

function isZeroWidth(cp: number): boolean {
  return (cp >= 0x200b && cp <= 0x200d) || cp === 0x2060 || cp === 0xfeff || cp === 0x00ad || cp === 0x180e || (cp >= 0x2061 && cp <= 0x2064) || cp === 0x034f || cp === 0x115f || cp === 0x1160 || cp === 0x3164 || cp === 0xffa0;
}

function isBidi(cp: number): boolean {
  return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp === 0x200e || cp === 0x200f || cp === 0x061c;
}

// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

/** Case fold and collapse whitespace: runs with a line break become "\n", other runs one space. */
export function simplify(s: string): string {
  // Horizontal runs first, so the line-break rule never rescans a long run of spaces (linear).
  return s
    .toLowerCase()
    .replace(/ [^\S\n]+|[^\S\n ][^\S\n]*/g, ' ')
    .replace(/ ?\n\s*/g, '\n')
    .trim();
}

/**
 * Letters spelled one by one ("i g n o r e  a l l") are joined back into words; five or more single
 * letters in a row are rare in real text.
 */
export function joinSpacedLetters(s: string): string {
  return s.replace(/(?:\b[a-z] ){4,}[a-z]\b/g, (m) => m.replace(/ /g, ''));
}

export function normalise(input: string): Normalised {
  const counts: NormalisationCounts = { zeroWidth: 0, tagChars: 0, bidi: 0, confusables: 0 };
  let folded = input;
  let hidden = '';
  if (NON_ASCII.test(input)) {
    const out: string[] = [];
    const tag: string[] = [];
    for (const ch of input) {
      const cp = ch.codePointAt(0) as number;
      if (cp < 0x80) {
        out.push(ch);
      } else if (cp >= 0xe0000 && cp <= 0xe007f) {
        counts.tagChars++;
        if (cp >= 0xe0020 && cp <= 0xe007e) tag.push(String.fromCharCode(cp - 0xe0000));
      } else if (isZeroWidth(cp)) {
        counts.zeroWidth++;
      } else if (isBidi(cp)) {
        counts.bidi++;
      } else if (cp >= 0xfe00 && cp <= 0xfe0f) {
        // variation selectors: invisible, carry nothing for matching
        counts.zeroWidth++;
      } else {
        const nf = ch.normalize('NFKC');
        if (nf !== ch) {
          counts.confusables++;
          out.push(mapConfusables(nf, counts, false));
        } else {
          const mapped = CONFUSABLES.get(cp);
          if (mapped !== undefined) {
            counts.confusables++;
            out.push(mapped);
          } else out.push(ch);
        }
      }
    }
    folded = out.join('');
    hidden = tag.join('');
  }
  return { folded, text: joinSpacedLetters(simplify(folded)), hidden, counts };
}

function mapConfusables(s: string, counts: NormalisationCounts, count: boolean): string {
  if (!NON_ASCII.test(s)) return s;
  let r = '';
  for (const ch of s) {
    const m = CONFUSABLES.get(ch.codePointAt(0) as number);
    if (m !== undefined && count) counts.confusables++;
    r += m ?? ch;
  }
  return r;
}
