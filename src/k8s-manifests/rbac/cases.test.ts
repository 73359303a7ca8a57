import { describe, expect, it } from 'vitest';
import { runCases } from '../network-policy/case-runner.js';
import { analyzeRbac as reportRbac } from './analyze.js';
import { RBAC_RULE_CASES } from './cases.js';
import { RBAC_RULES } from './rules.js';
import { findingsOf } from '../network-policy/test-helpers.js';

const analyzeRbac = findingsOf(reportRbac);

describe('RBAC rule cases', () => {
  it('every rule has a firing and a silent case', () => {
    for (const r of RBAC_RULES) {
      const rc = RBAC_RULE_CASES.find((x) => x.ruleId === r.id);
      expect(rc, r.id).toBeDefined();
      expect(rc?.invalid.length, r.id).toBeGreaterThan(0);
      expect(rc?.valid.length, r.id).toBeGreaterThan(0);
    }
    expect(RBAC_RULE_CASES.map((c) => c.ruleId).sort()).toEqual(RBAC_RULES.map((r) => r.id).sort());
  });
  runCases(analyzeRbac, RBAC_RULE_CASES, it);
});
