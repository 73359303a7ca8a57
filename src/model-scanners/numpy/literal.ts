/**
 * A tiny parser for the Python literals numpy writes in `.npy` headers (what `ast.literal_eval`
 * accepts for them): dicts, tuples, lists, str (with `u`/`b` prefixes and escapes), int (with a
 * Python 2 `L` suffix, as numpy's _filter_header tolerates), True, False, None. Nothing is
 * evaluated. Depth and length are bounded by the caller.
 */
import { BulwarkError, LimitExceededError } from '../../findings/index.js';

export type PyValue = string | number | boolean | null | PyTuple | PyValue[] | PyDict;
export interface PyTuple {
  readonly tuple: readonly PyValue[];
}
export interface PyDict {
  readonly dict: ReadonlyArray<readonly [PyValue, PyValue]>;
}

export function isTuple(v: PyValue): v is PyTuple {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'tuple' in v;
}
export function isDict(v: PyValue): v is PyDict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'dict' in v;
}

function bad(msg: string, pos: number): BulwarkError {
  return new BulwarkError('MALFORMED', `npy header: ${msg} at character ${pos}`);
}

export function parsePyLiteral(text: string, maxDepth: number): PyValue {
  let pos = 0;
  const ws = (): void => {
    while (pos < text.length && /\s/.test(text[pos] ?? '')) pos++;
  };
  const value = (depth: number): PyValue => {
    if (depth > maxDepth) throw new LimitExceededError('maxStructureDepth', maxDepth, `npy header nests deeper than maxStructureDepth (${maxDepth})`);
    ws();
    const c = text[pos];
    if (c === undefined) throw bad('unexpected end', pos);
    if (c === '{') return container(depth, '}', true) as PyDict;
    if (c === '(') return container(depth, ')', false) as PyTuple;
    if (c === '[') return container(depth, ']', false) as PyValue[];
    if (c === "'" || c === '"') return str();
    if ((c === 'u' || c === 'U' || c === 'b' || c === 'B') && (text[pos + 1] === "'" || text[pos + 1] === '"')) {
      pos++;
      return str();
    }
    if (/[-+0-9]/.test(c)) return num();
    for (const [word, v] of [
      ['True', true],
      ['False', false],
      ['None', null],
    ] as const) {
      if (text.startsWith(word, pos) && !/[A-Za-z0-9_]/.test(text[pos + word.length] ?? '')) {
        pos += word.length;
        return v;
      }
    }
    throw bad(`unexpected ${JSON.stringify(c)}`, pos);
  };
  const container = (depth: number, close: string, isDict: boolean): PyValue => {
    pos++; // opener
    const items: PyValue[] = [];
    const pairs: Array<[PyValue, PyValue]> = [];
    let sawComma = false;
    for (;;) {
      ws();
      if (text[pos] === close) {
        pos++;
        break;
      }
      if (items.length + pairs.length > 0 && !sawComma) throw bad('missing comma', pos);
      const k = value(depth + 1);
      if (isDict) {
        ws();
        if (text[pos] !== ':') throw bad('missing colon', pos);
        pos++;
        pairs.push([k, value(depth + 1)]);
      } else {
        items.push(k);
      }
      ws();
      sawComma = text[pos] === ',';
      if (sawComma) pos++;
      else if (text[pos] !== close) throw bad('missing comma', pos);
    }
    if (isDict) return { dict: pairs };
    if (close === ')') {
      // `(x)` is x, `(x,)` a 1-tuple, `()` the empty tuple.
      if (items.length === 1 && !sawComma) return items[0] as PyValue;
      return { tuple: items };
    }
    return items;
  };
  const str = (): string => {
    const quote = text[pos];
    pos++;
    let out = '';
    for (;;) {
      const c = text[pos];
      if (c === undefined) throw bad('unterminated string', pos);
      pos++;
      if (c === quote) return out;
      if (c === '\\') {
        const e = text[pos];
        pos++;
        const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', "'": "'", '"': '"' };
        if (e !== undefined && simple[e] !== undefined) out += simple[e];
        else if (e === 'x') {
          out += String.fromCharCode(parseInt(text.slice(pos, pos + 2), 16) || 0);
          pos += 2;
        } else out += `\\${e ?? ''}`;
        continue;
      }
      out += c;
    }
  };
  const num = (): number => {
    const m = /^[-+]?\d+[lL]?/.exec(text.slice(pos, pos + 64));
    if (!m) throw bad('bad number', pos);
    pos += m[0].length;
    if (text[pos] === '.' || text[pos] === 'e' || text[pos] === 'E') throw bad('floats are not valid here', pos);
    return Number(m[0].replace(/[lL]$/, ''));
  };
  const v = value(0);
  ws();
  if (pos !== text.length) throw bad('trailing characters', pos);
  return v;
}
