/**
 * Hashing throughput of `bulwark sign` / `bulwark verify` (OMS manifests), against two baselines run
 * on the same bytes in the same run:
 * - `sha256sum` over the files (one process, what a shell script would do);
 * - the hardware limit: `openssl dgst -sha256` run as one process per core over the files (files
 *   spread over the processes by size; a single file cannot be split, so it gets one process).
 *
 * Datasets (BULWARK_BENCH_SCALE multiplies sizes and the small-file count; default 1):
 * - one 4 GiB file; eight 512 MiB files; 10,000 files of 64 KiB (625 MiB).
 * Each is measured with the `files` method (one SHA-256 stream per file, as the reference's default)
 * and the `shards` method (1 GB shards, hashed in parallel). Data is read from the page cache
 * (every file is read once before timing), so the numbers are CPU-bound hashing, as the baselines.
 * Peak RSS growth during Bulwark's hashing shows memory is flat in the model size.
 *
 * BULWARK_BENCH_DIR chooses where the data is written (default `.bench-tmp/signing`); it is removed
 * at the end. `run()` returns the results and prints a table.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomFillSync } from 'node:crypto';
import { hashModel } from '../src/model-signing/index.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export interface Measurement {
  readonly tool: string;
  readonly seconds: number;
  readonly mibPerSecond: number;
  /** CPU seconds used (user + system; all threads or child processes). */
  readonly cpuSeconds: number;
  /** Bytes hashed per CPU second, MiB: the efficiency, independent of other load on the machine. */
  readonly mibPerCpuSecond: number;
  /** Peak RSS growth during the run (Bulwark only), MiB. */
  readonly peakRssMiB?: number;
}

export interface DatasetResult {
  readonly dataset: string;
  readonly files: number;
  readonly bytes: number;
  readonly measurements: Measurement[];
  /** Bulwark `files` method vs sha256sum (target ≥ 5). */
  readonly speedupVsSha256sum: number;
  /** Bulwark best method vs sha256sum. */
  readonly bestSpeedupVsSha256sum: number;
  /** Bulwark `files` method as a fraction of openssl-per-core (target ≥ 0.8). */
  readonly fractionOfOpenssl: number;
  readonly bestFractionOfOpenssl: number;
  /** CPU seconds of sha256sum / of Bulwark's files method: per-byte efficiency, unaffected by other load. */
  readonly cpuEfficiencyVsSha256sum: number;
  /** CPU seconds of openssl / of Bulwark's files method. */
  readonly cpuEfficiencyVsOpenssl: number;
}

export interface SigningBenchResult {
  readonly scale: number;
  readonly cores: number;
  readonly cpuHasShaExtensions: boolean;
  /** `openssl speed -evp sha256` on 16 KiB blocks, one core, MiB/s: the hashing ceiling per core. */
  readonly opensslSpeedMiBPerCore?: number;
  /** 1-minute load average before and after the run (other work on the machine skews everything). */
  readonly loadAverage: readonly [number, number];
  readonly datasets: DatasetResult[];
}

export interface RunOptions {
  readonly scale?: number;
  readonly dir?: string;
  readonly quiet?: boolean;
}

function cpuHasShaNi(): boolean {
  try {
    return /\bsha_ni\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

/** Write `size` bytes of varied data (a random block, re-stamped per write) without holding them in memory. */
function writeData(path: string, size: number, block: Buffer): void {
  const fd = openSync(path, 'w');
  try {
    let left = size;
    let n = 0;
    while (left > 0) {
      block.writeUInt32LE(n++, 0);
      const len = Math.min(left, block.length);
      writeSync(fd, block, 0, len);
      left -= len;
    }
  } finally {
    closeSync(fd);
  }
}

function readAll(paths: readonly string[]): void {
  const buf = Buffer.allocUnsafe(8 * MiB);
  for (const p of paths) {
    const fd = openSync(p, 'r');
    try {
      while (readSync(fd, buf, 0, buf.length, null) > 0) {
        // warm the page cache
      }
    } finally {
      closeSync(fd);
    }
  }
}

/** Run a command; resolves its stdout and the CPU seconds (user + system) it used, from `times`. */
function exec(cmd: string, args: readonly string[], cwd: string): Promise<{ out: string; cpu: number }> {
  return new Promise((resolvePromise, reject) => {
    // `times` prints the shell's, then its children's, user and system times on stderr.
    const child = spawn('sh', ['-c', `"$0" "$@" || exit $?; times >&2`, cmd, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`${cmd} exited ${code}: ${err.slice(0, 200)}`));
        return;
      }
      const last = err.trim().split('\n').at(-1) ?? '';
      const secs = [...last.matchAll(/(\d+)m([\d.]+)s/g)].reduce((t, m) => t + Number(m[1]) * 60 + Number(m[2]), 0);
      resolvePromise({ out: Buffer.concat(out).toString(), cpu: secs });
    });
  });
}

