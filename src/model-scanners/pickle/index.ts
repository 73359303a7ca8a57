/**
 * Public surface of the pickle analyser (containers call exactly this).
 * Implementation lives in this folder: opcodes.ts (table), machine.ts (symbolic stack machine, which
 * reports to a MachineObserver, observer.ts), resolve.ts (resolver chains), policy.ts +
 * policy-data.ts (versioned allow/deny lists and the user's extension), grade.ts (the observer that
 * turns what the machine sees into findings), scan.ts (streams), sniff.ts (content detection).
 *
 * Rule cases (PICKLE_RULE_CASES) live in cases.ts, a test-only surface imported by ../rule-cases.ts,
 * so that the CLI never loads the test-fixture builders they use.
 */
export type { PersistentRef, PickleAnalysis, PickleScanOptions, ShippedModule } from './types.js';
export { scanPickle } from './scan.js';
export { looksLikePickle } from './sniff.js';
export { PICKLE_RULES } from './rules.js';
export { PICKLE_POLICY_VERSION } from './policy-data.js';
export { assertPicklePolicy, judgeGlobal, picklePolicyEntryProblem, picklePolicyProblems } from './policy.js';
export type { PicklePolicyExtension, Verdict } from './policy.js';
export { StreamMachine } from './machine.js';
export type { MachineOptions } from './machine.js';
export { StreamStop } from './observer.js';
export type { MachineObserver, MutationOp, PendingArray, StreamOutcome, StreamRunner } from './observer.js';
// The machine's symbolic values, for observers other than the grader (the converter's collector).
export { Call, Global, Pers, PyBigInt, PyBytes, PyDict, PyFloat, PyList, PySet, PyStr, PyTuple, Unknown, MAX_ITEMS } from './values.js';
export type { CallOp, Value } from './values.js';
export { renderValue, safeName } from './render.js';
