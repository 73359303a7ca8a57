/**
 * Rule cases for the OCI rules, run by src/oci/case-runner.ts (the meta-test): each case's `files`
 * are the layers of one model artifact served by a loopback registry double — a key is the layer's
 * `org.cncf.model.filepath` (a raw layer), or, ending in `.tar`, a tar layer whose bytes are the value.
 * `options.tamper: PATH` makes the registry serve other bytes for that layer than its digest says.
 */
import type { RuleCases } from '../rules/index.js';
import { ruleCases } from '../rules/index.js';
import { buildTar } from '../../test-fixtures/tar-builder.js';

const tar = (members: Parameters<typeof buildTar>[0]['members']) => () => buildTar({ members });

export const OCI_RULE_CASES: readonly RuleCases[] = [
  ruleCases('oci/unsafe-artifact-entry', {
    valid: [
      { name: 'one raw layer per file, relative paths', files: { 'model.safetensors': 'weights', 'tokenizer/vocab.txt': 'a\nb\n' } },
      { name: 'a tar layer of regular files and folders', files: { 'model.tar': tar([{ name: 'model/', type: '5' }, { name: 'model/a.bin', data: 'AAA' }]) } },
    ],
    invalid: [
      { name: 'raw layer path ../x', files: { '../x': 'evil' }, expect: { severity: 'high', messageIncludes: 'escapes the target folder' } },
      { name: 'raw layer absolute path', files: { '/etc/cron.d/x': 'evil' }, expect: { messageIncludes: 'absolute path' } },
      { name: 'tar member ../x', files: { 'model.tar': tar([{ name: '../../x', data: 'evil' }]) }, expect: { messageIncludes: 'escapes the target folder' } },
      { name: 'tar symbolic link out of the folder', files: { 'model.tar': tar([{ name: 'etc', type: '2', linkName: '/etc' }, { name: 'etc/passwd', data: 'evil' }]) }, expect: { messageIncludes: 'symbolic link' } },
      { name: 'tar character device', files: { 'model.tar': tar([{ name: 'null', type: '3' }]) }, expect: { messageIncludes: 'character device' } },
    ],
  }),
  ruleCases('oci/blob-digest-mismatch', {
    valid: [{ name: 'the registry serves the bytes of each digest', files: { 'model.safetensors': 'weights' } }],
    invalid: [
      { name: 'a layer changed in the registry storage', files: { 'model.safetensors': 'weights', 'config.json': '{}' }, options: { tamper: 'model.safetensors' }, expect: { severity: 'critical', messageIncludes: 'blob digest mismatch' } },
    ],
  }),
];
