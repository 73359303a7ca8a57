import type { Finding, Location, RuleDescriptor, Severity, Suppression } from '../findings/index.js';
import { BulwarkError, isSeverity, makeFinding } from '../findings/index.js';

/** Falco-style maturity: how much the rule has been exercised on real data. */
export const MATURITIES = ['stable', 'incubating', 'experimental', 'deprecated'] as const;
export type Maturity = (typeof MATURITIES)[number];

export interface RuleMeta {
  /** Stable kebab-case id with a domain prefix, e.g. `pickle/dangerous-global`. */
  readonly id: string;
  readonly title: string;
  /** Default severity; a finding may carry another when the rule grades its evidence. */
  readonly severity: Severity;
  readonly description: string;
  readonly remediation: string;
  readonly references: readonly string[];
  readonly tags: readonly string[];
  readonly maturity: Maturity;
}

export interface ReportArgs {
  readonly location: Location;
  readonly message: string;
  readonly severity?: Severity;
  readonly evidence?: string;
  readonly controls?: readonly string[];
  readonly remediation?: string;
  readonly suppressed?: Suppression;
}

export interface Rule<C = undefined> extends RuleMeta {
  /** Optional per-object logic; scanners that find evidence in one pass call `report` directly. */
  readonly check: ((ctx: C) => void) | undefined;
  /** Build a finding of this rule (fingerprint computed, default severity applied). */
  report(args: ReportArgs): Finding;
  describe(): RuleDescriptor;
}

export interface RuleDefinition<C> extends RuleMeta {
  readonly check?: (ctx: C) => void;
}

const ID = /^[a-z0-9]+(?:-[a-z0-9]+)*\/[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Validate rule metadata when the module loads, so a malformed rule never reaches a scan. */
export function defineRule<C = undefined>(def: RuleDefinition<C>): Rule<C> {
  const problems: string[] = [];
  if (!ID.test(def.id)) problems.push('id must be kebab-case "domain/name"');
  for (const k of ['title', 'description', 'remediation'] as const) {
    if (typeof def[k] !== 'string' || def[k].trim() === '') problems.push(`${k} is required`);
  }
  if (!isSeverity(def.severity)) problems.push('severity is invalid');
  if (!(MATURITIES as readonly string[]).includes(def.maturity)) problems.push('maturity is invalid');
  if (!Array.isArray(def.tags) || def.tags.length === 0) problems.push('at least one tag is required');
  if (!Array.isArray(def.references)) problems.push('references must be an array');
  if (problems.length > 0) {
    throw new BulwarkError('INTERNAL', `rule ${JSON.stringify(def.id)}: ${problems.join('; ')}`);
  }
  const descriptor: RuleDescriptor = {
    id: def.id,
    title: def.title,
    severity: def.severity,
    description: def.description,
    remediation: def.remediation,
    references: def.references,
    tags: def.tags,
    helpUri: `docs/rules/${def.id}.md`,
  };
  return {
    id: def.id,
    title: def.title,
    severity: def.severity,
    description: def.description,
    remediation: def.remediation,
    references: def.references,
    tags: def.tags,
    maturity: def.maturity,
    check: def.check,
    report(args: ReportArgs): Finding {
      return makeFinding({
        ruleId: def.id,
        severity: args.severity ?? def.severity,
        message: args.message,
        location: args.location,
        ...(args.controls !== undefined && { controls: args.controls }),
        ...(args.evidence !== undefined && { evidence: args.evidence }),
        ...(args.remediation !== undefined && { remediation: args.remediation }),
        ...(args.suppressed !== undefined && { suppressed: args.suppressed }),
      });
    },
    describe: () => descriptor,
  };
}
