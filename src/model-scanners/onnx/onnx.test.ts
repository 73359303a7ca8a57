import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { BufferSource, FileSource } from '../../limits/index.js';
import { onnxModel } from '../../../test-fixtures/onnx-builder.js';
import { Pb } from '../../../test-fixtures/protobuf-builder.js';
import { ruleIds, scanHarness } from '../../../test-fixtures/safetensors-builder.js';
import { DEFAULT_LIMITS } from '../../limits/index.js';
import { isOnnx, parseOnnx, scanOnnx } from './index.js';

const REAL = new URL('../../../test-fixtures/real/', import.meta.url);
const tmp = mkdtempSync(join(tmpdir(), 'bulwark-onnx-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function scanBytes(bytes: Uint8Array, path = join(tmp, 'model.onnx')) {
  const h = scanHarness(path);
  const summary = scanOnnx(new BufferSource(bytes), h.ctx);
  return { ...h, summary, ids: ruleIds(h.findings) };
}

function scanFile(path: string) {
  const h = scanHarness(path);
  const src = new FileSource(path);
  try {
    const summary = scanOnnx(src, h.ctx);
    return { ...h, summary, ids: ruleIds(h.findings) };
  } finally {
    src.close();
  }
}

describe('ONNX sniffer', () => {
  it('recognises ModelProto by structure', () => {
    expect(isOnnx(new BufferSource(onnxModel()))).toBe(true);
    expect(isOnnx(new BufferSource(readFileSync(new URL('tiny.onnx', REAL))))).toBe(true);
    // A SavedModel (fields 1 and 2 only) is not ONNX.
    expect(isOnnx(new BufferSource(new Pb().varint(1, 1).message(2, (m) => m.message(1, (i) => i.string(1, 'x'))).finish()))).toBe(false);
    expect(isOnnx(new BufferSource(new TextEncoder().encode('not a model at all')))).toBe(false);
    expect(isOnnx(new BufferSource(readFileSync(new URL('tiny.safetensors', REAL))))).toBe(false);
  });
});

describe('ONNX sniffer cost', () => {
  it('reads a few hundred bytes, not the model', () => {
    const big = onnxModel({ graph: { nodes: Array.from({ length: 2000 }, () => ({ op: 'Relu' })), initializers: [{ name: 'w', raw: new Uint8Array(1_000_000) }] } });
    const src = new BufferSource(big);
    let read = 0;
    expect(isOnnx({ size: src.size, read: (o, n) => ((read += n), src.read(o, n)) })).toBe(true);
    expect(read).toBeLessThan(4096);
  });
});

describe('ONNX scanner', () => {
  it('passes the real models written by onnx 1.23 clean (embedded and external data)', () => {
    const r = scanFile(join(REAL.pathname, 'tiny.onnx'));
    expect(r.findings).toEqual([]);
    expect(r.summary?.nodes).toBe(5);
    expect([...(r.summary?.opsets.keys() ?? [])].sort()).toEqual(['', 'ai.onnx.ml']);
    const e = scanFile(join(REAL.pathname, 'tiny-external.onnx'));
    expect(e.findings).toEqual([]);
    expect(e.summary?.externalData.map((x) => x.location)).toEqual(['tiny-external.onnx.data', 'tiny-external.onnx.data', 'tiny-external.onnx.data']);
  });

  it('accepts standard and onnxruntime contrib domains and domains defined by local functions', () => {
    const r = scanBytes(
      onnxModel({
        opsets: [['', 17], ['com.microsoft', 1], ['my.fn', 1]],
        graph: { nodes: [{ op: 'Relu' }, { op: 'LinearClassifier', domain: 'ai.onnx.ml' }, { op: 'FusedMatMul', domain: 'com.microsoft' }, { op: 'MyGelu', domain: 'my.fn' }] },
        functions: [{ name: 'MyGelu', domain: 'my.fn', nodes: [{ op: 'Erf' }] }],
      }),
    );
    expect(r.findings).toEqual([]);
    expect(r.summary?.functions).toEqual(['my.fn::MyGelu']);
  });

  it('reports custom operator domains, also inside subgraphs and a repeated graph field', () => {
    const r = scanBytes(
      onnxModel({
        opsets: [['', 17], ['com.evil', 1]],
        graph: { nodes: [{ op: 'If', subgraph: { nodes: [{ op: 'Backdoor', domain: 'com.evil' }] } }] },
        secondGraph: { nodes: [{ op: 'Backdoor', domain: 'com.evil' }, { op: 'Other', domain: 'org.custom' }] },
      }),
    );
    expect(r.ids).toEqual(['onnx/custom-operator-domain']);
    expect(r.findings.map((f) => f.evidence).sort()).toEqual(['com.evil', 'org.custom']);
    expect(r.findings.find((f) => f.evidence === 'com.evil')?.message).toContain('Backdoor×2');
  });

  it('reports Python callback operators as critical', () => {
    const r = scanBytes(onnxModel({ graph: { nodes: [{ op: 'PyOp', domain: 'ai.onnx.contrib' }] } }));
    expect(r.findings.map((f) => f.severity)).toContain('critical');
  });

  it.each([
    ['/etc/passwd', 'absolute path'],
    ['../../secrets/key.bin', '".."'],
    ['weights/../../x', '".."'],
    ['C:\\Windows\\win.ini', 'absolute path'],
    ['https://example.invalid/w.bin', 'URL'],
    ['~/.ssh/id_rsa', 'home directory'],
  ])('reports the external data location %s', (loc, msg) => {
    const r = scanBytes(onnxModel({ graph: { nodes: [{ op: 'Relu' }], initializers: [{ name: 'w', external: { location: loc } }] } }));
    expect(r.ids).toEqual(['onnx/external-data-path']);
    expect(r.findings[0]?.message).toContain(msg);
    expect(r.findings[0]?.severity).toBe('critical');
  });

  it('checks external files on disk: missing, symlink out of the folder, special files, ranges', () => {
    const dir = join(tmp, 'm1');
    mkdirSync(dir);
    writeFileSync(join(dir, 'ok.bin'), new Uint8Array(16));
    symlinkSync('/etc/hostname', join(dir, 'link.bin'));
    mkdirSync(join(dir, 'adir'));
    writeFileSync(join(tmp, 'outside.bin'), new Uint8Array(4));
    symlinkSync('../outside.bin', join(dir, 'rel-link.bin'));
    const model = onnxModel({
      graph: {
        nodes: [{ op: 'Constant', tensor: { name: 'c', external: { location: 'ok.bin', offset: '12', length: '8' } } }],
        initializers: [
          { name: 'a', external: { location: 'ok.bin', offset: '0', length: '16' } },
          { name: 'b', external: { location: 'missing.bin' } },
          { name: 'c2', external: { location: 'link.bin' } },
          { name: 'd', external: { location: 'adir' } },
          { name: 'e', external: { location: 'rel-link.bin' } },
          { name: 'f', external: { location: 'ok.bin', offset: '-1' } },
        ],
      },
    });
    writeFileSync(join(dir, 'model.onnx'), model);
    const r = scanFile(join(dir, 'model.onnx'));
    const by = (id: string) => r.findings.filter((f) => f.ruleId === id).map((f) => f.evidence).sort();
    expect(by('onnx/external-data-missing')).toEqual(['missing.bin']);
    expect(by('onnx/external-data-path')).toEqual(['adir', 'link.bin', 'rel-link.bin']);
    expect(by('onnx/external-data-range')).toEqual(['ok.bin:offset', 'ok.bin@12+8']);
  });

  it('skips tensor payloads instead of reading them', () => {
    const big = new Uint8Array(5_000_000);
    const bytes = onnxModel({ graph: { nodes: [{ op: 'Relu' }], initializers: [{ name: 'w', raw: big }] } });
    let read = 0;
    const src = new BufferSource(bytes);
    const h = scanHarness(join(tmp, 'x.onnx'));
    scanOnnx({ size: src.size, read: (o, n) => ((read += Math.min(n, src.size - o)), src.read(o, n)) }, h.ctx);
    expect(h.findings).toEqual([]);
    expect(read).toBeLessThan(400_000);
  });

  it('reports malformed protobuf as partial', () => {
    const bytes = onnxModel().slice(0, -3);
    const r = scanBytes(bytes);
    expect(r.ids).toEqual(['scan/malformed-input']);
    expect(r.state.partial).toBe(true);
  });

  it('bounds nesting depth', () => {
    let g: { nodes: { op: string; subgraph?: unknown }[] } = { nodes: [{ op: 'Relu' }] };
    for (let i = 0; i < 60; i++) g = { nodes: [{ op: 'If', subgraph: g }] };
    const h = scanHarness(join(tmp, 'deep.onnx'), { maxStructureDepth: 64 });
    scanOnnx(new BufferSource(onnxModel({ graph: g as never })), h.ctx);
    expect(ruleIds(h.findings)).toEqual(['scan/limit-exceeded']);
  });

  it('never throws on arbitrary or mutated bytes (property)', () => {
    const base = onnxModel({ graph: { nodes: [{ op: 'If', subgraph: { nodes: [{ op: 'X', domain: 'd' }] } }], initializers: [{ name: 'w', external: { location: 'w.bin' } }] } });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 }), fc.boolean(), (junk, at, byte, mutate) => {
        let bytes = junk;
        if (mutate) {
          bytes = base.slice();
          bytes[at] = byte;
        }
        isOnnx(new BufferSource(bytes));
        scanBytes(bytes);
      }),
      { numRuns: 500 },
    );
  });

  it('names maxProtobufFields when the model has more fields than the limit', () => {
    const h = scanHarness(join(tmp, 'fields.onnx'), { maxProtobufFields: 10 });
    scanOnnx(new BufferSource(onnxModel({ graph: { nodes: Array.from({ length: 20 }, () => ({ op: 'Relu' })) } })), h.ctx);
    expect(ruleIds(h.findings)).toEqual(['scan/limit-exceeded']);
    expect(h.findings[0]?.evidence).toBe('maxProtobufFields');
    expect(h.state.partial).toBe(true);
  });

  it('reports every Python callback node: the first ones in detail, the rest counted by the Reporter', () => {
    const n = DEFAULT_LIMITS.maxFindingsPerRule + 5;
    const r = scanBytes(onnxModel({ graph: { nodes: Array.from({ length: n }, (_, i) => ({ op: 'PyOp', domain: 'ai.onnx.contrib', name: `py${i}` })) } }));
    const py = r.findings.filter((f) => f.ruleId === 'onnx/custom-operator-domain' && f.evidence === 'ai.onnx.contrib::PyOp');
    expect(py).toHaveLength(DEFAULT_LIMITS.maxFindingsPerRule - 1);
    const summary = r.findings.find((f) => f.message.includes('more findings of this rule'));
    // One domain finding plus n node findings: maxFindingsPerRule listed, the rest counted.
    expect(summary?.message).toMatch(new RegExp(`^${n + 1 - DEFAULT_LIMITS.maxFindingsPerRule} more findings of this rule`));
  });
});

describe('ONNX parser (structure, no judgement)', () => {
  it('returns ops by domain, functions and external references; the rules judge them', () => {
    const m = parseOnnx(
      new BufferSource(
        onnxModel({
          opsets: [['', 17], ['com.evil', 1]],
          graph: { nodes: [{ op: 'If', subgraph: { nodes: [{ op: 'Backdoor', domain: 'com.evil' }] } }], initializers: [{ name: 'w', external: { location: '/etc/passwd' } }] },
        }),
      ),
      DEFAULT_LIMITS,
    );
    expect(m.error).toBeUndefined();
    expect(m.nodes).toBe(2);
    expect(m.ops.get('com.evil')?.get('Backdoor')?.count).toBe(1);
    expect(m.externalData.map((x) => x.location)).toEqual(['/etc/passwd']);
  });
});
