import { defineRule } from '../../rules/index.js';

const REFS = ['https://github.com/ggml-org/ggml/blob/master/docs/gguf.md', 'docs/formats-gguf.md'];

export const chatTemplateInjection = defineRule({
  id: 'gguf/chat-template-injection',
  title: 'GGUF chat template reaches Python internals (Jinja sandbox escape)',
  severity: 'critical',
  description:
    'A template-valued metadata key (`tokenizer.chat_template`, `tokenizer.chat_template.<name>`, or another key holding a Jinja template) contains a path from the template to Python internals: dunder attributes (`__class__`, `__mro__`, `__subclasses__`, `__globals__`, `__builtins__`, `__import__`), the `lipsum`/`cycler`/`joiner` globals, `self._TemplateReference__context`, `os.popen`, the `attr` filter, or attribute names built from strings (`\'__cla\' ~ \'ss__\'`, `|join`, `|format`, escapes). Servers that render the template with an unsandboxed Jinja environment execute commands when the model is loaded or the first chat request arrives (llama-cpp-python CVE-2024-34359).',
  remediation:
    'Do not serve the model. Replace the chat template with the model family\u2019s published template (or strip it with `gguf-new-metadata --remove-metadata tokenizer.chat_template`), and render templates only in a sandboxed Jinja environment.',
  references: [...REFS, 'https://nvd.nist.gov/vuln/detail/CVE-2024-34359'],
  tags: ['gguf', 'jinja', 'ssti', 'code-execution'],
  maturity: 'stable',
});

export const malformedHeader = defineRule({
  id: 'gguf/malformed-header',
  title: 'GGUF header or metadata table is malformed',
  severity: 'high',
  description:
    'The GGUF header, key/value table or tensor-info table does not follow the format: an unsupported version, counts or string lengths that run past the end of the file, an unknown value type, more than 4 dimensions, an unknown ggml tensor type, or an alignment that is not a power of two. Loaders written in C/C++ have had memory-safety bugs on exactly these fields; the rest of the file was not analysed.',
  remediation: 'Do not load the file. Re-convert the model with llama.cpp\u2019s `convert_hf_to_gguf.py` from trusted weights.',
  references: REFS,
  tags: ['gguf', 'integrity', 'memory-safety'],
  maturity: 'stable',
});

export const tensorDataLayout = defineRule({
  id: 'gguf/tensor-data-layout',
  title: 'GGUF tensor data lies outside the data section, overlaps or is misaligned',
  severity: 'high',
  description:
    'A tensor\u2019s offset is not a multiple of the file alignment, its data (from its shape and ggml type) runs past the end of the file, or two tensors overlap. Such offsets are how out-of-bounds reads in GGUF loaders were triggered, and overlapping tensors mean two views of the same bytes.',
  remediation: 'Do not load the file; re-convert the model from trusted weights.',
  references: REFS,
  tags: ['gguf', 'integrity', 'memory-safety'],
  maturity: 'stable',
});

export const duplicateKey = defineRule({
  id: 'gguf/duplicate-key',
  title: 'GGUF metadata key or tensor name appears twice',
  severity: 'high',
  description:
    'The same metadata key (for example two `tokenizer.chat_template` entries) or the same tensor name appears more than once. llama.cpp rejects duplicate keys while other readers keep the first or the last: a scanner may check one chat template while the server renders the other.',
  remediation: 'Do not load the file; re-convert the model.',
  references: REFS,
  tags: ['gguf', 'integrity', 'parser-differential'],
  maturity: 'stable',
});

export const GGUF_RULES = [chatTemplateInjection, malformedHeader, tensorDataLayout, duplicateKey] as const;
