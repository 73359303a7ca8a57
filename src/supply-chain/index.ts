/**
 * Supply chain at admission: trust scopes over image references (digest pinning, OMS / cosign /
 * Notation signatures, content scans of model artifacts), checked with a bounded, TTL'd cache per
 * digest. The admission webhook (wired by the CLI) calls the checker; see docs/supply-chain.md.
 */
export { EMPTY_SUPPLY_CHAIN, SUPPLY_CHAIN_DEFAULTS, compileScopes, parseImageReference, repositoryOf, scopeFor } from './policy.js';
export type { CompiledScope, CosignVerifier, NotationVerifier, OmsVerifier, ScopeMode, SupplyChainPolicy, TrustScope, VerifierSpec } from './policy.js';
export { SupplyChainChecker, isModelArtifact } from './checker.js';
export type { CheckResult, CheckerDeps, ContentScanResult, ContentScanner, DigestPin, ImageSignatureVerifier, ImageUse, ScopedFinding } from './checker.js';
export { BoundedTtlCache } from './cache.js';
export { SUPPLY_CHAIN_RULES, SUPPLY_CHAIN_RULESET, modelContentBlocked, signatureNotVerified, unpinnedReference, verificationUnavailable } from './rules.js';
