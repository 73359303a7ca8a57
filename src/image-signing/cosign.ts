/**
 * cosign signatures: a simple-signing payload (`critical.image.docker-manifest-digest` names the
 * image, `critical.type` is "cosign container image signature") signed with a key, its signature in
 * the layer annotation `dev.cosignproject.cosign/signature`; keyless ones carry the Fulcio
 * certificate (`dev.sigstore.cosign/certificate`, `.../chain`) and the Rekor bundle
 * (`dev.sigstore.cosign/bundle`), or are a Sigstore bundle v0.3 (DSSE). Keyless verification is done
 * by @sigstore/verify against a trusted root, offline, through the model-signing domain.
 */
import type { KeyObject } from 'node:crypto';
import { createHash, createPublicKey, verify as cryptoVerify } from 'node:crypto';
import type { TrustMaterial } from '@sigstore/verify';
import { BulwarkError } from '../findings/index.js';
import type { KeylessPolicy } from '../model-signing/index.js';
import { isSignatureError, pemBlocks, verifyKeyless } from '../model-signing/index.js';
import type { ImageSigningLimits } from './common.js';
import { base64, isObject, parseJson, quote, refused } from './common.js';

export const COSIGN = {
  simpleSigning: 'application/vnd.dev.cosign.simplesigning.v1+json',
  signature: 'dev.cosignproject.cosign/signature',
  certificate: 'dev.sigstore.cosign/certificate',
  chain: 'dev.sigstore.cosign/chain',
  bundle: 'dev.sigstore.cosign/bundle',
  /** artifactType of cosign signature manifests attached as referrers (OCI 1.1 mode). */
  artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
  sigstoreBundle: 'application/vnd.dev.sigstore.bundle.v0.3+json',
  type: 'cosign container image signature',
} as const;

export interface CosignKey {
  readonly name: string;
  readonly key: KeyObject;
}

/** A cosign public key (PEM `PUBLIC KEY`): ECDSA P-256/P-384/P-521, Ed25519 or RSA (2048 bits or more). */
export function parseCosignKey(pem: string | Buffer, name: string): CosignKey {
  const text = typeof pem === 'string' ? pem : pem.toString('utf8');
  const block = pemBlocks(text).find((b) => b.label === 'PUBLIC KEY');
  if (block === undefined) throw new BulwarkError('USAGE', `${name}: no PEM "PUBLIC KEY" block`);
  let key: KeyObject;
  try {
    key = createPublicKey(block.pem);
  } catch (e) {
    throw new BulwarkError('USAGE', `${name}: not a public key: ${(e as Error).message}`);
  }
  const t = key.asymmetricKeyType;
  const d = key.asymmetricKeyDetails;
  const ok = (t === 'ec' && ['prime256v1', 'secp384r1', 'secp521r1'].includes(d?.namedCurve ?? '')) || t === 'ed25519' || (t === 'rsa' && (d?.modulusLength ?? 0) >= 2048);
  if (!ok) throw new BulwarkError('USAGE', `${name}: unsupported key (${t ?? '?'}${d?.namedCurve !== undefined ? ` ${d.namedCurve}` : ''}${d?.modulusLength !== undefined ? ` ${d.modulusLength} bits` : ''}); cosign keys are ECDSA P-256/P-384/P-521, Ed25519 or RSA of 2048 bits or more`);
  return { name, key };
}

/** Hashes to try for a key: the curve's own, then SHA-256 (cosign's default for every key). */
function hashesOf(key: KeyObject): Array<'sha256' | 'sha384' | 'sha512' | null> {
  if (key.asymmetricKeyType === 'ed25519') return [null];
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve === 'secp384r1') return ['sha384', 'sha256'];
  if (curve === 'secp521r1') return ['sha512', 'sha256'];
  return ['sha256'];
}

export function signatureVerifies(payload: Buffer, signature: Buffer, key: KeyObject): boolean {
  for (const h of hashesOf(key)) {
    try {
      if (cryptoVerify(h, payload, key, signature)) return true;
    } catch {
      // a malformed signature for this key type: not verified
    }
  }
  return false;
}

