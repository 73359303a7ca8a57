/**
 * Issue 14's round trip against the real registry (Debian docker-registry, distribution 2.8, plain
 * HTTP on loopback), through the CLI as a user runs it: `push` → `sign` → `verify` → `admission review`
 * with a bulwark.yaml trust scope allows a pod that mounts the model by digest; a tag, an unsigned
 * artifact, another key, a re-pointed tag (pinned by /mutate), a layer tampered in the registry's
 * storage and a model whose content scan is critical are each denied with a one-line reason.
 * Skipped when the binary is absent.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliHarness } from '../../../test-fixtures/cli-harness.js';
import { EVIL_PICKLE } from '../../../test-fixtures/model-scan-helpers.js';
import type { TestRegistry } from '../../../test-fixtures/oci/registry.js';
import { hasRegistry, startRegistry } from '../../../test-fixtures/oci/registry.js';
import { RegistryClient } from '../../oci/index.js';
import { registerAdmission } from './admission.js';
import { registerPush } from './oci.js';
import { registerSign } from './sign.js';
import { registerVerify } from './verify.js';

const root = mkdtempSync(join(tmpdir(), 'bulwark-cli-sc-'));
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

const cli = cliHarness(registerSign, registerVerify, registerPush, registerAdmission);
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

const weights = (() => {
  const header = Buffer.from(JSON.stringify({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([len, header, Buffer.alloc(8, 1)]);
})();

describe.skipIf(!hasRegistry())('supply chain at admission against distribution 2.8 on loopback', () => {
  let reg: TestRegistry;
  const emptyAuth = join(root, 'no-auth.json');
  const flags = () => ['--plain-http', '--registry-config', emptyAuth];
  let config = '';
  beforeAll(async () => {
    writeFileSync(emptyAuth, '{"auths":{}}');
    reg = await startRegistry();
    mkdirSync(join(root, 'cfg', 'keys'), { recursive: true });
    writeFileSync(join(root, 'cfg', 'keys', 'models.pub'), readFileSync(signer.pub));
    config = join(root, 'cfg', 'bulwark.yaml');
    writeFileSync(
      config,
      [
        'version: 1',
        'admission:',
        '  supplyChain:',
        '    plainHttp: true',
        `    registryConfig: ${emptyAuth}`,
        '    timeout: 20s',
        '    scopes:',
        `      - match: ${reg.host}/models/*`,
        '        verify:',
        '          - oms: { key: keys/models.pub }',
        '        scan: { blockAt: high }',
        '',
      ].join('\n'),
    );
  }, 30_000);
  afterAll(async () => {
    await reg?.stop();
  });

  async function publish(repo: string, files: Record<string, string | Uint8Array>, key?: string): Promise<string> {
    expect(await run('push', model(files), `${reg.host}/${repo}`, ...flags(), '-q')).toBe(0);
    const digest = cli.out.trim();
    if (key !== undefined) expect(await run('sign', `oci://${reg.host}/${repo}`, '--key', key, ...flags())).toBe(0);
    return digest;
  }

  function podReview(reference: string): string {
    const file = join(root, `review-${n++}.json`);
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'llm', namespace: 'serving' },
      spec: { containers: [{ name: 'server', image: 'vllm/vllm-openai:v0.11.0', volumeMounts: [{ name: 'model', mountPath: '/models' }] }], volumes: [{ name: 'model', image: { reference } }] },
    };
    const review = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: { uid: `uid-${n}`, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, name: 'llm', namespace: 'serving', operation: 'CREATE', userInfo: { username: 'dev' }, object: pod },
    };
    writeFileSync(file, JSON.stringify(review));
    return file;
  }

  async function review(reference: string, ...extra: string[]): Promise<{ code: number; allowed: boolean; lines: string[]; patch?: unknown[] }> {
    const code = await run('admission', 'review', podReview(reference), '-c', config, ...extra);
    const r = JSON.parse(cli.out) as { response: { allowed: boolean; status?: { message: string }; patch?: string } };
    return {
      code,
      allowed: r.response.allowed,
      lines: r.response.status?.message.split('\n') ?? [],
      ...(r.response.patch !== undefined && { patch: JSON.parse(Buffer.from(r.response.patch, 'base64').toString('utf8')) as unknown[] }),
    };
  }

  it('push → sign → verify → admission allows the pod that mounts the model by digest', async () => {
    const digest = await publish('models/llama:v1', { 'model.safetensors': weights, 'config.json': '{}' }, signer.priv);
    expect(await run('verify', `oci://${reg.host}/models/llama@${digest}`, '--key', signer.pub, ...flags())).toBe(0);
    const ok = await review(`${reg.host}/models/llama@${digest}`);
    expect(ok).toMatchObject({ code: 0, allowed: true });
  });

  it('denies a tag, an unsigned artifact and another key, each with one line', async () => {
    const signed = await publish('models/tagged:v1', { 'model.safetensors': weights }, signer.priv);
    const tag = await review(`${reg.host}/models/tagged:v1`);
    expect(tag).toMatchObject({ code: 1, allowed: false });
    expect(tag.lines[1]).toMatch(/^- supply-chain\/unpinned-reference spec\.volumes\[0\]\.image\.reference: .* requires a digest/);
    expect(signed).toMatch(/^sha256:/);

    const unsigned = await publish('models/unsigned:v1', { 'model.safetensors': weights });
    const u = await review(`${reg.host}/models/unsigned@${unsigned}`);
    expect(u).toMatchObject({ code: 1, allowed: false });
    expect(u.lines).toHaveLength(2);
    expect(u.lines[1]).toMatch(/^- supply-chain\/signature-not-verified .*unsigned: no signature refers to/);

    const byOther = await publish('models/other:v1', { 'model.safetensors': weights }, other.priv);
    const o = await review(`${reg.host}/models/other@${byOther}`);
    expect(o).toMatchObject({ code: 1, allowed: false });
    expect(o.lines[1]).toMatch(/^- supply-chain\/signature-not-verified /);
  });

  it('a re-pointed tag: /mutate pins the new digest, and validation denies it as unsigned', async () => {
    const first = await publish('models/moving:v1', { 'model.safetensors': weights }, signer.priv);
    const second = await publish('models/moving:v1', { 'model.safetensors': Buffer.concat([weights, Buffer.from('!')]) });
    expect(second).not.toBe(first);
    writeFileSync(config, `${readFileSync(config, 'utf8').replace('    plainHttp: true\n', '    plainHttp: true\n    resolveTags: true\n')}`);
    const m = await review(`${reg.host}/models/moving:v1`, '--mutate');
    expect(m.code).toBe(0);
    expect(m.patch).toContainEqual({ op: 'replace', path: '/spec/volumes/0/image/reference', value: `${reg.host}/models/moving:v1@${second}` });
    const v = await review(`${reg.host}/models/moving:v1@${second}`);
    expect(v).toMatchObject({ code: 1, allowed: false });
    expect(v.lines[1]).toContain('unsigned');
  });

  it('denies a layer tampered with in the registry storage, and a signed model whose scan is critical', async () => {
    const digest = await publish('models/tampered:v1', { 'model.safetensors': weights, 'config.json': '{"a":1}' }, signer.priv);
    const client = new RegistryClient(reg.host, { plainHttp: true });
    const m = await client.getManifest({ name: 'models/tampered', reference: digest });
    client.close();
    const layer = m.document.kind === 'manifest' ? m.document.layers.find((l) => l.annotations?.['org.cncf.model.filepath'] === 'model.safetensors') : undefined;
    const p = reg.blobPath(layer?.digest ?? '');
    const bytes = readFileSync(p);
    bytes[bytes.length - 1] = 7;
    writeFileSync(p, bytes);
    const t = await review(`${reg.host}/models/tampered@${digest}`);
    expect(t).toMatchObject({ code: 1, allowed: false });
    expect(t.lines[1]).toMatch(/^- supply-chain\/signature-not-verified .*blob digest mismatch/);

    const evil = await publish('models/evil:v1', { 'model.pkl': EVIL_PICKLE, 'config.json': '{}' }, signer.priv);
    const e = await review(`${reg.host}/models/evil@${evil}`);
    expect(e).toMatchObject({ code: 1, allowed: false });
    expect(e.lines[1]).toMatch(/^- supply-chain\/model-content-blocked .*worst critical.*model\.pkl/);
  });

  it('refuses a configuration whose key file is missing, with one line and exit 2', async () => {
    const bad = join(root, 'cfg', 'bad.yaml');
    writeFileSync(bad, readFileSync(config, 'utf8').replace('keys/models.pub', 'keys/missing.pub'));
    expect(await run('admission', 'review', podReview(`${reg.host}/models/x@sha256:${'a'.repeat(64)}`), '-c', bad)).toBe(2);
    expect(cli.err).toMatch(/^bulwark: admission\.supplyChain: cannot read the OMS public key .*missing\.pub \(ENOENT\)\n$/);
  });
});
