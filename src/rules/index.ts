export * from './define-rule.js';
export * from './registry.js';
export * from './reporter.js';
export * from './selection.js';
export * from './suppressions.js';
export * from './glob.js';
export * from './rule-tester.js';
export * as coreRules from './core-rules.js';
export { CORE_RULES, CORE_RULESET } from './core-rules.js';
