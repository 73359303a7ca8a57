/**
 * Image signatures: cosign (key-based and keyless, legacy `.sig` tags, referrers, Sigstore bundles)
 * and Notation (JWS envelopes, X.509 trust stores, trust policies), verified offline against the
 * image's registry. `verifyImageSignature` is the one entry point (CLI `verify-image`, admission);
 * policies are loaded from files separately, once. See docs/image-signing.md.
 */
export { verifyImageSignature, loadCosignPolicy, loadNotationPolicy } from './verify.js';
export type { ImagePolicy, CosignPolicy, NotationPolicy, ImageRepository, ImageVerification, CosignPolicyFiles } from './verify.js';
export { COSIGN, parseCosignKey, checkSimpleSigning, verifyCosignLayer, verifySigstoreBundleLayer, signatureVerifies } from './cosign.js';
export type { CosignKey, CosignIdentity, CosignTrust, CosignLayer } from './cosign.js';
export { NOTATION, verifyNotationEnvelope, checkEnvelopeIntegrity, checkTarget } from './notation.js';
export type { NotationContext, NotationResult, TargetDescriptor } from './notation.js';
export { parseTrustPolicy, loadTrustPolicy, loadTrustStore, trustStoreOf, selectTrustPolicy } from './trust-policy.js';
export type { TrustPolicyDocument, TrustPolicyEntry, TrustStore, VerificationLevel, CheckAction, TrustedIdentity } from './trust-policy.js';
export { certsFromFile } from './x509.js';
export type { Cert } from './x509.js';
export { imageSigningLimits } from './common.js';
export type { ImageSigningLimits } from './common.js';
