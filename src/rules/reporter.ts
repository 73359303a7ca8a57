/**
 * The one way a finding leaves a rule. Every analyser, phase, server and stream reports through a
 * `Reporter`, which
 * - drops findings of rules the user turned off (rule selection, `selection.ts`) — a disabled rule's
 *   `check` is not even run by the dispatchers, which ask `enabled(rule)` first;
 * - applies the user's severity override;
 * - caps findings per target (`maxFindingsPerTarget`) and, where asked, per rule and target
 *   (`maxFindingsPerRule`), and turns every cap it reaches into a finding that says how many were left
 *   out, so a cap never hides findings silently;
 * - remembers which targets got a fail-closed finding: such a target is `partial`, whoever reported it
 *   (the one place where "partial" is decided);
 * - hands each kept finding to `onFinding` as it happens (the NDJSON sink of streams).
 */
import type { Finding, Location } from '../findings/index.js';
import { limitExceeded } from './core-rules.js';
import type { ReportArgs, ReportFn, RuleMeta } from './define-rule.js';
import { buildFinding } from './define-rule.js';
import type { RuleSelection } from './selection.js';
import { DEFAULT_SELECTION } from './selection.js';

export interface ReporterOptions {
  /** Findings kept per target path (`maxFindingsPerTarget`); unbounded when absent (streams). */
  readonly maxPerTarget?: number;
  /** Findings of one rule kept per target path before one "N more" summary (`maxFindingsPerRule`). */
  readonly maxPerRule?: number;
  /** Which rules run and at which severity (default: stable and incubating rules, default severities). */
  readonly selection?: RuleSelection;
  /** Called with every kept finding as soon as it is reported (streams). */
  readonly onFinding?: (f: Finding) => void;
  /**
   * Keep findings in `findings` (default true). Streams that never end set it false: each finding only
   * goes to `onFinding`, and the Reporter's memory stays bounded by its per-target and per-rule counters.
   */
  readonly keep?: boolean;
}

interface TargetCount {
  kept: number;
  dropped: number;
  readonly perRule: Map<string, { n: number; rule: RuleMeta; location: Location }>;
}

/** Every finding a Reporter kept (for the registry meta-test: nothing reaches a report another way). */
const REPORTED = new WeakSet<Finding>();

/** Whether `f` left through a Reporter (or is a suppression-marked copy of one that did). */
export function wasReported(f: Finding): boolean {
  return REPORTED.has(f);
}

/** Record that `copy` is `original` with a suppression mark (suppressions never create findings). */
export function markedCopy(original: Finding, copy: Finding): Finding {
  if (REPORTED.has(original)) REPORTED.add(copy);
  return copy;
}

/** Tag of the rules that mean "this target was not fully analysed" (`scan/*`). */
export const FAIL_CLOSED_TAG = 'fail-closed';

export class Reporter {
  readonly findings: Finding[] = [];
  private readonly targets = new Map<string, TargetCount>();
  private readonly partial = new Set<string>();
  private finished = false;
  /** Findings kept (emitted), whether or not they are stored (`keep: false`). */
  emitted = 0;
  readonly selection: RuleSelection;

  constructor(private readonly options: ReporterOptions = {}) {
    this.selection = options.selection ?? DEFAULT_SELECTION;
  }

  /** Whether the user's selection runs `rule` (dispatchers skip the checks of disabled rules). */
  enabled(rule: RuleMeta): boolean {
    return this.selection.state(rule).enabled;
  }

  /** Report one finding of `rule`. */
  report(rule: RuleMeta, args: ReportArgs): void {
    const state = this.selection.state(rule);
    if (!state.enabled) return;
    const path = args.location.path;
    if (rule.tags.includes(FAIL_CLOSED_TAG)) this.partial.add(path);
    const t = this.target(path);
    const max = this.options.maxPerRule;
    if (max !== undefined) {
      const r = t.perRule.get(rule.id);
      if (r === undefined) t.perRule.set(rule.id, { n: 1, rule, location: { kind: 'file', path } });
      else if (++r.n > max) return;
    }
    const cap = this.options.maxPerTarget;
    if (cap !== undefined && t.kept >= cap) {
      t.dropped++;
      return;
    }
    t.kept++;
    this.push(buildFinding(rule, args, state.severity));
  }

  /** A report function bound to `rule` (what a rule's `check` receives). */
  bind(rule: RuleMeta): ReportFn {
    return (args) => this.report(rule, args);
  }

  /** Mark a target partial without a finding of its own (its analyser already reported why). */
  markPartial(path: string): void {
    this.partial.add(path);
  }

  /** Targets that got a fail-closed finding (or were marked): their status is `partial`. */
  partialPaths(): ReadonlySet<string> {
    return this.partial;
  }

  /**
   * Count findings already kept for `path` elsewhere (a per-file worker), so that a cross-file phase
   * reporting on the same target respects the same per-target cap.
   */
  seed(path: string, kept: number): void {
    this.target(path).kept += kept;
  }

  /**
   * Emit the summaries of the caps that were reached ("N more findings of this rule", "N more findings
   * were not kept"), once, and return every finding. Idempotent.
   */
  finish(): Finding[] {
    if (this.finished) return this.findings;
    this.finished = true;
    const max = this.options.maxPerRule;
    for (const [path, t] of this.targets) {
      if (max !== undefined) {
        for (const [, r] of t.perRule) {
          if (r.n > max) {
            this.push(
              buildFinding(r.rule, { location: r.location, message: `${r.n - max} more findings of this rule in the same file (only the first ${max} are listed; maxFindingsPerRule)` }, this.selection.state(r.rule).severity),
            );
          }
        }
      }
      if (t.dropped > 0) {
        this.partial.add(path);
        this.push(
          buildFinding(limitExceeded, {
            location: { kind: 'file', path },
            message: `${t.dropped} more findings were not kept (maxFindingsPerTarget ${this.options.maxPerTarget ?? 0})`,
            evidence: 'maxFindingsPerTarget',
          }),
        );
      }
    }
    return this.findings;
  }

  private target(path: string): TargetCount {
    let t = this.targets.get(path);
    if (t === undefined) {
      t = { kept: 0, dropped: 0, perRule: new Map() };
      this.targets.set(path, t);
    }
    return t;
  }

  private push(f: Finding): void {
    REPORTED.add(f);
    this.emitted++;
    if (this.options.keep !== false) this.findings.push(f);
    this.options.onFinding?.(f);
  }
}
