/**
 * Rule cases (RuleCases from src/rules/rule-tester.ts) for every rule of the non-pickle format
 * scanners: per rule at least one file tree on which it must fire and one on which it must not.
 * Test-time only (imports the test-fixture builders and reads test-fixtures/real); not part of the
 * runtime surface. The engine's rule-case test scans each tree end to end with `bulwark scan`;
 * `format-rule-cases.test.ts` checks them against these scanners directly until then.
 */
import { readFileSync } from 'node:fs';
import type { RuleCase, RuleCases } from '../../rules/index.js';
import { ruleCases } from '../../rules/index.js';
import { benignGguf, ggufFile } from '../../../test-fixtures/gguf-builder.js';
import { benignHfFolder, hostileHfFolder, tinyPickle, tinySafetensors } from '../../../test-fixtures/hf-builder.js';
import { BENIGN_LAYERS, functionalConfig, hdf5File, kerasLayer, kerasZip, lambdaLayer } from '../../../test-fixtures/keras-builder.js';
import { onnxModel } from '../../../test-fixtures/onnx-builder.js';
import { savedModelPb } from '../../../test-fixtures/protobuf-builder.js';
import { rawSafetensors, safetensorsFile, tinyZip } from '../../../test-fixtures/safetensors-builder.js';

const REAL = new URL('../../../test-fixtures/real/', import.meta.url);
const real = (name: string) => (): Uint8Array => readFileSync(new URL(name, REAL));

const T = [
  { name: 'w', dtype: 'F32', shape: [2, 2] },
  { name: 'b', dtype: 'F16', shape: [2] },
];

// Valid trees shared by many rules: real files written by the reference tools.
const REAL_SAFETENSORS: RuleCase = { name: 'real safetensors file (safetensors 0.8)', files: { 'model.safetensors': real('tiny.safetensors') } };
const REAL_ONNX: RuleCase = { name: 'real ONNX model with external data (onnx 1.23)', files: { 'model.onnx': real('tiny-external.onnx'), 'tiny-external.onnx.data': real('tiny-external.onnx.data') } };
const REAL_GGUF: RuleCase = { name: 'real GGUF with a Llama 3 chat template (gguf-py)', files: { 'model.gguf': real('tiny-chat.gguf') } };
const REAL_KERAS: RuleCase = { name: 'real .keras without Lambda layers (Keras 3.15)', files: { 'model.keras': real('tiny.keras'), 'legacy.h5': real('tiny.h5') } };
const REAL_SAVEDMODEL: RuleCase = { name: 'real SavedModel (TensorFlow 2.21)', files: { 'saved_model/saved_model.pb': real('saved_model.pb') } };
const HF_BENIGN: RuleCase = { name: 'ordinary Hugging Face folder', files: benignHfFolder() };

const lambdaKeras = (): Uint8Array => kerasZip(functionalConfig([...BENIGN_LAYERS, lambdaLayer()]));

