/**
 * Rule cases of every Kubernetes rule (firing and non-firing manifests with the expected line, column
 * and field path), run end to end by the engine's rule-case meta-test and in-process by
 * cases.test.ts. Rules defined in their own file carry their cases (`cases()`, data built with
 * sample-manifests.ts); the table-driven PSS, RBAC and NetworkPolicy rules keep theirs in case files.
 */
import type { RuleCases } from '../rules/index.js';
import { ruleCases } from '../rules/index.js';
import { NETPOL_RULE_CASES } from './network-policy/cases.js';
import { PSS_RULE_CASES } from './pss/cases.js';
import { RBAC_RULE_CASES } from './rbac/cases.js';
import { K8S_RULES } from './rule-list.js';

/** Cases kept in the rules' own files. */
export const INLINE_RULE_CASES: readonly RuleCases[] = K8S_RULES.flatMap((r) => (r.cases === undefined ? [] : [ruleCases(r.id, r.cases())]));

export const K8S_RULE_CASES: readonly RuleCases[] = [...INLINE_RULE_CASES, ...PSS_RULE_CASES, ...RBAC_RULE_CASES, ...NETPOL_RULE_CASES];
