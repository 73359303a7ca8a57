/**
 * Table-driven rule cases (after ESLint's RuleTester): every rule lists inputs on which it must fire
 * and inputs on which it must stay silent. A case is a small file tree (built in code by the
 * `test-fixtures/` builders) plus scan options; the engine's rule-case test scans each tree and checks
 * the rule's findings. The registry meta-test requires at least one case of each kind per rule.
 * Domain tests run the same cases in-process with `firingProblem`, so every runner judges alike.
 */
import type { Finding } from '../findings/index.js';

export interface RuleCaseExpectation {
  /** At least this many findings of the rule (default 1). */
  readonly count?: number;
  readonly severity?: string;
  readonly line?: number;
  readonly column?: number;
  readonly fieldPath?: string;
  readonly member?: string;
  readonly messageIncludes?: string;
  readonly evidenceIncludes?: string;
}

export interface RuleCase {
  readonly name: string;
  /** Relative path → contents. Functions are called lazily (large or generated fixtures). */
  readonly files: Readonly<Record<string, string | Uint8Array | (() => Uint8Array)>>;
  /** Symbolic links to create: relative link path → target (may point outside the tree). */
  readonly symlinks?: Readonly<Record<string, string>>;
  /** Named pipes (FIFOs) to create at these relative paths. */
  readonly fifos?: readonly string[];
  /** Scan options (the engine's `ScanOptions`, partially), e.g. `{ strict: true }`. */
  readonly options?: Readonly<Record<string, unknown>>;
  readonly expect?: RuleCaseExpectation;
}

export interface RuleCases {
  readonly ruleId: string;
  readonly valid: readonly RuleCase[];
  readonly invalid: readonly RuleCase[];
}

/** Does `f` satisfy every field that the expectation sets (severity, position, member, texts)? */
export function matchesExpectation(f: Finding, e: RuleCaseExpectation): boolean {
  const l = f.location;
  if (e.severity !== undefined && f.severity !== e.severity) return false;
  if (e.messageIncludes !== undefined && !f.message.includes(e.messageIncludes)) return false;
  if (e.evidenceIncludes !== undefined && !(f.evidence ?? '').includes(e.evidenceIncludes)) return false;
  if (e.line !== undefined && !((l.kind === 'file' || l.kind === 'k8s-object') && l.line === e.line)) return false;
  if (e.column !== undefined && !((l.kind === 'file' || l.kind === 'k8s-object') && l.column === e.column)) return false;
  if (e.fieldPath !== undefined && !(l.kind === 'k8s-object' && l.fieldPath === e.fieldPath)) return false;
  if (e.member !== undefined && !(l.kind === 'archive-member' && l.member === e.member)) return false;
  return true;
}

/**
 * The verdict on a firing case, given the findings of its rule: at least `count` (default 1) of them,
 * and at least one that matches the expectation. Returns what went wrong, or undefined.
 */
export function firingProblem(ruleFindings: readonly Finding[], e: RuleCaseExpectation = {}): string | undefined {
  const show = (f: Finding): string => `${f.severity} ${JSON.stringify(f.location)} ${f.message}${f.evidence === undefined ? '' : ` [${f.evidence}]`}`;
  if (ruleFindings.length < (e.count ?? 1)) {
    return `expected at least ${e.count ?? 1} finding(s), got ${ruleFindings.length}:\n${ruleFindings.map(show).join('\n')}`;
  }
  if (!ruleFindings.some((f) => matchesExpectation(f, e))) {
    return `no finding matches ${JSON.stringify(e)}; got:\n${ruleFindings.map(show).join('\n')}`;
  }
  return undefined;
}

export function ruleCases(ruleId: string, cases: { valid: readonly RuleCase[]; invalid: readonly RuleCase[] }): RuleCases {
  return { ruleId, ...cases };
}
