/**
 * Against a real registry (Debian docker-registry, distribution 2.8, on loopback): push, pull, sign and
 * verify through the tag-schema referrers fallback (2.8 has no referrers API), tampering, hostile
 * artifacts, TLS with a custom CA and htpasswd Basic auth. Skipped when the binary is absent.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTar as tar } from '../../test-fixtures/tar-builder.js';
import type { TestRegistry } from '../../test-fixtures/oci/registry.js';
import { hasHtpasswd, hasRegistry, startRegistry } from '../../test-fixtures/oci/registry.js';
import { verifyModel } from '../model-signing/index.js';
import {
  BUNDLE_ARTIFACT_TYPE,
  EMPTY_DIGEST,
  MEDIA_TYPES,
  MODELPACK,
  RegistryClient,
  loadRegistryCredentials,
  parseReference,
  pullModel,
  pushModel,
  sha256Digest,
  signArtifact,
  verifyArtifact,
} from './index.js';

const work = mkdtempSync(join(tmpdir(), 'bulwark-oci-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function keyPair(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}
const signer = keyPair();
const other = keyPair();

let n = 0;
function modelDir(files: Record<string, string | Buffer>): string {
  const dir = join(work, `model-${n++}`);
  for (const [rel, data] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), data);
  }
  return dir;
}

function listTree(dir: string, base = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, base), { withFileTypes: true })) {
    const rel = base === '' ? e.name : `${base}/${e.name}`;
    if (e.isDirectory()) out.push(...listTree(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}

/** Push a hand-built artifact: blobs as given, then a manifest with these layer descriptors. */
async function pushRaw(client: RegistryClient, name: string, tag: string, layers: Array<{ data: Buffer; mediaType: string; annotations?: Record<string, string> }>): Promise<string> {
  const descs = [];
  for (const l of layers) {
    const d = { mediaType: l.mediaType, digest: sha256Digest(l.data), size: l.data.length, ...(l.annotations && { annotations: l.annotations }) };
    await client.pushBlob(name, d, () => l.data);
    descs.push(d);
  }
  const config = Buffer.from('{}');
  await client.pushBlob(name, { digest: EMPTY_DIGEST, size: 2 }, () => config);
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, artifactType: MODELPACK.artifactType, config: { mediaType: MODELPACK.config, digest: EMPTY_DIGEST, size: 2 }, layers: descs }));
  return (await client.pushManifest(name, tag, MEDIA_TYPES.ociManifest, manifest)).digest;
}

