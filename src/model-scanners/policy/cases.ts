/**
 * Rule cases of the production policy rule (`policy/pickle-weights`). Test-time only; run end to end
 * by the engine's rule-case test and in process by src/model-scanners/rule-cases.test.ts.
 */
import { readFileSync } from 'node:fs';
import type { RuleCases } from '../../rules/index.js';
import { ruleCases } from '../../rules/index.js';
import { tinyPickle } from '../../../test-fixtures/hf-builder.js';

const REAL = new URL('../../../test-fixtures/real/', import.meta.url);
const real = (name: string) => (): Uint8Array => readFileSync(new URL(name, REAL));

export const POLICY_RULE_CASES: readonly RuleCases[] = [
  ruleCases('policy/pickle-weights', {
    valid: [
      { name: 'safetensors under the production policy', files: { 'model.safetensors': real('tiny.safetensors') }, options: { policy: 'production' } },
      { name: 'a pickle under the default policy', files: { 'model.pkl': tinyPickle() } },
    ],
    invalid: [{ name: 'a benign pickle under the production policy', files: { 'model.pkl': tinyPickle() }, options: { policy: 'production' } }],
  }),
];
