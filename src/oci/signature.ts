/**
 * OMS signatures of model artifacts in registries: the statement lists each raw layer's file path and
 * digest (a raw layer's digest is its file's sha256), and the Sigstore bundle is attached as a
 * referrer (`subject` = the model manifest, artifactType = the Sigstore bundle media type).
 */
import type { KeyObject } from 'node:crypto';
import { BulwarkError, errorMessage, isBulwarkError } from '../findings/index.js';
import type { Manifest, SignOptions } from '../model-signing/index.js';
import { BUNDLE_MEDIA_TYPE, DEFAULT_IGNORED_PATHS, DEFAULT_SIGNATURE_NAME, isSignatureError, signManifest, verifyBundleSignature } from '../model-signing/index.js';
import type { ResolvedManifest } from './artifact.js';
import { resolveManifest } from './artifact.js';
import type { RegistryClient } from './client.js';
import { sha256Digest } from './client.js';
import type { Descriptor, ImageManifest, Platform } from './manifest.js';
import { EMPTY_DIGEST, EMPTY_JSON, MEDIA_TYPES } from './manifest.js';
import { layerKind, layerPath } from './modelpack.js';
import type { ImageReference } from './reference.js';

export const BUNDLE_ARTIFACT_TYPE = BUNDLE_MEDIA_TYPE;
/** Signature referrers tried per artifact. */
const MAX_CANDIDATES = 16;

function comparePaths(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a.replaceAll('/', '\0'), 'utf8'), Buffer.from(b.replaceAll('/', '\0'), 'utf8'));
}

/** The files of an artifact as the signature sees them: path → sha256 hex, from raw layers only. */
export function artifactFiles(m: ImageManifest, maxPathBytes: number): Map<string, string> {
  const out = new Map<string, string>();
  m.layers.forEach((d, i) => {
    const where = `layer ${i} (${d.digest.slice(0, 19)}…)`;
    const kind = layerKind(d.mediaType);
    if (kind?.kind !== 'raw') {
      throw new BulwarkError('UNSUPPORTED', `${where}: media type ${JSON.stringify(d.mediaType.slice(0, 100))}: OCI signatures cover raw file layers (ModelPack *.raw); pull the artifact and sign the folder instead`);
    }
    const p = layerPath(d, maxPathBytes, where);
    if (out.has(p)) throw new BulwarkError('MALFORMED', `${where}: a second layer for the file ${JSON.stringify(p.slice(0, 200))}`);
    out.set(p, d.digest.slice('sha256:'.length));
  });
  return out;
}

/** The OMS manifest of an artifact (files method, sha256), as `bulwark sign` writes it for a folder. */
export function omsManifestOf(name: string, files: ReadonlyMap<string, string>): Manifest {
  const resources = [...files.entries()].map(([p, hex]) => ({ name: p, digest: hex, algorithm: 'sha256' })).sort((a, b) => comparePaths(a.name, b.name));
  const ignorePaths = [...DEFAULT_IGNORED_PATHS, DEFAULT_SIGNATURE_NAME].sort(comparePaths);
  return { modelName: name, serialization: { method: 'files', hashType: 'sha256', allowSymlinks: false, ignorePaths }, resources };
}

export interface OciSignResult {
  readonly manifestDigest: string;
  readonly signatureDigest: string;
  readonly files: number;
  readonly via: 'api' | 'tag';
}

export async function signArtifact(
  client: RegistryClient,
  ref: ImageReference,
  options: Pick<SignOptions, 'privateKey' | 'certificate' | 'certificateChain'>,
  platform?: Platform,
): Promise<OciSignResult> {
  // A bad key fails before anything is fetched.
  signManifest(omsManifestOf('probe', new Map()), options);
  const resolved = await resolveManifest(client, ref, platform);
  const files = artifactFiles(resolved.manifest, client.limits.maxLayerPathBytes);
  if (files.size === 0) throw new BulwarkError('USAGE', 'the artifact has no file layers to sign');
  const signed = signManifest(omsManifestOf(ref.name, files), options);
  const bundle = Buffer.from(signed.bundleJson, 'utf8');
  const bundleDesc = { mediaType: BUNDLE_MEDIA_TYPE, digest: sha256Digest(bundle), size: bundle.length };
  await client.pushBlob(ref.name, bundleDesc, () => bundle);
  await client.pushBlob(ref.name, { digest: EMPTY_DIGEST, size: EMPTY_JSON.length }, () => EMPTY_JSON);
  const annotations = { 'dev.sigstore.bundle.predicateType': 'https://model_signing/signature/v1.0', 'org.opencontainers.image.created': new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      artifactType: BUNDLE_ARTIFACT_TYPE,
      config: { mediaType: MEDIA_TYPES.ociEmpty, digest: EMPTY_DIGEST, size: EMPTY_JSON.length },
      layers: [bundleDesc],
      subject: { mediaType: resolved.fetched.mediaType, digest: resolved.digest, size: resolved.fetched.bytes.length },
      annotations,
    }),
    'utf8',
  );
  const attached = await client.attachReferrer(ref.name, resolved.digest, MEDIA_TYPES.ociManifest, manifest, BUNDLE_ARTIFACT_TYPE, annotations);
  return { manifestDigest: resolved.digest, signatureDigest: attached.digest, files: files.size, via: attached.via };
}

