/**
 * Certificate-chain verification for the `certificate` method, with node:crypto (signatures) and
 * @sigstore/core's ASN.1 reader (extensions). sigstore-js cannot do this: it rejects chains in
 * bundles and hashes every ECDSA signature with SHA-256.
 *
 * What the reference does (OpenSSL `X509StoreContext` with the default flags, then a usage check),
 * and so what Bulwark checks:
 * - the chain is built from the bundle's certificates (leaf first, then untrusted intermediates) up
 *   to a **self-signed certificate given as a trust anchor** (`--cert-chain`, repeatable); an
 *   intermediate alone is not an anchor (OpenSSL without PARTIAL_CHAIN);
 * - each link's signature verifies with its issuer's key, and names chain (issuer = subject);
 * - every certificate of the path is valid at the signing time, which the reference takes as the
 *   leaf's notBefore (`store.set_time(not_valid_before)`);
 * - issuers are CAs (basicConstraints cA, keyCertSign when keyUsage is present, pathLenConstraint);
 * - no unknown critical extension (OpenSSL rejects them);
 * - the leaf's keyUsage has digitalSignature, or else its extendedKeyUsage has codeSigning.
 * In addition, as OMS §8.2 requires ("the leaf certificate MUST be within its validity period"), the
 * leaf must be valid now (the reference only checks at signing time): an expired leaf fails.
 */
import { DEFAULT_LIMITS } from '../limits/index.js';
import type { KeyObject } from 'node:crypto';
import { X509Certificate as NodeX509 } from 'node:crypto';
import { X509Certificate as SigstoreX509 } from '@sigstore/core';
import { failure, malformed } from './errors.js';

const OID_KEY_USAGE = '2.5.29.15';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_CODE_SIGNING = '1.3.6.1.5.5.7.3.3';
/** Critical extensions that are understood (processed, or harmless to accept as OpenSSL does). */
const KNOWN_CRITICAL = new Set([
  OID_KEY_USAGE,
  OID_BASIC_CONSTRAINTS,
  '2.5.29.37', // extendedKeyUsage
  '2.5.29.17', // subjectAltName
  '2.5.29.14', // subjectKeyIdentifier
  '2.5.29.35', // authorityKeyIdentifier
  '2.5.29.32', // certificatePolicies (OpenSSL accepts them without a policy check)
]);
/** The named limit `maxCertChain` (src/limits). */
const MAX_CHAIN = DEFAULT_LIMITS.maxCertChain;

export interface Cert {
  readonly der: Buffer;
  readonly node: NodeX509;
  readonly parsed: SigstoreX509;
}

export function parseCertificate(input: Buffer, what: string): Cert {
  const der = Buffer.from(input);
  try {
    return { der, node: new NodeX509(der), parsed: SigstoreX509.parse(der) };
  } catch (e) {
    throw malformed(`malformed bundle: ${what} is not a DER X.509 certificate`, 'malformed-bundle', e);
  }
}

/** Every certificate in PEM text (text around the blocks allowed). */
export function certificatesFromPem(text: string, what: string): Cert[] {
  const out: Cert[] = [];
  for (const m of text.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)) {
    const der = Buffer.from((m[1] ?? '').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
    try {
      out.push({ der, node: new NodeX509(der), parsed: SigstoreX509.parse(der) });
    } catch (e) {
      throw failure('untrusted-chain', `${what} holds a certificate that cannot be parsed`, e);
    }
  }
  return out;
}

function name(c: Cert): string {
  // Node renders the subject as "CN=…\nO=…"; one line, bounded, for messages.
  return c.node.subject.replace(/\s+/g, ', ').slice(0, 200) || '(empty subject)';
}

function isoDate(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}

function sameName(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && a.equals(b);
}

function signedBy(c: Cert, issuer: Cert): boolean {
  try {
    return c.node.verify(issuer.node.publicKey);
  } catch {
    return false;
  }
}

function selfSigned(c: Cert): boolean {
  return sameName(c.parsed.issuer, c.parsed.subject) && signedBy(c, c);
}

function checkCriticalExtensions(c: Cert): void {
  for (const ext of c.parsed.extensions) {
    let oid = '';
    let critical = false;
    try {
      oid = ext.subs[0]?.toOID() ?? '';
      critical = ext.subs.length === 3 && ext.subs[1]?.toBoolean() === true;
    } catch {
      throw failure('untrusted-chain', `untrusted chain: ${name(c)} has a malformed extension`);
    }
    if (critical && !KNOWN_CRITICAL.has(oid)) {
      throw failure('untrusted-chain', `untrusted chain: ${name(c)} has an unsupported critical extension ${oid}`);
    }
  }
}

