/**
 * Finding and verifying an image's signatures in its registry: cosign's legacy `sha256-<hex>.sig`
 * tag and referrers (cosign signature manifests, Sigstore bundles), Notation's referrers. One entry
 * point, `verifyImageSignature`, used by `bulwark verify-image` and the admission webhook.
 */
import { readFileSync, statSync } from 'node:fs';
import type { TrustMaterial } from '@sigstore/verify';
import { BulwarkError, errorMessage, isBulwarkError } from '../findings/index.js';
import type { Limits } from '../limits/index.js';
import { loadTrustedRoot } from '../model-signing/index.js';
import type { Descriptor, RegistryClient } from '../oci/index.js';
import type { ImageSigningLimits } from './common.js';
import { imageSigningLimits, oneLine, refused } from './common.js';
import type { CosignIdentity, CosignKey, CosignTrust } from './cosign.js';
import { COSIGN, parseCosignKey, verifyCosignLayer, verifySigstoreBundleLayer } from './cosign.js';
import type { TargetDescriptor } from './notation.js';
import { NOTATION, verifyNotationEnvelope } from './notation.js';
import type { TrustPolicyDocument, TrustStore } from './trust-policy.js';
import { loadTrustPolicy, loadTrustStore } from './trust-policy.js';

export interface CosignPolicy {
  readonly kind: 'cosign';
  /** Key-based: any of these keys. */
  readonly keys?: readonly CosignKey[];
  /** Keyless: any of these (certificate SAN, OIDC issuer) pairs, checked against `trustedRoot`. */
  readonly identities?: readonly CosignIdentity[];
  readonly trustedRoot?: TrustMaterial;
  readonly limits?: Partial<Limits>;
}

export interface NotationPolicy {
  readonly kind: 'notation';
  readonly trustPolicy: TrustPolicyDocument;
  readonly trustStore: TrustStore;
  /** Verification time (tests); default now. */
  readonly now?: Date;
  readonly limits?: Partial<Limits>;
}

export type ImagePolicy = CosignPolicy | NotationPolicy;

/** Where the image lives: `registry` (host[:port]) and repository `name`. */
export interface ImageRepository {
  readonly registry: string;
  readonly name: string;
}

export type ImageVerification =
  | {
      readonly ok: true;
      readonly verifier: 'cosign' | 'notation';
      /** Who signed: a key name, a keyless identity, or a certificate subject. */
      readonly signer: string;
      /** How the signature was found. */
      readonly via: 'sig-tag' | 'referrers';
      /** Checks the policy only logs (Notation permissive/audit levels). */
      readonly warnings: readonly string[];
    }
  | {
      readonly ok: false;
      /** One line. */
      readonly reason: string;
      /** True when the registry or a file could not be read (not a verdict on the signature). */
      readonly io?: true;
    };

interface Candidate {
  readonly via: 'sig-tag' | 'referrers';
  readonly where: string;
  readonly check: () => Promise<string | { signer: string; warnings: readonly string[] }>;
}

function isVerdict(e: unknown): boolean {
  return isBulwarkError(e) && (e.code === 'VERIFICATION' || e.code === 'MALFORMED' || e.code === 'LIMIT_EXCEEDED' || e.code === 'UNSUPPORTED');
}

async function signatureManifest(client: RegistryClient, name: string, d: Descriptor, subject: string): Promise<{ layers: readonly Descriptor[]; artifactType: string | undefined }> {
  const m = await client.getManifest({ name, reference: d.digest });
  if (m.document.kind !== 'manifest') throw refused(`signature ${d.digest} is not a manifest`);
  if (m.document.subject?.digest !== subject) throw refused(`signature ${d.digest} does not refer to ${subject} (its subject is ${m.document.subject?.digest ?? 'absent'})`);
  return { layers: m.document.layers, artifactType: m.document.artifactType ?? d.artifactType };
}

