/**
 * Runs audit rule cases (test-only; left out of the build). Audit cases are events, not files, so the
 * registry meta-test cannot scan them: it counts them through `AUDIT_RULE_CASES` (rule-cases.ts) and
 * runs them through `runAuditCase`, which analyses the case's events with the rule under test enabled
 * (whatever its maturity) and returns the findings — each one left through a Reporter.
 *
 * ```ts
 * for (const rc of AUDIT_RULE_CASES) for (const c of rc.invalid) {
 *   const hits = (await runAuditCase(c, rc.ruleId)).filter((f) => f.ruleId === rc.ruleId);
 *   expect(firingProblem(hits, c.expect)).toBeUndefined();
 * }
 * ```
 */
import type { Finding } from '../findings/index.js';
import { DEFAULT_LIMITS } from '../limits/index.js';
import type { RuleCase, RuleCaseExpectation, RuleSelection } from '../rules/index.js';
import { Reporter } from '../rules/index.js';
import { AuditEngine } from './engine.js';
import { DEFAULT_AUDIT_POLICY, loadAuditPolicy } from './policy.js';
import { AUDIT_RULES } from './ruleset.js';
import { analyzeStream } from './stream.js';

export interface AuditCase {
  readonly name: string;
  /** Events (or any JSON values a log line may hold), one per line. */
  readonly events?: readonly unknown[];
  /** Raw log text (lines, a document, a wrapper), or a function returning it (a fixture file). */
  readonly text?: string | (() => string);
  /** A policy file (YAML) the case runs with. */
  readonly policy?: string;
  readonly expect?: RuleCaseExpectation;
}

export interface AuditRuleCases {
  readonly ruleId: string;
  readonly valid: readonly AuditCase[];
  readonly invalid: readonly AuditCase[];
}

export interface RunOptions {
  /** Rule selection (default: only the rule under test, enabled). */
  readonly selection?: RuleSelection;
  readonly path?: string;
}

function textOf(c: AuditCase): string {
  if (c.text !== undefined) return typeof c.text === 'function' ? c.text() : c.text;
  return (c.events ?? []).map((e) => JSON.stringify(e)).join('\n') + '\n';
}

/** Analyse a case's events; returns every finding (the caller filters by rule). */
export async function runAuditCase(c: AuditCase, ruleId: string, o: RunOptions = {}): Promise<Finding[]> {
  const selection: RuleSelection = o.selection ?? { state: (r) => ({ enabled: r.id === ruleId || r.tags.includes('fail-closed'), reason: 'case' }) };
  const reporter = new Reporter({ selection });
  const policy = c.policy === undefined ? DEFAULT_AUDIT_POLICY : loadAuditPolicy(c.policy, `${c.name}.policy.yaml`, new Set(AUDIT_RULES.map((r) => r.id)));
  const engine = new AuditEngine(reporter, { rules: AUDIT_RULES, policy, limits: DEFAULT_LIMITS, source: 'audit-log' });
  const text = textOf(c);
  async function* one(): AsyncGenerator<string> {
    yield text;
  }
  await analyzeStream(engine, one(), o.path ?? 'audit.log', DEFAULT_LIMITS.maxEventBytes);
  engine.flush();
  return reporter.finish();
}

/** The registry meta-test's file names for an audit case (the shape `RuleCase` of src/rules uses). */
export const CASE_LOG_FILE = 'audit.log';
export const CASE_POLICY_FILE = 'audit-policy.yaml';

/**
 * An audit case in the shape every other domain's cases have (`RuleCase`: named files): its events as
 * `audit.log`, its policy as `audit-policy.yaml`. The meta-test can then treat audit cases like the
 * runtime domain's: `[...ALL_RULE_CASES, ...RUNTIME_RULE_CASES, ...auditRuleCases()]`, and run them with
 * `runAuditRuleCase` when the rule id starts with `audit/`.
 */
export function toRuleCase(c: AuditCase): RuleCase {
  const files: Record<string, string | (() => Uint8Array)> = { [CASE_LOG_FILE]: () => new TextEncoder().encode(textOf(c)) };
  if (c.policy !== undefined) files[CASE_POLICY_FILE] = c.policy;
  return { name: c.name, files, ...(c.expect !== undefined && { expect: c.expect }) };
}

function fileText(v: RuleCase['files'][string] | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  return new TextDecoder().decode(typeof v === 'function' ? v() : v);
}

/** Run a `RuleCase`-shaped audit case (see `toRuleCase`): every finding, each left through a Reporter. */
export async function runAuditRuleCase(c: RuleCase, ruleId: string): Promise<Finding[]> {
  const policy = fileText(c.files[CASE_POLICY_FILE]);
  return runAuditCase({ name: c.name, text: fileText(c.files[CASE_LOG_FILE]) ?? '', ...(policy !== undefined && { policy }) }, ruleId);
}
