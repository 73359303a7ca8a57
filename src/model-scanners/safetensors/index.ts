/** Public surface of the safetensors scanner. */
export { isSafetensors, scanSafetensors, SAFETENSORS_DTYPE_BITS, SAFETENSORS_MAX_HEADER } from './safetensors.js';
export type { SafetensorsHeader, SafetensorsTensor } from './safetensors.js';
export { SAFETENSORS_RULES } from './rules.js';
