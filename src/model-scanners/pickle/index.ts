/**
 * Public surface of the pickle analyser (INTERFACE CONTRACT — containers call exactly this).
 * Implementation lives in this folder: opcodes.ts (table), machine.ts (symbolic stack machine),
 * resolve.ts (resolver chains), policy.ts + policy-data.ts (versioned allow/deny lists), grade.ts
 * (findings), scan.ts (streams), sniff.ts (content detection).
 *
 * Rule cases (PICKLE_RULE_CASES) live in rule-cases.ts, a test-only surface imported by
 * ../rule-cases.ts, so that the CLI never loads the test-fixture builders they use.
 */
export type { PersistentRef, PickleAnalysis, PickleScanOptions } from './types.js';
export { scanPickle } from './scan.js';
export { looksLikePickle } from './sniff.js';
export { PICKLE_RULES } from './rules.js';
export { PICKLE_POLICY_VERSION } from './policy-data.js';
export { judgeGlobal } from './policy.js';
export type { Verdict } from './policy.js';
