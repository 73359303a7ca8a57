/**
 * The admission webhook's supply-chain check end to end over an in-memory registry (the real
 * docker-registry round trip is in supply-chain.registry.test.ts): OMS signatures made by
 * `signArtifact`, content scans by the real engine, the cache, timeouts, fail-open/fail-closed, and
 * the admission answer (denial lines, warnings, digest pins as a JSON Patch).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVIL_PICKLE } from '../../test-fixtures/model-scan-helpers.js';
import type { MemoryRegistry } from '../../test-fixtures/oci/memory-registry.js';
import { startMemoryRegistry } from '../../test-fixtures/oci/memory-registry.js';
import type { JsonObject } from '../k8s-manifests/index.js';
import { DEFAULT_SETTINGS, evaluate, evaluateMutation, imageUsesOf, makeAdmissionReview, parseAdmissionReview, policyFromDefaults, withDigestPins, withSupplyChain } from '../admission/index.js';
import { DEFAULT_LIMITS } from '../limits/index.js';
import { RegistryClient, parseReference, pushModel, signArtifact } from '../oci/index.js';
import type { CheckResult, ImageUse, SupplyChainPolicy, TrustScope } from '../supply-chain/index.js';
import { BoundedTtlCache, EMPTY_SUPPLY_CHAIN, SupplyChainChecker, parseImageReference, scopeFor, compileScopes } from '../supply-chain/index.js';
import { cosignSigTag, pushImage, simpleSigning } from '../../test-fixtures/oci/cosign.js';
import { engineContentScanner, imageVerifier } from './supply-chain.js';
import { withSupplyChainCheck } from './commands/admission.js';

const work = mkdtempSync(join(tmpdir(), 'bulwark-supply-chain-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function keyPair(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}
const signer = keyPair();
const other = keyPair();

let n = 0;
function modelDir(files: Record<string, string | Uint8Array>): string {
  const dir = join(work, `model-${n++}`);
  for (const [rel, data] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), data);
  }
  return dir;
}

let reg: MemoryRegistry;
let client: RegistryClient;
beforeAll(async () => {
  reg = await startMemoryRegistry();
  client = new RegistryClient(reg.host, { plainHttp: true, maxAttempts: 1 });
});
afterAll(async () => {
  client.close();
  await reg.close();
});

const SAFETENSORS = (() => {
  const header = Buffer.from(JSON.stringify({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([len, header, Buffer.alloc(8)]);
})();

async function publish(repo: string, files: Record<string, string | Uint8Array>, sign?: string): Promise<string> {
  const ref = parseReference(`${reg.host}/${repo}:v1`);
  const pushed = await pushModel(client, modelDir(files), ref);
  if (sign !== undefined) await signArtifact(client, ref, { privateKey: sign });
  return pushed.digest;
}

type ScopeOver = { -readonly [K in keyof TrustScope]?: TrustScope[K] | undefined };
function scope(over: ScopeOver = {}): TrustScope {
  const s = { match: [`${reg.host}/*`], requireDigest: true, verify: [{ kind: 'oms', key: 'k' }], scanBlockAt: 'high', onError: 'deny', mode: 'enforce', ...over } as Record<string, unknown>;
  if (s['scanBlockAt'] === undefined) delete s['scanBlockAt'];
  return s as unknown as TrustScope;
}

function checker(scopes: TrustScope[], over: Partial<SupplyChainPolicy> = {}, key = signer.publicPem): SupplyChainChecker {
  return new SupplyChainChecker(
    { ...EMPTY_SUPPLY_CHAIN, plainHttp: true, scopes, ...over },
    { omsTrust: () => ({ key }), scanContent: engineContentScanner(DEFAULT_LIMITS), limits: DEFAULT_LIMITS },
  );
}

const use = (reference: string, pointer = '/spec/volumes/0/image/reference'): ImageUse => ({
  reference,
  pointer,
  location: { kind: 'admission-request', path: '/validate', uid: 'u1', operation: 'CREATE', fieldPath: 'spec.volumes[0].image.reference', pointer },
});

const rules = (r: CheckResult): string[] => r.findings.map((f) => f.finding.ruleId);

describe('references and scopes', () => {
  it('reads references as the kubelet does (Docker Hub defaults, ports, tag and digest)', () => {
    expect(parseImageReference('nginx')).toMatchObject({ registry: 'docker.io', name: 'library/nginx', tag: 'latest' });
    expect(parseImageReference('bitnami/redis:7')).toMatchObject({ registry: 'docker.io', name: 'bitnami/redis', tag: '7' });
    const d = `sha256:${'a'.repeat(64)}`;
    expect(parseImageReference(`localhost:5000/models/m:v1@${d}`)).toMatchObject({ registry: 'localhost:5000', name: 'models/m', tag: 'v1', digest: d });
    expect(parseImageReference('UPPER/Case')).toBeUndefined();
    expect(parseImageReference('')).toBeUndefined();
  });

  it('takes the first scope whose pattern matches host/repository', () => {
    const scopes = compileScopes({ ...EMPTY_SUPPLY_CHAIN, scopes: [scope({ match: ['registry.example/models/*'] }), scope({ match: ['registry.example/*'], verify: [] })] });
    const ref = (s: string) => parseImageReference(s) ?? parseReference(s);
    expect(scopeFor(scopes, ref('registry.example/models/llama:v1'))?.index).toBe(0);
    expect(scopeFor(scopes, ref('registry.example/apps/web:v1'))?.index).toBe(1);
    expect(scopeFor(scopes, ref('other.example/models/llama:v1'))).toBeUndefined();
  });

  it('bounds the verdict cache by entries and time', () => {
    let now = 0;
    const c = new BoundedTtlCache<number>(2, () => now);
    c.set('a', 1, 100);
    c.set('b', 2, 100);
    expect(c.get('a')).toBe(1); // a is now the most recently used
    c.set('c', 3, 100); // b leaves
    expect(c.get('b')).toBeUndefined();
    expect(c.size).toBe(2);
    now = 100;
    expect(c.get('a')).toBeUndefined();
  });
});

describe('the checker over a registry', () => {
  it('passes a signed, clean model by digest, and answers the second time from the cache', async () => {
    const digest = await publish('models/clean', { 'model.safetensors': SAFETENSORS, 'config.json': '{}' }, signer.privatePem);
    const c = checker([scope()]);
    const r1 = await c.check([use(`${reg.host}/models/clean@${digest}`)]);
    expect(r1.findings).toEqual([]);
    expect(r1.cached).toBe(0);
    const before = reg.requests;
    const r2 = await c.check([use(`${reg.host}/models/clean@${digest}`)]);
    expect(r2.findings).toEqual([]);
    expect(r2.cached).toBe(1);
    expect(reg.requests).toBe(before);
    c.close();
  });

  it('refuses a tag where a digest is required, and pins it on /mutate', async () => {
    const digest = await publish('models/tagged', { 'model.safetensors': SAFETENSORS }, signer.privatePem);
    const c = checker([scope()]);
    const r = await c.check([use(`${reg.host}/models/tagged:v1`)]);
    expect(rules(r)).toEqual(['supply-chain/unpinned-reference']);
    expect(r.findings[0]?.finding.message).toContain('requires a digest');
    const m = await c.check([use(`${reg.host}/models/tagged:v1`)], { resolveTags: true });
    expect(m.findings).toEqual([]);
    expect(m.pins).toEqual([{ pointer: '/spec/volumes/0/image/reference', reference: `${reg.host}/models/tagged:v1`, pinned: `${reg.host}/models/tagged:v1@${digest}` }]);
    c.close();
  });

  it('denies unsigned artifacts, another key, a re-pointed tag and a tampered layer, each with one line', async () => {
    const unsigned = await publish('models/unsigned', { 'model.safetensors': SAFETENSORS });
    const byOther = await publish('models/other', { 'model.safetensors': SAFETENSORS }, other.privatePem);
    const good = await publish('models/repoint', { 'model.safetensors': SAFETENSORS }, signer.privatePem);
    // Re-point models/repoint:v1 at an unsigned manifest (pushed into the same repository).
    const evilRef = parseReference(`${reg.host}/models/repoint:v2`);
    const repointed = await pushModel(client, modelDir({ 'model.safetensors': Buffer.concat([SAFETENSORS, Buffer.from('x')]) }), evilRef);
    reg.tag('models/repoint', 'v1', repointed.digest);
    const tampered = await publish('models/tampered', { 'model.safetensors': SAFETENSORS, 'big.bin': Buffer.alloc(1000, 7) }, signer.privatePem);
    const manifest = await client.getManifest({ name: 'models/tampered', reference: tampered });
    const layer = manifest.document.kind === 'manifest' ? manifest.document.layers.find((l) => l.size === 1000) : undefined;
    reg.tamper(layer?.digest ?? '');

    const c = checker([scope({ requireDigest: false, scanBlockAt: undefined })]);
    const one = async (ref: string): Promise<string> => {
      const r = await c.check([use(ref)]);
      expect(rules(r)).toEqual(['supply-chain/signature-not-verified']);
      const msg = r.findings[0]?.finding.message ?? '';
      expect(msg).not.toContain('\n');
      return msg;
    };
    expect(await one(`${reg.host}/models/unsigned@${unsigned}`)).toContain('unsigned');
    expect(await one(`${reg.host}/models/other@${byOther}`)).toMatch(/key|signature/i);
    expect(await one(`${reg.host}/models/repoint:v1`)).toContain('unsigned');
    expect(await one(`${reg.host}/models/tampered@${tampered}`)).toContain('blob digest mismatch');
    // The good digest still verifies.
    expect((await c.check([use(`${reg.host}/models/repoint@${good}`)])).findings).toEqual([]);
    c.close();
  });

  it('denies a signed model whose content scan is critical, naming the worst finding', async () => {
    const digest = await publish('models/evil', { 'model.pkl': EVIL_PICKLE, 'config.json': '{}' }, signer.privatePem);
    const c = checker([scope()]);
    const r = await c.check([use(`${reg.host}/models/evil@${digest}`)]);
    expect(rules(r)).toEqual(['supply-chain/model-content-blocked']);
    expect(r.findings[0]?.finding.message).toMatch(/worst critical.*model\.pkl/);
    c.close();
  });

  it('fails closed (or open, as the scope says) when the registry is down, and does not cache it', async () => {
    const digest = await publish('models/flaky', { 'model.safetensors': SAFETENSORS }, signer.privatePem);
    const closed = checker([scope({ scanBlockAt: undefined })]);
    const open = checker([scope({ onError: 'allow', scanBlockAt: undefined })]);
    reg.down = true;
    try {
      const a = await closed.check([use(`${reg.host}/models/flaky@${digest}`)]);
      expect(a.findings.map((f) => [f.finding.ruleId, f.mode])).toEqual([['supply-chain/verification-unavailable', 'enforce']]);
      expect(a.findings[0]?.finding.message).toContain('fails closed');
      const b = await open.check([use(`${reg.host}/models/flaky@${digest}`)]);
      expect(b.findings.map((f) => [f.finding.ruleId, f.mode])).toEqual([['supply-chain/verification-unavailable', 'warn']]);
    } finally {
      reg.down = false;
    }
    const again = await closed.check([use(`${reg.host}/models/flaky@${digest}`)]);
    expect(again.findings).toEqual([]);
    closed.close();
    open.close();
  });

  it('treats a digest the registry does not have as a failed proof, even where the scope fails open', async () => {
    const c = checker([scope({ onError: 'allow', scanBlockAt: undefined })]);
    const r = await c.check([use(`${reg.host}/models/absent@sha256:${'d'.repeat(64)}`)]);
    expect(r.findings.map((f) => [f.finding.ruleId, f.mode])).toEqual([['supply-chain/signature-not-verified', 'enforce']]);
    expect(r.findings[0]?.finding.message).toMatch(/not in the registry .*HTTP 404/);
    c.close();
  });

  it('ends within its timeout when the registry does not answer', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer(() => undefined);
    silent.on('connection', (s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const host = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const c = new SupplyChainChecker({ ...EMPTY_SUPPLY_CHAIN, plainHttp: true, timeoutMs: 300, scopes: [{ ...scope(), match: [`${host}/*`] }] }, { omsTrust: () => ({ key: signer.publicPem }) });
    const t0 = Date.now();
    const r = await c.check([use(`${host}/models/m@sha256:${'b'.repeat(64)}`)]);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(rules(r)).toEqual(['supply-chain/verification-unavailable']);
    expect(r.findings[0]?.finding.message).toContain('300 ms');
    c.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((res) => silent.close(() => res()));
  });

  it('verifies at most maxImagesPerReview references per request (more is a fail-closed finding)', async () => {
    const c = new SupplyChainChecker({ ...EMPTY_SUPPLY_CHAIN, scopes: [scope()] }, { omsTrust: () => ({ key: signer.publicPem }), limits: { ...DEFAULT_LIMITS, maxImagesPerReview: 2 } });
    const r = await c.check([1, 2, 3].map((i) => use(`${reg.host}/models/m${i}:v1`)));
    expect(rules(r)).toEqual(['scan/limit-exceeded']);
    c.close();
  });

  it('says so when a scope asks for a verifier this build cannot run (no silent pass)', async () => {
    const digest = await publish('models/cosign', { 'model.safetensors': SAFETENSORS }, signer.privatePem);
    const c = checker([scope({ verify: [{ kind: 'cosign', key: 'x' }], scanBlockAt: undefined })]);
    const r = await c.check([use(`${reg.host}/models/cosign@${digest}`)]);
    expect(rules(r)).toEqual(['supply-chain/signature-not-verified']);
    c.close();
  });
});

describe('cosign-signed images (image-signing wired by the CLI)', () => {
  it('passes an image signed with the scope key; denies unsigned and another key; refuses a bad key file at start-up', async () => {
    const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pub = join(work, 'cosign.pub');
    writeFileSync(pub, keys.publicKey.export({ type: 'spki', format: 'pem' }));
    const signed = await pushImage(client, 'apps/web', 'v1', 'signed image');
    await cosignSigTag(client, 'apps/web', signed, simpleSigning(`${reg.host}/apps/web`, signed.digest), keys.privateKey);
    const bare = await pushImage(client, 'apps/bare', 'v1', 'unsigned image');
    const foreign = await pushImage(client, 'apps/foreign', 'v1', 'foreign image');
    await cosignSigTag(client, 'apps/foreign', foreign, simpleSigning(`${reg.host}/apps/foreign`, foreign.digest), stranger.privateKey);
    const policy: SupplyChainPolicy = { ...EMPTY_SUPPLY_CHAIN, plainHttp: true, scopes: [{ match: [`${reg.host}/apps/*`], requireDigest: true, verify: [{ kind: 'cosign', key: pub }], onError: 'deny', mode: 'enforce' }] };
    const verifyImage = imageVerifier(policy, DEFAULT_LIMITS);
    if (verifyImage === undefined) throw new Error('a cosign scope must give a verifier');
    const c = new SupplyChainChecker(policy, { omsTrust: () => ({}), verifyImage, limits: DEFAULT_LIMITS });
    expect((await c.check([use(`${reg.host}/apps/web@${signed.digest}`, '/spec/containers/0/image')])).findings).toEqual([]);
    const u = await c.check([use(`${reg.host}/apps/bare@${bare.digest}`, '/spec/containers/0/image')]);
    expect(rules(u)).toEqual(['supply-chain/signature-not-verified']);
    expect(u.findings[0]?.finding.message).toMatch(/cosign: /);
    const o = await c.check([use(`${reg.host}/apps/foreign@${foreign.digest}`, '/spec/containers/0/image')]);
    expect(rules(o)).toEqual(['supply-chain/signature-not-verified']);
    c.close();
    expect(() => imageVerifier({ ...policy, scopes: [{ ...policy.scopes[0] as TrustScope, verify: [{ kind: 'cosign', key: join(work, 'missing.pub') }] }] }, DEFAULT_LIMITS)).toThrow(/^admission\.supplyChain: cosign verifier: /);
  });
});

describe('the admission answer', () => {
  const policy = policyFromDefaults(DEFAULT_SETTINGS);
  const podWith = (image: string, volumeRef: string): JsonObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'infer', namespace: 'ml' },
    spec: { containers: [{ name: 'server', image }], volumes: [{ name: 'model', image: { reference: volumeRef, pullPolicy: 'IfNotPresent' } }] },
  });

  it('finds container images and image volumes, with fields and pointers; an unchanged update needs nothing', () => {
    const review = makeAdmissionReview({ uid: 'u1', object: podWith('nginx:1.27', 'reg.example/models/m:v1') });
    const parsed = parseAdmissionReview(review);
    if (!parsed.ok) throw new Error(parsed.message);
    const uses = imageUsesOf(parsed.request, policy);
    expect(uses.map((u) => [u.reference, u.pointer, u.location.fieldPath])).toEqual([
      ['nginx:1.27', '/spec/containers/0/image', 'spec.containers[0].image'],
      ['reg.example/models/m:v1', '/spec/volumes/0/image/reference', 'spec.volumes[0].image.reference'],
    ]);
    const update = parseAdmissionReview(makeAdmissionReview({ uid: 'u2', operation: 'UPDATE', object: podWith('nginx:1.27', 'reg.example/models/m:v2'), oldObject: podWith('nginx:1.27', 'reg.example/models/m:v1') }));
    if (!update.ok) throw new Error(update.message);
    expect(imageUsesOf(update.request, policy).map((u) => u.reference)).toEqual(['reg.example/models/m:v2']);
    const exempt = parseAdmissionReview(makeAdmissionReview({ uid: 'u3', object: podWith('a', 'b'), namespace: 'kube-system' }));
    if (!exempt.ok) throw new Error(exempt.message);
    expect(imageUsesOf(exempt.request, { ...policy, exemptions: { ...policy.exemptions, namespaces: ['kube-system'] } })).toEqual([]);
  });

  it('denies a pod whose model volume is unsigned, allows it signed, and pins tags on /mutate', async () => {
    const unsigned = await publish('models/pod-unsigned', { 'model.safetensors': SAFETENSORS });
    const signed = await publish('models/pod-signed', { 'model.safetensors': SAFETENSORS }, signer.privatePem);
    const c = checker([scope()], { resolveTags: true });
    const answer = async (volumeRef: string, endpoint: 'validate' | 'mutate' = 'validate') => {
      const review = makeAdmissionReview({ uid: 'u9', object: podWith('nginx:1.27', volumeRef) });
      const first = (endpoint === 'validate' ? evaluate : evaluateMutation)(review, policy, { path: `/${endpoint}` });
      const r = await withSupplyChainCheck(c, review, first, endpoint, policy, { path: `/${endpoint}`, maxDepth: 256 });
      if (!r.ok) throw new Error(r.message);
      return r.evaluation;
    };
    const denied = await answer(`${reg.host}/models/pod-unsigned@${unsigned}`);
    expect(denied.review.response.allowed).toBe(false);
    const lines = denied.review.response.status?.message.split('\n') ?? [];
    expect(lines[0]).toBe('bulwark: Pod "infer" in namespace "ml" fails the supply-chain policy (1 failed check):');
    expect(lines[1]).toMatch(/^- supply-chain\/signature-not-verified spec\.volumes\[0\]\.image\.reference: .*unsigned/);
    expect(denied.review.response.auditAnnotations?.['supply-chain']).toBe('supply-chain/signature-not-verified (spec.volumes[0].image.reference)');
    expect(denied.reason).toBe('supply-chain');

    const allowed = await answer(`${reg.host}/models/pod-signed@${signed}`);
    expect(allowed.review.response.allowed).toBe(true);

    const mutated = await answer(`${reg.host}/models/pod-signed:v1`, 'mutate');
    const patch = JSON.parse(Buffer.from(mutated.review.response.patch ?? '', 'base64').toString('utf8')) as unknown[];
    expect(patch).toContainEqual({ op: 'test', path: '/spec/volumes/0/image/reference', value: `${reg.host}/models/pod-signed:v1` });
    expect(patch).toContainEqual({ op: 'replace', path: '/spec/volumes/0/image/reference', value: `${reg.host}/models/pod-signed:v1@${signed}` });
    c.close();
  });

  it('turns warn-mode scopes into warnings and leaves the answer allowed', async () => {
    const unsigned = await publish('models/warned', { 'model.safetensors': SAFETENSORS });
    const c = checker([scope({ mode: 'warn', scanBlockAt: undefined })]);
    const review = makeAdmissionReview({ uid: 'u10', object: podWith('nginx:1.27', `${reg.host}/models/warned@${unsigned}`) });
    // The API server leaves request.name empty for generateName pods; the object's name is used when present.
    delete (review['request'] as Record<string, unknown>)['name'];
    const r = await withSupplyChainCheck(c, review, evaluate(review, policy), 'validate', policy, { path: '/validate', maxDepth: 256 });
    if (!r.ok) throw new Error(r.message);
    expect(r.evaluation.review.response.allowed).toBe(true);
    expect(r.evaluation.review.response.warnings?.[0]).toMatch(/^supply chain: supply-chain\/signature-not-verified/);
    const denied = await withSupplyChainCheck(checker([scope({ scanBlockAt: undefined })]), review, evaluate(review, policy), 'validate', policy, { path: '/validate', maxDepth: 256 });
    if (!denied.ok) throw new Error(denied.message);
    expect(denied.evaluation.review.response.status?.message).toMatch(/^bulwark: Pod "infer" in namespace "ml" fails/);
    c.close();
  });

  it('keeps digest pins after the add-only mutation patch', () => {
    const review = makeAdmissionReview({ uid: 'u11', object: podWith('nginx:1.27', 'reg.example/m:v1') });
    const first = evaluateMutation(review, policy);
    if (!first.ok) throw new Error(first.message);
    const pinned = withDigestPins(first.evaluation, [{ pointer: '/spec/containers/0/image', reference: 'nginx:1.27', pinned: `nginx:1.27@sha256:${'c'.repeat(64)}` }]);
    const ops = JSON.parse(Buffer.from(pinned.review.response.patch ?? '', 'base64').toString('utf8')) as Array<{ op: string }>;
    expect(ops.at(-1)).toMatchObject({ op: 'replace' });
    expect(ops.length).toBeGreaterThan(2); // the existing add operations stay in front
    const parsed = parseAdmissionReview(review);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(withSupplyChain(first.evaluation, [], parsed.request, policy)).toBe(first.evaluation);
  });
});
