/**
 * Every domain's rule cases, for the registry meta-test (src/engine/rules-meta.test.ts). Each domain
 * exposes its cases through `rule-cases.ts`, a test-only surface next to its index.ts.
 */
import { PATH_RULE_CASES } from '../attack-paths/rule-cases.js';
import { DOCKERFILE_RULE_CASES } from '../dockerfile/rule-cases.js';
import { IMAGE_RULE_CASES } from '../image/rule-cases.js';
import { K8S_RULE_CASES } from '../k8s-manifests/rule-cases.js';
import { MODEL_SCANNER_RULE_CASES } from '../model-scanners/rule-cases.js';
import { SIGNING_RULE_CASES } from '../model-signing/rule-cases.js';
import { OCI_RULE_CASES } from '../oci/rule-cases.js';
import type { RuleCases } from '../rules/index.js';
import { SUPPLY_CHAIN_RULE_CASES } from '../supply-chain/rule-cases.js';
import { TRIVY_RULE_CASES } from '../trivy/rule-cases.js';
import { CORE_RULE_CASES } from './core-rule-cases.js';

export const ALL_RULE_CASES: readonly RuleCases[] = [...CORE_RULE_CASES, ...MODEL_SCANNER_RULE_CASES, ...K8S_RULE_CASES, ...DOCKERFILE_RULE_CASES, ...TRIVY_RULE_CASES, ...SIGNING_RULE_CASES, ...OCI_RULE_CASES, ...SUPPLY_CHAIN_RULE_CASES, ...IMAGE_RULE_CASES, ...PATH_RULE_CASES];
