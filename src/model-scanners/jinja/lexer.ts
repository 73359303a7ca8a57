/**
 * A small Jinja2 lexer: splits a template into text, `{{ expression }}`, `{% statement %}` and
 * `{# comment #}` segments (with the `-`/`+` whitespace-control markers and `{% raw %}` blocks) and
 * tokenises the inside of tags the way Jinja does: names, numbers, operators and string literals whose
 * escapes are decoded like Python's `unicode-escape` (so `'\x5f\x5fclass\x5f\x5f'` is `__class__`).
 * Bounded: the caller limits the template size (`maxTextBytes`) and the tokens (`maxTemplateTokens`).
 */

export type TokenKind = 'name' | 'string' | 'number' | 'op';

export interface Token {
  readonly kind: TokenKind;
  /** Name text, operator text, the number's source text, or the DECODED string value. */
  readonly value: string;
  /** Offset of the token in the template. */
  readonly offset: number;
  /** For strings: the value is `undefined`-like opaque (an escape we could not decode). */
  readonly opaque?: boolean;
  /** For strings: the literal used an escape that hides characters (\x, \u, \U, \N{}, octal). */
  readonly obfuscated?: boolean;
}

export type SegmentKind = 'text' | 'expr' | 'stmt' | 'comment';

export interface Segment {
  readonly kind: SegmentKind;
  /** Offset of the segment start (the `{{`/`{%` for tags). */
  readonly offset: number;
  readonly tokens: readonly Token[];
  /** Raw source of the segment (text segments only; bounded). */
  readonly text?: string;
}

export interface LexResult {
  readonly segments: readonly Segment[];
  /** Lexing problems: Jinja would refuse to compile the template (TemplateSyntaxError). */
  readonly errors: readonly { readonly message: string; readonly offset: number }[];
  /** The token bound was reached: the rest of the template was not tokenised. */
  readonly truncated: boolean;
}

const OPERATORS = ['**', '//', '==', '!=', '>=', '<=', '+', '-', '/', '*', '%', '~', '[', ']', '(', ')', '{', '}', '>', '<', '=', '.', ':', '|', ',', ';'];

const NAME_START = /[\p{ID_Start}_]/u;
const NAME_CONT = /[\p{ID_Continue}]/u;

/** Tokenise `src`, at most `maxTokens` tokens (the `maxTemplateTokens` limit). */
export function lexTemplate(src: string, maxTokens: number): LexResult {
  const segments: Segment[] = [];
  const errors: { message: string; offset: number }[] = [];
  let tokenCount = 0;
  let truncated = false;
  let pos = 0;
  let textStart = 0;

  const pushText = (end: number): void => {
    if (end > textStart) segments.push({ kind: 'text', offset: textStart, tokens: [], text: src.slice(textStart, Math.min(end, textStart + 4096)) });
  };

  while (pos < src.length) {
    const open = src.indexOf('{', pos);
    if (open < 0 || open + 1 >= src.length) break;
    const next = src[open + 1];
    if (next !== '{' && next !== '%' && next !== '#') {
      pos = open + 1;
      continue;
    }
    pushText(open);
    if (next === '#') {
      const close = src.indexOf('#}', open + 2);
      if (close < 0) {
        errors.push({ message: 'unterminated comment', offset: open });
        textStart = src.length;
        pos = src.length;
        break;
      }
      segments.push({ kind: 'comment', offset: open, tokens: [] });
      pos = close + 2;
      textStart = pos;
      continue;
    }
    const kind: SegmentKind = next === '{' ? 'expr' : 'stmt';
    const closer = kind === 'expr' ? '}}' : '%}';
    let p = open + 2;
    if (src[p] === '-' || src[p] === '+') p++;
    const tokens: Token[] = [];
    let closed = false;
    // Tokenise until the closing delimiter (which may be preceded by - or +).
    while (p < src.length) {
      const c = src[p] ?? '';
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
        p++;
        continue;
      }
      if ((c === '-' || c === '+') && src.startsWith(closer, p + 1)) {
        p += 1 + closer.length;
        closed = true;
        break;
      }
      if (src.startsWith(closer, p)) {
        // `}}` inside an expression can also close a dict literal: Jinja's lexer ends the tag at the
        // first `}}` not inside brackets? No: it ends at the first `}}` whose braces are unbalanced.
        if (!(kind === 'expr' && openBraces(tokens) > 0)) {
          p += closer.length;
          closed = true;
          break;
        }
      }
      if (++tokenCount > maxTokens) {
        truncated = true;
        break;
      }
      if (c === '"' || c === "'") {
        const t = lexString(src, p);
        if (!t) {
          errors.push({ message: 'unterminated string literal', offset: p });
          p = src.length;
          break;
        }
        tokens.push(t.token);
        p = t.end;
        continue;
      }
      if (c >= '0' && c <= '9') {
        const m = /(?:0[bB][01_]+|0[oO][0-7_]+|0[xX][0-9a-fA-F_]+|[0-9][0-9_]*(?:\.[0-9][0-9_]*)?(?:[eE][+-]?[0-9_]+)?)/y;
        m.lastIndex = p;
        const r = m.exec(src);
        const text = r?.[0] ?? c;
        tokens.push({ kind: 'number', value: text, offset: p });
        p += text.length;
        continue;
      }
      if (NAME_START.test(c)) {
        let q = p + c.length;
        while (q < src.length && NAME_CONT.test(src[q] ?? '')) q++;
        tokens.push({ kind: 'name', value: src.slice(p, q), offset: p });
        p = q;
        continue;
      }
      const op = OPERATORS.find((o) => src.startsWith(o, p));
      if (op) {
        tokens.push({ kind: 'op', value: op, offset: p });
        p += op.length;
        continue;
      }
      errors.push({ message: `unexpected character ${JSON.stringify(c)} in a tag`, offset: p });
      p++;
    }
    if (truncated) {
      segments.push({ kind, offset: open, tokens });
      break;
    }
    if (!closed) errors.push({ message: `unterminated ${kind === 'expr' ? '{{' : '{%'} tag`, offset: open });
    segments.push({ kind, offset: open, tokens });
    pos = p;
    textStart = p;
    // {% raw %} ... {% endraw %}: the content is text, not tags.
    if (kind === 'stmt' && tokens.length === 1 && tokens[0]?.kind === 'name' && tokens[0].value === 'raw') {
      const m = /\{%[-+]?\s*endraw\s*[-+]?%\}/g;
      m.lastIndex = p;
      const r = m.exec(src);
      if (!r) {
        errors.push({ message: 'unterminated raw block', offset: open });
        textStart = pos = src.length;
        break;
      }
      pushText(r.index);
      segments.push({ kind: 'stmt', offset: r.index, tokens: [{ kind: 'name', value: 'endraw', offset: r.index }] });
      pos = textStart = r.index + r[0].length;
    }
  }
  pushText(src.length);
  return { segments, errors, truncated };
}

