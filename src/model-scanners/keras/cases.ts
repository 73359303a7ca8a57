/**
 * Rule cases of the Keras rules (firing and non-firing file trees).
 * Test-time only (imports the test-fixture builders and reads test-fixtures/real); run end to end by
 * the engine's rule-case test and in process by src/model-scanners/rule-cases.test.ts.
 */
import { readFileSync } from 'node:fs';
import type { RuleCase, RuleCases } from '../../rules/index.js';
import { ruleCases } from '../../rules/index.js';
import { BENIGN_LAYERS, functionalConfig, hdf5File, kerasLayer, kerasZip, lambdaLayer } from '../../../test-fixtures/keras-builder.js';

const REAL = new URL('../../../test-fixtures/real/', import.meta.url);
const real = (name: string) => (): Uint8Array => readFileSync(new URL(name, REAL));

const REAL_KERAS: RuleCase = { name: 'real .keras without Lambda layers (Keras 3.15)', files: { 'model.keras': real('tiny.keras'), 'legacy.h5': real('tiny.h5') } };

const lambdaKeras = (): Uint8Array => kerasZip(functionalConfig([...BENIGN_LAYERS, lambdaLayer()]));

export const KERAS_RULE_CASES: readonly RuleCases[] = [
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
];
