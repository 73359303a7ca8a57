export { scanModelSource } from './scan-model.js';
export type { ModelScanResult } from './scan-model.js';
export type { ModelScanOptions } from './context.js';
export { MODEL_SCANNER_RULES, MODEL_SCANNER_RULESET } from './rules.js';
export { detectFormat } from './detect-format.js';
export type { DetectedFormat } from './detect-format.js';
export { analyzeModelFolder, productionPolicyFinding } from './huggingface/index.js';
