/** Public surface of the GGUF parser, rules and scanner. */
export { isGguf, parseGguf, isTemplateKey, GGML_TYPES, GGUF_MAGIC } from './parse.js';
export type { GgufFile, GgufMetadataEntry, GgufTemplate, GgufTensorInfo, GgufProblem, GgufLimits } from './parse.js';
export { scanGguf } from './scan.js';
export type { GgufSummary } from './scan.js';
export { GGUF_RULES } from './rules.js';
export type { GgufSubject } from './rules.js';
