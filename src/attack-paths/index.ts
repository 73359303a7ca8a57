/**
 * Attack paths (issue 16) — the domain's public surface. A cross-file engine phase after all others:
 * `analyzeAttackPaths(input, reporter)` builds the typed attack graph from what the other phases
 * produced (model-scanner findings, `graphFacts` of the parsed Kubernetes objects, Kubernetes
 * findings), matches the path templates (data, templates.ts), reports one `path/*` finding per
 * template and model with the smallest set of fixes that breaks it, and returns the graph for the
 * report (`ScanReport.attackPaths`).
 */
export { analyzeAttackPaths } from './analyze.js';
export type { AttackPathInput } from './analyze.js';
export { PATH_RULES, PATH_RULESET } from './rules.js';
export { PATH_TEMPLATES } from './templates.js';
export type { PathTemplate, PathStage } from './templates.js';
export { minimalCut, EXACT_CUT_MAX_EDGES } from './cut.js';