describe.skipIf(!hasRegistry())('OCI against distribution 2.8 (plain HTTP on loopback)', () => {
  let reg: TestRegistry;
  let client: RegistryClient;
  const ref = (s: string) => parseReference(`${reg.host}/${s}`);

  beforeAll(async () => {
    reg = await startRegistry();
    client = new RegistryClient(reg.host, { plainHttp: true, retryBaseMs: 20 });
  }, 30_000);
  afterAll(async () => {
    client?.close();
    await reg?.stop();
  });

  it('pushes a model folder as a ModelPack artifact and pulls it back byte for byte', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    const dir = modelDir({ 'model.safetensors': big, 'config.json': '{"a":1}', 'tokenizer/vocab.txt': 'a\nb\n', 'README.md': '# m' });
    const pushed = await pushModel(client, dir, ref('models/demo:v1'));
    expect(pushed.files).toBe(4);
    expect(pushed.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    const m = await client.getManifest(ref('models/demo:v1'));
    expect(m.digest).toBe(pushed.digest);
    expect(m.document.kind).toBe('manifest');
    if (m.document.kind !== 'manifest') return;
    expect(m.document.artifactType).toBe(MODELPACK.artifactType);
    expect(m.document.config.mediaType).toBe(MODELPACK.config);
    const byPath = new Map(m.document.layers.map((l) => [l.annotations?.[MODELPACK.filepathAnnotation], l]));
    expect(byPath.get('model.safetensors')?.mediaType).toBe(MODELPACK.weightRaw);
    expect(byPath.get('model.safetensors')?.digest).toBe(`sha256:${createHash('sha256').update(big).digest('hex')}`);
    expect(byPath.get('config.json')?.mediaType).toBe(MODELPACK.weightConfigRaw);
    expect(byPath.get('README.md')?.mediaType).toBe(MODELPACK.docRaw);

    const out = join(work, 'pulled-1');
    const r = await pullModel(client, ref('models/demo:v1'), out);
    expect(r.files).toBe(4);
    expect(listTree(out)).toEqual(['README.md', 'config.json', 'model.safetensors', 'tokenizer/vocab.txt']);
    expect(readFileSync(join(out, 'model.safetensors')).equals(big)).toBe(true);
    // An existing empty folder is filled; a file in the way is a usage error.
    const empty = join(work, 'pulled-into-empty');
    mkdirSync(empty);
    await pullModel(client, ref('models/demo:v1'), empty);
    expect(listTree(empty)).toHaveLength(4);
    writeFileSync(join(work, 'a-file'), 'x');
    await expect(pullModel(client, ref('models/demo:v1'), join(work, 'a-file'))).rejects.toThrow(/not an empty folder/);
    // Pushing again uploads nothing new.
    expect((await pushModel(client, dir, ref('models/demo:v1'))).pushedBlobs).toBe(0);
  });

  it('uploads in PATCH chunks when a chunk size is set', async () => {
    const chunked = new RegistryClient(reg.host, { plainHttp: true, chunkSize: 256 * 1024 });
    try {
      const data = Buffer.alloc(1024 * 1024 + 3);
      for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
      const dir = modelDir({ 'w.bin': data });
      const pushed = await pushModel(chunked, dir, ref('models/chunked:v1'));
      const out = join(work, 'pulled-chunked');
      await pullModel(chunked, parseReference(`${reg.host}/models/chunked@${pushed.digest}`), out);
      expect(readFileSync(join(out, 'w.bin')).equals(data)).toBe(true);
    } finally {
      chunked.close();
    }
  });

  it('signs (referrer through the sha256-<hex> tag fallback) and verifies; fails on another key, unsigned, re-pointed tag, tampered blob', async () => {
    const dir = modelDir({ 'model.safetensors': Buffer.from('weights-1'), 'config.json': '{}' });
    const pushed = await pushModel(client, dir, ref('models/signed:v1'));
    const s = await signArtifact(client, ref('models/signed:v1'), { privateKey: signer.privatePem });
    expect(s.manifestDigest).toBe(pushed.digest);
    expect(s.via).toBe('tag');
    const fallback = await client.getManifest({ name: 'models/signed', reference: `sha256-${pushed.digest.slice(7)}` });
    expect(fallback.document.kind).toBe('index');

    const ok = await verifyArtifact(client, ref('models/signed:v1'), { key: signer.publicPem });
    expect(ok.files).toBe(2);
    expect(ok.via).toBe('tag');

    await expect(verifyArtifact(client, ref('models/signed:v1'), { key: other.publicPem })).rejects.toThrow(/wrong key|invalid signature/);

    const unsignedDir = modelDir({ 'model.safetensors': Buffer.from('weights-u') });
    await pushModel(client, unsignedDir, ref('models/unsigned:v1'));
    await expect(verifyArtifact(client, ref('models/unsigned:v1'), { key: signer.publicPem })).rejects.toThrow(/unsigned: no signature refers to/);

    // Re-point the tag to other content.
    const evilDir = modelDir({ 'model.safetensors': Buffer.from('weights-evil'), 'config.json': '{}' });
    await pushModel(client, evilDir, ref('models/signed:v1'));
    await expect(verifyArtifact(client, ref('models/signed:v1'), { key: signer.publicPem })).rejects.toThrow(/unsigned/);
    // The signed digest still verifies.
    await expect(verifyArtifact(client, parseReference(`${reg.host}/models/signed@${pushed.digest}`), { key: signer.publicPem })).resolves.toMatchObject({ files: 2 });

    // Tamper with a blob in the registry's storage: same length, other bytes.
    const m = await client.getManifest(parseReference(`${reg.host}/models/signed@${pushed.digest}`));
    if (m.document.kind !== 'manifest') throw new Error('manifest expected');
    const weights = m.document.layers.find((l) => l.annotations?.[MODELPACK.filepathAnnotation] === 'model.safetensors');
    const p = reg.blobPath(weights?.digest ?? '');
    expect(existsSync(p)).toBe(true);
    writeFileSync(p, Buffer.from('weights-X'));
    await expect(verifyArtifact(client, parseReference(`${reg.host}/models/signed@${pushed.digest}`), { key: signer.publicPem })).rejects.toThrow(/digest mismatch/);
    const out = join(work, 'pulled-tampered');
    await expect(pullModel(client, parseReference(`${reg.host}/models/signed@${pushed.digest}`), out)).rejects.toThrow(/digest mismatch/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(work).filter((e) => e.includes('bulwark-pull'))).toEqual([]);
  });

  describe('hostile artifacts: refused, nothing written outside DIR, DIR not created', () => {
    const cases: Array<[string, () => Array<{ data: Buffer; mediaType: string; annotations?: Record<string, string> }>, RegExp]> = [
      ['raw layer ../x', () => [{ data: Buffer.from('x'), mediaType: MODELPACK.weightRaw, annotations: { [MODELPACK.filepathAnnotation]: '../x' } }], /escapes the target folder/],
      ['raw layer /etc/x', () => [{ data: Buffer.from('x'), mediaType: MODELPACK.weightRaw, annotations: { [MODELPACK.filepathAnnotation]: '/etc/x' } }], /absolute path/],
      ['raw layer a/../../x', () => [{ data: Buffer.from('x'), mediaType: MODELPACK.weightRaw, annotations: { [MODELPACK.filepathAnnotation]: 'a/../../x' } }], /escapes/],
      ['two layers for one file', () => [
        { data: Buffer.from('x'), mediaType: MODELPACK.weightRaw, annotations: { [MODELPACK.filepathAnnotation]: 'w.bin' } },
        { data: Buffer.from('y'), mediaType: MODELPACK.weightRaw, annotations: { [MODELPACK.filepathAnnotation]: './w.bin' } },
      ], /second layer/],
      ['tar member ../x', () => [{ data: Buffer.from(tar({ members: [{ name: '../x', data: 'evil' }] })), mediaType: MODELPACK.weightTar }], /escapes the target folder/],
      ['tar member /etc/x', () => [{ data: Buffer.from(tar({ members: [{ name: '/etc/x', data: 'evil' }] })), mediaType: MODELPACK.weightTar }], /absolute path/],
      ['tar symlink out, then a file through it', () => [{ data: Buffer.from(tar({ members: [{ name: 'link', type: '2', linkName: '/tmp' }, { name: 'link/x', data: 'evil' }] })), mediaType: MODELPACK.weightTar }], /symbolic link/],
      ['tar hard link', () => [{ data: Buffer.from(tar({ members: [{ name: 'h', type: '1', linkName: '/etc/passwd' }] })), mediaType: MODELPACK.weightTar }], /hard link/],
      ['tar character device', () => [{ data: Buffer.from(tar({ members: [{ name: 'dev', type: '3' }] })), mediaType: MODELPACK.weightTar }], /character device/],
      ['tar pax path escaping', () => [{ data: Buffer.from(tar({ members: [{ name: 'ok', data: 'evil', pax: { path: '../../pax-escape' } }] })), mediaType: MODELPACK.weightTar }], /escapes/],
      ['tar overwriting a raw layer file', () => [
        { data: Buffer.from('x'), mediaType: MODELPACK.weightRaw, annotations: { [MODELPACK.filepathAnnotation]: 'w.bin' } },
        { data: Buffer.from(tar({ members: [{ name: 'w.bin', data: 'evil' }] })), mediaType: MODELPACK.weightTar },
      ], /appears twice/],
    ];
    for (const [name, layers, expected] of cases) {
      it(name, async () => {
        const tag = `h${n++}`;
        await pushRaw(client, 'models/hostile', tag, layers());
        const parent = join(work, `hostile-${tag}`);
        mkdirSync(parent);
        const out = join(parent, 'out');
        await expect(pullModel(client, ref(`models/hostile:${tag}`), out)).rejects.toThrow(expected);
        expect(readdirSync(parent)).toEqual([]);
        expect(existsSync(join(work, 'x'))).toBe(false);
        expect(existsSync('/tmp/x')).toBe(false);
      });
    }
  });

  it('reads a well-formed tar layer (KitOps / Docker model artifacts)', async () => {
    const t = Buffer.from(tar({ members: [{ name: 'model/', type: '5' }, { name: 'model/a.bin', data: 'AAA' }, { name: 'model/sub/b.json', data: '{}', gnuLongName: true }] }));
    await pushRaw(client, 'models/kit', 'v1', [{ data: t, mediaType: 'application/vnd.kitops.modelkit.model.v1.tar' }]);
    const out = join(work, 'pulled-kit');
    const r = await pullModel(client, ref('models/kit:v1'), out);
    expect(r.files).toBe(2);
    expect(listTree(out)).toEqual(['model/a.bin', 'model/sub/b.json']);
    // Docker model artifact v0.1: a GGUF layer without a path annotation, and a config tar.
    const gguf = Buffer.from('GGUF\u0003...');
    await pushRaw(client, 'models/docker', 'v1', [
      { data: gguf, mediaType: 'application/vnd.docker.ai.gguf.v3' },
      { data: Buffer.from(tar({ members: [{ name: 'tokenizer.json', data: '{}' }] })), mediaType: 'application/vnd.docker.ai.vllm.config.tar' },
    ]);
    const out2 = join(work, 'pulled-docker');
    await pullModel(client, ref('models/docker:v1'), out2);
    expect(listTree(out2)).toEqual([`sha256-${sha256Digest(gguf).slice(7)}.gguf`, 'tokenizer.json']);
    // A container image layer is not a model artifact (yet): a usage error, not a refusal.
    await pushRaw(client, 'models/image', 'v1', [{ data: Buffer.from(tar({ members: [{ name: 'bin/sh', type: '2', linkName: 'busybox' }] })), mediaType: 'application/vnd.oci.image.layer.v1.tar' }]);
    await expect(pullModel(client, ref('models/image:v1'), join(work, 'pulled-image'))).rejects.toThrow(/container image layers are not supported yet/);
  });

  it('refuses a manifest larger than maxManifestBytes and a non-empty DIR', async () => {
    const small = new RegistryClient(reg.host, { plainHttp: true, limits: { maxManifestBytes: 100 } });
    try {
      await expect(small.getManifest(ref('models/demo:v1'))).rejects.toThrow(/maxManifestBytes/);
    } finally {
      small.close();
    }
    const full = join(work, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'keep'), 'x');
    await expect(pullModel(client, ref('models/demo:v1'), full)).rejects.toThrow(/not an empty folder/);
  });

  it('refuses --plain-http to a registry that is not on loopback', () => {
    expect(() => new RegistryClient('registry.example.com', { plainHttp: true })).toThrow(/loopback/);
    expect(() => new RegistryClient('10.0.0.1:5000', { plainHttp: true })).toThrow(/loopback/);
  });
});

