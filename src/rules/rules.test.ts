import { describe, expect, it } from 'vitest';
import type { Finding } from '../findings/index.js';
import type { ConfigSuppression, ReportArgs, Rule } from './index.js';
import { Reporter, anyGlobMatches, applyConfigSuppressions, applySuppressions, compileGlob, coreRules, createRegistry, createSelection, defineRule, defineRuleSet, firingProblem, matchesExpectation, pathCandidates } from './index.js';

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
    const f = one(r, { location: { kind: 'file', path: 'x' }, message: 'm' });
    expect(f).toMatchObject({ ruleId: 'a/b', severity: 'high', message: 'm' });
    expect(f.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(one(r, { location: { kind: 'file', path: 'x' }, message: 'm', severity: 'low' }).severity).toBe('low');
  });
});

/** A finding of `rule`, the only way tests (like code) get one: through a Reporter. */
function one(rule: Rule, args: ReportArgs): Finding {
  const r = new Reporter();
  r.report(rule, args);
  const f = r.finish()[0];
  if (f === undefined) throw new Error('not reported');
  return f;
}

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
  const f1 = one(r, { location: { kind: 'file', path: 'x' }, message: 'm' });
  const f2 = one(other, { location: { kind: 'file', path: 'x' }, message: 'm' });
  const f3 = one(r, { location: { kind: 'file', path: 'y' }, message: 'm' });
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
  const k8s = one(r, {
    message: 'privileged container',
    evidence: 'privileged: true',
    location: { kind: 'k8s-object', path: 'p.yaml', line: 9, column: 7, apiVersion: 'v1', objectKind: 'Pod', name: 'p', fieldPath: 'spec.x' },
  });
  const member = one(r, { message: 'm', severity: 'critical', location: { kind: 'archive-member', path: 'm.pt', member: 'archive/data.pkl', offset: 3 } });
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

