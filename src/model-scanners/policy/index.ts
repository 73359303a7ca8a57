/** Public surface of the format policy (`policy/pickle-weights` and its check). */
export { checkProductionPolicy } from './check.js';
export { PICKLE_BASED_FORMATS, PRODUCTION_WEIGHT_FORMATS, isPickleBasedFormat, pickleWeightsPolicy, POLICY_RULES } from './rules.js';
export type { PolicySubject } from './rules.js';
