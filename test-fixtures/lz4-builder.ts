/**
 * LZ4 frames for tests (lz4_Frame_format.md): a frame whose blocks hold the data as literals only
 * (valid LZ4 that any decoder reads; no compression needed to exercise the container), with optional
 * content and block checksums, as python-lz4's `lz4.frame.compress` (joblib's lz4 compressor) frames
 * them. Built in code: no opaque binaries.
 */
import { xxh32 } from '../src/limits/index.js';

export interface Lz4FrameOptions {
  /** Block maximum size code 4..7 (64 KiB .. 4 MiB). Default 4. */
  readonly blockSizeCode?: number;
  readonly contentChecksum?: boolean;
  readonly blockChecksum?: boolean;
  /** Write the content size in the descriptor. */
  readonly contentSize?: boolean;
}

function le32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

/** One block of literals: token, length extension bytes, the literals (the last sequence of a block). */
function literalBlock(data: Uint8Array): Uint8Array {
  const head: number[] = [];
  if (data.length < 15) head.push(data.length << 4);
  else {
    head.push(0xf0);
    let rest = data.length - 15;
    while (rest >= 255) {
      head.push(255);
      rest -= 255;
    }
    head.push(rest);
  }
  const out = new Uint8Array(head.length + data.length);
  out.set(head, 0);
  out.set(data, head.length);
  return out;
}

export function lz4Frame(data: Uint8Array, o: Lz4FrameOptions = {}): Uint8Array {
  const code = o.blockSizeCode ?? 4;
  const maxBlock = 1 << (8 + 2 * code);
  const flg = 0x40 | 0x20 | (o.blockChecksum === true ? 0x10 : 0) | (o.contentSize === true ? 0x08 : 0) | (o.contentChecksum === true ? 0x04 : 0);
  const desc = [flg, code << 4];
  if (o.contentSize === true) desc.push(...le32(data.length), ...le32(Math.floor(data.length / 2 ** 32)));
  const parts: number[] = [0x04, 0x22, 0x4d, 0x18, ...desc, (xxh32(new Uint8Array(desc)) >>> 8) & 0xff];
  const chunks: Uint8Array[] = [new Uint8Array(parts)];
  for (let p = 0; p < data.length; p += maxBlock - 16) {
    const block = literalBlock(data.subarray(p, Math.min(data.length, p + maxBlock - 16)));
    chunks.push(new Uint8Array(le32(block.length)), block);
    if (o.blockChecksum === true) chunks.push(new Uint8Array(le32(xxh32(block))));
  }
  chunks.push(new Uint8Array([0, 0, 0, 0]));
  if (o.contentChecksum === true) chunks.push(new Uint8Array(le32(xxh32(data))));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
