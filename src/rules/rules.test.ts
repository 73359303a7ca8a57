import { describe, expect, it } from 'vitest';
import { applySuppressions, createRegistry, defineRule, defineRuleSet, firingProblem, matchesExpectation } from './index.js';

const meta = {
  title: 'T',
  severity: 'high' as const,
  description: 'D.',
  remediation: 'R.',
  references: [],
  tags: ['t'],
  maturity: 'stable' as const,
};

describe('defineRule', () => {
  it('rejects ids that are not domain/kebab-case', () => {
    for (const id of ['Pickle/x', 'pickle', 'pickle/under_score', 'pickle/x/y', '/x', 'a/-b']) {
      expect(() => defineRule({ ...meta, id }), id).toThrow(/kebab-case/);
    }
  });
  it('rejects missing metadata', () => {
    expect(() => defineRule({ ...meta, id: 'a/b', remediation: ' ' })).toThrow(/remediation is required/);
    expect(() => defineRule({ ...meta, id: 'a/b', tags: [] })).toThrow(/tag/);
    expect(() => defineRule({ ...meta, id: 'a/b', severity: 'severe' as never })).toThrow(/severity/);
  });
  it('builds findings with the default severity and a fingerprint', () => {
    const r = defineRule({ ...meta, id: 'a/b' });
    const f = r.report({ location: { kind: 'file', path: 'x' }, message: 'm' });
    expect(f).toMatchObject({ ruleId: 'a/b', severity: 'high', message: 'm' });
    expect(f.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(r.report({ location: { kind: 'file', path: 'x' }, message: 'm', severity: 'low' }).severity).toBe('low');
  });
});

describe('registry', () => {
  it('rejects duplicate ids', () => {
    const a = defineRule({ ...meta, id: 'a/b' });
    expect(() => createRegistry([defineRuleSet('x', ['a'], [a, defineRule({ ...meta, id: 'a/b' })])])).toThrow(/duplicate rule id a\/b/);
  });
  it('returns descriptors in registry order and refuses unknown ids', () => {
    const reg = createRegistry([defineRuleSet('x', ['a'], [defineRule({ ...meta, id: 'a/one' }), defineRule({ ...meta, id: 'a/two' })])]);
    expect(reg.descriptors(['a/two', 'a/one']).map((d) => d.id)).toEqual(['a/one', 'a/two']);
    expect(() => reg.descriptors(['a/three'])).toThrow(/unregistered/);
  });
});

describe('suppressions', () => {
  const r = defineRule({ ...meta, id: 'a/b' });
  const other = defineRule({ ...meta, id: 'a/c' });
  const f1 = r.report({ location: { kind: 'file', path: 'x' }, message: 'm' });
  const f2 = other.report({ location: { kind: 'file', path: 'x' }, message: 'm' });
  const f3 = r.report({ location: { kind: 'file', path: 'y' }, message: 'm' });
  it('marks matching findings and keeps them', () => {
    const out = applySuppressions([f1, f2, f3], [{ ruleIds: new Set(['a/b']), suppression: { reason: 'accepted', source: 'test' }, applies: (f) => f.location.path === 'x' }]);
    expect(out).toHaveLength(3);
    expect(out[0]?.suppressed).toEqual({ reason: 'accepted', source: 'test' });
    expect(out[1]?.suppressed).toBeUndefined();
    expect(out[2]?.suppressed).toBeUndefined();
  });
  it('supports * for every rule', () => {
    const out = applySuppressions([f1, f2], [{ ruleIds: '*', suppression: { reason: 'r', source: 's' }, applies: () => true }]);
    expect(out.every((f) => f.suppressed)).toBe(true);
  });
});

describe('rule-case verdicts', () => {
  const r = defineRule({ ...meta, id: 'a/b' });
  const k8s = r.report({
    message: 'privileged container',
    evidence: 'privileged: true',
    location: { kind: 'k8s-object', path: 'p.yaml', line: 9, column: 7, apiVersion: 'v1', objectKind: 'Pod', name: 'p', fieldPath: 'spec.x' },
  });
  const member = r.report({ message: 'm', severity: 'critical', location: { kind: 'archive-member', path: 'm.pt', member: 'archive/data.pkl', offset: 3 } });
  it('matches every field the expectation sets, and only those', () => {
    expect(matchesExpectation(k8s, {})).toBe(true);
    expect(matchesExpectation(k8s, { line: 9, column: 7, fieldPath: 'spec.x', messageIncludes: 'privileged', evidenceIncludes: 'true', severity: 'high' })).toBe(true);
    for (const wrong of [{ line: 8 }, { column: 1 }, { fieldPath: 'spec' }, { messageIncludes: 'root' }, { evidenceIncludes: 'false' }, { severity: 'low' }, { member: 'x' }]) {
      expect(matchesExpectation(k8s, wrong), JSON.stringify(wrong)).toBe(false);
    }
    expect(matchesExpectation(member, { member: 'archive/data.pkl', severity: 'critical' })).toBe(true);
    expect(matchesExpectation(member, { line: 1 })).toBe(false);
  });
  it('firingProblem explains a missing or mismatched finding', () => {
    expect(firingProblem([k8s])).toBeUndefined();
    expect(firingProblem([])).toMatch(/expected at least 1 finding/);
    expect(firingProblem([k8s], { count: 2 })).toMatch(/expected at least 2/);
    expect(firingProblem([k8s, member], { member: 'archive/data.pkl' })).toBeUndefined();
    expect(firingProblem([k8s], { line: 3 })).toMatch(/no finding matches \{"line":3\}/);
  });
});
