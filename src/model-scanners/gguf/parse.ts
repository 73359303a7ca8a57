/**
 * GGUF (llama.cpp) parser: header versions 1–3 (little- or big-endian), the metadata key/value table
 * and the tensor-info table, all read with bounds on counts (`maxGgufEntries`), string lengths,
 * array nesting (`maxGgufArrayNesting`) and offsets. It returns what it read as a `GgufFile` plus the
 * problems it met (malformed structure, limits); the rules (rules.ts) judge that structure. Template
 * values are parsed by the Jinja analyser here, so that the rules see their analysis. Tensor data is
 * never read.
 *
 * Layout: "GGUF" u32 version, tensor_count, kv_count (u32 in v1, u64 in v2+), then kv_count entries
 * {string key, u32 type, value}, then tensor_count infos {string name, u32 n_dims, dims (u32 in v1,
 * u64 in v2+), u32 ggml_type, u64 offset}, padding to `general.alignment` (default 32), tensor data.
 * Strings are {length (u32 in v1, u64 in v2+), UTF-8 bytes}.
 */
import { BulwarkError, LimitExceededError } from '../../findings/index.js';
import type { ByteSource, Limits } from '../../limits/index.js';
import type { TemplateAnalysis } from '../jinja/index.js';
import { analyzeTemplate } from '../jinja/index.js';
import { quote } from '../text/index.js';

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as little-endian u32

/** ggml type id → [name, block size, bytes per block] (gguf-py 0.19 GGML_QUANT_SIZES). */
export const GGML_TYPES: Readonly<Record<number, readonly [string, number, number]>> = Object.freeze({
  0: ['F32', 1, 4], 1: ['F16', 1, 2], 2: ['Q4_0', 32, 18], 3: ['Q4_1', 32, 20], 6: ['Q5_0', 32, 22], 7: ['Q5_1', 32, 24], 8: ['Q8_0', 32, 34],
  9: ['Q8_1', 32, 40], 10: ['Q2_K', 256, 84], 11: ['Q3_K', 256, 110], 12: ['Q4_K', 256, 144], 13: ['Q5_K', 256, 176], 14: ['Q6_K', 256, 210],
  15: ['Q8_K', 256, 292], 16: ['IQ2_XXS', 256, 66], 17: ['IQ2_XS', 256, 74], 18: ['IQ3_XXS', 256, 98], 19: ['IQ1_S', 256, 50], 20: ['IQ4_NL', 32, 18],
  21: ['IQ3_S', 256, 110], 22: ['IQ2_S', 256, 82], 23: ['IQ4_XS', 256, 136], 24: ['I8', 1, 1], 25: ['I16', 1, 2], 26: ['I32', 1, 4], 27: ['I64', 1, 8],
  28: ['F64', 1, 8], 29: ['IQ1_M', 256, 56], 30: ['BF16', 1, 2], 34: ['TQ1_0', 256, 54], 35: ['TQ2_0', 256, 66], 39: ['MXFP4', 32, 17],
  40: ['NVFP4', 64, 36], 41: ['Q1_0', 128, 18],
});

const VALUE_TYPES = ['UINT8', 'INT8', 'UINT16', 'INT16', 'UINT32', 'INT32', 'FLOAT32', 'BOOL', 'STRING', 'ARRAY', 'UINT64', 'INT64', 'FLOAT64'] as const;
const FIXED_SIZE: Readonly<Record<number, number>> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const TYPE_STRING = 8;
const TYPE_ARRAY = 9;
/** ggml's GGML_MAX_DIMS: a property of the format (llama.cpp rejects more), not a resource limit. */
const GGML_MAX_DIMS = 4;

/** Content sniff: the "GGUF" magic and a version 1–3 in either byte order. Reads 8 bytes. */
export function isGguf(source: ByteSource): boolean {
  const h = source.read(0, 8);
  if (h.length < 8 || h[0] !== 0x47 || h[1] !== 0x47 || h[2] !== 0x55 || h[3] !== 0x46) return false;
  const dv = new DataView(h.buffer, h.byteOffset, 8);
  const le = dv.getUint32(4, true);
  const be = dv.getUint32(4, false);
  return (le >= 1 && le <= 3) || (be >= 1 && be <= 3);
}

class Malformed extends BulwarkError {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super('MALFORMED', message);
  }
}

