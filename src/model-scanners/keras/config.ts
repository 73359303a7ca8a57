/**
 * Analysis of a Keras model config (the `config.json` of a `.keras` v3 archive, or the
 * `model_config`/`training_config` attributes of a legacy `.h5` file). Keras 3's
 * `deserialize_keras_object` resolves every `{module, class_name, config, registered_name}` object
 * by importing `module`; Keras 2 configs name classes only. The walk visits every object at any
 * depth (nested Functional/Sequential models, wrappers such as TimeDistributed, initializers,
 * activations, losses) and reports Lambda layers, modules outside Keras, known safe_mode bypasses and
 * custom objects. `keras_version` from the archive is recorded but never lowers a severity.
 */
import type { Location } from '../../findings/index.js';
import type { JsonValue } from '../safetensors/index.js';
import type { CappedReporter } from '../safetensors/index.js';
import { isJsonObject, parseStrictJson, quote } from '../safetensors/index.js';
import type { ModelScanContext } from '../context.js';
import { coreRules } from '../../rules/index.js';
import * as R from './rules.js';

/** Top-level packages whose modules Keras itself ships (and allows in safe mode). */
const KERAS_PACKAGES = ['keras', 'keras_hub', 'keras_nlp', 'keras_cv', 'tf_keras', 'tensorflow.keras', 'keras_rs'];
/** Module roots whose functions/classes turn a config into code execution or file/network access. */
const DANGEROUS_MODULE_ROOTS = new Set([
  'os', 'posix', 'nt', 'subprocess', 'builtins', '__builtin__', 'sys', 'shutil', 'importlib', 'runpy', 'pickle', 'cPickle', 'dill', 'joblib', 'marshal',
  'socket', 'ctypes', 'code', 'codeop', 'pty', 'commands', 'webbrowser', 'requests', 'urllib', 'urllib2', 'urllib3', 'http', 'httplib', 'ftplib', 'smtplib',
  'telnetlib', 'asyncio', 'multiprocessing', 'threading', 'signal', 'tempfile', 'pathlib', 'io', 'glob', 'platform', 'pdb', 'timeit', 'operator', 'functools',
  'numpy.f2py', 'torch', 'tensorflow', 'types', 'inspect', 'ast',
]);
/** Keras functions/classes that escape safe_mode when named in a config. */
const BYPASS_NAMES = new Set(['get_file', 'load_model', 'load_weights', 'enable_unsafe_deserialization', 'TFSMLayer', 'load_op_library']);
const LOOKUP_LAYERS = new Set(['StringLookup', 'IntegerLookup', 'TextVectorization', 'IndexLookup']);

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

function moduleRoot(m: string): string {
  return m.split('.')[0] ?? m;
}

function isKerasModule(m: string): boolean {
  return KERAS_PACKAGES.some((p) => m === p || m.startsWith(`${p}.`));
}

/** Parse and analyse one config text. Malformed JSON is reported; nothing is thrown. */
export function analyzeKerasConfig(text: string, origin: KerasConfigOrigin, ctx: ModelScanContext, rep: CappedReporter): KerasConfigSummary | undefined {
  const parsed = parseStrictJson(text, { maxDepth: ctx.limits.maxStructureDepth });
  if (!parsed.ok) {
    if (parsed.depthExceeded) {
      ctx.state.partial = true;
      ctx.report(coreRules.limitExceeded.report({ location: origin.location, message: `${origin.label}: ${parsed.error}`, evidence: 'maxStructureDepth' }));
    } else {
      rep.report(R.malformedConfig, { location: origin.location, message: `${origin.label} is not valid JSON: ${parsed.error}` });
    }
    return undefined;
  }
  for (const d of parsed.duplicates) {
    rep.report(R.malformedConfig, {
      location: origin.location,
      message: `${origin.label} repeats the key ${quote(d.key)} in ${quote(d.path)}: Python's json keeps the last one`,
      evidence: `${d.path}/${d.key}`,
    });
  }
  return analyzeKerasConfigValue(parsed.value, origin, rep);
}