describe('Reporter (the one way findings leave a rule)', () => {
  const loc = (path: string) => ({ kind: 'file' as const, path });
  const a = defineRule({ ...meta, id: 'a/one', tags: ['t1'] });
  const b = defineRule({ ...meta, id: 'a/two', tags: ['t2'], severity: 'medium' as const });
  const x = defineRule({ ...meta, id: 'a/new', tags: ['t2'], maturity: 'experimental' as const });

  it('keeps stable rules and drops experimental ones by default', () => {
    const r = new Reporter();
    r.report(a, { location: loc('p'), message: 'm' });
    r.report(x, { location: loc('p'), message: 'm' });
    expect(r.finish().map((f) => f.ruleId)).toEqual(['a/one']);
    expect(r.enabled(x)).toBe(false);
  });

  it('applies the selection: off, severity override', () => {
    const sel = createSelection([a, b, x], [
      { selector: 'a/one', setting: { enabled: false } },
      { selector: 'tag:t2', setting: { enabled: true, severity: 'low' } },
    ]);
    const r = new Reporter({ selection: sel });
    for (const rule of [a, b, x]) r.report(rule, { location: loc('p'), message: 'm', severity: 'critical' });
    expect(r.finish().map((f) => [f.ruleId, f.severity])).toEqual([
      ['a/two', 'low'],
      ['a/new', 'low'],
    ]);
  });

  it('caps findings per target and turns the cap into a fail-closed finding', () => {
    const r = new Reporter({ maxPerTarget: 3 });
    for (let i = 0; i < 10; i++) r.report(a, { location: loc('big'), message: `m${i}` });
    r.report(a, { location: loc('small'), message: 'm' });
    const out = r.finish();
    expect(out.filter((f) => f.location.path === 'big' && f.ruleId === 'a/one')).toHaveLength(3);
    const cap = out.find((f) => f.ruleId === 'scan/limit-exceeded');
    expect(cap).toMatchObject({ severity: 'high', evidence: 'maxFindingsPerTarget', location: { path: 'big' } });
    expect(cap?.message).toContain('7 more findings were not kept');
    expect(r.partialPaths().has('big')).toBe(true);
    expect(r.partialPaths().has('small')).toBe(false);
    expect(r.finish()).toBe(out); // idempotent
  });

  it('caps findings per rule and target with one summary of the rule', () => {
    const r = new Reporter({ maxPerRule: 2 });
    for (let i = 0; i < 5; i++) r.report(a, { location: loc('p'), message: `m${i}` });
    r.report(b, { location: loc('p'), message: 'other rule' });
    const out = r.finish();
    expect(out.filter((f) => f.ruleId === 'a/one').map((f) => f.message)).toEqual(['m0', 'm1', '3 more findings of this rule in the same file (only the first 2 are listed; maxFindingsPerRule)']);
    expect(out.filter((f) => f.ruleId === 'a/two')).toHaveLength(1);
  });

  it('counts findings kept elsewhere for the same target (seed)', () => {
    const r = new Reporter({ maxPerTarget: 2 });
    r.seed('p', 2);
    r.report(a, { location: loc('p'), message: 'm' });
    expect(r.finish().map((f) => f.ruleId)).toEqual(['scan/limit-exceeded']);
  });

  it('marks the targets of fail-closed findings partial, and streams every kept finding', () => {
    const seen: string[] = [];
    const r = new Reporter({ onFinding: (f) => seen.push(f.ruleId) });
    r.report(coreRules.malformedInput, { location: loc('bad'), message: 'm' });
    r.report(a, { location: loc('ok'), message: 'm' });
    expect([...r.partialPaths()]).toEqual(['bad']);
    expect(seen).toEqual(['scan/malformed-input', 'a/one']);
  });

  it('carries time and source for event findings', () => {
    const r = new Reporter();
    r.report(a, { location: loc('audit.log'), message: 'm', time: '2026-12-02T10:00:00Z', source: 'audit-webhook' });
    expect(r.finish()[0]).toMatchObject({ time: '2026-12-02T10:00:00Z', source: 'audit-webhook' });
  });
});

describe('rule sets', () => {
  it('reject a rule outside the set\u2019s prefixes and a prefix claimed twice', () => {
    expect(() => defineRuleSet('x', ['b'], [defineRule({ ...meta, id: 'a/one' })])).toThrow(/outside its prefixes/);
    expect(() => createRegistry([defineRuleSet('x', ['a'], []), defineRuleSet('y', ['a'], [])])).toThrow(/claimed by x and y/);
  });
});

describe('path globs', () => {
  const m = (g: string, p: string) => compileGlob(g).matches(p);
  it('anchors patterns with a slash and matches plain names at any depth', () => {
    expect(m('vendor/**', 'vendor/a/b.yaml')).toBe(true);
    expect(m('vendor/**', 'x/vendor/a.yaml')).toBe(false);
    expect(m('vendor', 'x/vendor/a.yaml')).toBe(true);
    expect(m('*.pt', 'models/a/legacy.pt')).toBe(true);
    expect(m('models/legacy.pt', './models/legacy.pt')).toBe(true);
    expect(m('models/*.pt', 'models/a/legacy.pt')).toBe(false);
    expect(m('models/**/*.pt', 'models/a/b/legacy.pt')).toBe(true);
    expect(m('models/**/*.pt', 'models/legacy.pt')).toBe(true);
    expect(m('**/testdata/**', 'a/b/testdata/c.yaml')).toBe(true);
    expect(m('{charts,deploy}/', 'deploy/x.yaml')).toBe(true);
    expect(m('deploy/', 'deploy')).toBe(false);
    expect(m('w[0-9].bin', 'w7.bin')).toBe(true);
    expect(m('w[!0-9].bin', 'w7.bin')).toBe(false);
    expect(m('a?c', 'a/c')).toBe(false);
  });
  it('matches relative to the scan roots too', () => {
    const g = [compileGlob('vendor/**')];
    expect(anyGlobMatches(g, 'repo/vendor/x.yaml', ['repo'])).toBeDefined();
    expect(anyGlobMatches(g, 'repo/vendor/x.yaml', [])).toBeUndefined();
    expect(pathCandidates('./repo/a', ['repo/'])).toEqual(['repo/a', 'a']);
  });
  it('treats regex characters literally', () => {
    expect(m('a+b(1).yaml', 'a+b(1).yaml')).toBe(true);
    expect(m('a.yaml', 'aXyaml')).toBe(false);
  });
});