/** Bounded cursor over a source with a 64 KiB read window. */
class Cursor {
  pos = 0;
  private winStart = 0;
  private win: Uint8Array = new Uint8Array(0);
  constructor(
    private readonly src: ByteSource,
    readonly le: boolean,
  ) {}
  get size(): number {
    return this.src.size;
  }
  get remaining(): number {
    return this.src.size - this.pos;
  }
  bytes(n: number, what: string): Uint8Array {
    if (n > this.remaining) throw new Malformed(`${what} runs past the end of the file (${n} bytes needed at offset ${this.pos}, ${this.remaining} left)`, this.pos);
    if (n <= 4096) {
      if (this.pos < this.winStart || this.pos + n > this.winStart + this.win.length) {
        this.winStart = this.pos;
        this.win = this.src.read(this.pos, 65536);
      }
      const rel = this.pos - this.winStart;
      this.pos += n;
      return this.win.subarray(rel, rel + n);
    }
    const out = this.src.read(this.pos, n);
    this.pos += n;
    return out;
  }
  skip(n: number, what: string): void {
    if (n > this.remaining) throw new Malformed(`${what} runs past the end of the file (${n} bytes at offset ${this.pos}, ${this.remaining} left)`, this.pos);
    this.pos += n;
  }
  u32(what: string): number {
    const b = this.bytes(4, what);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, this.le);
  }
  u64(what: string): bigint {
    const b = this.bytes(8, what);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, this.le);
  }
}

/** Is this metadata key one whose string value is a Jinja template? */
export function isTemplateKey(key: string): boolean {
  return key === 'tokenizer.chat_template' || key.startsWith('tokenizer.chat_template.') || /(^|[._])(chat_)?template(s)?($|[._])|jinja/i.test(key);
}

/** One metadata key/value pair (its value is not kept, except templates and the alignment). */
export interface GgufMetadataEntry {
  readonly key: string;
  /** Offset of the entry (its key's length prefix). */
  readonly at: number;
  readonly type: number;
}

/** A template-valued string (a value, or a string in an array of a template key), with its analysis. */
export interface GgufTemplate {
  readonly key: string;
  /** Offset of the template's first byte. */
  readonly offset: number;
  readonly text: string;
  readonly analysis: TemplateAnalysis;
}

/** One `general.alignment` value as declared (-1 when its type is not an integer type). */
export interface GgufAlignmentValue {
  readonly value: number;
  /** Offset of the value's type field. */
  readonly at: number;
}

export interface GgufTensorInfo {
  readonly name: string;
  /** Offset of the tensor info (its name's length prefix). */
  readonly at: number;
  readonly elements: bigint;
  readonly type: number;
  /** Data offset relative to the data section. */
  readonly offset: bigint;
  /** Data size from the shape and the ggml type; undefined for an unknown type. */
  readonly bytes: bigint | undefined;
}

/** What stopped or limited the parse. */
export type GgufProblem =
  /** The structure is broken at `offset`: nothing after it was read. */
  | { readonly kind: 'malformed'; readonly offset: number; readonly message: string }
  /** A named limit stopped the parse (maxGgufEntries, maxGgufArrayNesting). */
  | { readonly kind: 'limit'; readonly error: LimitExceededError }
  /** A template-valued string longer than maxTextBytes was skipped. */
  | { readonly kind: 'template-too-large'; readonly key: string; readonly offset: number; readonly length: number };

export interface GgufFile {
  readonly version: number;
  readonly littleEndian: boolean;
  readonly kvCount: number;
  readonly tensorCount: number;
  /** Metadata entries read, in file order. */
  readonly metadata: readonly GgufMetadataEntry[];
  readonly templates: readonly GgufTemplate[];
  /** Every `general.alignment` value, in file order. */
  readonly alignmentValues: readonly GgufAlignmentValue[];
  /** The alignment in force: the last valid `general.alignment`, or 32. */
  readonly alignment: number;
  /** Tensor infos read, in file order. */
  readonly tensors: readonly GgufTensorInfo[];
  /**
   * String values of the metadata that could hold a serialized object: scalar strings outside the
   * templates (and outside arrays: the tokenizer vocabulary), at least 16 bytes, the first 1024.
   */
  readonly strings: readonly { readonly key: string; readonly offset: number; readonly bytes: Uint8Array }[];
  /** Start and length of the data section; undefined unless the whole tensor-info table was read. */
  readonly data: { readonly start: bigint; readonly length: bigint } | undefined;
  readonly problems: readonly GgufProblem[];
}

/** Is `a` an alignment llama.cpp accepts (a power of two, at most 2^30)? */
export function validAlignment(a: number): boolean {
  return a > 0 && (a & (a - 1)) === 0 && a <= 1 << 30;
}

export type GgufLimits = Pick<Limits, 'maxGgufEntries' | 'maxGgufArrayNesting' | 'maxStringBytes' | 'maxTextBytes' | 'maxTemplateTokens'>;

