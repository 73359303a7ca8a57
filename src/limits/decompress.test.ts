import { crc32, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BulwarkError, LimitExceededError } from '../findings/index.js';
import type { CompressionFormat } from './decompress.js';
import { CappedOutput, OUTPUT_CHUNK, crc64, decompress, gunzipCapped, inflateRawHead, inflateZlibCapped, isLzmaAloneHeader, isZlibHeader, looksLikeZlib, unlz4Capped, unlzmaCapped, unxzCapped, xxh32 } from './decompress.js';

/*
 * Test vectors, produced once with CPython 3.11 (`lzma`, `gzip`, `bz2`, `zlib` modules) and the
 * zstd 1.5 CLI, over PAYLOAD below, e.g.
 *   python3 -c "import lzma,base64; print(base64.b64encode(lzma.compress(PAYLOAD, check=lzma.CHECK_CRC64)))"
 *   xz_delta: filters=[{"id": FILTER_DELTA, "dist": 2}, {"id": FILTER_LZMA2}]
 *   xz_bcj: filters=[{"id": FILTER_X86}, {"id": FILTER_LZMA2}]
 *   xz_two_streams: lzma.compress(PAYLOAD[:100]) + b"\0" * 4 + lzma.compress(PAYLOAD[100:])
 *   lzma_alone_lc4: FORMAT_ALONE, filters=[{"id": FILTER_LZMA1, "lc": 4, "lp": 0, "pb": 0, "dict_size": 1 << 16}]
 *   xz_stored: 200 random bytes (random.seed(7)), which LZMA2 stores as an uncompressed chunk
 *   zstd: `zstd -q -c --check` reading PAYLOAD from stdin
 * The tests do not need python, xz or zstd at run time.
 */
