export * from './define-rule.js';
export * from './registry.js';
export * from './suppressions.js';
export * from './rule-tester.js';
export * as coreRules from './core-rules.js';
export { CORE_RULES } from './core-rules.js';
