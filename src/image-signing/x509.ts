/**
 * X.509 for Notation: certificates from PEM/DER, the code-signing chain rules of the Notary Project
 * signature specification (a complete chain from the signing certificate to a self-signed root, or
 * one self-signed signing certificate), validity at a given time, and subjects as attribute lists.
 */
import { X509Certificate as NodeX509 } from 'node:crypto';
import { X509Certificate as SigstoreX509 } from '@sigstore/core';
import { pemBlocks } from '../model-signing/index.js';
import { refused } from './common.js';

const OID_CODE_SIGNING = '1.3.6.1.5.5.7.3.3';

export interface Cert {
  readonly der: Buffer;
  readonly node: NodeX509;
  readonly parsed: SigstoreX509;
}

export function certFromDer(der: Buffer, what: string): Cert {
  const copy = Buffer.from(der);
  try {
    return { der: copy, node: new NodeX509(copy), parsed: SigstoreX509.parse(copy) };
  } catch {
    throw refused(`${what} is not a DER X.509 certificate`);
  }
}

/** Every certificate of a file: PEM blocks (text around them allowed) or one DER certificate. */
export function certsFromFile(bytes: Buffer, what: string): Cert[] {
  const text = bytes.toString('latin1');
  if (text.includes('-----BEGIN')) {
    return pemBlocks(text)
      .filter((b) => b.label === 'CERTIFICATE')
      .map((b, i) => certFromDer(Buffer.from(b.pem.replace(/-----[^-]+-----/g, '').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64'), `${what} (certificate ${i + 1})`));
  }
  return [certFromDer(bytes, what)];
}

export function subjectOf(c: Cert): string {
  return c.node.subject.split('\n').join(', ').slice(0, 300) || '(empty subject)';
}

function iso(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}

function signedBy(c: Cert, issuer: Cert): boolean {
  try {
    return c.node.verify(issuer.node.publicKey);
  } catch {
    return false;
  }
}

export function isSelfSigned(c: Cert): boolean {
  return c.parsed.issuer.equals(c.parsed.subject) && signedBy(c, c);
}

export function isCa(c: Cert): boolean {
  try {
    return c.parsed.extBasicConstraints?.isCA === true;
  } catch {
    return false;
  }
}

function checkLeaf(leaf: Cert): void {
  let ku;
  try {
    ku = leaf.parsed.extKeyUsage;
  } catch {
    throw refused(`the signing certificate ${subjectOf(leaf)} has a malformed keyUsage extension`);
  }
  if (!ku?.digitalSignature) throw refused(`the signing certificate ${subjectOf(leaf)} lacks the digitalSignature key usage`);
  if (isCa(leaf)) throw refused(`the signing certificate ${subjectOf(leaf)} is a CA certificate`);
  const eku = leaf.node.keyUsage;
  if (eku !== undefined && eku.length > 0 && !eku.includes(OID_CODE_SIGNING)) throw refused(`the signing certificate ${subjectOf(leaf)} has extended key usages but not codeSigning`);
}

function checkIssuer(c: Cert, below: number): void {
  let bc;
  let ku;
  try {
    bc = c.parsed.extBasicConstraints;
    ku = c.parsed.extKeyUsage;
  } catch {
    throw refused(`certificate ${subjectOf(c)} has malformed CA extensions`);
  }
  if (bc?.isCA !== true) throw refused(`certificate ${subjectOf(c)} issues a certificate of the chain but is not a CA`);
  if (ku !== undefined && !ku.keyCertSign) throw refused(`CA certificate ${subjectOf(c)} lacks the keyCertSign key usage`);
  if (bc.pathLenConstraint !== undefined && BigInt(below) > bc.pathLenConstraint) throw refused(`CA certificate ${subjectOf(c)} allows ${bc.pathLenConstraint} intermediate CA(s) below it, the chain has ${below}`);
}

/**
 * The chain's shape (Notary Project signature specification, "certificate chain"): leaf first, each
 * certificate issued (names and signature) by the next, the last a self-signed root CA — or a single
 * self-signed signing certificate. Validity is checked separately (at signing time, and now).
 */
export function checkCodeSigningChain(chain: readonly Cert[], maxChain: number): void {
  const leaf = chain[0];
  if (leaf === undefined) throw refused('the signature has no certificate chain (x5c)');
  if (chain.length > maxChain) throw refused(`the certificate chain has ${chain.length} certificates, more than maxCertChain (${maxChain})`);
  checkLeaf(leaf);
  if (chain.length === 1) {
    if (!isSelfSigned(leaf)) throw refused(`the certificate chain is incomplete: ${subjectOf(leaf)} is not self-signed and no issuer follows it`);
    return;
  }
  for (let i = 0; i + 1 < chain.length; i++) {
    const c = chain[i] as Cert;
    const issuer = chain[i + 1] as Cert;
    if (!c.parsed.issuer.equals(issuer.parsed.subject) || !signedBy(c, issuer)) throw refused(`invalid certificate chain: ${subjectOf(c)} is not issued by ${subjectOf(issuer)}`);
    checkIssuer(issuer, Math.max(0, i));
  }
  const root = chain[chain.length - 1] as Cert;
  if (!isSelfSigned(root)) throw refused(`the certificate chain is incomplete: it ends with ${subjectOf(root)}, which is not a self-signed root`);
}

/** The first certificate of the chain not valid at `at`, as a message, or undefined. */
export function invalidAt(chain: readonly Cert[], at: Date, when: string): string | undefined {
  for (const c of chain) {
    if (at.getTime() < c.parsed.notBefore.getTime()) return `certificate ${subjectOf(c)} is not valid before ${iso(c.parsed.notBefore)} (${when} ${iso(at)})`;
    if (at.getTime() > c.parsed.notAfter.getTime()) return `certificate ${subjectOf(c)} expired on ${iso(c.parsed.notAfter)} (${when} ${iso(at)})`;
  }
  return undefined;
}

/**
 * A distinguished name as attribute=value pairs, RFC 4514 string form (`C=US, ST=WA, O=x, CN=y`;
 * `\,` escapes a comma). Attribute types upper-cased.
 */
export function parseDn(dn: string): Map<string, string> {
  const out = new Map<string, string>();
  let cur = '';
  const parts: string[] = [];
  for (let i = 0; i < dn.length; i++) {
    const ch = dn[i] as string;
    if (ch === '\\' && i + 1 < dn.length) {
      cur += dn[i + 1];
      i++;
    } else if (ch === ',' || ch === '+') {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new Error(`${JSON.stringify(p.trim().slice(0, 60))} is not attribute=value`);
    const k = p.slice(0, eq).trim().toUpperCase();
    if (out.has(k)) throw new Error(`attribute ${k} appears twice`);
    out.set(k, p.slice(eq + 1).trim());
  }
  return out;
}

/** The certificate subject as attributes (Node renders one `K=V` per line). */
export function subjectAttributes(c: Cert): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of c.node.subject.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out.set(line.slice(0, eq).trim().toUpperCase(), line.slice(eq + 1).trim());
  }
  return out;
}