const enc = new TextEncoder();
const PAYLOAD = new Uint8Array([
  ...enc.encode('Bulwark test vector: '),
  ...Array.from({ length: 64 }, (_, i) => i),
  ...enc.encode(' the quick brown fox jumps over the lazy dog '.repeat(6)),
]);
const V = {
  xz_crc32: '/Td6WFoAAAFpIt42AgAhARYAAAB0L+Wj4AFiAH5dACEdSYeqYolxLelDkq6GZGjBS5tSGDxurRC1t6oMvGV4l4EUBwKkzvhuTmrP5AeBqvNi4UxiLz8cjnZq5oSUyIfFKK4g6WnKyPsCp+5ZgIO44Tq7JJh/5yOpQQvW1QyWEVt5A75iksQQq+G4dTg99BOTOxLAkmLoPEa2FZiAAAAAAEPADfkAAZYB4wIAAIsyRPI+MA2LAgAAAAABWVo=',
  xz_crc64: '/Td6WFoAAATm1rRGAgAhARYAAAB0L+Wj4AFiAH5dACEdSYeqYolxLelDkq6GZGjBS5tSGDxurRC1t6oMvGV4l4EUBwKkzvhuTmrP5AeBqvNi4UxiLz8cjnZq5oSUyIfFKK4g6WnKyPsCp+5ZgIO44Tq7JJh/5yOpQQvW1QyWEVt5A75iksQQq+G4dTg99BOTOxLAkmLoPEa2FZiAAAAAAN+ctjsQAZkHAAGaAeMCAADw8oaFscRn+wIAAAAABFla',
  xz_sha256: '/Td6WFoAAArh+wyhAgAhARYAAAB0L+Wj4AFiAH5dACEdSYeqYolxLelDkq6GZGjBS5tSGDxurRC1t6oMvGV4l4EUBwKkzvhuTmrP5AeBqvNi4UxiLz8cjnZq5oSUyIfFKK4g6WnKyPsCp+5ZgIO44Tq7JJh/5yOpQQvW1QyWEVt5A75iksQQq+G4dTg99BOTOxLAkmLoPEa2FZiAAAAAAMed0D2CmlAOYthSAuM1bM+4EKUDX60KID6fWbifsMETAAGyAeMCAACrdXlutunfHAIAAAAAClla',
  xz_none: '/Td6WFoAAAD/EtlBAgAhARYAAAB0L+Wj4AFiAH5dACEdSYeqYolxLelDkq6GZGjBS5tSGDxurRC1t6oMvGV4l4EUBwKkzvhuTmrP5AeBqvNi4UxiLz8cjnZq5oSUyIfFKK4g6WnKyPsCp+5ZgIO44Tq7JJh/5yOpQQvW1QyWEVt5A75iksQQq+G4dTg99BOTOxLAkmLoPEa2FZiAAAAAAAABkgHjAgAAnXDVaagACvwCAAAAAABZWg==',
  xz_delta: '/Td6WFoAAATm1rRGAgEDAQEhARYcR3hW4AFiAFRdACEdQUAn7CByTHM3ueyPWmhp9uQQCQBK2p7S5anQnHYDe0ufAyXDHlqleIJ/Ao4Ht7HCYEK8+RdoWM4inDLMyCnmM7WFW4hyewXOz0ebSz72qDXAAADfnLY7EAGZBwABcOMCAAAAmKwKDbHEZ/sCAAAAAARZWg==',
  xz_bcj: '/Td6WFoAAATm1rRGAgEEACEBFgANhjUf4AFiAH5dACEdSYeqYolxLelDkq6GZGjBS5tSGDxurRC1t6oMvGV4l4EUBwKkzvhuTmrP5AeBqvNi4UxiLz8cjnZq5oSUyIfFKK4g6WnKyPsCp+5ZgIO44Tq7JJh/5yOpQQvW1QyWEVt5A75iksQQq+G4dTg99BOTOxLAkmLoPEa2FZiAAAAAAN+ctjsQAZkHAAGaAeMCAADw8oaFscRn+wIAAAAABFla',
  xz_two_streams:
    '/Td6WFoAAATm1rRGAgAhARYAAAB0L+WjAQBjQnVsd2FyayB0ZXN0IHZlY3RvcjogAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+PyB0aGUgcXVpY2sgYnJvdwCrEgKOQA+tAgABfGSQJtPpH7bzfQEAAAAABFlaAAAAAP03elhaAAAE5ta0RgIAIQEWAAAAdC/lo+AA/gAwXQA3CAjHNF5z/e2GXPfr0sIcak6O2AfOtIojfa8G5JozBvWz6ulO1feky/V4k5HQEAAAHMZckwa4E8gAAUz/AQAAACO+F8mxxGf7AgAAAAAEWVo=',
  lzma_alone: 'XQAAgAD//////////wAhHUmHqmKJcS3pQ5KuhmRowUubUhg8bq0QtbeqDLxleJeBFAcCpM74bk5qz+QHgarzYuFMYi8/HI52auaElMiHxSiuIOlpysj7AqfuWYCDuOE6uySYf+cjqUEL1tUMlhFbeQO+YpLEEKvhuHU4PfQTkzsSwJJi6DxGtlmXe///3xAAAA==',
  lzma_alone_lc4: 'BAAAAQD//////////wAhHjTQKb/BNyeX8ZfAlvjI4PV6pPiweVRGCQl/KaYdU4lMOGLPVKc8w9zMX5t8lt3lPiBvX8Ljes0l1Lllss1KZe2rgkvcsk9u4rvrwCp/GJxyTafWgXGTqMtk4nOWcsbSefRGLZfhH7k7GD9SoICxtXcPsbAUkM4/8u29F///7jCAAA==',
  rnd: 'pU3KGCUwux1tEyze1iN7LtkeP3IfyxlxF0SU1kk8nVw0YL4xIB5p/tqg7ui5mX9cfCmZ/a/lkyU81lSvTfrXFCegrrP+6SMvivIhH57kkcWxC+y1Vjv8Hm+TQn7LyP4pVeXNjkbcjtS3wnZNKlpNdncG+F2GkAJK1r2jQBvpyMvMyTX2zR9hImrhUziuGjQATTO6DSRqwEyBsbryPjv57vX3nytJNK+H9VILablLDZguhbtVtnKocmN6zXRm/LYODo/xhGOw5LI=',
  xz_stored:
    '/Td6WFoAAATm1rRGAgAhARYAAAB0L+WjAQDHpU3KGCUwux1tEyze1iN7LtkeP3IfyxlxF0SU1kk8nVw0YL4xIB5p/tqg7ui5mX9cfCmZ/a/lkyU81lSvTfrXFCegrrP+6SMvivIhH57kkcWxC+y1Vjv8Hm+TQn7LyP4pVeXNjkbcjtS3wnZNKlpNdncG+F2GkAJK1r2jQBvpyMvMyTX2zR9hImrhUziuGjQATTO6DSRqwEyBsbryPjv57vX3nytJNK+H9VILablLDZguhbtVtnKocmN6zXRm/LYODo/xhGOw5LIAAxtI0XSOcsUAAeAByAEAADFKSlqxxGf7AgAAAAAEWVo=',
  bzip2:
    'QlpoOTFBWSZTWTWnblMAAEB9gH//////////kAA////wMACmCNShoDQABoAAAAaNAAeoABoaDmjRoaYQDTAmmgDIaGIA0YjQwRkAG1VMQjNCGjBGCDQGAIMAjIANMB6iSZcvYIMWTNo1bIt3Dl07ePXz+BBhQ4iUWNHkKHBSzcSCxDqQWIcCCpAxBBUgemC9mq1q9izat3Lt6+ngwqYseTLmz6NOpLXO2bT7prMyGkZUUGkZUhgUG0aUNJDENozI32kNhBRnQ+cQ9RoRqQ2h1EDRpRrQ5WfCIbEa2IcgI4niRsQ6jaLuSKcKEga07cpg',
  bzip2_two:
    'QlpoOTFBWSZTWcbTPiAAACP9gH//////////kAA6bL+AIAB1FUwRpoNMBNAyGJkaGgMjIaaAaeofqhzEyaMIxBgEYCaZNNBkYmmjTI0A2YAEK4GJdFvXxhyCcGEoszFjyZTTj0EUk1I8/ekDp8YZab0OaXXtT8GjTq17NsMW7fHJwHyZl5zdAEzO3ODYgGeSUSb9H8OAwVMPxRoWC7kinChIY2mfEABCWmg5MUFZJlNZgizvNAAASZGAQAA////wIABwU0aANAAAioSaaPUyYNTbUnlKpA/RgfY+LDNLDkmwyTVJDqpcZjyPSl0oO6SGYyhORmNUsPQ0TQfyXGikJA6IHY9j/F3JFOFCQgizvNA=',
  zstd: 'KLUv/QRYRQQA1AdCdWx3YXJrIHRlc3QgdmVjdG9yOiAAAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4/IHRoZSBxdWljayBicm93biBmb3gganVtcHMgb3ZlcmxhenkgZG9nIAIAXqjoaNEqM6MhepQ=',
  // python-lz4 4.0.2: lz4.frame.compress(PAYLOAD) (joblib's lz4 compressor) and with
  // content_checksum=True, block_checksum=True, block_linked=False.
  lz4: 'BCJNGGhAYwEAAAAAAABakAAAAPFzQnVsd2FyayB0ZXN0IHZlY3RvcjogAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+PyB0aGUgcXVpY2sgYnJvd24gZm94IGp1bXBzIG92ZXIgdGhlIGxhenkgZG9nIA4ADy0AxFAgZG9nIAAAAAA=',
  lz4_checks:
    'BCJNGHxAYwEAAAAAAACikAAAAPFzQnVsd2FyayB0ZXN0IHZlY3RvcjogAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+PyB0aGUgcXVpY2sgYnJvd24gZm94IGp1bXBzIG92ZXIgdGhlIGxhenkgZG9nIA4ADy0AxFAgZG9nIJd2kH8AAAAABa4Zng==',
} as const;
const b = (k: keyof typeof V): Uint8Array => new Uint8Array(Buffer.from(V[k], 'base64'));
const MiB = 1024 * 1024;

