/**
 * Every Kubernetes rule, in one list (the engine's registry includes it through `K8S_RULESET`). The
 * per-object and per-template rules come from the generated `rules/index.ts` (one file per rule);
 * the loader's, the PSS table's, the suppression annotation's, RBAC's and NetworkPolicy's rules are
 * defined with their analyses.
 */
import type { AnyRule, Rule } from '../rules/index.js';
import { defineRuleSet } from '../rules/index.js';
import { FOLDER_RULES } from './folders.js';
import { LOAD_RULES } from './load.js';
import { MESH_RULES } from './mesh.js';
import { NETPOL_RULES } from './network-policy/index.js';
import { PSS_RULES } from './pss/rules.js';
import { RBAC_RULES } from './rbac/index.js';
import { CHECK_RULES } from './rules/index.js';
import { SUPPRESS_RULES } from './suppress.js';

export { CHECK_RULES };

/** A rule of the domain: metadata, and the cases kept in its file (when it keeps them there). */
export type K8sRuleEntry = AnyRule & Pick<Rule, 'cases'>;

export const K8S_RULES: readonly K8sRuleEntry[] = [...LOAD_RULES, ...FOLDER_RULES, ...PSS_RULES, ...CHECK_RULES, ...SUPPRESS_RULES, ...RBAC_RULES, ...NETPOL_RULES, ...MESH_RULES];

/** The Kubernetes domain's one rule set. */
export const K8S_RULESET = defineRuleSet('k8s-manifests', ['k8s'], K8S_RULES);

export const K8S_RULE_IDS: ReadonlySet<string> = new Set(K8S_RULES.map((r) => r.id));
