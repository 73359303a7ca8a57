/**
 * joblib files (joblib/numpy_pickle.py, numpy_pickle_compat.py, compressor.py):
 * - `joblib.dump` without compression writes a pickle in which numpy arrays are NumpyArrayWrapper
 *   objects followed by their raw bytes inside the stream; the pickle analyser reads that layout
 *   with loader 'joblib';
 * - compressed dumps are zlib (0x78), gzip, bz2, lzma (.lzma "alone"), xz or lz4 streams of the
 *   same pickle (detected as those formats by content, then rescanned);
 * - joblib < 0.10 wrote `ZF` files: `ZF` + the decompressed length as a hexadecimal literal
 *   padded to 19 characters (20 in old Python 2 versions) + a zlib stream.
 */
import type { ByteSource } from '../../limits/index.js';
import { coreRules } from '../../rules/index.js';
import { scanStream } from '../compression/index.js';
import type { ModelScanContext } from '../context.js';
import { scanPickle } from '../pickle/index.js';

/** len(hex(2**64)) in joblib's compat module. */
const ZF_HEADER = 2 + 19;

export function scanJoblibPickle(source: ByteSource, ctx: ModelScanContext): string {
  scanPickle(source, ctx, { loader: 'joblib' });
  return 'joblib';
}

export function scanJoblibZfile(source: ByteSource, ctx: ModelScanContext): string {
  const head = Buffer.from(source.read(0, ZF_HEADER + 1)).toString('latin1');
  const m = /^ZF(0[xX][0-9a-fA-F]+)\s*$/.exec(head.slice(0, ZF_HEADER));
  if (!m) {
    ctx.incomplete(coreRules.malformedInput, 'joblib ZF header is not a hexadecimal length', 0);
    return 'joblib-zlib';
  }
  // A space after the header is skipped (Python 2 joblib <= 0.8.4 wrote one more character).
  const base = head[ZF_HEADER] === ' ' ? ZF_HEADER + 1 : ZF_HEADER;
  scanStream(source, ctx, 'zlib', base, '<joblib zlib content>');
  return 'joblib-zlib';
}
