/** Test-only surface: the rule cases of every Dockerfile rule (kept in each rule's file). */
import type { RuleCases } from '../rules/index.js';
import { ruleCases } from '../rules/index.js';
import { DOCKERFILE_RULES } from './rule-list.js';

export const DOCKERFILE_RULE_CASES: readonly RuleCases[] = DOCKERFILE_RULES.map((r) => {
  const c = r.cases?.() ?? { valid: [], invalid: [] };
  return ruleCases(r.id, c);
});
