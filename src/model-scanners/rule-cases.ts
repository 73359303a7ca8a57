/**
 * Rule cases (firing and non-firing file trees) of every model-scanner rule. A test-only surface: it
 * is not re-exported from index.ts, so the CLI never loads the test-fixture builders the cases use.
 */
import type { RuleCases } from '../rules/index.js';
import { COMPRESSION_RULE_CASES } from './compression/cases.js';
import { FORMAT_RULE_CASES, POLICY_RULE_CASES } from './huggingface/format-rule-cases.js';
import { NUMPY_RULE_CASES } from './numpy/cases.js';
import { PICKLE_RULE_CASES } from './pickle/rule-cases.js';
import { PYTORCH_RULE_CASES } from './pytorch/cases.js';
import { ARCHIVE_RULE_CASES } from './tar/cases.js';
import { ZIP_RULE_CASES } from './zip/cases.js';

export const MODEL_SCANNER_RULE_CASES: readonly RuleCases[] = [
  ...PICKLE_RULE_CASES,
  ...ZIP_RULE_CASES,
  ...PYTORCH_RULE_CASES,
  ...NUMPY_RULE_CASES,
  ...ARCHIVE_RULE_CASES,
  ...COMPRESSION_RULE_CASES,
  ...FORMAT_RULE_CASES,
  ...POLICY_RULE_CASES,
];
