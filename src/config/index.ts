/**
 * The user configuration (`bulwark.yaml`): its shape, validation with positions, and how it resolves
 * against a command's rules. See docs/configuration.md.
 */
export { parseConfig, loadConfigFile, resolveRules, EMPTY_CONFIG, DEFAULT_CONFIG_NAMES } from './config.js';
export type { GatewayBudgetConfig, GatewayConfig, GatewayTenantConfig, GatewayUpstreamConfig, SupplyChainConfig, SupplyChainScopeConfig, SupplyChainVerifierConfig, AdmissionConfig, AdmissionLevel, BulwarkConfig, ScanSettings, KubernetesSettings, SigningSettings } from './config.js';
export { findConfigFile } from './discover.js';
