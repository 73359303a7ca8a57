import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BulwarkError } from '../../findings/index.js';
import { BufferSource } from '../../limits/index.js';
import { pickle } from '../../../test-fixtures/pickle-builder.js';
import { buildTar } from '../../../test-fixtures/tar-builder.js';
import { buildZip } from '../../../test-fixtures/zip-builder.js';
import { BENIGN_PICKLE, EVIL_PICKLE, findingsOf, memberOf, mustScan, ruleIds } from '../../../test-fixtures/model-scan-helpers.js';
import { parseTar } from './parse-tar.js';

const parse = (b: Uint8Array, maxEntries = 100) => parseTar(new BufferSource(b), { maxEntries, maxStringBytes: 1 << 20 });

describe('tar reader', () => {
  it('reads ustar, v7, GNU long names, pax paths and base-256 sizes', () => {
    const long = `${'d/'.repeat(80)}model.pkl`;
    const a = parse(
      buildTar({
        members: [
          { name: 'a.txt', data: 'hello' },
          { name: 'v7.txt', data: 'old', v7: true },
          { name: long, data: 'x', gnuLongName: true },
          { name: 'short', data: 'y', pax: { path: 'pax/renamed.bin' } },
          { name: 'big', data: 'z', base256Size: true },
          { name: 'dir/', type: '5' },
        ],
      }),
    );
    expect(a.issues).toEqual([]);
    expect(a.entries.map((e) => [e.name, e.size, e.type])).toEqual([
      ['a.txt', 5, '0'],
      ['v7.txt', 3, '0'],
      [long, 1, '0'],
      ['pax/renamed.bin', 1, '0'],
      ['big', 1, '0'],
      ['dir/', 0, '5'],
    ]);
  });

  it('reports traversal, links, duplicates and data after the end', () => {
    const a = parse(
      buildTar({
        members: [
          { name: '../../etc/cron.d/x', data: 'x' },
          { name: 'storages', type: '2', linkName: '/etc/passwd' },
          { name: 'dup', data: 'a' },
          { name: 'dup', data: 'b' },
        ],
        trailing: new Uint8Array([1, 2, 3]),
      }),
    );
    expect(a.issues.map((i) => i.kind)).toEqual(['path-traversal', 'link-member', 'duplicate-member', 'trailing-data']);
    expect(a.issues[1]?.message).toMatch(/absolute path/);
  });

  it('stops where Python stops: at an invalid header after the first member', () => {
    const a = parse(buildTar({ members: [{ name: 'a', data: 'x' }, { name: 'b', data: 'hidden', badChecksum: true }] }));
    expect(a.entries.map((e) => e.name)).toEqual(['a']);
    expect(a.issues.map((i) => i.kind)).toEqual(['trailing-data']);
    expect(a.trailing?.start).toBe(1024);
  });

  it('reads the next header right after a link header, whatever its size field says (as tarfile)', () => {
    const a = parse(buildTar({ members: [{ name: 'l', type: '2', linkName: 't', sizeField: 512 }, { name: 'after', data: 'x' }] }));
    expect(a.entries.map((e) => e.name)).toEqual(['l', 'after']);
  });

  it('rejects a bad first header and bounds entries', () => {
    expect(() => parse(buildTar({ members: [{ name: 'a', data: 'x', badChecksum: true }] }))).toThrow(BulwarkError);
    const many = parse(buildTar({ members: Array.from({ length: 10 }, (_, i) => ({ name: `f${i}`, data: 'x' })) }), 3);
    expect(many.entries).toHaveLength(3);
    expect(many.error?.code).toBe('LIMIT_EXCEEDED');
  });

  it('never throws anything but typed errors', () => {
    const base = buildTar({ members: [{ name: 'a', data: 'hello' }, { name: 'b', data: 'x', pax: { path: 'p', size: '1' } }, { name: 'c'.repeat(120), data: 'y', gnuLongName: true }] });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), (edits) => {
        const b = new Uint8Array(base);
        for (const [at, v] of edits) b[at % b.length] = v;
        try {
          const a = parse(b, 20);
          expect(a.entries.length).toBeLessThanOrEqual(20);
        } catch (e) {
          expect(e).toBeInstanceOf(BulwarkError);
        }
      }),
      { numRuns: 800 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 512, maxLength: 2048 }), (b) => {
        try {
          parse(b);
        } catch (e) {
          expect(e).toBeInstanceOf(BulwarkError);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('tar scanning', () => {
  it('scans every member by content and the data after the archive', () => {
    const r = mustScan(buildTar({ members: [{ name: 'model/weights.bin', data: EVIL_PICKLE }, { name: 'README', data: 'hi' }], trailing: EVIL_PICKLE }));
    expect(r.format).toBe('tar');
    expect(findingsOf(r, 'pickle/dangerous-call').map(memberOf).sort()).toEqual(['<data after the tar archive>', 'model/weights.bin']);
    expect(ruleIds(r)).toContain('archive/trailing-data');
  });

  it('scans a zip stored as the last member without calling the tar a polyglot', () => {
    const zip = buildZip({ entries: [{ name: 'p.pkl', data: EVIL_PICKLE }] });
    const r = mustScan(buildTar({ members: [{ name: 'README', data: 'x' }, { name: 'model.zip', data: zip }] }));
    expect(r.format).toBe('tar');
    expect(ruleIds(r)).toEqual(['pickle/dangerous-call']);
    expect(findingsOf(r, 'pickle/dangerous-call').map(memberOf)).toEqual(['model.zip!/p.pkl']);
  });

  it('scans both copies of a duplicated member', () => {
    const r = mustScan(buildTar({ members: [{ name: 'm.pkl', data: BENIGN_PICKLE }, { name: 'm.pkl', data: EVIL_PICKLE }] }));
    expect(ruleIds(r)).toEqual(['archive/duplicate-member', 'pickle/dangerous-call']);
  });
});

/** Members of a PyTorch < 0.4 tar checkpoint with one float storage of 4 elements and one tensor. */
function legacyTar(o: { storagesArgs?: Uint8Array; tensorArgs?: Uint8Array; pickle?: Uint8Array } = {}): Uint8Array {
  const count = pickle((b) => b.proto(2).binInt1(1).stop());
  const args = o.storagesArgs ?? pickle((b) => b.proto(2).str('0').str('cpu').global('torch', 'FloatStorage').tuple3().stop());
  const raw = new Uint8Array(8 + 16);
  raw[0] = 4; // numel (int64 LE), then 4 float32
  const views = pickle((b) => b.proto(2).emptyList().stop());
  const storages = new Uint8Array([...count, ...args, ...raw, ...views]);
  const targs = o.tensorArgs ?? pickle((b) => b.proto(2).str('1').str('0').global('torch', 'FloatTensor').tuple3().stop());
  const dims = new Uint8Array(8 + 8 + 8 + 8);
  dims[0] = 1; // ndim = 1 (int32), 4 bytes padding, size 4, stride 1, offset 0
  dims[8] = 4;
  dims[16] = 1;
  const tensors = new Uint8Array([...count, ...targs, ...dims]);
  return buildTar({
    members: [
      { name: 'sys_info', data: pickle((b) => b.proto(2).emptyDict().stop()) },
      { name: 'pickle', data: o.pickle ?? BENIGN_PICKLE },
      { name: 'tensors', data: tensors },
      { name: 'storages', data: storages },
    ],
  });
}

describe('PyTorch legacy tar', () => {
  it('walks storages, tensors and pickle, and says the format needs the full unpickler', () => {
    const r = mustScan(legacyTar());
    expect(r.format).toBe('pytorch-tar');
    expect(r.status).toBe('complete');
    expect(ruleIds(r)).toEqual(['pytorch/legacy-tar-format']);
  });

  it('finds payloads in each member', () => {
    for (const [key, member] of [
      ['storagesArgs', 'storages'],
      ['tensorArgs', 'tensors'],
      ['pickle', 'pickle'],
    ] as const) {
      const r = mustScan(legacyTar({ [key]: EVIL_PICKLE }));
      expect(findingsOf(r, 'pickle/dangerous-call').map(memberOf), key).toEqual([member]);
    }
  });
});