function openBraces(tokens: readonly Token[]): number {
  let n = 0;
  for (const t of tokens) {
    if (t.kind !== 'op') continue;
    if (t.value === '{') n++;
    else if (t.value === '}') n--;
  }
  return n;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\n': '',
};

const DIGIT_NAMES = ['ZERO', 'ONE', 'TWO', 'THREE', 'FOUR', 'FIVE', 'SIX', 'SEVEN', 'EIGHT', 'NINE'];

/** The few `\N{NAME}` names an obfuscated attribute needs; others make the literal opaque. */
function unicodeName(name: string): string | undefined {
  const n = name.toUpperCase().trim();
  if (n === 'LOW LINE') return '_';
  if (n === 'FULL STOP') return '.';
  if (n === 'SPACE') return ' ';
  let m = /^LATIN SMALL LETTER ([A-Z])$/.exec(n);
  if (m?.[1]) return m[1].toLowerCase();
  m = /^LATIN CAPITAL LETTER ([A-Z])$/.exec(n);
  if (m?.[1]) return m[1];
  m = /^DIGIT ([A-Z]+)$/.exec(n);
  if (m?.[1] && DIGIT_NAMES.includes(m[1])) return String(DIGIT_NAMES.indexOf(m[1]));
  return undefined;
}

/** Lex a string literal at `start` (a quote); decode escapes like Python's unicode-escape codec. */
function lexString(src: string, start: number): { token: Token; end: number } | undefined {
  const quote = src[start];
  let p = start + 1;
  let out = '';
  let opaque = false;
  let obfuscated = false;
  while (p < src.length) {
    const c = src[p] ?? '';
    if (c === quote) return { token: { kind: 'string', value: out, offset: start, ...(opaque && { opaque }), ...(obfuscated && { obfuscated }) }, end: p + 1 };
    if (c !== '\\') {
      out += c === '\r' ? (src[p + 1] === '\n' ? '' : '\n') : c;
      p++;
      continue;
    }
    const e = src[p + 1];
    if (e === undefined) return undefined;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      p += 2;
      continue;
    }
    if (e === 'x' || e === 'u' || e === 'U') {
      const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = src.slice(p + 2, p + 2 + len);
      if (hex.length === len && /^[0-9a-fA-F]+$/.test(hex)) {
        const cp = parseInt(hex, 16);
        out += cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
        obfuscated = true;
        p += 2 + len;
        continue;
      }
      // Python rejects a truncated \x escape; Jinja then fails to compile the template.
      opaque = true;
      out += '\\' + e;
      p += 2;
      continue;
    }
    if (e === 'N' && src[p + 2] === '{') {
      const close = src.indexOf('}', p + 3);
      const name = close > 0 ? src.slice(p + 3, close) : '';
      const ch = close > 0 && close - p < 100 ? unicodeName(name) : undefined;
      obfuscated = true;
      if (ch === undefined) opaque = true;
      out += ch ?? '';
      p = close > 0 ? close + 1 : p + 2;
      continue;
    }
    if (e >= '0' && e <= '7') {
      const m = /[0-7]{1,3}/y;
      m.lastIndex = p + 1;
      const oct = m.exec(src)?.[0] ?? e;
      out += String.fromCharCode(parseInt(oct, 8));
      obfuscated = true;
      p += 1 + oct.length;
      continue;
    }
    // Unknown escapes stay as written (backslash kept), as in Python.
    out += '\\' + e;
    p += 2;
  }
  return undefined;
}
