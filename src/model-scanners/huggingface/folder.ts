/**
 * Directory-level analysis of Hugging Face model folders (transformers / diffusers / PEFT layouts).
 * Per-file content scanning (safetensors, pickles, GGUF...) is the engine's job; this looks at what
 * only the folder tells:
 *  - `auto_map` / `custom_pipelines` / diffusers custom components / PEFT `auto_mapping`: which Python
 *    files `trust_remote_code=True` imports, whether they are in the folder or in another repository,
 *    and what those files (and the files they import relatively) do;
 *  - chat templates in tokenizer_config.json, chat_template.jinja, chat_template.json and processor
 *    configs (the same Jinja analysis as GGUF);
 *  - pickle-based weights next to safetensors weights;
 *  - shard indexes whose weight_map leaves the folder.
 *
 * It never reads the disk: the engine walks the folder, captures the text of the files this module
 * wants (`folderTextWanted`) in its per-file phase, and passes every walked file with its text or the
 * reason it has none. A wanted file without text is reported as not checked (fail closed), never
 * passed as clean. Strings from the configs are data: a referenced module is only ever matched
 * against the walked file list, never turned into a path to open.
 */
import { posix } from 'node:path';
import { join } from 'node:path';
import type { Location, Severity } from '../../findings/index.js';
import type { Limits } from '../../limits/index.js';
import { isLimitName } from '../../limits/index.js';
import type { Reporter } from '../../rules/index.js';
import { coreRules } from '../../rules/index.js';
import { analyzeTemplate } from '../jinja/index.js';
import type { JsonObject, JsonValue } from '../text/index.js';
import { isJsonObject, lineColumnAt, parseStrictJson, quote } from '../text/index.js';
import { scanPython } from './python-scan.js';
import * as R from './rules.js';

/** Config files whose `auto_map` makes transformers import code. */
const AUTO_MAP_FILES = new Set(['config.json', 'tokenizer_config.json', 'preprocessor_config.json', 'processor_config.json', 'feature_extractor_config.json', 'image_processor_config.json', 'video_preprocessor_config.json']);
/** Libraries diffusers/PEFT resolve from installed packages (anything else is custom code). */
const KNOWN_LIBRARIES = new Set(['diffusers', 'transformers', 'peft', 'torch', 'onnxruntime', 'optimum', 'sentence_transformers', 'timm', 'open_clip', 'keras', 'keras_hub']);
const PICKLE_WEIGHTS = /(^|\/)(pytorch_model(-\d+-of-\d+)?\.bin|[^/]+\.(pt|pth|ckpt|pkl|pickle|joblib|dill))$/i;
const SAFETENSORS = /\.safetensors$/i;
/** Skipped remote-code files named in the limit finding (the rest are counted). */
const SKIPPED_SHOWN = 5;

/** One regular file walked under a scanned folder. */
export interface FolderFile {
  /** Path relative to the folder, with `/` separators. */
  readonly rel: string;
  /** The file's text, present only where `folderTextWanted(rel)` and the engine could capture it. */
  readonly text?: string;
  /**
   * Why there is no text for a wanted file: too large (naming the limit, e.g. `larger than
   * maxTextBytes (67108864 bytes)` or `maxFolderTextBytes`), not UTF-8, a read error.
   */
  readonly unavailable?: string;
}

export interface FolderAnalysis {
  /**
   * Files that became analysed targets, by relative path, with the format they were analysed as:
   * `json-config`, `chat-template`, `python-source`. Wanted files whose text was unavailable (and
   * remote code skipped past `maxRemoteCodeFiles`) are listed too: their findings make them partial.
   */
  readonly analyzed: ReadonlyMap<string, string>;
}

type FolderFormat = 'json-config' | 'chat-template' | 'python-source';

