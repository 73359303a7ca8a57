/**
 * OCI registries: a small distribution client (manifests, indexes, verified blob streams, pushes,
 * referrers with the tag fallback, Bearer/Basic auth), models as CNCF ModelPack artifacts (push,
 * pull, fetch for scans), and OMS signatures attached as referrers. See docs/oci.md.
 */
export { RegistryClient, RegistryHttpError, isRegistryNotFound, ociLimits, sha256Digest } from './client.js';
export type { ClientOptions, FetchedManifest, OciLimits } from './client.js';
export { defaultRegistryConfigPath, loadRegistryCredentials, parseChallenge, registryKey } from './auth.js';
export type { Credentials, Challenge } from './auth.js';
export { retryAfterMs } from './http.js';
export { parseReference, formatReference, isOciRef, stripScheme, isLoopbackHost, registryHost } from './reference.js';
export type { ImageReference } from './reference.js';
export { MEDIA_TYPES, parseManifestDocument, parsePlatform, selectManifest, EMPTY_DIGEST } from './manifest.js';
export type { Descriptor, ImageManifest, ImageIndex, Platform } from './manifest.js';
export { MODELPACK, rawMediaTypeOf, layerKind, safeRelativePath, UnsafeArtifactError, isUnsafeArtifactError, buildModelArtifact } from './modelpack.js';
export { pushModel, pullModel, fetchLayersInto, resolveManifest } from './artifact.js';
export type { PushResult, FetchResult, ResolvedManifest, PullOptions } from './artifact.js';
export { signArtifact, verifyArtifact, omsManifestOf, artifactFiles, BUNDLE_ARTIFACT_TYPE } from './signature.js';
export type { OciSignResult, OciVerifyResult, OciTrust } from './signature.js';
export { OCI_RULES, OCI_RULESET, unsafeArtifactEntry, blobDigestMismatch, reportRefusal } from './rules.js';
