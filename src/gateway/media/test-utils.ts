/** Builders for image headers in tests (hostile ones included): every byte is spelled out here. */

const be32 = (n: number): number[] => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const le32 = (n: number): number[] => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255];
const le16 = (n: number): number[] => [n & 255, (n >>> 8) & 255];
const be16 = (n: number): number[] => [(n >>> 8) & 255, n & 255];
const str = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

/** Append numbers and arrays of numbers (no argument spreading: src/ lint rule). */
function add(out: number[], ...parts: (number | readonly number[])[]): void {
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else for (const x of p) out.push(x);
  }
}

function chunk(type: string, data: number[]): number[] {
  return [...be32(data.length), ...str(type), ...data, 0, 0, 0, 0]; // CRC not checked by the reader
}

export function png(width: number, height: number, opts: { frames?: number; ihdrLength?: number } = {}): Uint8Array {
  const ihdr = [...be32(width), ...be32(height), 8, 6, 0, 0, 0];
  const out = [0x89, ...str('PNG\r\n\x1a\n'), ...be32(opts.ihdrLength ?? 13), ...str('IHDR'), ...ihdr, 0, 0, 0, 0];
  if (opts.frames !== undefined) add(out, chunk('acTL', [...be32(opts.frames), ...be32(0)]));
  add(out, chunk('IDAT', [1, 2, 3]), chunk('IEND', []));
  return Uint8Array.from(out);
}

/** A GIF89a with `frames` 1x1 images (or frames of the given size), each a tiny LZW stream. */
export function gif(width: number, height: number, frames = 1, frameSize?: [number, number]): Uint8Array {
  const out = [...str('GIF89a'), ...le16(width), ...le16(height), 0x80, 0, 0, 0, 0, 0, 255, 255, 255];
  add(out, 0x21, 0xff, 11, str('NETSCAPE2.0'), 3, 1, 0, 0, 0);
  for (let i = 0; i < frames; i++) {
    const [fw, fh] = frameSize ?? [1, 1];
    add(out, 0x21, 0xf9, 4, 0, 10, 0, 0, 0);
    add(out, 0x2c, 0, 0, 0, 0, le16(fw), le16(fh), 0, 2, 2, 0x4c, 0x01, 0);
  }
  add(out, 0x3b);
  return Uint8Array.from(out);
}

function riff(chunks: number[]): Uint8Array {
  return Uint8Array.from([...str('RIFF'), ...le32(4 + chunks.length), ...str('WEBP'), ...chunks]);
}

export function webpLossy(width: number, height: number): Uint8Array {
  const data = [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, ...le16(width), ...le16(height), 0, 0];
  return riff([...str('VP8 '), ...le32(data.length), ...data]);
}

export function webpLossless(width: number, height: number): Uint8Array {
  const w = width - 1;
  const h = height - 1;
  const bits = w | (h << 14);
  const data = [0x2f, bits & 255, (bits >>> 8) & 255, (bits >>> 16) & 255, ((bits >>> 24) & 0x0f) | 0x10, 0, 0, 0];
  return riff([...str('VP8L'), ...le32(data.length), ...data]);
}

export function webpExtended(width: number, height: number, frames?: number): Uint8Array {
  const w = width - 1;
  const h = height - 1;
  const vp8x = [frames === undefined ? 0 : 0x02, 0, 0, 0, w & 255, (w >>> 8) & 255, (w >>> 16) & 255, h & 255, (h >>> 8) & 255, (h >>> 16) & 255];
  const out = [...str('VP8X'), ...le32(vp8x.length), ...vp8x];
  if (frames !== undefined) {
    add(out, str('ANIM'), le32(6), 0, 0, 0, 0, 0, 0);
    for (let i = 0; i < frames; i++) add(out, str('ANMF'), le32(17), new Array<number>(17).fill(0), 0);
  }
  return riff(out);
}

/** A JPEG: SOI, APP0 (JFIF), `padding` bytes of COM segments, DQT, SOF (baseline C0 or progressive C2), SOS, EOI. */
export function jpeg(width: number, height: number, opts: { sof?: number; padding?: number; fill?: boolean } = {}): Uint8Array {
  const out = [0xff, 0xd8, 0xff, 0xe0, ...be16(16), ...str('JFIF'), 0, 1, 1, 0, 0, 1, 0, 1, 0, 0];
  let pad = opts.padding ?? 0;
  while (pad > 0) {
    const n = Math.min(pad, 65_000);
    add(out, 0xff, 0xfe, be16(n + 2), new Array<number>(n).fill(0x41));
    pad -= n;
  }
  add(out, 0xff, 0xdb, be16(67), 0, new Array<number>(64).fill(1));
  add(out, 0xff, 0xc4, be16(2 + 1 + 16 + 2), 0, new Array<number>(16).fill(0), 1, 0); // DHT before SOF: must be skipped
  if (opts.fill === true) add(out, 0xff, 0xff, 0xff);
  add(out, 0xff, opts.sof ?? 0xc0, be16(17), 8, be16(height), be16(width), 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1);
  add(out, 0xff, 0xda, be16(12), 3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0, 0x12, 0x34, 0xff, 0xd9);
  return Uint8Array.from(out);
}
