/**
 * Builds GGUF files in code (versions 1–3, either byte order), with named forgeries: lying counts,
 * string lengths past the end, duplicate keys, misaligned or overlapping tensor offsets.
 */
export type GgufValue =
  | { type: 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'bool' | 'u64' | 'i64' | 'f64'; value: number | bigint | boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; itemType: 'string'; value: string[] }
  | { type: 'array'; itemType: 'u32' | 'i32' | 'f32'; value: number[] }
  | { type: 'raw'; typeId: number; bytes: Uint8Array };

export interface GgufTensor {
  readonly name: string;
  readonly dims: readonly number[];
  /** ggml type id (0 = F32). */
  readonly type: number;
  /** Offset relative to the data section; default: laid out in order, aligned. */
  readonly offset?: bigint;
}

export interface GgufOptions {
  readonly version?: 1 | 2 | 3;
  readonly bigEndian?: boolean;
  readonly kv?: readonly (readonly [string, GgufValue])[];
  readonly tensors?: readonly GgufTensor[];
  readonly alignment?: number;
  /** Override the declared counts. */
  readonly kvCountOverride?: bigint;
  readonly tensorCountOverride?: bigint;
  /** Bytes of tensor data appended (default: exactly what the tensors need). */
  readonly dataLength?: number;
  /** Cut the file after this many bytes. */
  readonly truncateTo?: number;
}

const TYPE_IDS = { u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12 } as const;
const SIZES: Record<number, [number, number]> = { 0: [1, 4], 1: [1, 2], 2: [32, 18], 8: [32, 34], 12: [256, 144], 30: [1, 2] };

class W {
  parts: number[] = [];
  constructor(
    readonly le: boolean,
    readonly v1: boolean,
  ) {}
  u32(n: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n >>> 0, this.le);
    this.parts.push(...b);
  }
  u64(n: bigint | number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(n), this.le);
    this.parts.push(...b);
  }
  size(n: bigint | number): void {
    if (this.v1) this.u32(Number(n));
    else this.u64(n);
  }
  str(s: string): void {
    const b = new TextEncoder().encode(s);
    this.size(b.length);
    this.parts.push(...b);
  }
  scalar(type: string, v: number | bigint | boolean): void {
    const dv = new DataView(new ArrayBuffer(8));
    const n = typeof v === 'boolean' ? (v ? 1 : 0) : v;
    switch (type) {
      case 'u8':
      case 'i8':
      case 'bool':
        this.parts.push(Number(n) & 0xff);
        return;
      case 'u16':
      case 'i16':
        dv.setUint16(0, Number(n), this.le);
        this.parts.push(...new Uint8Array(dv.buffer, 0, 2));
        return;
      case 'u32':
      case 'i32':
        dv.setUint32(0, Number(n) >>> 0, this.le);
        this.parts.push(...new Uint8Array(dv.buffer, 0, 4));
        return;
      case 'f32':
        dv.setFloat32(0, Number(n), this.le);
        this.parts.push(...new Uint8Array(dv.buffer, 0, 4));
        return;
      case 'u64':
      case 'i64':
        dv.setBigUint64(0, BigInt(n), this.le);
        this.parts.push(...new Uint8Array(dv.buffer, 0, 8));
        return;
      case 'f64':
        dv.setFloat64(0, Number(n), this.le);
        this.parts.push(...new Uint8Array(dv.buffer, 0, 8));
        return;
    }
  }
}

export function tensorBytes(t: GgufTensor): number {
  const [block, bytes] = SIZES[t.type] ?? [1, 4];
  const n = t.dims.reduce((a, b) => a * b, 1);
  return (n / block) * bytes;
}

export function ggufFile(o: GgufOptions = {}): Uint8Array {
  const version = o.version ?? 3;
  const w = new W(!o.bigEndian, version === 1);
  w.parts.push(0x47, 0x47, 0x55, 0x46);
  w.u32(version);
  const kv = o.kv ?? [];
  const tensors = o.tensors ?? [];
  w.size(o.tensorCountOverride ?? BigInt(tensors.length));
  w.size(o.kvCountOverride ?? BigInt(kv.length));
  for (const [k, v] of kv) {
    w.str(k);
    if (v.type === 'raw') {
      w.u32(v.typeId);
      w.parts.push(...v.bytes);
      continue;
    }
    w.u32(TYPE_IDS[v.type]);
    if (v.type === 'string') w.str(v.value);
    else if (v.type === 'array') {
      w.u32(TYPE_IDS[v.itemType]);
      w.size(v.value.length);
      for (const item of v.value) {
        if (typeof item === 'string') w.str(item);
        else w.scalar(v.itemType, item);
      }
    } else w.scalar(v.type, v.value);
  }
  const alignment = o.alignment ?? 32;
  let cursor = 0;
  for (const t of tensors) {
    w.str(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.size(d);
    w.u32(t.type);
    w.u64(t.offset ?? BigInt(cursor));
    cursor += Math.ceil(tensorBytes(t) / alignment) * alignment;
  }
  while (w.parts.length % alignment !== 0) w.parts.push(0);
  const dataLen = o.dataLength ?? cursor;
  const out = new Uint8Array(w.parts.length + dataLen);
  out.set(w.parts, 0);
  return o.truncateTo !== undefined ? out.subarray(0, o.truncateTo) : out;
}

export const LLAMA3_TEMPLATE =
  "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";

/** A small, ordinary chat model file (metadata + two F32 tensors). */
export function benignGguf(template = LLAMA3_TEMPLATE, extra: GgufOptions = {}): Uint8Array {
  return ggufFile({
    kv: [
      ['general.architecture', { type: 'string', value: 'llama' }],
      ['general.alignment', { type: 'u32', value: 32 }],
      ['tokenizer.ggml.tokens', { type: 'array', itemType: 'string', value: ['<s>', '</s>', 'a', 'b'] }],
      ['tokenizer.ggml.scores', { type: 'array', itemType: 'f32', value: [0, 0, 0, 0] }],
      ['tokenizer.chat_template', { type: 'string', value: template }],
    ],
    tensors: [
      { name: 'token_embd.weight', dims: [8, 4], type: 0 },
      { name: 'output_norm.weight', dims: [8], type: 0 },
    ],
    ...extra,
  });
}
