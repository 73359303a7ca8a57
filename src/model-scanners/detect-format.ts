/**
 * Format detection from content (magic bytes and cheap structural checks); the file name is never
 * consulted. `detectFormat` returns undefined for content that is none of the model or container
 * formats below (text files, manifests...), so the engine can try other analysers.
 *
 * Format ids: `zip` (refined to `pytorch-zip` / `numpy-npz` by the zip scanner), `tar` (refined to
 * `pytorch-tar`), `numpy-npy`, `pickle`, `joblib` (a pickle holding joblib's NumpyArrayWrapper),
 * `pytorch-legacy` (pickles led by PyTorch's magic number), `joblib-zlib` (joblib's old `ZF` files),
 * `gzip`, `bzip2`, `xz`, `lzma`, `zstd`, `zlib`, and archives Bulwark cannot open (UNSUPPORTED_FORMATS).
 */
import type { ByteSource } from '../limits/index.js';
import { isLzmaAloneHeader, isXzMagic, looksLikeZlib } from '../limits/index.js';
import { isGguf } from './gguf/index.js';
import { isHdf5 } from './keras/index.js';
import { isOnnx } from './onnx/index.js';
import { looksLikePickle } from './pickle/index.js';
import { isSafetensors } from './safetensors/index.js';
import { isSavedModel, isTensorflowGraphDef } from './savedmodel/index.js';
import { hasPlausibleEocd } from './zip/parse.js';

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
  | 'zlib';

/** Formats without code execution by design, scanned for the tricks their loaders still allow. */
export type WeightFormat = 'safetensors' | 'gguf' | 'hdf5' | 'onnx' | 'tensorflow-savedmodel' | 'tensorflow-graphdef';

/** Archives and compressions that are recognised but not opened: a finding, never a pass. */
export const UNSUPPORTED_FORMATS = {
  '7z': '7-Zip archive',
  rar: 'RAR archive',
  cab: 'Microsoft Cabinet archive',
  lz4: 'LZ4 frame',
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

/** PyTorch's legacy magic number 0x1950a86a20f9469cfc6c as pickled by protocol 2+ (LONG1, 10 bytes). */
const TORCH_MAGIC_LONG1 = [0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
/** ...and by protocols 0 and 1 (decimal text). */
const TORCH_MAGIC_TEXT = '119547037146038801333356';
const JOBLIB_MARKERS = ['NumpyArrayWrapper', 'joblib.numpy_pickle', 'NDArrayWrapper'];
const JOBLIB_SNIFF = 64 * 1024;

function startsWith(head: Uint8Array, sig: readonly number[], at = 0): boolean {
  if (head.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (head[at + i] !== sig[i]) return false;
  return true;
}

/** An ASCII signature, as byte values (built once, at module load). */
const sig = (s: string): readonly number[] => Array.from(s, (c) => c.charCodeAt(0));
const BZH = sig('BZh');
const ZF0X = sig('ZF0x');
const ZF0X_UPPER = sig('ZF0X');
const RAR = sig('Rar!\x1a\x07');
const MSCF = sig('MSCF\0\0\0\0');
const LZIP = sig('LZIP');
const XAR = sig('xar!');
const AR = sig('!<arch>\n');
const CPIO = [sig('070701'), sig('070702'), sig('070707')];

function indexOf(hay: Uint8Array, needle: readonly number[], limit: number): number {
  const end = Math.min(hay.length, limit) - needle.length;
  outer: for (let i = 0; i <= end; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** A POSIX/GNU/v7 tar header: the checksum field matches the header bytes. */
export function isTarHeader(h: Uint8Array): boolean {
  if (h.length < 512) return false;
  const field = Buffer.from(h.subarray(148, 156)).toString('latin1');
  const m = /^\s*([0-7]{1,8})[\s\0]*$/.exec(field);
  if (!m?.[1]) return false;
  const stored = parseInt(m[1], 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < 512; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (h[i] ?? 0);
    unsigned += b;
    signed += b >= 0x80 ? b - 256 : b;
  }
  // An all-zero block has checksum 256 (8 spaces) and is not a header.
  if (h.subarray(0, 148).every((b) => b === 0)) return false;
  return stored === unsigned || stored === signed;
}

/** Magic-byte formats decidable from the first bytes alone (no trial parse). */
export function detectMagic(head: Uint8Array): DetectedFormat | undefined {
  const b0 = head[0] ?? -1;
  const b1 = head[1] ?? -1;
  if (b0 === 0x50 && b1 === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6) || (head[2] === 7 && head[3] === 8))) return 'zip';
  if (startsWith(head, [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59])) return 'numpy-npy';
  if (b0 === 0x80 && b1 >= 0 && b1 <= 5) {
    if (indexOf(head, TORCH_MAGIC_LONG1, 32) >= 0) return 'pytorch-legacy';
    return 'pickle';
  }
  if (b0 === 0x1f && b1 === 0x8b) return 'gzip';
  if (b0 === 0x1f && b1 === 0x9d) return 'unix-compress';
  if (startsWith(head, BZH) && (head[3] ?? 0) >= 0x31 && (head[3] ?? 0) <= 0x39 && (startsWith(head, [0x31, 0x41, 0x59, 0x26, 0x53, 0x59], 4) || startsWith(head, [0x17, 0x72, 0x45, 0x38, 0x50, 0x90], 4))) {
    return 'bzip2';
  }
  if (isXzMagic(head)) return 'xz';
  if (startsWith(head, [0x28, 0xb5, 0x2f, 0xfd])) return 'zstd';
  if (startsWith(head, ZF0X) || startsWith(head, ZF0X_UPPER)) return 'joblib-zlib';
  if (startsWith(head, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return '7z';
  if (startsWith(head, RAR)) return 'rar';
  if (startsWith(head, MSCF)) return 'cab';
  if (startsWith(head, [0x04, 0x22, 0x4d, 0x18]) || startsWith(head, [0x02, 0x21, 0x4c, 0x18])) return 'lz4';
  if (startsWith(head, LZIP)) return 'lzip';
  if (startsWith(head, [0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a])) return 'lzop';
  if (startsWith(head, XAR)) return 'xar';
  if (startsWith(head, AR)) return 'ar';
  if (CPIO.some((c) => startsWith(head, c)) || startsWith(head, [0xc7, 0x71]) || startsWith(head, [0x71, 0xc7])) return 'cpio';
  if (b0 === 0x60 && b1 === 0xea) return 'arj';
  if (startsWith(head, [0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59])) return 'snappy-framed';
  return undefined;
}

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
