/** Public surface of the ONNX parser, rules and scanner. */
export { isOnnx, parseOnnx } from './parse.js';
export type { OnnxModel, OnnxNodeRef, OnnxOpUse, OnnxExternalRef, OnnxLimits } from './parse.js';
export { scanOnnx } from './scan.js';
export { ONNX_RULES, ONNX_STANDARD_DOMAINS, ONNXRUNTIME_BUILTIN_DOMAINS, locationProblem } from './rules.js';
export type { OnnxSubject, OnnxExternalData, OnnxExternalFile } from './rules.js';
