import { describe, expect, it } from 'vitest';
import { BulwarkError, LimitExceededError } from '../findings/index.js';
import type { Finding } from '../findings/index.js';
import { BufferSource, DEFAULT_LIMITS } from '../limits/index.js';
import { coreRules, defineRule } from '../rules/index.js';
import { modelReporter } from '../../test-fixtures/model-scan-helpers.js';
import { ModelScanContext, TargetState } from './context.js';

function ctx(limits = DEFAULT_LIMITS, nested = (): string => 'pickle'): ModelScanContext {
  return new ModelScanContext('m.pt', undefined, 0, { strict: false, policy: 'default' }, new TargetState(limits, modelReporter(limits)), nested);
}

const findings = (c: ModelScanContext): Finding[] => c.reporter.finish();
const partial = (c: ModelScanContext): boolean => c.reporter.partialPaths().has(c.path);

describe('ModelScanContext', () => {
  it('maps every error kind to its fail-closed rule and marks the target partial', () => {
    const cases: [unknown, string][] = [
      [new LimitExceededError('maxPickleOps', 5), 'scan/limit-exceeded'],
      [new BulwarkError('MALFORMED', 'bad'), 'scan/malformed-input'],
      [new BulwarkError('UNSUPPORTED', 'rar'), 'scan/unsupported-container'],
      [new BulwarkError('IO', 'EIO'), 'scan/read-error'],
      [new Error('bug'), 'scan/internal-error'],
      ['a string thrown', 'scan/internal-error'],
    ];
    for (const [err, rule] of cases) {
      const c = ctx();
      c.failed(err, 'analysis', 12);
      expect(partial(c)).toBe(true);
      expect(findings(c).map((f) => [f.ruleId, f.severity])).toEqual([[rule, 'high']]);
      expect(findings(c)[0]?.location).toEqual({ kind: 'byte-range', path: 'm.pt', offset: 12, length: 0 });
    }
  });

  it('locates evidence inside nested members with a !/ chain', () => {
    const c = ctx().child('archive/data.pkl').child('inner.npy');
    expect(c.at(5)).toEqual({ kind: 'archive-member', path: 'm.pt', member: 'archive/data.pkl!/inner.npy', offset: 5 });
    expect(c.depth).toBe(2);
  });

  it('refuses to nest deeper than maxNestingDepth, with a finding', () => {
    let calls = 0;
    const c = ctx({ ...DEFAULT_LIMITS, maxNestingDepth: 1 }, () => {
      calls++;
      return 'pickle';
    });
    expect(c.scanNested(new BufferSource(new Uint8Array(4)), 'a')).toBe('pickle');
    expect(c.child('a').scanNested(new BufferSource(new Uint8Array(4)), 'b')).toBe('unknown');
    expect(calls).toBe(1);
    expect(findings(c).map((f) => f.evidence)).toEqual(['maxNestingDepth']);
  });

  it('an exception inside a nested scan is reported on the member, not thrown', () => {
    const c = ctx(DEFAULT_LIMITS, () => {
      throw new Error('nested bug');
    });
    expect(c.scanNested(new BufferSource(new Uint8Array(4)), 'x.pkl')).toBe('unknown');
    expect(findings(c)[0]).toMatchObject({ ruleId: 'scan/internal-error', location: { kind: 'archive-member', member: 'x.pkl' } });
  });

  it('caps kept findings per target and counts the rest, through the Reporter', () => {
    const c = ctx({ ...DEFAULT_LIMITS, maxFindingsPerTarget: 2 });
    for (let i = 0; i < 5; i++) c.failed(new Error(String(i)), 'x');
    const all = findings(c);
    expect(all.filter((f) => f.ruleId === 'scan/internal-error')).toHaveLength(2);
    expect(all.find((f) => f.evidence === 'maxFindingsPerTarget')?.message).toContain('3 more findings were not kept');
  });

  it('marks the target partial for an incomplete analysis even with a rule that is not fail-closed', () => {
    const rule = defineRule({ id: 'zip/x', title: 't', severity: 'medium', description: 'd', remediation: 'r', references: [], tags: ['zip'], maturity: 'stable' });
    const c = ctx();
    c.report(rule, { location: c.at(), message: 'm' });
    expect(partial(c)).toBe(false);
    c.incomplete(rule, 'not analysed');
    expect(partial(c)).toBe(true);
  });

  it('knows when a rule stops being listed in detail (maxFindingsPerRule)', () => {
    const c = ctx({ ...DEFAULT_LIMITS, maxFindingsPerRule: 2 });
    const rule = coreRules.malformedInput;
    expect(c.listed(rule)).toBe(true);
    c.reportCounted(rule, 2, { location: c.at(), message: 'm' });
    expect(c.listed(rule)).toBe(false);
    c.reportCounted(rule, 3, { location: c.at(), message: 'm' });
    expect(findings(c).find((f) => f.message.includes('3 more findings of this rule'))).toBeDefined();
  });

  it('runs rule checks through a dispatcher that skips disabled rules and isolates a failing check', () => {
    const seen: string[] = [];
    const ok = defineRule<string>({ id: 'gguf/a', title: 't', severity: 'low', description: 'd', remediation: 'r', references: [], tags: ['gguf'], maturity: 'stable', check: (s, report) => report({ location: { kind: 'file', path: 'm.pt' }, message: s }) });
    const off = defineRule<string>({ id: 'gguf/b', title: 't', severity: 'low', description: 'd', remediation: 'r', references: [], tags: ['gguf'], maturity: 'experimental', check: () => seen.push('off ran') });
    const bad = defineRule<string>({ id: 'gguf/c', title: 't', severity: 'low', description: 'd', remediation: 'r', references: [], tags: ['gguf'], maturity: 'stable', check: () => { throw new Error('bug'); } });
    const c = ctx();
    c.check([bad, off, ok], 'subject');
    expect(seen).toEqual([]);
    expect(findings(c).map((f) => [f.ruleId, f.message])).toEqual([
      ['scan/internal-error', 'rule gguf/c: internal error: bug'],
      ['gguf/a', 'subject'],
    ]);
    expect(partial(c)).toBe(true);
  });

  it('charges decompressed bytes against the per-target total', () => {
    const c = ctx({ ...DEFAULT_LIMITS, maxTotalDecompressedBytes: 10 });
    c.chargeDecompressed(6);
    expect(() => c.chargeDecompressed(6)).toThrow(LimitExceededError);
  });
});
