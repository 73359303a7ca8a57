import { describe, expect, it } from 'vitest';
import { BufferSource } from '../../limits/index.js';
import { buildNpy } from '../../../test-fixtures/npy-builder.js';
import { pickle } from '../../../test-fixtures/pickle-builder.js';
import { buildTorchZip, buildZip } from '../../../test-fixtures/zip-builder.js';
import {
  BENIGN_PICKLE,
  EVIL_COMPRESSED,
  EVIL_PICKLE,
  EVIL_PICKLE_CPYTHON,
  EVIL_PICKLE_P0,
  PY_ZIP_ALL_METHODS,
  RecordingSource,
  b64,
  findingsOf,
  memberOf,
  mustScan,
  ruleIds,
} from '../../../test-fixtures/model-scan-helpers.js';

const DANGER = 'pickle/dangerous-call';
const membersWithDanger = (r: ReturnType<typeof mustScan>): (string | undefined)[] => findingsOf(r, DANGER).map(memberOf).sort();

describe('PyTorch zip checkpoints', () => {
  it('finds os.system in data.pkl and refines the format', () => {
    const r = mustScan(buildTorchZip({ dataPkl: EVIL_PICKLE }));
    expect(r.format).toBe('pytorch-zip');
    expect(membersWithDanger(r)).toEqual(['archive/data.pkl']);
    expect(findingsOf(r, DANGER)[0]?.severity).toBe('critical');
  });

  it('passes a benign checkpoint complete and without findings', () => {
    const r = mustScan(buildTorchZip({ dataPkl: BENIGN_PICKLE, storages: { '0': new Uint8Array(256) } }));
    expect(r.status).toBe('complete');
    expect(r.findings).toEqual([]);
  });

  it('reads data.pkl under any root folder, case-insensitively, by central name', () => {
    const r = mustScan(buildTorchZip({ root: 'my_model-v2', dataPkl: EVIL_PICKLE }));
    expect(membersWithDanger(r)).toEqual(['my_model-v2/data.pkl']);
    const cased = mustScan(buildZip({ entries: [{ name: 'Model/DATA.PKL', localName: 'Model/harmless.txt', data: EVIL_PICKLE }, { name: 'Model/version', data: '3\n' }] }));
    expect(cased.format).toBe('pytorch-zip');
    expect(membersWithDanger(cased)).toEqual(['Model/DATA.PKL']);
    expect(ruleIds(cased)).toContain('zip/local-name-mismatch');
  });

  it('sniffs every member for pickles whatever its name (tensor names, other files)', () => {
    const r = mustScan(buildTorchZip({ dataPkl: BENIGN_PICKLE, storages: { '0': EVIL_PICKLE, '1': new Uint8Array(64) }, extra: [{ name: 'archive/extra/readme.txt', data: EVIL_PICKLE_P0 }] }));
    expect(membersWithDanger(r)).toEqual(['archive/data/0', 'archive/extra/readme.txt']);
  });

  it('leaves tensor data alone when its first bytes merely look like a pickle', () => {
    // float32 data whose first bytes read as PROTO 2 + BINFLOAT, then garbage: not a pickle.
    const tensor = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 131 + 7) % 256);
    tensor.set([0x80, 0x02, 0x47, 0x41, 0x20]);
    const zip = buildTorchZip({ dataPkl: BENIGN_PICKLE, storages: { '0': tensor } });
    const src = new RecordingSource(new BufferSource(zip));
    const r = mustScan(src);
    expect(r.status).toBe('complete');
    expect(r.findings).toEqual([]);
    const start = Buffer.from(zip).indexOf(Buffer.from(tensor.subarray(0, 64)));
    expect(src.bytesReadWithin(start + 64 * 1024, Math.min(start + tensor.length, zip.length - 65_557))).toBe(0);
  });

  it('scans every copy of a duplicated data.pkl', () => {
    const r = mustScan(buildZip({ entries: [{ name: 'archive/data.pkl', data: BENIGN_PICKLE }, { name: 'archive/data.pkl', data: EVIL_PICKLE }, { name: 'archive/version', data: '3' }] }));
    expect(ruleIds(r)).toEqual(expect.arrayContaining(['zip/duplicate-name', DANGER]));
  });

  it('never reads tensor data beyond the member head', () => {
    const tensor = new Uint8Array(2 * 1024 * 1024).fill(0x3f);
    const zip = buildTorchZip({ dataPkl: BENIGN_PICKLE, storages: { '0': tensor } });
    const src = new RecordingSource(new BufferSource(zip));
    const r = mustScan(src);
    expect(r.status).toBe('complete');
    const start = Buffer.from(zip).indexOf(Buffer.from(tensor.subarray(0, 64)));
    expect(start).toBeGreaterThan(0);
    // Sniffing may look at the first 4 KiB and the EOCD search at the last 64 KiB of the file;
    // the ~2 MiB in between are never read.
    expect(src.bytesReadWithin(start + 4096, Math.min(start + tensor.length, zip.length - 65_557))).toBe(0);
  });
});

