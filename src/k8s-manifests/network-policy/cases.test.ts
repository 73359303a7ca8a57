import { describe, expect, it } from 'vitest';
import { runCases } from './case-runner.js';
import { analyzeNetworkPolicies as reportNetworkPolicies } from './analyze.js';
import { NETPOL_RULE_CASES } from './cases.js';
import { NETPOL_RULES } from './rules.js';
import { findingsOf } from './test-helpers.js';

const analyzeNetworkPolicies = findingsOf(reportNetworkPolicies);

describe('NetworkPolicy rule cases', () => {
  it('every rule has a firing and a silent case', () => {
    for (const r of NETPOL_RULES) {
      const rc = NETPOL_RULE_CASES.find((x) => x.ruleId === r.id);
      expect(rc?.invalid.length, r.id).toBeGreaterThan(0);
      expect(rc?.valid.length, r.id).toBeGreaterThan(0);
    }
    expect(NETPOL_RULE_CASES.map((c) => c.ruleId).sort()).toEqual(NETPOL_RULES.map((r) => r.id).sort());
  });
  runCases(analyzeNetworkPolicies, NETPOL_RULE_CASES, it);
});