async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T; peakRssMiB: number; cpu: number }> {
  const base = process.memoryUsage.rss();
  let peak = base;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    const value = await fn();
    const seconds = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    peak = Math.max(peak, process.memoryUsage.rss());
    return { seconds, value, peakRssMiB: (peak - base) / MiB, cpu: (c.user + c.system) / 1e6 };
  } finally {
    clearInterval(sampler);
  }
}

/** Spread files over `n` groups, largest first onto the least loaded group. */
function partition(files: ReadonlyArray<{ name: string; size: number }>, n: number): string[][] {
  const groups = Array.from({ length: n }, () => ({ bytes: 0, names: [] as string[] }));
  for (const f of [...files].sort((a, b) => b.size - a.size)) {
    const g = groups.reduce((a, b) => (b.bytes < a.bytes ? b : a));
    g.names.push(f.name);
    g.bytes += f.size;
  }
  return groups.filter((g) => g.names.length > 0).map((g) => g.names);
}

type Timed<T> = { seconds: number; value: T; peakRssMiB: number; cpu: number };

async function best<T>(runs: number, fn: () => Promise<T>): Promise<Timed<T>> {
  let winner: Timed<T> | undefined;
  for (let i = 0; i < runs; i++) {
    const r = await timed(fn);
    if (!winner || r.seconds < winner.seconds) winner = { ...r, peakRssMiB: Math.max(r.peakRssMiB, winner?.peakRssMiB ?? 0) };
  }
  return winner as Timed<T>;
}

async function measureDataset(name: string, dir: string, files: ReadonlyArray<{ name: string; size: number }>, cores: number): Promise<DatasetResult> {
  const bytes = files.reduce((s, f) => s + f.size, 0);
  const names = files.map((f) => f.name);
  readAll(names.map((f) => join(dir, f)));
  const mibps = (s: number): number => bytes / MiB / s;

  const sha = await timed(() => exec('sha256sum', names, dir));
  const expected = new Map(sha.value.out.trim().split('\n').map((l) => [l.slice(66), l.slice(0, 64)] as const));
  const groups = partition(files, cores);
  const ossl = await best(2, () => Promise.all(groups.map((g) => exec('openssl', ['dgst', '-sha256', ...g], dir))));
  const bwFiles = await best(2, () => hashModel(dir, { method: 'files', ignoreGitPaths: false }));
  for (const r of bwFiles.value.manifest.resources) {
    if (expected.get(r.name) !== r.digest) throw new Error(`bench: digest of ${r.name} differs from sha256sum`);
  }
  const bwShards = await best(2, () => hashModel(dir, { method: 'shards', ignoreGitPaths: false }));
  const osslCpu = ossl.value.reduce((t, r) => t + r.cpu, 0);
  const row = (tool: string, seconds: number, cpu: number, peakRssMiB?: number): Measurement => ({
    tool,
    seconds,
    mibPerSecond: mibps(seconds),
    cpuSeconds: cpu,
    mibPerCpuSecond: mibps(cpu),
    ...(peakRssMiB !== undefined && { peakRssMiB }),
  });
  const m: Measurement[] = [
    row('sha256sum (1 process)', sha.seconds, sha.value.cpu),
    row(`openssl dgst -sha256 (${groups.length} process${groups.length > 1 ? 'es' : ''})`, ossl.seconds, osslCpu),
    row('bulwark files method', bwFiles.seconds, bwFiles.cpu, bwFiles.peakRssMiB),
    row('bulwark shards method (1 GB shards)', bwShards.seconds, bwShards.cpu, bwShards.peakRssMiB),
  ];
  const bestBw = Math.min(bwFiles.seconds, bwShards.seconds);
  return {
    dataset: name,
    files: files.length,
    bytes,
    measurements: m,
    speedupVsSha256sum: sha.seconds / bwFiles.seconds,
    bestSpeedupVsSha256sum: sha.seconds / bestBw,
    fractionOfOpenssl: ossl.seconds / bwFiles.seconds,
    bestFractionOfOpenssl: ossl.seconds / bestBw,
    cpuEfficiencyVsSha256sum: sha.value.cpu / bwFiles.cpu,
    cpuEfficiencyVsOpenssl: osslCpu / bwFiles.cpu,
  };
}

async function opensslSpeed(): Promise<number | undefined> {
  try {
    const { out } = await exec('openssl', ['speed', '-seconds', '1', '-bytes', '16384', '-evp', 'sha256'], '.');
    const m = /sha256\s+([\d.]+)k/.exec(out);
    return m?.[1] === undefined ? undefined : (Number(m[1]) * 1000) / MiB;
  } catch {
    return undefined;
  }
}