/** What the folder analysis reads a file as, by its name (undefined: not read). */
function folderFormat(rel: string): FolderFormat | undefined {
  const name = posix.basename(rel);
  if (AUTO_MAP_FILES.has(name) || name === 'model_index.json' || name === 'adapter_config.json' || name === 'modules.json' || name === 'chat_template.json' || name.endsWith('.index.json')) return 'json-config';
  if (name.endsWith('.jinja') && (name.startsWith('chat_template') || rel.includes('additional_chat_templates/'))) return 'chat-template';
  if (name.endsWith('.py')) return 'python-source';
  return undefined;
}

/**
 * Whether the folder analysis needs the text of this file (relative posix path inside a scanned
 * folder): the configs it reads, chat templates, and Python files (any of them may be remote code).
 */
export function folderTextWanted(rel: string): boolean {
  return folderFormat(rel.split('\\').join('/')) !== undefined;
}

interface Ctx {
  readonly dir: string;
  /** Every walked file, by normalised relative path. */
  readonly files: ReadonlyMap<string, FolderFile>;
  readonly limits: Limits;
  readonly reporter: Reporter;
  readonly analyzed: Map<string, string>;
  /** Files already reported as not checked. */
  readonly unavailable: Set<string>;
}

function fileLoc(c: Ctx, rel: string, line?: number, column?: number): Location {
  const path = join(c.dir, rel);
  if (line === undefined) return { kind: 'file', path };
  return column === undefined ? { kind: 'file', path, line } : { kind: 'file', path, line, column };
}

/** The first limit name a reason mentions (`larger than maxTextBytes (…)`), if any. */
function limitNamed(reason: string): string | undefined {
  for (const m of reason.matchAll(/\bmax[A-Z][A-Za-z0-9]*\b/g)) if (isLimitName(m[0])) return m[0];
  return undefined;
}

/**
 * The text of a file the analysis reads, recording it as analysed. When the engine could not capture
 * it, the file is reported as not checked (once) and its target becomes partial.
 */
function textOf(c: Ctx, rel: string, format: FolderFormat): string | undefined {
  c.analyzed.set(rel, format);
  const f = c.files.get(rel);
  if (f?.text !== undefined) return f.text;
  if (c.unavailable.has(rel)) return undefined;
  c.unavailable.add(rel);
  const reason = f?.unavailable ?? 'its text was not captured';
  const location = fileLoc(c, rel);
  const limit = limitNamed(reason);
  if (limit !== undefined) {
    c.reporter.report(coreRules.limitExceeded, { location, message: `${rel} was not checked: ${reason}`, evidence: limit });
  } else {
    const rule = format === 'python-source' ? R.trustRemoteCode : R.malformedConfig;
    c.reporter.report(rule, { location, message: `${rel} could not be read (${reason}); not checked`, severity: 'high' });
  }
  c.reporter.markPartial(location.path);
  return undefined;
}

function readJson(c: Ctx, rel: string): { value: JsonValue; text: string } | undefined {
  const text = textOf(c, rel, 'json-config');
  if (text === undefined) return undefined;
  const parsed = parseStrictJson(text.replace(/^\uFEFF/, ''), { maxDepth: c.limits.maxStructureDepth });
  if (!parsed.ok) {
    const lc = lineColumnAt(text, parsed.offset);
    if (parsed.depthExceeded) {
      const location = fileLoc(c, rel, lc.line, lc.column);
      c.reporter.report(coreRules.limitExceeded, { location, message: `${rel}: ${parsed.error}; not checked`, evidence: 'maxStructureDepth' });
    } else {
      c.reporter.report(R.malformedConfig, { location: fileLoc(c, rel, lc.line, lc.column), message: `${rel} is not valid JSON (${parsed.error}); not checked` });
    }
    return undefined;
  }
  for (const d of parsed.duplicates) {
    const lc = lineColumnAt(text, d.offset);
    c.reporter.report(R.malformedConfig, {
      location: fileLoc(c, rel, lc.line, lc.column),
      message: `${rel} repeats the key ${quote(d.key)} in ${quote(d.path)}; Python's json (the loader) keeps the last value`,
      evidence: `${d.path}/${d.key}`,
    });
  }
  return { value: parsed.value, text };
}

