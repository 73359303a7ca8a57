/**
 * Rule cases of the TensorFlow rules (firing and non-firing file trees).
 * Test-time only (imports the test-fixture builders and reads test-fixtures/real); run end to end by
 * the engine's rule-case test and in process by src/model-scanners/rule-cases.test.ts.
 */
import { readFileSync } from 'node:fs';
import type { RuleCase, RuleCases } from '../../rules/index.js';
import { ruleCases } from '../../rules/index.js';
import { savedModelPb } from '../../../test-fixtures/protobuf-builder.js';

const REAL = new URL('../../../test-fixtures/real/', import.meta.url);
const real = (name: string) => (): Uint8Array => readFileSync(new URL(name, REAL));

const REAL_SAVEDMODEL: RuleCase = { name: 'real SavedModel (TensorFlow 2.21)', files: { 'saved_model/saved_model.pb': real('saved_model.pb') } };

export const TENSORFLOW_RULE_CASES: readonly RuleCases[] = [
  ruleCases('tensorflow/python-op', {
    valid: [REAL_SAVEDMODEL],
    invalid: [{ name: 'EagerPyFunc in a function', files: { 'sm/saved_model.pb': () => savedModelPb([{ name: 'c', op: 'StatefulPartitionedCall' }], [{ name: 'f', nodes: [{ name: 'py', op: 'EagerPyFunc' }] }]) } }],
  }),
  ruleCases('tensorflow/file-system-op', {
    valid: [REAL_SAVEDMODEL],
    invalid: [{ name: 'ReadFile of a constant path', files: { 'sm/saved_model.pb': () => savedModelPb([{ name: 'p', op: 'Const', constStrings: ['/etc/passwd'] }, { name: 'r', op: 'ReadFile', inputs: ['p'] }]) }, expect: { messageIncludes: '/etc/passwd' } }],
  }),
  ruleCases('tensorflow/network-op', {
    valid: [REAL_SAVEDMODEL],
    invalid: [{ name: 'RPC client', files: { 'sm/saved_model.pb': () => savedModelPb([{ name: 'rpc', op: 'RpcClient' }]) } }],
  }),
  ruleCases('tensorflow/custom-op', {
    valid: [REAL_SAVEDMODEL],
    invalid: [{ name: 'unregistered op', files: { 'sm/saved_model.pb': () => savedModelPb([{ name: 'x', op: 'ZeroDayOp' }]) } }],
  }),
];
