/**
 * A small, bounded, strict JSON parser (RFC 8259) that reports what ordinary parsers hide:
 * - duplicate keys in an object (JSON.parse, Python's json and serde_json's maps keep the LAST one;
 *   serde structs reject them): two loaders can see two different headers, so a duplicate is a finding;
 * - lone UTF-16 surrogates in `\u` escapes (Python accepts them, serde_json rejects them);
 * - integers beyond 2^53, kept exactly as `bigint` (tensor shapes and offsets are u64).
 * It rejects what RFC 8259 rejects (NaN, Infinity, comments, trailing commas, control characters in
 * strings, leading zeros) and bounds nesting depth. Objects are null-prototype records, so keys such
 * as `__proto__` are ordinary data.
 * Shared by the safetensors, Keras and Hugging Face scanners (all read untrusted JSON).
 */
export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export interface DuplicateKey {
  /** JSON-pointer-like path of the object holding the duplicate, e.g. `/` or `/weight/config`. */
  readonly path: string;
  readonly key: string;
  /** Character offset of the second occurrence of the key. */
  readonly offset: number;
}

export type StrictJsonResult =
  | { readonly ok: true; readonly value: JsonValue; readonly duplicates: readonly DuplicateKey[]; readonly loneSurrogates: number }
  | { readonly ok: false; readonly error: string; readonly offset: number; readonly depthExceeded: boolean };

export interface StrictJsonOptions {
  /** Nesting bound (use `limits.maxStructureDepth`). */
  readonly maxDepth: number;
  /** Duplicate keys recorded (further duplicates are counted but not listed). Default 100. */
  readonly maxDuplicates?: number;
}

class JsonError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly depthExceeded = false,
  ) {
    super(message);
  }
}