/** Where in `text` a JSON string value appears (for line numbers); falls back to the start. */
function findLine(text: string, needle: string): { line: number; column: number } {
  const i = text.indexOf(JSON.stringify(needle).slice(1, -1).slice(0, 200));
  return lineColumnAt(text, i < 0 ? 0 : i);
}

interface CodeRef {
  /** The config that asked for the code and the key path, for messages. */
  readonly source: string;
  readonly key: string;
  /** `module.Class` or `repo--module.Class`. */
  readonly reference: string;
  /** Folder (relative, posix) the module is resolved against. */
  readonly base: string;
}

/**
 * Analyse one model folder. `dir` is the folder on disk; `files` every regular file the engine walked
 * in it (relative posix paths), with the text of the wanted ones. Findings leave through `reporter`.
 */
export function analyzeModelFolder(dir: string, files: readonly FolderFile[], limits: Limits, reporter: Reporter): FolderAnalysis {
  const byRel = new Map<string, FolderFile>();
  for (const f of files) {
    const rel = f.rel.split('\\').join('/');
    byRel.set(rel, rel === f.rel ? f : { ...f, rel });
  }
  const c: Ctx = { dir, files: byRel, limits, reporter, analyzed: new Map(), unavailable: new Set() };
  const refs: CodeRef[] = [];
  for (const rel of byRel.keys()) {
    const base = posix.dirname(rel) === '.' ? '' : posix.dirname(rel);
    const name = posix.basename(rel);
    if (AUTO_MAP_FILES.has(name) || name === 'model_index.json' || name === 'adapter_config.json') {
      const j = readJson(c, rel);
      if (!j) continue;
      if (isJsonObject(j.value)) collectCodeRefs(c, rel, base, j.value, j.text, refs);
      if ((name === 'tokenizer_config.json' || name === 'processor_config.json') && isJsonObject(j.value)) checkChatTemplateValue(c, rel, j.value['chat_template'], j.text);
    } else if (name === 'modules.json') {
      const j = readJson(c, rel);
      if (j && Array.isArray(j.value)) collectModuleRefs(rel, base, j.value, refs);
    } else if (name === 'chat_template.json') {
      const j = readJson(c, rel);
      if (j && isJsonObject(j.value)) checkChatTemplateValue(c, rel, j.value['chat_template'], j.text);
    } else if (folderFormat(rel) === 'chat-template') {
      const text = textOf(c, rel, 'chat-template');
      if (text !== undefined) checkTemplate(c, rel, name, text, text, 0);
    } else if (name.endsWith('.index.json')) {
      const j = readJson(c, rel);
      if (j && isJsonObject(j.value) && isJsonObject(j.value['weight_map'])) checkWeightMap(c, rel, j.value['weight_map'], j.text);
    }
  }
  collectEntryPoints(byRel, refs);
  checkCodeRefs(c, refs);
  checkPickleNextToSafetensors(c, [...byRel.keys()]);
  return { analyzed: c.analyzed };
}

/**
 * sentence-transformers `modules.json`: `[{idx, name, path, type}]`; SentenceTransformer imports
 * `type` (`sentence_transformers.models.Pooling`), and a type outside sentence_transformers is a
 * custom module loaded from the repository (`custom_st.MyModule` → `custom_st.py`) like auto_map.
 */
function collectModuleRefs(rel: string, base: string, list: readonly JsonValue[], refs: CodeRef[]): void {
  for (let i = 0; i < list.length; i++) {
    const m = list[i];
    if (!isJsonObject(m) || typeof m['type'] !== 'string' || m['type'] === '') continue;
    const type = m['type'];
    if (KNOWN_LIBRARIES.has(type.split('.')[0] ?? '')) continue;
    refs.push({ source: rel, key: `modules[${i}].type`, reference: type, base });
  }
}

/**
 * Python entry points that serving stacks import from the model repository without a config naming
 * them: `handler.py` (Hugging Face Inference Endpoints custom handler, `EndpointHandler`) and
 * `custom_generate/generate.py` (transformers custom generation methods), next to a config.
 */
