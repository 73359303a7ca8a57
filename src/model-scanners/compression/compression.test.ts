import { deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { joblibArrayPickle, pickle } from '../../../test-fixtures/pickle-builder.js';
import { lz4Frame } from '../../../test-fixtures/lz4-builder.js';
import { DECOMPRESSION_RATIO_DEFAULTS } from '../containers.js';
import {
  BENIGN_PICKLE,
  EVIL_COMPRESSED,
  EVIL_PICKLE,
  b64,
  findingsOf,
  memberOf,
  mustScan,
  ruleIds,
  scanBytes,
} from '../../../test-fixtures/model-scan-helpers.js';

const DANGER = 'pickle/dangerous-call';
const enc = new TextEncoder();

describe('compressed pickles', () => {
  it('gzip, zlib, bzip2, xz, lzma and zstd wrappers are decompressed and rescanned', () => {
    const cases: Array<[string, Uint8Array]> = [
      ['gzip', gzipSync(EVIL_PICKLE)],
      ['zlib', deflateSync(EVIL_PICKLE)],
      ['bzip2', b64(EVIL_COMPRESSED.bzip2)],
      ['xz', b64(EVIL_COMPRESSED.xz)],
      ['lzma', b64(EVIL_COMPRESSED.lzma)],
      ['zstd', b64(EVIL_COMPRESSED.zstd)],
    ];
    for (const [format, bytes] of cases) {
      const r = mustScan(bytes);
      expect(r.format, format).toBe(format);
      expect(r.status, format).toBe('complete');
      expect(ruleIds(r), format).toEqual([DANGER]);
      expect(findingsOf(r, DANGER).map(memberOf), format).toEqual([`<${format} content>`]);
    }
  });

  it('compression inside compression', () => {
    const r = mustScan(gzipSync(gzipSync(EVIL_PICKLE)));
    expect(findingsOf(r, DANGER).map(memberOf)).toEqual(['<gzip content>!/<gzip content>']);
  });

  it('reports trailing data and scans it', () => {
    const r = mustScan(new Uint8Array([...gzipSync(BENIGN_PICKLE), ...EVIL_PICKLE]));
    expect(ruleIds(r)).toEqual(['compression/trailing-data', DANGER]);
    expect(findingsOf(r, DANGER).map(memberOf)).toEqual(['<data after the gzip stream>']);
  });

  it('reports a bad checksum and still analyses the content', () => {
    const g = new Uint8Array(gzipSync(EVIL_PICKLE));
    const at = g.length - 8;
    g[at] = (g[at] ?? 0) ^ 0xff;
    expect(ruleIds(mustScan(g))).toEqual(['compression/bad-checksum', DANGER]);
  });

  it('a truncated stream is partial and its prefix is analysed', () => {
    const padded = pickle((b) => b.proto(2).global('os', 'system').str('id').tuple1().reduce().pop().binBytes(new Uint8Array(200_000).map((_, i) => (i * 31) % 251)).pop().none().stop());
    const g = gzipSync(padded);
    const r = mustScan(g.subarray(0, g.length >> 1));
    expect(r.status).toBe('partial');
    expect(ruleIds(r)).toEqual(expect.arrayContaining(['scan/malformed-input', DANGER]));
  });

  it('caps decompressed output (a gzip bomb) and reports the limit', () => {
    const bomb = gzipSync(pickle((b) => b.proto(2).binBytes(new Uint8Array(5_000_000)).stop()));
    const r = mustScan(bomb, { maxDecompressedBytes: 100_000 });
    expect(r.status).toBe('partial');
    expect(findingsOf(r, 'scan/limit-exceeded')[0]?.evidence).toBe('maxDecompressedBytes');
  });

  it('an xz stream with a BCJ filter is unsupported, not clean', () => {
    // Stream and block headers of `lzma.compress(b"...", filters=[{"id": FILTER_X86}, {"id": FILTER_LZMA2}])`.
    const bcj = b64('/Td6WFoAAATm1rRGAgEEACEBFgANhjUf4AFiAH5dACEdSYeqYolxLelDkq6GZGjBS5tSGDxurRC1t6oMvGV4l4EUBwKkzvhuTmrP5AeBqvNi4UxiLz8cjnZq5oSUyIfFKK4g6WnKyPsCp+5ZgIO44Tq7JJh/5yOpQQvW1QyWEVt5A75iksQQq+G4dTg99BOTOxLAkmLoPEa2FZiAAAAAAN+ctjsQAZkHAAGaAeMCAADw8oaFscRn+wIAAAAABFla');
    const r = mustScan(bcj);
    expect(r.status).toBe('partial');
    expect(ruleIds(r)).toEqual(['scan/unsupported-container']);
  });

  it('archives Bulwark cannot open are findings, never a pass', () => {
    for (const b of [new Uint8Array([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4, 1, 2]), enc.encode('Rar!\x1a\x07\x00rest')]) {
      const r = mustScan(b);
      expect(r.status).toBe('partial');
      expect(ruleIds(r)).toEqual(['scan/unsupported-container']);
    }
  });
});

describe('LZ4 frames (joblib compress="lz4")', () => {
  it('an LZ4-compressed pickle is decompressed and rescanned', () => {
    for (const opts of [{}, { contentChecksum: true, blockChecksum: true, contentSize: true }]) {
      const r = mustScan(lz4Frame(EVIL_PICKLE, opts));
      expect(r.format).toBe('lz4');
      expect(r.status).toBe('complete');
      expect(ruleIds(r)).toEqual([DANGER]);
      expect(findingsOf(r, DANGER).map(memberOf)).toEqual(['<lz4 content>']);
    }
  });
  it('a joblib file written with the lz4 compressor is analysed as joblib (no finding when benign)', () => {
    const r = mustScan(lz4Frame(joblibArrayPickle({ shape: [3, 3] })));
    expect(r.format).toBe('lz4');
    expect(r.findings).toEqual([]);
  });
  it('a corrupt LZ4 frame is partial, its decoded prefix still scanned', () => {
    const f = lz4Frame(EVIL_PICKLE);
    const r = mustScan(f.subarray(0, f.length - 2));
    expect(r.status).toBe('partial');
    expect(ruleIds(r)).toEqual(expect.arrayContaining(['scan/malformed-input', DANGER]));
  });
});

describe('decompression bombs: cost bounded by the ratio limit', () => {
  // 207 bytes of bzip2 holding a 200 MB pickle (one BINBYTES8 of zeros), written with Python's bz2.
  const BZ2_BOMB =
    'QlpoOTFBWSZTWSDlXEsFfjfARcQIQAEQAAAIAAggAFCGBAmqiZPTeSKgJbiKgJd0RUBLuc/5miKgJeMUFZJlNZDgni3wFfjkAAwAAACCAAMIBNRkKgJakKgJcxQVkmU1kOCeLfAV+OQADAAAAIIAAwgE1GQqAlqQqAlzFBWSZTWQ4J4t8BX45AAMAAAAggADCATUZCoCWpCoCXMUFZJlNZdUhDFgB9o9AIwAAAAQAgAAggAFBmmgmqDhUiDdqIVBdlSkQeLuSKcKEgXs2/PA';
  it('a 207-byte bzip2 stream stops at maxDecompressedBytesBeforeRatio (64 MiB), in seconds, fail-closed', () => {
    const t0 = performance.now();
    const r = mustScan(b64(BZ2_BOMB));
    const ms = performance.now() - t0;
    expect(r.status).toBe('partial');
    const limit = findingsOf(r, 'scan/limit-exceeded')[0];
    expect(limit?.evidence).toBe('maxDecompressionRatio');
    expect(limit?.message).toContain(`only the first ${DECOMPRESSION_RATIO_DEFAULTS.maxDecompressedBytesBeforeRatio} bytes were analysed`);
    expect(ms).toBeLessThan(20_000);
  });
  it('a deflate stream of ordinary ratio is not limited by the ratio', () => {
    const data = new Uint8Array(2_000_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919) >>> 3;
    const r = mustScan(gzipSync(pickle((b) => b.proto(4).binBytes(data).stop())));
    expect(r.status).toBe('complete');
    expect(r.findings).toEqual([]);
  });
});

describe('joblib', () => {
  it('scans joblib pickles with the joblib loader', () => {
    const r = mustScan(joblibArrayPickle({ shape: [4] }));
    expect(r.format).toBe('joblib');
    expect(r.status).toBe('complete');
  });

  it('finds a payload after the array data of a compressed joblib file', () => {
    const evilAfter = joblibArrayPickle({ shape: [4], after: (b) => b.pop().global('os', 'system').str('id').tuple1().reduce() });
    for (const bytes of [evilAfter, gzipSync(evilAfter), deflateSync(evilAfter)]) {
      expect(ruleIds(mustScan(bytes))).toContain(DANGER);
    }
  });

  it('reads old ZF files (hex length header, optional extra space)', () => {
    for (const sep of ['', ' ']) {
      const header = enc.encode(`ZF${`0x${EVIL_PICKLE.length.toString(16)}`.padEnd(19, ' ')}${sep}`);
      const r = mustScan(new Uint8Array([...header, ...deflateSync(EVIL_PICKLE)]));
      expect(r.format).toBe('joblib-zlib');
      expect(ruleIds(r)).toEqual([DANGER]);
    }
    const bad = mustScan(enc.encode('ZF0xZZZZ           garbage'));
    expect(bad.status).toBe('partial');
  });
});

describe('end-to-end properties', () => {
  it('arbitrary bytes: scanModelSource never throws and a result is complete only without high findings from limits', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
        const r = scanBytes(b, { maxDecompressedBytes: 10_000, maxArchiveEntries: 50 });
        if (r) {
          expect(['complete', 'partial']).toContain(r.status);
          const failClosed = r.findings.some((f) => f.ruleId.startsWith('scan/'));
          if (failClosed) expect(r.status).toBe('partial');
        }
      }),
      { numRuns: 400 },
    );
  });

  it('prefixed magic bytes with random bodies never throw', () => {
    const magics = [
      [0x50, 0x4b, 0x03, 0x04],
      [0x1f, 0x8b, 0x08, 0x00],
      [0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59],
      [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00],
      [0x28, 0xb5, 0x2f, 0xfd],
      [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x01, 0x00],
      [0x80, 0x02],
      [0x5d, 0, 0, 0x80, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0],
      [0x78, 0x9c],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...magics), fc.uint8Array({ maxLength: 500 }), (m, body) => {
        const r = scanBytes(new Uint8Array([...m, ...body]), { maxDecompressedBytes: 10_000 });
        expect(r === undefined || typeof r.format === 'string').toBe(true);
      }),
      { numRuns: 600 },
    );
  });
});
