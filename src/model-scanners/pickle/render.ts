/**
 * Readable, bounded renderings of symbolic values for messages and evidence, e.g.
 * `os.system("curl … | sh")`. Strings are shortened with `…` and never carry raw control, bidi or
 * ANSI characters: they are escaped (`\n`, `\x1b`, `\u202e`).
 */
import type { Value } from './values.js';
import { setPidRenderer } from './values.js';

const MAX_STR = 80;
const MAX_ITEMS_SHOWN = 6;
const MAX_DEPTH = 5;
const MAX_TOTAL = 400;

/**
 * A str as a Python-like double-quoted literal, shortened to about `max` characters with a middle
 * ellipsis (`"curl … | sh"`). A string that was already cut at maxStringBytes (`truncatedBytes`,
 * its full encoded length) shows its head and says how long it was.
 */
export function quoteStr(s: string, max = MAX_STR, truncatedBytes?: number): string {
  const cps = [...s];
  if (truncatedBytes !== undefined) {
    return `"${escapeText(cps.slice(0, max).join(''))} …" (${truncatedBytes} bytes)`;
  }
  if (cps.length <= max) return `"${escapeText(s)}"`;
  const head = Math.ceil((max * 2) / 3);
  const tail = max - head;
  return `"${escapeText(cps.slice(0, head).join(''))} … ${escapeText(cps.slice(cps.length - tail).join(''))}"`;
}

/** Escape control characters (C0, DEL, C1), bidi controls, line/paragraph separators, quotes, backslashes. */
export function escapeText(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if ((c >= 0x200b && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c === 0xfeff) {
      out += `\\u${c.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return out;
}

/** A name from the stream (module, attribute) shown bare when it is an identifier path, quoted otherwise. */
export function safeName(s: string): string {
  if (s.length <= 200 && /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(s)) return s;
  return quoteStr(s, 60);
}

function bytesLiteral(data: Uint8Array, totalLength: number): string {
  const shown = Math.min(data.length, 48);
  let out = 'b"';
  for (let i = 0; i < shown; i++) {
    const c = data[i] ?? 0;
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
    else out += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  out += '"';
  if (totalLength > shown) out += ` …(${totalLength} bytes)`;
  return out;
}

function pyFloat(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const s = String(v);
  return Number.isInteger(v) && !s.includes('e') ? `${s}.0` : s;
}

/** Characters left for the rendering in progress: wide or deep values stop early, never build megabytes. */
let left = 0;

export function renderValue(v: Value, depth = 0): string {
  const saved = left;
  left = MAX_TOTAL;
  try {
    const s = render(v, depth);
    return s.length > MAX_TOTAL ? `${s.slice(0, MAX_TOTAL)}…` : s;
  } finally {
    left = saved;
  }
}

function renderItems(items: readonly Value[], dropped: number, depth: number): string {
  const shown = items.slice(0, MAX_ITEMS_SHOWN).map((x) => render(x, depth + 1));
  const more = items.length - shown.length + dropped;
  if (more > 0) shown.push(`…${more} more`);
  return shown.join(', ');
}

function render(v: Value, depth: number): string {
  if (left <= 0) return '…';
  const s = renderOne(v, depth);
  left -= typeof v === 'object' && v !== null ? 2 : s.length;
  return s;
}

function renderOne(v: Value, depth: number): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return quoteStr(v);
  if (depth > MAX_DEPTH) return '…';
  switch (v.k) {
    case 'float':
      return pyFloat(v.v);
    case 'bigint':
      return v.text;
    case 'str':
      return quoteStr(v.head, MAX_STR, v.byteLength);
    case 'bytes':
      if (v.data !== undefined) return (v.bytearray ? 'bytearray(' : '') + bytesLiteral(v.data, v.length) + (v.bytearray ? ')' : '');
      return `<${v.bytearray ? 'bytearray' : 'bytes'} of ${v.length} bytes at offset ${v.offset}>`;
    case 'tuple':
      return v.items.length === 1 && v.dropped === 0 ? `(${render(v.items[0] ?? null, depth + 1)},)` : `(${renderItems(v.items, v.dropped, depth)})`;
    case 'list':
      return `[${renderItems(v.items, v.dropped, depth)}]`;
    case 'set':
      if (v.items.length === 0 && v.dropped === 0) return v.frozen ? 'frozenset()' : 'set()';
      return v.frozen ? `frozenset({${renderItems(v.items, v.dropped, depth)}})` : `{${renderItems(v.items, v.dropped, depth)}}`;
    case 'dict': {
      const parts: string[] = [];
      const n = Math.min(v.keys.length, MAX_ITEMS_SHOWN);
      for (let i = 0; i < n; i++) parts.push(`${render(v.keys[i] ?? null, depth + 1)}: ${render(v.vals[i] ?? null, depth + 1)}`);
      const more = v.keys.length - n + v.dropped;
      if (more > 0) parts.push(`…${more} more`);
      return `{${parts.join(', ')}}`;
    }
    case 'global':
      if (v.dynamic) return `<global computed at load time: ${safeName(v.module)}.${safeName(v.name)}>`;
      return v.name === '' ? safeName(v.module) : `${safeName(v.module)}.${safeName(v.name)}`;
    case 'call': {
      const callee = render(v.callee, depth + 1);
      const args = v.args === null ? '…' : renderItems(v.args, 0, depth);
      let kw = '';
      if (v.kwargs !== null && (v.kwargs.keys.length > 0 || v.kwargs.dropped > 0)) {
        const parts: string[] = [];
        for (let i = 0; i < Math.min(v.kwargs.keys.length, MAX_ITEMS_SHOWN); i++) {
          const key = v.kwargs.keys[i];
          parts.push(`${typeof key === 'string' ? safeName(key) : render(key ?? null, depth + 1)}=${render(v.kwargs.vals[i] ?? null, depth + 1)}`);
        }
        kw = (args === '' ? '' : ', ') + parts.join(', ');
      }
      return `${callee}(${args}${kw})`;
    }
    case 'pers':
      return `persistent_load(${render(v.pidValue(), depth + 1)})`;
    case 'unknown':
      return `<${v.why}>`;
    default:
      return '?';
  }
}

setPidRenderer((v) => renderValue(v));
