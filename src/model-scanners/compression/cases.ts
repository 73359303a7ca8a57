/** Rule cases of the compression rules (see zip/cases.ts). */
import { gzipSync } from 'node:zlib';
import type { RuleCases } from '../../rules/index.js';
import { ruleCases } from '../../rules/index.js';
import { pickle } from '../../../test-fixtures/pickle-builder.js';

const benign = (): Uint8Array => pickle((b) => b.proto(2).emptyDict().stop());
const clean = { name: 'a gzip-compressed pickle', files: { 'model.pkl.gz': () => gzipSync(benign()) } };

export const COMPRESSION_RULE_CASES: readonly RuleCases[] = [
  ruleCases('compression/trailing-data', {
    valid: [clean],
    invalid: [{ name: 'bytes after the gzip member', files: { 'model.pkl.gz': () => new Uint8Array([...gzipSync(benign()), ...new TextEncoder().encode('appended')]) } }],
  }),
  ruleCases('compression/bad-checksum', {
    valid: [clean],
    invalid: [
      {
        name: 'gzip CRC32 does not match the content',
        files: {
          'model.pkl.gz': () => {
            const g = new Uint8Array(gzipSync(benign()));
            const at = g.length - 8;
            g[at] = (g[at] ?? 0) ^ 0xff;
            return g;
          },
        },
      },
    ],
  }),
];
