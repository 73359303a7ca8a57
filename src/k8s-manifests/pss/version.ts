import { BulwarkError } from '../../findings/index.js';
import type { PssLevel } from './checks.js';
import { PSS_MAX_MINOR } from './checks.js';

/**
 * `--pss-version`: `latest` or `v1.N`, as upstream `api.ParseVersion` accepts them. Versions newer than
 * the newest registered check revision are clamped to it (upstream `EvaluatePod` does the same), so
 * `latest` and `v1.99` both mean v1.37 today. Returns the minor version.
 */
export function parsePssVersion(text: string): number {
  if (text === 'latest') return PSS_MAX_MINOR;
  const m = /^v1\.(0|[1-9][0-9]{0,3})$/.exec(text);
  if (!m?.[1]) throw new BulwarkError('USAGE', `invalid --pss-version ${JSON.stringify(text)}: expected "latest" or "v1.N" (e.g. v1.30)`);
  return Math.min(Number(m[1]), PSS_MAX_MINOR);
}

export function parsePssLevel(text: string): PssLevel {
  if (text === 'baseline' || text === 'restricted') return text;
  throw new BulwarkError('USAGE', `invalid --pss-level ${JSON.stringify(text)}: expected "baseline" or "restricted"`);
}

export function formatPssVersion(minor: number): string {
  return `v1.${minor}`;
}