function collectEntryPoints(files: ReadonlyMap<string, FolderFile>, refs: CodeRef[]): void {
  for (const rel of files.keys()) {
    const dir = posix.dirname(rel) === '.' ? '' : posix.dirname(rel);
    const name = posix.basename(rel);
    const at = (f: string): string => (dir ? `${dir}/${f}` : f);
    if (name === 'handler.py' && (files.has(at('config.json')) || files.has(at('modules.json')) || files.has(at('model_index.json')))) {
      refs.push({ source: rel, key: 'Inference Endpoints custom handler', reference: 'handler.EndpointHandler', base: dir });
    } else if (rel.endsWith('custom_generate/generate.py')) {
      const root = posix.dirname(dir) === '.' ? '' : posix.dirname(dir);
      refs.push({ source: rel, key: 'transformers custom_generate', reference: 'custom_generate.generate.generate', base: root });
    }
  }
}

function collectCodeRefs(c: Ctx, rel: string, base: string, cfg: JsonObject, text: string, refs: CodeRef[]): void {
  const name = posix.basename(rel);
  const autoMap = cfg['auto_map'];
  if (isJsonObject(autoMap)) {
    for (const [k, v] of Object.entries(autoMap)) {
      const list = Array.isArray(v) ? v : [v];
      for (const item of list) if (typeof item === 'string' && item !== '') refs.push({ source: rel, key: `auto_map.${k}`, reference: item, base });
    }
  }
  const pipelines = cfg['custom_pipelines'];
  if (isJsonObject(pipelines)) {
    for (const [task, p] of Object.entries(pipelines)) {
      if (isJsonObject(p) && typeof p['impl'] === 'string') refs.push({ source: rel, key: `custom_pipelines.${task}.impl`, reference: p['impl'], base });
    }
  }
  if (name === 'model_index.json') {
    // diffusers: "_class_name": ["pipeline_module", "MyPipeline"] for custom pipelines, and components
    // "unet": ["my_unet_module", "MyUNet"] whose library is not an installed package.
    const cls = cfg['_class_name'];
    if (Array.isArray(cls) && typeof cls[0] === 'string' && typeof cls[1] === 'string') refs.push({ source: rel, key: '_class_name', reference: `${cls[0]}.${cls[1]}`, base });
    for (const [comp, v] of Object.entries(cfg)) {
      if (comp.startsWith('_') || !Array.isArray(v) || typeof v[0] !== 'string' || typeof v[1] !== 'string') continue;
      if (KNOWN_LIBRARIES.has(v[0])) continue;
      refs.push({ source: rel, key: comp, reference: `${v[0]}.${v[1]}`, base: base ? `${base}/${comp}` : comp });
    }
  }
  if (name === 'adapter_config.json') {
    const am = cfg['auto_mapping'];
    if (isJsonObject(am) && typeof am['parent_library'] === 'string' && !KNOWN_LIBRARIES.has(am['parent_library'].split('.')[0] ?? '')) {
      const lc = findLine(text, am['parent_library']);
      c.reporter.report(R.trustRemoteCode, {
        location: fileLoc(c, rel, lc.line, lc.column),
        message: `${rel} auto_mapping.parent_library imports the module ${quote(am['parent_library'])} when the adapter is loaded with AutoPeftModel`,
        evidence: am['parent_library'],
      });
    }
  }
  void text;
}

/** `owner/repo--module.Class` → remote; `pkg.module.Class` → local file `pkg/module.py`. */
function parseReference(ref: string): { repo?: string; moduleFile: string; className: string } | undefined {
  let rest = ref;
  let repo: string | undefined;
  const dd = ref.indexOf('--');
  if (dd >= 0) {
    repo = ref.slice(0, dd);
    rest = ref.slice(dd + 2);
  }
  const parts = rest.split('.');
  const className = parts.pop();
  if (!className || parts.length === 0 || parts.some((p) => !/^[A-Za-z_][\w-]*$/.test(p))) return undefined;
  return { ...(repo !== undefined && { repo }), moduleFile: `${parts.join('/')}.py`, className };
}

