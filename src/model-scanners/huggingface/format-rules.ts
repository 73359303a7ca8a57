import type { AnyRule } from '../../rules/index.js';
import { GGUF_RULES } from '../gguf/rules.js';
import { KERAS_RULES } from '../keras/rules.js';
import { ONNX_RULES } from '../onnx/rules.js';
import { SAFETENSORS_RULES } from '../safetensors/rules.js';
import { TENSORFLOW_RULES } from '../savedmodel/rules.js';
import { HUGGINGFACE_RULES } from './rules.js';

/**
 * Every rule of the non-pickle format scanners (issue 3), prefixed by format. The production policy
 * rule (`policy/pickle-weights`) is exported separately as POLICY_RULES: register it too.
 */
export const FORMAT_RULES: readonly AnyRule[] = [...SAFETENSORS_RULES, ...ONNX_RULES, ...GGUF_RULES, ...KERAS_RULES, ...TENSORFLOW_RULES, ...HUGGINGFACE_RULES];
