import type { Finding, Location, Suppression } from '../findings/index.js';
import { BulwarkError } from '../findings/index.js';
import { expiredSuppression, unusedSuppression } from './core-rules.js';
import { markedCopy } from './reporter.js';
import type { ReportArgs, RuleMeta } from './define-rule.js';
import type { PathGlob } from './glob.js';
import { compileGlob, pathCandidates } from './glob.js';

export interface SuppressionMatcher {
  /** Rule ids this suppression covers; `*` covers every rule. */
  readonly ruleIds: ReadonlySet<string> | '*';
  readonly suppression: Suppression;
  /** Scope: which findings the suppression may touch (an object, a file, everything). */
  readonly applies: (f: Finding) => boolean;
  /** Called when the matcher suppressed a finding (used to find unused suppressions). */
  readonly onMatch?: () => void;
}

/** Mark (never drop) findings that a matcher covers. The first matching suppression wins. */
export function applySuppressions(findings: readonly Finding[], matchers: readonly SuppressionMatcher[]): Finding[] {
  if (matchers.length === 0) return [...findings];
  return findings.map((f) => {
    if (f.suppressed) return f;
    for (const m of matchers) {
      if ((m.ruleIds === '*' || m.ruleIds.has(f.ruleId)) && m.applies(f)) {
        m.onMatch?.();
        return markedCopy(f, { ...f, suppressed: m.suppression });
      }
    }
    return f;
  });
}

/** A suppression written in the configuration file (`suppressions:`). Plain data. */
export interface ConfigSuppression {
  /** A rule id or a family (`k8s/pss-*`). */
  readonly rule: string;
  /** Path glob (see glob.ts), matched against the finding's path as reported and relative to each scan root. */
  readonly path?: string;
  /** Kubernetes object the finding must be on; every field given must match. */
  readonly object?: { readonly kind?: string; readonly namespace?: string; readonly name?: string };
  /** One finding exactly (its `fingerprint`). */
  readonly fingerprint?: string;
  readonly reason: string;
  /** `YYYY-MM-DD`: the suppression applies through that day (UTC) and not after. */
  readonly expires?: string;
  /** The configuration file and position, for the suppression's source and the expiry finding. */
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
}

function objectOf(loc: Location): { kind?: string; namespace?: string; name?: string } | undefined {
  switch (loc.kind) {
    case 'k8s-object':
      return { kind: loc.objectKind, ...(loc.namespace !== undefined && { namespace: loc.namespace }), name: loc.name };
    case 'admission-request':
    case 'audit-event':
      return {
        ...(loc.objectKind !== undefined && { kind: loc.objectKind }),
        ...(loc.namespace !== undefined && { namespace: loc.namespace }),
        ...(loc.name !== undefined && { name: loc.name }),
      };
    default:
      return undefined;
  }
}

/** End of the expiry day, UTC; throws CONFIG for a date that is not YYYY-MM-DD. */
export function expiryTime(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59, 999) : NaN;
  if (!m || Number.isNaN(t) || new Date(t).getUTCDate() !== Number(m[3])) throw new BulwarkError('CONFIG', `expires: "${date}" is not a date (YYYY-MM-DD)`);
  return t;
}

function where(s: ConfigSuppression): string {
  return s.file === undefined ? 'config' : `${s.file}${s.line === undefined ? '' : `:${s.line}`}`;
}

export interface ConfigSuppressionResult {
  readonly findings: Finding[];
}

/**
 * Apply the configuration file's suppressions: live ones mark the findings they cover (reported, not
 * dropped); expired ones apply to nothing and each becomes a `config/expired-suppression` finding; live
 * ones that matched nothing become `config/unused-suppression` (info). `report` is the one Reporter's
 * `report`, so these findings are selected and capped like any other.
 */
export function applyConfigSuppressions(
  findings: readonly Finding[],
  list: readonly ConfigSuppression[],
  options: { readonly roots: readonly string[]; readonly now: Date; readonly rules: readonly RuleMeta[]; readonly report: (rule: RuleMeta, args: ReportArgs) => void },
): Finding[] {
  if (list.length === 0) return [...findings];
  const matchers: SuppressionMatcher[] = [];
  const used = new Map<ConfigSuppression, number>();
  for (const s of list) {
    const location: Location = s.file === undefined ? { kind: 'file', path: 'bulwark.yaml' } : { kind: 'file', path: s.file, ...(s.line !== undefined && { line: s.line }), ...(s.column !== undefined && { column: s.column }) };
    if (s.expires !== undefined && options.now.getTime() > expiryTime(s.expires)) {
      options.report(expiredSuppression, {
        location,
        message: `the suppression of ${s.rule}${s.path === undefined ? '' : ` in ${s.path}`} expired on ${s.expires} ("${s.reason}"); the findings it covered are reported again`,
        evidence: s.rule,
      });
      continue;
    }
    const ids = s.rule.endsWith('*') ? new Set(options.rules.filter((r) => r.id.startsWith(s.rule.slice(0, -1))).map((r) => r.id)) : new Set([s.rule]);
    const glob: PathGlob | undefined = s.path === undefined ? undefined : compileGlob(s.path);
    used.set(s, 0);
    matchers.push({
      ruleIds: ids,
      suppression: { reason: s.reason, source: `config ${where(s)}` },
      applies: (f) => {
        if (s.fingerprint !== undefined && f.fingerprint !== s.fingerprint) return false;
        if (glob !== undefined && !pathCandidates(f.location.path, options.roots).some((c) => glob.matches(c))) return false;
        if (s.object !== undefined) {
          const o = objectOf(f.location);
          if (o === undefined) return false;
          if (s.object.kind !== undefined && o.kind !== s.object.kind) return false;
          if (s.object.namespace !== undefined && (o.namespace ?? 'default') !== s.object.namespace) return false;
          if (s.object.name !== undefined && o.name !== s.object.name) return false;
        }
        return true;
      },
      onMatch: () => used.set(s, (used.get(s) ?? 0) + 1),
    });
  }
  const out = applySuppressions(findings, matchers);
  for (const [s, n] of used) {
    if (n > 0) continue;
    options.report(unusedSuppression, {
      location: s.file === undefined ? { kind: 'file', path: 'bulwark.yaml' } : { kind: 'file', path: s.file, ...(s.line !== undefined && { line: s.line }), ...(s.column !== undefined && { column: s.column }) },
      message: `the suppression of ${s.rule}${s.path === undefined ? '' : ` in ${s.path}`} matched no finding in this run; remove it if the problem is gone`,
      evidence: s.rule,
    });
  }
  return out;
}