function same(a: Uint8Array, e: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(e));
}

describe('xz and lzma (own decoder)', () => {
  it.each(['xz_crc32', 'xz_crc64', 'xz_sha256', 'xz_none', 'xz_delta', 'xz_two_streams'] as const)('decodes %s', (k) => {
    const r = unxzCapped(b(k), MiB);
    expect(r.error).toBeUndefined();
    expect(r.warnings).toEqual([]);
    expect(same(r.data, PAYLOAD)).toBe(true);
    expect(r.consumed).toBe(b(k).length);
  });

  it('decodes an uncompressed LZMA2 chunk', () => {
    const r = unxzCapped(b('xz_stored'), MiB);
    expect(r.error).toBeUndefined();
    expect(same(r.data, b('rnd'))).toBe(true);
  });

  it.each(['lzma_alone', 'lzma_alone_lc4'] as const)('decodes .lzma %s', (k) => {
    expect(isLzmaAloneHeader(b(k))).toBe(true);
    const r = unlzmaCapped(b(k), MiB);
    expect(r.error).toBeUndefined();
    expect(same(r.data, PAYLOAD)).toBe(true);
  });

  it('reports BCJ filters as unsupported', () => {
    const r = unxzCapped(b('xz_bcj'), MiB);
    expect(r.error?.code).toBe('UNSUPPORTED');
    expect(r.error?.message).toMatch(/x86 BCJ/);
  });

  it('reports a bad block check but keeps the data', () => {
    for (const k of ['xz_crc32', 'xz_crc64', 'xz_sha256'] as const) {
      const x = b(k);
      // The block check sits right before the index (which starts with 0x00 after block padding).
      const checkSizes = { xz_crc32: 4, xz_crc64: 8, xz_sha256: 32 };
      const footerAndIndex = 12 + 12; // index for one block is 12 bytes here
      const at = x.length - footerAndIndex - checkSizes[k];
      x[at] = (x[at] ?? 0) ^ 0xff;
      const r = unxzCapped(x, MiB);
      expect(r.error, k).toBeUndefined();
      expect(r.warnings.map((w) => w.kind), k).toEqual(['bad-checksum']);
      expect(same(r.data, PAYLOAD)).toBe(true);
    }
  });

  it('stops at the cap with a LimitExceededError and keeps the prefix', () => {
    for (const r of [unxzCapped(b('xz_crc64'), 100, 'maxDecompressedBytes'), unlzmaCapped(b('lzma_alone'), 100)]) {
      expect(r.error).toBeInstanceOf(LimitExceededError);
      expect((r.error as LimitExceededError).limit).toBe('maxDecompressedBytes');
      expect(r.data.length).toBeLessThanOrEqual(100);
      expect(same(r.data, PAYLOAD.subarray(0, r.data.length))).toBe(true);
    }
  });

  it('reports truncation and trailing data', () => {
    const x = b('xz_crc32');
    expect(unxzCapped(x.subarray(0, x.length - 20), MiB).error?.code).toBe('MALFORMED');
    const withTail = new Uint8Array([...x, 1, 2, 3]);
    const r = unxzCapped(withTail, MiB);
    expect(r.error).toBeUndefined();
    expect(r.warnings[0]?.kind).toBe('trailing-data');
    expect(r.warnings[0]?.offset).toBe(x.length);
    const l = b('lzma_alone');
    expect(unlzmaCapped(l.subarray(0, 60), MiB).error?.code).toBe('MALFORMED');
  });

  it('computes CRC-64/XZ', () => {
    expect(crc64(enc.encode('123456789')).map((v) => v.toString(16))).toEqual(['995dc9bb', 'df1939fa']);
  });

  it('rejects text as an .lzma header', () => {
    expect(isLzmaAloneHeader(enc.encode('apiVersion: v1\nkind: Pod\n'))).toBe(false);
  });
});