export interface OciTrust {
  readonly key?: string | Buffer | KeyObject;
  readonly certChain?: ReadonlyArray<string | Buffer>;
  readonly identity?: string;
  readonly issuer?: string;
  readonly trustedRoot?: string;
}

export interface OciVerifyResult {
  readonly manifestDigest: string;
  readonly signer: string;
  readonly files: number;
  readonly bytes: number;
  readonly via: 'api' | 'tag';
}

/** A verification failure (exit 1, one line). */
export function verificationFailure(message: string): BulwarkError {
  return new BulwarkError('VERIFICATION', message);
}

function compareFiles(signedManifest: Manifest, files: ReadonlyMap<string, string>): void {
  const s = signedManifest.serialization;
  if (s.method !== 'files' || s.hashType !== 'sha256') throw verificationFailure(`the signature uses ${s.method}/${s.hashType}; OCI artifacts are verified with per-file sha256 digests`);
  const signed = new Map(signedManifest.resources.map((r) => [r.name, r.digest]));
  const missing = [...signed.keys()].filter((n) => !files.has(n));
  const added = [...files.keys()].filter((n) => !signed.has(n));
  const changed = [...files.entries()].filter(([n, d]) => signed.has(n) && signed.get(n) !== d).map(([n]) => n);
  const first = changed[0] !== undefined ? `file changed: ${changed[0]}` : missing[0] !== undefined ? `file missing: ${missing[0]}` : added[0] !== undefined ? `file added: ${added[0]} (not in the signature)` : undefined;
  if (first === undefined) return;
  const n = changed.length + missing.length + added.length;
  throw verificationFailure(`${first}${n > 1 ? ` (${n} problems: ${changed.length} changed, ${missing.length} missing, ${added.length} added)` : ''}`);
}

async function bundleOf(client: RegistryClient, name: string, subject: string, d: Descriptor): Promise<Buffer> {
  const ref = await client.getManifest({ name, reference: d.digest });
  const m = ref.document;
  if (m.kind !== 'manifest') throw verificationFailure(`signature ${d.digest} is not a manifest`);
  if (m.subject?.digest !== subject) throw verificationFailure(`signature ${d.digest} does not refer to ${subject} (its subject is ${m.subject?.digest ?? 'absent'})`);
  const layer = m.layers.find((l) => l.mediaType === BUNDLE_MEDIA_TYPE || l.mediaType.startsWith('application/vnd.dev.sigstore.bundle'));
  if (layer === undefined) throw verificationFailure(`signature ${d.digest} holds no Sigstore bundle layer`);
  return client.blobBytes(name, layer, client.limits.maxBundleBytes, 'maxBundleBytes');
}

/**
 * `bulwark verify oci://REF`: find the bundle through the referrers API (or the tag fallback), verify
 * it with the given trust, compare the signed files with the artifact's layers, then stream every
 * layer and check its digest (a blob changed in the registry's storage fails here).
 */
export async function verifyArtifact(client: RegistryClient, ref: ImageReference, trust: OciTrust, platform?: Platform): Promise<OciVerifyResult> {
  const resolved: ResolvedManifest = await resolveManifest(client, ref, platform);
  const files = artifactFiles(resolved.manifest, client.limits.maxLayerPathBytes);
  const { descriptors, via } = await client.referrers(ref.name, resolved.digest, BUNDLE_ARTIFACT_TYPE);
  if (descriptors.length === 0) throw verificationFailure(`unsigned: no signature refers to ${ref.registry}/${ref.name}@${resolved.digest}`);
  let lastError: unknown;
  let signer: string | undefined;
  // Newest first (the fallback index appends), bounded.
  for (const d of descriptors.slice(-MAX_CANDIDATES).reverse()) {
    try {
      const bundle = await bundleOf(client, ref.name, resolved.digest, d);
      const { statement, signer: who } = verifyBundleSignature(bundle, trust);
      compareFiles(statement.manifest, files);
      signer = who;
      break;
    } catch (e) {
      if (!(isSignatureError(e) || (isBulwarkError(e) && (e.code === 'VERIFICATION' || e.code === 'MALFORMED' || e.code === 'LIMIT_EXCEEDED')))) throw e;
      lastError = e;
    }
  }
  if (signer === undefined) throw verificationFailure(errorMessage(lastError));
  // The signed digests match the layer descriptors; now the registry must serve those bytes.
  let bytes = 0;
  for (const l of resolved.manifest.layers) {
    for await (const c of client.blob(ref.name, l)) bytes += c.length;
  }
  return { manifestDigest: resolved.digest, signer, files: files.size, bytes, via };
}
