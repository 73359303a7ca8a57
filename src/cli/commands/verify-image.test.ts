/**
 * `bulwark verify-image` end to end against the real registry (distribution 2.8 on loopback): cosign
 * key and Notation trust policy/store from files; exit 0 verified, 1 with one line, 2 usage/IO.
 * Skipped when the binary is absent.
 */
import { sign as cryptoSign } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliHarness } from '../../../test-fixtures/cli-harness.js';
import type { TestRegistry } from '../../../test-fixtures/oci/registry.js';
import { hasRegistry, startRegistry } from '../../../test-fixtures/oci/registry.js';
import { keyPair, leafCert, rootCa } from '../../../test-fixtures/x509-builder.js';
import { COSIGN, NOTATION } from '../../image-signing/index.js';
import { EMPTY_DIGEST, MEDIA_TYPES, RegistryClient, sha256Digest } from '../../oci/index.js';
import { registerVerifyImage } from './verify-image.js';

const root = mkdtempSync(join(tmpdir(), 'bulwark-cli-verify-image-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cli = cliHarness(registerVerifyImage);
const run = cli.run;

describe.skipIf(!hasRegistry())('bulwark verify-image', () => {
  let reg: TestRegistry;
  let client: RegistryClient;
  let digest = '';
  const signer = keyPair('P-256');
  const other = keyPair('P-256');
  const pub = (k: typeof signer, name: string): string => {
    const p = join(root, name);
    writeFileSync(p, k.publicKey.export({ type: 'spki', format: 'pem' }));
    return p;
  };
  const ca = rootCa('cli-root', 'P-384');
  const leaf = leafCert(ca, 'cli-signer', 'P-256', { subject: { c: 'US', st: 'WA', o: 'bulwark-tests', cn: 'cli-signer' } });

  beforeAll(async () => {
    reg = await startRegistry();
    client = new RegistryClient(reg.host, { plainHttp: true, retryBaseMs: 20 });
    const name = 'apps/cli';
    const cfg = Buffer.from('{"os":"linux","architecture":"amd64"}');
    const cd = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256Digest(cfg), size: cfg.length };
    await client.pushBlob(name, cd, () => cfg);
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: cd, layers: [] }));
    digest = (await client.pushManifest(name, 'v1', MEDIA_TYPES.ociManifest, manifest)).digest;
    // cosign, legacy .sig tag
    const payload = Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': `${reg.host}/${name}` }, image: { 'docker-manifest-digest': digest }, type: COSIGN.type }, optional: null }));
    const layer = { mediaType: COSIGN.simpleSigning, digest: sha256Digest(payload), size: payload.length, annotations: { [COSIGN.signature]: cryptoSign('sha256', payload, signer.privateKey).toString('base64') } };
    await client.pushBlob(name, layer, () => payload);
    await client.pushManifest(name, `sha256-${digest.slice(7)}.sig`, MEDIA_TYPES.ociManifest, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: cd, layers: [layer] })));
    // Notation referrer
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const ph = b64({ alg: 'ES256', crit: ['io.cncf.notary.signingScheme'], cty: NOTATION.payloadType, 'io.cncf.notary.signingScheme': 'notary.x509', 'io.cncf.notary.signingTime': new Date(Date.now() - 60_000).toISOString() });
    const pl = b64({ targetArtifact: { mediaType: MEDIA_TYPES.ociManifest, digest, size: manifest.length } });
    const sig = cryptoSign('sha256', Buffer.from(`${ph}.${pl}`), { key: leaf.keys.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    const env = Buffer.from(JSON.stringify({ payload: pl, protected: ph, header: { x5c: [leaf.der.toString('base64'), ca.der.toString('base64')] }, signature: sig }));
    const el = { mediaType: NOTATION.jws, digest: sha256Digest(env), size: env.length };
    await client.pushBlob(name, el, () => env);
    await client.pushBlob(name, { digest: EMPTY_DIGEST, size: 2 }, () => Buffer.from('{}'));
    const sm = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, artifactType: NOTATION.artifactType, config: { mediaType: MEDIA_TYPES.ociEmpty, digest: EMPTY_DIGEST, size: 2 }, layers: [el], subject: { mediaType: MEDIA_TYPES.ociManifest, digest, size: manifest.length } }));
    await client.attachReferrer(name, digest, MEDIA_TYPES.ociManifest, sm, NOTATION.artifactType);
  }, 30_000);
  afterAll(async () => {
    client?.close();
    await reg?.stop();
  });

  it('cosign key: exit 0 verified; another key: exit 1 with one line', async () => {
    expect(await run('verify-image', `oci://${reg.host}/apps/cli:v1`, '--plain-http', '--key', pub(signer, 'signer.pub'))).toBe(0);
    expect(cli.out).toBe(`Verified oci://${reg.host}/apps/cli@${digest}: cosign signature by key ${join(root, 'signer.pub')} (found through the cosign .sig tag)\n`);
    expect(await run('verify-image', `oci://${reg.host}/apps/cli:v1`, '--plain-http', '--key', pub(other, 'other.pub'))).toBe(1);
    expect(cli.err).toBe('bulwark: verification failed: invalid signature: the signature does not verify with the key\n');
  });

  it('Notation trust policy and store: exit 0; a scope that does not match: exit 1', async () => {
    const store = join(root, 'store');
    mkdirSync(join(store, 'x509', 'ca', 'acme'), { recursive: true });
    writeFileSync(join(store, 'x509', 'ca', 'acme', 'root.pem'), ca.pem);
    const policy = (scope: string) => {
      const p = join(root, `policy-${scope.replace(/\W/g, '_')}.json`);
      writeFileSync(p, JSON.stringify({ version: '1.0', trustPolicies: [{ name: 'acme', registryScopes: [scope], signatureVerification: { level: 'strict' }, trustStores: ['ca:acme'], trustedIdentities: ['x509.subject: C=US, ST=WA, O=bulwark-tests'] }] }));
      return p;
    };
    expect(await run('verify-image', `oci://${reg.host}/apps/cli:v1`, '--plain-http', '--notation-trust-policy', policy(`${reg.host}/apps/cli`), '--notation-trust-store', store)).toBe(0);
    expect(cli.out).toContain('notation signature by C=US, ST=WA, O=bulwark-tests, CN=cli-signer (found through referrers)');
    expect(await run('verify-image', `oci://${reg.host}/apps/cli:v1`, '--plain-http', '--notation-trust-policy', policy(`${reg.host}/apps/elsewhere`), '--notation-trust-store', store)).toBe(1);
    expect(cli.err).toBe(`bulwark: verification failed: no Notation trust policy applies to ${reg.host}/apps/cli\n`);
  });

  it('usage and I/O errors: exit 2', async () => {
    expect(await run('verify-image', `oci://${reg.host}/apps/cli:v1`, '--plain-http')).toBe(2);
    expect(await run('verify-image', `oci://${reg.host}/apps/cli:v1`, '--plain-http', '--key', join(root, 'absent.pub'))).toBe(2);
    expect(cli.err).toMatch(/cannot read public key .*absent\.pub: ENOENT/);
    expect(await run('verify-image', `oci://${reg.host}/apps/cli:v1`, '--plain-http', '--identity', 'a@b')).toBe(2);
    expect(await run('verify-image', `oci://${reg.host}/apps/absent:v1`, '--plain-http', '--key', pub(signer, 'signer.pub'))).toBe(2);
  });
});
