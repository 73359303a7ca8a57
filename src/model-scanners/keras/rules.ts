/**
 * Keras rules. The config rules judge the objects of one parsed config (`KerasConfigSubject`,
 * config.ts) in their `check`, run by the scan context's dispatcher; `keras/malformed-config` is
 * reported by the parser and the archive reader (invalid JSON, duplicate keys or members).
 */
import { defineRule } from '../../rules/index.js';
import { isJsonObject, quote } from '../text/index.js';
import type { KerasConfigSubject, KerasObject } from './config.js';

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

function moduleRoot(m: string): string {
  return m.split('.')[0] ?? m;
}

function isKerasModule(m: string): boolean {
  return KERAS_PACKAGES.some((p) => m === p || m.startsWith(`${p}.`));
}

/** Where in the config an object is, for messages: `config.json /config/layers/1 ("dense")`. */
function where(o: KerasObject, label: string): string {
  return `${label} ${o.path || '/'}${o.name !== undefined ? ` (${quote(o.name)})` : ''}`;
}

/** Does the object name a module outside Keras (reported by keras/unsafe-module)? */
function foreignModule(o: KerasObject): boolean {
  return o.module !== undefined && !isKerasModule(o.module);
}

const REFS = ['https://keras.io/guides/serialization_and_saving/', 'docs/formats-keras.md'];

export const lambdaLayer = defineRule<KerasConfigSubject>({
  id: 'keras/lambda-layer',
  title: 'Keras model contains a Lambda layer or serialized Python function',
  severity: 'critical',
  description:
    'The model config holds a `Lambda` layer or a `__lambda__` function whose `code` is base64 marshalled Python bytecode (Keras 2 style: `function_type: "lambda"`). Loading with `safe_mode=False` (or with Keras versions before safe mode, or through legacy `.h5` loading) runs that bytecode in the loading process (CVE-2024-3660).',
  remediation: 'Do not load the model. Rebuild it without Lambda layers (write a registered custom layer in reviewed code instead) and re-save it.',
  references: [...REFS, 'https://nvd.nist.gov/vuln/detail/CVE-2024-3660'],
  tags: ['keras', 'code-execution'],
  maturity: 'stable',
  check({ objects, origin }, report) {
    for (const o of objects) {
      const path = o.path || '/';
      const cfg = isJsonObject(o.config) ? o.config : undefined;
      // Lambda layers, Keras 3 `__lambda__` functions and Keras 2 marshalled functions.
      if (o.className === 'Lambda') {
        const fn = cfg?.['function'];
        const fnType = cfg?.['function_type'];
        const bytecode = (isJsonObject(fn) && fn['class_name'] === '__lambda__') || fnType === 'lambda' || Array.isArray(fn);
        report({ location: origin.location, message: `${where(o, origin.label)}: Lambda layer${bytecode ? ' with marshalled Python bytecode' : ''}; loading it runs Python code`, evidence: `${path}:Lambda` });
      } else if (o.className === '__lambda__') {
        report({ location: origin.location, message: `${where(o, origin.label)}: a serialized Python lambda (marshalled bytecode) used as an argument`, evidence: `${path}:__lambda__` });
      }
      if (cfg !== undefined && cfg['function_type'] === 'lambda' && o.className !== 'Lambda') {
        report({ location: origin.location, message: `${where(o, origin.label)}: a function stored as marshalled bytecode (function_type "lambda")`, evidence: `${path}:function_type` });
      }
    }
  },
});

export const unsafeModule = defineRule<KerasConfigSubject>({
  id: 'keras/unsafe-module',
  title: 'Keras config imports a module outside Keras',
  severity: 'high',
  description:
    'An object in the model config names a `module` outside the Keras packages (`keras`, `keras_hub`, `keras_nlp`, `keras_cv`, `tf_keras`, `tensorflow.keras`). Keras 3 imports the module named in the config to resolve the object: modules such as `os`, `subprocess` or `builtins` turn the config into a function call on load (CVE-2025-1550). The archive\u2019s own `keras_version` is not trusted to lower the severity.',
  remediation: 'Do not load the model. Re-save it with objects from Keras only, or register reviewed custom objects explicitly in the loading code.',
  references: [...REFS, 'https://nvd.nist.gov/vuln/detail/CVE-2025-1550'],
  tags: ['keras', 'code-execution', 'deserialization'],
  maturity: 'stable',
  check({ objects, origin }, report) {
    for (const o of objects) {
      if (o.module === undefined || !foreignModule(o)) continue;
      const dangerous = DANGEROUS_MODULE_ROOTS.has(moduleRoot(o.module)) || DANGEROUS_MODULE_ROOTS.has(o.module);
      report({
        location: origin.location,
        message: `${where(o, origin.label)}: object ${quote(o.className ?? '?')} from module ${quote(o.module)}; Keras imports this module when loading`,
        severity: dangerous ? 'critical' : 'high',
        evidence: `${o.module}.${o.className ?? ''}`,
      });
    }
  },
});

