import { defineRule } from '../../rules/index.js';

const SERIALIZATION = 'https://github.com/pytorch/pytorch/blob/main/torch/serialization.py';
const READER = 'https://github.com/pytorch/pytorch/blob/main/caffe2/serialize/inline_container.cc';

export const missingRecord = defineRule({
  id: 'pytorch/missing-record',
  title: 'PyTorch archive lacks a record torch.load needs',
  severity: 'medium',
  description:
    'A zip laid out like a PyTorch checkpoint lacks `<root>/data.pkl` or the version record, or its first entry is not inside a folder. torch.load takes the archive root from the first central-directory entry and fails without these records, so the file is not what it claims to be: another loader, or a scanner that searches for any data.pkl, reads a different pickle than PyTorch would. Every pickle in the archive is still scanned.',
  remediation: 'Do not load the file. Re-save the model with torch.save from a trusted copy.',
  references: [READER, SERIALIZATION],
  tags: ['pytorch', 'parser-differential'],
  maturity: 'stable',
});

export const missingStorage = defineRule({
  id: 'pytorch/missing-storage',
  title: 'PyTorch data.pkl references storages the archive does not contain',
  severity: 'medium',
  description:
    'data.pkl refers (through persistent ids) to tensor storages `<root>/data/<key>` that are not in the archive. torch.load fails on them, so the pickle was not written by torch.save for this archive: it was edited, transplanted from another checkpoint, or crafted.',
  remediation: 'Do not load the file; re-save the model with torch.save from a trusted copy.',
  references: [SERIALIZATION],
  tags: ['pytorch', 'integrity'],
  maturity: 'stable',
});

export const multipleRoots = defineRule({
  id: 'pytorch/multiple-roots',
  title: 'PyTorch archive has entries under several root folders',
  severity: 'medium',
  description:
    'torch.save writes every record under one folder. PyTorch reads `<root>/data.pkl` where root is the folder of the first central-directory entry; tools that pick "the" data.pkl by other rules (first match, last match, any folder) can read a different pickle. Bulwark scans the pickles under every root.',
  remediation: 'Do not load the file; re-save the model with torch.save from a trusted copy.',
  references: [READER],
  tags: ['pytorch', 'parser-differential'],
  maturity: 'stable',
});

export const legacyTarFormat = defineRule({
  id: 'pytorch/legacy-tar-format',
  title: 'Checkpoint in PyTorch\u2019s legacy tar format',
  severity: 'medium',
  description:
    'The file is a tar archive in the pre-0.4 PyTorch format (`storages`, `tensors`, `pickle` members). torch.load refuses it with weights_only=True, so loading it requires the full, unrestricted unpickler, which runs whatever the pickles reference. Its pickles were scanned.',
  remediation: 'Load it once in an isolated environment you trust and re-save it with torch.save (or as safetensors), or obtain a current-format copy.',
  references: [SERIALIZATION, 'https://pytorch.org/docs/stable/generated/torch.load.html'],
  tags: ['pytorch', 'code-execution'],
  maturity: 'stable',
});


export const torchscriptCode = defineRule({
  id: 'pytorch/torchscript-code',
  title: 'TorchScript code touches files, processes or the network',
  severity: 'high',
  description:
    'A TorchScript archive (torch.jit.save) carries its program as TorchScript source under `code/`. torch.jit.load compiles it, and running the model executes it: operators such as `torch.from_file` (reads any file), `torch.save` (writes any file) and `torch.distributed.rpc` calls (remote procedure calls) act on the host when the model runs. Custom operator namespaces (`torch.ops.<name>`) and custom classes (`__torch__.torch.classes.<name>`) run native code from a library the loading process must load (medium). Ordinary layers use `aten`/`prim` operators only.',
  remediation: 'Do not run the model unless the operation is expected; inspect the reported line of the code/ member, or re-export the model from trusted source code.',
  references: ['https://pytorch.org/docs/stable/jit.html', 'https://github.com/pytorch/pytorch/blob/main/torch/csrc/jit/serialization/import.cpp'],
  tags: ['pytorch', 'torchscript', 'code-execution'],
  maturity: 'stable',
});

export const packageCode = defineRule({
  id: 'pytorch/package-code',
  title: 'torch.package archive ships Python code that runs dangerous operations',
  severity: 'high',
  description:
    'A torch.package archive (torch.package.PackageExporter) ships the source of every interned module as `<root>/<module>.py`; PackageImporter.load_pickle imports a module when the pickle names one of its classes or functions, and importing runs the module. Each shipped module is scanned with the same static tripwire as Hugging Face remote code (shell commands, eval/exec, dynamic imports, native libraries, network, nested pickles); each match is reported with its own severity, and the pickle globals the module defines are graded by what it holds (a clean shipped module is not an unknown global: its code was read).',
  remediation: 'Do not load the archive unless you trust its producer; review the reported module source, or re-package the model from reviewed code.',
  references: ['https://pytorch.org/docs/stable/package.html'],
  tags: ['pytorch', 'remote-code', 'code-execution'],
  maturity: 'stable',
});

export const PYTORCH_RULES = [missingRecord, missingStorage, multipleRoots, legacyTarFormat, torchscriptCode, packageCode] as const;
