/** Helpers for the pickle analyser's tests (not shipped behaviour; no vitest imports). */
import type { Finding } from '../../findings/index.js';
import type { ByteSource, Limits } from '../../limits/index.js';
import { BufferSource, DEFAULT_LIMITS } from '../../limits/index.js';
import { modelReporter } from '../../../test-fixtures/model-scan-helpers.js';
import { ModelScanContext, TargetState } from '../context.js';
import { scanPickle } from './scan.js';
import { Grader } from './grade.js';
import { StreamMachine } from './machine.js';
import type { StreamOutcome } from './observer.js';
import type { PicklePolicyExtension } from './policy.js';
import { renderValue } from './render.js';
import type { PickleAnalysis, PickleScanOptions } from './types.js';

export interface ScanResult {
  readonly analysis: PickleAnalysis;
  /** Every finding, the Reporter's cap summaries ("N more findings of this rule") included. */
  readonly findings: Finding[];
  readonly partial: boolean;
  readonly state: TargetState;
  /** Findings of one rule. */
  of(ruleId: string): Finding[];
  /** Rule ids, sorted and deduplicated. */
  readonly ruleIds: string[];
}

export function scanBytes(
  bytes: Uint8Array,
  opts: { limits?: Partial<Limits>; strict?: boolean; scan?: PickleScanOptions; path?: string; pickle?: PicklePolicyExtension } = {},
): ScanResult {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const reporter = modelReporter(limits);
  const state = new TargetState(limits, reporter);
  const nested = (source: ByteSource, c: ModelScanContext): string => {
    scanPickle(source, c);
    return 'pickle';
  };
  const path = opts.path ?? 'model.pkl';
  const options = { strict: opts.strict ?? false, policy: 'default' as const, ...(opts.pickle !== undefined && { pickle: opts.pickle }) };
  const ctx = new ModelScanContext(path, undefined, 0, options, state, nested);
  const analysis = scanPickle(new BufferSource(bytes), ctx, opts.scan);
  const findings = reporter.finish();
  return {
    analysis,
    findings,
    partial: reporter.partialPaths().has(path),
    state,
    of: (id) => findings.filter((f) => f.ruleId === id),
    ruleIds: [...new Set(findings.map((f) => f.ruleId))].sort(),
  };
}

/** Run one stream through the machine and return the value STOP returns, rendered (plus findings). */
export function evalPickle(bytes: Uint8Array, opts: { limits?: Partial<Limits> } = {}): { value: string | undefined; outcome: StreamOutcome; findings: Finding[] } {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const reporter = modelReporter(limits);
  const state = new TargetState(limits, reporter);
  const ctx = new ModelScanContext('t.pkl', undefined, 0, { strict: false, policy: 'default' }, state, () => 'pickle');
  const g = new Grader(new BufferSource(bytes), ctx, () => undefined);
  const m = new StreamMachine(new BufferSource(bytes), g, {
    opsBudget: { left: limits.maxPickleOps, max: limits.maxPickleOps },
    maxStack: limits.maxPickleStack,
    maxMemo: limits.maxPickleMemo,
    maxStringBytes: limits.maxStringBytes,
    joblibDepth: 0,
    maxNestingDepth: limits.maxNestingDepth,
  });
  g.openScope();
  const outcome = m.run(0);
  g.closeScope();
  return { value: outcome.result === undefined ? undefined : renderValue(outcome.result), outcome, findings: reporter.finish() };
}

/** True when `s` holds a raw control character (C0 except \t and \n, DEL, C1) or a bidi/line-separator control. */
export function hasRawControl(s: string, allowNewline = false): boolean {
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (allowNewline && (c === 0x0a || c === 0x09)) continue;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) return true;
  }
  return false;
}