describe('compression methods', () => {
  it('decodes stored, deflate, bzip2 and LZMA members written by CPython zipfile', () => {
    const r = mustScan(b64(PY_ZIP_ALL_METHODS));
    expect(r.status).toBe('complete');
    expect(membersWithDanger(r)).toEqual(['bzip2.pkl', 'deflated.pkl', 'lzma.pkl', 'stored.pkl']);
    expect(ruleIds(r)).toEqual([DANGER]);
  });

  it('decodes zstd (93) and xz (95) members', () => {
    const r = mustScan(
      buildZip({
        entries: [
          { name: 'z.pkl', data: EVIL_PICKLE_CPYTHON, method: 93, compressed: b64(EVIL_COMPRESSED.zstd) },
          { name: 'x.pkl', data: EVIL_PICKLE_CPYTHON, method: 95, compressed: b64(EVIL_COMPRESSED.xz) },
        ],
      }),
    );
    expect(membersWithDanger(r)).toEqual(['x.pkl', 'z.pkl']);
    expect(ruleIds(r)).toEqual([DANGER]);
  });

  it('reports encrypted members and unknown methods as partial', () => {
    const enc = mustScan(buildZip({ entries: [{ name: 'a.pkl', data: EVIL_PICKLE, flags: 1 }] }));
    expect(ruleIds(enc)).toEqual(['zip/encrypted-member']);
    expect(enc.status).toBe('partial');
    const m9 = mustScan(buildZip({ entries: [{ name: 'a.pkl', data: EVIL_PICKLE, method: 9 }] }));
    expect(ruleIds(m9)).toEqual(['zip/unsupported-method']);
    expect(findingsOf(m9, 'zip/unsupported-method')[0]?.message).toMatch(/deflate64/);
    expect(m9.status).toBe('partial');
  });

  it('verifies CRCs of members it reads in full', () => {
    const r = mustScan(buildTorchZip({ dataPkl: BENIGN_PICKLE, extra: [{ name: 'archive/x.pkl', data: BENIGN_PICKLE, crc: 1, localCrc: 1 }] }));
    expect(ruleIds(r)).toEqual(['zip/bad-crc']);
    const d = mustScan(buildZip({ entries: [{ name: 'a.pkl', data: BENIGN_PICKLE, method: 'deflate', crc: 7, localCrc: 7 }] }));
    expect(ruleIds(d)).toEqual(['zip/bad-crc']);
  });

  it('reports a deflated member whose real size differs from the declared one', () => {
    const r = mustScan(buildZip({ entries: [{ name: 'a.pkl', data: EVIL_PICKLE, method: 'deflate', uncompressedSize: 5, localUncompressedSize: 5 }] }));
    expect(ruleIds(r)).toEqual(expect.arrayContaining(['zip/header-mismatch', DANGER]));
  });
});

