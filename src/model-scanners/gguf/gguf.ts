/**
 * GGUF (llama.cpp): header versions 1–3 (little- or big-endian), the metadata key/value table and the
 * tensor-info table, all read with bounds on counts, string lengths, nesting and offsets. Template-
 * valued keys are checked with the Jinja analyser. Tensor data is never read.
 *
 * Layout: "GGUF" u32 version, tensor_count, kv_count (u32 in v1, u64 in v2+), then kv_count entries
 * {string key, u32 type, value}, then tensor_count infos {string name, u32 n_dims, dims (u32 in v1,
 * u64 in v2+), u32 ggml_type, u64 offset}, padding to `general.alignment` (default 32), tensor data.
 * Strings are {length (u32 in v1, u64 in v2+), UTF-8 bytes}.
 */
import { BulwarkError, LimitExceededError } from '../../findings/index.js';
import type { ByteSource } from '../../limits/index.js';
import { coreRules } from '../../rules/index.js';
import type { ModelScanContext } from '../context.js';
import { analyzeTemplate } from '../jinja/index.js';
import { CappedReporter, quote } from '../safetensors/index.js';
import * as R from './rules.js';

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
const GGML_MAX_DIMS = 4;
// TODO(limits): a named `maxGgufEntries` limit; local bound on kv_count and tensor_count for now.
export const MAX_GGUF_ENTRIES = 10_000_000;
const MAX_ARRAY_NESTING = 8;

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

export interface GgufSummary {
  readonly version: number;
  readonly littleEndian: boolean;
  readonly kvCount: number;
  readonly tensorCount: number;
  /** Template-valued keys that were analysed. */
  readonly templates: readonly string[];
  readonly alignment: number;
}

/** Is this metadata key one whose string value is a Jinja template? */
export function isTemplateKey(key: string): boolean {
  return key === 'tokenizer.chat_template' || key.startsWith('tokenizer.chat_template.') || /(^|[._])(chat_)?template(s)?($|[._])|jinja/i.test(key);
}

export function scanGguf(source: ByteSource, ctx: ModelScanContext): GgufSummary | undefined {
  const rep = new CappedReporter(ctx);
  try {
    return scanInner(source, ctx, rep);
  } catch (e) {
    if (e instanceof Malformed) {
      rep.report(R.malformedHeader, { location: ctx.at(e.offset), message: e.message });
      ctx.incomplete(coreRules.malformedInput, `GGUF analysis stopped: ${e.message}`, e.offset);
      return undefined;
    }
    ctx.failed(e, 'GGUF analysis');
    return undefined;
  } finally {
    rep.flush(R.GGUF_RULES);
  }
}

