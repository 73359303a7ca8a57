/**
 * Trivy report import — the domain's public surface. A Trivy JSON report (schema version 2) is
 * recognised by content (`looksLikeTrivyReport`) and read by `importTrivyReport(text, path, options,
 * reporter)`: vulnerabilities, secrets and failed misconfigurations become `trivy/*` findings with
 * Trivy's severity and `controls` naming the advisory or check; `--ignore-unfixed` leaves out
 * vulnerabilities without a released fix. `TRIVY_RULESET` for the registry (cases: `rule-cases.ts`).
 */
export { importTrivyReport, looksLikeTrivyReport, severityOf, advisoryControl, TRIVY_FORMAT } from './import.js';
export type { TrivyImportOptions, TrivyImportResult } from './import.js';
export { TRIVY_RULES, TRIVY_RULESET } from './rules.js';
