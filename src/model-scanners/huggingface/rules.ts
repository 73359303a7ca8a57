import { defineRule } from '../../rules/index.js';

const REFS = ['https://huggingface.co/docs/transformers/custom_models', 'docs/formats-huggingface.md'];

export const trustRemoteCode = defineRule({
  id: 'huggingface/trust-remote-code',
  title: 'Model folder requires trust_remote_code (custom Python code)',
  severity: 'high',
  description:
    'An `auto_map` (config.json, tokenizer_config.json, processor/feature-extractor configs), a `custom_pipelines` entry, a diffusers `model_index.json` component or a PEFT `auto_mapping` makes the loader import Python code: files of the folder (e.g. `modeling_x.py`) or of another repository (`owner/repo--module.Class`). With `trust_remote_code=True` (often set by copy-pasted snippets and serving flags) that code runs in the serving process with its privileges.',
  remediation:
    'Review every named Python file (and the files they import) like any dependency, pin the revision, and load with `trust_remote_code=False` wherever the architecture exists in `transformers` itself. Never load code from another repository through `repo--module` references.',
  references: [...REFS, 'https://huggingface.co/docs/transformers/main/en/model_doc/auto#transformers.AutoModel.from_pretrained'],
  tags: ['huggingface', 'code-execution', 'supply-chain'],
  maturity: 'stable',
});

export const dangerousRemoteCode = defineRule({
  id: 'huggingface/dangerous-remote-code',
  title: 'Custom model code does something dangerous',
  severity: 'critical',
  description:
    'A Python file that the folder\u2019s `auto_map`/`custom_pipelines` makes the loader import (or one it imports in turn) runs shell commands (`os.system`, `subprocess`), evaluates strings (`eval`, `exec`, `compile`, `__import__`), deserialises pickles or marshalled code, loads native libraries, opens sockets or downloads from the network. Model code has no reason to do any of that at import or load time.',
  remediation: 'Do not load the model with trust_remote_code. Remove the code or replace the architecture with one shipped by `transformers`; report the repository if it is public.',
  references: REFS,
  tags: ['huggingface', 'code-execution'],
  maturity: 'stable',
});

export const chatTemplateInjection = defineRule({
  id: 'huggingface/chat-template-injection',
  title: 'Chat template reaches Python internals (Jinja sandbox escape)',
  severity: 'critical',
  description:
    'The `chat_template` of tokenizer_config.json (or chat_template.jinja / chat_template.json / processor_config.json) contains a path from the template to Python internals: dunder attributes, the lipsum/cycler/joiner globals, the attr filter, or attribute names built from strings. Serving stacks that render templates without Jinja\u2019s sandbox execute commands on the first chat request.',
  remediation: 'Replace the template by the model family\u2019s published one and render templates only in a sandboxed Jinja environment.',
  references: [...REFS, 'https://huggingface.co/docs/transformers/main/en/chat_templating', 'docs/rules/gguf/chat-template-injection.md'],
  tags: ['huggingface', 'jinja', 'ssti', 'code-execution'],
  maturity: 'stable',
});

export const pickleNextToSafetensors = defineRule({
  id: 'huggingface/pickle-weights-alongside-safetensors',
  title: 'Pickle weights ship next to safetensors weights',
  severity: 'medium',
  description:
    'The folder holds weights in a pickle-based format (pytorch_model.bin, *.pt, *.pth, *.ckpt, *.pkl) next to safetensors weights. `from_pretrained` prefers safetensors, but `use_safetensors=False`, older library versions, other loaders (and `torch.load` in custom code) take the pickle: a scan that only looks at the safetensors file misses the file that may actually be loaded.',
  remediation: 'Delete the pickle-based weights from the folder you deploy and load with `use_safetensors=True`.',
  references: REFS,
  tags: ['huggingface', 'pickle', 'supply-chain'],
  maturity: 'stable',
});

export const shardIndexPath = defineRule({
  id: 'huggingface/shard-index-path',
  title: 'Sharded-weights index points outside the model folder',
  severity: 'high',
  description:
    'The `weight_map` of a `*.index.json` shard index names a file by an absolute path, a URL or a path with `..`. Loaders join these names with the model folder, so the model reads weights (or pickles) from anywhere on the host.',
  remediation: 'Do not load the model; shard file names must be plain file names inside the folder.',
  references: REFS,
  tags: ['huggingface', 'path-traversal'],
  maturity: 'stable',
});

export const malformedConfig = defineRule({
  id: 'huggingface/malformed-config',
  title: 'Model folder configuration file is malformed',
  severity: 'medium',
  description:
    'A configuration JSON of the folder (config.json, tokenizer_config.json, an index file) is not valid JSON or repeats keys. Python\u2019s json keeps the last duplicate: the scanner and the loader could read different `auto_map` or `chat_template` values, and a file that does not parse is not checked.',
  remediation: 'Fix or regenerate the file; remove duplicate keys.',
  references: REFS,
  tags: ['huggingface', 'integrity'],
  maturity: 'stable',
});

export const HUGGINGFACE_RULES = [trustRemoteCode, dangerousRemoteCode, chatTemplateInjection, pickleNextToSafetensors, shardIndexPath, malformedConfig] as const;
