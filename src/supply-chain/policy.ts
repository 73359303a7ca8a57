/**
 * The supply-chain trust policy of the admission webhook (`admission.supplyChain` in bulwark.yaml):
 * ordered scopes of image references, each saying what an image or model artifact in it must prove
 * before a pod may run or mount it. Pure data and matching; the checker (checker.ts) does the I/O.
 */
import { BulwarkError } from '../findings/index.js';
import type { Severity } from '../findings/index.js';
import type { ImageReference } from '../oci/index.js';
import { parseReference } from '../oci/index.js';

/** OMS (OpenSSF Model Signing) verification of a model artifact: one of key, certificate chain, or keyless identity. */
export interface OmsVerifier {
  readonly kind: 'oms';
  /** PEM public key file. */
  readonly key?: string;
  /** PEM certificate chain file(s) (signing certificate first, or CA certificates to chain to). */
  readonly certChain?: readonly string[];
  /** Keyless: the certificate's identity (SAN) and OIDC issuer, checked against a trusted root file. */
  readonly identity?: string;
  readonly issuer?: string;
  readonly trustedRoot?: string;
}

/** cosign verification of an image (key or keyless), through the image-signing domain. */
export interface CosignVerifier {
  readonly kind: 'cosign';
  readonly key?: string;
  readonly identity?: string;
  readonly issuer?: string;
  readonly trustedRoot?: string;
}

/** Notation verification of an image: a trust policy file and a trust store folder, as Notation defines them. */
export interface NotationVerifier {
  readonly kind: 'notation';
  readonly trustPolicy: string;
  readonly trustStore: string;
}

export type VerifierSpec = OmsVerifier | CosignVerifier | NotationVerifier;

export type ScopeMode = 'enforce' | 'warn';

/** One scope: the first scope whose pattern matches an image reference decides for it. */
export interface TrustScope {
  /** Patterns over `host[:port]/repository` (`*` matches any run of characters, `/` included). */
  readonly match: readonly string[];
  /** Tags are refused: the reference must carry `@sha256:…` (default true). */
  readonly requireDigest: boolean;
  /** Every verifier must pass (an empty list: no signature required). */
  readonly verify: readonly VerifierSpec[];
  /** Model artifacts: scan the content, refuse at this severity or above (absent: no scan). */
  readonly scanBlockAt?: Severity;
  /** Registry errors and timeouts: `deny` (fail closed, default) or `allow` (fail open, with a warning). */
  readonly onError: 'deny' | 'allow';
  /** `enforce`: failures deny; `warn`: failures are warnings (a dry run of the policy). */
  readonly mode: ScopeMode;
}

export interface SupplyChainPolicy {
  readonly scopes: readonly TrustScope[];
  /** The /mutate endpoint replaces tags by the digest they point at (in scopes that require digests). */
  readonly resolveTags: boolean;
  /** How long a verification (signature + scan) of one digest is trusted. */
  readonly cacheTtlMs: number;
  /** How long a failed verification is remembered (a digest signed a moment later passes after this). */
  readonly failureTtlMs: number;
  /** The whole check of one request must end within this (below the webhook's `timeoutSeconds`). */
  readonly timeoutMs: number;
  /** Registry access. */
  readonly registryConfig?: string;
  readonly caFile?: string;
  /** Plain HTTP for registries on loopback addresses only (tests, a local mirror). */
  readonly plainHttp: boolean;
}

export const SUPPLY_CHAIN_DEFAULTS = {
  cacheTtlMs: 10 * 60_000,
  failureTtlMs: 30_000,
  timeoutMs: 4_000,
} as const;

export const EMPTY_SUPPLY_CHAIN: SupplyChainPolicy = { scopes: [], resolveTags: false, plainHttp: false, ...SUPPLY_CHAIN_DEFAULTS };

function globRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/** A scope with its patterns compiled. */
export interface CompiledScope extends TrustScope {
  readonly index: number;
  readonly patterns: readonly RegExp[];
}

export function compileScopes(policy: SupplyChainPolicy): CompiledScope[] {
  return policy.scopes.map((s, index) => {
    for (const m of s.match) {
      if (m === '' || /\s/.test(m)) throw new BulwarkError('USAGE', `supply-chain scope ${index}: ${JSON.stringify(m)} is not a reference pattern`);
    }
    return { ...s, index, patterns: s.match.map(globRegExp) };
  });
}

/** `host[:port]/repository` of a reference, the text scope patterns match. */
export function repositoryOf(ref: ImageReference): string {
  return `${ref.registry}/${ref.name}`;
}

/** The first scope matching the reference, or undefined (no supply-chain requirement). */
export function scopeFor(scopes: readonly CompiledScope[], ref: ImageReference): CompiledScope | undefined {
  const repo = repositoryOf(ref);
  return scopes.find((s) => s.patterns.some((p) => p.test(repo)));
}

/**
 * Parse an image reference as the kubelet reads it. Bulwark's own parser needs the registry host;
 * Kubernetes defaults to Docker Hub (`nginx` → `docker.io/library/nginx`), so that form is normalised
 * first. Returns undefined for text that is no reference at all.
 */
export function parseImageReference(image: string): ImageReference | undefined {
  const text = image.trim();
  if (text === '' || text.length > 4096) return undefined;
  const first = text.split('/')[0] ?? '';
  const hasHost = text.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  const full = hasHost ? text : `docker.io/${text.includes('/') ? text : `library/${text}`}`;
  try {
    return parseReference(full);
  } catch {
    return undefined;
  }
}
