/** Every Kubernetes rule, in one list (the engine's registry includes it as `K8S_RULES`). */
import type { AnyRule } from '../rules/index.js';
import { defineRuleSet } from '../rules/index.js';
import { EXPOSURE_RULES } from './checks/exposure.js';
import { GPU_RULES } from './checks/gpu.js';
import { HOST_RULES } from './checks/host.js';
import { IDENTITY_RULES } from './checks/identity.js';
import { IMAGE_RULES } from './checks/images.js';
import { MODEL_RULES } from './checks/models.js';
import { RESOURCE_RULES } from './checks/resources.js';
import { SECRET_RULES } from './checks/secrets.js';
import { LOAD_RULES } from './load.js';
import { NETPOL_RULES } from './network-policy/index.js';
import { PSS_RULES } from './pss/rules.js';
import { RBAC_RULES } from './rbac/index.js';
import { SUPPRESS_RULES } from './suppress.js';

export const K8S_RULES: readonly AnyRule[] = [
  ...LOAD_RULES,
  ...PSS_RULES,
  ...HOST_RULES,
  ...IDENTITY_RULES,
  ...SECRET_RULES,
  ...IMAGE_RULES,
  ...RESOURCE_RULES,
  ...GPU_RULES,
  ...MODEL_RULES,
  ...EXPOSURE_RULES,
  ...SUPPRESS_RULES,
  ...RBAC_RULES,
  ...NETPOL_RULES,
];

/** The Kubernetes domain's one rule set. */
export const K8S_RULESET = defineRuleSet('k8s-manifests', ['k8s'], K8S_RULES);

export const K8S_RULE_IDS: ReadonlySet<string> = new Set(K8S_RULES.map((r) => r.id));
