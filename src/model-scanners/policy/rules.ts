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

export const POLICY_RULES = [pickleWeightsPolicy] as const;
