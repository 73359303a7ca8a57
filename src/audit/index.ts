/**
 * Audit — Kubernetes audit-log detection, the domain's public surface. Pure functions over plain data;
 * the CLI (`bulwark audit analyze|serve`) wires files, the webhook server (src/server) and the alert
 * sinks (src/sinks) around them.
 *
 * - `AuditEngine`: `analyzeText` / `analyzeValue` / `analyzeEvent(event, origin)` → findings through the
 *   Reporter it is given; `flush()` at the end of a stream. Stateful detections keep their state in the
 *   engine, bounded by `maxStateEntries`.
 * - `analyzeStream(engine, bytes, path, maxEventBytes)`: a log file or stdin (JSON lines, EventList
 *   documents, EKS/AKS/GKE exports, gzip), streaming.
 * - `AUDIT_RULESET` / `AUDIT_RULES`: the rules (`audit/falco-*` reproduce Falco's stock k8saudit rules).
 * - `loadAuditPolicy(text, file)`, `DEFAULT_AUDIT_POLICY`, `DEFAULT_POLICY_DATA`: the allowlists,
 *   thresholds and severities the rules read.
 * - `ActivitySummary`: who did what to which sensitive resources (`--summary`).
 * - `buildAuditReport(registry, targets, findings, tool)`: the versioned report.
 */
export { AuditEngine } from './engine.js';
export type { AuditEngineOptions, EngineStats, EventOrigin } from './engine.js';
export { AuditEvent, NOT_AN_EVENT } from './event.js';
export { analyzeStream } from './stream.js';
export type { StreamResult } from './stream.js';
export { readAuditStream } from './reader.js';
export type { ReadResult, RecordHandler, RejectKind } from './reader.js';
export { INPUT_FORMATS, unwrap } from './wrappers.js';
export type { InputFormat } from './wrappers.js';
export { AUDIT_RULES, AUDIT_RULESET } from './ruleset.js';
export type { AuditRule, AuditSubject, EventContext, FalcoMapping } from './rule-model.js';
export { falcoControls } from './rule-model.js';
export { DEFAULT_AUDIT_POLICY, IDENTITY_CLASSES, compilePolicy, loadAuditPolicy, serviceAccountOf } from './policy.js';
export type { AllowEntry, AuditPolicy, IdentityClass } from './policy.js';
export { DEFAULT_POLICY_DATA, POLICY_DATA_VERSION } from './policy-data.js';
export type { PolicyData } from './policy-data.js';
export { ActivitySummary } from './summary.js';
export type { SummaryRow } from './summary.js';
export { buildAuditReport } from './report.js';
export { FALCO_SPECS } from './falco-rules.js';
export { severityFromFalco } from './falco-priority.js';
