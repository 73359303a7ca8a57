/** Rule cases of the numpy rules (see zip/cases.ts). */
import type { RuleCases } from '../../rules/index.js';
import { ruleCases } from '../../rules/index.js';
import { buildNpy, floatNpy } from '../../../test-fixtures/npy-builder.js';
import { pickle } from '../../../test-fixtures/pickle-builder.js';
import { buildZip } from '../../../test-fixtures/zip-builder.js';

const list = (): Uint8Array => pickle((b) => b.proto(2).emptyList().stop());

export const NUMPY_RULE_CASES: readonly RuleCases[] = [
  ruleCases('numpy/object-array', {
    valid: [{ name: 'a float32 array', files: { 'w.npy': () => floatNpy(8) } }],
    invalid: [
      { name: 'an object array (a pickle inside)', files: { 'w.npy': () => buildNpy({ descr: "'|O'", shape: '(1,)', data: list() }) } },
      { name: 'an object field in a structured dtype, inside an npz', files: { 'w.npz': () => buildZip({ entries: [{ name: 'x.npy', data: buildNpy({ descr: "[('a', '<f4'), ('b', '|O')]", shape: '(1,)', data: list() }) }] }) }, expect: { member: 'x.npy' } },
    ],
  }),
  ruleCases('numpy/size-mismatch', {
    valid: [{ name: 'data size equals shape x itemsize', files: { 'w.npy': () => floatNpy(8) } }],
    invalid: [
      { name: 'extra bytes after the array', files: { 'w.npy': () => buildNpy({ descr: "'<f4'", shape: '(2,)', data: new Uint8Array(12) }) } },
      { name: 'missing bytes', files: { 'w.npy': () => buildNpy({ descr: "'<f8'", shape: '(4,)', data: new Uint8Array(8) }) } },
    ],
  }),
];
