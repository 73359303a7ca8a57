/**
 * Kubernetes manifest analysis — the domain's public surface.
 *
 * - `looksLikeManifest(text)`, `loadManifests(text, path, limits)`: per file (worker threads).
 * - `analyzeManifests(objects, options)`: all objects of a scan together (PSS, workload, GPU/AI,
 *   RBAC and NetworkPolicy rules, then `bulwark.dev/suppress` annotations).
 * - `K8S_RULES`: for the registry (the rule cases are the test-only surface `rule-cases.ts`).
 * - `checkPsaConformance(dir)`: the upstream pod-security-admission fixtures (`npm run conformance`).
 */
export * from './model.js';
export { looksLikeManifest, loadManifests } from './load.js';
export type { LoadResult } from './load.js';
export { analyzeManifests } from './analyze.js';
export { resolveK8sOptions, SUPPRESS_ANNOTATION, UNTRUSTED_MODELS_ANNOTATION } from './options.js';
export type { K8sOptions, ResolvedK8sOptions } from './options.js';
export { K8S_RULES, K8S_RULESET } from './rule-list.js';
export { checkPsaConformance } from './pss/conformance.js';
export type { ConformanceResult } from './pss/conformance.js';
export { parsePssVersion, parsePssLevel } from './pss/version.js';
export { PSS_MAX_MINOR, PSS_CHECK_IDS } from './pss/checks.js';
export type { PssLevel } from './pss/checks.js';
export { podTemplatesOf, containersOf, isWorkload, WORKLOAD_KINDS } from './workloads.js';
export type { PodTemplate, ContainerRef } from './workloads.js';
