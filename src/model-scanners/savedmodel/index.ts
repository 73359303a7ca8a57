/** Public surface of the TensorFlow SavedModel / frozen GraphDef scanner. */
export { isSavedModel, isTensorflowGraphDef, scanSavedModel, pathProblem, TF_OP_NAMES } from './savedmodel.js';
export type { SavedModelSummary } from './savedmodel.js';
export { TENSORFLOW_RULES } from './rules.js';
export * as tensorflowRules from './rules.js';
export { TF_OPS_VERSION } from './tf-ops.js';
