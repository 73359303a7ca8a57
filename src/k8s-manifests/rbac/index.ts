/**
 * RBAC analysis (issue 4, item 5): Roles/ClusterRoles with aggregation, bindings to subjects, risky
 * grants with their holders, and the workload linkage (pods whose ServiceAccount holds them).
 * analyzeManifests calls `analyzeRbac(objects, reporter)`; the registry lists `RBAC_RULES`; the engine's rule-case
 * test runs `RBAC_RULE_CASES`.
 */
export { analyzeRbac } from './analyze.js';
export { RBAC_RULES } from './rules.js';

export { buildRbacModel, grantsOfSubject, grantsOfHolding, subjectKey, serviceAccountKeys } from './resolve.js';
export type { RbacModel, Holding, HeldGrant, Scope } from './resolve.js';
export { categoriesOf, ruleAllows, wildcardOf, GRANT_CATEGORIES } from './permissions.js';
export type { GrantCategory, CategoryMatch } from './permissions.js';
export { GRANT_SEVERITY } from './severity.js';
