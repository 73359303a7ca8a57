/**
 * The admission webhook's supply-chain check (docs/supply-chain.md), against a real registry
 * (Debian docker-registry on loopback) when present, else the in-memory registry double:
 * - cold-cache latency of one pod review whose model volume is a signed ModelPack artifact of 64 MiB
 *   (OMS verification, which hashes every layer, plus the content scan through the engine), next to
 *   the baseline of the same run: the pure review() of the same AdmissionReview, and `curl`-free
 *   transfer of the same bytes (one GET of the weights blob, hashed) — the floor of a verified check;
 * - warm-cache latency (the verdict is cached per digest): goal ≤ 2 × the pure review, i.e. the cache
 *   adds no measurable work; and whether the cold check fits the default 4 s timeout.
 */
import { generateKeyPairSync, randomFillSync } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULT_SETTINGS, evaluate, imageUsesOf, makeAdmissionReview, parseAdmissionReview, policyFromDefaults, withSupplyChain } from '../src/admission/index.js';
import { engineContentScanner } from '../src/cli/supply-chain.js';
import { DEFAULT_LIMITS } from '../src/limits/index.js';
import { RegistryClient, parseReference, pushModel, signArtifact } from '../src/oci/index.js';
import { EMPTY_SUPPLY_CHAIN, SupplyChainChecker } from '../src/supply-chain/index.js';
import { startMemoryRegistry } from '../test-fixtures/oci/memory-registry.js';
import { hasRegistry, startRegistry } from '../test-fixtures/oci/registry.js';
import { benchDir } from './common.js';

const MiB = 1024 * 1024;

function safetensors(bytes: number): Buffer {
  const header = Buffer.from(JSON.stringify({ weight: { dtype: 'U8', shape: [bytes], data_offsets: [0, bytes] } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  const body = Buffer.alloc(bytes);
  randomFillSync(body);
  return Buffer.concat([len, header, body]);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

export async function run(): Promise<Record<string, unknown>> {
  const real = hasRegistry();
  const reg = real ? await startRegistry() : undefined;
  const mem = real ? undefined : await startMemoryRegistry();
  const host = reg?.host ?? mem?.host ?? '';
  const dir = join(benchDir('supply-chain'), 'model');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const size = 64 * MiB;
  writeFileSync(join(dir, 'model.safetensors'), safetensors(size));
  writeFileSync(join(dir, 'config.json'), '{"architectures":["LlamaForCausalLM"]}');
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const client = new RegistryClient(host, { plainHttp: true });
  try {
    const ref = parseReference(`${host}/models/bench:v1`);
    const pushed = await pushModel(client, dir, ref);
    await signArtifact(client, ref, { privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() });
    // The namespace enforces restricted (the pure review runs every PSS and Bulwark admission check).
    const restricted = { level: 'restricted' as const, version: 'latest' };
    const policy = policyFromDefaults({ ...DEFAULT_SETTINGS, defaults: { enforce: restricted, warn: restricted, audit: restricted } });
    const review = makeAdmissionReview({
      uid: 'bench',
      object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'llm', namespace: 'serving' }, spec: { containers: [{ name: 's', image: 'vllm/vllm-openai:v0.11.0' }], volumes: [{ name: 'm', image: { reference: `${host}/models/bench@${pushed.digest}` } }] } },
    });
    const parsed = parseAdmissionReview(review);
    if (!parsed.ok) throw new Error(parsed.message);
    const checker = new SupplyChainChecker(
      { ...EMPTY_SUPPLY_CHAIN, plainHttp: true, scopes: [{ match: [`${host}/models/*`], requireDigest: true, verify: [{ kind: 'oms', key: 'bench' }], scanBlockAt: 'high', onError: 'deny', mode: 'enforce' }] },
      { omsTrust: () => ({ key: publicKey.export({ type: 'spki', format: 'pem' }).toString() }), scanContent: engineContentScanner(DEFAULT_LIMITS), limits: DEFAULT_LIMITS },
    );
    const once = async (): Promise<{ ms: number; allowed: boolean }> => {
      const t0 = performance.now();
      const first = evaluate(review, policy);
      if (!first.ok) throw new Error(first.message);
      const r = await checker.check(imageUsesOf(parsed.request, policy));
      const ev = withSupplyChain(first.evaluation, r.findings, parsed.request, policy);
      return { ms: performance.now() - t0, allowed: !ev.modes.some((m) => m.policy === 'supply-chain') };
    };
    // Baseline: the pure review of the same request (warm JIT), median of 2,000.
    const pure: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const t0 = performance.now();
      evaluate(review, policy);
      pure.push(performance.now() - t0);
    }
    // Baseline: one verified download of the weights (GET + sha256 of every byte).
    const manifest = await client.getManifest({ name: 'models/bench', reference: pushed.digest });
    const layer = manifest.document.kind === 'manifest' ? manifest.document.layers.find((l) => l.size > MiB) : undefined;
    const t1 = performance.now();
    let got = 0;
    for await (const c of client.blob('models/bench', layer ?? { digest: '', size: 0 })) got += c.length;
    const downloadMs = performance.now() - t1;
    const cold = await once();
    const warm: number[] = [];
    for (let i = 0; i < 200; i++) warm.push((await once()).ms);
    checker.close();
    const pureMs = median(pure);
    const warmMs = median(warm);
    const result = {
      registry: real ? 'docker-registry (distribution 2.8)' : 'in-memory double',
      modelMiB: size / MiB,
      allowedByTheSupplyChain: cold.allowed,
      coldMs: Math.round(cold.ms),
      verifiedDownloadMs: Math.round(downloadMs),
      coldOverDownload: +(cold.ms / downloadMs).toFixed(2),
      coldWithinDefaultTimeout: cold.ms < 4000,
      pureReviewMs: +pureMs.toFixed(3),
      warmMs: +warmMs.toFixed(3),
      warmOverPure: +(warmMs / pureMs).toFixed(2),
      warmGoalMet: warmMs <= 2 * pureMs,
      bytes: got,
    };
    process.stdout.write(
      `registry: ${result.registry}; signed ${result.modelMiB} MiB model, allowed: ${result.allowedByTheSupplyChain}\n` +
        `cold check (OMS verify + content scan): ${result.coldMs} ms = ${result.coldOverDownload} × one verified download of the weights (${result.verifiedDownloadMs} ms); within the 4 s default timeout: ${result.coldWithinDefaultTimeout}\n` +
        `warm check (cached verdict) + review: ${result.warmMs} ms vs pure review ${result.pureReviewMs} ms = ${result.warmOverPure} × (goal ≤ 2: ${result.warmGoalMet ? 'met' : 'NOT met'})\n`,
    );
    return result;
  } finally {
    client.close();
    await reg?.stop();
    await mem?.close();
  }
}
