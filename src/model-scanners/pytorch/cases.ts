/** Rule cases of the PyTorch rules (see zip/cases.ts). */
import type { RuleCases } from '../../rules/index.js';
import { ruleCases } from '../../rules/index.js';
import { pickle } from '../../../test-fixtures/pickle-builder.js';
import { buildTar } from '../../../test-fixtures/tar-builder.js';
import { buildTorchZip, buildZip } from '../../../test-fixtures/zip-builder.js';

const benign = (): Uint8Array => pickle((b) => b.proto(2).emptyDict().stop());
/** data.pkl returning persistent_load(('storage', torch.FloatStorage, key, 'cpu', 4)) per key. */
const storages = (...keys: string[]): Uint8Array =>
  pickle((b) => {
    b.proto(2).emptyList().mark();
    for (const k of keys) b.mark().str('storage').global('torch', 'FloatStorage').str(k).str('cpu').binInt1(4).tuple().binPersId();
    b.appends().stop();
  });
const clean = { name: 'a torch.save-style checkpoint', files: { 'model.pt': () => buildTorchZip({ dataPkl: storages('0'), storages: { '0': new Uint8Array(16) } }) } };

function legacyTar(): Uint8Array {
  const count = pickle((b) => b.proto(2).binInt1(1).stop());
  const args = pickle((b) => b.proto(2).str('0').str('cpu').global('torch', 'FloatStorage').tuple3().stop());
  const raw = new Uint8Array(24);
  raw[0] = 4;
  const views = pickle((b) => b.proto(2).emptyList().stop());
  const targs = pickle((b) => b.proto(2).str('1').str('0').global('torch', 'FloatTensor').tuple3().stop());
  const dims = new Uint8Array(32);
  dims[0] = 1;
  dims[8] = 4;
  dims[16] = 1;
  return buildTar({
    members: [
      { name: 'sys_info', data: pickle((b) => b.proto(2).emptyDict().stop()) },
      { name: 'pickle', data: benign() },
      { name: 'tensors', data: new Uint8Array([...count, ...targs, ...dims]) },
      { name: 'storages', data: new Uint8Array([...count, ...args, ...raw, ...views]) },
    ],
  });
}

export const PYTORCH_RULE_CASES: readonly RuleCases[] = [
  ruleCases('pytorch/missing-record', {
    valid: [clean],
    invalid: [
      { name: 'data.pkl only under a folder other than the first entry\u2019s', files: { 'model.pt': () => buildZip({ entries: [{ name: 'evil/readme', data: 'x' }, { name: 'archive/data.pkl', data: benign() }, { name: 'archive/version', data: '3' }] }) } },
      { name: 'no version record', files: { 'model.pt': () => buildTorchZip({ dataPkl: benign(), omit: ['version'] }) }, expect: { severity: 'low' } },
    ],
  }),
  ruleCases('pytorch/missing-storage', {
    valid: [clean],
    invalid: [{ name: 'data.pkl references storage 7, absent', files: { 'model.pt': () => buildTorchZip({ dataPkl: storages('0', '7'), storages: { '0': new Uint8Array(16) } }) }, expect: { member: 'archive/data.pkl', messageIncludes: 'archive/data/7' } }],
  }),
  ruleCases('pytorch/multiple-roots', {
    valid: [clean],
    invalid: [{ name: 'a second data.pkl under another folder', files: { 'model.pt': () => buildTorchZip({ dataPkl: benign(), extra: [{ name: 'shadow/data.pkl', data: benign() }] }) } }],
  }),
  ruleCases('pytorch/legacy-tar-format', {
    valid: [clean, { name: 'an ordinary tar of files', files: { 'bundle.tar': () => buildTar({ members: [{ name: 'pickle.txt', data: 'not a checkpoint' }] }) } }],
    invalid: [{ name: 'a PyTorch < 0.4 tar checkpoint', files: { 'old.pt': legacyTar } }],
  }),
];
