import type { TargetStatus } from '../findings/index.js';
import type { ByteSource, Limits } from '../limits/index.js';
import type { Reporter } from '../rules/index.js';
import { coreRules } from '../rules/index.js';
import { scanCompressed } from './compression/index.js';
import type { ModelScanOptions } from './context.js';
import { ModelScanContext, TargetState } from './context.js';
import type { DetectedFormat } from './detect-format.js';
import { UNSUPPORTED_FORMATS, detectFormat, hasZipTail } from './detect-format.js';
import { scanGguf } from './gguf/index.js';
import { scanJoblibPickle, scanJoblibZfile } from './joblib/index.js';
import { isKerasH5, isKerasZip, scanKeras, scanKerasH5 } from './keras/index.js';
import { scanNpy } from './numpy/index.js';
import { scanOnnx } from './onnx/index.js';
import { assertPicklePolicy, scanPickle } from './pickle/index.js';
import { scanLegacyStream } from './pytorch/index.js';
import { scanSafetensors } from './safetensors/index.js';
import { scanTar } from './archive/index.js';
import { scanSavedModel } from './tensorflow/index.js';
import { scanZip } from './zip/index.js';

export interface ModelScanResult {
  /** Detected format, refined by the scanner (e.g. `zip` → `pytorch-zip`, `tar` → `pytorch-tar`). */
  readonly format: string;
  /**
   * `partial` when a fail-closed finding was reported on this target (the Reporter's
   * `partialPaths()`), else `complete`. The per-target findings cap can still make the target partial
   * when the Reporter finishes: the engine takes the final status from `reporter.partialPaths()`.
   */
  readonly status: TargetStatus;
}

/**
 * Scan one source whose format is detected from its content; every finding leaves through
 * `reporter` (create it with `maxPerTarget: limits.maxFindingsPerTarget` and `maxPerRule:
 * limits.maxFindingsPerRule`). Returns `undefined` when the content is not a model or archive format
 * (the caller may try other analysers, e.g. Kubernetes manifests). Never throws for bad input;
 * throws a CONFIG error when `options.pickle` holds an entry that is not `module.Name` or `module.*`
 * (validate the configuration once with `picklePolicyProblems`).
 */
export function scanModelSource(source: ByteSource, path: string, options: ModelScanOptions, limits: Limits, reporter: Reporter): ModelScanResult | undefined {
  if (options.pickle !== undefined) assertPicklePolicy(options.pickle);
  let detected: DetectedFormat | undefined;
  const state = new TargetState(limits, reporter);
  const ctx = new ModelScanContext(path, undefined, 0, options, state, dispatch);
  const status = (): TargetStatus => (reporter.partialPaths().has(path) ? 'partial' : 'complete');
  try {
    detected = detectFormat(source);
  } catch (e) {
    // Reading the head failed (I/O): report it as this target's problem.
    ctx.failed(e, 'format detection');
    return { format: 'unknown', status: 'partial' };
  }
  if (detected === undefined) return undefined;
  let format: string = detected;
  try {
    format = scan(source, ctx, detected);
  } catch (e) {
    ctx.failed(e, `analysis of ${detected}`);
  }
  return { format, status: status() };
}

/** Detect and scan; used for every nested member or decompressed stream (via ctx.scanNested). */
function dispatch(source: ByteSource, ctx: ModelScanContext): string {
  const format = detectFormat(source);
  return format === undefined ? 'unknown' : scan(source, ctx, format);
}

/** Scan `source` as `format`; returns the (refined) format. */
function scan(source: ByteSource, ctx: ModelScanContext, format: DetectedFormat): string {
  if (format === 'zip') {
    const refined = scanZip(source, ctx);
    // A .keras v3 file is a zip (config.json + metadata.json): after the generic member checks, the
    // Keras config analysis. Asked only of zips that are neither PyTorch nor numpy archives.
    if (refined === 'zip' && isKerasZip(source)) {
      scanKeras(source, ctx);
      return 'keras';
    }
    return refined;
  }
  ctx.pickleEnd = undefined;
  const result = scanAs(source, ctx, format);
  // A file that starts as one format and ends with a zip archive is a polyglot: torch.load and
  // numpy.load decide by the first bytes, zipfile and most tools by the end. Scan both readings.
  // (Not for tar: a zip stored as the last member ends the tar too, and is scanned as a member;
  // a zip appended after the tar is scanned as trailing data.) An archive that ends inside the
  // pickle's data is bytes the pickle carries (skorch stores torch.save output that way).
  if (format !== 'tar' && hasZipTail(source)) scanZip(source, ctx, { skipPrepended: true, ...(ctx.pickleEnd !== undefined && { pickleEnd: ctx.pickleEnd }) });
  return result;
}

function scanAs(source: ByteSource, ctx: ModelScanContext, format: Exclude<DetectedFormat, 'zip'>): string {
  switch (format) {
    case 'safetensors':
      scanSafetensors(source, ctx);
      return 'safetensors';
    case 'gguf':
      scanGguf(source, ctx);
      return 'gguf';
    case 'hdf5':
      if (!isKerasH5(source)) return 'hdf5';
      scanKerasH5(source, ctx);
      return 'keras-h5';
    case 'onnx':
      scanOnnx(source, ctx);
      return 'onnx';
    case 'tensorflow-savedmodel':
    case 'tensorflow-graphdef':
      scanSavedModel(source, ctx);
      return format;
    case 'pickle':
      scanPickle(source, ctx, { loader: 'pickle' });
      return 'pickle';
    case 'joblib':
      return scanJoblibPickle(source, ctx);
    case 'pytorch-legacy':
      return scanLegacyStream(source, ctx);
    case 'tar':
      return scanTar(source, ctx);
    case 'numpy-npy':
      return scanNpy(source, ctx);
    case 'joblib-zlib':
      return scanJoblibZfile(source, ctx);
    case 'gzip':
    case 'bzip2':
    case 'xz':
    case 'lzma':
    case 'zstd':
    case 'zlib':
    case 'lz4':
      return scanCompressed(source, ctx, format);
    default: {
      const what = UNSUPPORTED_FORMATS[format];
      ctx.incomplete(coreRules.unsupportedContainer, `${what}: Bulwark cannot open it, so its contents were not analysed`, undefined, format);
      return format;
    }
  }
}
