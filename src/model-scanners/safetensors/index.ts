/** Public surface of the safetensors scanner (and the helpers the other format scanners share). */
export { isSafetensors, scanSafetensors, SAFETENSORS_DTYPE_BITS, SAFETENSORS_MAX_HEADER } from './safetensors.js';
export type { SafetensorsHeader, SafetensorsTensor } from './safetensors.js';
export { SAFETENSORS_RULES } from './rules.js';
export * as safetensorsRules from './rules.js';
export { parseStrictJson, decodeUtf8Strict, isJsonObject, lineColumnAt } from './strict-json.js';
export type { JsonValue, JsonObject, DuplicateKey, StrictJsonResult, StrictJsonOptions } from './strict-json.js';
export { CappedReporter, quote, sniffMagic } from './shared.js';