describe('config suppressions', () => {
  const r1 = defineRule({ ...meta, id: 'a/one' });
  const base = (path: string) => one(r1, { location: { kind: 'file', path }, message: 'm' });
  const k8s = one(r1, { location: { kind: 'k8s-object', path: 'd.yaml', line: 1, column: 1, apiVersion: 'apps/v1', objectKind: 'Deployment', namespace: 'ml', name: 'trainer', fieldPath: 'spec' }, message: 'm' });
  const run = (list: ConfigSuppression[], findings: Finding[], now = '2026-12-02T00:00:00Z') => {
    const r = new Reporter();
    const out = applyConfigSuppressions(findings, list, { roots: ['repo'], now: new Date(now), rules: [r1], report: (rule, args) => r.report(rule, args) });
    return { out, extra: r.finish() };
  };
  it('marks the findings a live suppression covers, by path, object or fingerprint', () => {
    const { out, extra } = run(
      [
        { rule: 'a/one', path: 'models/legacy.pt', reason: 'reviewed', file: 'b.yaml', line: 3 },
        { rule: 'a/*', object: { kind: 'Deployment', name: 'trainer' }, reason: 'driver' },
      ],
      [base('repo/models/legacy.pt'), base('repo/models/other.pt'), k8s],
    );
    expect(out.map((f) => f.suppressed?.reason ?? '-')).toEqual(['reviewed', '-', 'driver']);
    expect(out[0]?.suppressed?.source).toBe('config b.yaml:3');
    expect(extra).toEqual([]);
  });
  it('expires at the end of the expiry day, and then reports the expiry instead of suppressing', () => {
    const s: ConfigSuppression = { rule: 'a/one', path: 'x.pt', reason: 'r', expires: '2027-01-31', file: 'b.yaml', line: 7, column: 5 };
    expect(run([s], [base('x.pt')], '2027-01-31T23:59:00Z').out[0]?.suppressed).toBeDefined();
    const late = run([s], [base('x.pt')], '2027-02-01T00:00:01Z');
    expect(late.out[0]?.suppressed).toBeUndefined();
    expect(late.extra.map((f) => [f.ruleId, f.severity, f.location])).toEqual([['config/expired-suppression', 'medium', { kind: 'file', path: 'b.yaml', line: 7, column: 5 }]]);
    expect(late.extra[0]?.message).toContain('expired on 2027-01-31');
  });
  it('reports a live suppression that matched nothing', () => {
    const { extra } = run([{ rule: 'a/one', path: 'gone.pt', reason: 'r' }], [base('x.pt')]);
    expect(extra.map((f) => [f.ruleId, f.severity])).toEqual([['config/unused-suppression', 'info']]);
  });
});

describe('Reporter for streams (keep: false)', () => {
  it('hands every finding to onFinding without storing it', () => {
    const rule = defineRule({ ...meta, id: 'a/stream' });
    const seen: string[] = [];
    const r = new Reporter({ keep: false, onFinding: (f) => seen.push(f.message) });
    for (let i = 0; i < 1000; i++) r.report(rule, { location: { kind: 'file', path: 'receiver' }, message: `e${i}` });
    expect(seen).toHaveLength(1000);
    expect(r.findings).toHaveLength(0);
    expect(r.emitted).toBe(1000);
  });
});
