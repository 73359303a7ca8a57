/**
 * The versioned ScanReport of an audit analysis, assembled as the engine's `buildReport` does (sorted
 * findings, targets sorted by path, descriptors of the rules that fired, the summary), from the registry
 * the caller analysed with (core + Kubernetes + audit rule sets).
 */
import type { Finding, ScanReport, TargetResult } from '../findings/index.js';
import { REPORT_SCHEMA_VERSION, compareFindings, summarize } from '../findings/index.js';
import type { RuleRegistry } from '../rules/index.js';

export function buildAuditReport(registry: RuleRegistry, targets: readonly TargetResult[], findings: readonly Finding[], tool: { readonly name: string; readonly version: string }): ScanReport {
  const sorted = [...findings].sort(compareFindings);
  const sortedTargets = [...targets].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool,
    targets: sortedTargets,
    findings: sorted,
    rules: registry.descriptors(new Set(sorted.map((f) => f.ruleId))),
    summary: summarize(sortedTargets, sorted),
  };
}
