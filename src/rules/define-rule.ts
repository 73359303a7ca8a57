import type { Finding, Location, RuleDescriptor, Severity, Suppression } from '../findings/index.js';
import { BulwarkError, isSeverity, makeFinding } from '../findings/index.js';
import type { RuleCase } from './rule-tester.js';

/** Falco-style maturity: how much the rule has been exercised on real data. */
export const MATURITIES = ['stable', 'incubating', 'experimental', 'deprecated'] as const;
export type Maturity = (typeof MATURITIES)[number];

/**
 * Where the admission webhook may run the rule: on one object as it arrives (no other objects are
 * known), in the namespaces whose `bulwark.dev/enforce` (or warn/audit) level is at least `level`.
 */
export interface AdmissionMeta {
  readonly level: 'baseline' | 'restricted';
}

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
  /** Set when the rule judges a single object without cross-object context (admission-capable). */
  readonly admission?: AdmissionMeta;
  /**
   * A CEL expression, over `object` as a ValidatingAdmissionPolicy sees it, that is true when the object
   * passes the rule; present only where the rule can be expressed in CEL exactly.
   */
  readonly cel?: string;
}

export interface ReportArgs {
  readonly location: Location;
  readonly message: string;
  readonly severity?: Severity;
  readonly evidence?: string;
  readonly controls?: readonly string[];
  readonly remediation?: string;
  readonly suppressed?: Suppression;
  /** RFC 3339 time of the event behind the finding (streams). */
  readonly time?: string;
  /** Producer of the event (`falco`, `audit-webhook`, …). */
  readonly source?: string;
}

/** What a rule's `check` calls to report: bound to that rule by the one Reporter. */
export type ReportFn = (args: ReportArgs) => void;

/** Firing and non-firing cases kept with a rule (data only: cheap to load, run by the meta-test). */
export interface InlineRuleCases {
  readonly valid: readonly RuleCase[];
  readonly invalid: readonly RuleCase[];
}

export interface Rule<S = never> extends RuleMeta {
  /**
   * The rule's logic over one subject of its domain (a pod template, an object, an audit event), run
   * by that domain's generic dispatcher. Absent for rules whose evidence a parser finds in one pass
   * (pickle opcodes, zip headers); those report through the same Reporter.
   */
  readonly check: ((subject: S, report: ReportFn) => void) | undefined;
  /** Cases kept in the rule's own file (optional; most domains keep them in rule-case files). */
  readonly cases: (() => InlineRuleCases) | undefined;
  describe(): RuleDescriptor;
}

export interface RuleDefinition<S> extends RuleMeta {
  readonly check?: (subject: S, report: ReportFn) => void;
  readonly cases?: () => InlineRuleCases;
}

const ID = /^[a-z0-9]+(?:-[a-z0-9]+)*\/[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Every rule defined in this process, in definition order (the registry meta-test compares it with the registry). */
const DEFINED: RuleMeta[] = [];

export function definedRules(): readonly RuleMeta[] {
  return DEFINED;
}

/** Validate rule metadata when the module loads, so a malformed rule never reaches a scan. */
export function defineRule<S = never>(def: RuleDefinition<S>): Rule<S> {
  const problems: string[] = [];
  if (!ID.test(def.id)) problems.push('id must be kebab-case "domain/name"');
  for (const k of ['title', 'description', 'remediation'] as const) {
    if (typeof def[k] !== 'string' || def[k].trim() === '') problems.push(`${k} is required`);
  }
  if (!isSeverity(def.severity)) problems.push('severity is invalid');
  if (!(MATURITIES as readonly string[]).includes(def.maturity)) problems.push('maturity is invalid');
  if (!Array.isArray(def.tags) || def.tags.length === 0) problems.push('at least one tag is required');
  if (!Array.isArray(def.references)) problems.push('references must be an array');
  if (def.admission !== undefined && def.admission.level !== 'baseline' && def.admission.level !== 'restricted') problems.push('admission.level must be baseline or restricted');
  if (def.cel !== undefined && (def.admission === undefined || def.cel.trim() === '')) problems.push('cel needs admission metadata and a non-empty expression');
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
  const rule: Rule<S> = {
    id: def.id,
    title: def.title,
    severity: def.severity,
    description: def.description,
    remediation: def.remediation,
    references: def.references,
    tags: def.tags,
    maturity: def.maturity,
    ...(def.admission !== undefined && { admission: def.admission }),
    ...(def.cel !== undefined && { cel: def.cel }),
    check: def.check,
    cases: def.cases,
    describe: () => descriptor,
  };
  DEFINED.push(rule);
  return rule;
}

/**
 * Build a finding of `rule` (fingerprint computed, the rule's default severity applied). Only the
 * Reporter calls this: it is not exported from `rules/index.ts`, so every finding leaves through one.
 */
export function buildFinding(rule: Pick<RuleMeta, 'id' | 'severity'>, args: ReportArgs, severity?: Severity): Finding {
  const def = rule;
  return makeFinding({
    ruleId: def.id,
    severity: severity ?? args.severity ?? def.severity,
    message: args.message,
    location: args.location,
    ...(args.controls !== undefined && { controls: args.controls }),
    ...(args.evidence !== undefined && { evidence: args.evidence }),
    ...(args.remediation !== undefined && { remediation: args.remediation }),
    ...(args.suppressed !== undefined && { suppressed: args.suppressed }),
    ...(args.time !== undefined && { time: args.time }),
    ...(args.source !== undefined && { source: args.source }),
  });
}