/** Decode UTF-8 strictly; `undefined` when the bytes are not valid UTF-8. */
export function decodeUtf8Strict(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

export function parseStrictJson(text: string, options: StrictJsonOptions): StrictJsonResult {
  const p = new Parser(text, options);
  try {
    p.ws();
    const value = p.value('', 0);
    p.ws();
    if (p.pos < text.length) throw new JsonError(`unexpected ${describe(text, p.pos)} after the JSON value`, p.pos);
    return { ok: true, value, duplicates: p.duplicates, loneSurrogates: p.loneSurrogates };
  } catch (e) {
    if (e instanceof JsonError) return { ok: false, error: e.message, offset: e.offset, depthExceeded: e.depthExceeded };
    throw e;
  }
}

function describe(text: string, pos: number): string {
  if (pos >= text.length) return 'end of input';
  const c = text.charCodeAt(pos);
  return c >= 0x20 && c < 0x7f ? `'${text[pos]}'` : `character U+${c.toString(16).padStart(4, '0')}`;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

class Parser {
  pos = 0;
  duplicates: DuplicateKey[] = [];
  duplicateCount = 0;
  loneSurrogates = 0;
  constructor(
    private readonly s: string,
    private readonly o: StrictJsonOptions,
  ) {}

  ws(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++;
      else break;
    }
  }

  value(path: string, depth: number): JsonValue {
    const s = this.s;
    if (this.pos >= s.length) throw new JsonError('unexpected end of input', this.pos);
    const c = s[this.pos];
    if (c === '{') return this.object(path, depth + 1);
    if (c === '[') return this.array(path, depth + 1);
    if (c === '"') return this.string();
    if (c === 't') return this.literal('true', true);
    if (c === 'f') return this.literal('false', false);
    if (c === 'n') return this.literal('null', null);
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    throw new JsonError(`unexpected ${describe(s, this.pos)}`, this.pos);
  }

  private literal<T extends JsonValue>(word: string, v: T): T {
    if (this.s.startsWith(word, this.pos)) {
      this.pos += word.length;
      return v;
    }
    throw new JsonError(`unexpected ${describe(this.s, this.pos)}`, this.pos);
  }

  private enter(depth: number): void {
    if (depth > this.o.maxDepth) throw new JsonError(`JSON nested deeper than ${this.o.maxDepth}`, this.pos, true);
  }

  private object(path: string, depth: number): JsonObject {
    this.enter(depth);
    this.pos++; // {
    const out = Object.create(null) as JsonObject;
    const seen = new Set<string>();
    this.ws();
    if (this.s[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.s[this.pos] !== '"') throw new JsonError(`expected a string key, found ${describe(this.s, this.pos)}`, this.pos);
      const keyOffset = this.pos;
      const key = this.string();
      if (seen.has(key)) {
        this.duplicateCount++;
        if (this.duplicates.length < (this.o.maxDuplicates ?? 100)) this.duplicates.push({ path: path === '' ? '/' : path, key, offset: keyOffset });
      }
      seen.add(key);
      this.ws();
      if (this.s[this.pos] !== ':') throw new JsonError(`expected ':' after key, found ${describe(this.s, this.pos)}`, this.pos);
      this.pos++;
      this.ws();
      out[key] = this.value(`${path}/${escapePointer(key)}`, depth);
      this.ws();
      const c = this.s[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === '}') {
        this.pos++;
        return out;
      }
      throw new JsonError(`expected ',' or '}' in object, found ${describe(this.s, this.pos)}`, this.pos);
    }
  }

  private array(path: string, depth: number): JsonValue[] {
    this.enter(depth);
    this.pos++; // [
    const out: JsonValue[] = [];
    this.ws();
    if (this.s[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.ws();
      out.push(this.value(`${path}/${out.length}`, depth));
      this.ws();
      const c = this.s[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === ']') {
        this.pos++;
        return out;
      }
      throw new JsonError(`expected ',' or ']' in array, found ${describe(this.s, this.pos)}`, this.pos);
    }
  }

  string(): string {
    const s = this.s;
    const start = this.pos;
    this.pos++; // opening quote
    let out = '';
    let run = this.pos;
    for (;;) {
      if (this.pos >= s.length) throw new JsonError('unterminated string', start);
      const c = s.charCodeAt(this.pos);
      if (c === 0x22) {
        out += s.slice(run, this.pos);
        this.pos++;
        return out;
      }
      if (c < 0x20) throw new JsonError(`control character U+${c.toString(16).padStart(4, '0')} in a string`, this.pos);
      if (c !== 0x5c) {
        this.pos++;
        continue;
      }
      out += s.slice(run, this.pos);
      const e = s[this.pos + 1];
      this.pos += 2;
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const cu = this.hex4();
          if (cu >= 0xd800 && cu <= 0xdbff) {
            // A high surrogate must be followed by an escaped low surrogate.
            if (s[this.pos] === '\\' && s[this.pos + 1] === 'u') {
              const save = this.pos;
              this.pos += 2;
              const lo = this.hex4();
              if (lo >= 0xdc00 && lo <= 0xdfff) {
                out += String.fromCharCode(cu, lo);
                break;
              }
              this.pos = save;
            }
            this.loneSurrogates++;
            out += String.fromCharCode(cu);
          } else {
            if (cu >= 0xdc00 && cu <= 0xdfff) this.loneSurrogates++;
            out += String.fromCharCode(cu);
          }
          break;
        }
        default:
          throw new JsonError(`invalid escape \\${e ?? ''} in a string`, this.pos - 2);
      }
      run = this.pos;
    }
  }

  private hex4(): number {
    const h = this.s.slice(this.pos, this.pos + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) throw new JsonError('invalid \\u escape', this.pos - 2);
    this.pos += 4;
    return parseInt(h, 16);
  }

  private number(): number | bigint {
    const s = this.s;
    const start = this.pos;
    const m = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
    m.lastIndex = start;
    const r = m.exec(s);
    if (!r || r[0] === '-' || r[0].length === 0) throw new JsonError('invalid number', start);
    this.pos = start + r[0].length;
    const next = s[this.pos];
    if (next !== undefined && /[0-9.eE+-]/.test(next)) throw new JsonError('invalid number', start);
    if (r[1] === undefined && r[2] === undefined) {
      // An integer: exact as bigint beyond 2^53.
      if (r[0].length > 15) {
        const b = BigInt(r[0]);
        if (b > MAX_SAFE || b < -MAX_SAFE) return b;
        return Number(b);
      }
      return Number(r[0]);
    }
    return Number(r[0]);
  }
}

function escapePointer(k: string): string {
  return k.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function isJsonObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** 1-based line and column of a character offset in `text`. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      last = i;
    }
  }
  return { line, column: end - last };
}
