/**
 * Format detection from content (magic bytes and cheap structural checks); the file name is never
 * consulted. `detectFormat` returns undefined for content that is none of the model or container
 * formats below (text files, manifests...), so the engine can try other analysers.
 *
 * Format ids: `zip` (refined to `pytorch-zip` / `numpy-npz` by the zip scanner), `tar` (refined to
 * `pytorch-tar`), `numpy-npy`, `pickle`, `joblib` (a pickle holding joblib's NumpyArrayWrapper),
 * `pytorch-legacy` (pickles led by PyTorch's magic number), `joblib-zlib` (joblib's old `ZF` files),
 * `gzip`, `bzip2`, `xz`, `lzma`, `zstd`, `zlib`, `lz4`, and archives Bulwark cannot open (UNSUPPORTED_FORMATS).
 */
import type { ByteSource } from '../limits/index.js';
import { isLzmaAloneHeader, looksLikeZlib } from '../limits/index.js';
import { isGguf } from './gguf/index.js';
import { isHdf5 } from './keras/index.js';
import { isOnnx } from './onnx/index.js';
import { looksLikePickle } from './pickle/index.js';
import { isSafetensors } from './safetensors/index.js';
import { isSavedModel, isTensorflowGraphDef } from './tensorflow/index.js';
import { TORCH_MAGIC_LONG1, TORCH_MAGIC_TEXT, detectMagic, indexOf, isTarHeader } from './magic.js';
import { hasPlausibleEocd } from './zip/index.js';

export type ContainerFormat =
  | 'zip'
  | 'tar'
  | 'numpy-npy'
  | 'pickle'
  | 'joblib'
  | 'pytorch-legacy'
  | 'joblib-zlib'
  | 'gzip'
  | 'bzip2'
  | 'xz'
  | 'lzma'
  | 'zstd'
  | 'zlib'
  | 'lz4';

/** Formats without code execution by design, scanned for the tricks their loaders still allow. */
export type WeightFormat = 'safetensors' | 'gguf' | 'hdf5' | 'onnx' | 'tensorflow-savedmodel' | 'tensorflow-graphdef';

/** Archives and compressions that are recognised but not opened: a finding, never a pass. */
export const UNSUPPORTED_FORMATS = {
  '7z': '7-Zip archive',
  rar: 'RAR archive',
  cab: 'Microsoft Cabinet archive',
  lzip: 'lzip stream',
  'unix-compress': 'Unix compress (.Z) stream',
  lzop: 'lzop stream',
  xar: 'xar archive',
  ar: 'ar archive',
  cpio: 'cpio archive',
  arj: 'ARJ archive',
  'snappy-framed': 'Snappy framed stream',
} as const;
export type UnsupportedFormat = keyof typeof UNSUPPORTED_FORMATS;
export type DetectedFormat = ContainerFormat | WeightFormat | UnsupportedFormat;

const JOBLIB_MARKERS = ['NumpyArrayWrapper', 'joblib.numpy_pickle', 'NDArrayWrapper'];
const JOBLIB_SNIFF = 64 * 1024;

const HEAD = 512;

function refinePickle(source: ByteSource, head: Uint8Array): 'pickle' | 'joblib' | 'pytorch-legacy' {
  const text = Buffer.from(head.subarray(0, 48)).toString('latin1');
  if (text.includes(TORCH_MAGIC_TEXT) || indexOf(head, TORCH_MAGIC_LONG1, 32) >= 0) return 'pytorch-legacy';
  const sniff = Buffer.from(source.read(0, JOBLIB_SNIFF)).toString('latin1');
  if (JOBLIB_MARKERS.some((m) => sniff.includes(m))) return 'joblib';
  return 'pickle';
}

export interface DetectOptions {
  /**
   * Look for an end-of-central-directory record at the end (zip with prepended data). On for whole
   * files, off for archive members whose heads are sniffed (it costs a read at the member's end).
   */
  readonly zipTail?: boolean;
  /**
   * Only the formats another loader could act on when the bytes are raw tensor data (PyTorch storage
   * records): magic-byte containers and pickles. The weight-format sniffers (safetensors, GGUF, HDF5,
   * protobuf structure) are skipped: no loader reads a storage record as one of those, and running
   * them on each of 200,000 storages costs more than the rest of the scan.
   */
  readonly storage?: boolean;
}

/** Detect the format of `source` by content; undefined when it is not a format Bulwark handles. */
export function detectFormat(source: ByteSource, options: DetectOptions = {}): DetectedFormat | undefined {
  if (source.size === 0) return undefined;
  const head = source.read(0, HEAD);
  if (options.storage === true) {
    const magic = detectMagic(head);
    if (magic === 'pickle') return refinePickle(source, head);
    if (magic !== undefined) return magic;
    if (isTarHeader(head)) return 'tar';
    return looksLikePickle(source) ? refinePickle(source, head) : undefined;
  }
  // safetensors first: its 8-byte header length can start with 0x80 0x02, which reads as a pickle
  // PROTO opcode; and a zip hidden inside a tensor must not make the file "a zip".
  if (isSafetensors(source)) return 'safetensors';
  if (isGguf(source)) return 'gguf';
  if (isHdf5(source)) return 'hdf5';
  const magic = detectMagic(head);
  if (magic === 'pickle') return refinePickle(source, head);
  if (magic !== undefined) return magic;
  if (isTarHeader(head)) return 'tar';
  if (isLzmaAloneHeader(head)) return 'lzma';
  if (looksLikeZlib(head)) return 'zlib';
  if (options.zipTail !== false && hasZipTail(source)) return 'zip';
  if (looksLikePickle(source)) return refinePickle(source, head);
  // Protobuf formats have no magic: structural sniffs, last.
  if (isOnnx(source)) return 'onnx';
  if (isSavedModel(source)) return 'tensorflow-savedmodel';
  if (isTensorflowGraphDef(source)) return 'tensorflow-graphdef';
  return undefined;
}

/** Does the source end with a zip end-of-central-directory record (wherever the archive starts)? */
export function hasZipTail(source: ByteSource): boolean {
  return hasPlausibleEocd(source);
}
