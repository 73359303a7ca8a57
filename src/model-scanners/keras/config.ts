/**
 * A Keras model config (the `config.json` of a `.keras` v3 archive, or the
 * `model_config`/`training_config` attributes of a legacy `.h5` file), parsed into the list of its
 * objects. Keras 3's `deserialize_keras_object` resolves every `{module, class_name, config,
 * registered_name}` object by importing `module`; Keras 2 configs name classes only. The walk visits
 * every object at any depth (nested Functional/Sequential models, wrappers such as TimeDistributed,
 * initializers, activations, losses); the rules (rules.ts) judge the objects: Lambda layers, modules
 * outside Keras, known safe_mode bypasses and custom objects. `keras_version` from the archive is
 * recorded but never lowers a severity.
 */
import type { Location } from '../../findings/index.js';
import { coreRules } from '../../rules/index.js';
import { BufferSource } from '../../limits/index.js';
import type { ModelScanContext } from '../context.js';
import type { JsonValue } from '../text/index.js';
import { isJsonObject, parseStrictJson, quote } from '../text/index.js';
import { KERAS_CONFIG_RULES, malformedConfig } from './rules.js';

export interface KerasConfigOrigin {
  /** Where the config came from, for messages: `config.json`, `model_config attribute`. */
  readonly label: string;
  readonly location: Location;
}

export interface KerasConfigSummary {
  readonly objects: number;
  readonly layers: number;
  readonly lambdas: number;
}

/** One JSON object of the config, with the fields Keras deserialisation reads. */
export interface KerasObject {
  /** JSON path of the object (`/config/layers/2`). */
  readonly path: string;
  readonly className: string | undefined;
  readonly module: string | undefined;
  readonly registeredName: string | undefined;
  readonly config: JsonValue | undefined;
  /** `config.name`, when the config is an object with a string name. */
  readonly name: string | undefined;
}

/** What a rule check judges: the objects of one config, and where findings about it lie. */
export interface KerasConfigSubject {
  readonly objects: readonly KerasObject[];
  readonly origin: KerasConfigOrigin;
}

/** Every JSON object of a parsed config, depth first in document order (explicit stack, no recursion). */
export function kerasObjects(root: JsonValue): KerasObject[] {
  const out: KerasObject[] = [];
  const stack: { v: JsonValue; path: string }[] = [{ v: root, path: '' }];
  while (stack.length > 0) {
    const { v, path } = stack.pop() as { v: JsonValue; path: string };
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i] as JsonValue, path: `${path}/${i}` });
      continue;
    }
    if (!isJsonObject(v)) continue;
    const config = v['config'];
    out.push({
      path,
      className: typeof v['class_name'] === 'string' ? v['class_name'] : undefined,
      module: typeof v['module'] === 'string' ? v['module'] : undefined,
      registeredName: typeof v['registered_name'] === 'string' ? v['registered_name'] : undefined,
      config,
      name: isJsonObject(config) && typeof config['name'] === 'string' ? config['name'] : undefined,
    });
    const entries = Object.entries(v);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, child] = entries[i] as [string, JsonValue];
      if (typeof child === 'object' && child !== null) stack.push({ v: child, path: `${path}/${k}` });
    }
  }
  return out;
}

/** Parse and analyse one config text: malformed JSON is reported, the objects are judged by the rules. */
export function analyzeKerasConfig(text: string, origin: KerasConfigOrigin, ctx: ModelScanContext): KerasConfigSummary | undefined {
  const parsed = parseStrictJson(text, { maxDepth: ctx.limits.maxStructureDepth });
  if (!parsed.ok) {
    if (parsed.depthExceeded) {
      ctx.report(coreRules.limitExceeded, { location: origin.location, message: `${origin.label}: ${parsed.error}`, evidence: 'maxStructureDepth' });
      ctx.reporter.markPartial(ctx.path);
    } else {
      ctx.report(malformedConfig, { location: origin.location, message: `${origin.label} is not valid JSON: ${parsed.error}` });
    }
    return undefined;
  }
  for (const d of parsed.duplicates) {
    ctx.report(malformedConfig, {
      location: origin.location,
      message: `${origin.label} repeats the key ${quote(d.key)} in ${quote(d.path)}: Python's json keeps the last one`,
      evidence: `${d.path}/${d.key}`,
    });
  }
  return analyzeKerasConfigValue(parsed.value, origin, ctx);
}