export const safeModeBypass = defineRule<KerasConfigSubject>({
  id: 'keras/safe-mode-bypass',
  title: 'Keras config uses a known safe_mode bypass',
  severity: 'critical',
  description:
    'The config references Keras objects that escape `safe_mode=True`: `TFSMLayer` (loads and runs an external TensorFlow SavedModel), `keras.utils.get_file` or model-loading functions used as layer arguments (download or write files on load, CVE-2025-8747), `enable_unsafe_deserialization`, or lookup layers whose vocabulary is an absolute file path (arbitrary file read).',
  remediation: 'Do not load the model; upgrade Keras and re-save the model without these objects.',
  references: [...REFS, 'https://nvd.nist.gov/vuln/detail/CVE-2025-8747'],
  tags: ['keras', 'code-execution', 'file-access'],
  maturity: 'incubating',
  check({ objects, origin }, report) {
    for (const o of objects) {
      const fnName = o.className === 'function' && typeof o.config === 'string' ? o.config : undefined;
      const bypass = [o.className, fnName, o.registeredName].find((x) => x !== undefined && BYPASS_NAMES.has(x.split('>').pop() ?? x));
      if (bypass !== undefined) {
        report({
          location: origin.location,
          message: `${where(o, origin.label)}: references ${quote(bypass)}${o.module !== undefined ? ` from ${quote(o.module)}` : ''}, which escapes safe_mode (file download/write, external graph or unsafe deserialization)`,
          evidence: bypass,
        });
      }
      if (o.className !== undefined && LOOKUP_LAYERS.has(o.className) && isJsonObject(o.config)) {
        const vocab = o.config['vocabulary'];
        if (typeof vocab === 'string' && (vocab.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(vocab) || vocab.includes('..') || /^[a-z]+:\/\//i.test(vocab))) {
          report({
            location: origin.location,
            message: `${where(o, origin.label)}: ${o.className} reads its vocabulary from the file ${quote(vocab)} when loaded (arbitrary file read)`,
            severity: 'high',
            evidence: `${o.className}:${vocab}`,
          });
        }
      }
    }
  },
});

export const customObject = defineRule<KerasConfigSubject>({
  id: 'keras/custom-object',
  title: 'Keras model needs custom objects',
  severity: 'medium',
  description:
    'The config refers to registered custom objects (`registered_name` such as `MyPackage>MyLayer`). Loading needs code that is not in the model file, provided by whatever package registers that name in the loading process.',
  remediation: 'Make sure the loading code registers reviewed implementations of these objects; prefer models built from Keras layers only.',
  references: REFS,
  tags: ['keras', 'supply-chain'],
  maturity: 'stable',
  check({ objects, origin }, report) {
    for (const o of objects) {
      // An object from a foreign module is reported as such (keras/unsafe-module), not again here.
      const registered = o.registeredName;
      if (foreignModule(o) || registered === undefined || !registered.includes('>') || isKerasModule(moduleRoot(registered.split('>')[0] ?? ''))) continue;
      report({ location: origin.location, message: `${where(o, origin.label)}: custom object ${quote(registered)} must be provided by code outside the model`, evidence: registered });
    }
  },
});

export const malformedConfig = defineRule({
  id: 'keras/malformed-config',
  title: 'Keras archive or config is malformed',
  severity: 'high',
  description:
    'The `.keras` archive lacks `config.json`, or the config (or the legacy `.h5` `model_config` attribute) is not valid JSON, repeats keys or nests too deeply. Keras and the scanner may then read different configs.',
  remediation: 'Do not load the model; re-save it with Keras from a trusted source.',
  references: REFS,
  tags: ['keras', 'integrity'],
  maturity: 'stable',
});

/** The rules that judge a parsed config (their checks run on every config the scanner reads). */
export const KERAS_CONFIG_RULES = [lambdaLayer, unsafeModule, safeModeBypass, customObject] as const;

export const KERAS_RULES = [lambdaLayer, unsafeModule, safeModeBypass, customObject, malformedConfig] as const;
