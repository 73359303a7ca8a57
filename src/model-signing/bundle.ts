/**
 * Sigstore bundle (v0.3 JSON) reading and writing for OMS. Reading validates the structure before
 * anything is verified, whatever the caller's trust options: the method is decided by the bundle's
 * verification material (OMS §4.1) and each method's required fields must be there.
 */
import { BUNDLE_MEDIA_TYPE, SIGSTORE_BUNDLE_MEDIA_TYPES } from './constants.js';
import { failure, malformed } from './errors.js';

export type SigningMethod = 'key' | 'certificate' | 'sigstore';

export interface ParsedBundle {
  readonly method: SigningMethod;
  readonly mediaType: string;
  readonly payloadType: string;
  readonly payload: Buffer;
  readonly signature: Buffer;
  /** `key`: the hint and/or the raw public key bytes (pre-v1.1.0 bundles). */
  readonly keyHint?: string;
  readonly keyRawBytes?: Buffer;
  /** `certificate`: DER certificates, leaf first. `sigstore`: the one Fulcio certificate. */
  readonly certificates: readonly Buffer[];
  /** The JSON as read, for sigstore-js (keyless). */
  readonly json: Record<string, unknown>;
}

const B64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function b64(v: unknown, what: string, allowEmpty = false): Buffer {
  if (typeof v !== 'string' || !B64.test(v.replace(/\s/g, '')) || (!allowEmpty && v.length === 0)) {
    throw malformed(`malformed bundle: ${what} is not base64`);
  }
  return Buffer.from(v, 'base64');
}

