import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readWithYauzl } from './zip-oracle.js';
import { buildTorchZip, buildZip } from './zip-builder.js';

describe('zip builder', () => {
  it('writes archives yauzl reads (stored, deflated, zip64, data descriptors)', async () => {
    const zip = buildZip({
      entries: [
        { name: 'a.txt', data: 'hello' },
        { name: 'b.bin', data: 'x'.repeat(1000), method: 'deflate' },
        { name: 'c/d.txt', data: 'zip64!', zip64: true },
        { name: 'e.txt', data: 'described', dataDescriptor: true },
      ],
      zip64: true,
      comment: 'a comment',
    });
    const read = await readWithYauzl(zip);
    expect(read.map((r) => [r.name, r.data.toString()])).toEqual([
      ['a.txt', 'hello'],
      ['b.bin', 'x'.repeat(1000)],
      ['c/d.txt', 'zip64!'],
      ['e.txt', 'described'],
    ]);
    expect(read[1]?.compressedSize).toBeLessThan(1000);
  });

  it('aligns PyTorch records to 64 bytes', async () => {
    const zip = buildTorchZip({ dataPkl: new Uint8Array([0x80, 2, 0x4e, 0x2e]), storages: { '0': new Uint8Array(16).fill(7) } });
    const read = await readWithYauzl(zip);
    expect(read.map((r) => r.name)).toEqual([
      'archive/data.pkl',
      'archive/.format_version',
      'archive/.storage_alignment',
      'archive/byteorder',
      'archive/data/0',
      'archive/version',
      'archive/.data/serialization_id',
    ]);
    // The data of archive/data/0 starts at a multiple of 64.
    const at = Buffer.from(zip).indexOf(Buffer.alloc(16, 7));
    expect(at % 64).toBe(0);
  });

  it('forges a local name that differs from the central name', () => {
    const zip = Buffer.from(buildZip({ entries: [{ name: 'central.pkl', localName: 'local.pkl', data: 'x' }] }));
    expect(zip.indexOf('local.pkl')).toBeGreaterThan(0);
    expect(zip.indexOf('central.pkl')).toBeGreaterThan(zip.indexOf('local.pkl'));
  });

  it('deflates with the raw deflate format', () => {
    const zip = buildZip({ entries: [{ name: 'z', data: 'abcabcabc', method: 'deflate' }] });
    const start = 30 + 1;
    const end = Buffer.from(zip).indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    expect(inflateRawSync(zip.subarray(start, end)).toString()).toBe('abcabcabc');
  });
});
