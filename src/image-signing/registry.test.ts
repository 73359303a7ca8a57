/**
 * Round trips against the real registry (Debian docker-registry, distribution 2.8, on loopback; it has
 * no referrers API, so referrers go through the tag-schema fallback): a small image built here, cosign
 * signatures made here with node:crypto (legacy `.sig` tag and referrer), a Notation JWS made here with
 * an in-code X.509 chain; then a re-pointed tag, a tampered payload, another key, an untrusted CA and a
 * trust policy scope that does not match each fail with one line. Skipped when the binary is absent.
 */
import { sign as cryptoSign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestRegistry } from '../../test-fixtures/oci/registry.js';
import { hasRegistry, startRegistry } from '../../test-fixtures/oci/registry.js';
import { keyPair, leafCert, rootCa } from '../../test-fixtures/x509-builder.js';
import type { Image } from '../../test-fixtures/oci/cosign.js';
import { cosignLayer, cosignSigTag, pushImage, pushJson, simpleSigning } from '../../test-fixtures/oci/cosign.js';
import type { TestCa } from '../../test-fixtures/x509-builder.js';
import { EMPTY_DIGEST, MEDIA_TYPES, RegistryClient, parseReference, sha256Digest } from '../oci/index.js';
import type { CosignPolicy, ImageRepository, NotationPolicy } from './index.js';
import { COSIGN, NOTATION, certsFromFile, parseCosignKey, parseTrustPolicy, trustStoreOf, verifyImageSignature } from './index.js';

/** cosign's OCI 1.1 form: a signature manifest with `subject`, attached as a referrer. */
async function cosignReferrer(client: RegistryClient, name: string, image: Image, payload: Buffer, key: KeyObject): Promise<void> {
  const layer = await cosignLayer(client, name, payload, cryptoSign('sha256', payload, key));
  await client.pushBlob(name, { digest: EMPTY_DIGEST, size: 2 }, () => Buffer.from('{}'));
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, artifactType: COSIGN.artifactType, config: { mediaType: MEDIA_TYPES.ociEmpty, digest: EMPTY_DIGEST, size: 2 }, layers: [layer], subject: image.descriptor }),
  );
  await client.attachReferrer(name, image.digest, MEDIA_TYPES.ociManifest, manifest, COSIGN.artifactType);
}

