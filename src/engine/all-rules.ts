/**
 * The one explicit list of every rule Bulwark ships. It lives in the engine (above the domains)
 * rather than in `src/rules/`, because listing the rules means importing the domains that define
 * them, and `rules` sits below the domains (see docs/architecture.md).
 */
import { K8S_RULES } from '../k8s-manifests/index.js';
import { MODEL_SCANNER_RULES } from '../model-scanners/index.js';
import { SIGNING_RULES } from '../model-signing/index.js';
import type { AnyRule } from '../rules/index.js';
import { CORE_RULES, createRegistry } from '../rules/index.js';

export const ALL_RULES: readonly AnyRule[] = [...CORE_RULES, ...MODEL_SCANNER_RULES, ...K8S_RULES, ...SIGNING_RULES];

export const registry = createRegistry(ALL_RULES);
