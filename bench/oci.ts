/**
 * OCI pull throughput and `scan oci://` memory, against a real registry (Debian docker-registry,
 * distribution 2.8, plain HTTP on loopback), with baselines run on the same bytes in the same run:
 * - `bulwark pull` of a ~512 MiB model vs `cp -r` of the same model folder (goal: pull throughput
 *   ≥ 0.8 × cp's, i.e. cp seconds / pull seconds ≥ 0.8). Pull also hashes every byte (sha256) and
 *   goes through HTTP, so it is bounded by the sha256 speed of one core;
 * - peak RSS of `bulwark scan oci://REF` on the 512 MiB model and on a 64 MiB one (goal: flat — the
 *   layers are streamed to a private temporary folder, never held in memory), next to the RSS of
 *   `bulwark scan DIR` on the local folder.
 * Two more baselines show what a verified download costs on the machine: `curl` of the weights blob
 * to a file (transfer + write, no hashing), and `curl | sha256sum` (transfer + hashing, no write).
 * Skips cleanly when /usr/bin/docker-registry is absent. BULWARK_BENCH_SCALE multiplies the size.
 */
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { RegistryClient, parseReference } from '../src/oci/index.js';
import { hasRegistry, startRegistry } from '../test-fixtures/oci/registry.js';
import { CLI, benchDir } from './common.js';

const MiB = 1024 * 1024;

