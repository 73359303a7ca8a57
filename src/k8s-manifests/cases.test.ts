/**
 * Runs every Kubernetes rule case in-process (load + analyze through one Reporter), checking line,
 * column and field path; the engine's meta-test runs the same cases end to end through `bulwark scan`.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../findings/index.js';
import { firingProblem } from '../rules/index.js';
import { INLINE_RULE_CASES, K8S_RULE_CASES } from './cases.js';
import { K8S_RULES } from './rule-list.js';
import { CHECK_RULES } from './rules/index.js';
import { runCase } from './test-helpers.js';

const show = (f: Finding): string => {
  const l = f.location;
  return l.kind === 'k8s-object' ? `${f.severity} ${l.line}:${l.column} ${l.fieldPath} — ${f.message}${f.evidence ? ` [${f.evidence}]` : ''}` : `${f.severity} ${JSON.stringify(l)} ${f.message}`;
};

describe('Kubernetes rule cases', () => {
  it('every Kubernetes rule has firing and non-firing cases', () => {
    for (const r of K8S_RULES) {
      const cases = K8S_RULE_CASES.filter((c) => c.ruleId === r.id);
      expect(cases.flatMap((c) => c.invalid).length, `${r.id} has no firing case`).toBeGreaterThan(0);
      expect(cases.flatMap((c) => c.valid).length, `${r.id} has no non-firing case`).toBeGreaterThan(0);
    }
  });

  it('every rule defined in its own file keeps its cases there', () => {
    const inline = new Set(INLINE_RULE_CASES.map((c) => c.ruleId));
    expect(CHECK_RULES.filter((r) => !inline.has(r.id)).map((r) => r.id)).toEqual([]);
  });

  for (const rc of K8S_RULE_CASES) {
    describe(rc.ruleId, () => {
      for (const c of rc.invalid) {
        it(`fires: ${c.name}`, () => {
          const hits = runCase(c).filter((f) => f.ruleId === rc.ruleId);
          expect(firingProblem(hits, c.expect)).toBeUndefined();
        });
      }
      for (const c of rc.valid) {
        it(`stays silent: ${c.name}`, () => {
          expect(runCase(c).filter((f) => f.ruleId === rc.ruleId).map(show)).toEqual([]);
        });
      }
    });
  }
});