function checkCodeRefs(c: Ctx, refs: readonly CodeRef[]): void {
  const max = c.limits.maxRemoteCodeFiles;
  const accepted = new Set<string>();
  const skipped = new Set<string>();
  const queue: { file: string; via: string }[] = [];
  const enqueue = (file: string, via: string): void => {
    if (accepted.has(file) || skipped.has(file)) return;
    if (accepted.size >= max) {
      skipped.add(file);
      return;
    }
    accepted.add(file);
    queue.push({ file, via });
  };
  for (const r of refs) {
    const text = c.files.get(r.source)?.text ?? '';
    const lc = findLine(text, r.reference);
    const loc = fileLoc(c, r.source, lc.line, lc.column);
    const parsed = parseReference(r.reference);
    if (!parsed) {
      c.reporter.report(R.trustRemoteCode, {
        location: loc,
        message: `${r.source} ${r.key} = ${quote(r.reference)} asks for custom code with a reference the scanner cannot resolve to a file of the folder`,
        evidence: r.reference,
      });
      continue;
    }
    if (parsed.repo !== undefined) {
      c.reporter.report(R.trustRemoteCode, {
        location: loc,
        message: `${r.source} ${r.key} loads ${parsed.className} from ${parsed.moduleFile} of ANOTHER repository ${quote(parsed.repo)}: that code is not in this folder and was not scanned`,
        evidence: r.reference,
      });
      continue;
    }
    const file = r.base ? `${r.base}/${parsed.moduleFile}` : parsed.moduleFile;
    const present = c.files.has(file);
    c.reporter.report(R.trustRemoteCode, {
      location: loc,
      message: `${r.source} ${r.key} makes trust_remote_code import ${parsed.className} from ${file}${present ? '' : ' (the file is missing from the folder: it would be fetched from the model repository at load time)'}`,
      evidence: r.reference,
    });
    if (present) enqueue(file, `${r.source} ${r.key}`);
  }
  // Scan the imported files and, transitively, their relative imports (at most maxRemoteCodeFiles).
  for (let i = 0; i < queue.length; i++) {
    const { file, via } = queue[i] as { file: string; via: string };
    const text = textOf(c, file, 'python-source');
    if (text === undefined) continue;
    const res = scanPython(text, c.limits.maxFindingsPerRule);
    for (const issue of res.issues) {
      c.reporter.report(R.dangerousRemoteCode, {
        location: fileLoc(c, file, issue.line, issue.column),
        message: `${file} (imported through ${via}) ${issue.what}`,
        severity: issue.severity as Severity,
        evidence: issue.evidence,
      });
    }
    // Issues past the ones kept are counted by the Reporter's per-rule summary.
    for (let k = 0; k < res.omitted; k++) {
      c.reporter.report(R.dangerousRemoteCode, { location: fileLoc(c, file), message: `${file} (imported through ${via}) has a further dangerous pattern (details not kept)` });
    }
    const dir = posix.dirname(file) === '.' ? '' : posix.dirname(file);
    for (const mod of res.relativeImports) {
      const f = `${dir ? `${dir}/` : ''}${mod.split('.').join('/')}.py`;
      if (c.files.has(f)) enqueue(f, file);
    }
  }
  if (skipped.size > 0) {
    const list = [...skipped];
    const first = list[0] as string;
    const shown = list.slice(0, SKIPPED_SHOWN).join(', ');
    c.reporter.report(coreRules.limitExceeded, {
      location: fileLoc(c, first),
      message: `${list.length} Python file(s) of the folder's remote code were not analysed: more than maxRemoteCodeFiles (${max}) files are imported (${shown}${list.length > SKIPPED_SHOWN ? ', …' : ''})`,
      evidence: 'maxRemoteCodeFiles',
    });
    for (const f of skipped) {
      c.analyzed.set(f, 'python-source');
      c.reporter.markPartial(join(c.dir, f));
    }
  }
}

