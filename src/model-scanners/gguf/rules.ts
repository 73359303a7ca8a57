/**
 * GGUF rules. Each judges the parsed file (`GgufSubject`: parse.ts's `GgufFile` and where its offsets
 * lie) in its `check`, run by the scan context's dispatcher.
 */
import { defineRule } from '../../rules/index.js';
import type { Locator } from '../context.js';
import { quote } from '../text/index.js';
import type { GgufFile, GgufTensorInfo } from './parse.js';
import { GGML_TYPES, validAlignment } from './parse.js';

export interface GgufSubject {
  readonly gguf: GgufFile;
  readonly at: Locator;
}

const REFS = ['https://github.com/ggml-org/ggml/blob/master/docs/gguf.md', 'docs/formats-gguf.md'];

export const chatTemplateInjection = defineRule<GgufSubject>({
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
  check({ gguf, at }, report) {
    for (const t of gguf.templates) {
      for (const issue of t.analysis.issues) {
        const byteOff = t.offset + Buffer.byteLength(t.text.slice(0, issue.offset), 'utf8');
        report({ location: at(byteOff), message: `${t.key}: ${issue.message}`, severity: issue.severity, evidence: issue.evidence });
      }
    }
  },
});

export const malformedHeader = defineRule<GgufSubject>({
  id: 'gguf/malformed-header',
  title: 'GGUF header or metadata table is malformed',
  severity: 'high',
  description:
    'The GGUF header, key/value table or tensor-info table does not follow the format: an unsupported version, counts or string lengths that run past the end of the file, an unknown value type, more than 4 dimensions, an unknown ggml tensor type, or an alignment that is not a power of two. Loaders written in C/C++ have had memory-safety bugs on exactly these fields; the rest of the file was not analysed.',
  remediation: 'Do not load the file. Re-convert the model with llama.cpp\u2019s `convert_hf_to_gguf.py` from trusted weights.',
  references: REFS,
  tags: ['gguf', 'integrity', 'memory-safety'],
  maturity: 'stable',
  check({ gguf, at }, report) {
    for (const a of gguf.alignmentValues) {
      if (!validAlignment(a.value)) report({ location: at(a.at), message: `general.alignment is ${a.value}, not a power of two (llama.cpp rejects it)` });
    }
    for (const t of gguf.tensors) {
      const type = GGML_TYPES[t.type];
      if (type === undefined) {
        report({ location: at(t.at), message: `tensor ${quote(t.name)} has unknown ggml type ${t.type}; its size could not be checked`, severity: 'medium', evidence: `ggml-type-${t.type}` });
        continue;
      }
      const [tname, block] = type;
      if (t.elements % BigInt(block) !== 0n) {
        report({ location: at(t.at), message: `tensor ${quote(t.name)}: ${t.elements} elements are not a multiple of the ${tname} block size ${block}`, evidence: t.name });
      }
    }
    for (const p of gguf.problems) if (p.kind === 'malformed') report({ location: at(p.offset), message: p.message });
  },
});

export const tensorDataLayout = defineRule<GgufSubject>({
  id: 'gguf/tensor-data-layout',
  title: 'GGUF tensor data lies outside the data section, overlaps or is misaligned',
  severity: 'high',
  description:
    'A tensor\u2019s offset is not a multiple of the file alignment, its data (from its shape and ggml type) runs past the end of the file, or two tensors overlap. Such offsets are how out-of-bounds reads in GGUF loaders were triggered, and overlapping tensors mean two views of the same bytes.',
  remediation: 'Do not load the file; re-convert the model from trusted weights.',
  references: REFS,
  tags: ['gguf', 'integrity', 'memory-safety'],
  maturity: 'stable',
  check({ gguf, at }, report) {
    const alignment = BigInt(gguf.alignment);
    for (const t of gguf.tensors) {
      if (t.offset % alignment !== 0n) report({ location: at(t.at), message: `tensor ${quote(t.name)} offset ${t.offset} is not a multiple of the alignment ${gguf.alignment}`, evidence: t.name });
    }
    // The layout is judged only when the whole tensor-info table was read (the data section is known).
    const data = gguf.data;
    if (data === undefined) return;
    const sorted = gguf.tensors.filter((x) => x.bytes !== undefined).sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
    let prevEnd = 0n;
    let prev: GgufTensorInfo | undefined;
    for (const t of sorted) {
      const end = t.offset + (t.bytes ?? 0n);
      if (end > data.length) {
        report({
          location: at(t.at),
          message: `tensor ${quote(t.name)} data [${t.offset}, ${end}) runs past the end of the ${data.length < 0n ? 0n : data.length}-byte data section`,
          evidence: t.name,
        });
      }
      if (prev && t.offset < prevEnd && (t.bytes ?? 0n) > 0n) {
        report({ location: at(t.at), message: `tensor ${quote(t.name)} overlaps tensor ${quote(prev.name)}`, evidence: t.name });
      }
      if (end > prevEnd) {
        prevEnd = end;
        prev = t;
      }
    }
  },
});

export const duplicateKey = defineRule<GgufSubject>({
  id: 'gguf/duplicate-key',
  title: 'GGUF metadata key or tensor name appears twice',
  severity: 'high',
  description:
    'The same metadata key (for example two `tokenizer.chat_template` entries) or the same tensor name appears more than once. llama.cpp rejects duplicate keys while other readers keep the first or the last: a scanner may check one chat template while the server renders the other.',
  remediation: 'Do not load the file; re-convert the model.',
  references: REFS,
  tags: ['gguf', 'integrity', 'parser-differential'],
  maturity: 'stable',
  check({ gguf, at }, report) {
    const keys = new Set<string>();
    for (const m of gguf.metadata) {
      if (keys.has(m.key)) {
        report({ location: at(m.at), message: `metadata key ${quote(m.key)} appears more than once; llama.cpp rejects the file, other readers keep one of the values`, evidence: m.key });
      }
      keys.add(m.key);
    }
    const names = new Set<string>();
    for (const t of gguf.tensors) {
      if (names.has(t.name)) report({ location: at(t.at), message: `tensor name ${quote(t.name)} appears more than once`, evidence: t.name });
      names.add(t.name);
    }
  },
});

export const embeddedObject = defineRule<GgufSubject>({
  id: 'gguf/embedded-object',
  title: 'GGUF string metadata holds a serialized object',
  severity: 'medium',
  description:
    'A string value of the GGUF metadata (outside the tokenizer vocabulary and the chat templates) holds bytes (raw, base64- or hex-encoded) that Bulwark recognises as a serialized object or model format: a pickle, a zip or tar archive, a compressed stream, another model file. Nothing in the format loads such a value, but code that reads the metadata and deserializes it (`pickle.loads(base64.b64decode(meta[...]))`) runs what it holds, and hiding a payload in metadata is how it escapes scanners that only read the weights. The value is scanned as a member of the file and its own findings say what it does (a pickle calling os.system is critical there); this finding records where it hides.',
  remediation: 'Do not deserialize metadata from untrusted models. Remove the value (re-export the file with the reference tools) or check why the producer stores serialized objects there.',
  references: ['https://github.com/ggml-org/ggml/blob/master/docs/gguf.md'],
  tags: ['gguf', 'embedded', 'obfuscation'],
  maturity: 'stable',
});

export const GGUF_RULES = [chatTemplateInjection, malformedHeader, tensorDataLayout, duplicateKey, embeddedObject] as const;