function checkIssuerIsCa(c: Cert, below: number, isAnchor: boolean): void {
  let bc;
  let ku;
  try {
    bc = c.parsed.extBasicConstraints;
    ku = c.parsed.extKeyUsage;
  } catch {
    throw failure('untrusted-chain', `untrusted chain: ${name(c)} has malformed CA extensions`);
  }
  if (!bc) {
    // OpenSSL accepts a self-signed version-1 root without extensions as a trust anchor.
    if (isAnchor && c.parsed.extensions.length === 0) return;
    throw failure('untrusted-chain', `untrusted chain: issuer ${name(c)} is not a CA (no basicConstraints)`);
  }
  if (!bc.isCA) throw failure('untrusted-chain', `untrusted chain: issuer ${name(c)} is not a CA (basicConstraints cA is false)`);
  if (ku && !ku.keyCertSign) throw failure('untrusted-chain', `untrusted chain: issuer ${name(c)} may not sign certificates (keyUsage lacks keyCertSign)`);
  const pathLen = bc.pathLenConstraint;
  if (pathLen !== undefined && BigInt(below) > pathLen) {
    throw failure('untrusted-chain', `untrusted chain: ${name(c)} allows ${pathLen} intermediate CA(s) below it, the chain has ${below}`);
  }
}

function checkLeafUsage(leaf: Cert): void {
  let ku;
  try {
    ku = leaf.parsed.extKeyUsage;
  } catch {
    throw failure('certificate-usage', 'certificate not usable for signing: malformed keyUsage extension');
  }
  if (!ku) throw failure('certificate-usage', `certificate not usable for signing: ${name(leaf)} has no keyUsage extension`);
  if (ku.digitalSignature) return;
  const eku = leaf.node.keyUsage ?? [];
  if (eku.includes(OID_CODE_SIGNING)) return;
  throw failure('certificate-usage', `certificate not usable for signing: ${name(leaf)} has neither digitalSignature key usage nor the codeSigning extended key usage`);
}

export interface ChainResult {
  readonly leafKey: KeyObject;
  /** Path from the leaf to the trust anchor. */
  readonly path: readonly Cert[];
}

/**
 * Verify `chain` (leaf first, then untrusted intermediates, as in the bundle) against `anchors`,
 * returning the leaf's public key. `now` is the time the leaf must still be valid at.
 */
export function verifyCertificateChain(chain: readonly Cert[], anchors: readonly Cert[], now: Date): ChainResult {
  const leaf = chain[0];
  if (!leaf) throw malformed('malformed bundle: the certificate chain is empty');
  if (anchors.length === 0) throw failure('untrusted-chain', 'untrusted chain: no trust anchor given (--cert-chain)');
  const signingTime = leaf.parsed.notBefore;
  const isAnchor = (c: Cert): boolean => anchors.some((a) => a.der.equals(c.der));
  const pool = [...anchors, ...chain.slice(1)];

  // Depth-first search over issuers (names match and the signature verifies), preferring anchors.
  let best = `untrusted chain: no trust anchor issued ${name(leaf)}`;
  const search = (path: Cert[]): Cert[] | undefined => {
    const cur = path[path.length - 1] as Cert;
    if (isAnchor(cur) && selfSigned(cur)) return path;
    if (path.length >= MAX_CHAIN) return undefined;
    for (const cand of pool) {
      if (path.some((p) => p.der.equals(cand.der))) continue;
      if (!sameName(cand.parsed.subject, cur.parsed.issuer)) continue;
      if (!signedBy(cur, cand)) {
        best = `untrusted chain: the signature of ${name(cur)} does not verify with the key of ${name(cand)}`;
        continue;
      }
      const found = search([...path, cand]);
      if (found) return found;
    }
    if (selfSigned(cur) && !isAnchor(cur)) best = `untrusted chain: ${name(cur)} is self-signed but not a trust anchor`;
    else if (isAnchor(cur)) best = `untrusted chain: trust anchor ${name(cur)} is not a self-signed root and its issuer was not given (--cert-chain needs the root CA)`;
    return undefined;
  };
  const path = search([leaf]);
  if (!path) throw failure('untrusted-chain', best);

  path.forEach((c, i) => {
    checkCriticalExtensions(c);
    if (!c.parsed.validForDate(signingTime)) {
      throw failure(
        'expired-certificate',
        `expired certificate: ${name(c)} (valid ${isoDate(c.parsed.notBefore)} to ${isoDate(c.parsed.notAfter)}) was not valid at signing time ${isoDate(signingTime)}`,
      );
    }
    if (i > 0) checkIssuerIsCa(c, Math.max(0, i - 1), i === path.length - 1);
  });
  if (now.getTime() > leaf.parsed.notAfter.getTime()) {
    throw failure('expired-certificate', `expired certificate: the signing certificate ${name(leaf)} expired on ${isoDate(leaf.parsed.notAfter)}`);
  }
  if (now.getTime() < leaf.parsed.notBefore.getTime()) {
    throw failure('expired-certificate', `expired certificate: the signing certificate ${name(leaf)} is not valid before ${isoDate(leaf.parsed.notBefore)}`);
  }
  checkLeafUsage(leaf);
  return { leafKey: leaf.node.publicKey, path };
}
