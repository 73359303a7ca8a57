/**
 * Rule cases of the zip rules: small file trees built by the zip builder (lazily), each naming the
 * trick it plays. Run end to end by the engine's rule-case meta-test and in-process by
 * src/model-scanners/rule-cases.test.ts.
 */
import type { RuleCase, RuleCases } from '../../rules/index.js';
import { ruleCases } from '../../rules/index.js';
import { pickle } from '../../../test-fixtures/pickle-builder.js';
import type { ZipEntrySpec, ZipSpec } from '../../../test-fixtures/zip-builder.js';
import { buildTorchZip, buildZip } from '../../../test-fixtures/zip-builder.js';

const benign = (): Uint8Array => pickle((b) => b.proto(2).emptyDict().stop());
const zipCase = (name: string, spec: () => ZipSpec, expect?: RuleCase['expect']): RuleCase => ({
  name,
  files: { 'model.zip': () => buildZip(spec()) },
  ...(expect && { expect }),
});
const torchCase = (name: string, extra: ZipEntrySpec[] = [], spec: Omit<ZipSpec, 'entries'> = {}): RuleCase => ({
  name,
  files: { 'model.pt': () => buildTorchZip({ dataPkl: benign(), storages: { '0': new Uint8Array(64) }, extra }, spec) },
});
/** A checkpoint exactly as torch.save lays it out: no zip rule fires on it. */
const CLEAN_TORCH = torchCase('a torch.save-style checkpoint');
const CLEAN_DEFLATED = zipCase('a deflated archive written normally', () => ({ entries: [{ name: 'a.pkl', data: benign(), method: 'deflate' }, { name: 'b.txt', data: 'notes' }] }));

