/**
 * Published vectors (test-fixtures/image-signing/README.md): Notation's JWS envelopes from
 * notation-go / notation-core-go and cosign's simple-signing signature from sigstore-rs verify through
 * the same functions `verifyImageSignature` uses, and their negative forms fail with the right reason.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkEnvelopeIntegrity, imageSigningLimits, parseCosignKey, parseTrustPolicy, trustStoreOf, verifyCosignLayer, verifyNotationEnvelope } from './index.js';
import type { Cert, TrustStore } from './index.js';
import { certFromDer } from './x509.js';

const dir = join(import.meta.dirname, '../../test-fixtures/image-signing');
const read = (p: string): Buffer => readFileSync(join(dir, p));
const limits = imageSigningLimits();

describe('Notation published vectors (notation-go verifier/testdata)', () => {
  const target = { mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest: 'sha256:c0669ef34cdc14332c0f1ab0c2c01acb91d96014b172f1a76f3a39e63d1f0bda', size: 528 };
  const x5c = (file: string): Cert => {
    const env = JSON.parse(read(file).toString()) as { header: { x5c: string[] } };
    return certFromDer(Buffer.from(env.header.x5c[0] as string, 'base64'), 'x5c');
  };
  const alpine = x5c('notation/withoutTimestamp.sig');
  const testTsa = x5c('notation/jwsExpiredWithTimestamp.sig');
  const policy = (level = 'strict', ids = ['x509.subject: C=US, ST=WA, L=Seattle, O=Notary, CN=alpine'], scopes = ['registry.example/net-monitor']) =>
    parseTrustPolicy(JSON.stringify({ version: '1.0', trustPolicies: [{ name: 'p', registryScopes: scopes, signatureVerification: { level }, trustStores: ['ca:notary'], trustedIdentities: ids }] }));
  const ctx = (store: TrustStore, extra: Partial<Parameters<typeof verifyNotationEnvelope>[1]> = {}) => ({
    scope: 'registry.example/net-monitor',
    manifestDigest: target.digest,
    descriptor: target,
    trustPolicy: policy(),
    trustStore: store,
    limits,
    ...extra,
  });
  const trusted = trustStoreOf({ 'ca:notary': [alpine, testTsa] });

  it('withoutTimestamp.sig verifies (PS256, self-signed signing certificate in the trust store)', () => {
    const r = verifyNotationEnvelope(read('notation/withoutTimestamp.sig'), ctx(trusted, { now: new Date('2025-01-01T00:00:00Z') }));
    expect(r.signer).toContain('CN=alpine');
    expect(r.warnings).toEqual([]);
  });
  it('a wildcard identity also accepts it; another identity does not', () => {
    expect(verifyNotationEnvelope(read('notation/withoutTimestamp.sig'), ctx(trusted, { trustPolicy: policy('strict', ['*']) })).signer).toContain('alpine');
    expect(() => verifyNotationEnvelope(read('notation/withoutTimestamp.sig'), ctx(trusted, { trustPolicy: policy('strict', ['x509.subject: C=US, ST=WA, O=Other']) }))).toThrow(/is not a trusted identity/);
  });
  it('fails when the trust store does not hold the certificate (untrusted root)', () => {
    expect(() => verifyNotationEnvelope(read('notation/withoutTimestamp.sig'), ctx(trustStoreOf({ 'ca:notary': [testTsa] })))).toThrow(/untrusted: no certificate of the chain/);
  });
  it('fails when the image is another digest, media type or size', () => {
    expect(() => verifyNotationEnvelope(read('notation/withoutTimestamp.sig'), ctx(trusted, { manifestDigest: `sha256:${'0'.repeat(64)}` }))).toThrow(/the signature is for "sha256:c0669ef3/);
    expect(() => verifyNotationEnvelope(read('notation/withoutTimestamp.sig'), ctx(trusted, { descriptor: { ...target, size: 529 } }))).toThrow(/528 bytes/);
    expect(() => verifyNotationEnvelope(read('notation/withoutTimestamp.sig'), ctx(trusted, { descriptor: { ...target, mediaType: 'application/vnd.oci.image.manifest.v1+json' } }))).toThrow(/media type/);
  });
  it('fails when the payload is tampered with', () => {
    const env = JSON.parse(read('notation/withoutTimestamp.sig').toString()) as Record<string, string>;
    const payload = JSON.parse(Buffer.from(env.payload as string, 'base64url').toString()) as { targetArtifact: { size: number } };
    payload.targetArtifact.size = 529;
    env.payload = Buffer.from(JSON.stringify(payload)).toString('base64url');
    expect(() => verifyNotationEnvelope(Buffer.from(JSON.stringify(env)), ctx(trusted))).toThrow(/invalid signature/);
  });
  it('fails when the protected header is tampered with', () => {
    const env = JSON.parse(read('notation/withoutTimestamp.sig').toString()) as Record<string, string>;
    const h = JSON.parse(Buffer.from(env.protected as string, 'base64url').toString()) as Record<string, string>;
    h['io.cncf.notary.signingTime'] = '2024-06-18T17:08:36+08:00';
    env.protected = Buffer.from(JSON.stringify(h)).toString('base64url');
    expect(() => verifyNotationEnvelope(Buffer.from(JSON.stringify(env)), ctx(trusted))).toThrow(/invalid signature/);
  });
  it('jwsExpiredWithTimestamp.sig fails as expired under strict (the timestamp is not verified)', () => {
    expect(() => verifyNotationEnvelope(read('notation/jwsExpiredWithTimestamp.sig'), ctx(trusted, { trustPolicy: policy('strict', ['*']) }))).toThrow(/certificate C=US, ST=WA, L=Seattle, O=Notary, CN=testTSA expired on 2024-06-18T07:30:31Z \(verification time/);
  });
  it('jwsExpiredWithTimestamp.sig verifies inside its certificate validity, and under permissive with a warning', () => {
    expect(verifyNotationEnvelope(read('notation/jwsExpiredWithTimestamp.sig'), ctx(trusted, { trustPolicy: policy('strict', ['*']), now: new Date('2024-06-18T07:25:00Z') })).signer).toContain('testTSA');
    const r = verifyNotationEnvelope(read('notation/jwsExpiredWithTimestamp.sig'), ctx(trusted, { trustPolicy: policy('permissive', ['*']) }));
    expect(r.warnings.join()).toMatch(/authenticTimestamp: certificate .* expired/);
  });
  it('the trust policy scope must match (no policy: refused)', () => {
    expect(() => verifyNotationEnvelope(read('notation/withoutTimestamp.sig'), ctx(trusted, { scope: 'registry.example/other' }))).toThrow(/no Notation trust policy applies to registry.example\/other/);
  });
  it('conformance.json (notation-core-go): no targetArtifact-shaped certificate chain, refused', () => {
    expect(() => checkEnvelopeIntegrity(read('notation/conformance.json'), limits)).toThrow(/unsupported critical header "signedCritKey1"|no certificate chain/);
  });
});

describe('cosign published vector (sigstore-rs signature_layers.rs)', () => {
  const payload = read('cosign/sigstore-rs-payload.json');
  const annotations = { 'dev.cosignproject.cosign/signature': read('cosign/sigstore-rs-signature.b64').toString() };
  const digest = 'sha256:f3cfc9d0dbf931d3db4685ec659b7ac68e2a578219da4aae65427886e649b06b';
  const key = parseCosignKey(read('cosign/sigstore-rs-cosign.pub'), 'cosign.pub');
  const other = parseCosignKey(read('cosign/sigstore-rs-other.pub'), 'other.pub');

  it('verifies with its key', () => {
    expect(verifyCosignLayer({ payload, annotations }, digest, { keys: [key], identities: [] }, limits)).toBe('key cosign.pub');
    expect(verifyCosignLayer({ payload, annotations }, digest, { keys: [other, key], identities: [] }, limits)).toBe('key cosign.pub');
  });
  it('fails with another key', () => {
    expect(() => verifyCosignLayer({ payload, annotations }, digest, { keys: [other], identities: [] }, limits)).toThrow(/invalid signature: the signature does not verify with the key/);
  });
  it('fails for another image digest', () => {
    expect(() => verifyCosignLayer({ payload, annotations }, `sha256:${'1'.repeat(64)}`, { keys: [key], identities: [] }, limits)).toThrow(/the signature is for "sha256:f3cfc9d0/);
  });
  it('fails when the payload is tampered with (same digest, other reference)', () => {
    const tampered = Buffer.from(payload.toString().replace('busybox', 'busyboy'));
    expect(() => verifyCosignLayer({ payload: tampered, annotations }, digest, { keys: [key], identities: [] }, limits)).toThrow(/invalid signature/);
  });
});
