/**
 * Helpers shared by the container scanners: decompression charged to the target's limits, scanning
 * in a child context with the nesting limit applied, and sniffing stray regions (prepended,
 * appended or unreferenced bytes) for content worth scanning.
 */
import type { Location } from '../findings/index.js';
import { LimitExceededError } from '../findings/index.js';
import type { ByteSource, CompressionFormat, DecompressResult } from '../limits/index.js';
import { BufferSource, SliceSource, decompress } from '../limits/index.js';
import type { RuleMeta } from '../rules/index.js';
import { coreRules } from '../rules/index.js';
import type { ModelScanContext } from './context.js';
import { detectFormat } from './detect-format.js';

/**
 * Decompress under the per-stream cap (maxDecompressedBytes), the ratio cap (maxDecompressionRatio
 * times the compressed size, once past maxDecompressedBytesBeforeRatio) and what is left of the
 * per-target total (maxTotalDecompressedBytes); the output is charged to the target.
 */
export function decompressFor(ctx: ModelScanContext, format: CompressionFormat, input: Uint8Array): DecompressResult {
  return decodeFor(ctx, input.length, (cap, limitName) => decompress(format, input, cap, limitName));
}

/**
 * Defaults of the decompression-ratio limits, used until the limits table names them (they are read
 * from `ctx.limits` when present). A 1 KiB stream may expand to 64 MiB whatever its ratio (real
 * streams of that size never need more), larger ones to 256 times their size: about the ratio of
 * the most compressible real model data (zero-initialised arrays reach ~1000:1 only with deflate's
 * maximum, and such files are rare); bombs reach 1,000,000:1 with bzip2, xz, zstd or lz4.
 */
export const DECOMPRESSION_RATIO_DEFAULTS = { maxDecompressionRatio: 256, maxDecompressedBytesBeforeRatio: 64 * 1024 * 1024 } as const;

function ratioLimit(ctx: ModelScanContext, name: keyof typeof DECOMPRESSION_RATIO_DEFAULTS): number {
  const v = (ctx.limits as unknown as Partial<Record<string, number>>)[name];
  return typeof v === 'number' && v > 0 ? v : DECOMPRESSION_RATIO_DEFAULTS[name];
}

/** The output a stream of `inputSize` compressed bytes may produce under the ratio limit. */
export function ratioAllowance(ctx: ModelScanContext, inputSize: number): number {
  const floor = ratioLimit(ctx, 'maxDecompressedBytesBeforeRatio');
  const ratio = ratioLimit(ctx, 'maxDecompressionRatio');
  return Math.max(floor, Math.min(Number.MAX_SAFE_INTEGER, inputSize * ratio));
}

/** Run a capped decoder over `inputSize` compressed bytes with the cap and limit name that apply to this target now. */
export function decodeFor(ctx: ModelScanContext, inputSize: number, decode: (cap: number, limitName: string) => DecompressResult): DecompressResult {
  const limits = ctx.limits;
  const caps: [number, string][] = [
    [limits.maxDecompressedBytes, 'maxDecompressedBytes'],
    [ratioAllowance(ctx, inputSize), 'maxDecompressionRatio'],
    [Math.max(0, limits.maxTotalDecompressedBytes - ctx.state.decompressed), 'maxTotalDecompressedBytes'],
  ];
  let [cap, name] = caps[0] as [number, string];
  for (const [c, n] of caps) {
    if (c < cap) {
      cap = c;
      name = n;
    }
  }
  const r = decode(cap, name);
  ctx.chargeDecompressed(r.output.size);
  return r;
}

/**
 * Run `fn` in the child context for `member`, one level deeper: beyond maxNestingDepth it is
 * reported instead of run, and anything `fn` throws becomes a fail-closed finding.
 */
export function inChild(ctx: ModelScanContext, member: string, what: string, fn: (child: ModelScanContext) => void): void {
  const c = ctx.child(member);
  if (c.depth > ctx.limits.maxNestingDepth) {
    c.incomplete(coreRules.limitExceeded, `nesting deeper than maxNestingDepth (${ctx.limits.maxNestingDepth}); not analysed`, undefined, 'maxNestingDepth');
    return;
  }
  try {
    fn(c);
  } catch (e) {
    c.failed(e, what);
  }
}