/** A Notation JWS envelope (ES256) for `target`, signed by `leaf` with `chain` in x5c. */
function notationJws(target: Image['descriptor'], leaf: TestCa, chain: readonly TestCa[], payloadOverride?: unknown): Buffer {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const protectedHeader = b64({ alg: 'ES256', crit: ['io.cncf.notary.signingScheme'], cty: NOTATION.payloadType, 'io.cncf.notary.signingScheme': 'notary.x509', 'io.cncf.notary.signingTime': new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z') });
  const payload = b64(payloadOverride ?? { targetArtifact: target });
  const signature = cryptoSign('sha256', Buffer.from(`${protectedHeader}.${payload}`), { key: leaf.keys.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  return Buffer.from(JSON.stringify({ payload, protected: protectedHeader, header: { x5c: chain.map((c) => c.der.toString('base64')), 'io.cncf.notary.signingAgent': 'bulwark-tests' }, signature }));
}

async function attachNotation(client: RegistryClient, name: string, image: Image, envelope: Buffer): Promise<void> {
  const layer = { mediaType: NOTATION.jws, digest: sha256Digest(envelope), size: envelope.length };
  await client.pushBlob(name, layer, () => envelope);
  await client.pushBlob(name, { digest: EMPTY_DIGEST, size: 2 }, () => Buffer.from('{}'));
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, artifactType: NOTATION.artifactType, config: { mediaType: MEDIA_TYPES.ociEmpty, digest: EMPTY_DIGEST, size: 2 }, layers: [layer], subject: image.descriptor }),
  );
  await client.attachReferrer(name, image.digest, MEDIA_TYPES.ociManifest, manifest, NOTATION.artifactType);
}

describe.skipIf(!hasRegistry())('image signatures against distribution 2.8 (plain HTTP on loopback)', () => {
  let reg: TestRegistry;
  let client: RegistryClient;
  const repo = (name: string): ImageRepository => ({ registry: reg.host, name });
  const signer = keyPair('P-256');
  const other = keyPair('P-256');
  const cosign = (...keys: KeyObject[]): CosignPolicy => ({ kind: 'cosign', keys: keys.map((k, i) => parseCosignKey(k.export({ type: 'spki', format: 'pem' }).toString(), `key${i + 1}.pub`)) });

  beforeAll(async () => {
    reg = await startRegistry();
    client = new RegistryClient(reg.host, { plainHttp: true, retryBaseMs: 20 });
  }, 30_000);
  afterAll(async () => {
    client?.close();
    await reg?.stop();
  });

  it('cosign, legacy .sig tag: verifies; another key, a tampered payload and a re-pointed tag fail with one line', async () => {
    const image = await pushImage(client, 'apps/legacy', 'v1', 'one');
    await cosignSigTag(client, 'apps/legacy', image, simpleSigning(`${reg.host}/apps/legacy`, image.digest), signer.privateKey);
    const ok = await verifyImageSignature(client, repo('apps/legacy'), image.digest, image.descriptor, cosign(signer.publicKey));
    expect(ok).toEqual({ ok: true, verifier: 'cosign', signer: 'key key1.pub', via: 'sig-tag', warnings: [] });

    const wrong = await verifyImageSignature(client, repo('apps/legacy'), image.digest, image.descriptor, cosign(other.publicKey));
    expect(wrong).toEqual({ ok: false, reason: 'invalid signature: the signature does not verify with the key' });

    // The tag now names another image: its digest has no signature.
    const moved = await pushImage(client, 'apps/legacy', 'v1', 'two');
    const resolved = await client.resolve(parseReference(`${reg.host}/apps/legacy:v1`));
    expect(resolved).toBe(moved.digest);
    const unsigned = await verifyImageSignature(client, repo('apps/legacy'), moved.digest, moved.descriptor, cosign(signer.publicKey));
    expect(unsigned.ok).toBe(false);
    if (!unsigned.ok) expect(unsigned.reason).toBe(`unsigned: no cosign signature refers to ${reg.host}/apps/legacy@${moved.digest}`);

    // A signature whose payload was changed after signing (the signature is the original one).
    const payload = simpleSigning(`${reg.host}/apps/legacy`, moved.digest);
    const layer = await cosignLayer(client, 'apps/legacy', Buffer.from(payload.toString().replace('apps/legacy', 'apps/legacz')), cryptoSign('sha256', payload, signer.privateKey));
    const config = await pushJson(client, 'apps/legacy', { rootfs: { type: 'layers', diff_ids: [] } });
    await client.pushManifest('apps/legacy', `sha256-${moved.digest.slice(7)}.sig`, MEDIA_TYPES.ociManifest, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config, layers: [layer] })));
    const tampered = await verifyImageSignature(client, repo('apps/legacy'), moved.digest, moved.descriptor, cosign(signer.publicKey));
    expect(tampered).toEqual({ ok: false, reason: 'invalid signature: the signature does not verify with the key' });

    // The first image's signature names the first digest, not this one.
    await cosignSigTag(client, 'apps/legacy', moved, simpleSigning(`${reg.host}/apps/legacy`, image.digest), signer.privateKey);
    const replayed = await verifyImageSignature(client, repo('apps/legacy'), moved.digest, moved.descriptor, cosign(signer.publicKey));
    expect(replayed).toEqual({ ok: false, reason: `the signature is for "${image.digest}", not ${moved.digest}` });
  });

  it('cosign, referrer (tag-schema fallback): verifies with any of several keys', async () => {
    const image = await pushImage(client, 'apps/referred', 'v1', 'three');
    await cosignReferrer(client, 'apps/referred', image, simpleSigning(`${reg.host}/apps/referred`, image.digest), signer.privateKey);
    const ok = await verifyImageSignature(client, repo('apps/referred'), image.digest, image.descriptor, cosign(other.publicKey, signer.publicKey));
    expect(ok).toEqual({ ok: true, verifier: 'cosign', signer: 'key key2.pub', via: 'referrers', warnings: [] });
    const bad = await verifyImageSignature(client, repo('apps/referred'), image.digest, image.descriptor, cosign(other.publicKey));
    expect(bad.ok).toBe(false);
  });

  it('Notation: verifies with a trusted CA; an untrusted CA, another image, an unmatched scope fail with one line', async () => {
    const root = rootCa('notation-root', 'P-384');
    const leaf = leafCert(root, 'signer', 'P-256', { subject: { c: 'US', st: 'WA', o: 'bulwark-tests', cn: 'signer' } });
    const strangerRoot = rootCa('stranger-root', 'P-384');
    const image = await pushImage(client, 'apps/notary', 'v1', 'four');
    await attachNotation(client, 'apps/notary', image, notationJws(image.descriptor, leaf, [leaf, root]));
    const policy = (scope: string, store: string, ids = ['x509.subject: C=US, ST=WA, O=bulwark-tests, CN=signer']): NotationPolicy => ({
      kind: 'notation',
      trustPolicy: parseTrustPolicy(JSON.stringify({ version: '1.0', trustPolicies: [{ name: 'apps', registryScopes: [scope], signatureVerification: { level: 'strict' }, trustStores: ['ca:acme'], trustedIdentities: ids }] })),
      trustStore: trustStoreOf({ 'ca:acme': certsFromFile(Buffer.from(store === 'root' ? root.pem : strangerRoot.pem), 'store') }),
    });
    const ok = await verifyImageSignature(client, repo('apps/notary'), image.digest, image.descriptor, policy(`${reg.host}/apps/notary`, 'root'));
    expect(ok).toEqual({ ok: true, verifier: 'notation', signer: 'C=US, ST=WA, O=bulwark-tests, CN=signer', via: 'referrers', warnings: [] });

    const untrusted = await verifyImageSignature(client, repo('apps/notary'), image.digest, image.descriptor, policy(`${reg.host}/apps/notary`, 'stranger'));
    expect(untrusted.ok).toBe(false);
    if (!untrusted.ok) expect(untrusted.reason).toMatch(/^untrusted: no certificate of the chain \(O=bulwark-tests, CN=notation-root\) is in the trust store\(s\) ca:acme$/);

    const scope = await verifyImageSignature(client, repo('apps/notary'), image.digest, image.descriptor, policy(`${reg.host}/apps/other`, 'root'));
    expect(scope).toEqual({ ok: false, reason: `no Notation trust policy applies to ${reg.host}/apps/notary` });

    const identity = await verifyImageSignature(client, repo('apps/notary'), image.digest, image.descriptor, policy(`${reg.host}/apps/notary`, 'root', ['x509.subject: C=US, ST=WA, O=bulwark-tests, CN=someone-else']));
    expect(identity.ok).toBe(false);
    if (!identity.ok) expect(identity.reason).toMatch(/is not a trusted identity/);

    // A signature for another image attached to this one, and a tampered envelope.
    const second = await pushImage(client, 'apps/notary', 'v2', 'five');
    await attachNotation(client, 'apps/notary', second, notationJws(image.descriptor, leaf, [leaf, root]));
    const replayed = await verifyImageSignature(client, repo('apps/notary'), second.digest, second.descriptor, policy(`${reg.host}/apps/notary`, 'root'));
    expect(replayed).toEqual({ ok: false, reason: `the signature is for "${image.digest}", not ${second.digest}` });

    const third = await pushImage(client, 'apps/notary', 'v3', 'six');
    const env = JSON.parse(notationJws(third.descriptor, leaf, [leaf, root]).toString()) as Record<string, string>;
    env.payload = Buffer.from(JSON.stringify({ targetArtifact: { ...third.descriptor, annotations: { extra: 'x' } } })).toString('base64url');
    await attachNotation(client, 'apps/notary', third, Buffer.from(JSON.stringify(env)));
    const tampered = await verifyImageSignature(client, repo('apps/notary'), third.digest, third.descriptor, policy(`${reg.host}/apps/notary`, 'root'));
    expect(tampered.ok).toBe(false);
    if (!tampered.ok) expect(tampered.reason).toMatch(/^invalid signature: the JWS signature does not verify/);

    // Unsigned for Notation (a cosign-only image), and level skip.
    const bare = await pushImage(client, 'apps/notary', 'v4', 'seven');
    const none = await verifyImageSignature(client, repo('apps/notary'), bare.digest, bare.descriptor, policy(`${reg.host}/apps/notary`, 'root'));
    expect(none).toEqual({ ok: false, reason: `unsigned: no notation signature refers to ${reg.host}/apps/notary@${bare.digest}` });
  });

  it('registry errors are answered with io set, not thrown', async () => {
    const image = await pushImage(client, 'apps/io', 'v1', 'eight');
    const down = new RegistryClient('127.0.0.1:1', { plainHttp: true, maxAttempts: 1 });
    try {
      const r = await verifyImageSignature(down, { registry: '127.0.0.1:1', name: 'apps/io' }, image.digest, image.descriptor, cosign(signer.publicKey));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.io).toBe(true);
    } finally {
      down.close();
    }
  });
});
