import { deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BufferSource } from '../limits/index.js';
import { buildNpy } from '../../test-fixtures/npy-builder.js';
import { joblibArrayPickle, pickle } from '../../test-fixtures/pickle-builder.js';
import { buildTar } from '../../test-fixtures/tar-builder.js';
import { buildZip } from '../../test-fixtures/zip-builder.js';
import { BENIGN_PICKLE, EVIL_COMPRESSED, EVIL_PICKLE_P0, b64 } from '../../test-fixtures/model-scan-helpers.js';
import { detectFormat } from './detect-format.js';

const enc = new TextEncoder();
const detect = (b: Uint8Array | string): string | undefined => detectFormat(new BufferSource(typeof b === 'string' ? enc.encode(b) : b));

describe('detectFormat (content only)', () => {
  it('recognises every container and stream format by its bytes', () => {
    expect(detect(buildZip({ entries: [{ name: 'a', data: 'x' }] }))).toBe('zip');
    expect(detect(buildZip({ entries: [] }))).toBe('zip');
    expect(detect(buildNpy())).toBe('numpy-npy');
    expect(detect(BENIGN_PICKLE)).toBe('pickle');
    expect(detect(EVIL_PICKLE_P0)).toBe('pickle');
    expect(detect(buildTar({ members: [{ name: 'a', data: 'x' }] }))).toBe('tar');
    expect(detect(buildTar({ members: [{ name: 'a', data: 'x', v7: true }] }))).toBe('tar');
    expect(detect(gzipSync(BENIGN_PICKLE))).toBe('gzip');
    expect(detect(deflateSync(BENIGN_PICKLE))).toBe('zlib');
    expect(detect(b64(EVIL_COMPRESSED.bzip2))).toBe('bzip2');
    expect(detect(b64(EVIL_COMPRESSED.xz))).toBe('xz');
    expect(detect(b64(EVIL_COMPRESSED.lzma))).toBe('lzma');
    expect(detect(b64(EVIL_COMPRESSED.zstd))).toBe('zstd');
    expect(detect(new Uint8Array([...enc.encode('ZF0x1f'.padEnd(21, ' ')), ...deflateSync(BENIGN_PICKLE)]))).toBe('joblib-zlib');
  });

  it('tells PyTorch legacy files and joblib pickles from plain pickles', () => {
    const legacy = pickle((b) => b.proto(2).long1(0x1950a86a20f9469cfc6cn).stop());
    expect(detect(legacy)).toBe('pytorch-legacy');
    expect(detect(enc.encode('L119547037146038801333356L\n.'))).toBe('pytorch-legacy');
    expect(detect(joblibArrayPickle({ shape: [3] }))).toBe('joblib');
  });

  it('names archives it cannot open', () => {
    expect(detect(new Uint8Array([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4]))).toBe('7z');
    expect(detect('Rar!\x1a\x07\x01\x00')).toBe('rar');
    expect(detect('MSCF\0\0\0\0abcd')).toBe('cab');
    expect(detect(new Uint8Array([0x04, 0x22, 0x4d, 0x18, 0x64, 0x40]))).toBe('lz4');
    expect(detect('LZIP\x01')).toBe('lzip');
    expect(detect('!<arch>\ndebian-binary')).toBe('ar');
    expect(detect('070701000000')).toBe('cpio');
  });

  it('finds a zip by its end when something else precedes it', () => {
    expect(detect(buildZip({ entries: [{ name: 'a', data: 'x' }], prepend: enc.encode('#!/bin/sh\nexit 0\n') }))).toBe('zip');
  });

  it('returns undefined for text and other content, whatever the file is called', () => {
    for (const t of ['apiVersion: v1\nkind: Pod\n', '{"a": 1}', '# README\n\nI love models.\n', '', 'x^2 + y^2', 'No pickle here\n']) {
      expect(detect(t), JSON.stringify(t)).toBeUndefined();
    }
    expect(detect(new Uint8Array(4096))).toBeUndefined();
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1200 }), (b) => {
        const f = detect(b);
        expect(f === undefined || typeof f === 'string').toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
