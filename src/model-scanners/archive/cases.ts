/** Rule cases of the tar rules (`archive/` ids; see zip/cases.ts). */
import type { RuleCases } from '../../rules/index.js';
import { ruleCases } from '../../rules/index.js';
import { buildTar } from '../../../test-fixtures/tar-builder.js';

const clean = { name: 'a tar of regular files', files: { 'model.tar': () => buildTar({ members: [{ name: 'model/config.json', data: '{}' }, { name: 'model/README', data: 'hi' }] }) } };

export const ARCHIVE_RULE_CASES: readonly RuleCases[] = [
  ruleCases('archive/path-traversal', {
    valid: [clean],
    invalid: [{ name: 'a `..` member name', files: { 'model.tar': () => buildTar({ members: [{ name: '../../etc/cron.d/job', data: '* * * * * root id' }] }) }, expect: { member: '../../etc/cron.d/job' } }],
  }),
  ruleCases('archive/link-member', {
    valid: [clean],
    invalid: [{ name: 'storages as a symlink to /etc/passwd', files: { 'model.tar': () => buildTar({ members: [{ name: 'storages', type: '2', linkName: '/etc/passwd' }] }) }, expect: { member: 'storages' } }],
  }),
  ruleCases('archive/duplicate-member', {
    valid: [clean],
    invalid: [{ name: 'the same name twice', files: { 'model.tar': () => buildTar({ members: [{ name: 'pickle', data: 'a' }, { name: 'pickle', data: 'b' }] }) } }],
  }),
  ruleCases('archive/trailing-data', {
    valid: [clean],
    invalid: [
      { name: 'bytes after the end-of-archive blocks', files: { 'model.tar': () => buildTar({ members: [{ name: 'a', data: 'x' }], trailing: new TextEncoder().encode('hidden') }) } },
      { name: 'a header with a bad checksum ends the archive for Python', files: { 'model.tar': () => buildTar({ members: [{ name: 'a', data: 'x' }, { name: 'b', data: 'y', badChecksum: true }] }) } },
    ],
  }),
];