/** The simple-signing payload must name this manifest and be a cosign image signature. */
export function checkSimpleSigning(payload: Buffer, manifestDigest: string, limits: ImageSigningLimits): { reference?: string } {
  const doc = parseJson(payload, 'the simple-signing payload', limits.maxStructureDepth);
  const critical = isObject(doc) ? doc.critical : undefined;
  if (!isObject(critical)) throw refused('the simple-signing payload has no critical section');
  if (critical.type !== COSIGN.type) throw refused(`the simple-signing payload type is ${quote(String(critical.type))}, not ${quote(COSIGN.type)}`);
  const image = critical.image;
  const digest = isObject(image) ? image['docker-manifest-digest'] : undefined;
  if (digest !== manifestDigest) throw refused(`the signature is for ${quote(String(digest))}, not ${manifestDigest}`);
  const identity = critical.identity;
  const ref = isObject(identity) ? identity['docker-reference'] : undefined;
  return typeof ref === 'string' ? { reference: ref } : {};
}

export type CosignIdentity = KeylessPolicy;

export interface CosignTrust {
  readonly keys: readonly CosignKey[];
  readonly identities: readonly CosignIdentity[];
  readonly trustedRoot?: TrustMaterial;
}

/** One cosign signature layer as found in the registry (payload already fetched and bounded). */
export interface CosignLayer {
  readonly payload: Buffer;
  readonly annotations: Readonly<Record<string, string>>;
}

function keylessFailure(e: unknown): string {
  if (isSignatureError(e) || e instanceof BulwarkError) return e.message;
  return String(e);
}

/** Verify one layer: payload binding, then the signature by a key or keylessly. Returns the signer. */
export function verifyCosignLayer(layer: CosignLayer, manifestDigest: string, trust: CosignTrust, limits: ImageSigningLimits): string {
  const sigText = layer.annotations[COSIGN.signature];
  if (sigText === undefined) throw refused(`the signature layer has no ${COSIGN.signature} annotation`);
  const signature = base64(sigText, 'the cosign signature');
  checkSimpleSigning(layer.payload, manifestDigest, limits);
  const cert = layer.annotations[COSIGN.certificate];
  if (trust.keys.length > 0) {
    const k = trust.keys.find((key) => signatureVerifies(layer.payload, signature, key.key));
    if (k !== undefined) return `key ${k.name}`;
    if (trust.identities.length === 0) throw refused(`invalid signature: the signature does not verify with ${trust.keys.length === 1 ? 'the key' : `any of the ${trust.keys.length} keys`}${cert !== undefined ? ' (it is a keyless signature: use --identity/--issuer)' : ''}`);
  }
  if (trust.identities.length === 0 || trust.trustedRoot === undefined) throw refused('no key and no keyless identity to verify with');
  if (cert === undefined) throw refused('the signature has no certificate (dev.sigstore.cosign/certificate): it was made with a key, verify with --key');
  const bundleText = layer.annotations[COSIGN.bundle];
  if (bundleText === undefined) throw refused('the keyless signature has no Rekor bundle (dev.sigstore.cosign/bundle); offline verification needs it');
  const bundle = sigstoreBundleOf(layer, signature, cert, bundleText, limits);
  let last = '';
  for (const id of trust.identities) {
    try {
      const who = verifyKeyless({ json: bundle }, id, trust.trustedRoot, layer.payload);
      return `${who.identity} (issuer ${who.issuer})`;
    } catch (e) {
      last = keylessFailure(e);
    }
  }
  throw refused(last);
}

