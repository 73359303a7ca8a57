import { describe, expect, it } from 'vitest';
import { SEVERITIES, atLeast, compareFindings, compareSeverity, fingerprintOf, formatLocation, makeFinding, sarifLevel, securitySeverity, summarize } from './index.js';
import type { Finding } from './index.js';

describe('severity', () => {
  it('orders most severe first and gates with atLeast', () => {
    const shuffled = ['low', 'critical', 'info', 'medium', 'high'] as const;
    expect([...shuffled].sort(compareSeverity)).toEqual([...SEVERITIES]);
    expect(atLeast('critical', 'high')).toBe(true);
    expect(atLeast('high', 'high')).toBe(true);
    expect(atLeast('medium', 'high')).toBe(false);
  });
  it('maps to SARIF level and security-severity as DESIGN.md says', () => {
    expect(SEVERITIES.map(securitySeverity)).toEqual(['9.5', '8.0', '5.5', '3.0', '0.0']);
    expect(SEVERITIES.map(sarifLevel)).toEqual(['error', 'error', 'warning', 'note', 'note']);
  });
});

describe('fingerprints', () => {
  const base = { ruleId: 'k8s/x', severity: 'high' as const, message: 'm' };
  const loc = { kind: 'k8s-object' as const, path: 'a.yaml', line: 3, column: 5, apiVersion: 'v1', objectKind: 'Pod', name: 'p', fieldPath: 'spec' };
  it('ignore line and column of Kubernetes objects (moving an object keeps its identity)', () => {
    expect(fingerprintOf({ ...base, location: loc })).toBe(fingerprintOf({ ...base, location: { ...loc, line: 30, column: 1 } }));
  });
  it('differ by rule, object, field and evidence', () => {
    const f = fingerprintOf({ ...base, location: loc });
    expect(fingerprintOf({ ...base, ruleId: 'k8s/y', location: loc })).not.toBe(f);
    expect(fingerprintOf({ ...base, location: { ...loc, name: 'q' } })).not.toBe(f);
    expect(fingerprintOf({ ...base, location: { ...loc, fieldPath: 'spec.x' } })).not.toBe(f);
    expect(fingerprintOf({ ...base, evidence: 'e', location: loc })).not.toBe(f);
  });
});

describe('locations and reports', () => {
  it('formats every location kind', () => {
    expect(formatLocation({ kind: 'file', path: 'a' })).toBe('a');
    expect(formatLocation({ kind: 'file', path: 'a', line: 2, column: 3 })).toBe('a:2:3');
    expect(formatLocation({ kind: 'archive-member', path: 'm.pt', member: 'archive/data.pkl', offset: 7 })).toBe('m.pt!/archive/data.pkl @7');
    expect(formatLocation({ kind: 'byte-range', path: 'x.pkl', offset: 10, length: 4 })).toBe('x.pkl @10+4');
  });
  it('summarizes without counting suppressed findings', () => {
    const mk = (severity: Finding['severity'], suppressed?: boolean): Finding =>
      makeFinding({ ruleId: 'a/b', severity, message: severity, location: { kind: 'file', path: 'p' }, ...(suppressed && { suppressed: { reason: 'r', source: 's' } }) });
    const s = summarize([{ path: 'p', format: 'pickle', status: 'partial' }], [mk('high'), mk('high', true), mk('low')]);
    expect(s.bySeverity).toEqual({ critical: 0, high: 1, medium: 0, low: 1, info: 0 });
    expect(s.total).toBe(2);
    expect(s.suppressed).toBe(1);
    expect(s.targets).toEqual({ complete: 0, partial: 1, unsupported: 0 });
  });
  it('sorts by path, then severity', () => {
    const mk = (path: string, severity: Finding['severity']): Finding => makeFinding({ ruleId: 'a/b', severity, message: 'm', location: { kind: 'file', path } });
    const sorted = [mk('b', 'critical'), mk('a', 'low'), mk('a', 'high')].sort(compareFindings);
    expect(sorted.map((f) => `${f.location.path}:${f.severity}`)).toEqual(['a:high', 'a:low', 'b:critical']);
  });
});
