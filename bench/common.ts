/**
 * Shared helpers for the benchmarks: every goal is a ratio against a baseline measured in the same run
 * on the same bytes (page cache warmed first), never an absolute time in a unit test.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist/bulwark.mjs');

/** CPU time (user + system, ms) a process has used, from /proc (Linux); undefined elsewhere or once it has exited. */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    // After "pid (comm) ": state is field 0, utime field 11, stime field 12 (clock ticks, 100/s on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

export function benchDir(name: string): string {
  const dir = join(process.env.BULWARK_BENCH_DIR ?? join(ROOT, '.bench-tmp'), name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface Timing {
  readonly seconds: number;
  /** Peak resident set size of the process (KiB → MiB), from GNU time. */
  readonly maxRssMiB: number;
  readonly exitCode: number;
}

/** Drop `paths` (files, or every file under a directory) from the page cache (posix_fadvise via dd). */
export function evict(paths: readonly string[]): void {
  const files: string[] = [];
  for (const p of paths) {
    if (statSync(p).isDirectory()) for (const f of readdirSync(p)) files.push(join(p, f));
    else files.push(p);
  }
  for (const f of files) spawnSync('dd', [`if=${f}`, 'iflag=nocache', 'count=0', 'status=none']);
}

/**
 * Run a command `runs` times (after one warm-up) and return the median wall time and the max RSS.
 * With `cold`, the files are evicted from the page cache before every run.
 */
export function timeCommand(cmd: string, args: readonly string[], runs = 3, cold?: readonly string[]): Timing {
  const samples: Timing[] = [];
  for (let i = 0; i <= runs; i++) {
    if (cold) evict(cold);
    const t0 = process.hrtime.bigint();
    const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const rssLine = r.stderr.trim().split('\n').pop() ?? '0';
    if (i > 0) samples.push({ seconds, maxRssMiB: Number(rssLine) / 1024, exitCode: r.status ?? -1 });
  }
  samples.sort((a, b) => a.seconds - b.seconds);
  const median = samples[Math.floor(samples.length / 2)] as Timing;
  return { ...median, maxRssMiB: Math.max(...samples.map((s) => s.maxRssMiB)) };
}

/** `bulwark scan` on paths, report discarded. */
export function timeScan(paths: readonly string[], extra: readonly string[] = [], runs = 3, cold = false): Timing {
  return timeCommand(process.execPath, [CLI, 'scan', '--quiet', '--fail-on', 'none', '--format', 'json', ...extra, ...paths], runs, cold ? paths : undefined);
}

/** `cat` of the same bytes, the read-speed baseline. */
export function timeCat(paths: readonly string[], runs = 3, cold = false): Timing {
  const files = paths.flatMap((p) => (statSync(p).isDirectory() ? readdirSync(p).map((f) => join(p, f)) : [p]));
  return timeCommand('cat', files, runs, cold ? paths : undefined);
}

/** In-process scan time (engine already loaded): first run and steady state, from bench/scan-once.ts. */
export function timeInProcess(path: string): { first: number; second: number; rssMiB: number } {
  const r = spawnSync(process.execPath, [join(ROOT, 'dist/bench/scan-once.js'), path], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(r.stdout) as { first: number; second: number; rssMiB: number };
}

export interface BenchRow {
  readonly bench: string;
  readonly subject: string;
  readonly seconds: number;
  readonly baseline: string;
  readonly baselineSeconds: number;
  /** subject time / baseline time (lower is faster). */
  readonly ratio: number;
  readonly maxRssMiB?: number;
  readonly goal: string;
  readonly pass: boolean;
  /** Unit of `seconds`/`baselineSeconds` when the row compares something else (default `s`). */
  readonly unit?: string;
}

export function printRows(rows: readonly BenchRow[]): void {
  const line = (r: BenchRow): string =>
    `${r.bench.padEnd(44)} ${r.seconds.toFixed(3).padStart(8)} ${(r.unit ?? 's').padEnd(3)} vs ${r.baseline.padEnd(22)} ${r.baselineSeconds.toFixed(3).padStart(8)} ${(r.unit ?? 's').padEnd(3)} ratio ${r.ratio.toFixed(3).padStart(7)}` +
    `${r.maxRssMiB === undefined ? '' : `  rss ${r.maxRssMiB.toFixed(0).padStart(5)} MiB`}  ${r.pass ? 'PASS' : 'MISS'}  (${r.goal})`;
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
}
