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
  ruleCases('policy/unrecognized-model-file', {
    valid: [
      { name: 'real safetensors named model.safetensors', files: { 'model.safetensors': real('tiny.safetensors') } },
      { name: 'an empty or unknown file not named like a model', files: { 'notes.txt': 'hello\n', 'empty.cfg': new Uint8Array(0) } },
      { name: 'a generic .bin that does not say model', files: { 'firmware.bin': new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) } },
    ],
    invalid: [
      { name: 'an empty pytorch_model.bin', files: { 'pytorch_model.bin': new Uint8Array(0) }, expect: { severity: 'medium', messageIncludes: 'is empty' } },
      {
        name: 'a Git LFS pointer named model.safetensors',
        files: { 'model.safetensors': 'version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n' },
        expect: { severity: 'medium', messageIncludes: 'no format Bulwark recognises' },
      },
      { name: 'an unrecognised sharded checkpoint under the production policy', files: { 'pytorch_model-00001-of-00002.bin': 'garbage' }, options: { policy: 'production' }, expect: { severity: 'high', evidenceIncludes: 'pytorch_model-00001-of-00002.bin' } },
    ],
  }),
];
