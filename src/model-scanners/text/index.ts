/**
 * Text helpers shared by the format scanners: a strict JSON parser that reports duplicate keys,
 * lone surrogates and positions (safetensors headers, Keras and Hugging Face configs), and quoting of
 * scanned strings in messages.
 */
export { parseStrictJson, decodeUtf8Strict, isJsonObject, lineColumnAt } from './strict-json.js';
export type { JsonValue, JsonObject, DuplicateKey, StrictJsonResult, StrictJsonOptions } from './strict-json.js';
export { quote } from './quote.js';