/** Parse bundle bytes; throws a MALFORMED SignatureError (or VERIFICATION for a wrong media type). */
export function parseBundle(bytes: Uint8Array): ParsedBundle {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw malformed(bytes.length === 0 ? 'malformed bundle: the signature file is empty' : 'malformed bundle: not UTF-8 JSON', 'malformed-bundle', e);
  }
  if (!isObject(json)) throw malformed('malformed bundle: not a JSON object');
  const mediaType = json.mediaType;
  if (typeof mediaType !== 'string') throw malformed('malformed bundle: mediaType is missing');
  const vm = json.verificationMaterial;
  if (!isObject(vm)) throw malformed('malformed bundle: verificationMaterial is missing');
  const env = json.dsseEnvelope;
  if (!isObject(env)) {
    throw malformed(json.messageSignature === undefined ? 'malformed bundle: dsseEnvelope is missing' : 'malformed bundle: a message signature, not a DSSE envelope (not an OMS bundle)');
  }
  if (typeof env.payloadType !== 'string') throw malformed('malformed bundle: dsseEnvelope.payloadType is missing');
  const payload = b64(env.payload, 'dsseEnvelope.payload');
  if (payload.length === 0) throw malformed('malformed bundle: dsseEnvelope.payload is empty');
  const sigs = env.signatures;
  if (!Array.isArray(sigs) || sigs.length === 0) throw malformed('malformed bundle: dsseEnvelope.signatures is empty');
  const first: unknown = sigs[0];
  if (!isObject(first)) throw malformed('malformed bundle: dsseEnvelope.signatures[0] is not an object');
  // keyid: absent, "", null or any string are all accepted (OMS §4.1); it is not used.
  if (first.keyid !== undefined && first.keyid !== null && typeof first.keyid !== 'string') throw malformed('malformed bundle: signatures[0].keyid is not a string');
  const signature = b64(first.sig, 'signatures[0].sig');

  const tlog = vm.tlogEntries;
  if (tlog !== undefined && !Array.isArray(tlog)) throw malformed('malformed bundle: tlogEntries is not an array');
  const present = ['publicKey', 'x509CertificateChain', 'certificate'].filter((k) => vm[k] !== undefined && vm[k] !== null);
  if (present.length !== 1) {
    throw malformed(present.length === 0 ? 'malformed bundle: verificationMaterial has no publicKey, x509CertificateChain or certificate' : `malformed bundle: verificationMaterial has ${present.join(' and ')}`);
  }
  const common = { mediaType, payloadType: env.payloadType, payload, signature, json };

  if (vm.publicKey !== undefined) {
    const pk = vm.publicKey;
    if (!isObject(pk)) throw malformed('malformed bundle: publicKey is not an object');
    const hint = typeof pk.hint === 'string' && pk.hint !== '' ? pk.hint.toLowerCase() : undefined;
    const raw = pk.rawBytes === undefined ? undefined : b64(pk.rawBytes, 'publicKey.rawBytes');
    if (hint === undefined && raw === undefined) throw malformed('malformed bundle: publicKey has neither hint nor rawBytes');
    checkMediaType(mediaType, 'key');
    return { method: 'key', ...common, certificates: [], ...(hint !== undefined && { keyHint: hint }), ...(raw !== undefined && { keyRawBytes: raw }) };
  }
  if (vm.x509CertificateChain !== undefined) {
    const chain = vm.x509CertificateChain;
    if (!isObject(chain) || !Array.isArray(chain.certificates) || chain.certificates.length === 0) {
      throw malformed('malformed bundle: x509CertificateChain.certificates is empty');
    }
    if (chain.certificates.length > 16) throw malformed('malformed bundle: more than 16 certificates in the chain');
    const certificates = chain.certificates.map((c: unknown, i: number) => {
      if (!isObject(c)) throw malformed(`malformed bundle: certificate ${i} is not an object`);
      return b64(c.rawBytes, `certificate ${i}`);
    });
    // sigstore v0.1/v0.2 keyless bundles carried the Fulcio certificate as a chain with tlog entries.
    if (Array.isArray(tlog) && tlog.length > 0 && mediaType !== BUNDLE_MEDIA_TYPE) {
      checkMediaType(mediaType, 'sigstore');
      return { method: 'sigstore', ...common, certificates };
    }
    checkMediaType(mediaType, 'certificate');
    return { method: 'certificate', ...common, certificates };
  }
  const cert = vm.certificate;
  if (!isObject(cert)) throw malformed('malformed bundle: certificate is not an object');
  const der = b64(cert.rawBytes, 'certificate.rawBytes');
  if (!Array.isArray(tlog) || tlog.length === 0) {
    throw malformed('malformed bundle: a sigstore (keyless) bundle needs at least one transparency log entry (tlogEntries)');
  }
  checkMediaType(mediaType, 'sigstore');
  return { method: 'sigstore', ...common, certificates: [der] };
}

function checkMediaType(mediaType: string, method: SigningMethod): void {
  const ok = method === 'sigstore' ? SIGSTORE_BUNDLE_MEDIA_TYPES.includes(mediaType) : mediaType === BUNDLE_MEDIA_TYPE;
  if (!ok) throw failure('wrong-media-type', `wrong media type: expected ${BUNDLE_MEDIA_TYPE}, got ${JSON.stringify(mediaType.slice(0, 120))}`);
}

export interface BuildBundleInput {
  readonly payloadType: string;
  readonly payload: Buffer;
  readonly signature: Buffer;
  readonly keyHint?: string;
  readonly certificates?: readonly Buffer[];
}

/** The bundle the reference writes for the `key` and `certificate` methods (v1.1.0 field order). */
export function buildBundle(input: BuildBundleInput): Record<string, unknown> {
  const verificationMaterial: Record<string, unknown> =
    input.certificates !== undefined
      ? { x509CertificateChain: { certificates: input.certificates.map((c) => ({ rawBytes: c.toString('base64') })) }, tlogEntries: [] }
      : { publicKey: { hint: input.keyHint }, tlogEntries: [] };
  return {
    mediaType: BUNDLE_MEDIA_TYPE,
    verificationMaterial,
    dsseEnvelope: {
      payload: input.payload.toString('base64'),
      payloadType: input.payloadType,
      signatures: [{ sig: input.signature.toString('base64'), keyid: '' }],
    },
  };
}
