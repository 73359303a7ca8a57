/**
 * Model signing in the OpenSSF Model Signing (OMS) v1.0 format: sign and verify models (folders or
 * single files) with Sigstore bundles holding a DSSE-signed in-toto statement, interoperable with
 * the reference implementation (sigstore/model-transparency `model_signing`). See docs/signing.md.
 */
export { signModel, signManifest } from './sign.js';
export type { SignOptions, SignResult } from './sign.js';
export { verifyModel, verifyBundleSignature } from './verify.js';
export type { VerifyOptions, VerifyResult } from './verify.js';
export { hashModel } from './model.js';
export type { HashModelOptions, HashedModel } from './model.js';
export { hashUnits } from './hash-io.js';
export type { HashType, HashUnit, HashOptions } from './hash-io.js';
export { statementOf, statementBytes, rootDigest } from './manifest.js';
export type { Manifest, Resource, Serialization } from './manifest.js';
export { parseStatement } from './statement.js';
export { parseBundle } from './bundle.js';
export type { SigningMethod } from './bundle.js';
export { SignatureError, isSignatureError, INTEGRITY_REASONS } from './errors.js';
export type { FailureReason } from './errors.js';
export { keyHint, parsePublicKey, parsePrivateKey } from './keys.js';
export { loadTrustedRoot, defaultTrustedRootPath, verifyKeyless } from './keyless.js';
export type { KeylessPolicy } from './keyless.js';
export { pemBlocks } from './keys.js';
export { DEFAULT_SIGNATURE_NAME, DEFAULT_SHARD_SIZE, DEFAULT_IGNORED_PATHS, PREDICATE_TYPE, BUNDLE_MEDIA_TYPE } from './constants.js';
export { checkModelSignature } from './scan.js';
export type { ModelSignatureCheckOptions, SigningPolicy } from './scan.js';
export { SIGNING_RULES, SIGNING_RULESET, unsignedModel, verificationFailed, signatureUnverified } from './rules.js';
export { checkOmsConformance, isOmsConformanceDir } from './conformance.js';
export type { ConformanceResult } from './conformance.js';