export function analyzeKerasConfigValue(root: JsonValue, origin: KerasConfigOrigin, rep: CappedReporter): KerasConfigSummary {
  let objects = 0;
  let layers = 0;
  let lambdas = 0;
  const loc = origin.location;
  const stack: { v: JsonValue; path: string; depth: number }[] = [{ v: root, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { v, path } = stack.pop() as { v: JsonValue; path: string; depth: number };
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i] as JsonValue, path: `${path}/${i}`, depth: 0 });
      continue;
    }
    if (!isJsonObject(v)) continue;
    const className = typeof v['class_name'] === 'string' ? v['class_name'] : undefined;
    const module = typeof v['module'] === 'string' ? v['module'] : undefined;
    const registered = typeof v['registered_name'] === 'string' ? v['registered_name'] : undefined;
    const config = v['config'];
    const name = isJsonObject(config) && typeof config['name'] === 'string' ? config['name'] : undefined;
    const where = `${origin.label} ${path || '/'}${name !== undefined ? ` (${quote(name)})` : ''}`;
    if (className !== undefined) {
      objects++;
      if (isJsonObject(config) && 'trainable' in config) layers++;
    }
    // Lambda layers, Keras 3 `__lambda__` functions and Keras 2 marshalled functions.
    if (className === 'Lambda') {
      lambdas++;
      const fn = isJsonObject(config) ? config['function'] : undefined;
      const fnType = isJsonObject(config) ? config['function_type'] : undefined;
      const bytecode = (isJsonObject(fn) && fn['class_name'] === '__lambda__') || fnType === 'lambda' || Array.isArray(fn);
      rep.report(R.lambdaLayer, {
        location: loc,
        message: `${where}: Lambda layer${bytecode ? ' with marshalled Python bytecode' : ''}; loading it runs Python code`,
        evidence: `${path || '/'}:Lambda`,
      });
    } else if (className === '__lambda__') {
      lambdas++;
      rep.report(R.lambdaLayer, { location: loc, message: `${where}: a serialized Python lambda (marshalled bytecode) used as an argument`, evidence: `${path || '/'}:__lambda__` });
    }
    if (isJsonObject(config) && config['function_type'] === 'lambda' && className !== 'Lambda') {
      rep.report(R.lambdaLayer, { location: loc, message: `${where}: a function stored as marshalled bytecode (function_type "lambda")`, evidence: `${path || '/'}:function_type` });
    }
    // Modules outside Keras.
    let reportedModule = false;
    if (module !== undefined && !isKerasModule(module)) {
      const dangerous = DANGEROUS_MODULE_ROOTS.has(moduleRoot(module)) || DANGEROUS_MODULE_ROOTS.has(module);
      rep.report(R.unsafeModule, {
        location: loc,
        message: `${where}: object ${quote(className ?? '?')} from module ${quote(module)}; Keras imports this module when loading`,
        severity: dangerous ? 'critical' : 'high',
        evidence: `${module}.${className ?? ''}`,
      });
      reportedModule = true;
    }
    // Known safe_mode bypasses.
    const fnName = className === 'function' && typeof config === 'string' ? config : undefined;
    const bypass = [className, fnName, registered].find((x) => x !== undefined && BYPASS_NAMES.has(x.split('>').pop() ?? x));
    if (bypass !== undefined) {
      rep.report(R.safeModeBypass, {
        location: loc,
        message: `${where}: references ${quote(bypass)}${module !== undefined ? ` from ${quote(module)}` : ''}, which escapes safe_mode (file download/write, external graph or unsafe deserialization)`,
        evidence: bypass,
      });
    }
    if (className !== undefined && LOOKUP_LAYERS.has(className) && isJsonObject(config)) {
      const vocab = config['vocabulary'];
      if (typeof vocab === 'string' && (vocab.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(vocab) || vocab.includes('..') || /^[a-z]+:\/\//i.test(vocab))) {
        rep.report(R.safeModeBypass, {
          location: loc,
          message: `${where}: ${className} reads its vocabulary from the file ${quote(vocab)} when loaded (arbitrary file read)`,
          severity: 'high',
          evidence: `${className}:${vocab}`,
        });
      }
    }
    // Custom objects (registered outside Keras).
    if (!reportedModule && registered !== undefined && registered.includes('>') && !isKerasModule(moduleRoot(registered.split('>')[0] ?? ''))) {
      rep.report(R.customObject, { location: loc, message: `${where}: custom object ${quote(registered)} must be provided by code outside the model`, evidence: registered });
    }
    for (const [k, child] of Object.entries(v).reverse()) {
      if (typeof child === 'object' && child !== null) stack.push({ v: child, path: `${path}/${k}`, depth: 0 });
    }
  }
  return { objects, layers, lambdas };
}
