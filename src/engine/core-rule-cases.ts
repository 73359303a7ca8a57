/** Rule cases of the generic fail-closed rules (`scan/*`, src/rules/core-rules.ts). Test-only. */
import { pickle } from '../../test-fixtures/pickle-builder.js';
import { DEFAULT_LIMITS } from '../limits/index.js';
import type { RuleCases } from '../rules/index.js';
import { ruleCases } from '../rules/index.js';

const stateLike = (): Uint8Array =>
  pickle((b) => {
    b.proto(2).emptyDict().mark();
    for (let i = 0; i < 50; i++) b.binUnicode(`layer.${i}`).binInt1(i);
    b.setItems().stop();
  });

/** A pickle that calls os.system: a finding for suppressions to cover. */
const evil = (): Uint8Array => pickle((b) => b.proto(2).global('os', 'system').binUnicode('id').tuple1().reduce().stop());

/** A configuration suppression of that finding (as the config file would give it, at bulwark.yaml:7:5). */
const suppress = (expires: string | undefined): Record<string, unknown> => ({
  rule: 'pickle/dangerous-call',
  path: 'm.pkl',
  reason: 'reviewed test fixture',
  ...(expires !== undefined && { expires }),
  file: 'bulwark.yaml',
  line: 7,
  column: 5,
});

export const CORE_RULE_CASES: readonly RuleCases[] = [
  ruleCases('scan/limit-exceeded', {
    valid: [{ name: 'pickle within the default opcode limit', files: { 'm.pkl': stateLike } }],
    invalid: [
      {
        name: 'pickle longer than maxPickleOps',
        files: { 'm.pkl': stateLike },
        options: { limits: { ...DEFAULT_LIMITS, maxPickleOps: 20 } },
        expect: { severity: 'high', evidenceIncludes: 'maxPickleOps' },
      },
      {
        name: 'directory deeper than maxDirectoryDepth',
        files: { 'a/b/c/d/m.pkl': stateLike },
        options: { limits: { ...DEFAULT_LIMITS, maxDirectoryDepth: 2 } },
        expect: { evidenceIncludes: 'maxDirectoryDepth' },
      },
    ],
  }),
  ruleCases('scan/malformed-input', {
    valid: [{ name: 'well-formed pickle', files: { 'm.pkl': stateLike } }],
    invalid: [{ name: 'pickle cut in the middle of an opcode', files: { 'm.pkl': () => stateLike().subarray(0, 40) }, expect: { severity: 'high' } }],
  }),
  ruleCases('scan/unsupported-container', {
    valid: [{ name: 'plain text is not a container', files: { 'notes.txt': 'hello\n' } }],
    invalid: [
      { name: '7z archive', files: { 'model.7z': () => Uint8Array.of(0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4, ...new Array<number>(40).fill(0)) } },
      { name: 'RAR archive', files: { 'weights.bin': () => Uint8Array.of(0x52, 0x61, 0x72, 0x21, 0x1a, 0x07, 0x01, 0x00, ...new Array<number>(40).fill(0)) } },
    ],
  }),
  ruleCases('scan/read-error', {
    valid: [{ name: 'regular file', files: { 'm.pkl': stateLike } }],
    invalid: [{ name: 'a FIFO in the tree is not opened (reading it would hang)', files: { 'm.pkl': stateLike }, fifos: ['model.pipe'] }],
  }),
  ruleCases('scan/symlink-outside-tree', {
    valid: [{ name: 'link to a file inside the tree', files: { 'm.pkl': stateLike }, symlinks: { 'latest.pkl': 'm.pkl' } }],
    invalid: [
      { name: 'link to a host file outside the tree', files: { 'm.pkl': stateLike }, symlinks: { 'weights.bin': '/etc/hostname' }, expect: { messageIncludes: 'outside' } },
      { name: 'dangling link', files: { 'm.pkl': stateLike }, symlinks: { 'gone.bin': 'missing/file.bin' }, expect: { messageIncludes: 'dangling' } },
    ],
  }),
  ruleCases('config/expired-suppression', {
    valid: [
      { name: 'suppression before its expiry day', files: { 'm.pkl': evil }, options: { suppressions: [suppress('2027-01-31')], now: '2027-01-31T12:00:00Z' } },
      { name: 'suppression without expiry', files: { 'm.pkl': evil }, options: { suppressions: [suppress(undefined)], now: '2030-01-01T00:00:00Z' } },
    ],
    invalid: [
      {
        name: 'suppression past its expiry day',
        files: { 'm.pkl': evil },
        options: { suppressions: [suppress('2027-01-31')], now: '2027-02-01T00:00:00Z' },
        expect: { severity: 'medium', line: 7, messageIncludes: 'expired on 2027-01-31' },
      },
    ],
  }),
  ruleCases('config/unused-suppression', {
    valid: [{ name: 'suppression that covers a finding', files: { 'm.pkl': evil }, options: { suppressions: [suppress(undefined)] } }],
    invalid: [
      {
        name: 'suppression of a file that is not there',
        files: { 'm.pkl': evil },
        options: { suppressions: [{ ...suppress(undefined), path: 'models/gone.pkl' }] },
        expect: { severity: 'info', messageIncludes: 'matched no finding' },
      },
    ],
  }),
];