describe('node:zlib based decoders', () => {
  it('decodes gzip, zlib and raw deflate', () => {
    for (const [fmt, data] of [
      ['gzip', gzipSync(PAYLOAD)],
      ['zlib', deflateSync(PAYLOAD)],
      ['deflate-raw', deflateRawSync(PAYLOAD)],
    ] as const) {
      const r = decompress(fmt, data, MiB);
      expect(r.error, fmt).toBeUndefined();
      expect(same(r.data, PAYLOAD), fmt).toBe(true);
      expect(r.consumed).toBe(data.length);
    }
  });

  it('reads every gzip member and skips zero padding', () => {
    const two = new Uint8Array([...gzipSync(PAYLOAD.subarray(0, 100)), 0, 0, 0, ...gzipSync(PAYLOAD.subarray(100))]);
    const r = gunzipCapped(two, MiB);
    expect(r.error).toBeUndefined();
    expect(r.warnings).toEqual([]);
    expect(same(r.data, PAYLOAD)).toBe(true);
  });

  it('reports a bad gzip CRC and trailing garbage, keeping the data', () => {
    const g = new Uint8Array(gzipSync(PAYLOAD));
    const crcAt = g.length - 8;
    g[crcAt] = (g[crcAt] ?? 0) ^ 1;
    const r = gunzipCapped(new Uint8Array([...g, 0x41, 0x42]), MiB);
    expect(r.error).toBeUndefined();
    expect(r.warnings.map((w) => w.kind)).toEqual(['bad-checksum', 'trailing-data']);
    expect(same(r.data, PAYLOAD)).toBe(true);
    // The CRC field really is the one we flipped.
    expect(crc32(PAYLOAD) >>> 0).not.toBe(0);
  });

  it('keeps the decodable prefix of a truncated stream', () => {
    const big = new Uint8Array(200_000).map((_, i) => (i * 7) % 251);
    const g = gzipSync(big);
    const r = gunzipCapped(g.subarray(0, g.length >> 1), MiB);
    expect(r.error?.code).toBe('MALFORMED');
    expect(r.data.length).toBeGreaterThan(0);
    expect(same(r.data, big.subarray(0, r.data.length))).toBe(true);
  });

  it('caps output and names the limit', () => {
    const zeros = deflateRawSync(new Uint8Array(10 * MiB));
    const r = decompress('deflate-raw', zeros, 4096, 'maxTotalDecompressedBytes');
    expect(r.error).toBeInstanceOf(LimitExceededError);
    expect((r.error as LimitExceededError).limit).toBe('maxTotalDecompressedBytes');
    expect(r.data.length).toBeLessThanOrEqual(4096);
    expect(r.data.length).toBeGreaterThan(0);
  });

  it('sniffs the head of a deflate stream', () => {
    const d = deflateRawSync(PAYLOAD);
    const head = inflateRawHead(d.subarray(0, 20), 64);
    expect(head.length).toBeGreaterThan(0);
    expect(same(head, PAYLOAD.subarray(0, head.length))).toBe(true);
  });

  it('checks zlib headers', () => {
    expect(isZlibHeader(deflateSync(PAYLOAD))).toBe(true);
    expect(isZlibHeader(enc.encode('x^2 + 1'))).toBe(true); // two bytes are not enough...
    expect(looksLikeZlib(enc.encode('x^2 + 1'))).toBe(false); // ...a trial decode is
    expect(looksLikeZlib(deflateSync(PAYLOAD).subarray(0, 40))).toBe(true);
  });
});