describe('data outside the entries', () => {
  it('scans a pickle prepended to a zip (protocol 2: the file is a pickle to torch.load)', () => {
    const zip = buildZip({ entries: [{ name: 'a.txt', data: 'hello' }], prepend: EVIL_PICKLE });
    const r = mustScan(zip);
    expect(r.format).toBe('pickle');
    expect(ruleIds(r)).toEqual(expect.arrayContaining([DANGER, 'zip/prepended-data']));
  });

  it('scans a protocol 0 pickle prepended to a zip', () => {
    const r = mustScan(buildZip({ entries: [{ name: 'a.txt', data: 'hello' }], prepend: EVIL_PICKLE_P0 }));
    expect(r.format).toBe('zip');
    expect(membersWithDanger(r)).toEqual(['<data before the archive>']);
  });

  it('reads archives whose offsets are relative to a prepended stub (as Python does)', () => {
    const r = mustScan(buildZip({ entries: [{ name: 'm.pkl', data: EVIL_PICKLE }], prepend: new Uint8Array(77).fill(0x20), adjustOffsets: false }));
    expect(membersWithDanger(r)).toEqual(['m.pkl']);
    expect(findingsOf(r, 'zip/prepended-data')[0]?.severity).toBe('high');
  });

  it('scans both archives when Python (shifted offsets) and miniz (absolute offsets) see different ones', () => {
    // X holds the payload, with offsets relative to its own start. S, prepended, is laid out so
    // that its central directory sits exactly at X's (relative) central directory offset: miniz,
    // which does not shift, reads S's benign entry; Python, which shifts by len(S), reads X's.
    const x = buildZip({ entries: [{ name: 'x.pkl', data: EVIL_PICKLE }] });
    const s = buildZip({ entries: [{ name: 'a.pkl', data: new Uint8Array(EVIL_PICKLE.length).fill(0x20) }] });
    const r = mustScan(new Uint8Array([...s, ...x]));
    expect(membersWithDanger(r)).toEqual(['x.pkl']);
    const pre = findingsOf(r, 'zip/prepended-data');
    expect(pre[0]?.severity).toBe('high');
    expect(pre[0]?.message).toMatch(/reads another central directory/);
  });

  it('scans data appended after the end of central directory', () => {
    const r = mustScan(buildZip({ entries: [{ name: 'a.txt', data: 'hello' }], append: EVIL_PICKLE }));
    expect(membersWithDanger(r)).toEqual(['<data after the archive>']);
    expect(ruleIds(r)).toContain('zip/appended-data');
  });

  it('extracts local entries hidden between central entries, as streaming readers would', () => {
    const r = mustScan(
      buildZip({
        entries: [
          { name: 'a.txt', data: 'hello' },
          { name: 'payload.pkl', data: EVIL_PICKLE, method: 'deflate', hiddenLocal: true },
          { name: 'b.txt', data: 'bye' },
        ],
      }),
    );
    expect(ruleIds(r)).toEqual(expect.arrayContaining(['zip/unreferenced-data', DANGER]));
    expect(membersWithDanger(r)).toEqual(['<hidden entry: payload.pkl>']);
  });
});

describe('a member shared by many central entries', () => {
  it('is inflated once, whatever the number of entries pointing at it (65,535 entries, 1 MB member)', () => {
    const member = new Uint8Array(1 << 20);
    const entries = [{ name: 'a.bin', data: member, method: 'deflate' as const }, ...Array.from({ length: 65_534 }, (_, i) => ({ name: `m${i}.bin`, data: member, method: 'deflate' as const, aliasOf: 0, centralOnly: true }))];
    const zip = buildZip({ entries });
    const src = new RecordingSource(new BufferSource(zip));
    const t0 = performance.now();
    const r = mustScan(src);
    const ms = performance.now() - t0;
    // The deflated member's data is read (to sniff, then to inflate) once, not once per entry.
    const dataStart = 30 + 'a.bin'.length;
    expect(src.reads.filter(([o]) => o === dataStart).length).toBeLessThanOrEqual(2);
    expect(r.format).toBe('zip');
    expect(ms).toBeLessThan(25_000);
  }, 60_000);
});

