/**
 * Notation (Notary Project) signatures: a JWS JSON serialization envelope (`application/jose+json`)
 * whose payload names the signed manifest (`targetArtifact`), with the signer's X.509 chain in the
 * unprotected `x5c` header. Verified as the Notary Project signature and trust-policy specifications
 * say: integrity (envelope, protected headers, signature), authenticity (chain shape, a trust store
 * holds a certificate of the chain, trusted identity), authentic timestamp (certificates valid now,
 * without a verified timestamp), expiry; each check enforced, logged or skipped by the policy level.
 *
 * Not supported (refused with the reason): COSE envelopes, verification plugins, the
 * `notary.x509.signingAuthority` scheme without a signingAuthority store, timestamp countersignatures
 * (not verified; the certificates must then be valid now), revocation (no network: not checked).
 */
import { constants, verify as cryptoVerify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { ImageSigningLimits } from './common.js';
import { base64, base64url, isObject, parseJson, quote, refused } from './common.js';
import type { CheckAction, CheckName, TrustPolicyDocument, TrustPolicyEntry, TrustStore } from './trust-policy.js';
import { selectTrustPolicy } from './trust-policy.js';
import type { Cert } from './x509.js';
import { certFromDer, checkCodeSigningChain, invalidAt, subjectAttributes, subjectOf } from './x509.js';

export const NOTATION = {
  artifactType: 'application/vnd.cncf.notary.signature',
  jws: 'application/jose+json',
  cose: 'application/cose',
  payloadType: 'application/vnd.cncf.notary.payload.v1+json',
  schemeX509: 'notary.x509',
  schemeSigningAuthority: 'notary.x509.signingAuthority',
} as const;

const H = {
  scheme: 'io.cncf.notary.signingScheme',
  signingTime: 'io.cncf.notary.signingTime',
  authenticSigningTime: 'io.cncf.notary.authenticSigningTime',
  expiry: 'io.cncf.notary.expiry',
  plugin: 'io.cncf.notary.verificationPlugin',
  pluginMinVersion: 'io.cncf.notary.verificationPluginMinVersion',
} as const;
const UNDERSTOOD_CRITICAL = new Set<string>([H.scheme, H.expiry, H.authenticSigningTime]);

interface AlgSpec {
  readonly hash: 'sha256' | 'sha384' | 'sha512';
  readonly family: 'rsa-pss' | 'ec';
  /** RSA modulus bits or EC curve that Notation pairs with this algorithm. */
  readonly key: number | string;
}
const ALGS: Readonly<Record<string, AlgSpec>> = {
  PS256: { hash: 'sha256', family: 'rsa-pss', key: 2048 },
  PS384: { hash: 'sha384', family: 'rsa-pss', key: 3072 },
  PS512: { hash: 'sha512', family: 'rsa-pss', key: 4096 },
  ES256: { hash: 'sha256', family: 'ec', key: 'prime256v1' },
  ES384: { hash: 'sha384', family: 'ec', key: 'secp384r1' },
  ES512: { hash: 'sha512', family: 'ec', key: 'secp521r1' },
};

export interface TargetDescriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

export interface NotationContext {
  /** `registry/repository` the image was pulled from (selects the trust policy). */
  readonly scope: string;
  readonly manifestDigest: string;
  readonly descriptor: TargetDescriptor;
  readonly trustPolicy: TrustPolicyDocument;
  readonly trustStore: TrustStore;
  readonly limits: ImageSigningLimits;
  /** Verification time (default: now). */
  readonly now?: Date;
}

export interface NotationResult {
  readonly signer: string;
  readonly policy: string;
  /** Checks that failed but were only logged by the policy level. */
  readonly warnings: readonly string[];
  readonly skipped: boolean;
}

function time(v: unknown, what: string): Date {
  if (typeof v !== 'string' || v.length > 64) throw refused(`the ${what} header is not a time`);
  const d = new Date(v);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(v) || Number.isNaN(d.getTime())) throw refused(`the ${what} header ${quote(v)} is not an RFC 3339 time`);
  return d;
}