/**
 * Parse a GGUF source. Never throws for malformed input or limits: what was read before the problem
 * is returned, with the problem. (Errors other than those are bugs and propagate.)
 */
export function parseGguf(source: ByteSource, limits: GgufLimits): GgufFile {
  const metadata: GgufMetadataEntry[] = [];
  const templates: GgufTemplate[] = [];
  const alignmentValues: GgufAlignmentValue[] = [];
  const tensors: GgufTensorInfo[] = [];
  const strings: { key: string; offset: number; bytes: Uint8Array }[] = [];
  const problems: GgufProblem[] = [];
  const header = { version: 0, littleEndian: true, kvCount: 0, tensorCount: 0 };
  let alignment = 32;
  let data: GgufFile['data'];
  const result = (): GgufFile => ({ ...header, metadata, templates, alignmentValues, alignment, tensors, strings, data, problems });
  try {
    const head = source.read(0, 8);
    if (head.length < 8) throw new Malformed('file shorter than the GGUF header', 0);
    const dv = new DataView(head.buffer, head.byteOffset, 8);
    if (dv.getUint32(0, true) !== GGUF_MAGIC) throw new Malformed('missing GGUF magic', 0);
    let le = true;
    let version = dv.getUint32(4, true);
    if (version < 1 || version > 3) {
      const be = dv.getUint32(4, false);
      if (be >= 1 && be <= 3) {
        le = false;
        version = be;
      } else throw new Malformed(`unsupported GGUF version ${version} (known: 1, 2, 3)`, 4);
    }
    header.version = version;
    header.littleEndian = le;
    const c = new Cursor(source, le);
    c.pos = 8;
    const v1 = version === 1;
    const maxEntries = limits.maxGgufEntries;
    const count = (what: string): number => {
      const n = v1 ? BigInt(c.u32(what)) : c.u64(what);
      if (n > BigInt(maxEntries)) throw new LimitExceededError('maxGgufEntries', maxEntries, `${what} ${n} exceeds maxGgufEntries (${maxEntries})`);
      return Number(n);
    };
    const tensorCount = count('tensor count');
    const kvCount = count('metadata count');
    header.tensorCount = tensorCount;
    header.kvCount = kvCount;
    // Each KV needs ≥ 4+4+1 bytes and each tensor info ≥ 4+4+4+8 bytes: counts that cannot fit are lies.
    if (kvCount * 9 + tensorCount * 20 > c.remaining) {
      throw new Malformed(`declared ${kvCount} metadata entries and ${tensorCount} tensors cannot fit in the ${c.remaining} bytes that follow`, 8);
    }
    const strLen = (what: string): number => {
      const n = v1 ? BigInt(c.u32(what)) : c.u64(what);
      if (n > BigInt(c.remaining)) throw new Malformed(`${what} length ${n} runs past the end of the file`, c.pos);
      return Number(n);
    };
    const readString = (what: string, max: number): { text: string; offset: number; length: number; truncated: boolean; bytes: Uint8Array } => {
      const n = strLen(what);
      const offset = c.pos;
      if (n > max) {
        c.skip(n, what);
        return { text: '', offset, length: n, truncated: true, bytes: new Uint8Array(0) };
      }
      const b = c.bytes(n, what);
      return { text: new TextDecoder('utf-8', { fatal: false }).decode(b), offset, length: n, truncated: false, bytes: b };
    };
    const template = (key: string, text: string, offset: number): void => {
      templates.push({ key, offset, text, analysis: analyzeTemplate(text, { maxTokens: limits.maxTemplateTokens }) });
    };

    for (let i = 0; i < kvCount; i++) {
      const keyStart = c.pos;
      const key = readString('metadata key', limits.maxStringBytes);
      if (key.truncated) throw new Malformed(`metadata key of ${key.length} bytes exceeds maxStringBytes`, key.offset);
      const typeOffset = c.pos;
      const type = c.u32('value type');
      metadata.push({ key: key.text, at: keyStart, type });
      if (type === TYPE_STRING) {
        const isTemplate = isTemplateKey(key.text);
        const value = readString(`value of ${key.text}`, isTemplate ? limits.maxTextBytes : limits.maxStringBytes);
        if (isTemplate) {
          if (value.truncated) problems.push({ kind: 'template-too-large', key: key.text, offset: value.offset, length: value.length });
          else template(key.text, value.text, value.offset);
        } else if (!value.truncated && value.length >= 16 && strings.length < 1024) {
          strings.push({ key: key.text, offset: value.offset, bytes: value.bytes.slice() });
        }
      } else if (type === TYPE_ARRAY) {
        skipArray(c, v1, key.text, limits, (s, off) => {
          // Arrays of templates (some converters store named templates as a list of strings).
          if (s.includes('{')) template(key.text, s, off);
        }, (off, length) => problems.push({ kind: 'template-too-large', key: key.text, offset: off, length }));
      } else {
        const size = FIXED_SIZE[type];
        if (size === undefined) throw new Malformed(`metadata ${quote(key.text)} has unknown value type ${type}`, typeOffset);
        const b = c.bytes(size, `value of ${key.text}`);
        if (key.text === 'general.alignment') {
          const a = type === 4 || type === 5 ? new DataView(b.buffer, b.byteOffset, 4).getUint32(0, le) : type === 10 || type === 11 ? Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, le)) : -1;
          alignmentValues.push({ value: a, at: typeOffset });
          if (validAlignment(a)) alignment = a;
        }
      }
    }

    for (let i = 0; i < tensorCount; i++) {
      const at = c.pos;
      const name = readString('tensor name', limits.maxStringBytes);
      if (name.truncated) throw new Malformed(`tensor name of ${name.length} bytes exceeds maxStringBytes`, name.offset);
      const nDims = c.u32('tensor dimension count');
      if (nDims > GGML_MAX_DIMS) throw new Malformed(`tensor ${quote(name.text)} has ${nDims} dimensions (at most ${GGML_MAX_DIMS})`, at);
      let elements = 1n;
      for (let d = 0; d < nDims; d++) elements *= v1 ? BigInt(c.u32('tensor dimension')) : c.u64('tensor dimension');
      const type = c.u32('tensor type');
      const offset = c.u64('tensor offset');
      const t = GGML_TYPES[type];
      const bytes = t === undefined ? undefined : (elements / BigInt(t[1])) * BigInt(t[2]);
      tensors.push({ name: name.text, at, elements, type, offset, bytes });
    }
    const start = BigInt(Math.ceil(c.pos / alignment) * alignment);
    data = { start, length: BigInt(source.size) - start };
  } catch (e) {
    if (e instanceof Malformed) problems.push({ kind: 'malformed', offset: e.offset, message: e.message });
    else if (e instanceof LimitExceededError) problems.push({ kind: 'limit', error: e });
    else throw e;
  }
  return result();
}

