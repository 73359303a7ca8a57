/**
 * Every audit rule: metadata, a docs page whose header matches it, at least one firing and one
 * non-firing case, and every case run end to end (each finding left through a Reporter).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { firingProblem, wasReported } from '../rules/index.js';
import { runAuditCase, runAuditRuleCase } from './case-runner.js';
import { AUDIT_RULES } from './index.js';
import { AUDIT_RULE_CASES, auditRuleCases } from './rule-cases.js';

const root = join(import.meta.dirname, '../..');

function headerField(page: string, field: string): string | undefined {
  return new RegExp(`^\\| ${field} \\| ([^|]*)\\|`, 'm').exec(page)?.[1]?.trim();
}

describe('audit rules', () => {
  it('have unique ids under audit/', () => {
    const ids = AUDIT_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id.startsWith('audit/')).toBe(true);
  });

  for (const rule of AUDIT_RULES) {
    describe(rule.id, () => {
      it('has a docs page whose header matches its metadata', () => {
        const page = join(root, 'docs/rules', `${rule.id}.md`);
        expect(existsSync(page), `missing docs/rules/${rule.id}.md`).toBe(true);
        const text = readFileSync(page, 'utf8');
        expect(text.split('\n')[0]).toBe(`# ${rule.id}: ${rule.title}`);
        expect(headerField(text, 'Severity')?.split(/[\s(]/)[0]).toBe(rule.severity);
        expect(headerField(text, 'Maturity')).toBe(rule.maturity);
        expect(headerField(text, 'Tags')?.split(',').map((t) => t.trim())).toEqual([...rule.tags]);
      });
      it('has firing and non-firing cases', () => {
        const cases = AUDIT_RULE_CASES.filter((c) => c.ruleId === rule.id);
        expect(cases.flatMap((c) => c.invalid).length, 'no firing case').toBeGreaterThan(0);
        expect(cases.flatMap((c) => c.valid).length, 'no non-firing case').toBeGreaterThan(0);
      });
    });
  }
});

describe('audit rule cases', () => {
  for (const rc of AUDIT_RULE_CASES) {
    describe(rc.ruleId, () => {
      for (const c of rc.invalid) {
        it(`fires: ${c.name}`, async () => {
          const all = await runAuditCase(c, rc.ruleId);
          expect(all.filter((f) => !wasReported(f))).toEqual([]);
          const hits = all.filter((f) => f.ruleId === rc.ruleId);
          expect(firingProblem(hits, c.expect)).toBeUndefined();
          for (const h of hits) {
            expect(h.location.kind).toBe('audit-event');
            expect(h.source).toBe('audit-log');
          }
        });
      }
      for (const c of rc.valid) {
        it(`stays silent: ${c.name}`, async () => {
          const hits = (await runAuditCase(c, rc.ruleId)).filter((f) => f.ruleId === rc.ruleId);
          expect(hits.map((h) => h.message)).toEqual([]);
        });
      }
    });
  }
});

describe('audit cases in the registry meta-test shape', () => {
  it('give the same verdicts through toRuleCase/runAuditRuleCase (first firing and first silent case of each rule)', async () => {
    const shaped = auditRuleCases();
    expect(shaped.length).toBe(AUDIT_RULE_CASES.length);
    for (const rc of shaped) {
      const fire = rc.invalid[0];
      const quiet = rc.valid[0];
      if (fire !== undefined) {
        const hits = (await runAuditRuleCase(fire, rc.ruleId)).filter((f) => f.ruleId === rc.ruleId);
        expect(firingProblem(hits, fire.expect), `${rc.ruleId}: ${fire.name}`).toBeUndefined();
        expect(hits.every(wasReported)).toBe(true);
      }
      if (quiet !== undefined) {
        const hits = (await runAuditRuleCase(quiet, rc.ruleId)).filter((f) => f.ruleId === rc.ruleId);
        expect(hits.map((h) => h.message), `${rc.ruleId}: ${quiet.name}`).toEqual([]);
      }
    }
  });
});
