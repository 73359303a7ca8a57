/**
 * Format policy (`--policy production`): serve safetensors, ONNX or GGUF in production, never
 * pickle-based weights, even when no dangerous global is found (a pickle is code; a clean scan only
 * says that this scanner found nothing). The engine asks for the judgement of each target with its
 * detected format (`checkProductionPolicy`); see docs/policies.md.
 *
 * The rule lives in a `policy/` domain since it is about formats in general, not one format.
 */
import { defineRule } from '../../rules/index.js';

/**
 * Detected format ids (src/model-scanners/detect-format.ts and the refinements of the zip/tar
 * scanners) that are pickle-based. `numpy-npy`/`numpy-npz` are pickle-based only with object arrays
 * (the numpy scanner reports those); they are not listed.
 */
export const PICKLE_BASED_FORMATS: ReadonlySet<string> = new Set(['pickle', 'joblib', 'joblib-zlib', 'pytorch-zip', 'pytorch-legacy', 'pytorch-tar', 'dill']);

/** Formats the production policy accepts for weights. */
export const PRODUCTION_WEIGHT_FORMATS: ReadonlySet<string> = new Set(['safetensors', 'onnx', 'gguf']);

export function isPickleBasedFormat(format: string): boolean {
  return PICKLE_BASED_FORMATS.has(format);
}

/** One scanned target under a policy: what the production-policy rule judges. */
export interface PolicySubject {
  readonly policy: 'default' | 'production';
  readonly path: string;
  readonly format: string;
}

export const pickleWeightsPolicy = defineRule<PolicySubject>({
  id: 'policy/pickle-weights',
  title: 'Pickle-based weights under the production policy',
  severity: 'high',
  description:
    'Under `--policy production`, any model file in a pickle-based format (PyTorch .bin/.pt/.pth/.ckpt zips and legacy files, plain pickles, joblib) is reported, even when the scan found no dangerous global. Loading a pickle executes its opcodes; static analysis can miss obfuscated payloads, so production serves formats that cannot carry code: safetensors, ONNX or GGUF.',
  remediation:
    'Convert the weights to safetensors (`safetensors.torch.save_file(model.state_dict(), "model.safetensors")`, or the Hugging Face `convert` tools) or export to ONNX, remove the pickle files from the deployed folder, and load with `use_safetensors=True` / `weights_only=True`.',
  references: ['docs/policies.md', 'https://huggingface.co/docs/safetensors/index'],
  tags: ['policy', 'pickle', 'production'],
  maturity: 'stable',
  check({ policy, path, format }, report) {
    if (policy !== 'production' || !isPickleBasedFormat(format)) return;
    report({ location: { kind: 'file', path }, message: `${format} weights are pickle-based; the production policy requires safetensors, ONNX or GGUF`, evidence: format });
  },
});


/** A target the model scanners judge by its name: what it is called, how big it is, what it was found to be. */
export interface NamedTargetSubject {
  readonly policy: 'default' | 'production';
  readonly path: string;
  readonly size: number;
  readonly format: string;
  /** Why the name says "model" (`.pt`, `pytorch_model-00001-of-00002.bin`), from `modelFileName`. */
  readonly nameSays: string;
}

export const unrecognizedModelFile = defineRule<NamedTargetSubject>({
  id: 'policy/unrecognized-model-file',
  title: 'File named like a model is empty or in no format Bulwark recognises',
  severity: 'medium',
  description:
    'The file name says "model" (an extension such as .pt, .pth, .bin, .ckpt, .pkl, .joblib, .npy, .npz, .safetensors, .onnx, .gguf, .h5, .keras, .pb, or a Hugging Face weight name such as pytorch_model-00001-of-00002.bin) but the file is empty or its content is none of the formats Bulwark analyses, so nothing in it was analysed. A loader picks its parser from the name or tries several; content Bulwark does not recognise is content it cannot vouch for. Common benign causes: Git LFS or Xet pointer files (the weights were never fetched), truncated downloads, placeholders. Medium by default (a scanner that cannot tell what a file is must not pass it silently, but most such files are broken downloads); high under `--policy production`, where an unrecognised file must not be deployed as a model.',
  remediation:
    'Check what the file really is (`file`, `head -c 200`). Fetch the real weights (`git lfs pull`), re-download a truncated file, or remove the placeholder; if it is a model format Bulwark does not support, convert it to safetensors, ONNX or GGUF.',
  references: ['docs/policies.md', 'docs/formats.md'],
  tags: ['policy', 'coverage'],
  maturity: 'stable',
  check({ policy, path, size, nameSays }, report) {
    const what = size === 0 ? 'is empty' : 'is in no format Bulwark recognises, so its content was not analysed';
    report({
      location: { kind: 'file', path },
      message: `named like a model file (${nameSays}) but ${what}${policy === 'production' ? '; the production policy requires every model file to be analysed' : ''}`,
      evidence: nameSays,
      ...(policy === 'production' && { severity: 'high' as const }),
    });
  },
});

export const POLICY_RULES = [pickleWeightsPolicy] as const;
export const NAME_RULES = [unrecognizedModelFile] as const;
