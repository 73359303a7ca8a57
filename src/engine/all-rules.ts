/**
 * The registry of everything `bulwark scan` runs: every domain's one RuleSet. It lives in the engine
 * (above the domains) because listing the rule sets means importing the domains that define them.
 * Servers build their own registry from the domains they serve (`createRegistry([CORE_RULESET,
 * K8S_RULESET])`) and never load this module.
 */
import { K8S_RULESET } from '../k8s-manifests/index.js';
import { MODEL_SCANNER_RULESET } from '../model-scanners/index.js';
import { SIGNING_RULESET } from '../model-signing/index.js';
import type { AnyRule, RuleSet } from '../rules/index.js';
import { CORE_RULESET, createRegistry } from '../rules/index.js';

export const SCAN_RULESETS: readonly RuleSet[] = [CORE_RULESET, MODEL_SCANNER_RULESET, K8S_RULESET, SIGNING_RULESET];

export const registry = createRegistry(SCAN_RULESETS);

export const ALL_RULES: readonly AnyRule[] = registry.rules;