function scanInner(source: ByteSource, ctx: ModelScanContext, rep: CappedReporter): GgufSummary | undefined {
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
  const c = new Cursor(source, le);
  c.pos = 8;
  const v1 = version === 1;
  const count = (what: string): number => {
    const n = v1 ? BigInt(c.u32(what)) : c.u64(what);
    if (n > BigInt(MAX_GGUF_ENTRIES)) throw new LimitExceededError('maxGgufEntries', MAX_GGUF_ENTRIES, `${what} ${n} exceeds ${MAX_GGUF_ENTRIES}`);
    return Number(n);
  };
  const tensorCount = count('tensor count');
  const kvCount = count('metadata count');
  // Each KV needs ≥ 4+4+1 bytes and each tensor info ≥ 4+4+4+8 bytes: counts that cannot fit are lies.
  if (kvCount * 9 + tensorCount * 20 > c.remaining) {
    throw new Malformed(`declared ${kvCount} metadata entries and ${tensorCount} tensors cannot fit in the ${c.remaining} bytes that follow`, 8);
  }
  const strLen = (what: string): number => {
    const n = v1 ? BigInt(c.u32(what)) : c.u64(what);
    if (n > BigInt(c.remaining)) throw new Malformed(`${what} length ${n} runs past the end of the file`, c.pos);
    return Number(n);
  };
  const readString = (what: string, max: number): { text: string; offset: number; length: number; truncated: boolean } => {
    const n = strLen(what);
    const offset = c.pos;
    if (n > max) {
      c.skip(n, what);
      return { text: '', offset, length: n, truncated: true };
    }
    const b = c.bytes(n, what);
    return { text: new TextDecoder('utf-8', { fatal: false }).decode(b), offset, length: n, truncated: false };
  };

  const keys = new Set<string>();
  const templates: string[] = [];
  let alignment = 32;
  for (let i = 0; i < kvCount; i++) {
    const keyStart = c.pos;
    const key = readString('metadata key', ctx.limits.maxStringBytes);
    if (key.truncated) throw new Malformed(`metadata key of ${key.length} bytes exceeds maxStringBytes`, key.offset);
    if (keys.has(key.text)) {
      rep.report(R.duplicateKey, {
        location: ctx.at(keyStart),
        message: `metadata key ${quote(key.text)} appears more than once; llama.cpp rejects the file, other readers keep one of the values`,
        evidence: key.text,
      });
    }
    keys.add(key.text);
    const typeOffset = c.pos;
    const type = c.u32('value type');
    if (type === TYPE_STRING) {
      const template = isTemplateKey(key.text);
      const max = template ? ctx.limits.maxTextBytes : ctx.limits.maxStringBytes;
      const value = readString(`value of ${key.text}`, max);
      if (template) {
        if (value.truncated) {
          ctx.incomplete(coreRules.limitExceeded, `template ${quote(key.text)} of ${value.length} bytes exceeds maxTextBytes; not analysed`, value.offset, 'maxTextBytes');
        } else {
          templates.push(key.text);
          checkTemplate(key.text, value.text, value.offset, ctx, rep);
        }
      }
    } else if (type === TYPE_ARRAY) {
      skipArray(c, v1, key.text, 1, ctx, (s, off) => {
        // Arrays of templates (some converters store named templates as a list of strings).
        if (isTemplateKey(key.text) && s.includes('{')) {
          templates.push(key.text);
          checkTemplate(key.text, s, off, ctx, rep);
        }
      });
    } else {
      const size = FIXED_SIZE[type];
      if (size === undefined) throw new Malformed(`metadata ${quote(key.text)} has unknown value type ${type}`, typeOffset);
      const b = c.bytes(size, `value of ${key.text}`);
      if (key.text === 'general.alignment') {
        const a = type === 4 || type === 5 ? new DataView(b.buffer, b.byteOffset, 4).getUint32(0, le) : type === 10 || type === 11 ? Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, le)) : -1;
        if (a <= 0 || (a & (a - 1)) !== 0 || a > 1 << 30) {
          rep.report(R.malformedHeader, { location: ctx.at(typeOffset), message: `general.alignment is ${a}, not a power of two (llama.cpp rejects it)` });
        } else alignment = a;
      }
    }
  }

  // Tensor infos.
  interface Info {
    name: string;
    offset: bigint;
    bytes: bigint | undefined;
    at: number;
  }
  const infos: Info[] = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    const at = c.pos;
    const name = readString('tensor name', ctx.limits.maxStringBytes);
    if (name.truncated) throw new Malformed(`tensor name of ${name.length} bytes exceeds maxStringBytes`, name.offset);
    if (names.has(name.text)) {
      rep.report(R.duplicateKey, { location: ctx.at(at), message: `tensor name ${quote(name.text)} appears more than once`, evidence: name.text });
    }
    names.add(name.text);
    const nDims = c.u32('tensor dimension count');
    if (nDims > GGML_MAX_DIMS) throw new Malformed(`tensor ${quote(name.text)} has ${nDims} dimensions (at most ${GGML_MAX_DIMS})`, at);
    let elements = 1n;
    for (let d = 0; d < nDims; d++) elements *= v1 ? BigInt(c.u32('tensor dimension')) : c.u64('tensor dimension');
    const type = c.u32('tensor type');
    const offset = c.u64('tensor offset');
    const t = GGML_TYPES[type];
    let bytes: bigint | undefined;
    if (!t) {
      rep.report(R.malformedHeader, {
        location: ctx.at(at),
        message: `tensor ${quote(name.text)} has unknown ggml type ${type}; its size could not be checked`,
        severity: 'medium',
        evidence: `ggml-type-${type}`,
      });
    } else {
      const [tname, block, blockBytes] = t;
      if (elements % BigInt(block) !== 0n) {
        rep.report(R.malformedHeader, { location: ctx.at(at), message: `tensor ${quote(name.text)}: ${elements} elements are not a multiple of the ${tname} block size ${block}`, evidence: name.text });
      }
      bytes = (elements / BigInt(block)) * BigInt(blockBytes);
    }
    if (offset % BigInt(alignment) !== 0n) {
      rep.report(R.tensorDataLayout, { location: ctx.at(at), message: `tensor ${quote(name.text)} offset ${offset} is not a multiple of the alignment ${alignment}`, evidence: name.text });
    }
    infos.push({ name: name.text, offset, bytes, at });
  }
  const dataStart = BigInt(Math.ceil(c.pos / alignment) * alignment);
  const dataLen = BigInt(source.size) - dataStart;
  const sorted = infos.filter((x) => x.bytes !== undefined).sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
  let prevEnd = 0n;
  let prev: Info | undefined;
  for (const t of sorted) {
    const end = t.offset + (t.bytes ?? 0n);
    if (end > dataLen) {
      rep.report(R.tensorDataLayout, {
        location: ctx.at(t.at),
        message: `tensor ${quote(t.name)} data [${t.offset}, ${end}) runs past the end of the ${dataLen < 0n ? 0n : dataLen}-byte data section`,
        evidence: t.name,
      });
    }
    if (prev && t.offset < prevEnd && (t.bytes ?? 0n) > 0n) {
      rep.report(R.tensorDataLayout, { location: ctx.at(t.at), message: `tensor ${quote(t.name)} overlaps tensor ${quote(prev.name)}`, evidence: t.name });
    }
    if (end > prevEnd) {
      prevEnd = end;
      prev = t;
    }
  }
  return { version, littleEndian: le, kvCount, tensorCount, templates, alignment };

  function skipArray(cur: Cursor, isV1: boolean, key: string, depth: number, sctx: ModelScanContext, onString: (s: string, offset: number) => void): void {
    if (depth > MAX_ARRAY_NESTING) throw new Malformed(`arrays nested deeper than ${MAX_ARRAY_NESTING} in ${quote(key)}`, cur.pos);
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
    for (let i = 0n; i < n; i++) {
      if (itemType === TYPE_STRING) {
        const len = isV1 ? BigInt(cur.u32('string length')) : cur.u64('string length');
        if (len > BigInt(cur.remaining)) throw new Malformed(`a string in array ${quote(key)} runs past the end of the file`, cur.pos);
        const off = cur.pos;
        if (isTemplateKey(key) && len <= BigInt(sctx.limits.maxTextBytes)) {
          onString(new TextDecoder().decode(cur.bytes(Number(len), `array ${key}`)), off);
        } else cur.skip(Number(len), `array ${key}`);
      } else skipArray(cur, isV1, key, depth + 1, sctx, onString);
    }
  }
}

function checkTemplate(key: string, template: string, offset: number, ctx: ModelScanContext, rep: CappedReporter): void {
  const a = analyzeTemplate(template);
  if (!a.complete) ctx.incomplete(coreRules.limitExceeded, `chat template ${quote(key)} was only partly analysed (token or issue bound reached)`, offset);
  for (const issue of a.issues) {
    const byteOff = offset + Buffer.byteLength(template.slice(0, issue.offset), 'utf8');
    rep.report(R.chatTemplateInjection, {
      location: ctx.at(byteOff),
      message: `${key}: ${issue.message}`,
      severity: issue.severity,
      evidence: issue.evidence,
    });
  }
}