function checkChatTemplateValue(c: Ctx, rel: string, v: JsonValue | undefined, text: string): void {
  if (typeof v === 'string') checkTemplate(c, rel, 'chat_template', v, text, -1);
  else if (Array.isArray(v)) {
    for (const item of v) {
      if (isJsonObject(item) && typeof item['template'] === 'string') {
        checkTemplate(c, rel, `chat_template[${typeof item['name'] === 'string' ? item['name'] : '?'}]`, item['template'], text, -1);
      }
    }
  } else if (isJsonObject(v)) {
    for (const [k, t] of Object.entries(v)) if (typeof t === 'string') checkTemplate(c, rel, `chat_template.${k}`, t, text, -1);
  }
}

/**
 * `base` is the template's offset in the file text when the file IS the template (line numbers
 * exact); -1 when the template is a JSON string value (lines point at the value's start).
 */
function checkTemplate(c: Ctx, rel: string, label: string, template: string, fileText: string, base: number): void {
  const a = analyzeTemplate(template, { maxTokens: c.limits.maxTemplateTokens });
  if (a.limit !== undefined) {
    c.reporter.report(coreRules.limitExceeded, {
      location: fileLoc(c, rel),
      message: `${rel} ${label}: the template was only partly analysed: it has more than ${a.limit} (${c.limits.maxTemplateTokens}) tokens`,
      evidence: a.limit,
    });
  } else if (!a.complete) {
    c.reporter.report(R.chatTemplateInjection, { location: fileLoc(c, rel), message: `${rel} ${label}: the template was only partly analysed (a bound was reached)`, severity: 'high' });
  }
  const valueAt = base >= 0 ? undefined : findLine(fileText, template.slice(0, 80));
  for (const issue of a.issues) {
    const lc = base >= 0 ? lineColumnAt(fileText, base + issue.offset) : valueAt ?? { line: 1, column: 1 };
    c.reporter.report(R.chatTemplateInjection, {
      location: fileLoc(c, rel, lc.line, lc.column),
      message: `${rel} ${label}: ${issue.message}`,
      severity: issue.severity,
      evidence: issue.evidence,
    });
  }
}

function checkWeightMap(c: Ctx, rel: string, map: JsonObject, text: string): void {
  const seen = new Set<string>();
  for (const v of Object.values(map)) {
    if (typeof v !== 'string' || seen.has(v)) continue;
    seen.add(v);
    const why = /^[a-z][a-z0-9+.-]*:\/\//i.test(v)
      ? 'a URL'
      : v.startsWith('/') || v.startsWith('\\') || /^[a-zA-Z]:/.test(v)
        ? 'an absolute path'
        : v.split(/[\\/]/).includes('..')
          ? 'a path with ".."'
          : v.startsWith('~')
            ? 'a home-directory path'
            : undefined;
    if (why) {
      const lc = findLine(text, v);
      c.reporter.report(R.shardIndexPath, { location: fileLoc(c, rel, lc.line, lc.column), message: `${rel} maps weights to ${quote(v)}, ${why}`, evidence: v });
    }
  }
}

function checkPickleNextToSafetensors(c: Ctx, files: readonly string[]): void {
  const byDir = new Map<string, { pickles: string[]; safetensors: string[] }>();
  for (const f of files) {
    const d = posix.dirname(f);
    let e = byDir.get(d);
    if (!e) byDir.set(d, (e = { pickles: [], safetensors: [] }));
    if (SAFETENSORS.test(f)) e.safetensors.push(f);
    else if (PICKLE_WEIGHTS.test(f) && !/(^|\/)(training_args|optimizer|scheduler|rng_state[\w-]*|scaler)\.(bin|pt|pth)$/i.test(f)) e.pickles.push(f);
  }
  for (const [, e] of byDir) {
    if (e.safetensors.length === 0) continue;
    for (const p of e.pickles) {
      c.reporter.report(R.pickleNextToSafetensors, {
        location: fileLoc(c, p),
        message: `${p} (pickle-based weights) ships next to ${e.safetensors[0] ?? ''}; depending on the loader and its options either file is loaded`,
        evidence: p,
      });
    }
  }
}
