/**
 * Look-alike characters mapped to the ASCII letter they imitate, as DATA. Source: the Unicode
 * Consortium's confusables.txt (Unicode Security Mechanisms, UTS #39,
 * https://www.unicode.org/Public/security/latest/confusables.txt), entries whose target is a single
 * Latin letter, restricted to the Cyrillic and Greek letters an attacker uses to spell English words
 * ("іgnоrе" with Cyrillic і, о, е). Fullwidth forms and the Mathematical Alphanumeric Symbols are not
 * listed: NFKC already folds them to ASCII. The table is applied after NFKC and before case folding,
 * so upper-case entries map to lower-case targets directly.
 */
export const CONFUSABLES_VERSION = 'uts39-confusables-subset-1';

const PAIRS: ReadonlyArray<readonly [string, string]> = [
  // Cyrillic small
  ['а', 'a'], ['с', 'c'], ['ԁ', 'd'], ['е', 'e'], ['һ', 'h'], ['і', 'i'], ['ј', 'j'],
  ['ӏ', 'l'], ['о', 'o'], ['р', 'p'], ['ԛ', 'q'], ['ѕ', 's'], ['у', 'y'], ['ԝ', 'w'], ['х', 'x'],
  ['ѵ', 'v'], ['ɡ', 'g'], ['ү', 'y'], ['ԍ', 'g'],
  // Cyrillic capital
  ['А', 'a'], ['В', 'b'], ['С', 'c'], ['Е', 'e'], ['Н', 'h'], ['І', 'i'], ['Ј', 'j'], ['К', 'k'],
  ['М', 'm'], ['О', 'o'], ['Р', 'p'], ['Ѕ', 's'], ['Т', 't'], ['Х', 'x'], ['У', 'y'], ['Ԝ', 'w'],
  ['Ү', 'y'], ['Ԛ', 'q'], ['Ӏ', 'l'],
  // Greek small
  ['α', 'a'], ['ο', 'o'], ['ι', 'i'], ['κ', 'k'], ['ν', 'v'], ['ρ', 'p'], ['υ', 'u'], ['χ', 'x'],
  ['γ', 'y'], ['ϲ', 'c'], ['ϳ', 'j'],
  // Greek capital
  ['Α', 'a'], ['Β', 'b'], ['Ε', 'e'], ['Ζ', 'z'], ['Η', 'h'], ['Ι', 'i'], ['Κ', 'k'], ['Μ', 'm'],
  ['Ν', 'n'], ['Ο', 'o'], ['Ρ', 'p'], ['Τ', 't'], ['Υ', 'y'], ['Χ', 'x'], ['Ϲ', 'c'],
  // Latin letters that are not ASCII but read as ASCII
  ['ı', 'i'], ['ȷ', 'j'], ['ʏ', 'y'], ['ɑ', 'a'], ['ɩ', 'i'], ['ɪ', 'i'], ['ᴏ', 'o'],
];

export const CONFUSABLES: ReadonlyMap<number, string> = new Map(PAIRS.map(([from, to]) => [from.codePointAt(0) as number, to]));