/** A safetensors file: one U8 tensor of `bytes` random bytes (the scanner parses the header, skips the payload). */
function writeSafetensors(path: string, bytes: number): void {
  const header = Buffer.from(JSON.stringify({ weight: { dtype: 'U8', shape: [bytes], data_offsets: [0, bytes] } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, len);
    writeSync(fd, header);
    const chunk = Buffer.alloc(16 * MiB);
    for (let left = bytes; left > 0; left -= chunk.length) {
      randomFillSync(chunk);
      writeSync(fd, chunk, 0, Math.min(left, chunk.length));
    }
  } finally {
    closeSync(fd);
  }
}

interface Sample {
  readonly seconds: number;
  /** User + system CPU seconds of the command and its children (load-independent cost). */
  readonly cpuSeconds: number;
  readonly maxRssMiB: number;
  readonly exitCode: number;
}

function timed(cmd: string, args: readonly string[], before?: () => void, runs = 3): Sample {
  const samples: Sample[] = [];
  for (let i = 0; i <= runs; i++) {
    before?.();
    const t0 = process.hrtime.bigint();
    const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (i === 0) continue; // warm-up
    const [user, sys, rss] = (r.stderr.trim().split('\n').pop() ?? '0 0 0').split(' ').map(Number);
    samples.push({ seconds, cpuSeconds: (user ?? 0) + (sys ?? 0), maxRssMiB: (rss ?? 0) / 1024, exitCode: r.status ?? -1 });
  }
  samples.sort((a, b) => a.seconds - b.seconds);
  const median = samples[Math.floor(samples.length / 2)] as Sample;
  return { ...median, maxRssMiB: samples.reduce((m, s) => Math.max(m, s.maxRssMiB), 0) };
}

export interface OciBenchResult {
  readonly skipped?: string;
  readonly modelMiB?: number;
  readonly pull?: { readonly seconds: number; readonly cpuSeconds: number; readonly mibPerSecond: number; readonly maxRssMiB: number };
  readonly cp?: { readonly seconds: number; readonly cpuSeconds: number; readonly mibPerSecond: number };
  /** 1-minute load average before and after (other work on the machine skews wall times; CPU seconds less so). */
  readonly loadAverage?: readonly [number, number];
  /** cp seconds / pull seconds (pull throughput as a fraction of cp's); goal ≥ 0.8. */
  readonly pullVsCp?: number;
  /** curl of the weights blob to a file, and curl | sha256sum (absent without curl). */
  readonly curlToFile?: { readonly seconds: number; readonly cpuSeconds: number; readonly mibPerSecond: number };
  readonly curlSha256sum?: { readonly seconds: number; readonly cpuSeconds: number; readonly mibPerSecond: number };
  readonly scanOci?: { readonly largeRssMiB: number; readonly smallRssMiB: number; readonly largeSeconds: number; readonly exitCodes: readonly number[] };
  readonly scanLocalRssMiB?: number;
}

export async function run(): Promise<OciBenchResult> {
  if (!hasRegistry()) {
    process.stdout.write('skipped: /usr/bin/docker-registry is not installed (apt-get install docker-registry)\n');
    return { skipped: 'docker-registry absent' };
  }
  if (!existsSync(CLI)) throw new Error('dist/ is missing: npm run bench builds it');
  const scale = Number(process.env.BULWARK_BENCH_SCALE ?? '1') || 1;
  const size = Math.round(512 * scale) * MiB;
  const dir = benchDir('oci');
  const large = join(dir, 'model-large');
  const small = join(dir, 'model-small');
  for (const [d, bytes] of [[large, size], [small, 64 * MiB]] as const) {
    if (!existsSync(join(d, 'model.safetensors'))) {
      mkdirSync(d, { recursive: true });
      writeSafetensors(join(d, 'model.safetensors'), bytes);
      spawnSync('sh', ['-c', `printf '{"model_type":"bench"}' > "${join(d, 'config.json')}"`]);
    }
  }
  const load0 = loadavg()[0] ?? 0;
  const reg = await startRegistry();
  const flags = ['--plain-http', '--registry-config', join(dir, 'no-auth.json')];
  spawnSync('sh', ['-c', `printf '{"auths":{}}' > "${join(dir, 'no-auth.json')}"`]);
  try {
    for (const [d, name] of [[large, 'large'], [small, 'small']] as const) {
      const r = spawnSync(process.execPath, [CLI, 'push', d, `${reg.host}/bench/${name}:v1`, '--quiet', ...flags], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`push failed: ${r.stderr}`);
    }
    const pulled = join(dir, 'pulled');
    const copied = join(dir, 'copied');
    const pull = timed(process.execPath, [CLI, 'pull', `${reg.host}/bench/large:v1`, pulled, '--quiet', ...flags], () => rmSync(pulled, { recursive: true, force: true }));
    const cp = timed('cp', ['-r', large, copied], () => rmSync(copied, { recursive: true, force: true }));
    rmSync(pulled, { recursive: true, force: true });
    rmSync(copied, { recursive: true, force: true });
    let curlFile: Sample | undefined;
    let curlHash: Sample | undefined;
    if (spawnSync('sh', ['-c', 'command -v curl']).status === 0) {
      const client = new RegistryClient(reg.host, { plainHttp: true });
      let blobUrl: string;
      try {
        const m = await client.getManifest(parseReference(`${reg.host}/bench/large:v1`));
        const layer = m.document.kind === 'manifest' ? m.document.layers.reduce((a, b) => (b.size > a.size ? b : a)) : undefined;
        blobUrl = `http://${reg.host}/v2/bench/large/blobs/${layer?.digest ?? ''}`;
      } finally {
        client.close();
      }
      const blobFile = join(dir, 'curl.bin');
      curlFile = timed('curl', ['-s', '-o', blobFile, blobUrl], () => rmSync(blobFile, { force: true }));
      rmSync(blobFile, { force: true });
      curlHash = timed('sh', ['-c', `curl -s "${blobUrl}" | sha256sum > /dev/null`]);
    }
    const scanArgs = (ref: string) => [CLI, 'scan', `oci://${ref}`, '--quiet', '--fail-on', 'none', '--format', 'json', ...flags];
    const scanLarge = timed(process.execPath, scanArgs(`${reg.host}/bench/large:v1`), undefined, 2);
    const scanSmall = timed(process.execPath, scanArgs(`${reg.host}/bench/small:v1`), undefined, 2);
    const scanLocal = timed(process.execPath, [CLI, 'scan', large, '--quiet', '--fail-on', 'none', '--format', 'json'], undefined, 2);
    const mib = size / MiB;
    const result: OciBenchResult = {
      modelMiB: mib,
      pull: { seconds: pull.seconds, cpuSeconds: pull.cpuSeconds, mibPerSecond: mib / pull.seconds, maxRssMiB: pull.maxRssMiB },
      cp: { seconds: cp.seconds, cpuSeconds: cp.cpuSeconds, mibPerSecond: mib / cp.seconds },
      loadAverage: [load0, loadavg()[0] ?? 0],
      pullVsCp: cp.seconds / pull.seconds,
      ...(curlFile !== undefined && { curlToFile: { seconds: curlFile.seconds, cpuSeconds: curlFile.cpuSeconds, mibPerSecond: mib / curlFile.seconds } }),
      ...(curlHash !== undefined && { curlSha256sum: { seconds: curlHash.seconds, cpuSeconds: curlHash.cpuSeconds, mibPerSecond: mib / curlHash.seconds } }),
      scanOci: { largeRssMiB: scanLarge.maxRssMiB, smallRssMiB: scanSmall.maxRssMiB, largeSeconds: scanLarge.seconds, exitCodes: [pull.exitCode, scanLarge.exitCode, scanSmall.exitCode] },
      scanLocalRssMiB: scanLocal.maxRssMiB,
    };
    const f = (x: number) => x.toFixed(2);
    process.stdout.write(
      [
        `load average (1 min) before/after: ${f(load0)} / ${f(loadavg()[0] ?? 0)}; CPU = user + system seconds of the client process (and its children), not the registry's`,
        `| benchmark | Bulwark | baseline | ratio | goal |`,
        `|---|---|---|---|---|`,
        `| pull ${mib} MiB model (local registry) | ${f(pull.seconds)} s (${f(mib / pull.seconds)} MiB/s, CPU ${f(pull.cpuSeconds)} s, RSS ${f(pull.maxRssMiB)} MiB) | cp -r: ${f(cp.seconds)} s (${f(mib / cp.seconds)} MiB/s, CPU ${f(cp.cpuSeconds)} s) | ${f(cp.seconds / pull.seconds)} of cp | ≥ 0.8 |`,
        ...(curlFile !== undefined ? [`| pull vs curl of the weights blob to a file (no hashing) | ${f(pull.seconds)} s, CPU ${f(pull.cpuSeconds)} s | ${f(curlFile.seconds)} s, CPU ${f(curlFile.cpuSeconds)} s | ${f(curlFile.seconds / pull.seconds)} | — |`] : []),
        ...(curlHash !== undefined ? [`| pull vs curl \\| sha256sum (no write) | ${f(pull.seconds)} s, CPU ${f(pull.cpuSeconds)} s | ${f(curlHash.seconds)} s, CPU ${f(curlHash.cpuSeconds)} s | ${f(curlHash.seconds / pull.seconds)} (CPU ${f(curlHash.cpuSeconds / pull.cpuSeconds)}) | — |`] : []),
        `| scan oci:// peak RSS, ${mib} MiB vs 64 MiB model | ${f(scanLarge.maxRssMiB)} MiB (${f(scanLarge.seconds)} s) | ${f(scanSmall.maxRssMiB)} MiB | ${f(scanLarge.maxRssMiB / scanSmall.maxRssMiB)} | flat (≈ 1) |`,
        `| scan oci:// vs scan of the local folder, peak RSS | ${f(scanLarge.maxRssMiB)} MiB | ${f(scanLocal.maxRssMiB)} MiB | ${f(scanLarge.maxRssMiB / scanLocal.maxRssMiB)} | ≈ 1 |`,
        `exit codes (pull, scan large, scan small): ${[pull.exitCode, scanLarge.exitCode, scanSmall.exitCode].join(', ')}`,
        '',
      ].join('\n'),
    );
    return result;
  } finally {
    await reg.stop();
  }
}