export const ZIP_RULE_CASES: readonly RuleCases[] = [
  ruleCases('zip/local-name-mismatch', {
    valid: [CLEAN_TORCH],
    invalid: [
      zipCase('local header names data.pkl differently', () => ({ entries: [{ name: 'archive/data.pkl', localName: 'archive/notes.txt', data: benign() }] }), { member: 'archive/data.pkl' }),
      zipCase('Unicode Path extra field renames the entry', () => ({ entries: [{ name: 'weights.bin', unicodePath: 'data.pkl', data: benign() }] })),
    ],
  }),
  ruleCases('zip/flag-mismatch', {
    valid: [CLEAN_TORCH, CLEAN_DEFLATED],
    invalid: [zipCase('encryption bit only in the local header', () => ({ entries: [{ name: 'a.pkl', data: benign(), localFlags: 0x0001 }] }), { member: 'a.pkl', messageIncludes: 'encrypted' })],
  }),
  ruleCases('zip/header-mismatch', {
    valid: [CLEAN_TORCH, CLEAN_DEFLATED],
    invalid: [
      zipCase('local header claims another method', () => ({ entries: [{ name: 'a.pkl', data: benign(), localMethod: 8 }] }), { member: 'a.pkl' }),
      zipCase('local CRC differs from the central one', () => ({ entries: [{ name: 'a.pkl', data: benign(), localCrc: 0x1234 }] })),
    ],
  }),
  ruleCases('zip/duplicate-name', {
    valid: [CLEAN_TORCH],
    invalid: [
      zipCase('data.pkl twice', () => ({ entries: [{ name: 'archive/data.pkl', data: benign() }, { name: 'archive/data.pkl', data: benign() }] }), { severity: 'high' }),
      zipCase('names differing only in case (miniz matches case-insensitively)', () => ({ entries: [{ name: 'archive/data.pkl', data: benign() }, { name: 'archive/Data.pkl', data: benign() }] }), { severity: 'medium' }),
    ],
  }),
  ruleCases('zip/overlapping-entries', {
    valid: [CLEAN_TORCH],
    invalid: [zipCase('two entries share one local header', () => ({ entries: [{ name: 'a.pkl', data: benign() }, { name: 'b.pkl', data: benign(), aliasOf: 0 }] }))],
  }),
  ruleCases('zip/prepended-data', {
    valid: [CLEAN_TORCH],
    invalid: [
      zipCase('a shell stub before the archive', () => ({ entries: [{ name: 'a.txt', data: 'x' }], prepend: new TextEncoder().encode('#!/bin/sh\nexit 0\n') }), { severity: 'medium' }),
      zipCase('offsets relative to a prepended stub (Python shifts them, miniz does not)', () => ({ entries: [{ name: 'a.txt', data: 'x' }], prepend: new Uint8Array(64).fill(0x20), adjustOffsets: false }), { severity: 'high' }),
    ],
  }),
  ruleCases('zip/appended-data', {
    valid: [CLEAN_TORCH],
    invalid: [zipCase('bytes after the end of central directory', () => ({ entries: [{ name: 'a.txt', data: 'x' }], append: new TextEncoder().encode('trailing bytes') }))],
  }),
  ruleCases('zip/unreferenced-data', {
    valid: [CLEAN_TORCH],
    invalid: [zipCase('a local entry missing from the central directory', () => ({ entries: [{ name: 'a.txt', data: 'x' }, { name: 'hidden.pkl', data: benign(), hiddenLocal: true }, { name: 'b.txt', data: 'y' }] }))],
  }),
  ruleCases('zip/bad-crc', {
    valid: [CLEAN_TORCH, CLEAN_DEFLATED],
    invalid: [
      zipCase('data.pkl edited after the archive was written', () => ({ entries: [{ name: 'archive/data.pkl', data: benign(), crc: 0xdeadbeef, localCrc: 0xdeadbeef }, { name: 'archive/version', data: '3' }] }), { member: 'archive/data.pkl' }),
    ],
  }),
  ruleCases('zip/zip64-inconsistency', {
    valid: [zipCase('a well-formed zip64 archive', () => ({ entries: [{ name: 'a.txt', data: 'x', zip64: true }], zip64: true }))],
    invalid: [
      zipCase('zip64 record not where Python looks for it', () => ({ entries: [{ name: 'a.txt', data: 'x' }], zip64: { extensible: new Uint8Array(16) } }), { severity: 'high' }),
      zipCase('zip64 locator pointing nowhere', () => ({ entries: [{ name: 'a.txt', data: 'x' }], zip64: { locatorOffset: 7 } })),
    ],
  }),
  ruleCases('zip/central-directory-mismatch', {
    valid: [CLEAN_TORCH],
    invalid: [zipCase('EOCD declares fewer entries than the central directory holds', () => ({ entries: [{ name: 'a.txt', data: 'x' }, { name: 'b.pkl', data: benign() }], eocd: { entries: 1 } }))],
  }),
  ruleCases('zip/path-traversal', {
    valid: [CLEAN_TORCH],
    invalid: [
      zipCase('a `..` entry name', () => ({ entries: [{ name: '../../home/user/.bashrc', data: 'echo pwned' }] }), { member: '../../home/user/.bashrc' }),
      zipCase('an absolute entry name', () => ({ entries: [{ name: '/etc/cron.d/job', data: 'x' }] })),
    ],
  }),
  ruleCases('zip/symlink-member', {
    valid: [CLEAN_TORCH],
    invalid: [zipCase('a Unix symbolic link entry', () => ({ entries: [{ name: 'config.json', data: '/etc/passwd', versionMadeBy: 0x0314, externalAttributes: (0o120777 << 16) >>> 0 }] }), { member: 'config.json' })],
  }),
  ruleCases('zip/unsupported-method', {
    valid: [CLEAN_DEFLATED],
    invalid: [zipCase('a deflate64 member', () => ({ entries: [{ name: 'a.pkl', data: benign(), method: 9 }] }), { member: 'a.pkl' })],
  }),
  ruleCases('zip/encrypted-member', {
    valid: [CLEAN_DEFLATED],
    invalid: [zipCase('a traditionally encrypted member', () => ({ entries: [{ name: 'a.pkl', data: benign(), flags: 0x0001 }] }), { member: 'a.pkl' })],
  }),
];
