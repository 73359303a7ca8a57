import type { AnyRule } from '../rules/index.js';
import { defineRuleSet } from '../rules/index.js';
import { ARCHIVE_RULES } from './archive/index.js';
import { COMPRESSION_RULES } from './compression/index.js';
import { GGUF_RULES } from './gguf/index.js';
import { HUGGINGFACE_RULES } from './huggingface/index.js';
import { KERAS_RULES } from './keras/index.js';
import { NUMPY_RULES } from './numpy/index.js';
import { ONNX_RULES } from './onnx/index.js';
import { PICKLE_RULES } from './pickle/index.js';
import { NAME_RULES, POLICY_RULES } from './policy/index.js';
import { PYTORCH_RULES } from './pytorch/index.js';
import { SAFETENSORS_RULES } from './safetensors/index.js';
import { TENSORFLOW_RULES } from './tensorflow/index.js';
import { ZIP_RULES } from './zip/index.js';

/** Every rule of the model scanners, in one list, assembled from each format's index. */
export const MODEL_SCANNER_RULES: readonly AnyRule[] = [
  ...PICKLE_RULES,
  ...ZIP_RULES,
  ...PYTORCH_RULES,
  ...NUMPY_RULES,
  ...ARCHIVE_RULES,
  ...COMPRESSION_RULES,
  ...SAFETENSORS_RULES,
  ...ONNX_RULES,
  ...GGUF_RULES,
  ...KERAS_RULES,
  ...TENSORFLOW_RULES,
  ...HUGGINGFACE_RULES,
  ...POLICY_RULES,
  ...NAME_RULES,
];

/** The model scanners' one rule set (every format's rules); rule-id prefixes match the format folders. */
export const MODEL_SCANNER_RULESET = defineRuleSet(
  'model-scanners',
  ['pickle', 'zip', 'pytorch', 'numpy', 'archive', 'compression', 'safetensors', 'onnx', 'gguf', 'keras', 'tensorflow', 'huggingface', 'policy'],
  MODEL_SCANNER_RULES,
);
