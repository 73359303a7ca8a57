import type { ScanReport } from '../findings/index.js';

/** The versioned ScanReport, exactly (see docs/report-schema.md). */
export function renderJson(report: ScanReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
