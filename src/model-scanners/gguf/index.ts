/** Public surface of the GGUF scanner. */
export { isGguf, scanGguf, isTemplateKey, GGML_TYPES, GGUF_MAGIC, MAX_GGUF_ENTRIES } from './gguf.js';
export type { GgufSummary } from './gguf.js';
export { GGUF_RULES } from './rules.js';
export * as ggufRules from './rules.js';
