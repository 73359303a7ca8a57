/**
 * A tiny DER / X.509 v3 certificate builder for tests (node:crypto can parse certificates but not
 * make them). Enough for signing-chain tests: names (CN, O), validity, EC/RSA/Ed25519 keys,
 * basicConstraints (cA, pathLen), keyUsage, extendedKeyUsage, subject alternative name (email / URI),
 * arbitrary extra extensions (to test unknown critical ones), and signatures by an issuer key with
 * ecdsa-with-SHA256/384/512, sha256WithRSAEncryption or Ed25519.
 *
 * Every certificate trick a test needs is a named option here, so hostile chains are reviewable.
 */
import type { KeyObject } from 'node:crypto';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';

// ---- DER primitives ---------------------------------------------------------------------------

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), len(content.length), content]);
}

export const seq = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
export const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
export const octets = (b: Buffer): Buffer => tlv(0x04, b);
export const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0x00]));
export const nul = (): Buffer => Buffer.from([0x05, 0x00]);
export const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
export const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 + n, inner);

export function integer(v: bigint | number): Buffer {
  let n = BigInt(v);
  const bytes: number[] = [];
  if (n === 0n) bytes.push(0);
  while (n > 0n) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  if ((bytes[0] ?? 0) & 0x80) bytes.unshift(0);
  return tlv(0x02, Buffer.from(bytes));
}

export function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [40 * (parts[0] ?? 0) + (parts[1] ?? 0)];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

export function bitString(bytes: Buffer, unusedBits = 0): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), bytes]));
}