describe('bzip2 (seek-bzip) and zstd (fzstd)', () => {
  it.each(['bzip2', 'bzip2_two'] as const)('decodes %s', (k) => {
    const r = decompress('bzip2', b(k), MiB);
    expect(r.error).toBeUndefined();
    expect(same(r.data, PAYLOAD)).toBe(true);
  });

  it('decodes zstd and skips skippable frames', () => {
    const skip = new Uint8Array([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9]);
    const r = decompress('zstd', new Uint8Array([...skip, ...b('zstd'), ...b('zstd')]), MiB);
    expect(r.error).toBeUndefined();
    expect(same(r.data, new Uint8Array([...PAYLOAD, ...PAYLOAD]))).toBe(true);
  });

  it('refuses zstd windows beyond the cap before allocating them', () => {
    // Frame header: magic, FHD (no single segment), window descriptor 2^41 bytes.
    const f = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0x00, 31 << 3, 0x01, 0x00, 0x00]);
    const r = decompress('zstd', f, MiB);
    expect(r.error).toBeInstanceOf(LimitExceededError);
  });

  it('reports truncated bzip2 instead of stopping silently', () => {
    const x = b('bzip2_two');
    const r = decompress('bzip2', x.subarray(0, x.length - 10), MiB);
    expect(r.error?.code).toBe('MALFORMED');
    expect(same(r.data, PAYLOAD.subarray(0, r.data.length))).toBe(true);
  });

  it('caps bzip2 and zstd output', () => {
    for (const [fmt, k] of [
      ['bzip2', 'bzip2'],
      ['zstd', 'zstd'],
    ] as const) {
      const r = decompress(fmt, b(k), 50);
      expect(r.error).toBeInstanceOf(LimitExceededError);
      expect(r.data.length).toBeLessThanOrEqual(50);
    }
  });
});