describe.skipIf(!hasRegistry() || !hasHtpasswd())('OCI against distribution 2.8 (TLS with a custom CA, htpasswd Basic auth)', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startRegistry({ tls: true, auth: true });
  }, 30_000);
  afterAll(async () => {
    await reg?.stop();
  });

  it('pushes, signs, verifies and pulls with credentials from a docker config.json and the CA file', async () => {
    const client = new RegistryClient(reg.host, { ca: reg.ca as Buffer, credentials: loadRegistryCredentials(reg.dockerConfig as string, true) });
    try {
      const dir = modelDir({ 'model.gguf': Buffer.from('GGUF-ish'), 'config.json': '{}' });
      const r = parseReference(`${reg.host}/secure/model:v1`);
      await pushModel(client, dir, r);
      await signArtifact(client, r, { privateKey: signer.privatePem });
      await expect(verifyArtifact(client, r, { key: signer.publicPem })).resolves.toMatchObject({ files: 2 });
      const out = join(work, 'pulled-tls');
      const pulled = await pullModel(client, r, out);
      expect(readFileSync(join(out, 'model.gguf'), 'utf8')).toBe('GGUF-ish');
      // The attached bundle is an ordinary OMS signature of the pulled folder.
      const { descriptors } = await client.referrers('secure/model', pulled.digest, BUNDLE_ARTIFACT_TYPE);
      const sig = await client.getManifest({ name: 'secure/model', reference: descriptors[0]?.digest ?? '' });
      if (sig.document.kind !== 'manifest') throw new Error('manifest expected');
      expect(sig.document.subject?.digest).toBe(pulled.digest);
      const bundle = await client.blobBytes('secure/model', sig.document.layers[0] as { digest: string; size: number }, 1 << 20, 'maxBundleBytes');
      const v = await verifyModel(out, { signaturePath: join(work, 'not-in-folder.sig'), signatureBytes: bundle, key: signer.publicPem });
      expect(v.filesVerified).toBe(2);
    } finally {
      client.close();
    }
  });

  it('fails with one line without credentials, and without the CA', async () => {
    const noCreds = new RegistryClient(reg.host, { ca: reg.ca as Buffer, maxAttempts: 1 });
    const noCa = new RegistryClient(reg.host, { credentials: loadRegistryCredentials(reg.dockerConfig as string, true) });
    try {
      await expect(noCreds.getManifest(parseReference(`${reg.host}/secure/model:v1`))).rejects.toThrow(/authentication required \(no credentials/);
      const t0 = Date.now();
      await expect(noCa.getManifest(parseReference(`${reg.host}/secure/model:v1`))).rejects.toThrow(/SELF_SIGNED.*not trusted: --ca-file CA\.pem\)$/);
      expect(Date.now() - t0).toBeLessThan(1000); // not retried
    } finally {
      noCreds.close();
      noCa.close();
    }
  });
});
