/**
 * Through the referrers API (a recorded-response double; the real registry of the tests has no such
 * API): cosign signature manifests, Sigstore bundle v0.3 (DSSE) referrers, Notation envelopes (COSE
 * refused), the per-image signature bound and the envelope size bound, Notation levels audit and skip.
 */
import { sign as cryptoSign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferrersDouble } from '../../test-fixtures/oci/referrers-double.js';
import { startReferrersDouble } from '../../test-fixtures/oci/referrers-double.js';
import { keyPair, leafCert, rootCa } from '../../test-fixtures/x509-builder.js';
import { EMPTY_DIGEST, MEDIA_TYPES, RegistryClient } from '../oci/index.js';
import type { CosignPolicy, NotationPolicy } from './index.js';
import { COSIGN, NOTATION, certsFromFile, parseCosignKey, parseTrustPolicy, trustStoreOf, verifyImageSignature } from './index.js';

let reg: ReferrersDouble;
let client: RegistryClient;
beforeAll(async () => {
  reg = await startReferrersDouble();
  client = new RegistryClient(reg.host, { plainHttp: true, retryBaseMs: 5 });
});
afterAll(async () => {
  client.close();
  await reg.close();
});

const signer = keyPair('P-256');
const other = keyPair('P-256');
const keyOf = (k: typeof signer, name: string) => parseCosignKey(k.publicKey.export({ type: 'spki', format: 'pem' }).toString(), name);
const cosign = (extra: Partial<CosignPolicy> = {}): CosignPolicy => ({ kind: 'cosign', keys: [keyOf(signer, 'signer.pub')], ...extra });

let counter = 0;
function image(name: string): { digest: string; descriptor: { mediaType: string; digest: string; size: number } } {
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: { mediaType: MEDIA_TYPES.ociEmpty, digest: EMPTY_DIGEST, size: 2 }, layers: [], annotations: { n: String(counter++) } }));
  const digest = reg.putManifest(name, manifest, 'v1');
  return { digest, descriptor: { mediaType: MEDIA_TYPES.ociManifest, digest, size: manifest.length } };
}

function referrer(name: string, subject: { mediaType: string; digest: string; size: number }, artifactType: string, layers: Array<{ mediaType: string; bytes: Buffer; annotations?: Record<string, string> }>): void {
  reg.putBlob(name, Buffer.from('{}'));
  const descs = layers.map((l) => ({ mediaType: l.mediaType, digest: reg.putBlob(name, l.bytes), size: l.bytes.length, ...(l.annotations !== undefined && { annotations: l.annotations }) }));
  reg.putManifest(name, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, artifactType, config: { mediaType: MEDIA_TYPES.ociEmpty, digest: EMPTY_DIGEST, size: 2 }, layers: descs, subject })));
}

function cosignLayer(digest: string, key = signer.privateKey) {
  const payload = Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': 'x' }, image: { 'docker-manifest-digest': digest }, type: COSIGN.type }, optional: null }));
  return { mediaType: COSIGN.simpleSigning, bytes: payload, annotations: { [COSIGN.signature]: cryptoSign('sha256', payload, key).toString('base64') } };
}

