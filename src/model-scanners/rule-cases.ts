/**
 * Rule cases (firing and non-firing file trees) of every model-scanner rule, assembled from each
 * format's `cases.ts`. A test-only surface: it is not re-exported from index.ts, so the CLI never
 * loads the test-fixture builders the cases use (and the build leaves `*cases.ts` out of dist).
 */
import type { RuleCases } from '../rules/index.js';
import { ARCHIVE_RULE_CASES } from './archive/cases.js';
import { COMPRESSION_RULE_CASES } from './compression/cases.js';
import { GGUF_RULE_CASES } from './gguf/cases.js';
import { HUGGINGFACE_RULE_CASES } from './huggingface/cases.js';
import { KERAS_RULE_CASES } from './keras/cases.js';
import { NUMPY_RULE_CASES } from './numpy/cases.js';
import { ONNX_RULE_CASES } from './onnx/cases.js';
import { PICKLE_RULE_CASES } from './pickle/cases.js';
import { POLICY_RULE_CASES } from './policy/cases.js';
import { PYTORCH_RULE_CASES } from './pytorch/cases.js';
import { SAFETENSORS_RULE_CASES } from './safetensors/cases.js';
import { TENSORFLOW_RULE_CASES } from './tensorflow/cases.js';
import { ZIP_RULE_CASES } from './zip/cases.js';

export const MODEL_SCANNER_RULE_CASES: readonly RuleCases[] = [
  ...PICKLE_RULE_CASES,
  ...ZIP_RULE_CASES,
  ...PYTORCH_RULE_CASES,
  ...NUMPY_RULE_CASES,
  ...ARCHIVE_RULE_CASES,
  ...COMPRESSION_RULE_CASES,
  ...SAFETENSORS_RULE_CASES,
  ...ONNX_RULE_CASES,
  ...GGUF_RULE_CASES,
  ...KERAS_RULE_CASES,
  ...TENSORFLOW_RULE_CASES,
  ...HUGGINGFACE_RULE_CASES,
  ...POLICY_RULE_CASES,
];
