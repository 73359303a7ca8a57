/**
 * Builds safetensors files in code (benign and hostile), plus the scan-context helper the format
 * scanner tests share (its findings leave through a Reporter with the engine's caps). Every trick is a named option so tests read as a list of attacks.
 */
import { DEFAULT_LIMITS } from '../src/limits/index.js';
import type { Limits } from '../src/limits/index.js';
import type { Finding } from '../src/findings/index.js';
import type { Reporter } from '../src/rules/index.js';
import { ModelScanContext, TargetState } from '../src/model-scanners/context.js';
import type { ModelScanOptions } from '../src/model-scanners/context.js';
import { modelReporter } from './model-scan-helpers.js';

const BITS: Record<string, number> = {
  BOOL: 8, F4: 4, F6_E2M3: 6, F6_E3M2: 6, U8: 8, I8: 8, F8_E5M2: 8, F8_E4M3: 8, F8_E8M0: 8, F8_E4M3FNUZ: 8, F8_E5M2FNUZ: 8,
  I16: 16, U16: 16, F16: 16, BF16: 16, I32: 32, U32: 32, F32: 32, C64: 64, F64: 64, I64: 64, U64: 64,
};

export interface TensorSpec {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
}

export interface SafetensorsOptions {
  readonly metadata?: Record<string, unknown>;
  /** Replace the JSON header text entirely (duplicates, bad JSON, …). */
  readonly rawHeader?: string;
  /** Write this value as the 8-byte length instead of the real one. */
  readonly lengthOverride?: bigint;
  /** Pad the header with spaces to a multiple of 8 (what the reference writer does). Default true. */
  readonly pad?: boolean;
  /** Bytes appended after the data buffer. */
  readonly append?: Uint8Array;
  /** Change one tensor's data_offsets after layout (name → [begin, end]). */
  readonly offsets?: Record<string, readonly [number, number]>;
  /** Data buffer contents (default: zeros of the right size). */
  readonly data?: Uint8Array;
}

/** A safetensors file laid out like the reference writer does (offsets tile the buffer in order). */
export function safetensorsFile(tensors: readonly TensorSpec[], o: SafetensorsOptions = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (o.metadata) header['__metadata__'] = o.metadata;
  let offset = 0;
  for (const t of tensors) {
    const bits = (BITS[t.dtype] ?? 8) * t.shape.reduce((a, b) => a * b, 1);
    const n = Math.ceil(bits / 8);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: o.offsets?.[t.name] ?? [offset, offset + n] };
    offset += n;
  }
  let text = o.rawHeader ?? JSON.stringify(header);
  if (o.pad !== false) while (Buffer.byteLength(text) % 8 !== 0) text += ' ';
  const h = new TextEncoder().encode(text);
  const data = o.data ?? new Uint8Array(offset);
  const append = o.append ?? new Uint8Array(0);
  const out = new Uint8Array(8 + h.length + data.length + append.length);
  new DataView(out.buffer).setBigUint64(0, o.lengthOverride ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  out.set(append, 8 + h.length + data.length);
  return out;
}

/** A file whose header is exactly `headerText` (no padding) followed by `dataLength` zero bytes. */
export function rawSafetensors(headerText: string, dataLength = 0, append?: Uint8Array): Uint8Array {
  return safetensorsFile([], { rawHeader: headerText, pad: false, data: new Uint8Array(dataLength), ...(append && { append }) });
}

/** Minimal zip (one stored member) for polyglot fixtures: local header + central directory + EOCD. */
export function tinyZip(name: string, content: Uint8Array): Uint8Array {
  const nameB = new TextEncoder().encode(name);
  const local = new Uint8Array(30 + nameB.length + content.length);
  const lv = new DataView(local.buffer);
  lv.setUint32(0, 0x04034b50, true);
  lv.setUint16(4, 20, true);
  lv.setUint32(18, content.length, true);
  lv.setUint32(22, content.length, true);
  lv.setUint16(26, nameB.length, true);
  local.set(nameB, 30);
  local.set(content, 30 + nameB.length);
  const cd = new Uint8Array(46 + nameB.length);
  const cv = new DataView(cd.buffer);
  cv.setUint32(0, 0x02014b50, true);
  cv.setUint16(4, 20, true);
  cv.setUint16(6, 20, true);
  cv.setUint32(20, content.length, true);
  cv.setUint32(24, content.length, true);
  cv.setUint16(28, nameB.length, true);
  cd.set(nameB, 46);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, 1, true);
  ev.setUint16(10, 1, true);
  ev.setUint32(12, cd.length, true);
  ev.setUint32(16, local.length, true);
  const out = new Uint8Array(local.length + cd.length + eocd.length);
  out.set(local, 0);
  out.set(cd, local.length);
  out.set(eocd, local.length + cd.length);
  return out;
}

export interface ScanHarness {
  readonly ctx: ModelScanContext;
  /** The Reporter every finding of the harness leaves through (engine caps). */
  readonly reporter: Reporter;
  /** Whether the target is partial (the Reporter's verdict) and what it decompressed. */
  readonly state: { readonly partial: boolean; readonly decompressed: number };
  /** Every finding so far, the Reporter's cap summaries included. */
  readonly findings: Finding[];
  /** Member names passed to scanNested, with the detected format the harness returned. */
  readonly nested: { member: string; size: number }[];
}

/** A ModelScanContext for unit tests of one scanner (nested scans are recorded, not dispatched). */
export function scanHarness(path = 'model.bin', limits: Partial<Limits> = {}, options: Partial<ModelScanOptions> = {}): ScanHarness {
  const resolved = { ...DEFAULT_LIMITS, ...limits };
  const reporter = modelReporter(resolved);
  const target = new TargetState(resolved, reporter);
  const nested: { member: string; size: number }[] = [];
  const ctx = new ModelScanContext(path, undefined, 0, { strict: false, policy: 'default', ...options }, target, (source, c) => {
    nested.push({ member: c.member ?? '', size: source.size });
    return 'unknown';
  });
  const state = {
    get partial(): boolean {
      return reporter.partialPaths().has(path);
    },
    get decompressed(): number {
      return target.decompressed;
    },
  };
  return {
    ctx,
    reporter,
    state,
    get findings(): Finding[] {
      return reporter.finish();
    },
    nested,
  };
}

export function ruleIds(findings: readonly Finding[]): string[] {
  return [...new Set(findings.map((f) => f.ruleId))].sort();
}
