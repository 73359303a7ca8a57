/* eslint-disable @typescript-eslint/no-explicit-any -- tests edit decoded JSON bundles and statements freely */
import { spawnSync } from 'node:child_process';
import type { KeyObject } from 'node:crypto';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { issued, leafCert, rootCa } from '../../test-fixtures/x509-builder.js';
import { buildBundle } from './bundle.js';
import { isSignatureError } from './errors.js';
import { keyHint, pae, paeCompat } from './keys.js';
import { statementBytes, statementOf } from './manifest.js';
import type { SignOptions } from './sign.js';
import { signModel } from './sign.js';
import type { VerifyOptions } from './verify.js';
import { verifyModel } from './verify.js';

const root = mkdtempSync(join(tmpdir(), 'bulwark-sign-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const hasMkfifo = spawnSync('mkfifo', ['--version']).status === 0;

function model(files: Record<string, string | Buffer>, name = `model-${++counter}`): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [rel, data] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), data);
  }
  return dir;
}

function keys(curve: 'P-256' | 'P-384' | 'P-521' = 'P-256'): { priv: string; pub: string; privateKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
  return { priv: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), pub: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey };
}

const K = keys();

async function signTo(dir: string, options: Partial<SignOptions> = {}, sigPath = join(dir, 'model.sig')): Promise<string> {
  const r = await signModel(dir, { privateKey: K.priv, signaturePath: sigPath, ...options });
  writeFileSync(sigPath, r.bundleJson);
  return sigPath;
}

async function verifyReason(dir: string, options: Partial<VerifyOptions> & { signaturePath: string }): Promise<string> {
  try {
    await verifyModel(dir, { key: K.pub, ...options });
    return 'ok';
  } catch (e) {
    if (isSignatureError(e)) return `${e.reason}: ${e.message}`;
    throw e;
  }
}

function statementIn(sigPath: string): any {
  const b = JSON.parse(readFileSync(sigPath, 'utf8'));
  return JSON.parse(Buffer.from(b.dsseEnvelope.payload, 'base64').toString('utf8'));
}