async function cosignCandidates(client: RegistryClient, name: string, digest: string, trust: CosignTrust, limits: ImageSigningLimits): Promise<Candidate[]> {
  const out: Candidate[] = [];
  const layerCandidates = (layers: readonly Descriptor[], via: Candidate['via'], where: string): void => {
    layers.forEach((l, i) => {
      if (l.mediaType !== COSIGN.simpleSigning) return;
      out.push({
        via,
        where: `${where} layer ${i}`,
        check: async () => {
          const payload = await client.blobBytes(name, l, limits.maxSignatureEnvelopeBytes, 'maxSignatureEnvelopeBytes');
          return verifyCosignLayer({ payload, annotations: l.annotations ?? {} }, digest, trust, limits);
        },
      });
    });
  };
  const sigTag = `sha256-${digest.slice('sha256:'.length)}.sig`;
  const legacy = await client.findManifest(name, sigTag);
  if (legacy !== undefined) {
    if (legacy.document.kind !== 'manifest') throw refused(`the cosign signature tag ${sigTag} is not a manifest`);
    layerCandidates(legacy.document.layers, 'sig-tag', `tag ${sigTag}`);
  }
  const { descriptors } = await client.referrers(name, digest);
  for (const d of descriptors.slice(-limits.maxImageSignatures).reverse()) {
    if (d.artifactType === COSIGN.artifactType) {
      const m = await signatureManifest(client, name, d, digest);
      layerCandidates(m.layers, 'referrers', `referrer ${d.digest.slice(0, 19)}`);
    } else if (d.artifactType === COSIGN.sigstoreBundle) {
      out.push({
        via: 'referrers',
        where: `referrer ${d.digest.slice(0, 19)}`,
        check: async () => {
          const m = await signatureManifest(client, name, d, digest);
          const layer = m.layers.find((l) => l.mediaType.startsWith('application/vnd.dev.sigstore.bundle'));
          if (layer === undefined) throw refused(`signature ${d.digest} holds no Sigstore bundle layer`);
          const bytes = await client.blobBytes(name, layer, limits.maxSignatureEnvelopeBytes, 'maxSignatureEnvelopeBytes');
          return verifySigstoreBundleLayer(bytes, digest, trust, limits);
        },
      });
    }
  }
  return out;
}

async function notationCandidates(client: RegistryClient, repo: ImageRepository, digest: string, descriptor: TargetDescriptor, policy: NotationPolicy, limits: ImageSigningLimits): Promise<Candidate[]> {
  const { descriptors } = await client.referrers(repo.name, digest, NOTATION.artifactType);
  return descriptors
    .slice(-limits.maxImageSignatures)
    .reverse()
    .map((d) => ({
      via: 'referrers' as const,
      where: `signature ${d.digest.slice(0, 19)}`,
      check: async () => {
        const m = await signatureManifest(client, repo.name, d, digest);
        const layer = m.layers[0];
        if (m.layers.length !== 1 || layer === undefined) throw refused(`signature ${d.digest} must have exactly one layer (the envelope)`);
        if (layer.mediaType === NOTATION.cose) throw refused('COSE signature envelopes are not supported (JWS only)');
        if (layer.mediaType !== NOTATION.jws) throw refused(`signature envelope media type ${JSON.stringify(layer.mediaType.slice(0, 100))} is not ${NOTATION.jws}`);
        const envelope = await client.blobBytes(repo.name, layer, limits.maxSignatureEnvelopeBytes, 'maxSignatureEnvelopeBytes');
        const r = verifyNotationEnvelope(envelope, {
          scope: `${repo.registry}/${repo.name}`,
          manifestDigest: digest,
          descriptor,
          trustPolicy: policy.trustPolicy,
          trustStore: policy.trustStore,
          limits,
          ...(policy.now !== undefined && { now: policy.now }),
        });
        return { signer: r.signer, warnings: r.warnings };
      },
    }));
}

/**
 * Verify an image's signature in its registry under a policy. Never throws for a bad signature,
 * registry content or I/O: the answer is `{ ok: false, reason }` (one line; `io` set when the
 * registry or a file could not be read). The manifest digest is the one the caller resolved.
 */
