/**
 * Helpers shared by the container scanners: decompression charged to the target's limits, scanning
 * in a child context with the nesting limit applied, and sniffing stray regions (prepended,
 * appended or unreferenced bytes) for content worth scanning.
 */
import { LimitExceededError } from '../findings/index.js';
import type { ByteSource, CompressionFormat, DecompressResult } from '../limits/index.js';
import { BufferSource, SliceSource, decompress } from '../limits/index.js';
import { coreRules } from '../rules/index.js';
import type { ModelScanContext } from './context.js';
import { detectFormat } from './detect-format.js';

/**
 * Decompress under both the per-stream cap (maxDecompressedBytes) and what is left of the
 * per-target total (maxTotalDecompressedBytes); the output is charged to the target.
 */
export function decompressFor(ctx: ModelScanContext, format: CompressionFormat, input: Uint8Array): DecompressResult {
  return decodeFor(ctx, (cap, limitName) => decompress(format, input, cap, limitName));
}

/** Run a capped decoder with the cap and limit name that apply to this target now. */
export function decodeFor(ctx: ModelScanContext, decode: (cap: number, limitName: string) => DecompressResult): DecompressResult {
  const limits = ctx.limits;
  const left = Math.max(0, limits.maxTotalDecompressedBytes - ctx.state.decompressed);
  const totalBinds = left < limits.maxDecompressedBytes;
  const r = decode(totalBinds ? left : limits.maxDecompressedBytes, totalBinds ? 'maxTotalDecompressedBytes' : 'maxDecompressedBytes');
  ctx.chargeDecompressed(r.data.length);
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
      ctx.incomplete(coreRules.limitExceeded, `${what}: ${r.error.message}; only the first ${r.data.length} bytes were analysed`, undefined, r.error.limit);
    } else {
      ctx.failed(r.error, what);
    }
  }
  return new BufferSource(r.data);
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
