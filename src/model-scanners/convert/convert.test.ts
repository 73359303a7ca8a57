import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildNpy } from '../../../test-fixtures/npy-builder.js';
import { pickle } from '../../../test-fixtures/pickle-builder.js';
import type { PickleBuilder } from '../../../test-fixtures/pickle-builder.js';
import { buildTorchZip, buildZip, torchZipEntries } from '../../../test-fixtures/zip-builder.js';
import { BufferSource, DEFAULT_LIMITS } from '../../limits/index.js';
import { scanInput } from './plan.js';
import type { ConversionPlan, Refusal } from './index.js';
import { planCheckpoint, planSharded, verifyConversion, writeConversion } from './index.js';

const FIX = join(import.meta.dirname, '../../../test-fixtures/real/convert');
const EXPECTED = JSON.parse(readFileSync(join(FIX, 'expected.json'), 'utf8')) as {
  files: Record<string, Record<string, { dtype: string; shape: number[]; sha256: string }>>;
};
const dir = mkdtempSync(join(tmpdir(), 'bulwark-convert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const OPTS = { version: '0.0.0-test' };

/** Write a plan to `out` with positional writes (the CLI uses the atomic writer). */
async function writeTo(plan: ConversionPlan, out: string): Promise<string> {
  const fd = openSync(out, 'w');
  let pos = 0;
  try {
    const r = await writeConversion(plan, {
      write(data) {
        writeSync(fd, data, 0, data.length, pos);
        pos += data.length;
      },
      writeAt(p, data) {
        writeSync(fd, data, 0, data.length, p);
      },
    });
    return r.sha256;
  } finally {
    closeSync(fd);
  }
}

function mustPlan(p: ConversionPlan | Refusal): ConversionPlan {
  if (p.refused) throw new Error(`refused: ${p.problems.join('; ')} ${p.findings.map((f) => `${f.ruleId}(${f.severity}): ${f.message}`).join('; ')}`);
  return p;
}

/** A strict independent reader: header, metadata, every tensor's bytes. */
function readSt(path: string): { meta: Record<string, string>; tensors: Map<string, { dtype: string; shape: number[]; bytes: Buffer }>; headerLen: number } {
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  expect(n % 8).toBe(0);
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, unknown>;
  const data = buf.subarray(8 + n);
  const tensors = new Map<string, { dtype: string; shape: number[]; bytes: Buffer }>();
  const ranges: [number, number][] = [];
  for (const [k, v] of Object.entries(header)) {
    if (k === '__metadata__') continue;
    const e = v as { dtype: string; shape: number[]; data_offsets: [number, number] };
    tensors.set(k, { dtype: e.dtype, shape: e.shape, bytes: data.subarray(e.data_offsets[0], e.data_offsets[1]) });
    ranges.push(e.data_offsets);
  }
  // The safetensors crate's validation: ranges sorted by offset are contiguous and cover the data.
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let end = 0;
  for (const [a, b] of ranges) {
    expect(a).toBe(end);
    end = b;
  }
  expect(end).toBe(data.length);
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  expect(names).toEqual([...names].sort());
  return { meta: (header.__metadata__ ?? {}) as Record<string, string>, tensors, headerLen: n };
}

function sha(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Check every expected tensor of a fixture in a converted file (aliases resolved through the metadata). */
function checkAgainstExpected(out: string, fixture: string, source: string): void {
  const st = readSt(out);
  const want = EXPECTED.files[fixture];
  expect(want).toBeDefined();
  for (const [name, w] of Object.entries(want ?? {})) {
    const kept = st.tensors.has(name) ? name : st.meta[name];
    const t = kept === undefined ? undefined : st.tensors.get(kept);
    expect(t, `${fixture}: ${name}`).toBeDefined();
    expect(t?.dtype, name).toBe(w.dtype);
    expect(t?.shape, name).toEqual(w.shape);
    expect(sha(t?.bytes ?? new Uint8Array()), name).toBe(w.sha256);
  }
  expect(st.tensors.size + Object.keys(st.meta).filter((k) => st.tensors.has(st.meta[k] ?? '')).length).toBe(Object.keys(want ?? {}).length);
  expect(st.meta.format).toBe('pt');
  expect(st.meta['bulwark.version']).toBe('0.0.0-test');
  expect(st.meta['bulwark.source_sha256']).toBe(sha(readFileSync(source)));
  // Bulwark's own safetensors scanner (a second, strict reader) finds nothing above info.
  const scan = scanInput(new BufferSource(readFileSync(out)), out, DEFAULT_LIMITS);
  expect(scan.format).toBe('safetensors');
  expect(scan.findings.filter((f) => f.severity !== 'info')).toEqual([]);
}

describe('bulwark convert on real torch.save checkpoints (Debian python3-torch)', () => {
  for (const fixture of ['state-dict-fp32.pt', 'dtypes-mix.pt', 'tied-state-dict.pt', 'views.pt', 'nested.pt', 'legacy.pt', 'array.npy', 'arrays.npz']) {
    it(`converts ${fixture} exactly and verifies it`, async () => {
      const src = join(FIX, fixture);
      const plan = mustPlan(planCheckpoint(src, OPTS));
      const out = join(dir, `${fixture}.safetensors`);
      await writeTo(plan, out);
      checkAgainstExpected(out, fixture, src);
      const v = verifyConversion(src, out, OPTS);
      expect(v.refused).toBe(false);
      expect(v.refused === false && v.mismatches).toEqual([]);
    });
  }

  it('stores tied weights once and records the alias as safetensors.torch.save_model does', async () => {
    const plan = mustPlan(planCheckpoint(join(FIX, 'tied-state-dict.pt'), OPTS));
    expect(plan.tensors.map((t) => t.name)).toEqual(['embed.weight']);
    expect([...plan.aliases]).toEqual([['head.weight', 'embed.weight']]);
  });

  it('copies non-contiguous and offset views into contiguous tensors', async () => {
    const plan = mustPlan(planCheckpoint(join(FIX, 'views.pt'), OPTS));
    const byName = new Map(plan.tensors.map((t) => [t.name, t]));
    expect(byName.get('transposed')?.direct).toBe(false);
    expect(byName.get('column')?.direct).toBe(false);
    expect(byName.get('rows')?.direct).toBe(true);
    expect(byName.get('rows')?.offset).toBe(5);
  });

  it('unwraps a training checkpoint ({epoch, model}) and strips DataParallel prefixes; lists what it left out', async () => {
    const plan = mustPlan(planCheckpoint(join(FIX, 'nested.pt'), OPTS));
    expect(plan.tensors.map((t) => t.name).sort()).toEqual(['bias', 'weight']);
    const keyed = mustPlan(planCheckpoint(join(FIX, 'nested.pt'), { ...OPTS, key: 'model' }));
    expect(keyed.tensors.map((t) => t.name).sort()).toEqual(['bias', 'weight']);
    const missing = planCheckpoint(join(FIX, 'nested.pt'), { ...OPTS, key: 'optimizer' });
    expect(missing.refused && missing.problems.join()).toMatch(/no key "optimizer"/);
  });

  it('refuses a full-model save (a custom class) with its findings, and takes its tensors with --tensors-only', async () => {
    const src = join(FIX, 'tied-full-model.pt');
    const r = planCheckpoint(src, OPTS);
    expect(r.refused).toBe(true);
    if (!r.refused) return;
    expect(r.findings.map((f) => f.ruleId)).toContain('pickle/unknown-global');
    expect(r.findings.some((f) => f.message.includes('tinylm.TiedLM'))).toBe(true);
    const t = mustPlan(planCheckpoint(src, { ...OPTS, tensorsOnly: true }));
    expect(t.leftOut.join('\n')).toMatch(/tinylm\.TiedLM/);
    const out = join(dir, 'tied-full.safetensors');
    await writeTo(t, out);
    checkAgainstExpected(out, 'tied-full-model.pt', src);
  });

  it('converts a Hugging Face sharded checkpoint into the layout transformers loads', async () => {
    const sp = planSharded(join(FIX, 'sharded', 'pytorch_model.bin.index.json'), OPTS);
    expect(sp.refused).toBe(false);
    if (sp.refused) return;
    expect(sp.shards.map((s) => s.output)).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    const index = JSON.parse(sp.indexJson) as { metadata: { total_size: number }; weight_map: Record<string, string> };
    expect(index.weight_map).toEqual({
      'lm_head.bias': 'model-00002-of-00002.safetensors',
      'model.embed.weight': 'model-00001-of-00002.safetensors',
      'model.layer.0.weight': 'model-00001-of-00002.safetensors',
      'model.layer.1.weight': 'model-00002-of-00002.safetensors',
    });
    const inIndex = JSON.parse(readFileSync(join(FIX, 'sharded', 'pytorch_model.bin.index.json'), 'utf8')) as { metadata: { total_size: number } };
    expect(index.metadata.total_size).toBe(inIndex.metadata.total_size);
    for (const [i, s] of sp.shards.entries()) {
      const out = join(dir, s.output);
      await writeTo(s.plan, out);
      const name = `sharded/pytorch_model-0000${i + 1}-of-00002.bin`;
      checkAgainstExpected(out, name, join(FIX, name));
    }
  });

  it('refuses files that are not checkpoints with a clear reason', () => {
    const r = planCheckpoint(join(FIX, 'expected.json'), OPTS);
    expect(r.refused && r.problems.join()).toMatch(/bulwark convert reads PyTorch checkpoints/);
  });

  it('byte-swaps a big-endian .npz array, reads Fortran order, refuses object arrays and forged shapes', async () => {
    const plan = mustPlan(planCheckpoint(join(FIX, 'arrays.npz'), OPTS));
    expect(plan.tensors.find((t) => t.name === 'b')?.swap).toBe(true);
    expect(plan.tensors.find((t) => t.name === 'a')?.swap).toBe(false);
    const obj = planCheckpoint(write('object.npy', buildNpy({ descr: "'|O'", shape: '(1,)', data: pickle((b) => b.proto(2).emptyList().stop()) })), OPTS);
    expect(obj.refused).toBe(true);
    const forged = planCheckpoint(write('forged.npy', buildNpy({ descr: "'<f4'", shape: '(1000000,)', data: f32(1, 2) })), OPTS);
    expect(forged.refused).toBe(true);
    const fortran = write('fortran.npy', buildNpy({ descr: "'<i4'", shape: '(2, 3)', fortranOrder: true, data: new Uint8Array(new Int32Array([0, 3, 1, 4, 2, 5]).buffer) }));
    const fp = mustPlan(planCheckpoint(fortran, OPTS));
    const out = join(dir, 'fortran.safetensors');
    await writeTo(fp, out);
    expect([...new Int32Array(new Uint8Array(readSt(out).tensors.get('array')?.bytes ?? []).buffer)]).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

// --- hostile and synthetic checkpoints, built in code -------------------------------------------

interface T {
  readonly name: string;
  readonly key: string;
  readonly cls?: string;
  readonly numel?: number;
  readonly offset?: number;
  readonly shape: readonly number[];
  readonly stride?: readonly number[];
}

function rowMajor(shape: readonly number[]): number[] {
  const s: number[] = [];
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i] as number;
  }
  return s;
}

function intTuple(b: PickleBuilder, xs: readonly number[]): void {
  b.mark();
  for (const x of xs) b.binInt(x);
  b.tuple();
}

/** data.pkl as torch.save writes a state dict: an OrderedDict of _rebuild_tensor_v2 calls. */
function stateDict(tensors: readonly T[], extra?: (b: PickleBuilder) => void): Uint8Array {
  return pickle((b) => {
    b.proto(2).global('collections', 'OrderedDict').emptyTuple().reduce().mark();
    for (const t of tensors) {
      b.str(t.name).global('torch._utils', '_rebuild_tensor_v2').mark();
      b.mark().str('storage').global('torch', t.cls ?? 'FloatStorage').str(t.key).str('cpu').binInt(t.numel ?? 4).tuple().binPersId();
      b.binInt(t.offset ?? 0);
      intTuple(b, t.shape);
      intTuple(b, t.stride ?? rowMajor(t.shape));
      b.newFalse().global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce();
    }
    extra?.(b);
    b.setItems().stop();
  });
}

function write(name: string, data: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

const f32 = (...xs: number[]): Uint8Array => new Uint8Array(new Float32Array(xs).buffer);

describe('bulwark convert on hostile checkpoints', () => {
  it('refuses a payload (os.system) with the scanner’s critical finding', async () => {
    const pkl = pickle((b) => b.proto(2).global('os', 'system').str('id').tuple1().reduce().stop());
    const p = write('payload.pt', buildTorchZip({ dataPkl: pkl }));
    const r = planCheckpoint(p, OPTS);
    expect(r.refused).toBe(true);
    expect(r.refused && r.findings.some((f) => f.ruleId === 'pickle/dangerous-call' && f.severity === 'critical')).toBe(true);
    const t = planCheckpoint(p, { ...OPTS, tensorsOnly: true });
    expect(t.refused).toBe(true);
  });

  it('refuses a payload hidden next to real tensors, even with --tensors-only', async () => {
    const pkl = stateDict([{ name: 'w', key: '0', shape: [2] }], (b) => {
      b.str('evil').global('builtins', 'exec').str('import os').tuple1().reduce();
    });
    const p = write('mixed-payload.pt', buildTorchZip({ dataPkl: pkl, storages: { '0': f32(1, 2) } }));
    expect(planCheckpoint(p, { ...OPTS, tensorsOnly: true }).refused).toBe(true);
  });

  it('refuses a storage offset or size forged past the storage record', async () => {
    const past = write('forged-offset.pt', buildTorchZip({ dataPkl: stateDict([{ name: 'w', key: '0', offset: 3, shape: [2] }]), storages: { '0': f32(1, 2, 3, 4) } }));
    const r = planCheckpoint(past, OPTS);
    expect(r.refused).toBe(true);
    const f = r.refused ? r.findings.find((x) => x.ruleId === 'scan/malformed-input') : undefined;
    expect(f?.message).toMatch(/tensor w: .*reads up to byte 20 of archive\/data\/0, which holds 16 bytes/);
    expect(f?.location).toMatchObject({ kind: 'archive-member', member: 'archive/data/0' });
    const big = write('forged-size.pt', buildTorchZip({ dataPkl: stateDict([{ name: 'w', key: '0', shape: [1000, 1000] }]), storages: { '0': f32(1, 2) } }));
    expect(planCheckpoint(big, OPTS).refused).toBe(true);
    const stride = write('forged-stride.pt', buildTorchZip({ dataPkl: stateDict([{ name: 'w', key: '0', shape: [2, 2], stride: [1, 1_000_000] }]), storages: { '0': f32(1, 2, 3, 4) } }));
    expect(planCheckpoint(stride, OPTS).refused).toBe(true);
  });

  it('refuses a storage record whose zip sizes point past the end of the file', async () => {
    const entries = torchZipEntries({ dataPkl: stateDict([{ name: 'w', key: '0', shape: [2] }]), storages: { '0': f32(1, 2) } }).map((e) =>
      e.name === 'archive/data/0' ? { ...e, uncompressedSize: 1 << 30, compressedSize: 1 << 30, localUncompressedSize: 1 << 30, localCompressedSize: 1 << 30 } : e,
    );
    const r = planCheckpoint(write('forged-member.pt', buildZip({ entries })), OPTS);
    expect(r.refused).toBe(true);
  });

  it('refuses a missing storage, an unknown storage class and a duplicate name', async () => {
    expect(planCheckpoint(write('missing.pt', buildTorchZip({ dataPkl: stateDict([{ name: 'w', key: '9', shape: [2] }]), storages: { '0': f32(1, 2) } })), OPTS).refused).toBe(true);
    const q = planCheckpoint(write('qint.pt', buildTorchZip({ dataPkl: stateDict([{ name: 'w', key: '0', cls: 'QInt8Storage', shape: [2] }]), storages: { '0': new Uint8Array(2) } })), OPTS);
    expect(q.refused).toBe(true);
  });

  it('byte-swaps big-endian storages', async () => {
    const be = new Uint8Array(8);
    new DataView(be.buffer).setFloat32(0, 1.5, false);
    new DataView(be.buffer).setFloat32(4, -2, false);
    const entries = torchZipEntries({ dataPkl: stateDict([{ name: 'w', key: '0', shape: [2] }]), storages: { '0': be } }).map((e) => (e.name === 'archive/byteorder' ? { ...e, data: 'big' } : e));
    const src = write('big.pt', buildZip({ entries }));
    const plan = mustPlan(planCheckpoint(src, OPTS));
    const out = join(dir, 'big.safetensors');
    await writeTo(plan, out);
    const t = readSt(out).tensors.get('w');
    expect(Buffer.from(t?.bytes ?? []).equals(Buffer.from(f32(1.5, -2)))).toBe(true);
    expect(verifyConversion(src, out, OPTS)).toMatchObject({ ok: true });
  });

  it('copies overlapping views of one storage separately (no alias unless the view is identical)', async () => {
    const pkl = stateDict([
      { name: 'a', key: '0', shape: [4] },
      { name: 'b', key: '0', offset: 1, shape: [2] },
      { name: 'c', key: '0', shape: [4] },
    ]);
    const src = write('overlap.pt', buildTorchZip({ dataPkl: pkl, storages: { '0': f32(1, 2, 3, 4) } }));
    const plan = mustPlan(planCheckpoint(src, OPTS));
    expect([...plan.aliases]).toEqual([['c', 'a']]);
    const out = join(dir, 'overlap.safetensors');
    await writeTo(plan, out);
    const st = readSt(out);
    expect(Buffer.from(st.tensors.get('b')?.bytes ?? []).equals(Buffer.from(f32(2, 3)))).toBe(true);
    expect(Buffer.from(st.tensors.get('a')?.bytes ?? []).equals(Buffer.from(f32(1, 2, 3, 4)))).toBe(true);
    expect(st.meta.c).toBe('a');
  });

  it('verify detects a flipped bit and a wrong source hash', async () => {
    const src = join(FIX, 'state-dict-fp32.pt');
    const plan = mustPlan(planCheckpoint(src, OPTS));
    const out = join(dir, 'flip.safetensors');
    await writeTo(plan, out);
    const bytes = readFileSync(out);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
    writeFileSync(out, bytes);
    const v = verifyConversion(src, out, OPTS);
    expect(v).toMatchObject({ ok: false });
    expect(v.refused === false && v.mismatches.join()).toMatch(/bytes differ/);
    const other = verifyConversion(join(FIX, 'views.pt'), join(dir, 'state-dict-fp32.pt.safetensors'), OPTS);
    expect(other).toMatchObject({ ok: false });
  });

  it('handles state dicts with more entries than the scanner keeps per container', async () => {
    const tensors = Array.from({ length: 600 }, (_, i) => ({ name: `layer.${i}`, key: String(i), numel: 1, shape: [1] }));
    const storages = Object.fromEntries(tensors.map((t, i) => [t.key, f32(i)]));
    const src = write('many.pt', buildTorchZip({ dataPkl: stateDict(tensors), storages }));
    const plan = mustPlan(planCheckpoint(src, OPTS));
    expect(plan.tensors).toHaveLength(600);
    const out = join(dir, 'many.safetensors');
    await writeTo(plan, out);
    expect(readSt(out).tensors.get('layer.599')?.bytes.readFloatLE(0)).toBe(599);
  });

  /** A legacy torch.save stream: magic, protocol, sys_info, the object, the keys, then count + elements per key. */
  function legacy(elements: number[], declared: number, littleEndian = true): Uint8Array {
    const magic = pickle((b) => b.proto(2).long1(0x1950a86a20f9469cfc6cn).stop());
    const proto = pickle((b) => b.proto(2).binInt2(1001).stop());
    const sys = pickle((b) => {
      b.proto(2).emptyDict().str('little_endian');
      if (littleEndian) b.newTrue();
      else b.newFalse();
      b.setItem().stop();
    });
    const obj = pickle((b) => {
      b.proto(2).emptyDict().str('w').global('torch._utils', '_rebuild_tensor_v2').mark();
      b.mark().str('storage').global('torch', 'IntStorage').str('k1').str('cpu').binInt(elements.length).none().tuple().binPersId();
      b.binInt(0).mark().binInt(elements.length).tuple().mark().binInt(1).tuple().newFalse().global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce();
      b.setItem().stop();
    });
    const keys = pickle((b) => b.proto(2).emptyList().str('k1').append().stop());
    const raw = Buffer.alloc(8 + 4 * elements.length);
    if (littleEndian) raw.writeBigUInt64LE(BigInt(declared), 0);
    else raw.writeBigUInt64BE(BigInt(declared), 0);
    elements.forEach((e, i) => (littleEndian ? raw.writeInt32LE(e, 8 + 4 * i) : raw.writeInt32BE(e, 8 + 4 * i)));
    return Buffer.concat([magic, proto, sys, obj, keys, raw]);
  }

  it('converts a legacy stream (little- and big-endian) and refuses a forged storage size', async () => {
    for (const le of [true, false]) {
      const src = write(`legacy-${le}.pt`, legacy([1, -2, 300], 3, le));
      const plan = mustPlan(planCheckpoint(src, OPTS));
      const out = join(dir, `legacy-${le}.safetensors`);
      await writeTo(plan, out);
      const t = readSt(out).tensors.get('w');
      expect(t?.dtype).toBe('I32');
      expect([0, 1, 2].map((i) => t?.bytes.readInt32LE(4 * i))).toEqual([1, -2, 300]);
      expect(verifyConversion(src, out, OPTS)).toMatchObject({ ok: true });
    }
    const forged = planCheckpoint(write('legacy-forged.pt', legacy([1, 2, 3], 1_000_000)), OPTS);
    expect(forged.refused && forged.findings.map((x) => `${x.ruleId} ${x.message}`).join()).toMatch(/scan\/malformed-input .*claims 1000000 elements, past the end of the file/);
  });

  it('shared-storage tricks: one storage read as two dtypes is copied per view; storage keys are never paths', async () => {
    const pkl = stateDict([
      { name: 'as_f32', key: '0', shape: [2] },
      { name: 'as_i64', key: '0', cls: 'LongStorage', shape: [1] },
    ]);
    const src = write('two-dtypes.pt', buildTorchZip({ dataPkl: pkl, storages: { '0': f32(1, 2) } }));
    const plan = mustPlan(planCheckpoint(src, OPTS));
    expect(plan.aliases.size).toBe(0);
    const out = join(dir, 'two-dtypes.safetensors');
    await writeTo(plan, out);
    const st = readSt(out);
    expect(st.tensors.get('as_i64')?.dtype).toBe('I64');
    expect(Buffer.from(st.tensors.get('as_i64')?.bytes ?? []).equals(Buffer.from(f32(1, 2)))).toBe(true);
    // A storage key that looks like a path names a zip record, never a file.
    const trav = planCheckpoint(write('traversal.pt', buildTorchZip({ dataPkl: stateDict([{ name: 'w', key: '../../../../etc/passwd', shape: [1] }]), storages: { '0': f32(1) } })), OPTS);
    expect(trav.refused && trav.findings.map((f) => `${f.ruleId} ${f.message}`).join()).toMatch(/pytorch\/missing-storage .*archive\/data\/\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd/);
  });

  it('maps the storage classes torch 1.13 cannot write (float8, unsigned) and refuses complex128', async () => {
    const cases: [string, string, number][] = [
      ['Float8_e4m3fnStorage', 'F8_E4M3', 1],
      ['Float8_e5m2Storage', 'F8_E5M2', 1],
      ['UInt16Storage', 'U16', 2],
      ['UInt32Storage', 'U32', 4],
      ['UInt64Storage', 'U64', 8],
    ];
    const tensors = cases.map(([cls], i) => ({ name: `t${i}`, key: String(i), cls, numel: 3, shape: [3] }));
    const storages = Object.fromEntries(cases.map(([, , size], i) => [String(i), Uint8Array.from({ length: 3 * size }, (_, j) => j + 1)]));
    const src = write('dtypes-new.pt', buildTorchZip({ dataPkl: stateDict(tensors), storages }));
    const plan = mustPlan(planCheckpoint(src, OPTS));
    const out = join(dir, 'dtypes-new.safetensors');
    await writeTo(plan, out);
    const st = readSt(out);
    cases.forEach(([, dtype, size], i) => {
      expect(st.tensors.get(`t${i}`)?.dtype).toBe(dtype);
      expect([...(st.tensors.get(`t${i}`)?.bytes ?? [])]).toEqual(Array.from({ length: 3 * size }, (_, j) => j + 1));
    });
    const c128 = planCheckpoint(write('c128.pt', buildTorchZip({ dataPkl: stateDict([{ name: 'z', key: '0', cls: 'ComplexDoubleStorage', shape: [1] }]), storages: { '0': new Uint8Array(16) } })), OPTS);
    expect(c128.refused && c128.problems.join()).toMatch(/torch\.ComplexDoubleStorage, which safetensors cannot hold/);
  });

  it('a failing sink rejects the conversion (no crash, no unhandled rejection)', async () => {
    const plan = mustPlan(planCheckpoint(join(FIX, 'state-dict-fp32.pt'), OPTS));
    let n = 0;
    const failing = {
      write: (): Promise<void> => (++n > 2 ? Promise.reject(new Error('ENOSPC: no space left')) : Promise.resolve()),
      writeAt: (): void => undefined,
    };
    await expect(writeConversion(plan, failing)).rejects.toThrow(/ENOSPC/);
  });

  it('never leaves a file behind when refused (the plan is made before anything is written)', async () => {
    expect(existsSync(join(dir, 'payload.safetensors'))).toBe(false);
  });
});
