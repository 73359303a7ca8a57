import { DEFAULT_LIMITS } from '../limits/index.js';
/** Fixed strings of the OpenSSF Model Signing (OMS) v1.0 format and of the formats it composes. */

/** Sigstore bundle media type written by the reference implementation for every method. */
export const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

/** Media types the sigstore (keyless) method may carry; sigstore clients accept all of them. */
export const SIGSTORE_BUNDLE_MEDIA_TYPES: readonly string[] = [
  'application/vnd.dev.sigstore.bundle+json;version=0.1',
  'application/vnd.dev.sigstore.bundle+json;version=0.2',
  'application/vnd.dev.sigstore.bundle+json;version=0.3',
  BUNDLE_MEDIA_TYPE,
];

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';

/** OMS v1.0 predicate (model_signing v0.3.1 and later). */
export const PREDICATE_TYPE = 'https://model_signing/signature/v1.0';
/** The v0.2.0 predicate: digests in `subject`, no `serialization` (verify only, never produced). */
export const PREDICATE_TYPE_V01 = 'https://model_signing/Digests/v0.1';

/**
 * Paths ignored by default, matched as top-level components of the model root (OMS §6.2.1). The
 * reference joins `.git/` and `.github/` to the model path; pathlib drops the trailing slash, so they
 * are recorded as `.git` and `.github`.
 */
export const DEFAULT_IGNORED_PATHS: readonly string[] = ['.git', '.gitattributes', '.github', '.gitignore'];

/** Default signature file name, written inside the model folder. */
export const DEFAULT_SIGNATURE_NAME = 'model.sig';

/** Default shard size of the `shards` method (OMS §6.3.2, reference `shard_size=1_000_000_000`). */
export const DEFAULT_SHARD_SIZE = 1_000_000_000;

/** Largest signature bundle read (a manifest of 1M files is about 150 MB; bundles are JSON). */
/** Default of the named limit `maxBundleBytes` (src/limits). */
export const MAX_BUNDLE_BYTES = DEFAULT_LIMITS.maxBundleBytes;