/** Report a decompression's error (the output is still analysed) and return its data as a source. */
export function decompressedSource(ctx: ModelScanContext, r: DecompressResult, what: string): ByteSource {
  if (r.error) {
    if (r.error instanceof LimitExceededError) {
      const why = r.error.limit === 'maxDecompressionRatio' ? ` (more than ${ratioLimit(ctx, 'maxDecompressionRatio')} times its compressed size, past maxDecompressedBytesBeforeRatio)` : '';
      ctx.incomplete(coreRules.limitExceeded, `${what}: ${r.error.message}${why}; only the first ${r.output.size} bytes were analysed`, undefined, r.error.limit);
    } else {
      ctx.failed(r.error, what);
    }
  }
  return r.output;
}

/**
 * Sniff a region of `source` that belongs to no member (data before, between or after a
 * container's entries) and scan it when it holds a recognisable format. Returns the format found.
 */
export function scanRegion(ctx: ModelScanContext, source: ByteSource, start: number, end: number, label: string): string | undefined {
  if (end <= start) return undefined;
  const region = new SliceSource(source, start, end - start);
  let format: string | undefined;
  try {
    format = detectFormat(region, { zipTail: false });
  } catch (e) {
    ctx.failed(e, `sniffing ${label}`, start);
    return undefined;
  }
  if (format === undefined) return undefined;
  ctx.scanNested(region, label);
  return format;
}

/** Embedded values examined per target (beyond it, values are not decoded). */
const MAX_EMBEDDED_VALUES = 4096;
const MIN_EMBEDDED_BYTES = 16;
const BASE64_TEXT = /^[A-Za-z0-9+/]+={0,2}$/;
const BASE64URL_TEXT = /^[A-Za-z0-9_-]+={0,2}$/;
const HEX_TEXT = /^(?:[0-9a-fA-F]{2})+$/;
const EMBEDDED_SEEN = new WeakMap<object, number>();

/** The readings of a metadata value that could hold a serialized object: raw, base64, hex. */
function embeddedReadings(value: string | Uint8Array): { bytes: Uint8Array; how: string }[] {
  const out: { bytes: Uint8Array; how: string }[] = [];
  const raw = typeof value === 'string' ? new Uint8Array(Buffer.from(value, 'latin1')) : value;
  if (raw.length >= MIN_EMBEDDED_BYTES) out.push({ bytes: raw, how: '' });
  const text = typeof value === 'string' ? value : raw.length <= 16 * 1024 * 1024 ? Buffer.from(raw).toString('latin1') : '';
  const t = text.replace(/\s+/g, '');
  if (t.length >= 24 && t.length % 4 !== 1 && /[0-9]/.test(t) && /[A-Z]/.test(t) && /[a-z]/.test(t)) {
    const std = BASE64_TEXT.test(t);
    if (std || BASE64URL_TEXT.test(t)) {
      const b = Buffer.from(t, std ? 'base64' : 'base64url');
      if (b.length >= MIN_EMBEDDED_BYTES) out.push({ bytes: new Uint8Array(b.buffer, b.byteOffset, b.length), how: 'base64-encoded ' });
    }
  }
  if (t.length >= 2 * MIN_EMBEDDED_BYTES && HEX_TEXT.test(t)) {
    const b = Buffer.from(t, 'hex');
    out.push({ bytes: new Uint8Array(b.buffer, b.byteOffset, b.length), how: 'hex-encoded ' });
  }
  return out;
}

/**
 * A metadata value (safetensors `__metadata__`, ONNX `metadata_props` or string tensor, GGUF string)
 * that holds a serialized object Bulwark recognises by content (a pickle, an archive, a compressed
 * stream, another model), raw or base64/hex encoded: report it with `rule` at `location` (the value
 * itself is data: nothing loads it automatically, but code that reads the metadata may) and scan it as
 * the member `label`, so its own findings say what it does. Returns the format found.
 */
export function scanEmbeddedValue(ctx: ModelScanContext, rule: RuleMeta, label: string, value: string | Uint8Array, location: Location): string | undefined {
  const n = EMBEDDED_SEEN.get(ctx.state) ?? 0;
  if (n >= MAX_EMBEDDED_VALUES) return undefined;
  EMBEDDED_SEEN.set(ctx.state, n + 1);
  for (const { bytes, how } of embeddedReadings(value)) {
    const src = new BufferSource(bytes);
    let format: string | undefined;
    try {
      format = detectFormat(src, { zipTail: false });
    } catch {
      format = undefined;
    }
    if (format === undefined) continue;
    ctx.report(rule, { location, message: `${label} holds a ${how}${format} (${bytes.length} bytes): it is scanned as the member ${quoteLabel(label)}; code that reads this metadata and deserializes it runs what it holds`, evidence: `${how}${format}` });
    ctx.scanNested(src, label);
    return format;
  }
  return undefined;
}

function quoteLabel(s: string): string {
  return s.length > 120 ? `${s.slice(0, 120)}…` : s;
}
