import { describe, expect, it } from 'vitest';
import { bool, EKU, issued, leafCert, oid, rootCa, seq } from '../../test-fixtures/x509-builder.js';
import { SignatureError } from './errors.js';
import type { Cert } from './x509.js';
import { certificatesFromPem, parseCertificate, verifyCertificateChain } from './x509.js';

const cert = (der: Buffer): Cert => parseCertificate(der, 'test');
const DAY = 86_400_000;

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof SignatureError) return `${e.reason}: ${e.message}`;
    throw e;
  }
  return 'ok';
}

describe('verifyCertificateChain', () => {
  const long = { notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() + 400 * DAY) };
  const root = rootCa('root', 'P-384', long);
  const inter = issued(root, 'inter', 'rsa', long);
  const leaf = leafCert(inter, 'leaf', 'P-256');
  const now = new Date();

  it('accepts leaf → intermediate (in the bundle) → self-signed anchor and returns the leaf key', () => {
    const r = verifyCertificateChain([cert(leaf.der), cert(inter.der)], [cert(root.der)], now);
    expect(r.path.map((c) => c.node.subject)).toEqual([expect.stringContaining('CN=leaf'), expect.stringContaining('CN=inter'), expect.stringContaining('CN=root')]);
    expect(r.leafKey.export({ type: 'spki', format: 'der' }).equals(leaf.keys.publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);
  });

  it('accepts the intermediate given as an anchor too, as long as the root is there', () => {
    expect(reasonOf(() => verifyCertificateChain([cert(leaf.der)], [cert(inter.der), cert(root.der)], now))).toBe('ok');
  });

  it('rejects a chain to another CA', () => {
    const other = rootCa('other-root');
    expect(reasonOf(() => verifyCertificateChain([cert(leaf.der), cert(inter.der)], [cert(other.der)], now))).toMatch(/^untrusted-chain: untrusted chain: no trust anchor issued/);
  });

  it('rejects an intermediate given alone as the anchor (no PARTIAL_CHAIN, as OpenSSL in the reference)', () => {
    expect(reasonOf(() => verifyCertificateChain([cert(leaf.der), cert(inter.der)], [cert(inter.der)], now))).toMatch(/untrusted-chain: .*not a self-signed root/);
  });

  it('rejects a self-signed root in the bundle that is not an anchor', () => {
    const other = rootCa('other');
    expect(reasonOf(() => verifyCertificateChain([cert(leaf.der), cert(inter.der), cert(root.der)], [cert(other.der)], now))).toMatch(/untrusted-chain/);
  });

  it('rejects an issuer with the right name but another key (forged intermediate)', () => {
    const forged = rootCa('root', 'P-384'); // same name as the real root, different key
    expect(reasonOf(() => verifyCertificateChain([cert(leaf.der), cert(inter.der)], [cert(forged.der)], now))).toMatch(/untrusted-chain: .*does not verify/);
  });

  it('rejects an expired leaf (OMS: the leaf must be within its validity period)', () => {
    const old = leafCert(inter, 'old-leaf', 'P-256', { notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() - DAY) });
    expect(reasonOf(() => verifyCertificateChain([cert(old.der), cert(inter.der)], [cert(root.der)], now))).toMatch(/^expired-certificate: expired certificate: the signing certificate .*expired on/);
  });

  it('rejects a leaf that is not valid yet', () => {
    const future = leafCert(inter, 'future', 'P-256', { notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 30 * DAY) });
    expect(reasonOf(() => verifyCertificateChain([cert(future.der), cert(inter.der)], [cert(root.der)], now))).toMatch(/^expired-certificate: .*not valid before/);
  });

  it('checks the chain at signing time (the leaf notBefore), as the reference', () => {
    // The intermediate expired before the leaf was issued.
    const shortInter = issued(root, 'short-inter', 'P-256', { notBefore: new Date(Date.now() - 10 * DAY), notAfter: new Date(Date.now() - 5 * DAY) });
    const l = leafCert(shortInter, 'late-leaf', 'P-256', { notBefore: new Date(Date.now() - DAY) });
    expect(reasonOf(() => verifyCertificateChain([cert(l.der), cert(shortInter.der)], [cert(root.der)], now))).toMatch(/^expired-certificate: .*short-inter.*was not valid at signing time/);
    // …but an intermediate that expired after the leaf was issued is accepted (reference behaviour).
    const laterExpired = issued(root, 'later-expired', 'P-256', { notBefore: new Date(Date.now() - 10 * DAY), notAfter: new Date(Date.now() - DAY) });
    const l2 = leafCert(laterExpired, 'early-leaf', 'P-256', { notBefore: new Date(Date.now() - 5 * DAY) });
    expect(reasonOf(() => verifyCertificateChain([cert(l2.der), cert(laterExpired.der)], [cert(root.der)], now))).toBe('ok');
  });

  it('rejects an issuer that is not a CA, or may not sign certificates', () => {
    const notCa = issued(root, 'not-ca', 'P-256', { basicConstraints: { ca: false } });
    const l1 = leafCert(notCa, 'l1');
    expect(reasonOf(() => verifyCertificateChain([cert(l1.der), cert(notCa.der)], [cert(root.der)], now))).toMatch(/untrusted-chain: .*not a CA/);
    const noBc = issued(root, 'no-bc', 'P-256', { basicConstraints: undefined as never });
    const l2 = leafCert(noBc, 'l2');
    expect(reasonOf(() => verifyCertificateChain([cert(l2.der), cert(noBc.der)], [cert(root.der)], now))).toMatch(/untrusted-chain: .*no basicConstraints/);
    const noSign = issued(root, 'no-sign', 'P-256', { keyUsage: ['digitalSignature'] });
    const l3 = leafCert(noSign, 'l3');
    expect(reasonOf(() => verifyCertificateChain([cert(l3.der), cert(noSign.der)], [cert(root.der)], now))).toMatch(/untrusted-chain: .*keyCertSign/);
  });

  it('enforces pathLenConstraint', () => {
    const strictRoot = rootCa('strict-root', 'P-256', { basicConstraints: { ca: true, pathLen: 0 }, ...long });
    const i1 = issued(strictRoot, 'i1', 'P-256');
    const l = leafCert(i1, 'deep-leaf');
    expect(reasonOf(() => verifyCertificateChain([cert(l.der), cert(i1.der)], [cert(strictRoot.der)], now))).toMatch(/untrusted-chain: .*allows 0 intermediate/);
    const direct = leafCert(strictRoot, 'direct-leaf');
    expect(reasonOf(() => verifyCertificateChain([cert(direct.der)], [cert(strictRoot.der)], now))).toBe('ok');
  });

  it('rejects an unknown critical extension, accepts an unknown non-critical one', () => {
    const ext = { oid: '1.2.3.4.5', value: seq(bool(true)) };
    const crit = leafCert(inter, 'crit', 'P-256', { extraExtensions: [{ ...ext, critical: true }] });
    expect(reasonOf(() => verifyCertificateChain([cert(crit.der), cert(inter.der)], [cert(root.der)], now))).toMatch(/untrusted-chain: .*unsupported critical extension 1\.2\.3\.4\.5/);
    const nonCrit = leafCert(inter, 'noncrit', 'P-256', { extraExtensions: [ext] });
    expect(reasonOf(() => verifyCertificateChain([cert(nonCrit.der), cert(inter.der)], [cert(root.der)], now))).toBe('ok');
    // name constraints are not processed, so a critical one is refused
    const nc = issued(root, 'nc-inter', 'P-256', { extraExtensions: [{ oid: '2.5.29.30', critical: true, value: seq(oid('1.2.3')) }] });
    const l = leafCert(nc, 'under-nc');
    expect(reasonOf(() => verifyCertificateChain([cert(l.der), cert(nc.der)], [cert(root.der)], now))).toMatch(/unsupported critical extension 2\.5\.29\.30/);
  });

  it('applies the reference leaf usage check: digitalSignature, else codeSigning', () => {
    const noKu = leafCert(inter, 'no-ku', 'P-256', { keyUsage: undefined as never });
    expect(reasonOf(() => verifyCertificateChain([cert(noKu.der), cert(inter.der)], [cert(root.der)], now))).toMatch(/^certificate-usage: .*no keyUsage/);
    const enc = leafCert(inter, 'enc', 'P-256', { keyUsage: ['keyEncipherment'], extKeyUsage: [EKU.serverAuth] });
    expect(reasonOf(() => verifyCertificateChain([cert(enc.der), cert(inter.der)], [cert(root.der)], now))).toMatch(/^certificate-usage:/);
    const codeSign = leafCert(inter, 'cs', 'P-256', { keyUsage: ['keyEncipherment'], extKeyUsage: [EKU.codeSigning] });
    expect(reasonOf(() => verifyCertificateChain([cert(codeSign.der), cert(inter.der)], [cert(root.der)], now))).toBe('ok');
  });

  it('accepts a version-1 style self-signed anchor without extensions', () => {
    const v1 = rootCa('v1-root', 'P-256', { noExtensions: true });
    const l = leafCert(v1, 'under-v1');
    expect(reasonOf(() => verifyCertificateChain([cert(l.der)], [cert(v1.der)], now))).toBe('ok');
  });

  it('handles a leaf whose subject equals its issuer name but is not self-signed (the reference test chain)', () => {
    const i = issued(root, 'intermediate-ca', 'rsa');
    const l = leafCert(i, 'intermediate-ca', 'P-384', { basicConstraints: { ca: true } });
    expect(reasonOf(() => verifyCertificateChain([cert(l.der), cert(i.der)], [cert(root.der)], now))).toBe('ok');
  });

  it('reads PEM bundles with text around the blocks and rejects garbage DER', () => {
    const text = `Some header\n${root.pem}\nmore text\n${inter.pem}`;
    expect(certificatesFromPem(text, 'x')).toHaveLength(2);
    expect(() => parseCertificate(Buffer.from('30030201', 'hex'), 'the signing certificate')).toThrow(/malformed bundle: the signing certificate is not a DER X.509 certificate/);
  });
});
