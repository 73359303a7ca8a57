import type { Location } from '../findings/index.js';
import { LimitExceededError, errorMessage, isBulwarkError } from '../findings/index.js';
import type { ByteSource, Limits } from '../limits/index.js';
import type { ReportArgs, Reporter, Rule, RuleMeta } from '../rules/index.js';
import { coreRules } from '../rules/index.js';
import { runChecks } from './checks.js';
import type { PicklePolicyExtension } from './pickle/index.js';

export interface ModelScanOptions {
  /** `--strict`: unknown pickle globals are high instead of medium. */
  readonly strict: boolean;
  /** `production` fails on any pickle-based weights (see docs/policies.md). */
  readonly policy: 'default' | 'production';
  /** User additions to the pickle policy (config file `pickle: {allow, deny}`), see docs/formats.md. */
  readonly pickle?: PicklePolicyExtension;
}

/**
 * Per-target state shared by a target's nested contexts: the limits, the one Reporter every finding
 * leaves through, and what is charged to the target as a whole (decompressed bytes, findings per rule).
 */
export class TargetState {
  decompressed = 0;
  /** Findings reported per rule id for this target (to know when details stop being listed). */
  private readonly perRule = new Map<string, number>();

  constructor(
    readonly limits: Limits,
    readonly reporter: Reporter,
  ) {}

  /** Count one finding of `ruleId`; returns how many were reported before it. */
  count(ruleId: string): number {
    const n = this.perRule.get(ruleId) ?? 0;
    this.perRule.set(ruleId, n + 1);
    return n;
  }

  reported(ruleId: string): number {
    return this.perRule.get(ruleId) ?? 0;
  }
}

export type NestedScanner = (source: ByteSource, ctx: ModelScanContext) => string;

/** Where a finding of a parsed structure lies: an offset (and length) in the current file or member. */
export type Locator = (offset?: number, length?: number) => Location;

/**
 * What a model scanner sees: where it is (file on disk, member chain inside archives, nesting depth),
 * the limits and options, and how to report. Scanners never throw for bad input: they report, and
 * every finding leaves through the target's Reporter (`report`, `check`, `incomplete`, `failed`).
 */
export class ModelScanContext {
  /** Where the pickle stream(s) analysed at this level of the source end (set by scanPickle). */
  pickleEnd: number | undefined = undefined;

  constructor(
    readonly path: string,
    readonly member: string | undefined,
    readonly depth: number,
    readonly options: ModelScanOptions,
    readonly state: TargetState,
    private readonly nested: NestedScanner,
  ) {}

  get limits(): Limits {
    return this.state.limits;
  }

  get reporter(): Reporter {
    return this.state.reporter;
  }

  /** Report one finding of `rule` (the Reporter applies selection, severity overrides and caps). */
  report(rule: RuleMeta, args: ReportArgs): void {
    this.state.count(rule.id);
    this.state.reporter.report(rule, args);
  }

  /**
   * Whether a further finding of `rule` on this target is still listed in full
   * (`maxFindingsPerRule`). Analysers that spend work on a finding's evidence (rendering a pickle
   * call) skip that work once details are no longer listed, but still report the finding, so that
   * the Reporter counts it in its "N more findings of this rule" summary.
   */
  listed(rule: RuleMeta): boolean {
    return this.state.reported(rule.id) < this.limits.maxFindingsPerRule;
  }

  /**
   * Report `count` further findings of `rule` whose details an analyser did not keep (past its own
   * bound on what it keeps in memory): the Reporter counts them in its per-rule summary.
   */
  reportCounted(rule: RuleMeta, count: number, args: ReportArgs): void {
    for (let i = 0; i < count; i++) this.report(rule, args);
  }

  /** Whether the user's selection runs `rule` (skip work whose only purpose is that rule). */
  enabled(rule: RuleMeta): boolean {
    return this.state.reporter.enabled(rule);
  }

  /**
   * Run the `check` of each rule over one parsed subject (the generic dispatcher): rules the user
   * turned off are not run, and a check that throws costs only its own findings (an internal-error
   * finding on this target says so).
   */
  check<S>(rules: readonly Rule<S>[], subject: S): void {
    const adapter = { enabled: (rule: RuleMeta) => this.enabled(rule), bind: (rule: RuleMeta) => (args: ReportArgs) => this.report(rule, args) };
    runChecks(rules, subject, adapter, (rule, e) => this.failed(e, `rule ${rule.id}`));
  }

  /** Location of evidence at `offset` (in the current member, or in the file when not in a member). */
  at(offset?: number, length?: number): Location {
    if (this.member !== undefined) {
      return offset === undefined
        ? { kind: 'archive-member', path: this.path, member: this.member }
        : { kind: 'archive-member', path: this.path, member: this.member, offset };
    }
    if (offset === undefined) return { kind: 'file', path: this.path };
    return { kind: 'byte-range', path: this.path, offset, length: length ?? 0 };
  }

  /** `at` as a function value (the locator of parsed structures handed to rule checks). */
  get locator(): Locator {
    return (offset, length) => this.at(offset, length);
  }

  /** Report a finding that means part of the target was not analysed; the target becomes partial. */
  incomplete(rule: RuleMeta, message: string, offset?: number, evidence?: string): void {
    this.report(rule, { location: this.at(offset), message, ...(evidence !== undefined && { evidence }) });
    this.state.reporter.markPartial(this.path);
  }

  /** Turn an error thrown while analysing into the right fail-closed finding. */
  failed(e: unknown, what: string, offset?: number): void {
    if (e instanceof LimitExceededError) {
      this.incomplete(coreRules.limitExceeded, `${what}: ${e.message}`, offset, e.limit);
    } else if (isBulwarkError(e) && e.code === 'MALFORMED') {
      this.incomplete(coreRules.malformedInput, `${what}: ${e.message}`, offset);
    } else if (isBulwarkError(e) && e.code === 'UNSUPPORTED') {
      this.incomplete(coreRules.unsupportedContainer, `${what}: ${e.message}`, offset);
    } else if (isBulwarkError(e) && e.code === 'IO') {
      this.incomplete(coreRules.readError, `${what}: ${e.message}`, offset);
    } else {
      this.incomplete(coreRules.internalError, `${what}: internal error: ${errorMessage(e)}`, offset);
    }
  }

  /** Count decompressed output against the per-target total. */
  chargeDecompressed(n: number): void {
    this.state.decompressed += n;
    const max = this.limits.maxTotalDecompressedBytes;
    if (this.state.decompressed > max) {
      throw new LimitExceededError('maxTotalDecompressedBytes', max, `more than ${max} bytes decompressed for one target`);
    }
  }

  /** Context for a member of the current container (`a.zip!/b.npz!/c.npy` chains are joined with `!/`). */
  child(member: string): ModelScanContext {
    const chain = this.member === undefined ? member : `${this.member}!/${member}`;
    return new ModelScanContext(this.path, chain, this.depth + 1, this.options, this.state, this.nested);
  }

  /**
   * Detect the format of `source` by content and scan it with the right scanner, one level deeper.
   * Returns the detected format. Depth beyond `maxNestingDepth` is reported, not followed.
   */
  scanNested(source: ByteSource, member: string): string {
    const c = this.child(member);
    if (c.depth > this.limits.maxNestingDepth) {
      c.incomplete(coreRules.limitExceeded, `nesting deeper than maxNestingDepth (${this.limits.maxNestingDepth}); not analysed`, undefined, 'maxNestingDepth');
      return 'unknown';
    }
    try {
      return this.nested(source, c);
    } catch (e) {
      c.failed(e, `analysis of ${member}`);
      return 'unknown';
    }
  }
}
