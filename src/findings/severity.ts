/** Severity levels, their one ordering table and their one mapping to SARIF. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

const RANK: Readonly<Record<Severity, number>> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };

export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value);
}

export function severityRank(s: Severity): number {
  return RANK[s];
}

/** Negative when a is more severe than b: sorts most severe first. */
export function compareSeverity(a: Severity, b: Severity): number {
  return RANK[b] - RANK[a];
}

export function atLeast(s: Severity, threshold: Severity): boolean {
  return RANK[s] >= RANK[threshold];
}

/** Raise a severity by one step (used by `--strict`). */
export function raise(s: Severity, to: Severity): Severity {
  return RANK[to] > RANK[s] ? to : s;
}

export type SarifLevel = 'error' | 'warning' | 'note' | 'none';

const SARIF: Readonly<Record<Severity, { level: SarifLevel; securitySeverity: string }>> = {
  critical: { level: 'error', securitySeverity: '9.5' },
  high: { level: 'error', securitySeverity: '8.0' },
  medium: { level: 'warning', securitySeverity: '5.5' },
  low: { level: 'note', securitySeverity: '3.0' },
  info: { level: 'note', securitySeverity: '0.0' },
};

export function sarifLevel(s: Severity): SarifLevel {
  return SARIF[s].level;
}

/** GitHub code scanning reads `security-severity` as a string holding a number. */
export function securitySeverity(s: Severity): string {
  return SARIF[s].securitySeverity;
}
