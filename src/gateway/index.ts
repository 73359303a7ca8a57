/**
 * Inference gateway (issue 18) — the public surface of the gateway domain: the pure request checks
 * (routing, tenants, field clamps, media, templates, screening, token estimates), the `gateway/*`
 * rules, and the proxy shell over the shared server. See docs/gateway.md.
 */
export * from './policy.js';
export * from './refusal.js';
export * from './routing.js';
export * from './tenants.js';
export * from './tokens.js';
export * from './checks.js';
export * from './evaluate.js';
export * from './rules.js';
export * from './audit-log.js';
export { gatewayRoutes } from './proxy.js';
export type { ClassifierSettings, GatewayHandle, GatewaySettings } from './proxy.js';
// The subfolders' surfaces the CLI wires (budgets, the external classifier); their own index.ts files stay the authority.
export { memoryBudgetStore, redisBudgetStore } from './budget/index.js';
export type { BudgetDecision, BudgetLimits, BudgetRefusal, BudgetStore, RedisBudgetOptions, Reservation } from './budget/index.js';
export { httpClassifier, screenText } from './screening/index.js';
export type { ExternalClassifier, ScreeningResult } from './screening/index.js';
export type { LeakRules } from './stream/index.js';
/** Checks leak rules (canary length, n-gram size, pattern lengths) at start-up: a BulwarkError('CONFIG') names the problem. */
export { compileLeakRules, SseResponseFilter } from './stream/index.js';
