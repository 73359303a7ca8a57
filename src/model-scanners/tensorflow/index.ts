/** Public surface of the TensorFlow SavedModel / frozen GraphDef parser, rules and scanner (rules `tensorflow/*`). */
export { isSavedModel, isTensorflowGraphDef, parseTensorflow } from './parse.js';
export type { TfGraph, TfNode, TfAssetFile, TfLimits } from './parse.js';
export { scanSavedModel } from './scan.js';
export type { SavedModelSummary } from './scan.js';
export { TENSORFLOW_RULES, TF_OP_NAMES, pathProblem } from './rules.js';
export type { TfSubject } from './rules.js';
export { TF_OPS_VERSION } from './tf-ops.js';
