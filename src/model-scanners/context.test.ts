import { describe, expect, it } from 'vitest';
import { BulwarkError, LimitExceededError } from '../findings/index.js';
import { BufferSource, DEFAULT_LIMITS } from '../limits/index.js';
import { ModelScanContext, TargetState } from './context.js';

function ctx(limits = DEFAULT_LIMITS, nested = (): string => 'pickle'): ModelScanContext {
  return new ModelScanContext('m.pt', undefined, 0, { strict: false, policy: 'default' }, new TargetState(limits), nested);
}

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
      expect(c.state.partial).toBe(true);
      expect(c.state.findings.map((f) => [f.ruleId, f.severity])).toEqual([[rule, 'high']]);
      expect(c.state.findings[0]?.location).toEqual({ kind: 'byte-range', path: 'm.pt', offset: 12, length: 0 });
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
    expect(c.state.findings.map((f) => f.evidence)).toEqual(['maxNestingDepth']);
  });

  it('an exception inside a nested scan is reported on the member, not thrown', () => {
    const c = ctx(DEFAULT_LIMITS, () => {
      throw new Error('nested bug');
    });
    expect(c.scanNested(new BufferSource(new Uint8Array(4)), 'x.pkl')).toBe('unknown');
    expect(c.state.findings[0]).toMatchObject({ ruleId: 'scan/internal-error', location: { kind: 'archive-member', member: 'x.pkl' } });
  });

  it('caps kept findings per target and counts the rest', () => {
    const c = ctx({ ...DEFAULT_LIMITS, maxFindingsPerTarget: 2 });
    for (let i = 0; i < 5; i++) c.failed(new Error(String(i)), 'x');
    expect(c.state.findings).toHaveLength(2);
    expect(c.state.dropped).toBe(3);
  });

  it('charges decompressed bytes against the per-target total', () => {
    const c = ctx({ ...DEFAULT_LIMITS, maxTotalDecompressedBytes: 10 });
    c.chargeDecompressed(6);
    expect(() => c.chargeDecompressed(6)).toThrow(LimitExceededError);
  });
});
