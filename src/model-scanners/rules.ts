import type { AnyRule } from '../rules/index.js';
import { defineRuleSet } from '../rules/index.js';
import { COMPRESSION_RULES } from './compression/rules.js';
import { FORMAT_RULES, POLICY_RULES } from './huggingface/index.js';
import { NUMPY_RULES } from './numpy/rules.js';
import { PICKLE_RULES } from './pickle/index.js';
import { PYTORCH_RULES } from './pytorch/rules.js';
import { ARCHIVE_RULES } from './tar/rules.js';
import { ZIP_RULES } from './zip/rules.js';

/** Every rule of the model scanners, in one list (extended by each format's module). */
export const MODEL_SCANNER_RULES: readonly AnyRule[] = [
  ...PICKLE_RULES,
  ...ZIP_RULES,
  ...PYTORCH_RULES,
  ...NUMPY_RULES,
  ...ARCHIVE_RULES,
  ...COMPRESSION_RULES,
  ...FORMAT_RULES,
  ...POLICY_RULES,
];

/** The model scanners' one rule set (every format's rules). */
export const MODEL_SCANNER_RULESET = defineRuleSet(
  'model-scanners',
  ['pickle', 'zip', 'pytorch', 'numpy', 'archive', 'compression', 'safetensors', 'onnx', 'gguf', 'keras', 'tensorflow', 'huggingface', 'policy'],
  MODEL_SCANNER_RULES,
);

/** The container rules defined by this folder (without the pickle analyser's). */
export const CONTAINER_RULES: readonly AnyRule[] = [...ZIP_RULES, ...PYTORCH_RULES, ...NUMPY_RULES, ...ARCHIVE_RULES, ...COMPRESSION_RULES];
