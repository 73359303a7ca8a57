/**
 * Rule cases for the supply-chain rules, run by src/cli/case-runner.ts (the meta-test) the way the
 * webhook runs them: the case's `files` are pushed as a ModelPack artifact to a loopback registry,
 * signed or not, and one admission image reference to it is checked against a scope that requires a
 * digest, an OMS signature by the case's key and a clean content scan (blockAt high).
 * Options: `sign: 'key' | 'other-key'` (default unsigned), `reference: 'tag'` (default digest),
 * `tamper: PATH` (the registry serves other bytes for that file's layer), `registry: 'down'`.
 */
import type { RuleCases } from '../rules/index.js';
import { ruleCases } from '../rules/index.js';
import { EVIL_PICKLE } from '../../test-fixtures/model-scan-helpers.js';

const weights = (): Uint8Array => {
  const header = Buffer.from(JSON.stringify({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([len, header, Buffer.alloc(8)]);
};
const CLEAN = { 'model.safetensors': weights, 'config.json': '{"architectures":["LlamaForCausalLM"]}' };

export const SUPPLY_CHAIN_RULE_CASES: readonly RuleCases[] = [
  ruleCases('supply-chain/unpinned-reference', {
    valid: [{ name: 'referenced by digest', files: CLEAN, options: { sign: 'key' } }],
    invalid: [{ name: 'referenced by tag', files: CLEAN, options: { sign: 'key', reference: 'tag' }, expect: { severity: 'high', messageIncludes: 'requires a digest' } }],
  }),
  ruleCases('supply-chain/signature-not-verified', {
    valid: [{ name: 'signed by the scope key', files: CLEAN, options: { sign: 'key' } }],
    invalid: [
      { name: 'unsigned', files: CLEAN, expect: { severity: 'critical', messageIncludes: 'unsigned' } },
      { name: 'signed by another key', files: CLEAN, options: { sign: 'other-key' }, expect: { severity: 'critical' } },
      { name: 'a layer changed in the registry storage after signing', files: CLEAN, options: { sign: 'key', tamper: 'config.json' }, expect: { messageIncludes: 'blob digest mismatch' } },
    ],
  }),
  ruleCases('supply-chain/model-content-blocked', {
    valid: [{ name: 'safetensors weights', files: CLEAN, options: { sign: 'key' } }],
    invalid: [{ name: 'a signed pickle that runs os.system', files: { 'model.pkl': EVIL_PICKLE, 'config.json': '{}' }, options: { sign: 'key' }, expect: { severity: 'critical', messageIncludes: 'worst critical' } }],
  }),
  ruleCases('supply-chain/verification-unavailable', {
    valid: [{ name: 'the registry answers', files: CLEAN, options: { sign: 'key' } }],
    invalid: [{ name: 'the registry is down (503)', files: CLEAN, options: { sign: 'key', registry: 'down' }, expect: { severity: 'high', messageIncludes: 'fails closed' } }],
  }),
];
