/**
 * Public surface of the model scanners (the engine calls exactly this). Every finding leaves through
 * the caller's `Reporter`; results carry only what the engine needs besides findings.
 *
 * - Per file: `detectFormat` (content sniffing) and `scanModelSource` (detect + scan one source).
 * - Per folder: `folderTextWanted` (which files' text the per-file phase should capture) and
 *   `analyzeModelFolder` (Hugging Face folders, from the walked files; it never reads the disk).
 * - Per target, after the scan: `checkProductionPolicy` (`--policy production`) and
 *   `checkUnrecognizedModelFile` (files named like models that are empty or in no recognised format).
 * - The domain's one rule set: `MODEL_SCANNER_RULESET` (`MODEL_SCANNER_RULES` lists its rules).
 * Rule cases are a test-only surface: `rule-cases.ts`.
 */
export { scanModelSource } from './scan-model.js';
export type { ModelScanResult } from './scan-model.js';
export type { ModelScanOptions } from './context.js';
export type { PicklePolicyExtension } from './pickle/index.js';
export { picklePolicyProblems, PICKLE_POLICY_VERSION } from './pickle/index.js';
export { MODEL_SCANNER_RULES, MODEL_SCANNER_RULESET } from './rules.js';
export { detectFormat } from './detect-format.js';
export type { DetectedFormat, DetectOptions } from './detect-format.js';
export { analyzeModelFolder, folderTextWanted } from './huggingface/index.js';
export type { FolderAnalysis, FolderFile } from './huggingface/index.js';
export { checkProductionPolicy, checkUnrecognizedModelFile, modelFileName } from './policy/index.js';
export { planCheckpoint, planSharded, shardIndexOf, verifyConversion, writeConversion, STORAGE_DTYPES } from './convert/index.js';
export type { ConversionPlan, ConversionSink, ConvertOptions, PlannedTensor, Refusal, ShardedPlan, VerifyResult } from './convert/index.js';
