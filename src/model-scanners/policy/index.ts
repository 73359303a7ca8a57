/** Public surface of the format policy (`policy/pickle-weights` and its check). */
export { checkProductionPolicy, checkUnrecognizedModelFile, modelFileName } from './check.js';
export { PICKLE_BASED_FORMATS, PRODUCTION_WEIGHT_FORMATS, isPickleBasedFormat, pickleWeightsPolicy, unrecognizedModelFile, NAME_RULES, POLICY_RULES } from './rules.js';
export type { NamedTargetSubject, PolicySubject } from './rules.js';
