import { describe, expect, it } from 'vitest';
import { pickle } from '../../../test-fixtures/pickle-builder.js';
import { buildTorchZip, buildZip } from '../../../test-fixtures/zip-builder.js';
import { BENIGN_PICKLE, EVIL_PICKLE, findingsOf, memberOf, mustScan, ruleIds } from '../../../test-fixtures/model-scan-helpers.js';

/** data.pkl returning persistent_load(('storage', torch.FloatStorage, key, 'cpu', 4)) for each key. */
function storagePickle(...keys: string[]): Uint8Array {
  return storagesPickle(keys);
}

function storagesPickle(keys: readonly string[]): Uint8Array {
  return pickle((b) => {
    b.proto(2).emptyList().mark();
    for (const k of keys) b.mark().str('storage').global('torch', 'FloatStorage').str(k).str('cpu').binInt1(4).tuple().binPersId();
    b.appends().stop();
  });
}

describe('PyTorch zip layout', () => {
  it('is silent on a complete archive whose storages are all present', () => {
    const r = mustScan(buildTorchZip({ dataPkl: storagePickle('0', '1'), storages: { '0': new Uint8Array(16), '1': new Uint8Array(16) } }));
    expect(r.format).toBe('pytorch-zip');
    expect(ruleIds(r)).toEqual([]);
  });

  it('reports storages data.pkl references but the archive lacks', () => {
    const r = mustScan(buildTorchZip({ dataPkl: storagePickle('0', '7'), storages: { '0': new Uint8Array(16) } }));
    const f = findingsOf(r, 'pytorch/missing-storage');
    expect(f).toHaveLength(1);
    expect(f[0]?.message).toMatch(/archive\/data\/7/);
    expect(f[0] && memberOf(f[0])).toBe('archive/data.pkl');
  });

  it('reports a missing data.pkl (root from the first entry) and still scans other pickles', () => {
    // First entry decides the root: "evil/"; data.pkl exists only under "archive/".
    const r = mustScan(
      buildZip({
        entries: [
          { name: 'evil/readme', data: 'x' },
          { name: 'archive/data.pkl', data: EVIL_PICKLE },
          { name: 'archive/version', data: '3' },
        ],
      }),
    );
    expect(ruleIds(r)).toEqual(expect.arrayContaining(['pytorch/missing-record', 'pytorch/multiple-roots', 'pickle/dangerous-call']));
    expect(findingsOf(r, 'pytorch/missing-record')[0]?.message).toMatch(/no evil\/data\.pkl/);
  });

  it('reports a missing version record and a first entry outside any folder', () => {
    const nov = mustScan(buildTorchZip({ dataPkl: BENIGN_PICKLE, omit: ['version'] }));
    expect(findingsOf(nov, 'pytorch/missing-record').map((f) => f.severity)).toEqual(['low']);
    const flat = mustScan(buildZip({ entries: [{ name: 'data.pkl', data: BENIGN_PICKLE }] }));
    expect(findingsOf(flat, 'pytorch/missing-record')[0]?.message).toMatch(/not inside a folder/);
  });

  it('reports entries under several roots', () => {
    const r = mustScan(buildTorchZip({ dataPkl: BENIGN_PICKLE, extra: [{ name: 'other/data.pkl', data: EVIL_PICKLE }] }));
    expect(ruleIds(r)).toEqual(expect.arrayContaining(['pytorch/multiple-roots', 'pickle/dangerous-call']));
    expect(findingsOf(r, 'pickle/dangerous-call').map(memberOf)).toEqual(['other/data.pkl']);
  });

  it('handles data.pkl with more storages than a call stack can spread (130,000)', () => {
    const keys = Array.from({ length: 130_000 }, (_, i) => String(i));
    const r = mustScan(buildTorchZip({ dataPkl: storagesPickle(keys), storages: { '0': new Uint8Array(16) } }));
    expect(ruleIds(r)).toEqual(['pytorch/missing-storage']);
    expect(findingsOf(r, 'pytorch/missing-storage')[0]?.message).toMatch(/129999 storages missing/);
  }, 60_000);

  it('does not treat an ordinary zip as a PyTorch archive', () => {
    const r = mustScan(buildZip({ entries: [{ name: 'notes/a.txt', data: 'x' }] }));
    expect(r.format).toBe('zip');
    expect(r.findings).toEqual([]);
  });
});

/** A legacy (non-zip) torch.save stream: magic, protocol, sys_info, object, storage keys, raw data. */
function legacyStream(object: Uint8Array, opts: { tail?: Uint8Array; keys?: Uint8Array } = {}): Uint8Array {
  const magic = pickle((b) => b.proto(2).long1(0x1950a86a20f9469cfc6cn).stop());
  const proto = pickle((b) => b.proto(2).binInt2(1001).stop());
  const sysInfo = pickle((b) => b.proto(2).emptyDict().stop());
  const keys = opts.keys ?? pickle((b) => b.proto(2).emptyList().stop());
  const raw = opts.tail ?? new Uint8Array([4, 0, 0, 0, 0, 0, 0, 0, ...new Uint8Array(16).fill(0x80)]);
  return new Uint8Array([...magic, ...proto, ...sysInfo, ...object, ...keys, ...raw]);
}

describe('PyTorch legacy stream', () => {
  it('reads the five pickles and skips the raw storage data', () => {
    const r = mustScan(legacyStream(BENIGN_PICKLE));
    expect(r.format).toBe('pytorch-legacy');
    expect(r.status).toBe('complete');
    expect(r.findings).toEqual([]);
  });

  it('finds payloads in the object pickle and in the storage keys pickle', () => {
    expect(ruleIds(mustScan(legacyStream(EVIL_PICKLE)))).toEqual(['pickle/dangerous-call']);
    expect(ruleIds(mustScan(legacyStream(BENIGN_PICKLE, { keys: EVIL_PICKLE })))).toEqual(['pickle/dangerous-call']);
  });

  it('reports a stream that ends before its pickles do', () => {
    const full = legacyStream(BENIGN_PICKLE);
    const r = mustScan(full.subarray(0, 20));
    expect(r.status).toBe('partial');
  });
});
