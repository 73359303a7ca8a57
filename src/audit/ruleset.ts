/**
 * The audit domain's one RuleSet (`audit/*`): Falco's stock k8saudit rules one for one
 * (`audit/falco-*`), Bulwark's own detections, and the stateful ones.
 */
import { defineRuleSet } from '../rules/index.js';
import { FALCO_RULES } from './falco-rules.js';
import { NATIVE_RULES } from './native-rules.js';
import type { AuditRule } from './rule-model.js';
import { STATEFUL_RULES } from './stateful-rules.js';

export const AUDIT_RULES: readonly AuditRule[] = [...NATIVE_RULES, ...STATEFUL_RULES, ...FALCO_RULES];

export const AUDIT_RULESET = defineRuleSet('audit', ['audit'], AUDIT_RULES);
