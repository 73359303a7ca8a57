/**
 * Table-driven rule cases (after ESLint's RuleTester): every rule lists inputs on which it must fire
 * and inputs on which it must stay silent. A case is a small file tree (built in code by the
 * `test-fixtures/` builders) plus scan options; the engine's rule-case test scans each tree and checks
 * the rule's findings. The registry meta-test requires at least one case of each kind per rule.
 */
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

export function ruleCases(ruleId: string, cases: { valid: readonly RuleCase[]; invalid: readonly RuleCase[] }): RuleCases {
  return { ruleId, ...cases };
}
