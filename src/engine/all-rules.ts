/**
 * The registries. `bulwark scan` reports through the scan registry (the rule sets of what it analyses);
 * `bulwark rules`, the configuration file and the rule selection know every rule Bulwark ships, so
 * that one bulwark.yaml can shape the scanner, the admission webhook, the audit analyser and the
 * runtime agent. They live in the engine (above the domains) because listing rule sets means importing
 * the domains that define them. Servers build their own registry from the domains they serve
 * (`createRegistry([CORE_RULESET, K8S_RULESET])`) and never load this module.
 */
import { PATH_RULESET } from '../attack-paths/index.js';
import { AUDIT_RULESET } from '../audit/index.js';
import { DOCKERFILE_RULESET } from '../dockerfile/index.js';
import { GATEWAY_RULESET } from '../gateway/index.js';
import { IMAGE_RULESET } from '../image/index.js';
import { K8S_RULESET } from '../k8s-manifests/index.js';
import { MODEL_SCANNER_RULESET } from '../model-scanners/index.js';
import { SIGNING_RULESET } from '../model-signing/index.js';
import { OCI_RULESET } from '../oci/index.js';
import type { AnyRule, RuleSet } from '../rules/index.js';
import { CORE_RULESET, createRegistry } from '../rules/index.js';
import { RUNTIME_RULESET } from '../runtime/index.js';
import { SUPPLY_CHAIN_RULESET } from '../supply-chain/index.js';
import { TRIVY_RULESET } from '../trivy/index.js';

/** What `bulwark scan` analyses. */
export const SCAN_RULESETS: readonly RuleSet[] = [CORE_RULESET, MODEL_SCANNER_RULESET, K8S_RULESET, DOCKERFILE_RULESET, TRIVY_RULESET, SIGNING_RULESET, OCI_RULESET, IMAGE_RULESET, PATH_RULESET];

/** Every rule set Bulwark ships: the scan's, plus the streaming domains' (audit log, runtime), the admission webhook's supply-chain checks and the inference gateway's. */
export const ALL_RULESETS: readonly RuleSet[] = [...SCAN_RULESETS, AUDIT_RULESET, RUNTIME_RULESET, SUPPLY_CHAIN_RULESET, GATEWAY_RULESET];

/** The scan's registry (its reports carry the metadata of these rules). */
export const registry = createRegistry(SCAN_RULESETS);

/** Every rule: for `bulwark rules`, the configuration file and rule selection. */
export const allRegistry = createRegistry(ALL_RULESETS);

export const ALL_RULES: readonly AnyRule[] = allRegistry.rules;