function skipArray(
  cur: Cursor,
  isV1: boolean,
  key: string,
  limits: GgufLimits,
  onString: (s: string, offset: number) => void,
  onTooLarge: (offset: number, length: number) => void,
): void {
  const template = isTemplateKey(key);
  // Nested arrays are walked with an explicit stack (no recursion over input-controlled depth).
  const stack: { itemType: number; left: bigint }[] = [];
  const open = (): void => {
    if (stack.length >= limits.maxGgufArrayNesting) {
      throw new LimitExceededError('maxGgufArrayNesting', limits.maxGgufArrayNesting, `arrays nested deeper than maxGgufArrayNesting (${limits.maxGgufArrayNesting}) in ${quote(key)}`);
    }
    const at = cur.pos;
    const itemType = cur.u32('array item type');
    const n = isV1 ? BigInt(cur.u32('array length')) : cur.u64('array length');
    const fixed = FIXED_SIZE[itemType];
    if (fixed !== undefined) {
      if (n * BigInt(fixed) > BigInt(cur.remaining)) throw new Malformed(`array ${quote(key)} of ${n} ${VALUE_TYPES[itemType] ?? ''} runs past the end of the file`, at);
      cur.skip(Number(n) * fixed, `array ${key}`);
      return;
    }
    if (itemType !== TYPE_STRING && itemType !== TYPE_ARRAY) throw new Malformed(`array ${quote(key)} has unknown item type ${itemType}`, at);
    const minItem = itemType === TYPE_STRING ? (isV1 ? 4 : 8) : 8;
    if (n * BigInt(minItem) > BigInt(cur.remaining)) throw new Malformed(`array ${quote(key)} declares ${n} items that cannot fit in the rest of the file`, at);
    stack.push({ itemType, left: n });
  };
  open();
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { itemType: number; left: bigint };
    if (top.left === 0n) {
      stack.pop();
      continue;
    }
    top.left--;
    if (top.itemType === TYPE_STRING) {
      const len = isV1 ? BigInt(cur.u32('string length')) : cur.u64('string length');
      if (len > BigInt(cur.remaining)) throw new Malformed(`a string in array ${quote(key)} runs past the end of the file`, cur.pos);
      const off = cur.pos;
      if (template && len <= BigInt(limits.maxTextBytes)) {
        onString(new TextDecoder().decode(cur.bytes(Number(len), `array ${key}`)), off);
      } else {
        if (template) onTooLarge(off, Number(len));
        cur.skip(Number(len), `array ${key}`);
      }
    } else open();
  }
}