function report(r: SigningBenchResult): string {
  const lines = [`signing hash benchmark (scale ${r.scale}, ${r.cores} cores, SHA extensions: ${r.cpuHasShaExtensions ? 'yes (sha_ni)' : 'no'})`];
  lines.push(`load average (1 min) before/after: ${r.loadAverage[0].toFixed(2)} / ${r.loadAverage[1].toFixed(2)}`);
  if (r.opensslSpeedMiBPerCore !== undefined) {
    lines.push(`CPU ceiling: openssl speed sha256 (16 KiB blocks) ${r.opensslSpeedMiBPerCore.toFixed(0)} MiB/s per core, ${(r.opensslSpeedMiBPerCore * r.cores).toFixed(0)} MiB/s on ${r.cores} cores`);
  }
  for (const d of r.datasets) {
    lines.push(`\n${d.dataset}: ${d.files} file(s), ${(d.bytes / MiB).toFixed(0)} MiB`);
    for (const m of d.measurements) {
      lines.push(
        `  ${m.tool.padEnd(40)} ${m.seconds.toFixed(2).padStart(7)} s ${m.mibPerSecond.toFixed(0).padStart(6)} MiB/s   cpu ${m.cpuSeconds.toFixed(2).padStart(6)} s ${m.mibPerCpuSecond.toFixed(0).padStart(6)} MiB/cpu-s${m.peakRssMiB === undefined ? '' : `   peak RSS +${m.peakRssMiB.toFixed(0)} MiB`}`,
      );
    }
    lines.push(`  files method: ${d.speedupVsSha256sum.toFixed(2)}x sha256sum (target 5x), ${(100 * d.fractionOfOpenssl).toFixed(0)}% of openssl per core (target 80%)`);
    lines.push(`  best method:  ${d.bestSpeedupVsSha256sum.toFixed(2)}x sha256sum, ${(100 * d.bestFractionOfOpenssl).toFixed(0)}% of openssl per core`);
    lines.push(`  CPU per byte (files method): ${d.cpuEfficiencyVsSha256sum.toFixed(2)}x less than sha256sum, ${(100 * d.cpuEfficiencyVsOpenssl).toFixed(0)}% of openssl's efficiency`);
  }
  return lines.join('\n');
}

export async function run(options: RunOptions = {}): Promise<SigningBenchResult> {
  const scale = options.scale ?? Number(process.env.BULWARK_BENCH_SCALE ?? '1');
  if (!(scale > 0)) throw new Error('BULWARK_BENCH_SCALE must be a positive number');
  const base = resolve(options.dir ?? process.env.BULWARK_BENCH_DIR ?? join('.bench-tmp', 'signing'));
  const cores = availableParallelism();
  const large = Math.max(MiB, Math.round(4 * GiB * scale));
  const eighth = Math.max(MiB / 2, Math.round(512 * MiB * scale));
  const smallCount = Math.max(100, Math.round(10_000 * scale));
  const small = 64 * 1024;
  const need = large + 8 * eighth + smallCount * small;
  mkdirSync(base, { recursive: true });
  const free = (() => {
    const s = statfsSync(base);
    return s.bavail * s.bsize;
  })();
  if (need * 1.1 > free) throw new Error(`bench needs ${(need / GiB).toFixed(1)} GiB in ${base}, ${(free / GiB).toFixed(1)} GiB free`);

  const loadBefore = loadavg()[0] ?? 0;
  const block = randomFillSync(Buffer.allocUnsafe(16 * MiB));
  const datasets: DatasetResult[] = [];
  try {
    const d1 = join(base, 'one-large');
    mkdirSync(d1, { recursive: true });
    writeData(join(d1, 'model.bin'), large, block);
    datasets.push(await measureDataset(`one ${(large / GiB).toFixed(2)} GiB file`, d1, [{ name: 'model.bin', size: large }], cores));
    rmSync(d1, { recursive: true, force: true });

    const d2 = join(base, 'eight');
    mkdirSync(d2, { recursive: true });
    const eight = Array.from({ length: 8 }, (_, i) => ({ name: `model-0000${i + 1}-of-00008.safetensors`, size: eighth }));
    for (const f of eight) writeData(join(d2, f.name), f.size, block);
    datasets.push(await measureDataset(`8 files of ${(eighth / MiB).toFixed(0)} MiB`, d2, eight, cores));
    rmSync(d2, { recursive: true, force: true });

    const d3 = join(base, 'small');
    mkdirSync(d3, { recursive: true });
    const smalls = Array.from({ length: smallCount }, (_, i) => ({ name: `t${String(i).padStart(5, '0')}.bin`, size: small }));
    for (const f of smalls) writeData(join(d3, f.name), f.size, block);
    datasets.push(await measureDataset(`${smallCount} files of 64 KiB`, d3, smalls, cores));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
  const speed = await opensslSpeed();
  const result: SigningBenchResult = { scale, cores, cpuHasShaExtensions: cpuHasShaNi(), ...(speed !== undefined && { opensslSpeedMiBPerCore: speed }), loadAverage: [loadBefore, loadavg()[0] ?? 0], datasets };
  if (!options.quiet) process.stdout.write(`${report(result)}\n`);
  return result;
}
