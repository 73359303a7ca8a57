import { defineRule } from '../../rules/index.js';

const REFS = ['https://github.com/onnx/onnx/blob/main/onnx/onnx.proto', 'docs/formats-onnx.md'];

export const customOperatorDomain = defineRule({
  id: 'onnx/custom-operator-domain',
  title: 'ONNX model uses operators from a custom domain',
  severity: 'high',
  description:
    'Nodes use an operator domain outside the ONNX standard (`\'\'`/`ai.onnx`, `ai.onnx.ml`, `ai.onnx.training`, `ai.onnx.preview.training`) and onnxruntime\u2019s built-in contrib domains (`com.microsoft`, `com.microsoft.nchwc`, `com.microsoft.experimental`, `com.ms.internal.nhwc`), and no model-local function defines it. Running the model then requires registering a native custom-op library (`SessionOptions.register_custom_ops_library` loads a shared object into the serving process) or a Python callback operator (`PyOp`, `PythonOp`): code that is not in the model file and was not reviewed with it.',
  remediation:
    'Find out which library implements the domain and review it like any native dependency; prefer models that use only standard operators. Never register custom-op libraries shipped next to a downloaded model.',
  references: [...REFS, 'https://onnxruntime.ai/docs/reference/operators/add-custom-op.html'],
  tags: ['onnx', 'native-code', 'supply-chain'],
  maturity: 'stable',
});

export const externalDataPath = defineRule({
  id: 'onnx/external-data-path',
  title: 'ONNX external data location escapes the model folder',
  severity: 'critical',
  description:
    'A tensor stores its data in an external file whose `location` is an absolute path, contains `..`, names a URL, or resolves (through a symbolic link) outside the folder of the model, or to a special file. Loaders that follow it read arbitrary files of the host into the model\u2019s weights (and an attacker-controlled model can then leak them through its outputs), or block on devices such as /dev/zero (onnx CVE-2024-27318, CVE-2022-25882).',
  remediation: 'Do not load the model. External data must be a relative path to a regular file inside the model folder; re-export with `onnx.save_model(..., save_as_external_data=True)`.',
  references: [...REFS, 'https://nvd.nist.gov/vuln/detail/CVE-2024-27318', 'https://nvd.nist.gov/vuln/detail/CVE-2022-25882'],
  tags: ['onnx', 'path-traversal', 'file-read'],
  maturity: 'stable',
});

export const externalDataMissing = defineRule({
  id: 'onnx/external-data-missing',
  title: 'ONNX external data file is missing',
  severity: 'medium',
  description:
    'A tensor refers to an external data file that is not present next to the model. The model cannot load as shipped; whatever file of that name exists where it is deployed will be read as its weights.',
  remediation: 'Ship the external data file with the model (and sign both), or re-export the model with its weights embedded.',
  references: REFS,
  tags: ['onnx', 'integrity'],
  maturity: 'stable',
});

export const externalDataRange = defineRule({
  id: 'onnx/external-data-range',
  title: 'ONNX external data offset or length is invalid',
  severity: 'high',
  description:
    'A tensor\u2019s external data `offset`/`length` is not a non-negative integer or runs past the end of the external file. Loaders have read out of bounds or mapped unrelated bytes on such values.',
  remediation: 'Do not load the model; re-export it with its external data.',
  references: REFS,
  tags: ['onnx', 'integrity', 'memory-safety'],
  maturity: 'stable',
});

export const ONNX_RULES = [customOperatorDomain, externalDataPath, externalDataMissing, externalDataRange] as const;