/** Strings of a config examined as possible embedded blobs, per config (the rest are not decoded). */
const MAX_BLOB_CANDIDATES = 256;
/** Shortest string worth decoding as an embedded serialized object. */
const MIN_BLOB_CHARS = 24;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const BASE64_URL = /^[A-Za-z0-9_-]+={0,2}$/;

/**
 * Serialized objects a config carries as strings, fed back to the scanner: Keras 3's
 * `TorchModuleWrapper` stores `torch.save(module)` base64-encoded in `config.module` and passes it to
 * `torch.load(weights_only=False)` when the model is loaded; `__bytes__` objects hold bytes as text;
 * any other long base64 string that decodes to a format Bulwark recognises is scanned too. Each is
 * scanned as a member named after its JSON path; what it contains decides the findings.
 */
export function scanConfigBlobs(root: JsonValue, origin: KerasConfigOrigin, ctx: ModelScanContext): void {
  const stack: { v: JsonValue; path: string; parentClass: string | undefined }[] = [{ v: root, path: '', parentClass: undefined }];
  let candidates = 0;
  while (stack.length > 0 && candidates < MAX_BLOB_CANDIDATES) {
    const { v, path, parentClass } = stack.pop() as { v: JsonValue; path: string; parentClass: string | undefined };
    if (typeof v === 'string') {
      const bytesField = parentClass === '__bytes__' && path.endsWith('/config/value');
      if (v.length < (bytesField ? 2 : MIN_BLOB_CHARS)) continue;
      const blob = bytesField ? new Uint8Array(Buffer.from(v, 'utf8')) : decodeBase64(v);
      if (blob === undefined) continue;
      candidates++;
      const src = new BufferSource(blob);
      // Detected by content; a string that decodes to no recognised format is left alone.
      const what = parentClass === 'TorchModuleWrapper' ? 'TorchModuleWrapper module (torch.load on model load)' : bytesField ? 'bytes' : 'base64';
      ctx.scanNested(src, `${origin.label.split(' ')[0] ?? 'config'}:${path} (${what})`);
      continue;
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i] as JsonValue, path: `${path}/${i}`, parentClass });
      continue;
    }
    if (!isJsonObject(v)) continue;
    const cls = typeof v['class_name'] === 'string' ? v['class_name'] : parentClass;
    const entries = Object.entries(v);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, child] = entries[i] as [string, JsonValue];
      if (child !== null && (typeof child === 'object' || typeof child === 'string')) stack.push({ v: child, path: `${path}/${k}`, parentClass: cls });
    }
  }
}

function decodeBase64(s: string): Uint8Array | undefined {
  const t = s.replace(/\s+/g, '');
  if (t.length < MIN_BLOB_CHARS || t.length % 4 === 1) return undefined;
  if (!BASE64.test(t) && !BASE64_URL.test(t)) return undefined;
  // Plain words and identifiers are valid base64 too: require the mix a binary encoding has.
  if (!/[0-9]/.test(t) || !/[A-Z]/.test(t) || !/[a-z]/.test(t)) return undefined;
  const b = Buffer.from(t, BASE64.test(t) ? 'base64' : 'base64url');
  return b.length === 0 ? undefined : new Uint8Array(b.buffer, b.byteOffset, b.length);
}

/** Judge the objects of a parsed config with the Keras rules; returns counts for the summary. */
export function analyzeKerasConfigValue(root: JsonValue, origin: KerasConfigOrigin, ctx: ModelScanContext): KerasConfigSummary {
  const objects = kerasObjects(root);
  ctx.check(KERAS_CONFIG_RULES, { objects, origin });
  scanConfigBlobs(root, origin, ctx);
  let classes = 0;
  let layers = 0;
  let lambdas = 0;
  for (const o of objects) {
    if (o.className === undefined) continue;
    classes++;
    if (isJsonObject(o.config) && 'trainable' in o.config) layers++;
    if (o.className === 'Lambda' || o.className === '__lambda__') lambdas++;
  }
  return { objects: classes, layers, lambdas };
}
