/**
 * Keys and DSSE signatures for the `key` and `certificate` methods, with node:crypto.
 *
 * sigstore-js hashes every ECDSA signature with SHA-256; the reference signs with the hash that
 * matches the curve (P-256/SHA-256, P-384/SHA-384, P-521/SHA-512), so Bulwark does this itself.
 */
import type { KeyObject } from 'node:crypto';
import { ECDH, createHash, createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import { BulwarkError } from '../findings/index.js';
import { IN_TOTO_PAYLOAD_TYPE } from './constants.js';

export type EcHash = 'sha256' | 'sha384' | 'sha512';

const CURVES: Readonly<Record<string, { hash: EcHash; label: string; compressed: number }>> = {
  prime256v1: { hash: 'sha256', label: 'P-256', compressed: 33 },
  secp384r1: { hash: 'sha384', label: 'P-384', compressed: 49 },
  secp521r1: { hash: 'sha512', label: 'P-521', compressed: 67 },
};

export interface PemBlock {
  readonly label: string;
  /** The block itself, `-----BEGIN …-----` to `-----END …-----`. */
  readonly pem: string;
}

/**
 * PEM blocks in a text. Files may carry text before and between blocks (the reference's test keys
 * start with a `certtool` dump), so only the armoured blocks are taken.
 */
export function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
  for (const m of text.matchAll(re)) out.push({ label: m[1] ?? '', pem: m[0] });
  return out;
}

/** The curve of an ECDSA key supported by OMS, or a USAGE error naming what was found. */
export function ecCurve(key: KeyObject): { hash: EcHash; label: string } {
  const curve = key.asymmetricKeyType === 'ec' ? key.asymmetricKeyDetails?.namedCurve : undefined;
  const c = curve === undefined ? undefined : CURVES[curve];
  if (!c) {
    const what = key.asymmetricKeyType === 'ec' ? `EC curve ${curve ?? 'unknown'}` : `${key.asymmetricKeyType ?? 'unknown'} key`;
    throw new BulwarkError('USAGE', `unsupported ${what}: OMS signatures use ECDSA P-256, P-384 or P-521 keys`);
  }
  return c;
}

/** The SPKI PEM of a public key, as Python `cryptography` writes it (64-column base64, final newline). */
export function spkiPem(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ type: 'spki', format: 'pem' }).toString();
}

/** The `publicKey.hint` the reference writes: SHA-256 of the SPKI PEM text, lowercase hex. */
export function keyHint(key: KeyObject): string {
  return createHash('sha256').update(spkiPem(key)).digest('hex');
}