describe('sign → verify round trip', () => {
  it.each(['P-256', 'P-384', 'P-521'] as const)('key method with %s', async (curve) => {
    const k = keys(curve);
    const dir = model({ 'config.json': '{}', 'weights/a.bin': 'aaaa', 'weights/b.bin': 'bbbb' });
    const sig = join(dir, 'model.sig');
    const r = await signModel(dir, { privateKey: k.priv, signaturePath: sig });
    writeFileSync(sig, r.bundleJson);
    expect(r.bundle).toMatchObject({ mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', verificationMaterial: { publicKey: { hint: keyHint(k.privateKey) }, tlogEntries: [] } });
    expect((r.bundle as any).dsseEnvelope.signatures[0].keyid).toBe('');
    const v = await verifyModel(dir, { signaturePath: sig, key: k.pub });
    expect(v).toMatchObject({ method: 'key', filesVerified: 3, legacy: false });
  });

  it('writes the statement the reference writes (names, order, ignore paths, subject)', async () => {
    const dir = model({ 'tok.json': '1', 'tok/vocab.json': '2', '.gitignore': 'x', '.git/HEAD': 'h', 'sub/.git': 'kept', 'cache/x': 'c' }, 'my-model');
    const sig = await signTo(dir, { ignorePaths: ['cache'] });
    const st = statementIn(sig);
    expect(st.subject[0].name).toBe('my-model');
    expect(st.predicate.resources.map((r: any) => r.name)).toEqual(['sub/.git', 'tok/vocab.json', 'tok.json']);
    expect(st.predicate.serialization).toEqual({ method: 'files', hash_type: 'sha256', allow_symlinks: false, ignore_paths: ['.git', '.gitattributes', '.github', '.gitignore', 'cache', 'model.sig'] });
    const digests = st.predicate.resources.map((r: any) => Buffer.from(r.digest, 'hex'));
    expect(st.subject[0].digest.sha256).toBe(createHash('sha256').update(Buffer.concat(digests)).digest('hex'));
    expect(await verifyReason(dir, { signaturePath: sig })).toBe('ok');
  });

  it('certificate method: leaf + chain in the bundle, verified against the root', async () => {
    const ca = rootCa('ca', 'P-384');
    const inter = issued(ca, 'inter', 'rsa');
    const leaf = leafCert(inter, 'signer', 'P-384');
    const dir = model({ 'w.bin': 'w' });
    const sig = join(dir, 'model.sig');
    const privPem = leaf.keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const r = await signModel(dir, { privateKey: privPem, certificate: leaf.pem, certificateChain: [inter.pem], signaturePath: sig });
    writeFileSync(sig, r.bundleJson);
    expect((r.bundle as any).verificationMaterial.x509CertificateChain.certificates.map((c: any) => c.rawBytes)).toEqual([leaf.der.toString('base64'), inter.der.toString('base64')]);
    expect(await verifyReason(dir, { signaturePath: sig, key: undefined, certChain: [ca.pem] } as any)).toBe('ok');
    const other = rootCa('other');
    expect(await verifyReason(dir, { signaturePath: sig, key: undefined, certChain: [other.pem] } as any)).toMatch(/^untrusted-chain: untrusted chain/);
    expect(await verifyReason(dir, { signaturePath: sig, key: undefined, certChain: [ca.pem], now: new Date(Date.now() + 2 * 365 * 86400_000) } as any)).toMatch(/^expired-certificate: expired certificate: the signing certificate .* expired on/);
    await expect(signModel(dir, { privateKey: K.priv, certificate: leaf.pem, signaturePath: sig })).rejects.toThrow(/does not match the private key/);
  });

  it('shards: reference names and algorithm, and verification per range', async () => {
    const dir = model({ 'big.bin': Buffer.alloc(25, 7), 'empty.bin': '', 'small.bin': 'abc' });
    const sig = await signTo(dir, { method: 'shards', shardSize: 10 });
    const st = statementIn(sig);
    expect(st.predicate.serialization).toMatchObject({ method: 'shards', hash_type: 'sha256', shard_size: 10 });
    expect(st.predicate.resources.map((r: any) => `${r.name} ${r.algorithm}`)).toEqual(['big.bin:0:10 sha256-sharded-10', 'big.bin:10:20 sha256-sharded-10', 'big.bin:20:25 sha256-sharded-10', 'small.bin:0:3 sha256-sharded-10']);
    expect(await verifyReason(dir, { signaturePath: sig })).toBe('ok');
    writeFileSync(join(dir, 'big.bin'), Buffer.concat([Buffer.alloc(25, 7), Buffer.from('appended')]));
    expect(await verifyReason(dir, { signaturePath: sig, ignoreUnsignedFiles: true })).toBe('file-changed: file changed: big.bin (33 bytes, signed 25)');
    const b = Buffer.alloc(25, 7);
    b[12] = 0;
    writeFileSync(join(dir, 'big.bin'), b);
    expect(await verifyReason(dir, { signaturePath: sig })).toBe('file-changed: file changed: big.bin');
  });

  it('shard offsets sort as integers (the reference Shard dataclass order)', async () => {
    const dir = model({ 'w.bin': Buffer.alloc(120, 1) });
    const sig = await signTo(dir, { method: 'shards', shardSize: 10 });
    const names = statementIn(sig).predicate.resources.map((r: any) => r.name);
    expect(names.slice(9)).toEqual(['w.bin:90:100', 'w.bin:100:110', 'w.bin:110:120']);
    expect(await verifyReason(dir, { signaturePath: sig })).toBe('ok');
  });

  it('blake2b', async () => {
    const dir = model({ a: 'a' });
    const sig = await signTo(dir, { hashType: 'blake2b' });
    expect(statementIn(sig).predicate.resources[0]).toEqual({ name: 'a', digest: createHash('blake2b512').update('a').digest('hex'), algorithm: 'blake2b' });
    expect(await verifyReason(dir, { signaturePath: sig })).toBe('ok');
  });

  it('single-file models: basename (spec) or "." (reference); both verify', async () => {
    const dir = model({ 'm.safetensors': 'weights' });
    const file = join(dir, 'm.safetensors');
    for (const form of ['basename', 'dot'] as const) {
      const sig = join(root, `single-${form}.sig`);
      const r = await signModel(file, { privateKey: K.priv, signaturePath: sig, singleFileName: form });
      writeFileSync(sig, r.bundleJson);
      const st = statementIn(sig);
      expect(st.subject[0].name).toBe('m.safetensors');
      expect(st.predicate.resources[0].name).toBe(form === 'dot' ? '.' : 'm.safetensors');
      expect(await verifyReason(file, { signaturePath: sig })).toBe('ok');
      // A "." signature names no file, so it cannot match a folder; a basename signature matches a
      // folder holding just that file (same name, same bytes).
      expect(await verifyReason(dir, { signaturePath: sig })).toBe(form === 'dot' ? 'file-missing: file missing: the signature is for a single-file model, but the model is a folder' : 'ok');
    }
  });
});

describe('verification failures say exactly what failed', () => {
  const files = { 'a.bin': 'a', 'b/c.bin': 'c', 'd.bin': 'd' };

  it('file changed, missing, added (named), and how many problems', async () => {
    const dir = model(files);
    const sig = await signTo(dir);
    writeFileSync(join(dir, 'b/c.bin'), 'C');
    expect(await verifyReason(dir, { signaturePath: sig })).toBe('file-changed: file changed: b/c.bin');
    writeFileSync(join(dir, 'b/c.bin'), 'c');
    rmSync(join(dir, 'd.bin'));
    expect(await verifyReason(dir, { signaturePath: sig })).toBe('file-missing: file missing: d.bin');
    writeFileSync(join(dir, 'd.bin'), 'd');
    writeFileSync(join(dir, 'new.bin'), 'n');
    expect(await verifyReason(dir, { signaturePath: sig })).toBe('file-added: file added: new.bin (not in the signature; --ignore-unsigned-files accepts it)');
    expect(await verifyReason(dir, { signaturePath: sig, ignoreUnsignedFiles: true })).toBe('ok');
    expect(await verifyReason(dir, { signaturePath: sig, ignorePaths: ['new.bin'] })).toBe('ok');
    rmSync(join(dir, 'a.bin'));
    expect(await verifyReason(dir, { signaturePath: sig })).toBe('file-missing: file missing: a.bin (2 problems: 1 missing, 1 added)');
    // Ignoring a signed file at verification time makes it missing (OMS §8.4).
    writeFileSync(join(dir, 'a.bin'), 'a');
    expect(await verifyReason(dir, { signaturePath: sig, ignorePaths: ['a.bin', 'new.bin'] })).toBe('file-missing: file missing: a.bin');
  });

  it('wrong key: by hint, and by signature when the bundle has no key identification', async () => {
    const dir = model(files);
    const sig = await signTo(dir);
    expect(await verifyReason(dir, { signaturePath: sig, key: keys().pub })).toMatch(/^wrong-key: wrong key: the signature was made with key [0-9a-f]{16}…, the given public key is [0-9a-f]{16}…$/);
    const b = JSON.parse(readFileSync(sig, 'utf8'));
    b.verificationMaterial.publicKey = { rawBytes: Buffer.from('garbage').toString('base64') };
    writeFileSync(sig, JSON.stringify(b));
    expect(await verifyReason(dir, { signaturePath: sig, key: keys().pub })).toMatch(/^bad-signature: invalid signature: it does not verify with the given public key/);
    expect(await verifyReason(dir, { signaturePath: sig })).toBe('ok');
  });

  it('a modified statement or signature', async () => {
    const dir = model(files);
    const sig = await signTo(dir);
    const b = JSON.parse(readFileSync(sig, 'utf8'));
    const st = JSON.parse(Buffer.from(b.dsseEnvelope.payload, 'base64').toString());
    st.predicate.resources[0].digest = createHash('sha256').update('evil').digest('hex');
    b.dsseEnvelope.payload = Buffer.from(JSON.stringify(st)).toString('base64');
    writeFileSync(sig, JSON.stringify(b));
    expect(await verifyReason(dir, { signaturePath: sig })).toBe('bad-signature: invalid signature: the statement or the signature was modified after signing');
  });

  it('wrong payload type, wrong predicate and wrong media type, with valid signatures', async () => {
    const dir = model(files);
    const good = statementOf({ modelName: 'm', serialization: { method: 'files', hashType: 'sha256', allowSymlinks: false }, resources: [] });
    const write = (payloadType: string, statement: unknown, mediaType?: string): string => {
      const payload = statementBytes(statement);
      const signature = sign('sha256', pae(payload, payloadType), { key: K.privateKey, dsaEncoding: 'der' });
      const bundle = buildBundle({ payloadType, payload, signature, keyHint: keyHint(K.privateKey) });
      if (mediaType) bundle.mediaType = mediaType;
      const p = join(root, `odd-${++counter}.sig`);
      writeFileSync(p, JSON.stringify(bundle));
      return p;
    };
    expect(await verifyReason(dir, { signaturePath: write('application/json', good) })).toBe('wrong-payload-type: wrong payload type: expected application/vnd.in-toto+json, got "application/json"');
    expect(await verifyReason(dir, { signaturePath: write('application/vnd.in-toto+json', { ...good, predicateType: 'https://slsa.dev/provenance/v1' }) })).toMatch(/^wrong-predicate: wrong predicate: expected https:\/\/model_signing\/signature\/v1.0, got "https:\/\/slsa.dev\/provenance\/v1"/);
    expect(await verifyReason(dir, { signaturePath: write('application/vnd.in-toto+json', good, 'application/vnd.dev.sigstore.bundle.v0.2+json') })).toMatch(/^wrong-media-type: wrong media type/);
  });

  it('malformed bundles, and the wrong verification method', async () => {
    const dir = model(files);
    const p = join(root, 'bad.sig');
    writeFileSync(p, '{"mediaType":');
    expect(await verifyReason(dir, { signaturePath: p })).toMatch(/^malformed-bundle: malformed bundle/);
    const sig = await signTo(dir);
    expect(await verifyReason(dir, { signaturePath: sig, key: undefined, certChain: [rootCa('x').pem] } as any)).toBe('wrong-method: wrong method: the signature uses a public key; verify it with --key');
    await expect(verifyModel(dir, { signaturePath: sig })).rejects.toThrow(/give one of --key, --cert-chain/);
    await expect(verifyModel(dir, { signaturePath: sig, key: K.pub, identity: 'a' })).rejects.toThrow(/--identity and --issuer must be given together/);
  });

  it('accepts the v0.2.0 encoding only with the v0.2.0 predicate', async () => {
    const dir = model({ 'signme-1': 'one' });
    const p384 = keys('P-384');
    const legacy = {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'signme-1', digest: { sha256: createHash('sha256').update('one').digest('hex') } }],
      predicateType: 'https://model_signing/Digests/v0.1',
      predicate: { unused: 'x' },
    };
    const write = (statement: unknown): string => {
      const payload = statementBytes(statement);
      const signature = sign('sha256', paeCompat(payload), { key: p384.privateKey, dsaEncoding: 'der' });
      const p = join(root, `legacy-${++counter}.sig`);
      writeFileSync(p, JSON.stringify(buildBundle({ payloadType: 'application/vnd.in-toto+json', payload, signature, keyHint: keyHint(p384.privateKey) })));
      return p;
    };
    const v = await verifyModel(dir, { signaturePath: write(legacy), key: p384.pub });
    expect(v.legacy).toBe(true);
    const modern = statementOf({ modelName: 'm', serialization: { method: 'files', hashType: 'sha256', allowSymlinks: false }, resources: [{ name: 'signme-1', digest: legacy.subject[0]!.digest.sha256, algorithm: 'sha256' }] });
    expect(await verifyReason(dir, { signaturePath: write(modern), key: p384.pub })).toMatch(/^bad-signature: .*only a v0.2.0 statement/);
  });
});

