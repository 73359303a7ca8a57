import { errorMessage } from '../../findings/index.js';
import type { Reporter } from '../../rules/index.js';
import { coreRules } from '../../rules/index.js';
import { runChecks } from '../checks.js';
import { NAME_RULES, POLICY_RULES } from './rules.js';

/**
 * Judge one scanned target under the user's policy (the engine calls this with the detected format
 * of each target): under `production`, pickle-based weights are a finding even when clean. When the
 * target carries its size, this also runs `checkUnrecognizedModelFile` (so the engine's per-target
 * policy pass covers both; an engine that calls `checkUnrecognizedModelFile` itself passes no size).
 * Findings leave through `reporter`; a failing check becomes an internal-error finding on the target.
 */
export function checkProductionPolicy(policy: 'default' | 'production', target: { readonly path: string; readonly format: string; readonly size?: number }, reporter: Reporter): void {
  runChecks(POLICY_RULES, { policy, path: target.path, format: target.format }, reporter, (rule, e) => {
    reporter.report(coreRules.internalError, { location: { kind: 'file', path: target.path }, message: `rule ${rule.id}: internal error: ${errorMessage(e)}` });
  });
  // Targets no analyzer recognised (or empty ones) named like a model: the same per-target pass.
  if (target.size !== undefined) checkUnrecognizedModelFile({ path: target.path, size: target.size, format: target.format }, policy, reporter);
}

/** Extensions that always name a model file (or a serialized object a model loader reads). */
const MODEL_EXTENSIONS: ReadonlySet<string> = new Set(['pt', 'pth', 'ckpt', 'pkl', 'pickle', 'joblib', 'npy', 'npz', 'safetensors', 'onnx', 'gguf', 'h5', 'hdf5', 'keras', 'pb']);
/**
 * `.bin` and `.pb` are also generic extensions (firmware, protobuf test data): they count when the
 * name itself says model, graph or weights (pytorch_model-00001-of-00002.bin, adapter_model.bin,
 * saved_model.pb, frozen_graph.pb) or is one of the files trainers write beside weights.
 */
const GENERIC_EXTENSIONS: ReadonlySet<string> = new Set(['bin', 'pb']);
const MODELISH_NAME = /model|weights?|graph|frozen|checkpoint|ckpt|adapter|optimizer|scheduler|training_args|rng_state|consolidated|embedding/i;

/**
 * Why a path's name says "model file" (`.pt`, `pytorch_model-00001-of-00002.bin`), or undefined.
 * Only the name is used (never the content): this is what a user or loader expects the file to be.
 */
export function modelFileName(path: string): string | undefined {
  const base = path.split(/[\\/]/).pop() ?? path;
  const dot = base.lastIndexOf('.');
  if (dot <= 0 || dot === base.length - 1) return undefined;
  const ext = base.slice(dot + 1).toLowerCase();
  if (MODEL_EXTENSIONS.has(ext) && !(ext === 'pb' && !MODELISH_NAME.test(base.slice(0, dot)))) return `.${ext}`;
  if (GENERIC_EXTENSIONS.has(ext) && MODELISH_NAME.test(base.slice(0, dot))) {
    return /^pytorch_model(-\d+-of-\d+)?\.bin$/i.test(base) ? `Hugging Face weight name ${base}` : `.${ext} named ${base}`;
  }
  return undefined;
}

/**
 * Judge a target that no analyzer recognised (or an empty one) by its name: a file named like a
 * model (`model.pt`, `pytorch_model.bin`, `.safetensors`, ...) that is empty or in no recognised format
 * gets `policy/unrecognized-model-file` (medium; high under `--policy production`). The engine calls
 * this for every target after the per-file analysis (it decides by `format` and `size` itself:
 * `unknown` format or size 0); findings leave through `reporter`.
 */
export function checkUnrecognizedModelFile(target: { readonly path: string; readonly size: number; readonly format: string }, policy: 'default' | 'production', reporter: Reporter): void {
  if (target.size > 0 && target.format !== 'unknown') return;
  const nameSays = modelFileName(target.path);
  if (nameSays === undefined) return;
  runChecks(NAME_RULES, { policy, path: target.path, size: target.size, format: target.format, nameSays }, reporter, (rule, e) => {
    reporter.report(coreRules.internalError, { location: { kind: 'file', path: target.path }, message: `rule ${rule.id}: internal error: ${errorMessage(e)}` });
  });
}
