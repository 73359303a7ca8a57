/**
 * Gateway budgets (issue 18): acquire + release per operation, memory store and Redis store, against
 * a baseline measured in the same run: a bare PING round trip to the same redis-server (Debian's,
 * started here on a free loopback port, no persistence). The Redis store's design is one round trip
 * per acquire and one per release, so its goal is an acquire+release within 3 PINGs (2 round trips
 * plus the scripts' work); the memory store's goal is under 5 µs per acquire+release (the gateway
 * calls it at ~1,000 requests/s with a sub-millisecond budget). Also: Redis at 32 requests in flight
 * (ops/s and p99). Skipped when redis-server is not installed.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { memoryBudgetStore, redisBudgetStore } from '../src/gateway/budget/index.js';
import type { BudgetLimits, BudgetStore } from '../src/gateway/budget/index.js';
import { freePort } from '../test-fixtures/net.js';
import type { BenchRow } from './common.js';
import { printRows } from './common.js';

const LIMITS: BudgetLimits = { requestsPerSecond: 1e6, requestBurst: 1e6, tokensPerMinute: 1e12, maxConcurrent: 1000, maxQueue: 0, queueTimeoutMs: 0 };
const TENANTS = Array.from({ length: 100 }, (_, i) => `tenant-${i}`);

async function startRedis(): Promise<{ proc: ChildProcess; url: string }> {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error('redis-server did not start')), 10_000);
    proc.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('Ready to accept connections')) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  proc.stdout?.resume();
  return { proc, url: `redis://127.0.0.1:${port}` };
}

/** Sequential acquire+release; µs per pair (best of `rounds`). */
async function perOp(store: BudgetStore, n: number, rounds = 3): Promise<number> {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const d = await store.acquire(TENANTS[i % TENANTS.length] as string, 100, LIMITS);
      if (!d.ok) throw new Error(`refused: ${d.reason}`);
      await store.release(d.reservation, 80);
    }
    best = Math.min(best, ((performance.now() - t0) * 1000) / n);
  }
  return best;
}

async function pingUs(client: Redis, n: number, rounds = 3): Promise<number> {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await client.ping();
    best = Math.min(best, ((performance.now() - t0) * 1000) / n);
  }
  return best;
}

/** `workers` loops of acquire+release in parallel for `ms`; ops/s and p99 latency (ms) of a pair. */
async function concurrent(store: BudgetStore, workers: number, ms: number): Promise<{ opsPerSecond: number; p99Ms: number }> {
  const lat: number[] = [];
  const end = performance.now() + ms;
  let ops = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      let i = w;
      while (performance.now() < end) {
        const t0 = performance.now();
        const d = await store.acquire(TENANTS[i++ % TENANTS.length] as string, 100, LIMITS);
        if (d.ok) await store.release(d.reservation, 80);
        lat.push(performance.now() - t0);
        ops++;
      }
    }),
  );
  lat.sort((a, b) => a - b);
  return { opsPerSecond: (ops * 1000) / ms, p99Ms: lat[Math.floor(lat.length * 0.99)] ?? 0 };
}

export async function run(): Promise<unknown> {
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    process.stdout.write('gateway-budget: skipped (redis-server is not installed)\n');
    return { skipped: 'redis-server not installed' };
  }
  const { proc, url } = await startRedis();
  const ping = new Redis(url);
  const mem = memoryBudgetStore();
  const red = redisBudgetStore({ url, keyPrefix: 'bench:', commandTimeoutMs: 1000 });
  try {
    await perOp(mem, 50_000, 1); // warm-up (JIT)
    await perOp(red, 2_000, 1);
    await pingUs(ping, 2_000, 1);
    const pingBase = await pingUs(ping, 10_000);
    const memUs = await perOp(mem, 500_000);
    const redUs = await perOp(red, 10_000);
    const conc = await concurrent(red, 32, 2_000);
    const rows: BenchRow[] = [
      { bench: 'budget acquire+release, memory store', subject: 'memory', seconds: memUs, unit: 'µs', baseline: 'redis PING round trip', baselineSeconds: pingBase, ratio: memUs / pingBase, goal: '< 5 µs per acquire+release', pass: memUs < 5 },
      { bench: 'budget acquire+release, redis store', subject: 'redis (2 EVALSHA)', seconds: redUs, unit: 'µs', baseline: 'redis PING round trip', baselineSeconds: pingBase, ratio: redUs / pingBase, goal: '<= 3x one PING (2 round trips)', pass: redUs / pingBase <= 3 },
    ];
    printRows(rows);
    const info = { pingUs: Math.round(pingBase * 10) / 10, memoryUs: Math.round(memUs * 1000) / 1000, redisUs: Math.round(redUs * 10) / 10, redis32InFlightOpsPerSecond: Math.round(conc.opsPerSecond), redis32InFlightP99Ms: Math.round(conc.p99Ms * 100) / 100 };
    process.stdout.write(`  ${JSON.stringify(info)}\n`);
    return { rows, info };
  } finally {
    await red.close();
    await mem.close();
    ping.disconnect();
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
}

if (process.argv[1] !== undefined && /gateway-budget\.[jt]s$/.test(process.argv[1])) await run();