describe('enumeration policy', () => {
  it('refuses symlinks by default, at signing (usage) and verification (failure)', async () => {
    const dir = model({ 'a.bin': 'a' });
    symlinkSync(join(dir, 'a.bin'), join(dir, 'link.bin'));
    await expect(signModel(dir, { privateKey: K.priv, signaturePath: join(dir, 'model.sig') })).rejects.toThrow(/link.bin is a symbolic link.*--allow-symlinks/);
    const clean = model({ 'a.bin': 'a' });
    const sig = await signTo(clean);
    symlinkSync(join(clean, 'a.bin'), join(clean, 'link.bin'));
    expect(await verifyReason(clean, { signaturePath: sig })).toMatch(/^symlink: link.bin is a symbolic link/);
  });

  it('with allow_symlinks: links to files are hashed under their own name, links to directories are not followed', async () => {
    const outside = model({ 'secret.txt': 's' });
    const dir = model({ 'a.bin': 'a', 'd/x.bin': 'x' });
    symlinkSync(join(dir, 'a.bin'), join(dir, 'alias.bin'));
    symlinkSync(join(dir, 'd'), join(dir, 'dlink'));
    symlinkSync(join(outside, 'secret.txt'), join(dir, 'out.txt'));
    const sigPath = join(dir, 'model.sig');
    const r = await signModel(dir, { privateKey: K.priv, signaturePath: sigPath, allowSymlinks: true });
    writeFileSync(sigPath, r.bundleJson);
    expect(r.manifest.resources.map((x) => x.name)).toEqual(['a.bin', 'alias.bin', 'd/x.bin', 'out.txt']);
    expect(r.warnings.join('\n')).toMatch(/dlink links to a directory/);
    expect(r.warnings.join('\n')).toMatch(/out.txt links outside the model/);
    expect(statementIn(sigPath).predicate.serialization.allow_symlinks).toBe(true);
    expect(await verifyReason(dir, { signaturePath: sigPath })).toBe('ok');
    writeFileSync(join(outside, 'secret.txt'), 'changed');
    expect(await verifyReason(dir, { signaturePath: sigPath })).toBe('file-changed: file changed: out.txt');
    symlinkSync(join(dir, 'nowhere'), join(dir, 'broken'));
    expect(await verifyReason(dir, { signaturePath: sigPath })).toMatch(/^symlink: broken is a broken symbolic link/);
  });

  it.skipIf(!hasMkfifo)('refuses special files without opening them', async () => {
    const dir = model({ 'a.bin': 'a' });
    spawnSync('mkfifo', [join(dir, 'pipe')]);
    await expect(signModel(dir, { privateKey: K.priv, signaturePath: join(dir, 'model.sig') })).rejects.toThrow(/pipe is a special file/);
  });

  it('refuses file names that are not UTF-8', async () => {
    const dir = model({ 'a.bin': 'a' });
    try {
      writeFileSync(Buffer.concat([Buffer.from(`${dir}/bad-`), Buffer.from([0xff, 0xfe])]), 'x');
    } catch {
      return; // file system refuses such names: nothing to test
    }
    await expect(signModel(dir, { privateKey: K.priv, signaturePath: join(dir, 'model.sig') })).rejects.toThrow(/not valid UTF-8/);
  });

  it('refuses an empty model, a signature elsewhere is not excluded, an ignore path outside the model', async () => {
    const dir = model({ '.gitignore': 'x' });
    await expect(signModel(dir, { privateKey: K.priv, signaturePath: join(dir, 'model.sig') })).rejects.toThrow(/no regular files after applying the ignore paths/);
    const m = model({ 'a.bin': 'a' });
    const outsideSig = join(root, `outside-${++counter}.sig`);
    const r = await signModel(m, { privateKey: K.priv, signaturePath: outsideSig });
    expect(r.manifest.serialization.ignorePaths).toEqual(['.git', '.gitattributes', '.github', '.gitignore']);
    await expect(signModel(m, { privateKey: K.priv, signaturePath: outsideSig, ignorePaths: ['/etc'] })).rejects.toThrow(/not inside the model/);
    expect(existsSync(join(m, 'model.sig'))).toBe(false);
  });

  it('--no-ignore-git-paths signs the git files too', async () => {
    const dir = model({ 'a.bin': 'a', '.gitattributes': '*.bin lfs' });
    const sig = await signTo(dir, { ignoreGitPaths: false });
    const st = statementIn(sig);
    expect(st.predicate.resources.map((r: any) => r.name)).toEqual(['.gitattributes', 'a.bin']);
    expect(st.predicate.serialization.ignore_paths).toEqual(['model.sig']);
    expect(await verifyReason(dir, { signaturePath: sig })).toBe('ok');
    // Unsigned git paths are still left out at verification…
    writeFileSync(join(dir, '.gitignore'), 'x');
    expect(await verifyReason(dir, { signaturePath: sig })).toBe('ok');
    // …but the signed one is checked.
    writeFileSync(join(dir, '.gitattributes'), '*.bin text');
    expect(await verifyReason(dir, { signaturePath: sig })).toBe('file-changed: file changed: .gitattributes');
  });
});

describe('big folders go through the worker pool', () => {
  it('signs and verifies 600 files and a 12 MiB file with workers', async () => {
    const files: Record<string, Buffer> = { 'big.bin': Buffer.alloc(12 * 1024 * 1024, 3) };
    for (let i = 0; i < 600; i++) files[`shard/${String(i).padStart(4, '0')}.bin`] = Buffer.from(`part ${i}`);
    const dir = model(files);
    const sig = await signTo(dir, { jobs: 2 });
    expect(await verifyReason(dir, { signaturePath: sig, jobs: 2 })).toBe('ok');
    writeFileSync(join(dir, 'shard/0599.bin'), 'tampered');
    expect(await verifyReason(dir, { signaturePath: sig, jobs: 2 })).toBe('file-changed: file changed: shard/0599.bin');
  });
});
