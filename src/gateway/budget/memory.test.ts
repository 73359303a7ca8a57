import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryBudgetStore } from './index.js';
import type { BudgetDecision, BudgetLimits, Reservation } from './index.js';

const L = (o: Partial<BudgetLimits> = {}): BudgetLimits => ({ requestsPerSecond: 0, requestBurst: 0, tokensPerMinute: 0, maxConcurrent: 0, maxQueue: 0, queueTimeoutMs: 0, ...o });

function clocked(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

const held = (d: BudgetDecision): Reservation => {
  if (!d.ok) throw new Error(`refused: ${d.reason}`);
  return d.reservation;
};

describe('memory budget store: token buckets', () => {
  it('requests: a burst, then one per 1/rps, with Retry-After from the deficit', async () => {
    const c = clocked();
    const s = memoryBudgetStore({ now: c.now });
    const l = L({ requestsPerSecond: 2, requestBurst: 3 });
    for (let i = 0; i < 3; i++) expect((await s.acquire('a', 0, l)).ok).toBe(true);
    expect(await s.acquire('a', 0, l)).toEqual({ ok: false, reason: 'requests', retryAfterMs: 500 });
    c.advance(200);
    expect(await s.acquire('a', 0, l)).toEqual({ ok: false, reason: 'requests', retryAfterMs: 300 });
    c.advance(300);
    expect((await s.acquire('a', 0, l)).ok).toBe(true);
    expect((await s.acquire('a', 0, l)).ok).toBe(false);
    // Other tenants have their own buckets.
    expect((await s.acquire('b', 0, l)).ok).toBe(true);
  });

  it('tokens: the estimate is reserved, unused tokens are refunded on release', async () => {
    const c = clocked();
    const s = memoryBudgetStore({ now: c.now });
    const l = L({ tokensPerMinute: 600 }); // 10 tokens/s
    const r = held(await s.acquire('a', 400, l));
    expect(r.tokens).toBe(400);
    expect(await s.acquire('a', 300, l)).toEqual({ ok: false, reason: 'tokens', retryAfterMs: 10_000 });
    await s.release(r, 100); // 300 back
    expect((await s.acquire('a', 300, l)).ok).toBe(true);
  });

  it('an overshoot is charged: the bucket goes negative and delays the next requests', async () => {
    const c = clocked();
    const s = memoryBudgetStore({ now: c.now });
    const l = L({ tokensPerMinute: 600 });
    await s.release(held(await s.acquire('a', 100, l)), 700); // 600 more than reserved → level -100
    expect(await s.acquire('a', 1, l)).toEqual({ ok: false, reason: 'tokens', retryAfterMs: 10_100 });
    c.advance(10_100);
    expect((await s.acquire('a', 1, l)).ok).toBe(true);
  });

  it('the debt is bounded at one bucket (a lying usage cannot lock a tenant out for long)', async () => {
    const c = clocked();
    const s = memoryBudgetStore({ now: c.now });
    const l = L({ tokensPerMinute: 600 });
    await s.release(held(await s.acquire('a', 10, l)), 1e12);
    expect(await s.acquire('a', 10, l)).toEqual({ ok: false, reason: 'tokens', retryAfterMs: 61_000 }); // level -600 (one bucket), 610 short at 10/s
  });

  it('undefined usage keeps the reservation; a double or unknown release changes nothing', async () => {
    const c = clocked();
    const s = memoryBudgetStore({ now: c.now });
    const l = L({ tokensPerMinute: 600, maxConcurrent: 1 });
    const r = held(await s.acquire('a', 500, l));
    await s.release(r, undefined);
    await s.release(r, 0); // second release: no refund
    await s.release({ tenant: 'a', tokens: 500, id: 'forged' }, 0);
    expect(await s.acquire('a', 200, l)).toMatchObject({ ok: false, reason: 'tokens' });
    expect((await s.acquire('a', 100, l)).ok).toBe(true);
  });

  it('an estimate larger than the whole bucket is refused (it could never fit)', async () => {
    const s = memoryBudgetStore({ now: clocked().now });
    expect(await s.acquire('a', 601, L({ tokensPerMinute: 600 }))).toEqual({ ok: false, reason: 'tokens', retryAfterMs: 60_000 });
    expect((await s.acquire('a', 600, L({ tokensPerMinute: 600 }))).ok).toBe(true);
  });

  it('a refused request takes nothing from either bucket', async () => {
    const c = clocked();
    const s = memoryBudgetStore({ now: c.now });
    const l = L({ requestsPerSecond: 1, requestBurst: 1, tokensPerMinute: 600 });
    expect(await s.acquire('a', 700, l)).toMatchObject({ ok: false, reason: 'tokens' }); // no request taken
    const r = held(await s.acquire('a', 600, l));
    expect(await s.acquire('a', 0, l)).toMatchObject({ ok: false, reason: 'requests' }); // no tokens taken (0 anyway)
    await s.release(r, 0);
    c.advance(1000);
    expect((await s.acquire('a', 600, l)).ok).toBe(true);
  });

  it('both short: the first short bucket is the reason, Retry-After covers both', async () => {
    const c = clocked();
    const s = memoryBudgetStore({ now: c.now });
    const l = L({ requestsPerSecond: 1, requestBurst: 1, tokensPerMinute: 60 });
    held(await s.acquire('a', 60, l));
    expect(await s.acquire('a', 30, l)).toEqual({ ok: false, reason: 'requests', retryAfterMs: 30_000 });
  });

  it('limits of 0 are unlimited; hostile estimates are cleaned', async () => {
    const s = memoryBudgetStore({ now: clocked().now });
    for (let i = 0; i < 1000; i++) expect((await s.acquire('a', 1e9, L())).ok).toBe(true);
    const l = L({ tokensPerMinute: 100 });
    expect(held(await s.acquire('b', Number.NaN, l)).tokens).toBe(0);
    expect(held(await s.acquire('b', -5, l)).tokens).toBe(0);
    expect(await s.acquire('b', Number.POSITIVE_INFINITY, l)).toMatchObject({ ok: false, reason: 'tokens' });
  });
});

describe('memory budget store: concurrency and queue', () => {
  it('without a queue the slot limit refuses at once', async () => {
    const s = memoryBudgetStore({ now: clocked().now });
    const l = L({ maxConcurrent: 2 });
    const a = held(await s.acquire('t', 0, l));
    held(await s.acquire('t', 0, l));
    expect(await s.acquire('t', 0, l)).toMatchObject({ ok: false, reason: 'concurrency' });
    await s.release(a, 0);
    expect((await s.acquire('t', 0, l)).ok).toBe(true);
  });

  it('waiters are served in FIFO order; beyond maxQueue refused at once', async () => {
    const s = memoryBudgetStore({ now: clocked().now });
    const l = L({ maxConcurrent: 1, maxQueue: 2, queueTimeoutMs: 5_000 });
    const first = held(await s.acquire('t', 0, l));
    const order: string[] = [];
    const w1 = s.acquire('t', 0, l).then((d) => (order.push('w1'), d));
    const w2 = s.acquire('t', 0, l).then((d) => (order.push('w2'), d));
    expect(await s.acquire('t', 0, l)).toMatchObject({ ok: false, reason: 'queue-full' });
    await s.release(first, 0);
    const d1 = await w1;
    expect(d1.ok).toBe(true);
    await s.release(held(d1), 0);
    expect((await w2).ok).toBe(true);
    expect(order).toEqual(['w1', 'w2']);
  });

  it('a waiter is refused after queueTimeoutMs, and an aborted one at once; neither takes anything', async () => {
    const s = memoryBudgetStore();
    const l = L({ maxConcurrent: 1, maxQueue: 5, queueTimeoutMs: 40, tokensPerMinute: 100 });
    const first = held(await s.acquire('t', 10, l));
    const t0 = performance.now();
    expect(await s.acquire('t', 10, l)).toMatchObject({ ok: false, reason: 'queue-timeout' });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(35);
    const ac = new AbortController();
    const w = s.acquire('t', 10, { ...l, queueTimeoutMs: 10_000 }, ac.signal);
    ac.abort();
    expect(await w).toMatchObject({ ok: false, reason: 'queue-timeout' });
    await s.release(first, 10);
    expect((await s.acquire('t', 90, l)).ok).toBe(true); // 100 - 10 charged: the refused ones took nothing
  });

  it('a woken waiter whose buckets are short is refused with that reason, the next one gets the slot', async () => {
    const c = clocked();
    const s = memoryBudgetStore({ now: c.now });
    const l = L({ maxConcurrent: 1, maxQueue: 5, queueTimeoutMs: 5_000, tokensPerMinute: 100 });
    const first = held(await s.acquire('t', 50, l));
    const big = s.acquire('t', 50, l);
    const small = s.acquire('t', 10, l);
    await s.release(first, undefined); // keeps its 50: 50 left; `big` fits, `small` waits for big
    const b = await big;
    expect(b.ok).toBe(true);
    await s.release(held(b), undefined); // 0 left
    expect(await small).toMatchObject({ ok: false, reason: 'tokens' });
  });
});

describe('memory budget store: tenants', () => {
  it('idle tenants are evicted at the cap; busy ones are kept and a new tenant is refused when all are busy', async () => {
    const s = memoryBudgetStore({ now: clocked().now, maxTenants: 10 }) as ReturnType<typeof memoryBudgetStore> & { tenants: () => number };
    const l = L({ requestsPerSecond: 1, requestBurst: 5 });
    const busy: Reservation[] = [];
    for (let i = 0; i < 10; i++) busy.push(held(await s.acquire(`t${i}`, 0, l)));
    expect(await s.acquire('new', 0, l)).toMatchObject({ ok: false, reason: 'unavailable' });
    for (const r of busy) await s.release(r, undefined);
    expect((await s.acquire('new', 0, l)).ok).toBe(true);
    expect(s.tenants()).toBeLessThanOrEqual(10);
  });

  it('tenants whose buckets refilled are dropped by the periodic sweep', async () => {
    const c = clocked();
    const s = memoryBudgetStore({ now: c.now }) as ReturnType<typeof memoryBudgetStore> & { tenants: () => number };
    const l = L({ requestsPerSecond: 10, requestBurst: 10 });
    for (let i = 0; i < 100; i++) await s.release(held(await s.acquire(`t${i}`, 0, l)), undefined);
    expect(s.tenants()).toBe(100);
    c.advance(61_000);
    await s.acquire('x', 0, l);
    expect(s.tenants()).toBe(1);
  });
});

describe('memory budget store: properties', () => {
  const step = fc.oneof(
    fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 3_000 }) }),
    fc.record({ op: fc.constant('acquire' as const), est: fc.integer({ min: 0, max: 700 }) }),
    fc.record({ op: fc.constant('release' as const), k: fc.nat(), usedFraction: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }) }),
  );
  it('granted tokens (net of refunds) and requests over any run never exceed capacity + rate × time', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 120 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 60, max: 1200 }), async (steps, rps, burst, tpm) => {
        const c = clocked();
        const s = memoryBudgetStore({ now: c.now });
        const l = L({ requestsPerSecond: rps, requestBurst: burst, tokensPerMinute: tpm });
        let elapsed = 0;
        let net = 0;
        let requests = 0;
        const open: Reservation[] = [];
        for (const st of steps) {
          if (st.op === 'advance') {
            c.advance(st.ms);
            elapsed += st.ms;
          } else if (st.op === 'acquire') {
            const d = await s.acquire('t', st.est, l);
            if (d.ok) {
              net += d.reservation.tokens;
              requests++;
              open.push(d.reservation);
            } else expect(d.retryAfterMs).toBeGreaterThan(0);
          } else if (open.length > 0) {
            const [r] = open.splice(st.k % open.length, 1);
            if (r === undefined) continue;
            const used = st.usedFraction === undefined ? undefined : Math.floor(r.tokens * st.usedFraction);
            await s.release(r, used);
            if (used !== undefined) net -= r.tokens - used;
          }
          expect(net).toBeLessThanOrEqual(tpm + (tpm * elapsed) / 60_000 + 1e-6);
          expect(requests).toBeLessThanOrEqual(burst + (rps * elapsed) / 1000 + 1e-9);
        }
      }),
      { numRuns: 300 },
    );
  });
});
