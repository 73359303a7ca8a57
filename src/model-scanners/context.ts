import type { Finding, Location } from '../findings/index.js';
import { LimitExceededError, errorMessage, isBulwarkError } from '../findings/index.js';
import type { ByteSource, Limits } from '../limits/index.js';
import type { ReportArgs } from '../rules/index.js';
import { coreRules } from '../rules/index.js';

export interface ModelScanOptions {
  /** `--strict`: unknown pickle globals are high instead of medium. */
  readonly strict: boolean;
  /** `production` fails on any pickle-based weights (see docs/policies.md). */
  readonly policy: 'default' | 'production';
}

/** Per-target mutable state shared by a target's nested contexts. */
export class TargetState {
  readonly findings: Finding[] = [];
  partial = false;
  decompressed = 0;
  dropped = 0;
  constructor(readonly limits: Limits) {}
}

export type NestedScanner = (source: ByteSource, ctx: ModelScanContext) => string;

/**
 * What a model scanner sees: where it is (file on disk, member chain inside archives, nesting depth),
 * the limits and options, and how to report. Scanners never throw for bad input: they report.
 */
export class ModelScanContext {
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

  report(f: Finding): void {
    const s = this.state;
    if (s.findings.length < s.limits.maxFindingsPerTarget) s.findings.push(f);
    else s.dropped++;
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

  /** Report a finding that means part of the target was not analysed; the target becomes partial. */
  incomplete(rule: { report(args: ReportArgs): Finding }, message: string, offset?: number, evidence?: string): void {
    this.state.partial = true;
    this.report(rule.report({ location: this.at(offset), message, ...(evidence !== undefined && { evidence }) }));
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
