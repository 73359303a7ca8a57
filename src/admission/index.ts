/**
 * Admission — the domain's public surface. Pure functions over plain data; the webhook server
 * (`src/server/` + `cli/commands/admission.ts`) only parses, limits, calls and writes.
 *
 * - `review(AdmissionReview, policy) → AdmissionReview`, and `evaluate()` with what metrics and logs need.
 * - `evaluateMutation()`: the `/mutate` answer (add-only JSON Patch towards restricted).
 * - Policy: `policyForLabels` (namespace labels), `policyForRoute` (the webhook path), `policyFromDefaults`.
 * - `exportVap()`: ValidatingAdmissionPolicy + bindings for the CEL-expressible checks.
 */
export * from './policy.js';
export * from './request.js';
export { ADMISSION_REGISTRY, evaluate, evaluateParsed, isSignificantPodUpdate, review, targetOf } from './review.js';
export type { Target, DecisionReason, EvaluateResult, Evaluation, ModeOutcome, ModeResult, ReviewContext } from './review.js';
export { imageUsesOf, withDigestPins, withSupplyChain } from './images.js';
export type { ImagePin, RequestImage, SupplyChainFinding } from './images.js';
export { applyAddPatch, evaluateMutation, mutationPatch } from './mutate.js';
export type { AddOperation } from './mutate.js';
export { MAX_AUDIT_ANNOTATION_CHARS, MAX_DENIAL_LINES, MAX_WARNINGS_TOTAL_CHARS, MAX_WARNING_CHARS } from './messages.js';
export { CEL_VARIABLES, NOT_EXPRESSIBLE, exportVap, pssCelChecks, vapChecks, vapObjects } from './vap.js';
export type { CelCheck, VapLevel, VapOptions } from './vap.js';
export { EVERY_RULE, PSS_ONLY, checkAdmissionConformance } from './conformance.js';
export type { AdmissionConformanceResult } from './conformance.js';