export const FORMAT_RULE_CASES: readonly RuleCases[] = [
  // ---- safetensors ----
  ruleCases('safetensors/malformed-header', {
    valid: [REAL_SAFETENSORS],
    invalid: [
      { name: 'header length past the end of the file', files: { 'model.safetensors': () => safetensorsFile(T, { lengthOverride: 1_000_000n }) }, expect: { messageIncludes: 'past the end' } },
      { name: 'header is not JSON', files: { 'model.safetensors': () => rawSafetensors('{"w": {"dtype": "F32",') } },
    ],
  }),
  ruleCases('safetensors/duplicate-key', {
    valid: [REAL_SAFETENSORS],
    invalid: [{ name: 'tensor name twice', files: { 'model.safetensors': () => rawSafetensors('{"t":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"t":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', 1) }, expect: { evidenceIncludes: 't' } }],
  }),
  ruleCases('safetensors/unknown-dtype', {
    valid: [REAL_SAFETENSORS, { name: 'sub-byte and FP8 dtypes', files: { 'q.safetensors': () => safetensorsFile([{ name: 'a', dtype: 'F4', shape: [8] }, { name: 'b', dtype: 'F8_E8M0', shape: [2] }]) } }],
    invalid: [{ name: 'dtype Q4', files: { 'model.safetensors': () => safetensorsFile([{ name: 'a', dtype: 'Q4', shape: [2] }]) } }],
  }),
  ruleCases('safetensors/tensor-size-mismatch', {
    valid: [REAL_SAFETENSORS],
    invalid: [{ name: 'F32 [2] spanning 9 bytes', files: { 'model.safetensors': () => safetensorsFile([{ name: 'x', dtype: 'F32', shape: [2] }], { offsets: { x: [0, 9] }, data: new Uint8Array(9) }) } }],
  }),
  ruleCases('safetensors/data-layout', {
    valid: [REAL_SAFETENSORS],
    invalid: [
      { name: 'bytes after the last tensor', files: { 'model.safetensors': () => safetensorsFile(T, { append: new Uint8Array(16) }) } },
      { name: 'overlapping tensors', files: { 'model.safetensors': () => rawSafetensors('{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}', 3) }, expect: { messageIncludes: 'overlaps' } },
    ],
  }),
  ruleCases('safetensors/invalid-metadata', {
    valid: [REAL_SAFETENSORS],
    invalid: [{ name: '__metadata__ with a number', files: { 'model.safetensors': () => rawSafetensors('{"__metadata__":{"epochs":3}}') } }],
  }),
  ruleCases('safetensors/polyglot', {
    valid: [REAL_SAFETENSORS],
    invalid: [
      {
        name: 'a zip archive hidden in the last tensor (valid safetensors and valid zip)',
        files: {
          'model.safetensors': () => {
            const zip = tinyZip('archive/data.pkl', tinyPickle());
            return safetensorsFile([{ name: 'blob', dtype: 'U8', shape: [zip.length] }], { data: zip });
          },
        },
        expect: { severity: 'critical', evidenceIncludes: 'zip-eocd' },
      },
    ],
  }),
  // ---- ONNX ----
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
  // ---- GGUF ----
  ruleCases('gguf/chat-template-injection', {
    valid: [REAL_GGUF],
    invalid: [
      { name: 'cycler.__init__.__globals__.os.popen', files: { 'model.gguf': () => benignGguf("{{ cycler.__init__.__globals__.os.popen('id').read() }}") }, expect: { severity: 'critical' } },
      { name: 'string-built attribute name', files: { 'model.gguf': () => benignGguf("{{ ()|attr('__cla' ~ 'ss__') }}") }, expect: { severity: 'critical' } },
    ],
  }),
  ruleCases('gguf/malformed-header', {
    valid: [REAL_GGUF],
    invalid: [{ name: 'metadata count that cannot fit', files: { 'model.gguf': () => ggufFile({ kvCountOverride: 100_000n }) } }],
  }),
  ruleCases('gguf/tensor-data-layout', {
    valid: [REAL_GGUF],
    invalid: [{ name: 'tensor past the end of the file', files: { 'model.gguf': () => ggufFile({ tensors: [{ name: 'a', dims: [1024], type: 0 }], dataLength: 64 }) } }],
  }),
  ruleCases('gguf/duplicate-key', {
    valid: [REAL_GGUF],
    invalid: [
      {
        name: 'two chat templates',
        files: {
          'model.gguf': () =>
            ggufFile({
              kv: [
                ['tokenizer.chat_template', { type: 'string', value: '{{ messages }}' }],
                ['tokenizer.chat_template', { type: 'string', value: '{{ messages|length }}' }],
              ],
            }),
        },
      },
    ],
  }),
  // ---- Keras ----
  ruleCases('keras/lambda-layer', {
    valid: [REAL_KERAS],
    invalid: [
      { name: '.keras with a Lambda layer', files: { 'model.keras': lambdaKeras }, expect: { severity: 'critical', member: 'config.json' } },
      { name: 'legacy .h5 with a Lambda layer', files: { 'model.h5': () => hdf5File([{ name: 'model_config', value: JSON.stringify(functionalConfig([lambdaLayer()])), vlen: true }]) } },
    ],
  }),
  ruleCases('keras/unsafe-module', {
    valid: [REAL_KERAS],
    invalid: [{ name: 'object from module os', files: { 'model.keras': () => kerasZip(functionalConfig([{ module: 'os', class_name: 'system', config: 'echo', registered_name: null }])) }, expect: { severity: 'critical' } }],
  }),
  ruleCases('keras/safe-mode-bypass', {
    valid: [REAL_KERAS],
    invalid: [{ name: 'TFSMLayer', files: { 'model.keras': () => kerasZip(functionalConfig([kerasLayer('TFSMLayer', { filepath: '/tmp/x' })])) } }],
  }),
  ruleCases('keras/custom-object', {
    valid: [REAL_KERAS],
    invalid: [{ name: 'registered custom layer', files: { 'model.keras': () => kerasZip(functionalConfig([{ class_name: 'MyLayer', config: { name: 'm', trainable: true }, registered_name: 'MyPackage>MyLayer' }])) } }],
  }),
  ruleCases('keras/malformed-config', {
    valid: [REAL_KERAS],
    invalid: [{ name: 'config.json is not JSON', files: { 'model.keras': () => kerasZip('{"class_name": ') } }],
  }),
  // ---- TensorFlow ----
  ruleCases('tensorflow/python-op', {
    valid: [REAL_SAVEDMODEL],
    invalid: [{ name: 'EagerPyFunc in a function', files: { 'sm/saved_model.pb': () => savedModelPb([{ name: 'c', op: 'StatefulPartitionedCall' }], [{ name: 'f', nodes: [{ name: 'py', op: 'EagerPyFunc' }] }]) } }],
  }),
  ruleCases('tensorflow/file-system-op', {
    valid: [REAL_SAVEDMODEL],
    invalid: [{ name: 'ReadFile of a constant path', files: { 'sm/saved_model.pb': () => savedModelPb([{ name: 'p', op: 'Const', constStrings: ['/etc/passwd'] }, { name: 'r', op: 'ReadFile', inputs: ['p'] }]) }, expect: { messageIncludes: '/etc/passwd' } }],
  }),
  ruleCases('tensorflow/network-op', {
    valid: [REAL_SAVEDMODEL],
    invalid: [{ name: 'RPC client', files: { 'sm/saved_model.pb': () => savedModelPb([{ name: 'rpc', op: 'RpcClient' }]) } }],
  }),
  ruleCases('tensorflow/custom-op', {
    valid: [REAL_SAVEDMODEL],
    invalid: [{ name: 'unregistered op', files: { 'sm/saved_model.pb': () => savedModelPb([{ name: 'x', op: 'ZeroDayOp' }]) } }],
  }),
  // ---- Hugging Face folders ----
  ruleCases('huggingface/trust-remote-code', {
    valid: [HF_BENIGN],
    invalid: [{ name: 'auto_map to modeling_demo.py', files: hostileHfFolder(), expect: { messageIncludes: 'modeling_demo.py' } }],
  }),
  ruleCases('huggingface/dangerous-remote-code', {
    valid: [HF_BENIGN, { name: 'harmless custom code', files: { 'config.json': JSON.stringify({ auto_map: { AutoModel: 'm.M' } }), 'm.py': 'import torch\n\nclass M(torch.nn.Module):\n    pass\n' } }],
    invalid: [{ name: 'os.system in modeling code', files: hostileHfFolder(), expect: { severity: 'critical', line: 13 } }],
  }),
  ruleCases('huggingface/chat-template-injection', {
    valid: [HF_BENIGN],
    invalid: [{ name: 'chat_template escape in tokenizer_config.json', files: hostileHfFolder(), expect: { severity: 'critical' } }],
  }),
  ruleCases('huggingface/pickle-weights-alongside-safetensors', {
    valid: [HF_BENIGN],
    invalid: [{ name: 'pytorch_model.bin next to model.safetensors', files: { 'config.json': '{}', 'model.safetensors': tinySafetensors(), 'pytorch_model.bin': tinyPickle() } }],
  }),
  ruleCases('huggingface/shard-index-path', {
    valid: [HF_BENIGN],
    invalid: [{ name: 'weight_map with ..', files: { 'model.safetensors.index.json': JSON.stringify({ weight_map: { w: '../../../etc/shadow' } }) } }],
  }),
  ruleCases('huggingface/malformed-config', {
    valid: [HF_BENIGN],
    invalid: [{ name: 'duplicate auto_map', files: { 'config.json': '{"auto_map": {"AutoModel": "a.A"}, "auto_map": {"AutoModel": "b.B"}}' } }],
  }),
];

/** Cases of the production policy rule (`policy/pickle-weights`). */
export const POLICY_RULE_CASES: readonly RuleCases[] = [
  ruleCases('policy/pickle-weights', {
    valid: [
      { name: 'safetensors under the production policy', files: { 'model.safetensors': real('tiny.safetensors') }, options: { policy: 'production' } },
      { name: 'a pickle under the default policy', files: { 'model.pkl': tinyPickle() } },
    ],
    invalid: [{ name: 'a benign pickle under the production policy', files: { 'model.pkl': tinyPickle() }, options: { policy: 'production' } }],
  }),
];