describe('lz4 frames (own decoder)', () => {
  it.each(['lz4', 'lz4_checks'] as const)('decodes %s as python-lz4 writes it', (k) => {
    const r = unlz4Capped(b(k), MiB);
    expect(r.error).toBeUndefined();
    expect(r.warnings).toEqual([]);
    expect(same(r.data, PAYLOAD)).toBe(true);
    expect(r.consumed).toBe(b(k).length);
  });

  it('computes XXH32 like the reference (empty input and the spec example)', () => {
    expect(xxh32(new Uint8Array(0))).toBe(0x02cc5d05);
    expect(xxh32(enc.encode('Nobody inspects the spammish repetition'))).toBe(0xe2293b2f);
  });

  it('reports a bad content or block checksum and still returns the data', () => {
    const x = new Uint8Array(b('lz4_checks'));
    x[x.length - 1] = (x[x.length - 1] as number) ^ 1; // content checksum
    const r = unlz4Capped(x, MiB);
    expect(r.error).toBeUndefined();
    expect(r.warnings.map((w) => w.kind)).toEqual(['bad-checksum']);
    expect(same(r.data, PAYLOAD)).toBe(true);
  });

  it('decodes concatenated frames, skips skippable frames, reports trailing data', () => {
    const skip = new Uint8Array([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
    const two = new Uint8Array([...b('lz4'), ...skip, ...b('lz4'), 9, 9, 9, 9, 9]);
    const r = unlz4Capped(two, MiB);
    expect(r.error).toBeUndefined();
    expect(r.data.length).toBe(2 * PAYLOAD.length);
    expect(r.warnings.map((w) => w.kind)).toEqual(['trailing-data']);
    expect(r.consumed).toBe(two.length - 5);
  });

  it('refuses matches before the start of the data, a bad descriptor checksum, truncation', () => {
    // One block: token 0x04 (no literal, match length 8), offset 1 with nothing before it.
    const desc = new Uint8Array([0x60, 0x40]);
    const frame = (block: number[]): Uint8Array =>
      new Uint8Array([0x04, 0x22, 0x4d, 0x18, ...desc, (xxh32(desc) >>> 8) & 0xff, block.length, 0, 0, 0, ...block, 0, 0, 0, 0]);
    expect(unlz4Capped(frame([0x04, 0x01, 0x00]), MiB).error?.code).toBe('MALFORMED');
    const good = frame([0x14, 0x61, 0x01, 0x00, 0x10, 0x62]);
    expect(Buffer.from(unlz4Capped(good, MiB).data).toString('latin1')).toBe('a' + 'a'.repeat(8) + 'b');
    const badHc = new Uint8Array(good);
    badHc[6] = (badHc[6] as number) ^ 0xff;
    expect(unlz4Capped(badHc, MiB).error?.code).toBe('MALFORMED');
    const t = unlz4Capped(good.subarray(0, good.length - 3), MiB);
    expect(t.error?.code).toBe('MALFORMED');
    expect(Buffer.from(t.data).toString('latin1')).toBe('a'.repeat(9) + 'b');
  });

  it('caps the output of an lz4 bomb', () => {
    // A linked-block frame of 1 MiB blocks each repeating one byte: ~4 bytes of input per 1 MiB.
    const desc = new Uint8Array([0x40, 0x60]);
    const blocks: number[] = [];
    for (let i = 0; i < 64; i++) {
      const n = 1024 * 1024 - 5 - 4;
      const ext: number[] = [];
      let rest = n - 15;
      while (rest >= 255) {
        ext.push(255);
        rest -= 255;
      }
      ext.push(rest);
      const block = [0x1f, 0x41, 0x01, 0x00, ...ext, 0x40, 0x41, 0x41, 0x41, 0x41];
      blocks.push(block.length, block.length >>> 8, 0, 0, ...block);
    }
    const frame = new Uint8Array([0x04, 0x22, 0x4d, 0x18, ...desc, (xxh32(desc) >>> 8) & 0xff, ...blocks, 0, 0, 0, 0]);
    const ok = unlz4Capped(frame, 256 * MiB);
    expect(ok.error).toBeUndefined();
    expect(ok.output.size).toBe(64 * MiB);
    const capped = unlz4Capped(frame, 3 * MiB + 5);
    expect(capped.error).toBeInstanceOf(LimitExceededError);
    expect(capped.output.size).toBe(3 * MiB + 5);
  });
});

describe('chunked output', () => {
  it('keeps output in fixed chunks, reads across them, copies overlapping matches', () => {
    const out = new CappedOutput(3 * OUTPUT_CHUNK, 'x');
    for (let i = 0; i < 1000; i++) out.push(i & 0xff);
    out.copyMatch(1000, OUTPUT_CHUNK * 2); // crosses chunk boundaries, source behind
    out.copyMatch(1, 10); // overlapping run
    const bytes = out.bytes();
    expect(bytes.size).toBe(1000 + 2 * OUTPUT_CHUNK + 10);
    const at = OUTPUT_CHUNK - 3;
    expect(Array.from(bytes.read(at, 6))).toEqual([0, 1, 2, 3, 4, 5].map((k) => (at + k) % 1000 & 0xff));
    expect(bytes.read(bytes.size - 10, 10).every((v) => v === bytes.read(bytes.size - 11, 1)[0])).toBe(true);
    expect(() => out.copyMatch(1, OUTPUT_CHUNK)).toThrow(LimitExceededError);
    expect(out.len).toBe(3 * OUTPUT_CHUNK);
  });

  it('holds repeated chunks once and copies a shared chunk before writing into it', () => {
    const out = new CappedOutput(64 * MiB, 'x');
    out.append(new Uint8Array(40 * MiB));
    expect(out.len).toBe(40 * MiB);
    expect(out.heldBytes).toBeLessThanOrEqual(2 * OUTPUT_CHUNK);
    // A short period that does not divide the chunk size: a few distinct phases, each held once.
    const periodic = new CappedOutput(64 * MiB, 'x');
    periodic.append(Uint8Array.of(1, 2, 3));
    periodic.copyMatch(3, 60 * MiB);
    expect(periodic.heldBytes).toBeLessThanOrEqual(5 * OUTPUT_CHUNK);
    const p = periodic.bytes();
    expect(Array.from(p.read(OUTPUT_CHUNK * 7 + 1, 4))).toEqual([0, 1, 2, 3].map((k) => ((OUTPUT_CHUNK * 7 + 1 + k) % 3) + 1));
    out.setByte(OUTPUT_CHUNK * 2 + 5, 9);
    const b = out.bytes();
    expect(b.read(OUTPUT_CHUNK * 2 + 5, 1)[0]).toBe(9);
    expect(b.read(OUTPUT_CHUNK * 3 + 5, 1)[0]).toBe(0);
    expect(b.read(OUTPUT_CHUNK + 5, 1)[0]).toBe(0);
    // Distinct content is kept whole.
    const random = new CappedOutput(16 * MiB, 'x');
    const r = new Uint8Array(12 * MiB);
    for (let i = 0; i < r.length; i++) r[i] = (i * 2654435761) >>> 24;
    random.append(r);
    expect(random.heldBytes).toBeGreaterThanOrEqual(12 * MiB);
    expect(Buffer.compare(random.bytes().contiguous(), r)).toBe(0);
  });

  it('inflates a deflate bomb into chunks up to the exact cap', () => {
    const bomb = deflateRawSync(new Uint8Array(40 * MiB));
    const r = decompress('deflate-raw', bomb, 10 * MiB + 7);
    expect(r.error).toBeInstanceOf(LimitExceededError);
    expect(r.output.size).toBe(10 * MiB + 7);
    const full = decompress('deflate-raw', bomb, 40 * MiB);
    expect(full.error).toBeUndefined();
    expect(full.output.size).toBe(40 * MiB);
  });

  it('checks the zlib Adler-32 itself (no output lost on a mismatch)', () => {
    const z = new Uint8Array(deflateSync(PAYLOAD));
    z[z.length - 1] = (z[z.length - 1] as number) ^ 1;
    const r = inflateZlibCapped(z, MiB);
    expect(r.error).toBeUndefined();
    expect(r.warnings.map((w) => w.kind)).toEqual(['bad-checksum']);
    expect(same(r.data, PAYLOAD)).toBe(true);
  });
});

describe('properties: arbitrary or mutated input', () => {
  const formats: CompressionFormat[] = ['deflate-raw', 'zlib', 'gzip', 'bzip2', 'zstd', 'xz', 'lzma', 'lz4'];
  const samples: Record<CompressionFormat, Uint8Array> = {
    'deflate-raw': deflateRawSync(PAYLOAD),
    zlib: deflateSync(PAYLOAD),
    gzip: gzipSync(PAYLOAD),
    bzip2: b('bzip2'),
    zstd: b('zstd'),
    xz: b('xz_crc64'),
    lzma: b('lzma_alone'),
    lz4: b('lz4_checks'),
  };

  function check(fmt: CompressionFormat, input: Uint8Array, cap: number): void {
    const r = decompress(fmt, input, cap);
    expect(r.data.length).toBeLessThanOrEqual(cap);
    if (r.error) expect(r.error).toBeInstanceOf(BulwarkError);
    expect(['MALFORMED', 'LIMIT_EXCEEDED', 'UNSUPPORTED', undefined]).toContain(r.error?.code);
    expect(r.consumed).toBeLessThanOrEqual(input.length);
  }

  it('never throws and never exceeds the cap on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.constantFrom(...formats), fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 4096 }), (fmt, bytes, cap) => {
        check(fmt, bytes, cap);
      }),
      { numRuns: 400 },
    );
  });

  it('never throws on mutated valid streams', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...formats),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 2048 }),
        (fmt, edits, cap) => {
          const x = new Uint8Array(samples[fmt]);
          for (const [at, v] of edits) x[at % x.length] = v;
          check(fmt, x, cap);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('never throws on truncated valid streams', () => {
    for (const fmt of formats) {
      const s = samples[fmt];
      for (let n = 0; n < s.length; n += 3) check(fmt, s.subarray(0, n), MiB);
    }
  });
});
