import type { Finding, Suppression } from '../findings/index.js';

export interface SuppressionMatcher {
  /** Rule ids this suppression covers; `*` covers every rule. */
  readonly ruleIds: ReadonlySet<string> | '*';
  readonly suppression: Suppression;
  /** Scope: which findings the suppression may touch (an object, a file, everything). */
  readonly applies: (f: Finding) => boolean;
}

/** Mark (never drop) findings that a matcher covers. The first matching suppression wins. */
export function applySuppressions(findings: readonly Finding[], matchers: readonly SuppressionMatcher[]): Finding[] {
  if (matchers.length === 0) return [...findings];
  return findings.map((f) => {
    if (f.suppressed) return f;
    for (const m of matchers) {
      if ((m.ruleIds === '*' || m.ruleIds.has(f.ruleId)) && m.applies(f)) {
        return { ...f, suppressed: m.suppression };
      }
    }
    return f;
  });
}
