/**
 * The OCI verbs end to end through the CLI commands, against a real registry (Debian docker-registry,
 * distribution 2.8, plain HTTP on loopback): push → sign → verify; other key, unsigned, re-pointed tag
 * → exit 1 with one line; pull; a hostile artifact → exit 1, nothing written; scan oci:// finds a
 * malicious pickle and locates it at oci://REF@digest/<file>. Skipped when the binary is absent.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliHarness } from '../../../test-fixtures/cli-harness.js';
import { pickle } from '../../../test-fixtures/pickle-builder.js';
import type { TestRegistry } from '../../../test-fixtures/oci/registry.js';
import { hasHtpasswd, hasRegistry, startRegistry } from '../../../test-fixtures/oci/registry.js';
import { EMPTY_DIGEST, MEDIA_TYPES, MODELPACK, RegistryClient, sha256Digest } from '../../oci/index.js';
import { registerPull, registerPush } from './oci.js';
import { registerScan } from './scan.js';
import { registerSign } from './sign.js';
import { registerVerify } from './verify.js';

const root = mkdtempSync(join(tmpdir(), 'bulwark-cli-oci-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function keyFiles(name: string): { priv: string; pub: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const priv = join(root, `${name}.pem`);
  const pub = join(root, `${name}.pub`);
  writeFileSync(priv, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
  return { priv, pub };
}
const signer = keyFiles('signer');
const other = keyFiles('other');

const cli = cliHarness(registerScan, registerSign, registerVerify, registerPush, registerPull);
const run = cli.run;

let n = 0;
function model(files: Record<string, string | Uint8Array>): string {
  const dir = join(root, `m-${n++}`);
  for (const [rel, data] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), data);
  }
  return dir;
}

const EVIL = pickle((b) => b.proto(2).global('os', 'system').binUnicode('echo pwned').tuple1().reduce().stop());

describe.skipIf(!hasRegistry())('bulwark push / pull / sign / verify / scan with oci:// (distribution 2.8 on loopback)', () => {
  let reg: TestRegistry;
  const emptyConfig = join(root, 'no-auth.json');
  // No credentials from the user's home in tests.
  const flags = () => ['--plain-http', '--registry-config', emptyConfig];
  beforeAll(async () => {
    writeFileSync(emptyConfig, '{"auths":{}}');
    reg = await startRegistry();
  }, 30_000);
  afterAll(async () => {
    await reg?.stop();
  });

  it('push prints the digest; sign and verify oci:// pass; other key, unsigned and a re-pointed tag exit 1 with one line', async () => {
    const dir = model({ 'model.safetensors': 'weights', 'config.json': '{}' });
    expect(await run('push', dir, `${reg.host}/cli/model:v1`, ...flags())).toBe(0);
    const digest = cli.out.trim();
    expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(cli.err).toMatch(/^Pushed .*: 2 file\(s\)/);

    expect(await run('sign', `oci://${reg.host}/cli/model:v1`, '--key', signer.priv, ...flags())).toBe(0);
    expect(cli.out).toContain(`Signed oci://${reg.host}/cli/model@${digest}: 2 file(s)`);

    expect(await run('verify', `oci://${reg.host}/cli/model:v1`, '--key', signer.pub, ...flags())).toBe(0);
    expect(cli.out).toMatch(/^Verified oci:\/\/.*: 2 file\(s\), \d+ bytes re-hashed, signed by key [0-9a-f]{16}… \(signature found through the referrers tag fallback\)\n$/);

    expect(await run('verify', `oci://${reg.host}/cli/model:v1`, '--key', other.pub, ...flags())).toBe(1);
    expect(cli.err).toMatch(/^bulwark: verification failed: wrong key[^\n]*\n$/);

    const plain = model({ 'model.safetensors': 'other weights' });
    expect(await run('push', plain, `${reg.host}/cli/unsigned:v1`, ...flags())).toBe(0);
    expect(await run('verify', `oci://${reg.host}/cli/unsigned:v1`, '--key', signer.pub, ...flags())).toBe(1);
    expect(cli.err).toMatch(/^bulwark: verification failed: unsigned: no signature refers to [^\n]*\n$/);

    const evil = model({ 'model.safetensors': 'evil weights', 'config.json': '{}' });
    expect(await run('push', evil, `${reg.host}/cli/model:v1`, ...flags())).toBe(0);
    expect(await run('verify', `oci://${reg.host}/cli/model:v1`, '--key', signer.pub, ...flags())).toBe(1);
    expect(cli.err).toMatch(/^bulwark: verification failed: unsigned/);
    expect(await run('verify', `oci://${reg.host}/cli/model@${digest}`, '--key', signer.pub, ...flags())).toBe(0);
  });

  it('pull writes the folder; a hostile artifact exits 1 with one line and writes nothing', async () => {
    const dir = model({ 'w/model.gguf': 'gguf', 'README.md': 'hi' });
    expect(await run('push', dir, `${reg.host}/cli/pullme:v1`, ...flags())).toBe(0);
    const dest = join(root, 'pulled');
    expect(await run('pull', `${reg.host}/cli/pullme:v1`, dest, ...flags())).toBe(0);
    expect(cli.out).toMatch(/^Pulled .*: 2 file\(s\), \d+ bytes, every digest verified\n$/);
    expect(readFileSync(join(dest, 'w/model.gguf'), 'utf8')).toBe('gguf');
    // --limit applies to pull, and to scan oci:// (the scan's limits).
    expect(await run('pull', `${reg.host}/cli/pullme:v1`, join(root, 'limited'), '--limit', 'maxLayerBytes=3', ...flags())).toBe(1);
    expect(cli.err).toMatch(/^bulwark: refused: blob sha256:[0-9a-f]+ declares 4 bytes, more than maxLayerBytes \(3\)\n$/);
    expect(existsSync(join(root, 'limited'))).toBe(false);
    expect(await run('scan', `oci://${reg.host}/cli/pullme:v1`, '--limit', 'maxLayerBytes=3', '--format', 'json', '--jobs', '1', ...flags())).toBe(1);
    expect((JSON.parse(cli.out) as { findings: Array<{ ruleId: string; evidence?: string }> }).findings.find((f) => f.ruleId === 'scan/limit-exceeded')?.evidence).toBe('maxLayerBytes');

    const client = new RegistryClient(reg.host, { plainHttp: true });
    try {
      const data = Buffer.from('evil');
      const layer = { mediaType: MODELPACK.weightRaw, digest: sha256Digest(data), size: data.length, annotations: { [MODELPACK.filepathAnnotation]: '../../escaped' } };
      await client.pushBlob('cli/hostile', layer, () => data);
      await client.pushBlob('cli/hostile', { digest: EMPTY_DIGEST, size: 2 }, () => Buffer.from('{}'));
      const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: { mediaType: MODELPACK.config, digest: EMPTY_DIGEST, size: 2 }, layers: [layer] }));
      await client.pushManifest('cli/hostile', 'v1', MEDIA_TYPES.ociManifest, manifest);
    } finally {
      client.close();
    }
    const parent = join(root, 'hostile-parent');
    mkdirSync(parent);
    expect(await run('pull', `${reg.host}/cli/hostile:v1`, join(parent, 'out'), ...flags())).toBe(1);
    expect(cli.err).toMatch(/^bulwark: refused: layer 0 \(sha256:[0-9a-f]+…\): path "..\/..\/escaped" escapes the target folder \(..\)\n$/);
    expect(readdirSync(parent)).toEqual([]);
    expect(existsSync(join(root, 'escaped'))).toBe(false);

    // scan reports the refusal as a finding on a partial target (and still scans the other targets).
    const clean = model({ 'config.json': '{}' });
    expect(await run('scan', `oci://${reg.host}/cli/hostile:v1`, clean, '--format', 'json', '--jobs', '1', ...flags())).toBe(1);
    const report = JSON.parse(cli.out) as { findings: Array<{ ruleId: string; severity: string; message: string; location: { path: string } }>; targets: Array<{ path: string; status: string }> };
    const refusal = report.findings.find((f) => f.ruleId === 'oci/unsafe-artifact-entry');
    expect(refusal?.severity).toBe('high');
    expect(refusal?.message).toMatch(/escapes the target folder/);
    expect(refusal?.location.path).toMatch(new RegExp(`^oci://${reg.host}/cli/hostile@sha256:[0-9a-f]{64}$`));
    expect(report.targets.find((t) => t.path === refusal?.location.path)?.status).toBe('partial');
    expect(report.targets.some((t) => t.path.endsWith('config.json'))).toBe(true);
  });

  it('scan oci:// reports a malicious pickle at oci://REF@digest/<file> and removes its temporary folder', async () => {
    const before = new Set(readdirSync(tmpdir()).filter((e) => e.startsWith('bulwark-oci-scan-')));
    const dir = model({ 'model.pkl': EVIL, 'config.json': '{}' });
    expect(await run('push', dir, `${reg.host}/cli/evil:v1`, ...flags())).toBe(0);
    const digest = cli.out.trim();
    expect(await run('scan', `oci://${reg.host}/cli/evil:v1`, '--format', 'json', '--jobs', '1', ...flags())).toBe(1);
    const report = JSON.parse(cli.out) as { findings: Array<{ ruleId: string; severity: string; location: { path: string } }>; targets: Array<{ path: string }> };
    const hit = report.findings.find((f) => f.ruleId.startsWith('pickle/'));
    expect(hit?.severity).toBe('critical');
    expect(hit?.location.path).toBe(`oci://${reg.host}/cli/evil@${digest}/model.pkl`);
    expect(report.targets.every((t) => t.path.startsWith(`oci://${reg.host}/cli/evil@${digest}`))).toBe(true);
    const after = readdirSync(tmpdir()).filter((e) => e.startsWith('bulwark-oci-scan-') && !before.has(e));
    expect(after).toEqual([]);
  });

  it('refuses --plain-http for a registry that is not on loopback (exit 2, one line)', async () => {
    expect(await run('pull', 'registry.example.com/m:v1', join(root, 'x'), '--plain-http', '--registry-config', emptyConfig)).toBe(2);
    expect(cli.err).toMatch(/^bulwark: --plain-http is allowed only for registries on loopback addresses[^\n]*\n$/);
  });
});

describe.skipIf(!hasRegistry() || !hasHtpasswd())('oci:// over TLS with a custom CA and htpasswd Basic auth (distribution 2.8)', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startRegistry({ tls: true, auth: true });
  }, 30_000);
  afterAll(async () => {
    await reg?.stop();
  });

  it('uses --ca-file and --registry-config, or $DOCKER_CONFIG; fails with one line without them', async () => {
    const dir = model({ 'model.safetensors': 'tls weights' });
    const ref = `${reg.host}/tls/model:v1`;
    expect(await run('push', dir, ref, '--ca-file', reg.caFile as string, '--registry-config', reg.dockerConfig as string)).toBe(0);
    expect(await run('sign', `oci://${ref}`, '--key', signer.priv, '--ca-file', reg.caFile as string, '--registry-config', reg.dockerConfig as string)).toBe(0);
    const saved = process.env['DOCKER_CONFIG'];
    const dockerDir = join(root, 'docker-config-dir');
    mkdirSync(dockerDir, { recursive: true });
    writeFileSync(join(dockerDir, 'config.json'), readFileSync(reg.dockerConfig as string));
    process.env['DOCKER_CONFIG'] = dockerDir;
    try {
      expect(await run('verify', `oci://${ref}`, '--key', signer.pub, '--ca-file', reg.caFile as string)).toBe(0);
    } finally {
      if (saved === undefined) delete process.env['DOCKER_CONFIG'];
      else process.env['DOCKER_CONFIG'] = saved;
    }
    const none = join(root, 'empty-auth.json');
    writeFileSync(none, '{"auths":{}}');
    expect(await run('pull', ref, join(root, 'tls-out'), '--ca-file', reg.caFile as string, '--registry-config', none)).toBe(2);
    expect(cli.err).toMatch(/^bulwark: registry localhost:\d+: GET \/v2\/tls\/model\/manifests\/v1: authentication required \(no credentials for this registry[^\n]*\n$/);
    expect(existsSync(join(root, 'tls-out'))).toBe(false);
  }, 60_000);
});

