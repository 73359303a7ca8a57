/**
 * Rule cases of the Hugging Face folder rules (firing and non-firing file trees).
 * Test-time only (imports the test-fixture builders and reads test-fixtures/real); run end to end by
 * the engine's rule-case test and in process by src/model-scanners/rule-cases.test.ts.
 */
import type { RuleCase, RuleCases } from '../../rules/index.js';
import { ruleCases } from '../../rules/index.js';
import { benignHfFolder, hostileHfFolder, tinyPickle, tinySafetensors } from '../../../test-fixtures/hf-builder.js';

const HF_BENIGN: RuleCase = { name: 'ordinary Hugging Face folder', files: benignHfFolder() };

export const HUGGINGFACE_RULE_CASES: readonly RuleCases[] = [
  ruleCases('huggingface/trust-remote-code', {
    valid: [
      HF_BENIGN,
      {
        name: 'sentence-transformers modules.json of library modules',
        files: { 'modules.json': JSON.stringify([{ idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' }, { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' }]) },
      },
    ],
    invalid: [
      { name: 'auto_map to modeling_demo.py', files: hostileHfFolder(), expect: { messageIncludes: 'modeling_demo.py' } },
      {
        name: 'sentence-transformers modules.json naming a custom module',
        files: { 'modules.json': JSON.stringify([{ idx: 0, name: '0', path: '', type: 'custom_st.CustomEncoder' }]), 'custom_st.py': 'class CustomEncoder:\n    pass\n' },
        expect: { messageIncludes: 'custom_st.py' },
      },
      { name: 'an Inference Endpoints handler.py', files: { 'config.json': '{}', 'handler.py': 'class EndpointHandler:\n    pass\n' }, expect: { messageIncludes: 'handler.py' } },
    ],
  }),
  ruleCases('huggingface/dangerous-remote-code', {
    valid: [HF_BENIGN, { name: 'harmless custom code', files: { 'config.json': JSON.stringify({ auto_map: { AutoModel: 'm.M' } }), 'm.py': 'import torch\n\nclass M(torch.nn.Module):\n    pass\n' } }],
    invalid: [
      { name: 'os.system in modeling code', files: hostileHfFolder(), expect: { severity: 'critical', line: 13 } },
      {
        name: 'a sentence-transformers custom module that runs a command on import',
        files: { 'modules.json': JSON.stringify([{ idx: 0, name: '0', path: '', type: 'custom_st.CustomEncoder' }]), 'custom_st.py': 'import os\nos.system("id")\n\nclass CustomEncoder:\n    pass\n' },
        expect: { severity: 'critical', line: 2 },
      },
    ],
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
