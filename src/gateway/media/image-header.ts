/**
 * Image format and pixel dimensions from the header bytes only (PNG, GIF, WebP, JPEG). Nothing is
 * decoded: every read is bounds-checked against `min(bytes.length, maxScanBytes)`, so hostile input
 * yields `ok: false`, never an exception or a read past the buffer. Loops advance by at least one byte
 * per step and stop at the scan limit, so the work is O(maxScanBytes).
 */
import type { ImageHeader } from './index.js';

/** Default bytes looked at (JPEG markers, GIF blocks, PNG chunks before IDAT, WebP chunks). */
export const DEFAULT_MAX_SCAN_BYTES = 65_536;
/** Largest width/height PNG allows (2^31 - 1); anything above is malformed. */
const PNG_MAX_DIMENSION = 0x7fff_ffff;

type Fail = Extract<ImageHeader, { ok: false }>;
const TRUNCATED: Fail = Object.freeze({ ok: false, reason: 'truncated' });
const MALFORMED: Fail = Object.freeze({ ok: false, reason: 'malformed' });
const UNKNOWN: Fail = Object.freeze({ ok: false, reason: 'unknown-format' });

const u16be = (b: Uint8Array, i: number): number => ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
const u16le = (b: Uint8Array, i: number): number => (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8);
const u24le = (b: Uint8Array, i: number): number => (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8) | ((b[i + 2] ?? 0) << 16);
const u32be = (b: Uint8Array, i: number): number => (((b[i] ?? 0) << 24) >>> 0) + (((b[i + 1] ?? 0) << 16) | ((b[i + 2] ?? 0) << 8) | (b[i + 3] ?? 0));
const u32le = (b: Uint8Array, i: number): number => (((b[i + 3] ?? 0) << 24) >>> 0) + (((b[i + 2] ?? 0) << 16) | ((b[i + 1] ?? 0) << 8) | (b[i] ?? 0));
const ascii = (b: Uint8Array, i: number, s: string): boolean => {
  for (let k = 0; k < s.length; k++) if (b[i + k] !== s.charCodeAt(k)) return false;
  return true;
};

function ok(format: 'png' | 'jpeg' | 'webp' | 'gif', width: number, height: number, frames?: number, framesLowerBound?: boolean): ImageHeader {
  if (width <= 0 || height <= 0) return MALFORMED;
  const h: { ok: true; format: typeof format; width: number; height: number; frames?: number; framesLowerBound?: true } = { ok: true, format, width, height };
  if (frames !== undefined) h.frames = frames;
  if (framesLowerBound === true) h.framesLowerBound = true;
  return h;
}

function png(b: Uint8Array, end: number): ImageHeader {
  // Signature (8) + IHDR length (4) + type (4) + width (4) + height (4).
  if (end < 24) return TRUNCATED;
  if (u32be(b, 8) !== 13 || !ascii(b, 12, 'IHDR')) return MALFORMED;
  const width = u32be(b, 16);
  const height = u32be(b, 20);
  if (width > PNG_MAX_DIMENSION || height > PNG_MAX_DIMENSION) return MALFORMED;
  // APNG: an acTL chunk before the first IDAT gives the frame count. Walk chunks within the scan.
  let pos = 8 + 12 + 13;
  while (pos + 8 <= end) {
    const len = u32be(b, pos);
    if (ascii(b, pos + 4, 'acTL')) {
      if (len < 8 || pos + 12 > end) break;
      return ok('png', width, height, u32be(b, pos + 8));
    }
    if (ascii(b, pos + 4, 'IDAT') || ascii(b, pos + 4, 'IEND')) return ok('png', width, height, 1);
    pos += 12 + len;
  }
  // acTL not seen within the scan (or the chunk walk ran out): a still image as far as we know.
  return ok('png', width, height);
}

function gif(b: Uint8Array, end: number): ImageHeader {
  if (end < 13) return TRUNCATED;
  let width = u16le(b, 6);
  let height = u16le(b, 8);
  if (width === 0 || height === 0) return MALFORMED;
  const flags = b[10] ?? 0;
  let pos = 13 + ((flags & 0x80) !== 0 ? 3 * (1 << ((flags & 7) + 1)) : 0);
  let frames = 0;
  // Walk the blocks; frame dimensions larger than the logical screen count too (a decoder allocates them).
  const skipSubBlocks = (p: number): number => {
    while (p < end) {
      const n = b[p] ?? 0;
      if (n === 0) return p + 1;
      p += 1 + n;
    }
    return -1;
  };
  while (pos < end) {
    const intro = b[pos];
    if (intro === 0x3b) return ok('gif', width, height, frames);
    if (intro === 0x2c) {
      if (pos + 10 > end) break;
      const fw = u16le(b, pos + 5);
      const fh = u16le(b, pos + 7);
      const packed = b[pos + 9] ?? 0;
      frames++;
      width = Math.max(width, u16le(b, pos + 1) + fw);
      height = Math.max(height, u16le(b, pos + 3) + fh);
      pos += 10 + ((packed & 0x80) !== 0 ? 3 * (1 << ((packed & 7) + 1)) : 0) + 1; // + LZW minimum code size
      if (pos > end) break;
      const next = skipSubBlocks(pos);
      if (next < 0) break;
      pos = next;
    } else if (intro === 0x21) {
      const next = skipSubBlocks(pos + 2);
      if (next < 0) break;
      pos = next;
    } else {
      // Anything else is not a GIF block: report what the header says, frames as seen so far.
      return ok('gif', width, height, frames, true);
    }
  }
  return ok('gif', width, height, frames, true);
}

