/**
 * Kubernetes manifest analysis — the domain's public surface. Every finding leaves through the
 * `Reporter` passed in (rule selection, severity overrides, caps).
 *
 * - `looksLikeManifest(text)`, `loadManifests(text, path, limits, reporter)`: per file (worker threads);
 *   loader findings (malformed documents, limits, duplicate keys) go to the reporter.
 * - `objectFromJson(value, anchor)`: an object that arrived as JSON (AdmissionReview, audit event).
 * - `analyzeManifests(objects, options, reporter)`: all objects of a scan together (PSS, workload,
 *   GPU/AI, RBAC and NetworkPolicy rules, `bulwark.dev/suppress` annotations applied).
 * - `reviewObject(obj, {level, version}, reporter)`: admission; the rules that judge one object alone.
 * - `locationOf(obj, fieldPath)`: where a field is (line/column for files, anchor + JSON pointer for JSON).
 * - `K8S_RULESET` / `K8S_RULES`: for the registry (the rule cases are the test-only surface `rule-cases.ts`).
 * - `checkPsaConformance(dir)`: the upstream pod-security-admission fixtures (`npm run conformance`).
 */
export * from './model.js';
export { looksLikeManifest, loadManifests } from './load.js';
export { objectFromJson } from './json-objects.js';
export { analyzeManifests, reviewObject, admissionRules } from './analyze.js';
export type { ReviewOptions } from './analyze.js';
export { resolveK8sOptions, SUPPRESS_ANNOTATION, UNTRUSTED_MODELS_ANNOTATION } from './options.js';
export type { K8sOptions, ResolvedK8sOptions } from './options.js';
export { K8S_RULES, K8S_RULESET } from './rule-list.js';
export type { K8sRule, TemplateRule, ObjectRule, TemplateSubject, ObjectSubject } from './k8s-rule.js';
export { checkPsaConformance } from './pss/conformance.js';
export type { ConformanceResult } from './pss/conformance.js';
export { parsePssVersion, parsePssLevel } from './pss/version.js';
export { PSS_MAX_MINOR, PSS_CHECK_IDS } from './pss/checks.js';
export type { PssLevel } from './pss/checks.js';
export { podTemplatesOf, containersOf, isWorkload, WORKLOAD_KINDS } from './workloads.js';
export type { PodTemplate, ContainerRef } from './workloads.js';
