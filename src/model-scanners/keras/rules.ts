import { defineRule } from '../../rules/index.js';

const REFS = ['https://keras.io/guides/serialization_and_saving/', 'docs/formats-keras.md'];

export const lambdaLayer = defineRule({
  id: 'keras/lambda-layer',
  title: 'Keras model contains a Lambda layer or serialized Python function',
  severity: 'critical',
  description:
    'The model config holds a `Lambda` layer or a `__lambda__` function whose `code` is base64 marshalled Python bytecode (Keras 2 style: `function_type: "lambda"`). Loading with `safe_mode=False` (or with Keras versions before safe mode, or through legacy `.h5` loading) runs that bytecode in the loading process (CVE-2024-3660).',
  remediation: 'Do not load the model. Rebuild it without Lambda layers (write a registered custom layer in reviewed code instead) and re-save it.',
  references: [...REFS, 'https://nvd.nist.gov/vuln/detail/CVE-2024-3660'],
  tags: ['keras', 'code-execution'],
  maturity: 'stable',
});

export const unsafeModule = defineRule({
  id: 'keras/unsafe-module',
  title: 'Keras config imports a module outside Keras',
  severity: 'high',
  description:
    'An object in the model config names a `module` outside the Keras packages (`keras`, `keras_hub`, `keras_nlp`, `keras_cv`, `tf_keras`, `tensorflow.keras`). Keras 3 imports the module named in the config to resolve the object: modules such as `os`, `subprocess` or `builtins` turn the config into a function call on load (CVE-2025-1550). The archive\u2019s own `keras_version` is not trusted to lower the severity.',
  remediation: 'Do not load the model. Re-save it with objects from Keras only, or register reviewed custom objects explicitly in the loading code.',
  references: [...REFS, 'https://nvd.nist.gov/vuln/detail/CVE-2025-1550'],
  tags: ['keras', 'code-execution', 'deserialization'],
  maturity: 'stable',
});

export const safeModeBypass = defineRule({
  id: 'keras/safe-mode-bypass',
  title: 'Keras config uses a known safe_mode bypass',
  severity: 'critical',
  description:
    'The config references Keras objects that escape `safe_mode=True`: `TFSMLayer` (loads and runs an external TensorFlow SavedModel), `keras.utils.get_file` or model-loading functions used as layer arguments (download or write files on load, CVE-2025-8747), `enable_unsafe_deserialization`, or lookup layers whose vocabulary is an absolute file path (arbitrary file read).',
  remediation: 'Do not load the model; upgrade Keras and re-save the model without these objects.',
  references: [...REFS, 'https://nvd.nist.gov/vuln/detail/CVE-2025-8747'],
  tags: ['keras', 'code-execution', 'file-access'],
  maturity: 'incubating',
});

export const customObject = defineRule({
  id: 'keras/custom-object',
  title: 'Keras model needs custom objects',
  severity: 'medium',
  description:
    'The config refers to registered custom objects (`registered_name` such as `MyPackage>MyLayer`). Loading needs code that is not in the model file, provided by whatever package registers that name in the loading process.',
  remediation: 'Make sure the loading code registers reviewed implementations of these objects; prefer models built from Keras layers only.',
  references: REFS,
  tags: ['keras', 'supply-chain'],
  maturity: 'stable',
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

export const KERAS_RULES = [lambdaLayer, unsafeModule, safeModeBypass, customObject, malformedConfig] as const;