function webp(b: Uint8Array, end: number): ImageHeader {
  if (end < 16) return TRUNCATED;
  const data = 20;
  const need = ascii(b, 12, 'VP8L') ? data + 5 : data + 10;
  if (end < need) return TRUNCATED;
  if (ascii(b, 12, 'VP8 ')) {
    if (b[data + 3] !== 0x9d || b[data + 4] !== 0x01 || b[data + 5] !== 0x2a) return MALFORMED;
    return ok('webp', u16le(b, data + 6) & 0x3fff, u16le(b, data + 8) & 0x3fff, 1);
  }
  if (ascii(b, 12, 'VP8L')) {
    if (b[data] !== 0x2f) return MALFORMED;
    const b1 = b[data + 1] ?? 0;
    const b2 = b[data + 2] ?? 0;
    const b3 = b[data + 3] ?? 0;
    const b4 = b[data + 4] ?? 0;
    return ok('webp', 1 + (b1 | ((b2 & 0x3f) << 8)), 1 + ((b2 >> 6) | (b3 << 2) | ((b4 & 0x0f) << 10)), 1);
  }
  if (ascii(b, 12, 'VP8X')) {
    const width = 1 + u24le(b, data + 4);
    const height = 1 + u24le(b, data + 7);
    if (((b[data] ?? 0) & 0x02) === 0) return ok('webp', width, height, 1);
    // Animated: count ANMF chunks within the scan (chunk sizes are padded to even).
    let pos = data + u32le(b, 16) + (u32le(b, 16) & 1);
    let frames = 0;
    while (pos + 8 <= end) {
      if (ascii(b, pos, 'ANMF')) frames++;
      const size = u32le(b, pos + 4);
      pos += 8 + size + (size & 1);
    }
    return ok('webp', width, height, frames, pos !== end);
  }
  return MALFORMED;
}

function jpeg(b: Uint8Array, end: number): ImageHeader {
  let pos = 2;
  for (;;) {
    if (pos >= end) return TRUNCATED;
    if (b[pos] !== 0xff) return MALFORMED;
    // Fill bytes (0xFF repeated) before a marker are allowed.
    while (pos < end && b[pos] === 0xff) pos++;
    if (pos >= end) return TRUNCATED;
    const m = b[pos] ?? 0;
    pos++;
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd7)) continue; // TEM, RSTn: no length
    if (m === 0xd8 || m === 0xd9 || m === 0xda || m === 0x00) return MALFORMED; // SOI again, EOI or SOS before a frame
    if (pos + 2 > end) return TRUNCATED;
    const len = u16be(b, pos);
    if (len < 2) return MALFORMED;
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      // SOFn: length, precision, height, width.
      if (pos + 7 > end) return TRUNCATED;
      if (len < 8) return MALFORMED;
      return ok('jpeg', u16be(b, pos + 5), u16be(b, pos + 3), 1);
    }
    pos += len;
  }
}

/** Read an image's format and pixel dimensions from its first bytes (see index.ts). */
export function readImageHeaderImpl(bytes: Uint8Array, maxScanBytes: number = DEFAULT_MAX_SCAN_BYTES): ImageHeader {
  const limit = Number.isFinite(maxScanBytes) ? Math.max(0, Math.floor(maxScanBytes)) : DEFAULT_MAX_SCAN_BYTES;
  const end = Math.min(bytes.length, limit);
  if (startsWith(bytes, end, PNG_SIG)) return end < PNG_SIG.length ? TRUNCATED : png(bytes, end);
  if (startsWith(bytes, end, GIF87) || startsWith(bytes, end, GIF89)) return end < 6 ? TRUNCATED : gif(bytes, end);
  if (startsWith(bytes, end, RIFF) && (end < 12 || ascii(bytes, 8, 'WEBP'))) return end < 12 ? TRUNCATED : webp(bytes, end);
  if (startsWith(bytes, end, JPEG_SOI)) return end < 3 ? TRUNCATED : jpeg(bytes, end);
  return UNKNOWN;
}

const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const GIF87 = [0x47, 0x49, 0x46, 0x38, 0x37, 0x61];
const GIF89 = [0x47, 0x49, 0x46, 0x38, 0x39, 0x61];
const RIFF = [0x52, 0x49, 0x46, 0x46];
const JPEG_SOI = [0xff, 0xd8, 0xff];

/** True when the first min(end, sig.length) bytes match the signature (a cut-short signature counts). */
function startsWith(b: Uint8Array, end: number, sig: readonly number[]): boolean {
  if (end === 0) return false;
  for (let i = 0; i < end && i < sig.length; i++) if (b[i] !== sig[i]) return false;
  return true;
}
