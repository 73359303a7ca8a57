import type { Severity } from '../findings/index.js';

/** Falco's rule-file priority as a Bulwark severity (the inverse of the Falco sink's mapping). */
export function severityFromFalco(p: string): Severity {
  switch (p.toUpperCase()) {
    case 'EMERGENCY':
    case 'ALERT':
    case 'CRITICAL':
      return 'critical';
    case 'ERROR':
      return 'high';
    case 'WARNING':
      return 'medium';
    case 'NOTICE':
      return 'low';
    default:
      return 'info';
  }
}