function fromCompressedPoint(bytes: Buffer): KeyObject | undefined {
  for (const [name, c] of Object.entries(CURVES)) {
    if (bytes.length !== c.compressed || (bytes[0] !== 2 && bytes[0] !== 3)) continue;
    try {
      const full = ECDH.convertKey(bytes, name, undefined, undefined, 'uncompressed') as Buffer;
      const len = (full.length - 1) / 2;
      const jwkCurve = c.label;
      return createPublicKey({
        key: { kty: 'EC', crv: jwkCurve, x: full.subarray(1, 1 + len).toString('base64url'), y: full.subarray(1 + len).toString('base64url') },
        format: 'jwk',
      });
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * A public key from what the user gave: PEM (a `PUBLIC KEY` block, possibly after text, or a
 * certificate whose key is taken), DER SubjectPublicKeyInfo, or a compressed EC point (33, 49 or 67
 * bytes), as the reference's `_load_public_key` accepts.
 */
export function parsePublicKey(content: Buffer | string, what = 'public key'): KeyObject {
  const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const text = buf.toString('latin1');
  const blocks = pemBlocks(text);
  let key: KeyObject | undefined;
  try {
    const pub = blocks.find((b) => b.label === 'PUBLIC KEY');
    const cert = blocks.find((b) => b.label === 'CERTIFICATE');
    if (pub) key = createPublicKey(pub.pem);
    else if (cert) key = createPublicKey(cert.pem);
    else if (blocks.length === 0) key = fromCompressedPoint(buf) ?? createPublicKey({ key: buf, format: 'der', type: 'spki' });
  } catch (e) {
    throw new BulwarkError('USAGE', `${what} is not a PEM or DER public key`, { cause: e });
  }
  if (!key) throw new BulwarkError('USAGE', `${what} holds no PUBLIC KEY block`);
  ecCurve(key);
  return key;
}

/** A private key from PEM text (PKCS#8 `PRIVATE KEY` or SEC1 `EC PRIVATE KEY`, text around it allowed). */
export function parsePrivateKey(content: Buffer | string, what = 'private key'): KeyObject {
  const text = typeof content === 'string' ? content : content.toString('latin1');
  const block = pemBlocks(text).find((b) => b.label === 'PRIVATE KEY' || b.label === 'EC PRIVATE KEY' || b.label === 'ENCRYPTED PRIVATE KEY');
  if (!block) throw new BulwarkError('USAGE', `${what} holds no PRIVATE KEY or EC PRIVATE KEY block`);
  if (block.label === 'ENCRYPTED PRIVATE KEY') throw new BulwarkError('USAGE', `${what} is encrypted; decrypt it first (openssl pkey -in KEY -out PLAIN)`);
  let key: KeyObject;
  try {
    key = createPrivateKey(block.pem);
  } catch (e) {
    throw new BulwarkError('USAGE', `${what} cannot be read: ${(e as Error).message}`, { cause: e });
  }
  ecCurve(key);
  return key;
}

/** DSSE v1 pre-authentication encoding: `DSSEv1 SP LEN(type) SP type SP LEN(body) SP body`. */
export function pae(payload: Uint8Array, payloadType = IN_TOTO_PAYLOAD_TYPE): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

/** Python's `repr(bytes)`: `b'…'` with `\\`, `\'`, `\t`, `\n`, `\r` and `\xhh` escapes. Linear: one output buffer, no string concatenation per byte. */
export function pythonBytesRepr(b: Uint8Array): string {
  const hasSingle = b.includes(0x27);
  const quote = hasSingle && !b.includes(0x22) ? 0x22 : 0x27;
  const out = Buffer.allocUnsafe(b.length * 4 + 3);
  let o = 0;
  const HEX = '0123456789abcdef';
  out[o++] = 0x62; // b
  out[o++] = quote;
  for (const c of b) {
    if (c === 0x5c || c === quote) {
      out[o++] = 0x5c;
      out[o++] = c;
    } else if (c === 0x09 || c === 0x0a || c === 0x0d) {
      out[o++] = 0x5c;
      out[o++] = c === 0x09 ? 0x74 : c === 0x0a ? 0x6e : 0x72;
    } else if (c < 0x20 || c >= 0x7f) {
      out[o++] = 0x5c;
      out[o++] = 0x78;
      out[o++] = HEX.charCodeAt(c >> 4);
      out[o++] = HEX.charCodeAt(c & 15);
    } else out[o++] = c;
  }
  out[o++] = quote;
  return out.toString('latin1', 0, o);
}

/**
 * The PAE of model_signing v0.2.0, kept by the reference as `pae_compat`: the payload's Python
 * `repr` was formatted into the string (with its `b'…'` and escapes) and the tag was `DSSEV1`.
 */
export function paeCompat(payload: Uint8Array, payloadType = IN_TOTO_PAYLOAD_TYPE): Buffer {
  return Buffer.from(`DSSEV1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} ${pythonBytesRepr(payload)}`, 'utf8');
}

/** ECDSA signature (DER) over the PAE with the curve's hash. */
export function signDsse(key: KeyObject, payload: Uint8Array): Buffer {
  return cryptoSign(ecCurve(key).hash, pae(payload), { key, dsaEncoding: 'der' });
}

export function verifyEcdsa(key: KeyObject, hash: EcHash, data: Uint8Array, sig: Uint8Array): boolean {
  try {
    return cryptoVerify(hash, data, { key, dsaEncoding: 'der' }, sig);
  } catch {
    return false;
  }
}

export type DsseMatch = 'standard' | 'legacy';

/** Largest payload the v0.2.0 compatibility encoding is tried on (see verifyDsse). */
export const LEGACY_PAYLOAD_MAX = 64 * 1024 * 1024;

/**
 * Verify a DSSE signature by an EC key: the standard PAE with the curve's hash; or, for v0.2.0
 * bundles only (the caller checks the predicate), the compat PAE with the curve's hash or with
 * SHA-256 (v0.2.0 signed P-384 keys with SHA-256).
 */
export function verifyDsse(key: KeyObject, payloadType: string, payload: Uint8Array, sig: Uint8Array): DsseMatch | undefined {
  const { hash } = ecCurve(key);
  if (verifyEcdsa(key, hash, pae(payload, payloadType), sig)) return 'standard';
  // The v0.2.0 encoding (up to four times the payload) is tried only for payloads a v0.2.0 statement
  // can have: its digests list is about 150 bytes per file, so 64 MiB is 400,000 files. A forged
  // bundle with a larger payload is refused after one signature check, not after building it.
  if (payload.length > LEGACY_PAYLOAD_MAX) return undefined;
  const compat = paeCompat(payload, payloadType);
  if (verifyEcdsa(key, hash, compat, sig) || (hash !== 'sha256' && verifyEcdsa(key, 'sha256', compat, sig))) return 'legacy';
  return undefined;
}
