/** Helpers for the pickle analyser's tests (not shipped behaviour; no vitest imports). */
import type { Finding } from '../../findings/index.js';
import type { ByteSource, Limits } from '../../limits/index.js';
import { BufferSource, DEFAULT_LIMITS } from '../../limits/index.js';
import { ModelScanContext, TargetState } from '../context.js';
import { scanPickle } from './scan.js';
import { Grader } from './grade.js';
import type { StreamOutcome } from './machine.js';
import { StreamMachine } from './machine.js';
import { renderValue } from './render.js';
import type { PickleAnalysis, PickleScanOptions } from './types.js';

export interface ScanResult {
  readonly analysis: PickleAnalysis;
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
  opts: { limits?: Partial<Limits>; strict?: boolean; scan?: PickleScanOptions; path?: string } = {},
): ScanResult {
  const state = new TargetState({ ...DEFAULT_LIMITS, ...opts.limits });
  const nested = (source: ByteSource, c: ModelScanContext): string => {
    scanPickle(source, c);
    return 'pickle';
  };
  const ctx = new ModelScanContext(opts.path ?? 'model.pkl', undefined, 0, { strict: opts.strict ?? false, policy: 'default' }, state, nested);
  const analysis = scanPickle(new BufferSource(bytes), ctx, opts.scan);
  const findings = state.findings;
  return {
    analysis,
    findings,
    partial: state.partial,
    state,
    of: (id) => findings.filter((f) => f.ruleId === id),
    ruleIds: [...new Set(findings.map((f) => f.ruleId))].sort(),
  };
}

/** Run one stream through the machine and return the value STOP returns, rendered (plus findings). */
export function evalPickle(bytes: Uint8Array, opts: { limits?: Partial<Limits> } = {}): { value: string | undefined; outcome: StreamOutcome; findings: Finding[] } {
  const state = new TargetState({ ...DEFAULT_LIMITS, ...opts.limits });
  const ctx = new ModelScanContext('t.pkl', undefined, 0, { strict: false, policy: 'default' }, state, () => 'pickle');
  const g = new Grader(new BufferSource(bytes), ctx, () => undefined);
  const limits = state.limits;
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
  return { value: outcome.result === undefined ? undefined : renderValue(outcome.result), outcome, findings: state.findings };
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
