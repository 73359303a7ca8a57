import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { RuleCase } from '../../rules/index.js';
import { firingProblem } from '../../rules/index.js';
import { PICKLE_RULES } from './index.js';
import { PICKLE_RULE_CASES } from './cases.js';
import { scanBytes } from './test-utils.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

function bytesOf(c: RuleCase): Uint8Array {
  const f = c.files['model.pkl'];
  if (f === undefined) throw new Error(`case ${c.name}: no model.pkl`);
  return typeof f === 'function' ? f() : typeof f === 'string' ? new TextEncoder().encode(f) : f;
}

describe('pickle rules', () => {
  test('every rule has cases (firing and silent) and a docs page with the required sections', () => {
    for (const r of PICKLE_RULES) {
      const cases = PICKLE_RULE_CASES.find((c) => c.ruleId === r.id);
      expect(cases, r.id).toBeDefined();
      expect(cases?.valid.length, r.id).toBeGreaterThan(0);
      expect(cases?.invalid.length, r.id).toBeGreaterThan(0);
      const page = join(ROOT, 'docs', 'rules', `${r.id}.md`);
      expect(existsSync(page), page).toBe(true);
      const text = readFileSync(page, 'utf8');
      expect(text).toContain(r.id);
      for (const h of ['Severity', 'What it detects', 'Why it matters', 'Example', 'Remediation', 'References']) expect(text, `${r.id}: ${h}`).toContain(h);
    }
    expect(PICKLE_RULE_CASES.map((c) => c.ruleId).sort()).toEqual(PICKLE_RULES.map((r) => r.id).sort());
  });

  for (const cases of PICKLE_RULE_CASES) {
    describe(cases.ruleId, () => {
      test.each(cases.valid.map((c) => [c.name, c] as const))('silent: %s', (_n, c) => {
        const r = scanBytes(bytesOf(c), { strict: c.options?.['strict'] === true });
        expect(r.of(cases.ruleId)).toEqual([]);
      });
      test.each(cases.invalid.map((c) => [c.name, c] as const))('fires: %s', (_n, c) => {
        const r = scanBytes(bytesOf(c), { strict: c.options?.['strict'] === true });
        expect(firingProblem(r.of(cases.ruleId), c.expect)).toBeUndefined();
      });
    });
  }
});