describe('nesting', () => {
  it('follows npz inside zip down to an object array pickle', () => {
    const npy = buildNpy({ descr: "'|O'", shape: '(1,)', data: EVIL_PICKLE });
    const npz = buildZip({ entries: [{ name: 'arr.npy', data: npy, method: 'deflate' }] });
    const r = mustScan(buildZip({ entries: [{ name: 'inner.npz', data: npz }] }));
    expect(membersWithDanger(r)).toEqual(['inner.npz!/arr.npy']);
    expect(ruleIds(r)).toEqual(expect.arrayContaining(['numpy/object-array', DANGER]));
  });

  it('refines a zip of .npy files to numpy-npz', () => {
    const npz = buildZip({ entries: [{ name: 'w.npy', data: buildNpy({ descr: "'<f4'", shape: '(2,)', data: new Uint8Array(8) }) }] });
    const r = mustScan(npz);
    expect(r.format).toBe('numpy-npz');
    expect(r.findings).toEqual([]);
  });

  it('stops at maxNestingDepth with a finding', () => {
    let z = buildZip({ entries: [{ name: 'p.pkl', data: EVIL_PICKLE }] });
    for (let i = 0; i < 4; i++) z = buildZip({ entries: [{ name: `level${i}.zip`, data: z }] });
    const r = mustScan(z, { maxNestingDepth: 2 });
    expect(r.status).toBe('partial');
    expect(findingsOf(r, 'scan/limit-exceeded')[0]?.evidence).toBe('maxNestingDepth');
    expect(findingsOf(r, DANGER)).toEqual([]);
  });
});

describe('limits', () => {
  it('lists maxFindingsPerRule parser issues of a kind and counts the rest in the Reporter summary', () => {
    const entries = Array.from({ length: 60 }, (_, i) => ({ name: `../x${i}`, data: 'x' }));
    const r = mustScan(buildZip({ entries }));
    const hits = findingsOf(r, 'zip/path-traversal');
    expect(hits).toHaveLength(21);
    expect(hits.at(-1)?.message).toMatch(/^40 more findings of this rule/);
  });

  it('maxArchiveEntries', () => {
    const zip = buildZip({ entries: Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, data: 'x' })) });
    const r = mustScan(zip, { maxArchiveEntries: 5 });
    expect(r.status).toBe('partial');
    expect(findingsOf(r, 'scan/limit-exceeded')[0]?.evidence).toBe('maxArchiveEntries');
  });

  it('maxDecompressedBytes: the prefix is still analysed', () => {
    const padded = pickle((b) => b.proto(2).global('os', 'system').str('id').tuple1().reduce().pop().str('x'.repeat(100_000)).pop().none().stop());
    const r = mustScan(buildZip({ entries: [{ name: 'p.pkl', data: padded, method: 'deflate' }] }), { maxDecompressedBytes: 4096 });
    expect(r.status).toBe('partial');
    expect(findingsOf(r, 'scan/limit-exceeded')[0]?.evidence).toBe('maxDecompressedBytes');
    expect(membersWithDanger(r)).toEqual(['p.pkl']);
  });

  it('maxTotalDecompressedBytes across members', () => {
    const pk = pickle((b) => b.proto(2).binBytes(new Uint8Array(50_000)).stop());
    const entries = Array.from({ length: 4 }, (_, i) => ({ name: `${i}.pkl`, data: pk, method: 'deflate' as const }));
    const r = mustScan(buildZip({ entries }), { maxTotalDecompressedBytes: 120_000 });
    expect(r.status).toBe('partial');
    expect(findingsOf(r, 'scan/limit-exceeded').map((f) => f.evidence)).toContain('maxTotalDecompressedBytes');
  });

  it('a zip bomb of overlapping entries is reported and bounded', () => {
    const kernel = pickle((b) => b.proto(2).binBytes(new Uint8Array(200_000)).stop());
    const entries = [{ name: 'k0', data: kernel, method: 'deflate' as const }, ...Array.from({ length: 30 }, (_, i) => ({ name: `k${i + 1}`, data: kernel, method: 'deflate' as const, aliasOf: 0 }))];
    const r = mustScan(buildZip({ entries }), { maxTotalDecompressedBytes: 1_000_000 });
    expect(ruleIds(r)).toContain('zip/overlapping-entries');
  });
});

describe('malformed archives fail closed', () => {
  it('an EOCD-only tail that points nowhere is malformed, not clean', () => {
    const zip = buildZip({ entries: [{ name: 'a', data: 'x' }], eocd: { cdOffset: 9999 } });
    const r = mustScan(zip);
    expect(r.status).toBe('partial');
    expect(ruleIds(r)).toContain('scan/malformed-input');
  });

  it('a missing local header marks the target partial', () => {
    const r = mustScan(buildZip({ entries: [{ name: 'a.pkl', data: EVIL_PICKLE, localHeaderOffset: 3 }] }));
    expect(r.status).toBe('partial');
    expect(ruleIds(r)).toContain('scan/malformed-input');
  });
});