function keyMatches(key: KeyObject, alg: AlgSpec): boolean {
  const d = key.asymmetricKeyDetails;
  if (alg.family === 'ec') return key.asymmetricKeyType === 'ec' && d?.namedCurve === alg.key;
  return (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') && d?.modulusLength === alg.key;
}

function keyLabel(key: KeyObject): string {
  const d = key.asymmetricKeyDetails;
  return key.asymmetricKeyType === 'ec' ? `EC ${d?.namedCurve ?? '?'}` : `${key.asymmetricKeyType ?? '?'} ${d?.modulusLength ?? '?'}`;
}

interface ParsedEnvelope {
  readonly alg: string;
  readonly header: Record<string, unknown>;
  readonly chain: Cert[];
  readonly payload: Record<string, unknown>;
  readonly signingTime: Date;
  readonly expiry: Date | undefined;
  readonly scheme: string;
}

/** Integrity: envelope shape, protected headers, the signature over `protected.payload` with the leaf key. */
export function checkEnvelopeIntegrity(envelope: Buffer, limits: ImageSigningLimits): ParsedEnvelope {
  if (envelope.length > limits.maxSignatureEnvelopeBytes) throw refused(`the signature envelope is ${envelope.length} bytes, more than maxSignatureEnvelopeBytes (${limits.maxSignatureEnvelopeBytes})`);
  const env = parseJson(envelope, 'the JWS envelope', limits.maxStructureDepth);
  if (!isObject(env)) throw refused('the JWS envelope is not a JSON object');
  if ('signatures' in env) throw refused('the JWS envelope uses the general serialization; Notation signatures use the flattened one');
  const protectedB64 = env.protected;
  const payloadB64 = env.payload;
  const sig = base64url(env.signature, 'the JWS signature');
  const header = parseJson(base64url(protectedB64, 'the JWS protected header'), 'the JWS protected header', limits.maxStructureDepth);
  if (!isObject(header)) throw refused('the JWS protected header is not an object');
  const unprotected = env.header === undefined ? {} : env.header;
  if (!isObject(unprotected)) throw refused('the JWS unprotected header is not an object');
  for (const k of Object.keys(unprotected)) {
    if (!['x5c', 'io.cncf.notary.signingAgent', 'io.cncf.notary.timestampSignature'].includes(k)) throw refused(`the JWS unprotected header has an unexpected member ${quote(k)}`);
  }
  const alg = header.alg;
  const spec = typeof alg === 'string' ? ALGS[alg] : undefined;
  if (spec === undefined) throw refused(`unsupported signature algorithm ${quote(String(alg))} (Notation uses PS256, PS384, PS512, ES256, ES384, ES512)`);
  if (header.cty !== NOTATION.payloadType) throw refused(`the protected header cty is ${quote(String(header.cty))}, not ${NOTATION.payloadType}`);
  const scheme = header[H.scheme];
  if (scheme !== NOTATION.schemeX509 && scheme !== NOTATION.schemeSigningAuthority) throw refused(`unsupported signing scheme ${quote(String(scheme))}`);
  const crit = header.crit;
  if (!Array.isArray(crit) || crit.length === 0 || !crit.every((c) => typeof c === 'string')) throw refused('the protected header has no crit list');
  const critical = new Set(crit as string[]);
  if (!critical.has(H.scheme)) throw refused(`the protected header's crit list lacks ${H.scheme}`);
  for (const c of critical) {
    if (!(c in header)) throw refused(`critical header ${quote(c)} is listed in crit but absent`);
    if (c === H.plugin || c === H.pluginMinVersion) throw refused('the signature requires a verification plugin; plugins are not supported');
    if (!UNDERSTOOD_CRITICAL.has(c)) throw refused(`unsupported critical header ${quote(c)}`);
  }
  if (H.expiry in header && !critical.has(H.expiry)) throw refused(`${H.expiry} must be a critical header`);
  if (H.authenticSigningTime in header && !critical.has(H.authenticSigningTime)) throw refused(`${H.authenticSigningTime} must be a critical header`);
  if (H.plugin in header) throw refused('the signature requires a verification plugin; plugins are not supported');
  let signingTime: Date;
  if (scheme === NOTATION.schemeX509) {
    if (H.authenticSigningTime in header) throw refused(`${H.authenticSigningTime} is not allowed with the notary.x509 scheme`);
    signingTime = time(header[H.signingTime], H.signingTime);
  } else {
    if (H.signingTime in header) throw refused(`${H.signingTime} is not allowed with the notary.x509.signingAuthority scheme`);
    signingTime = time(header[H.authenticSigningTime], H.authenticSigningTime);
  }
  const expiry = H.expiry in header ? time(header[H.expiry], H.expiry) : undefined;
  if (expiry !== undefined && expiry.getTime() <= signingTime.getTime()) throw refused('the signature expires before it was signed');

  const x5c = unprotected.x5c;
  if (!Array.isArray(x5c) || x5c.length === 0) throw refused('the signature has no certificate chain (x5c)');
  if (x5c.length > limits.maxCertChain) throw refused(`the certificate chain has ${x5c.length} certificates, more than maxCertChain (${limits.maxCertChain})`);
  const chain = x5c.map((c, i) => certFromDer(base64(c, `x5c[${i}]`), `x5c[${i}]`));
  const leafKey = (chain[0] as Cert).node.publicKey;
  if (!keyMatches(leafKey, spec)) throw refused(`the algorithm ${String(alg)} does not match the signing key (${keyLabel(leafKey)})`);
  const input = Buffer.from(`${String(protectedB64)}.${typeof payloadB64 === 'string' ? payloadB64 : ''}`, 'ascii');
  const ok = (() => {
    try {
      return spec.family === 'ec'
        ? cryptoVerify(spec.hash, input, { key: leafKey, dsaEncoding: 'ieee-p1363' }, sig)
        : cryptoVerify(spec.hash, input, { key: leafKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, sig);
    } catch {
      return false;
    }
  })();
  if (!ok) throw refused(`invalid signature: the JWS signature does not verify with the key of ${subjectOf(chain[0] as Cert)}`);
  const payload = parseJson(base64url(payloadB64, 'the JWS payload'), 'the JWS payload', limits.maxStructureDepth);
  if (!isObject(payload)) throw refused('the JWS payload is not an object');
  return { alg: String(alg), header, chain, payload, signingTime, expiry, scheme: String(scheme) };
}

/** The payload's `targetArtifact` must be the image's descriptor. */
export function checkTarget(payload: Record<string, unknown>, manifestDigest: string, descriptor: TargetDescriptor): void {
  const t = payload.targetArtifact;
  if (!isObject(t)) throw refused('the signed payload has no targetArtifact');
  if (t.digest !== manifestDigest) throw refused(`the signature is for ${quote(String(t.digest))}, not ${manifestDigest}`);
  if (t.mediaType !== descriptor.mediaType) throw refused(`the signature is for media type ${quote(String(t.mediaType))}, the image is ${descriptor.mediaType}`);
  if (t.size !== descriptor.size) throw refused(`the signature is for a manifest of ${String(t.size)} bytes, the image's is ${descriptor.size}`);
}

function identityMatches(policy: TrustPolicyEntry, leaf: Cert): boolean {
  const subject = subjectAttributes(leaf);
  return policy.trustedIdentities.some((id) => id.subject === undefined || [...id.subject].every(([k, v]) => subject.get(k) === v));
}

/** Verify one JWS envelope for one image under the trust policy. Throws a VERIFICATION error. */
export function verifyNotationEnvelope(envelope: Buffer, ctx: NotationContext): NotationResult {
  const policy = selectTrustPolicy(ctx.trustPolicy, ctx.scope);
  if (policy === undefined) throw refused(`no Notation trust policy applies to ${ctx.scope}`);
  if (policy.level === 'skip') return { signer: '(not verified: trust policy level skip)', policy: policy.name, warnings: [], skipped: true };
  const warnings: string[] = [];
  const check = (name: CheckName, problem: string | undefined): void => {
    if (problem === undefined) return;
    const action: CheckAction = policy.actions[name];
    if (action === 'enforce') throw refused(problem);
    if (action === 'log') warnings.push(`${name}: ${problem}`);
  };
  const env = checkEnvelopeIntegrity(envelope, ctx.limits);
  checkTarget(env.payload, ctx.manifestDigest, ctx.descriptor);
  const leaf = env.chain[0] as Cert;
  const now = ctx.now ?? new Date();

  // Authenticity: chain shape and validity at signing time, trust store, identity.
  let authenticity: string | undefined;
  try {
    checkCodeSigningChain(env.chain, ctx.limits.maxCertChain);
    authenticity = invalidAt(env.chain, env.signingTime, 'signing time');
  } catch (e) {
    authenticity = (e as Error).message;
  }
  if (authenticity === undefined) {
    const wanted = env.scheme === NOTATION.schemeX509 ? 'ca' : 'signingAuthority';
    const stores = policy.trustStores.filter((s) => s.type === wanted);
    if (stores.length === 0) authenticity = `trust policy ${quote(policy.name)} names no ${wanted} trust store for the ${env.scheme} signing scheme`;
    else {
      const missing = stores.find((s) => !ctx.trustStore.stores.has(`${s.type}:${s.name}`));
      const anchors = stores.flatMap((s) => ctx.trustStore.stores.get(`${s.type}:${s.name}`) ?? []);
      if (!env.chain.some((c) => anchors.some((a) => a.der.equals(c.der)))) {
        authenticity = `untrusted: no certificate of the chain (${subjectOf(env.chain[env.chain.length - 1] as Cert)}) is in the trust store(s) ${stores.map((s) => `${s.type}:${s.name}`).join(', ')}${missing !== undefined ? ` (${missing.type}:${missing.name} is absent from the trust store folder)` : ''}`;
      } else if (!identityMatches(policy, leaf)) {
        authenticity = `the signing identity ${quote(subjectOf(leaf), 200)} is not a trusted identity of policy ${quote(policy.name)}`;
      }
    }
  }
  check('authenticity', authenticity);
  // Authentic timestamp: no timestamp countersignature is verified, so the chain must be valid now.
  check('authenticTimestamp', env.scheme === NOTATION.schemeX509 ? invalidAt(env.chain, now, 'verification time') : undefined);
  check('expiry', env.expiry !== undefined && env.expiry.getTime() < now.getTime() ? `the signature expired on ${env.expiry.toISOString()}` : undefined);
  return { signer: subjectOf(leaf), policy: policy.name, warnings, skipped: false };
}

export function notationPolicyScope(policy: TrustPolicyDocument, scope: string): TrustPolicyEntry | undefined {
  return selectTrustPolicy(policy, scope);
}
