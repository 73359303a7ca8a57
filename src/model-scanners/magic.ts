/**
 * Sniffing by magic bytes: the signatures Bulwark recognises from the first bytes of a file (format
 * detection), the tar header checksum, and a cheap sniff of well-known formats at any offset (the
 * evidence of polyglots and trailing data). Nothing here parses beyond a few bytes.
 */
import { isXzMagic } from '../limits/index.js';
import type { DetectedFormat } from './detect-format.js';

/** PyTorch's legacy magic number 0x1950a86a20f9469cfc6c as pickled by protocol 2+ (LONG1, 10 bytes). */
export const TORCH_MAGIC_LONG1 = [0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
/** ...and by protocols 0 and 1 (decimal text). */
export const TORCH_MAGIC_TEXT = '119547037146038801333356';

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

export function indexOf(hay: Uint8Array, needle: readonly number[], limit: number): number {
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

/** Cheap magic-byte sniff of well-known formats at `bytes` (used for polyglot and trailing-data evidence). */
export function sniffMagic(bytes: Uint8Array): string | undefined {
  const b = (i: number): number => bytes[i] ?? -1;
  if (b(0) === 0x50 && b(1) === 0x4b && (b(2) === 3 || b(2) === 5 || b(2) === 7) && (b(3) === 4 || b(3) === 6 || b(3) === 8)) return 'zip';
  if (b(0) === 0x80 && b(1) >= 0 && b(1) <= 5) return 'pickle';
  if (b(0) === 0x47 && b(1) === 0x47 && b(2) === 0x55 && b(3) === 0x46) return 'gguf';
  if (b(0) === 0x89 && b(1) === 0x48 && b(2) === 0x44 && b(3) === 0x46) return 'hdf5';
  if (b(0) === 0x1f && b(1) === 0x8b) return 'gzip';
  if (b(0) === 0x37 && b(1) === 0x7a && b(2) === 0xbc && b(3) === 0xaf) return '7z';
  if (b(0) === 0x7f && b(1) === 0x45 && b(2) === 0x4c && b(3) === 0x46) return 'elf';
  if (b(0) === 0x4d && b(1) === 0x5a) return 'pe';
  if (b(0) === 0x23 && b(1) === 0x21) return 'script';
  if (b(0) === 0x93 && b(1) === 0x4e && b(2) === 0x55 && b(3) === 0x4d) return 'numpy';
  return undefined;
}
