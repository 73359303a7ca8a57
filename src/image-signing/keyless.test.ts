/**
 * cosign keyless signatures (certificate + Rekor bundle annotations) are handed to @sigstore/verify
 * through the model-signing domain, offline, against a trusted root; the wiring and its refusals.
 * Positive keyless: real public-good Sigstore bundles (DSSE) from model-transparency, below.
 */
import { createHash, sign as cryptoSign } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyPair, leafCert, rootCa } from '../../test-fixtures/x509-builder.js';
import { loadTrustedRoot } from '../model-signing/index.js';
import { COSIGN, imageSigningLimits, parseCosignKey, verifyCosignLayer, verifySigstoreBundleLayer } from './index.js';

const limits = imageSigningLimits();
const digest = `sha256:${'a'.repeat(64)}`;
const payload = Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': 'r.io/app' }, image: { 'docker-manifest-digest': digest }, type: COSIGN.type }, optional: null }));
const ca = rootCa('fake-fulcio');
const leaf = leafCert(ca, 'signer', 'P-256', { sanEmail: 'dev@example.com' });
const signature = cryptoSign('sha256', payload, leaf.keys.privateKey).toString('base64');
const body = Buffer.from(
  JSON.stringify({
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: { data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(payload).digest('hex') } }, signature: { content: signature, publicKey: { content: Buffer.from(leaf.pem).toString('base64') } } },
  }),
).toString('base64');
const rekor = keyPair('P-256');
const bundle = JSON.stringify({ SignedEntryTimestamp: cryptoSign('sha256', Buffer.from(body), rekor.privateKey).toString('base64'), Payload: { body, integratedTime: Math.floor(Date.now() / 1000), logIndex: 1, logID: 'c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d' } });
const annotations = { [COSIGN.signature]: signature, [COSIGN.certificate]: leaf.pem, [COSIGN.bundle]: bundle };
const identity = { identity: 'dev@example.com', issuer: 'https://accounts.example.com' };

describe('cosign keyless', () => {
  it('a certificate not chaining to the trusted root (public-good) fails through @sigstore/verify', () => {
    expect(() => verifyCosignLayer({ payload, annotations }, digest, { keys: [], identities: [identity], trustedRoot: loadTrustedRoot() }, limits)).toThrow(/^(transparency log or timestamp verification failed|untrusted chain): /);
  });
  it('a keyless signature checked with only a key says to use --identity/--issuer', () => {
    const k = keyPair('P-256');
    expect(() => verifyCosignLayer({ payload, annotations }, digest, { keys: [{ name: 'k.pub', key: k.publicKey }], identities: [] }, limits)).toThrow(/it is a keyless signature: use --identity\/--issuer/);
  });
  it('a keyless signature without a Rekor bundle cannot be verified offline', () => {
    const { [COSIGN.bundle]: _drop, ...noBundle } = annotations;
    expect(() => verifyCosignLayer({ payload, annotations: noBundle }, digest, { keys: [], identities: [identity], trustedRoot: loadTrustedRoot() }, limits)).toThrow(/has no Rekor bundle/);
  });
  it('a malformed Rekor bundle annotation is refused', () => {
    expect(() => verifyCosignLayer({ payload, annotations: { ...annotations, [COSIGN.bundle]: '{"Payload":{}}' } }, digest, { keys: [], identities: [identity], trustedRoot: loadTrustedRoot() }, limits)).toThrow(/Rekor bundle annotation is malformed/);
  });
  it('a key signature checked keylessly says to use --key', () => {
    const { [COSIGN.certificate]: _c, ...keyOnly } = annotations;
    expect(() => verifyCosignLayer({ payload, annotations: keyOnly }, digest, { keys: [], identities: [identity], trustedRoot: loadTrustedRoot() }, limits)).toThrow(/verify with --key/);
  });
});

/**
 * Real Sigstore bundles v0.3 with DSSE in-toto statements (sigstore/model-transparency's signed test
 * models, /work/shared/conformance, Apache-2.0): the statement's subject digest stands for the image
 * digest, so the bundle-referrer path of verify-image is checked against real public-good keyless
 * and real key-signed material, offline.
 */
const OMS = join(import.meta.dirname, '..', '..', '..', 'shared', 'conformance', 'oms', 'model-transparency', 'scripts', 'tests');
describe.skipIf(!existsSync(OMS))('Sigstore bundle v0.3 (DSSE) vectors from model-transparency', () => {
  const keyless = readFileSync(join(OMS, 'v1.1.0-sigstore', 'model.sig'));
  const keyless_subject = 'sha256:61d4849d9d90076d6215f4d525f13d6574af8e3f67aef3e6f36fc40a14fdd226';
  const keyed = readFileSync(join(OMS, 'v1.1.0-elliptic-key', 'model.sig'));
  const keyed_subject = 'sha256:92745110b1ab4368471cbe31664e10174e954b113a3df333db860317b2c6dec4';
  const ibm = { identity: 'stefanb@us.ibm.com', issuer: 'https://sigstore.verify.ibm.com/oauth2' };

  it('keyless (public-good Fulcio/Rekor, shipped trusted root): verifies with the identity, offline', () => {
    expect(verifySigstoreBundleLayer(keyless, keyless_subject, { keys: [], identities: [ibm], trustedRoot: loadTrustedRoot() }, limits)).toBe('stefanb@us.ibm.com (issuer https://sigstore.verify.ibm.com/oauth2)');
  });
  it('keyless: another identity or issuer fails; another subject fails', () => {
    expect(() => verifySigstoreBundleLayer(keyless, keyless_subject, { keys: [], identities: [{ ...ibm, identity: 'mallory@example.com' }], trustedRoot: loadTrustedRoot() }, limits)).toThrow(/identity mismatch/);
    expect(() => verifySigstoreBundleLayer(keyless, keyless_subject, { keys: [], identities: [{ ...ibm, issuer: 'https://accounts.google.com' }], trustedRoot: loadTrustedRoot() }, limits)).toThrow(/identity mismatch/);
    expect(() => verifySigstoreBundleLayer(keyless, keyed_subject, { keys: [], identities: [ibm], trustedRoot: loadTrustedRoot() }, limits)).toThrow(/does not name/);
  });
  it('keyless: a trusted root without the public-good CAs and logs fails (untrusted root)', () => {
    const empty = join(tmpdir(), `bulwark-empty-root-${process.pid}.json`);
    writeFileSync(empty, JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] }));
    try {
      expect(() => verifySigstoreBundleLayer(keyless, keyless_subject, { keys: [], identities: [ibm], trustedRoot: loadTrustedRoot(empty) }, limits)).toThrow(/^(transparency log or timestamp verification failed|untrusted chain): /);
    } finally {
      rmSync(empty, { force: true });
    }
  });
  it('key-signed (ECDSA P-384): verifies with the key, fails with another', () => {
    const pem = readFileSync(join(OMS, 'keys', 'certificate', 'signing-key-pub.pem'));
    expect(verifySigstoreBundleLayer(keyed, keyed_subject, { keys: [parseCosignKey(pem, 'signing-key-pub.pem')], identities: [] }, limits)).toBe('key signing-key-pub.pem');
    const k = keyPair('P-384');
    expect(() => verifySigstoreBundleLayer(keyed, keyed_subject, { keys: [{ name: 'other', key: k.publicKey }], identities: [] }, limits)).toThrow(/invalid signature/);
  });
});