export async function verifyImageSignature(client: RegistryClient, repo: ImageRepository, manifestDigest: string, descriptor: TargetDescriptor, policy: ImagePolicy): Promise<ImageVerification> {
  try {
    if (!/^sha256:[a-f0-9]{64}$/.test(manifestDigest)) return { ok: false, reason: `not a sha256 manifest digest: ${JSON.stringify(manifestDigest.slice(0, 80))}`, io: true };
    if (descriptor.digest !== manifestDigest) return { ok: false, reason: `the descriptor's digest ${descriptor.digest} is not the manifest digest ${manifestDigest}`, io: true };
    const limits = imageSigningLimits(policy.limits);
    if (policy.kind === 'notation') {
      const scope = `${repo.registry}/${repo.name}`;
      const p = policy.trustPolicy.trustPolicies.find((t) => t.registryScopes.includes(scope)) ?? policy.trustPolicy.trustPolicies.find((t) => t.registryScopes.includes('*'));
      if (p === undefined) return { ok: false, reason: `no Notation trust policy applies to ${scope}` };
      if (p.level === 'skip') return { ok: true, verifier: 'notation', signer: `(not verified: trust policy ${JSON.stringify(p.name)} has level skip)`, via: 'referrers', warnings: [] };
    }
    const trust: CosignTrust | undefined =
      policy.kind === 'cosign' ? { keys: policy.keys ?? [], identities: policy.identities ?? [], ...(policy.trustedRoot !== undefined && { trustedRoot: policy.trustedRoot }) } : undefined;
    if (trust !== undefined && trust.keys.length === 0 && (trust.identities.length === 0 || trust.trustedRoot === undefined)) {
      return { ok: false, reason: 'the cosign policy has no key and no keyless identity with a trusted root', io: true };
    }
    const candidates = trust !== undefined ? await cosignCandidates(client, repo.name, manifestDigest, trust, limits) : await notationCandidates(client, repo, manifestDigest, descriptor, policy as NotationPolicy, limits);
    const verifier = policy.kind;
    if (candidates.length === 0) return { ok: false, reason: `unsigned: no ${verifier} signature refers to ${repo.registry}/${repo.name}@${manifestDigest}` };
    const tried = candidates.slice(0, limits.maxImageSignatures);
    let first: string | undefined;
    for (const c of tried) {
      try {
        const r = await c.check();
        return typeof r === 'string' ? { ok: true, verifier, signer: r, via: c.via, warnings: [] } : { ok: true, verifier, signer: r.signer, via: c.via, warnings: r.warnings };
      } catch (e) {
        if (!isVerdict(e)) throw e;
        first ??= `${oneLine(errorMessage(e))}`;
      }
    }
    const more = candidates.length > tried.length ? ` (${candidates.length - tried.length} more not tried: maxImageSignatures ${limits.maxImageSignatures})` : '';
    return { ok: false, reason: `${first ?? 'no signature verified'}${tried.length > 1 ? ` (${tried.length} signatures tried, none verified)` : ''}${more}` };
  } catch (e) {
    if (isVerdict(e)) return { ok: false, reason: oneLine(errorMessage(e)) };
    return { ok: false, reason: oneLine(errorMessage(e)), io: true };
  }
}

const MAX_KEY_FILE_BYTES = 64 * 1024;

function readSmall(path: string, what: string, max: number): Buffer {
  try {
    if (statSync(path).size > max) throw new BulwarkError('USAGE', `${what} ${path} is larger than ${max} bytes`);
    return readFileSync(path);
  } catch (e) {
    if (e instanceof BulwarkError) throw e;
    throw new BulwarkError('IO', `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

export interface CosignPolicyFiles {
  readonly keyFiles?: readonly string[];
  readonly identity?: string;
  readonly issuer?: string;
  /** Sigstore trusted_root.json; default: the public-good root shipped with Bulwark. */
  readonly trustedRoot?: string;
  readonly limits?: Partial<Limits>;
}

/** Load a cosign policy from files once (keys, trusted root). */
export function loadCosignPolicy(files: CosignPolicyFiles): CosignPolicy {
  const keys = (files.keyFiles ?? []).map((f) => parseCosignKey(readSmall(f, 'public key', MAX_KEY_FILE_BYTES), f));
  if ((files.identity === undefined) !== (files.issuer === undefined)) throw new BulwarkError('USAGE', 'a keyless identity needs both the identity and the issuer');
  const identities = files.identity !== undefined && files.issuer !== undefined ? [{ identity: files.identity, issuer: files.issuer }] : [];
  if (keys.length === 0 && identities.length === 0) throw new BulwarkError('USAGE', 'a cosign policy needs a key or a keyless identity and issuer');
  return {
    kind: 'cosign',
    keys,
    identities,
    ...(identities.length > 0 && { trustedRoot: loadTrustedRoot(files.trustedRoot) }),
    ...(files.limits !== undefined && { limits: files.limits }),
  };
}

/** Load a Notation policy from files once (trust policy JSON, trust store folder). */
export function loadNotationPolicy(trustPolicyFile: string, trustStoreDir: string, limits?: Partial<Limits>): NotationPolicy {
  return { kind: 'notation', trustPolicy: loadTrustPolicy(trustPolicyFile), trustStore: loadTrustStore(trustStoreDir, limits === undefined ? {} : imageSigningLimits(limits)), ...(limits !== undefined && { limits }) };
}
