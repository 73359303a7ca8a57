/**
 * `bulwark convert`: pickle checkpoints to safetensors without executing them. plan.ts scans and
 * plans (refusal, or the ranges to copy), write.ts streams a plan into a sink and verifies outputs,
 * collect.ts is the pickle machine's observer that finds the tensors.
 */
export { planCheckpoint, planSharded, shardIndexOf, HASH_PLACEHOLDER } from './plan.js';
export type { ConversionPlan, ConvertOptions, PlannedTensor, Refusal, ShardedPlan } from './plan.js';
export { verifyConversion, writeConversion } from './write.js';
export type { ConversionSink, VerifyResult } from './write.js';
export { STORAGE_DTYPES } from './collect.js';
export type { DtypeInfo } from './collect.js';
