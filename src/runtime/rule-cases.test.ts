/**
 * The runtime rules against their own cases and docs pages, the way the registry meta-test judges every
 * rule (src/engine/rules-meta.test.ts): a docs page whose first line and header match the metadata, a
 * remediation, firing and non-firing cases — run through the runtime analyzer, every finding having
 * left through the one Reporter.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRegistry, firingProblem, wasReported } from '../rules/index.js';
import { CORE_RULESET } from '../rules/index.js';
import { runRuntimeRuleCase } from './case-runner.js';
import { RUNTIME_RULESET } from './index.js';
import { RUNTIME_RULE_CASES } from './rule-cases.js';

const root = join(import.meta.dirname, '../..');

function headerField(page: string, field: string): string | undefined {
  return new RegExp(`^\\| ${field} \\| ([^|]*)\\|`, 'm').exec(page)?.[1]?.trim();
}

describe('runtime rules', () => {
  it('form a registry with the core rules (unique ids, own prefix)', () => {
    const reg = createRegistry([CORE_RULESET, RUNTIME_RULESET]);
    expect(reg.rules.filter((r) => r.id.startsWith('runtime/')).length).toBe(RUNTIME_RULESET.rules.length);
  });
  for (const rule of RUNTIME_RULESET.rules) {
    describe(rule.id, () => {
      it('has a docs page whose header matches its metadata', () => {
        const page = join(root, 'docs/rules', `${rule.id}.md`);
        expect(existsSync(page), `missing docs/rules/${rule.id}.md`).toBe(true);
        const text = readFileSync(page, 'utf8');
        expect(text.split('\n')[0]).toBe(`# ${rule.id}: ${rule.title}`);
        expect(headerField(text, 'Severity')?.split(/[\s(]/)[0]).toBe(rule.severity);
        expect(headerField(text, 'Maturity')).toBe(rule.maturity);
        expect(headerField(text, 'Tags')?.split(',').map((t) => t.trim())).toEqual([...rule.tags]);
        expect(rule.remediation.trim().length).toBeGreaterThan(10);
      });
      const cases = RUNTIME_RULE_CASES.filter((c) => c.ruleId === rule.id);
      it('has firing and non-firing cases', () => {
        expect(cases.flatMap((c) => c.invalid).length).toBeGreaterThan(0);
        expect(cases.flatMap((c) => c.valid).length).toBeGreaterThan(0);
      });
      for (const rc of cases) {
        for (const c of rc.invalid) {
          it(`fires: ${c.name}`, () => {
            const all = runRuntimeRuleCase(c, rule.id);
            expect(all.every(wasReported)).toBe(true);
            expect(firingProblem(all.filter((f) => f.ruleId === rule.id), c.expect)).toBeUndefined();
          });
        }
        for (const c of rc.valid) {
          it(`stays silent: ${c.name}`, () => {
            expect(runRuntimeRuleCase(c, rule.id).filter((f) => f.ruleId === rule.id).map((f) => f.message)).toEqual([]);
          });
        }
      }
    });
  }
});