function dsseBundle(digest: string, key = signer.privateKey): Buffer {
  const statement = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'img', digest: { sha256: digest.slice(7) } }], predicateType: 'https://sigstore.dev/cosign/sign/v1', predicate: {} }));
  const type = 'application/vnd.in-toto+json';
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} ${type} ${statement.length} `), statement]);
  return Buffer.from(
    JSON.stringify({
      mediaType: COSIGN.sigstoreBundle,
      verificationMaterial: { publicKey: { hint: 'k' }, tlogEntries: [] },
      dsseEnvelope: { payload: statement.toString('base64'), payloadType: type, signatures: [{ sig: cryptoSign('sha256', pae, key).toString('base64'), keyid: '' }] },
    }),
  );
}

describe('cosign through the referrers API', () => {
  it('a cosign signature manifest referrer verifies', async () => {
    const img = image('c/one');
    referrer('c/one', img.descriptor, COSIGN.artifactType, [cosignLayer(img.digest)]);
    expect(await verifyImageSignature(client, { registry: reg.host, name: 'c/one' }, img.digest, img.descriptor, cosign())).toEqual({ ok: true, verifier: 'cosign', signer: 'key signer.pub', via: 'referrers', warnings: [] });
    expect(reg.log).toContain(`GET /v2/c/one/referrers/${img.digest}`);
  });

  it('a Sigstore bundle v0.3 (DSSE, key) referrer verifies; one naming another image or signed by another key fails', async () => {
    const img = image('c/bundle');
    referrer('c/bundle', img.descriptor, COSIGN.sigstoreBundle, [{ mediaType: COSIGN.sigstoreBundle, bytes: dsseBundle(img.digest) }]);
    expect(await verifyImageSignature(client, { registry: reg.host, name: 'c/bundle' }, img.digest, img.descriptor, cosign())).toMatchObject({ ok: true, signer: 'key signer.pub' });

    const img2 = image('c/bundle2');
    referrer('c/bundle2', img2.descriptor, COSIGN.sigstoreBundle, [{ mediaType: COSIGN.sigstoreBundle, bytes: dsseBundle(img.digest) }]);
    expect(await verifyImageSignature(client, { registry: reg.host, name: 'c/bundle2' }, img2.digest, img2.descriptor, cosign())).toEqual({ ok: false, reason: `the signed statement does not name ${img2.digest} as a subject` });

    const img3 = image('c/bundle3');
    referrer('c/bundle3', img3.descriptor, COSIGN.sigstoreBundle, [{ mediaType: COSIGN.sigstoreBundle, bytes: dsseBundle(img3.digest, other.privateKey) }]);
    expect(await verifyImageSignature(client, { registry: reg.host, name: 'c/bundle3' }, img3.digest, img3.descriptor, cosign())).toEqual({ ok: false, reason: 'invalid signature: the DSSE signature does not verify with the given key(s)' });
  });

  it('tries at most maxImageSignatures signatures and says how many were left', async () => {
    const img = image('c/many');
    for (let i = 0; i < 3; i++) referrer('c/many', img.descriptor, COSIGN.artifactType, [cosignLayer(img.digest, other.privateKey)]);
    const r = await verifyImageSignature(client, { registry: reg.host, name: 'c/many' }, img.digest, img.descriptor, cosign({ limits: { maxImageSignatures: 2 } }));
    expect(r).toEqual({ ok: false, reason: 'invalid signature: the signature does not verify with the key (2 signatures tried, none verified)' });
  });

  it('refuses a payload larger than maxSignatureEnvelopeBytes before reading it', async () => {
    const img = image('c/big');
    referrer('c/big', img.descriptor, COSIGN.artifactType, [cosignLayer(img.digest)]);
    const r = await verifyImageSignature(client, { registry: reg.host, name: 'c/big' }, img.digest, img.descriptor, cosign({ limits: { maxSignatureEnvelopeBytes: 64 } }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/more than maxSignatureEnvelopeBytes \(64\)/);
  });
});

describe('Notation through the referrers API', () => {
  const ca = rootCa('ref-root', 'P-384');
  const stranger = rootCa('stranger', 'P-384');
  const leaf = leafCert(ca, 'ref-signer', 'P-256', { subject: { c: 'US', st: 'WA', o: 'bulwark-tests', cn: 'ref-signer' } });
  function jws(target: { mediaType: string; digest: string; size: number }): Buffer {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const ph = b64({ alg: 'ES256', crit: ['io.cncf.notary.signingScheme'], cty: NOTATION.payloadType, 'io.cncf.notary.signingScheme': 'notary.x509', 'io.cncf.notary.signingTime': new Date(Date.now() - 60_000).toISOString() });
    const pl = b64({ targetArtifact: target });
    const signature = cryptoSign('sha256', Buffer.from(`${ph}.${pl}`), { key: leaf.keys.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    return Buffer.from(JSON.stringify({ payload: pl, protected: ph, header: { x5c: [leaf.der.toString('base64'), ca.der.toString('base64')] }, signature }));
  }
  const policy = (level: string, store = ca.pem): NotationPolicy => ({
    kind: 'notation',
    trustPolicy: parseTrustPolicy(JSON.stringify({ version: '1.0', trustPolicies: [level === 'skip' ? { name: 'all', registryScopes: ['*'], signatureVerification: { level } } : { name: 'all', registryScopes: ['*'], signatureVerification: { level }, trustStores: ['ca:s'], trustedIdentities: ['*'] }] })),
    trustStore: trustStoreOf({ 'ca:s': certsFromFile(Buffer.from(store), 'store') }),
  });

  it('verifies (strict); audit accepts an untrusted chain with a warning; strict refuses it; skip verifies nothing', async () => {
    const img = image('n/one');
    referrer('n/one', img.descriptor, NOTATION.artifactType, [{ mediaType: NOTATION.jws, bytes: jws(img.descriptor) }]);
    const repo = { registry: reg.host, name: 'n/one' };
    expect(await verifyImageSignature(client, repo, img.digest, img.descriptor, policy('strict'))).toMatchObject({ ok: true, signer: 'C=US, ST=WA, O=bulwark-tests, CN=ref-signer', via: 'referrers' });
    const audit = await verifyImageSignature(client, repo, img.digest, img.descriptor, policy('audit', stranger.pem));
    expect(audit.ok).toBe(true);
    if (audit.ok) expect(audit.warnings[0]).toMatch(/^authenticity: untrusted/);
    expect(await verifyImageSignature(client, repo, img.digest, img.descriptor, policy('strict', stranger.pem))).toMatchObject({ ok: false });
    expect(await verifyImageSignature(client, repo, img.digest, img.descriptor, policy('skip'))).toMatchObject({ ok: true, signer: '(not verified: trust policy "all" has level skip)' });
  });

  it('refuses COSE envelopes with the reason', async () => {
    const img = image('n/cose');
    referrer('n/cose', img.descriptor, NOTATION.artifactType, [{ mediaType: NOTATION.cose, bytes: Buffer.from([0xd2, 0x84]) }]);
    expect(await verifyImageSignature(client, { registry: reg.host, name: 'n/cose' }, img.digest, img.descriptor, policy('strict'))).toEqual({ ok: false, reason: 'COSE signature envelopes are not supported (JWS only)' });
  });
});