function derOfPem(pem: string, what: string): Buffer[] {
  const blocks = pemBlocks(pem).filter((b) => b.label === 'CERTIFICATE');
  if (blocks.length === 0) throw refused(`${what} holds no PEM certificate`);
  return blocks.map((b) => Buffer.from(b.pem.replace(/-----[^-]+-----/g, '').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64'));
}

/**
 * A Sigstore bundle v0.1 (message signature, certificate, Rekor entry with its signed entry
 * timestamp) built from cosign's legacy annotations, so @sigstore/verify checks it as it does
 * any bundle: chain to the trusted root's Fulcio CA at the integrated time, SET, and that the
 * hashedrekord body names this payload, signature and certificate.
 */
function sigstoreBundleOf(layer: CosignLayer, signature: Buffer, cert: string, bundleText: string, limits: ImageSigningLimits): Record<string, unknown> {
  const rb = parseJson(bundleText, 'the Rekor bundle annotation', limits.maxStructureDepth);
  const p = isObject(rb) ? rb.Payload : undefined;
  if (!isObject(rb) || !isObject(p) || typeof rb.SignedEntryTimestamp !== 'string' || typeof p.body !== 'string' || typeof p.logID !== 'string' || !/^[0-9a-f]{64}$/.test(p.logID)) {
    throw refused('the Rekor bundle annotation is malformed');
  }
  const body = parseJson(base64(p.body, 'the Rekor entry body'), 'the Rekor entry body', limits.maxStructureDepth);
  if (!isObject(body) || typeof body.kind !== 'string' || typeof body.apiVersion !== 'string') throw refused('the Rekor entry body is malformed');
  const certs = derOfPem(cert, 'the certificate annotation');
  return {
    mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
    verificationMaterial: {
      x509CertificateChain: { certificates: certs.map((d) => ({ rawBytes: d.toString('base64') })) },
      tlogEntries: [
        {
          logIndex: String(p.logIndex),
          logId: { keyId: Buffer.from(p.logID, 'hex').toString('base64') },
          kindVersion: { kind: body.kind, version: body.apiVersion },
          integratedTime: String(p.integratedTime),
          inclusionPromise: { signedEntryTimestamp: rb.SignedEntryTimestamp },
          canonicalizedBody: p.body,
        },
      ],
    },
    messageSignature: {
      messageDigest: { algorithm: 'SHA2_256', digest: createHash('sha256').update(layer.payload).digest('base64') },
      signature: signature.toString('base64'),
    },
  };
}

const IN_TOTO = 'application/vnd.in-toto+json';

function pae(type: string, body: Buffer): Buffer {
  const t = Buffer.from(type, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${t.length} `), t, Buffer.from(` ${body.length} `), body]);
}

/**
 * A Sigstore bundle v0.3 attached as a referrer (cosign's new bundle format): a DSSE envelope whose
 * in-toto statement has the image manifest as a subject. Key-signed bundles are checked here;
 * certificate bundles by @sigstore/verify with the identities.
 */
export function verifySigstoreBundleLayer(bytes: Buffer, manifestDigest: string, trust: CosignTrust, limits: ImageSigningLimits): string {
  const bundle = parseJson(bytes, 'the Sigstore bundle', limits.maxStructureDepth);
  if (!isObject(bundle)) throw refused('the Sigstore bundle is not an object');
  const env = bundle.dsseEnvelope;
  if (!isObject(env)) throw refused('the Sigstore bundle holds a message signature; only DSSE bundles (in-toto statements naming the image) are verified for images');
  if (env.payloadType !== IN_TOTO) throw refused(`the DSSE payload type is ${quote(String(env.payloadType))}, not ${IN_TOTO}`);
  const payload = base64(env.payload, 'the DSSE payload');
  const statement = parseJson(payload, 'the in-toto statement', limits.maxStructureDepth);
  const subjects = isObject(statement) && Array.isArray(statement.subject) ? statement.subject : [];
  const hex = manifestDigest.slice('sha256:'.length);
  if (!subjects.some((s) => isObject(s) && isObject(s.digest) && s.digest.sha256 === hex)) throw refused(`the signed statement does not name ${manifestDigest} as a subject`);
  const vm = bundle.verificationMaterial;
  if (isObject(vm) && isObject(vm.publicKey)) {
    const sigs = Array.isArray(env.signatures) ? env.signatures : [];
    const signed = pae(IN_TOTO, payload);
    for (const s of sigs.slice(0, 8)) {
      if (!isObject(s)) continue;
      const sig = base64(s.sig, 'the DSSE signature');
      const k = trust.keys.find((key) => signatureVerifies(signed, sig, key.key));
      if (k !== undefined) return `key ${k.name}`;
    }
    throw refused(trust.keys.length === 0 ? 'the bundle is key-signed: verify with --key' : 'invalid signature: the DSSE signature does not verify with the given key(s)');
  }
  if (trust.identities.length === 0 || trust.trustedRoot === undefined) throw refused('the bundle is keyless: verify with --identity/--issuer');
  let last = '';
  for (const id of trust.identities) {
    try {
      const who = verifyKeyless({ json: bundle }, id, trust.trustedRoot);
      return `${who.identity} (issuer ${who.issuer})`;
    } catch (e) {
      last = keylessFailure(e);
    }
  }
  throw refused(last);
}
