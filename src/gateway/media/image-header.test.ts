import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readImageHeader } from './index.js';
import { gif, jpeg, png, webpExtended, webpLossless, webpLossy } from './test-utils.js';

describe('readImageHeader: benign headers', () => {
  it.each([
    ['png', png(640, 480), { format: 'png', width: 640, height: 480, frames: 1 }],
    ['apng', png(32, 16, { frames: 12 }), { format: 'png', width: 32, height: 16, frames: 12 }],
    ['gif', gif(320, 200, 1), { format: 'gif', width: 320, height: 200, frames: 1 }],
    ['animated gif', gif(10, 10, 7), { format: 'gif', width: 10, height: 10, frames: 7 }],
    ['webp lossy', webpLossy(1024, 768), { format: 'webp', width: 1024, height: 768, frames: 1 }],
    ['webp lossless', webpLossless(16383, 2), { format: 'webp', width: 16383, height: 2, frames: 1 }],
    ['webp extended', webpExtended(16_777_216, 3), { format: 'webp', width: 16_777_216, height: 3, frames: 1 }],
    ['webp animated', webpExtended(50, 60, 4), { format: 'webp', width: 50, height: 60, frames: 4 }],
    ['jpeg baseline', jpeg(1920, 1080), { format: 'jpeg', width: 1920, height: 1080, frames: 1 }],
    ['jpeg progressive (SOF2)', jpeg(800, 600, { sof: 0xc2 }), { format: 'jpeg', width: 800, height: 600, frames: 1 }],
    ['jpeg lossless (SOF3) with fill bytes', jpeg(7, 9, { sof: 0xc3, fill: true }), { format: 'jpeg', width: 7, height: 9, frames: 1 }],
    ['jpeg arithmetic (SOF9)', jpeg(65535, 65535, { sof: 0xc9 }), { format: 'jpeg', width: 65535, height: 65535, frames: 1 }],
  ])('%s', (_name, bytes, want) => {
    expect(readImageHeader(bytes)).toEqual({ ok: true, ...want });
  });
});

describe('readImageHeader: hostile headers', () => {
  it('reports a PNG declaring 100000x100000 as such (the gateway compares with its pixel limit)', () => {
    expect(readImageHeader(png(100_000, 100_000))).toMatchObject({ ok: true, width: 100_000, height: 100_000 });
  });
  it('refuses PNG dimensions beyond 2^31-1 and zero sizes', () => {
    expect(readImageHeader(png(0x8000_0000, 1))).toEqual({ ok: false, reason: 'malformed' });
    expect(readImageHeader(png(0, 10))).toEqual({ ok: false, reason: 'malformed' });
    expect(readImageHeader(gif(0, 10))).toEqual({ ok: false, reason: 'malformed' });
    expect(readImageHeader(jpeg(10, 0))).toEqual({ ok: false, reason: 'malformed' });
    expect(readImageHeader(webpLossy(0, 5))).toEqual({ ok: false, reason: 'malformed' });
  });
  it('refuses a PNG whose first chunk is not a 13-byte IHDR', () => {
    expect(readImageHeader(png(10, 10, { ihdrLength: 14 }))).toEqual({ ok: false, reason: 'malformed' });
  });
  it('a JPEG whose SOF is beyond maxScanBytes is truncated, not ok', () => {
    const big = jpeg(4000, 3000, { padding: 200_000 });
    expect(readImageHeader(big, 65_536)).toEqual({ ok: false, reason: 'truncated' });
    expect(readImageHeader(big, 300_000)).toMatchObject({ ok: true, width: 4000, height: 3000 });
  });
  it('counts GIF frames larger than the logical screen in the dimensions', () => {
    expect(readImageHeader(gif(1, 1, 2, [30_000, 20_000]))).toMatchObject({ ok: true, width: 30_000, height: 20_000, frames: 2 });
  });
  it('marks the GIF frame count as a lower bound when the walk stops at maxScanBytes', () => {
    const g = gif(5, 5, 1000);
    const r = readImageHeader(g, 200);
    expect(r).toMatchObject({ ok: true, format: 'gif', framesLowerBound: true });
    expect(r.ok && (r.frames ?? 0) < 1000).toBe(true);
  });
  it('every truncation of every format is ok:false or a correct header, never a throw', () => {
    for (const whole of [png(3, 4, { frames: 2 }), gif(3, 4, 2), webpLossy(3, 4), webpLossless(3, 4), webpExtended(3, 4, 2), jpeg(3, 4)]) {
      const full = readImageHeader(whole);
      for (let n = 0; n < whole.length; n++) {
        const r = readImageHeader(whole.subarray(0, n));
        if (r.ok) {
          expect(r.width).toBe(full.ok ? full.width : -1);
          expect(r.height).toBe(full.ok ? full.height : -1);
        } else expect(n === 0 ? ['unknown-format'] : ['truncated', 'malformed']).toContain(r.reason);
      }
    }
  });
  it('unknown bytes are unknown-format', () => {
    expect(readImageHeader(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]))).toEqual({ ok: false, reason: 'unknown-format' });
    expect(readImageHeader(new Uint8Array(0))).toEqual({ ok: false, reason: 'unknown-format' });
  });
  it('a JPEG with SOS before any SOF is malformed; DHT/DAC/JPG markers are not frames', () => {
    const j = jpeg(10, 10);
    const sof = j.findIndex((b, i) => b === 0xff && j[i + 1] === 0xc0);
    const noSof = Uint8Array.from([...j.subarray(0, sof), ...j.subarray(sof + 19)]);
    expect(readImageHeader(noSof)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('readImageHeader: properties', () => {
  it('arbitrary bytes never throw; dimensions are positive integers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.integer({ min: 0, max: 1024 }), (bytes, scan) => {
        const r = readImageHeader(bytes, scan);
        if (r.ok) {
          expect(Number.isInteger(r.width) && r.width > 0).toBe(true);
          expect(Number.isInteger(r.height) && r.height > 0).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });
  it('mutated real headers never throw (bytes flipped after a valid signature)', () => {
    const seeds = [png(3, 4, { frames: 2 }), gif(3, 4, 3), webpLossy(3, 4), webpLossless(3, 4), webpExtended(3, 4, 2), jpeg(3, 4)];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat(300), (k, flips, cut) => {
        const b = Uint8Array.from(seeds[k] ?? []);
        for (const [at, v] of flips) b[8 + (at % Math.max(1, b.length - 8))] = v;
        const r = readImageHeader(b.subarray(0, Math.min(b.length, cut)));
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 3000 },
    );
  });
});
