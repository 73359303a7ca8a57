/**
 * NetworkPolicy coverage (issue 4, item 6): isolation verdicts per workload and direction, namespace
 * default-deny, allow-all rules, AI workload exposure, and policies that protect nothing.
 * analyzeManifests calls `analyzeNetworkPolicies(objects, reporter)`; the registry lists `NETPOL_RULES`; the
 * engine's rule-case test runs `NETPOL_RULE_CASES`. The label selector matcher is shared with RBAC
 * aggregation.
 */
export { analyzeNetworkPolicies, EXEMPT_NAMESPACES } from './analyze.js';
export { NETPOL_RULES } from './rules.js';

export { networkPolicyVerdicts, analyzeCoverage, portsInclude } from './verdicts.js';
export type { Verdict, DirectionVerdict, WorkloadVerdict, NamespaceCoverage, CoverageAnalysis, AppliedRule } from './verdicts.js';
export { readNetworkPolicy } from './policy.js';
export type { NetworkPolicyDef, PolicyRule, Peer, PortSpec, Ports, Direction } from './policy.js';
export { compileLabelSelector, selectorMatches, selectorMatchesPartial, labelsOf, describeSelector } from './label-selector.js';
export type { CompiledSelector, Labels } from './label-selector.js';
export { aiSignalsOf, AI_PORTS } from './ai-signals.js';
