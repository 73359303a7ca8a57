/**
 * gzip, bzip2, xz, lzma, zstd and zlib streams (pickles compressed by joblib, or by hand): the
 * stream is decompressed under the target's caps and the output is scanned by content. A truncated
 * or capped stream is reported and its decoded prefix is still scanned (a streaming loader acts on
 * those bytes before it notices the problem).
 */
import type { ByteSource, CompressionFormat } from '../../limits/index.js';
import { parseGzipHeader } from '../../limits/index.js';
import type { ModelScanContext } from '../context.js';
import { badChecksum, trailingData } from './rules.js';
import { decompressFor, decompressedSource, scanRegion } from '../containers.js';

export type StreamFormat = Exclude<CompressionFormat, 'deflate-raw'>;

/** Decompress `input` (compressed bytes of `source`, starting at `base`) and scan the output. */
export function scanStream(source: ByteSource, ctx: ModelScanContext, format: StreamFormat, base = 0, label = `<${format} content>`): void {
  const input = source.read(base, source.size - base);
  const r = decompressFor(ctx, format, input);
  for (const w of r.warnings) {
    if (w.kind === 'bad-checksum') ctx.report(badChecksum, { location: ctx.at(base + w.offset), message: w.message });
    else if (w.kind === 'trailing-data') ctx.report(trailingData, { location: ctx.at(base + w.offset), message: w.message });
  }
  const out = decompressedSource(ctx, r, `${format} stream`);
  if (out.size > 0) ctx.scanNested(out, label);
  const trailing = r.warnings.find((w) => w.kind === 'trailing-data');
  if (trailing) scanRegion(ctx, source, base + trailing.offset, source.size, `<data after the ${format} stream>`);
}

export function scanCompressed(source: ByteSource, ctx: ModelScanContext, format: StreamFormat): string {
  let label = `<${format} content>`;
  if (format === 'gzip') {
    try {
      const name = parseGzipHeader(source.read(0, 64 * 1024), 0).name;
      // The original file name recorded in the header (data, shown for orientation only).
      if (name) label = `<gzip content: ${name.slice(0, 128)}>`;
    } catch {
      // the decoder reports header problems
    }
  }
  scanStream(source, ctx, format, 0, label);
  return format;
}
