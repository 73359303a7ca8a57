/**
 * Public surface of the Hugging Face model-folder analyser, the production format policy, and the
 * aggregate of all non-pickle format rules (FORMAT_RULES) with their rule cases (FORMAT_RULE_CASES,
 * built with the test-fixture builders like the other domains' cases).
 */
export { analyzeModelFolder } from './folder.js';
export { scanPython, blankPython } from './python-scan.js';
export type { PythonIssue, PythonScan } from './python-scan.js';
export { HUGGINGFACE_RULES } from './rules.js';
export * as huggingfaceRules from './rules.js';
export { PICKLE_BASED_FORMATS, PRODUCTION_WEIGHT_FORMATS, isPickleBasedFormat, pickleWeightsPolicy, POLICY_RULES, productionPolicyFinding } from './policy.js';
export { FORMAT_RULES } from './format-rules.js';

