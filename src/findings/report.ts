import type { AttackGraph } from './attack-path.js';
import type { Finding } from './finding.js';
import type { Severity } from './severity.js';
import { SEVERITIES } from './severity.js';

/** Bumped on any incompatible change to the JSON shape; minor for additions. */
export const REPORT_SCHEMA_VERSION = '1.2.0';

export type TargetStatus = 'complete' | 'partial' | 'unsupported';

export interface TargetResult {
  readonly path: string;
  /** Detected format (from content), e.g. `pickle`, `pytorch-zip`, `numpy-npy`, `k8s-manifest`, `unknown`. */
  readonly format: string;
  readonly status: TargetStatus;
  readonly size?: number;
}

/** Rule metadata carried in the report so reporters need not know the registry. */
export interface RuleDescriptor {
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  readonly description: string;
  readonly remediation: string;
  readonly references: readonly string[];
  readonly tags: readonly string[];
  readonly helpUri?: string;
}

export interface ReportSummary {
  /** Unsuppressed findings by severity. */
  readonly bySeverity: Readonly<Record<Severity, number>>;
  readonly total: number;
  readonly suppressed: number;
  readonly targets: Readonly<Record<TargetStatus, number>>;
}

export interface ScanReport {
  readonly schemaVersion: string;
  readonly tool: { readonly name: string; readonly version: string };
  readonly targets: readonly TargetResult[];
  readonly findings: readonly Finding[];
  readonly rules: readonly RuleDescriptor[];
  readonly summary: ReportSummary;
  /** The attack graph and its paths (schema 1.2.0); absent when the scan found none. */
  readonly attackPaths?: AttackGraph;
}

export function summarize(targets: readonly TargetResult[], findings: readonly Finding[]): ReportSummary {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  let suppressed = 0;
  for (const f of findings) {
    if (f.suppressed) suppressed++;
    else bySeverity[f.severity]++;
  }
  const t: Record<TargetStatus, number> = { complete: 0, partial: 0, unsupported: 0 };
  for (const target of targets) t[target.status]++;
  return { bySeverity, total: findings.length - suppressed, suppressed, targets: t };
}
