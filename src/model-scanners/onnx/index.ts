/** Public surface of the ONNX scanner. */
export { isOnnx, scanOnnx, locationProblem, ONNX_STANDARD_DOMAINS, ONNXRUNTIME_BUILTIN_DOMAINS } from './onnx.js';
export type { OnnxSummary, OnnxExternalRef } from './onnx.js';
export { ONNX_RULES } from './rules.js';
export * as onnxRules from './rules.js';