function time(d: Date): Buffer {
  const y = d.getUTCFullYear();
  const pad = (n: number) => String(n).padStart(2, '0');
  const body = `${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
  // RFC 5280: UTCTime through 2049, GeneralizedTime from 2050.
  return y >= 1950 && y < 2050 ? tlv(0x17, Buffer.from(`${pad(y % 100)}${body}`)) : tlv(0x18, Buffer.from(`${y}${body}`));
}

// ---- X.509 ------------------------------------------------------------------------------------

export interface Name {
  readonly cn: string;
  readonly o?: string;
  /** Country and state (Notation's trusted identities require C, ST and O). */
  readonly c?: string;
  readonly st?: string;
}

function name(n: Name): Buffer {
  const rdns = [];
  if (n.c !== undefined) rdns.push(set(seq(oid('2.5.4.6'), tlv(0x13, Buffer.from(n.c, 'ascii')))));
  if (n.st !== undefined) rdns.push(set(seq(oid('2.5.4.8'), utf8(n.st))));
  if (n.o !== undefined) rdns.push(set(seq(oid('2.5.4.10'), utf8(n.o))));
  rdns.push(set(seq(oid('2.5.4.3'), utf8(n.cn))));
  return seq(...rdns);
}

export const KU = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
} as const;
export type KeyUsageName = keyof typeof KU;

export const EKU = { codeSigning: '1.3.6.1.5.5.7.3.3', serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2' } as const;

export interface Extension {
  readonly oid: string;
  readonly critical?: boolean;
  readonly value: Buffer;
}

export interface CertSpec {
  readonly subject: Name;
  /** The issuer's name (defaults to the subject: self-issued). */
  readonly issuer?: Name;
  readonly publicKey: KeyObject;
  /** Key that signs the certificate (the issuer's private key; the subject's own for self-signed). */
  readonly signingKey: KeyObject;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly serial?: bigint;
  /** basicConstraints: `{ ca, pathLen }`; omitted when undefined. */
  readonly basicConstraints?: { ca: boolean; pathLen?: number; critical?: boolean };
  readonly keyUsage?: readonly KeyUsageName[];
  readonly extKeyUsage?: readonly string[];
  readonly sanEmail?: string;
  readonly sanUri?: string;
  readonly extraExtensions?: readonly Extension[];
  /** Leave out the extensions block entirely (a version-1-style certificate). */
  readonly noExtensions?: boolean;
}

function sigAlgorithm(key: KeyObject): { alg: Buffer; hash: string | null } {
  if (key.asymmetricKeyType === 'rsa') return { alg: seq(oid('1.2.840.113549.1.1.11'), nul()), hash: 'sha256' };
  if (key.asymmetricKeyType === 'ed25519') return { alg: seq(oid('1.3.101.112')), hash: null };
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve === 'secp384r1') return { alg: seq(oid('1.2.840.10045.4.3.3')), hash: 'sha384' };
  if (curve === 'secp521r1') return { alg: seq(oid('1.2.840.10045.4.3.4')), hash: 'sha512' };
  return { alg: seq(oid('1.2.840.10045.4.3.2')), hash: 'sha256' };
}

function keyUsageValue(usages: readonly KeyUsageName[]): Buffer {
  let bits = 0;
  let highest = 0;
  for (const u of usages) {
    bits |= 0x8000 >> KU[u];
    highest = Math.max(highest, KU[u]);
  }
  const nbytes = highest < 8 ? 1 : 2;
  const bytes = nbytes === 1 ? Buffer.from([bits >> 8]) : Buffer.from([bits >> 8, bits & 0xff]);
  // DER: unused bits = trailing zero bits of the last byte.
  const last = bytes[bytes.length - 1] ?? 0;
  let unused = 0;
  while (unused < 7 && last !== 0 && ((last >> unused) & 1) === 0) unused++;
  return bitString(bytes, last === 0 ? 0 : unused);
}

function extension(e: Extension): Buffer {
  return seq(oid(e.oid), ...(e.critical ? [bool(true)] : []), octets(e.value));
}

/** Build a DER certificate. */
export function buildCertificate(spec: CertSpec): Buffer {
  const { alg, hash } = sigAlgorithm(spec.signingKey);
  const spki = spec.publicKey.export({ type: 'spki', format: 'der' });
  const exts: Extension[] = [];
  if (spec.basicConstraints) {
    const bc = spec.basicConstraints;
    exts.push({
      oid: '2.5.29.19',
      critical: bc.critical ?? true,
      value: seq(...(bc.ca ? [bool(true)] : []), ...(bc.pathLen !== undefined ? [integer(bc.pathLen)] : [])),
    });
  }
  if (spec.keyUsage) exts.push({ oid: '2.5.29.15', critical: true, value: keyUsageValue(spec.keyUsage) });
  if (spec.extKeyUsage) exts.push({ oid: '2.5.29.37', value: seq(...spec.extKeyUsage.map(oid)) });
  if (spec.sanEmail !== undefined || spec.sanUri !== undefined) {
    const names = [];
    if (spec.sanEmail !== undefined) names.push(tlv(0x81, Buffer.from(spec.sanEmail)));
    if (spec.sanUri !== undefined) names.push(tlv(0x86, Buffer.from(spec.sanUri)));
    exts.push({ oid: '2.5.29.17', critical: true, value: seq(...names) });
  }
  exts.push({ oid: '2.5.29.14', value: octets(createHash('sha1').update(spki).digest()) });
  exts.push(...(spec.extraExtensions ?? []));
  const now = Date.now();
  const tbs = seq(
    explicit(0, integer(2)),
    integer(spec.serial ?? BigInt(now) * 1000n + BigInt(Math.floor(Math.random() * 1000))),
    alg,
    name(spec.issuer ?? spec.subject),
    seq(time(spec.notBefore ?? new Date(now - 3600_000)), time(spec.notAfter ?? new Date(now + 365 * 86400_000))),
    name(spec.subject),
    spki,
    ...(spec.noExtensions ? [] : [explicit(3, seq(...exts.map(extension)))]),
  );
  const signature = sign(hash, tbs, spec.signingKey);
  return seq(tbs, alg, bitString(signature));
}

export function toPem(der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

export type KeyKind = 'P-256' | 'P-384' | 'P-521' | 'rsa' | 'ed25519' | 'secp256k1';

export function keyPair(kind: KeyKind = 'P-256'): { privateKey: KeyObject; publicKey: KeyObject } {
  if (kind === 'rsa') return generateKeyPairSync('rsa', { modulusLength: 2048 });
  if (kind === 'ed25519') return generateKeyPairSync('ed25519');
  return generateKeyPairSync('ec', { namedCurve: kind });
}

export interface TestCa {
  readonly name: Name;
  readonly keys: { privateKey: KeyObject; publicKey: KeyObject };
  readonly der: Buffer;
  readonly pem: string;
}

/** A self-signed root CA (cA, keyCertSign). */
export function rootCa(cn = 'test-root', kind: KeyKind = 'P-384', overrides: Partial<CertSpec> = {}): TestCa {
  const keys = keyPair(kind);
  const n = { cn, o: 'bulwark-tests' };
  const der = buildCertificate({ subject: n, publicKey: keys.publicKey, signingKey: keys.privateKey, basicConstraints: { ca: true }, keyUsage: ['keyCertSign', 'cRLSign'], ...overrides });
  return { name: n, keys, der, pem: toPem(der) };
}

/** A CA (or leaf, with overrides) issued by `issuer`. */
export function issued(issuer: TestCa, cn: string, kind: KeyKind = 'P-384', overrides: Partial<CertSpec> = {}): TestCa {
  const keys = keyPair(kind);
  const n = { cn, o: 'bulwark-tests' };
  const der = buildCertificate({
    subject: n,
    issuer: issuer.name,
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    basicConstraints: { ca: true },
    keyUsage: ['keyCertSign'],
    ...overrides,
  });
  return { name: n, keys, der, pem: toPem(der) };
}

/** A code-signing leaf issued by `issuer`. */
export function leafCert(issuer: TestCa, cn = 'model-signer', kind: KeyKind = 'P-256', overrides: Partial<CertSpec> = {}): TestCa {
  return issued(issuer, cn, kind, { basicConstraints: { ca: false }, keyUsage: ['digitalSignature'], extKeyUsage: [EKU.codeSigning], ...overrides });
}
