/**
 * The Redis store against a real redis-server (Debian's; started here on a free loopback port, no
 * persistence). Skipped when the binary is absent (.ci/run installs it).
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test-fixtures/net.js';
import { memoryBudgetStore, redisBudgetStore } from './index.js';
import type { BudgetDecision, BudgetLimits, BudgetStore, Reservation } from './index.js';
import { tenantKeyPart } from './redis.js';

const haveRedis = spawnSync('redis-server', ['--version']).status === 0;

const L = (o: Partial<BudgetLimits> = {}): BudgetLimits => ({ requestsPerSecond: 0, requestBurst: 0, tokensPerMinute: 0, maxConcurrent: 0, maxQueue: 0, queueTimeoutMs: 0, ...o });
let n = 0;
const prefix = (): string => `test:${process.pid}:${++n}:`;
const held = (d: BudgetDecision): Reservation => {
  if (!d.ok) throw new Error(`refused: ${d.reason}`);
  return d.reservation;
};

async function startRedis(): Promise<{ proc: ChildProcess; url: string }> {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
    proc.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('Ready to accept connections')) {
        clearTimeout(t);
        resolve();
      }
    });
    proc.once('exit', (code) => reject(new Error(`redis-server exited ${code}: ${out}`)));
  });
  proc.stdout?.resume();
  return { proc, url: `redis://127.0.0.1:${port}` };
}

async function stopRedis(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill('SIGCONT');
  proc.kill('SIGTERM');
  await new Promise((r) => proc.once('exit', r));
}

describe.skipIf(!haveRedis)('redis budget store (real redis-server)', () => {
  let proc: ChildProcess;
  let url: string;
  const stores: BudgetStore[] = [];
  const store = (o: Partial<Parameters<typeof redisBudgetStore>[0]> = {}): BudgetStore => {
    const s = redisBudgetStore({ url, keyPrefix: prefix(), commandTimeoutMs: 500, ...o });
    stores.push(s);
    return s;
  };
  beforeAll(async () => {
    ({ proc, url } = await startRedis());
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await stopRedis(proc);
  });

  it('differential: the same scripted sequences give the same decisions as the memory store', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 2_000 }) }),
            fc.record({ op: fc.constant('acquire' as const), tenant: fc.constantFrom('a', 'b', 'tenant/with:odd{chars}'), est: fc.integer({ min: 0, max: 400 }) }),
            fc.record({ op: fc.constant('release' as const), k: fc.nat(), used: fc.option(fc.integer({ min: 0, max: 600 }), { nil: undefined }) }),
          ),
          { minLength: 20, maxLength: 60 },
        ),
        fc.record({ requestsPerSecond: fc.constantFrom(0, 0.5, 3, 7), requestBurst: fc.integer({ min: 0, max: 5 }), tokensPerMinute: fc.constantFrom(0, 333, 1000, 6000), maxConcurrent: fc.integer({ min: 0, max: 3 }) }),
        async (steps, lim) => {
          let t = 1_700_000_000_000;
          const clock = (): number => t;
          const l = L(lim);
          const mem = memoryBudgetStore({ now: clock });
          const red = redisBudgetStore({ url, keyPrefix: prefix(), commandTimeoutMs: 1_000, clock });
          try {
            const open: [Reservation, Reservation][] = [];
            for (const st of steps) {
              if (st.op === 'advance') t += st.ms;
              else if (st.op === 'acquire') {
                const a = await mem.acquire(st.tenant, st.est, l);
                const b = await red.acquire(st.tenant, st.est, l);
                expect(b.ok ? 'ok' : `${b.reason} ${b.retryAfterMs}`).toBe(a.ok ? 'ok' : `${a.reason} ${a.retryAfterMs}`);
                if (a.ok && b.ok) open.push([a.reservation, b.reservation]);
              } else if (open.length > 0) {
                const [pair] = open.splice(st.k % open.length, 1);
                if (pair === undefined) continue;
                await mem.release(pair[0], st.used);
                await red.release(pair[1], st.used);
              }
            }
          } finally {
            await red.close();
            await mem.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);

  it('two replicas share one limit (buckets and concurrency)', async () => {
    const p = prefix();
    const a = store({ keyPrefix: p });
    const b = store({ keyPrefix: p });
    const l = L({ requestsPerSecond: 0.001, requestBurst: 10 });
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? a : b).acquire('shared', 0, l)));
    expect(results.filter((d) => d.ok)).toHaveLength(10);
    expect(results.filter((d) => !d.ok && d.reason === 'requests')).toHaveLength(20);

    const c = L({ maxConcurrent: 3 });
    const h = [held(await a.acquire('slots', 0, c)), held(await b.acquire('slots', 0, c)), held(await a.acquire('slots', 0, c))];
    expect(await b.acquire('slots', 0, c)).toMatchObject({ ok: false, reason: 'concurrency' });
    await a.release(h[0] as Reservation, undefined);
    expect((await b.acquire('slots', 0, c)).ok).toBe(true);
    // A waiter on replica b gets the slot replica a frees (the queue is local, the limit global).
    const q = L({ maxConcurrent: 3, maxQueue: 4, queueTimeoutMs: 2_000 });
    const waiting = b.acquire('slots', 0, q);
    await new Promise((r) => setTimeout(r, 30));
    await a.release(h[1] as Reservation, undefined);
    const t0 = performance.now();
    expect((await waiting).ok).toBe(true);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(await b.acquire('slots', 0, { ...q, queueTimeoutMs: 60 })).toMatchObject({ ok: false, reason: 'queue-timeout' });
  });

  it('tokens are reserved and settled across replicas', async () => {
    const p = prefix();
    const a = store({ keyPrefix: p });
    const b = store({ keyPrefix: p });
    const l = L({ tokensPerMinute: 1000 });
    const r = held(await a.acquire('t', 900, l));
    expect(await b.acquire('t', 200, l)).toMatchObject({ ok: false, reason: 'tokens' });
    await a.release(r, 100); // 800 back
    expect((await b.acquire('t', 800, l)).ok).toBe(true);
  });

  it('a crashed replica cannot leak slots: expired leases are reaped', async () => {
    const s = store({ leaseMs: 100 });
    const l = L({ maxConcurrent: 1 });
    held(await s.acquire('t', 0, l)); // never released
    expect(await s.acquire('t', 0, l)).toMatchObject({ ok: false, reason: 'concurrency' });
    await new Promise((r) => setTimeout(r, 150));
    expect((await s.acquire('t', 0, l)).ok).toBe(true);
  });

  it('keys: tenant names cannot inject key syntax; keys have TTLs; the scripts survive SCRIPT FLUSH', async () => {
    const p = prefix();
    const s = store({ keyPrefix: p });
    const l = L({ requestsPerSecond: 1, requestBurst: 2, tokensPerMinute: 100, maxConcurrent: 2 });
    for (const t of ['plain-Tenant_1.x', 'a}:b\n{c', 'x'.repeat(65), 'ü', '']) held(await s.acquire(t, 1, l));
    const admin = new Redis(url);
    try {
      const keys = (await admin.keys(`${p}*`)).sort();
      expect(keys).toHaveLength(10);
      for (const k of keys) {
        expect(k).toMatch(/^test:\d+:\d+:\{[A-Za-z0-9._~-]+\}:[bl]$/);
        expect(await admin.pttl(k)).toBeGreaterThan(0);
      }
      expect(keys).toContain(`${p}{plain-Tenant_1.x}:b`);
      expect(tenantKeyPart('a}:b\n{c')).toMatch(/^~[0-9a-f]{32}$/);
      await admin.script('FLUSH');
      expect((await s.acquire('plain-Tenant_1.x', 1, l)).ok).toBe(true);
    } finally {
      admin.disconnect();
    }
  });

  it('uses the Redis clock when none is injected (refill happens in real time)', async () => {
    const s = store();
    const l = L({ requestsPerSecond: 20, requestBurst: 1 });
    held(await s.acquire('t', 0, l));
    const d = await s.acquire('t', 0, l);
    expect(d).toMatchObject({ ok: false, reason: 'requests' });
    expect(!d.ok && d.retryAfterMs > 0 && d.retryAfterMs <= 50).toBe(true);
    await new Promise((r) => setTimeout(r, 60));
    expect((await s.acquire('t', 0, l)).ok).toBe(true);
    expect(s.healthy()).toBe(true);
  });
});

describe.skipIf(!haveRedis)('redis budget store: a Redis that stops answering', () => {
  it('refuses with "unavailable" within the deadline (fail closed), allows with failOpen, recovers', async () => {
    const { proc, url } = await startRedis();
    const closed = redisBudgetStore({ url, keyPrefix: prefix(), commandTimeoutMs: 50 });
    const open = redisBudgetStore({ url, keyPrefix: prefix(), commandTimeoutMs: 50, failOpen: true });
    try {
      const l = L({ requestsPerSecond: 100, requestBurst: 100 });
      expect((await closed.acquire('t', 0, l)).ok).toBe(true);
      expect((await open.acquire('t', 0, l)).ok).toBe(true);
      proc.kill('SIGSTOP');
      const t0 = performance.now();
      const d = await closed.acquire('t', 0, l);
      const ms = performance.now() - t0;
      expect(d).toMatchObject({ ok: false, reason: 'unavailable' });
      expect(ms).toBeLessThan(300); // 50 ms deadline; slack for a loaded CI machine
      const o = await open.acquire('t', 0, l);
      expect(o.ok).toBe(true);
      await open.release(held(o), 0); // a fail-open reservation never goes to Redis
      proc.kill('SIGCONT');
      await new Promise((r) => setTimeout(r, 50));
      expect((await closed.acquire('t', 0, l)).ok).toBe(true);
      // Redis gone entirely: refused fast, not healthy.
      await stopRedis(proc);
      await new Promise((r) => setTimeout(r, 50));
      expect(closed.healthy()).toBe(false);
      const t1 = performance.now();
      expect(await closed.acquire('t', 0, l)).toMatchObject({ ok: false, reason: 'unavailable' });
      expect(performance.now() - t1).toBeLessThan(300);
    } finally {
      await closed.close();
      await open.close();
      await stopRedis(proc);
    }
  });
});
