/**
 * Kubernetes manifest analysis — the domain's public surface. Every finding leaves through the
 * `Reporter` passed in (rule selection, severity overrides, caps).
 *
 * - `decodeManifestBytes(bytes)`: text as kubectl decodes it (UTF-8, UTF-16/32 with a BOM).
 * - `looksLikeManifest(text)` (cheap pre-filter), `loadManifestText(text, path, limits, reporter)`: per
 *   file (worker threads); says what the text is (`manifest`, `not-manifest`, `helm-template`,
 *   `kustomization`, `audit-log`; `MANIFEST_TEXT_FORMAT` gives the target format of each) and reports
 *   loader findings (malformed documents, limits, duplicate keys) only for manifests.
 *   `loadManifests(…)` is its `.objects`.
 * - `manifestHead(head)`, `reportManifestTooLarge(path, bytes, limits, reporter)`: a file over
 *   `maxTextBytes` whose beginning is a manifest is a high "not analysed" finding, never silence.
 * - `reportK8sFolders(files, reporter)`: once per scan, one info finding per Helm chart and per
 *   kustomization (scan what they render).
 * - `objectFromJson(value, anchor)`: an object that arrived as JSON (AdmissionReview, audit event).
 * - `analyzeManifests(objects, options, reporter)`: all objects of a scan together (PSS, workload,
 *   GPU/AI, RBAC and NetworkPolicy rules, `bulwark.dev/suppress` annotations applied), one cluster per
 *   path argument (`options.inputRoots`) unless `options.oneCluster`.
 * - `reviewObject(obj, {level, version}, reporter)`: admission; the rules that judge one object alone.
 * - `locationOf(obj, fieldPath)`: where a field is (line/column for files, anchor + JSON pointer for JSON).
 * - `K8S_RULESET` / `K8S_RULES`: for the registry (the rule cases are the test-only surface `rule-cases.ts`).
 * - `checkPsaConformance(dir)`: the upstream pod-security-admission fixtures (`npm run conformance`).
 */
export * from './model.js';
export { MANIFEST_TEXT_FORMAT, loadManifestText, loadManifests, looksLikeManifest, manifestHead, manifestHeadBytes, reportManifestTooLarge } from './load.js';
export type { ManifestTextKind, ManifestTextResult } from './load.js';
export { decodeManifestBytes, decodeManifestHead } from './manifest-text.js';
export type { DecodedText, TextEncodingName } from './manifest-text.js';
export { reportK8sFolders } from './folders.js';
export type { ScannedFile } from './folders.js';
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
export { podTemplatesOf, containersOf, isWorkload, WORKLOAD_KINDS, WORKLOAD_KIND_TABLE } from './workloads.js';
export type { PodTemplate, ContainerRef, WorkloadKind } from './workloads.js';
// Credential recognisers shared with the Dockerfile rules (secrets in ARG/ENV).
export { cloudKeyOf, cloudKeyVariable, PROVIDER_NAME } from './cloud-keys.js';
export type { CloudKey, CloudProvider } from './cloud-keys.js';
export { secretLikeName, secretLikeValue, redact } from './rules/secret-in-env.js';
// Facts for the attack-path graph (src/attack-paths): workloads, their identities and grants.
export { graphFacts } from './graph-facts.js';
export type { GraphFacts, WorkloadFacts, GrantFacts, ModelReference } from './graph-facts.js';
