export { scanModelSource } from './scan-model.js';
export type { ModelScanResult } from './scan-model.js';
export type { ModelScanOptions } from './context.js';
export { MODEL_SCANNER_RULES } from './rules.js';
export { CONTAINER_RULES } from './rules.js';
export { detectFormat, UNSUPPORTED_FORMATS } from './detect-format.js';
export type { DetectedFormat } from './detect-format.js';
export { analyzeModelFolder, productionPolicyFinding, isPickleBasedFormat } from './huggingface/index.js';
