/**
 * The in-memory budget store (one replica): per-tenant lazy-refill token buckets, a concurrency count
 * with a FIFO wait queue, O(1) per acquire/release (a Map lookup and a few float operations; allocations
 * are the decision and reservation objects the API returns, plus a timer only when a request waits).
 */
import { BUDGET_LIMITS, REFUSAL_BY_CODE, checkBuckets, cleanEstimate, isFull, refill, settle, take } from './buckets.js';
import type { Levels } from './buckets.js';
import type { BudgetDecision, BudgetLimits, BudgetRefusal, BudgetStore, Reservation } from './index.js';

/** A reservation as the stores hand it out: the limits it was taken under travel with it for settlement. */
export interface HeldReservation extends Reservation {
  readonly limits: BudgetLimits;
}

interface Waiter {
  readonly est: number;
  readonly limits: BudgetLimits;
  readonly resolve: (d: BudgetDecision) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

interface Tenant extends Levels {
  inflight: number;
  /** FIFO of requests waiting for a slot (bounded by maxQueue). */
  waiters: Waiter[];
  /** The limits last used, for the idle sweep. */
  limits: BudgetLimits;
}

export interface MemoryBudgetOptions {
  /** Clock in ms (default performance.now(): monotonic). */
  readonly now?: () => number;
  /** Most tenants kept (default BUDGET_LIMITS.maxTenants). */
  readonly maxTenants?: number;
}

const refuse = (reason: BudgetRefusal, retryAfterMs: number): BudgetDecision => ({ ok: false, reason, retryAfterMs });

export function createMemoryStore(options: MemoryBudgetOptions = {}): BudgetStore & { readonly tenants: () => number } {
  const now = options.now ?? (() => performance.now());
  const maxTenants = options.maxTenants ?? BUDGET_LIMITS.maxTenants;
  const tenants = new Map<string, Tenant>();
  const live = new Set<string>();
  const retry = { ms: 0 };
  let seq = 0;
  let lastSweep = now();
  let closed = false;

  /** Drop idle tenants (nothing in flight or waiting): first those whose buckets are full again (no
   * information lost), then, when `force`, any idle one (its debt is forgotten) until under 90 % of the cap. */
  function sweep(at: number, force: boolean): void {
    lastSweep = at;
    for (const [k, s] of tenants) if (s.inflight === 0 && s.waiters.length === 0 && isFull(s, at, s.limits)) tenants.delete(k);
    if (!force) return;
    const target = Math.floor(maxTenants * 0.9);
    for (const [k, s] of tenants) {
      if (tenants.size <= target) break;
      if (s.inflight === 0 && s.waiters.length === 0) tenants.delete(k);
    }
  }

  /** Refill and check; on a refusal the state is left exactly as it was (the Redis script's rule). */
  function tryBuckets(s: Tenant, est: number, limits: BudgetLimits, at: number): number {
    const r0 = s.r;
    const t0 = s.t;
    const ts0 = s.ts;
    refill(s, at, limits);
    const code = checkBuckets(s, est, limits, retry);
    if (code !== 0) {
      s.r = r0;
      s.t = t0;
      s.ts = ts0;
    }
    return code;
  }

  function grant(tenant: string, s: Tenant, est: number, limits: BudgetLimits): BudgetDecision {
    take(s, est, limits);
    s.inflight++;
    const id = String(++seq);
    live.add(id);
    const reservation: HeldReservation = { tenant, tokens: est, id, limits };
    return { ok: true, reservation };
  }

  /** Hand free slots to the head of the queue, in order; a waiter whose buckets are short is refused. */
  function wake(tenant: string, s: Tenant): void {
    while (s.waiters.length > 0) {
      const w = s.waiters[0] as Waiter;
      if (w.limits.maxConcurrent > 0 && s.inflight >= w.limits.maxConcurrent) return;
      s.waiters.shift();
      detach(w);
      const code = tryBuckets(s, w.est, w.limits, now());
      if (code === 0) w.resolve(grant(tenant, s, w.est, w.limits));
      else w.resolve(refuse(REFUSAL_BY_CODE[code] ?? 'requests', retry.ms));
    }
  }

  function detach(w: Waiter): void {
    if (w.timer !== undefined) clearTimeout(w.timer);
    if (w.signal !== undefined && w.onAbort !== undefined) w.signal.removeEventListener('abort', w.onAbort);
    w.timer = undefined;
    w.onAbort = undefined;
  }

  function acquireNow(tenant: string, estimateTokens: number, limits: BudgetLimits, signal?: AbortSignal): BudgetDecision | Promise<BudgetDecision> {
    if (closed) return refuse('unavailable', BUDGET_LIMITS.concurrencyRetryAfterMs);
    const at = now();
    if (at - lastSweep >= BUDGET_LIMITS.sweepIntervalMs) sweep(at, false);
    let s = tenants.get(tenant);
    if (s === undefined) {
      if (tenants.size >= maxTenants) {
        sweep(at, true);
        if (tenants.size >= maxTenants) return refuse('unavailable', BUDGET_LIMITS.concurrencyRetryAfterMs);
      }
      s = { r: limits.requestBurst < 1 ? 1 : limits.requestBurst, t: limits.tokensPerMinute, ts: at, inflight: 0, waiters: [], limits };
      tenants.set(tenant, s);
    }
    s.limits = limits;
    const est = cleanEstimate(estimateTokens);
    const r0 = s.r;
    const t0 = s.t;
    const ts0 = s.ts;
    const code = tryBuckets(s, est, limits, at);
    if (code !== 0) return refuse(REFUSAL_BY_CODE[code] ?? 'requests', retry.ms);
    const full = limits.maxConcurrent > 0 && (s.inflight >= limits.maxConcurrent || s.waiters.length > 0);
    if (!full) return grant(tenant, s, est, limits);
    // Waiting: the buckets are checked again when a slot frees; nothing is taken now.
    s.r = r0;
    s.t = t0;
    s.ts = ts0;
    if (limits.maxQueue <= 0) return refuse('concurrency', BUDGET_LIMITS.concurrencyRetryAfterMs);
    if (s.waiters.length >= limits.maxQueue) return refuse('queue-full', BUDGET_LIMITS.concurrencyRetryAfterMs);
    if (limits.queueTimeoutMs <= 0 || signal?.aborted === true) return refuse('queue-timeout', BUDGET_LIMITS.concurrencyRetryAfterMs);
    const st = s;
    return new Promise<BudgetDecision>((resolve) => {
      const w: Waiter = { est, limits, resolve, timer: undefined, signal, onAbort: undefined };
      const leave = (): void => {
        const i = st.waiters.indexOf(w);
        if (i < 0) return;
        st.waiters.splice(i, 1);
        detach(w);
        resolve(refuse('queue-timeout', BUDGET_LIMITS.concurrencyRetryAfterMs));
      };
      w.timer = setTimeout(leave, limits.queueTimeoutMs);
      if (signal !== undefined) {
        w.onAbort = leave;
        signal.addEventListener('abort', leave, { once: true });
      }
      st.waiters.push(w);
    });
  }

  return {
    kind: 'memory',
    acquire(tenant, estimateTokens, limits, signal) {
      const d = acquireNow(tenant, estimateTokens, limits, signal);
      return d instanceof Promise ? d : Promise.resolve(d);
    },
    release(reservation, usedTokens) {
      if (!live.delete(reservation.id)) return Promise.resolve();
      const s = tenants.get(reservation.tenant);
      if (s === undefined) return Promise.resolve();
      if (s.inflight > 0) s.inflight--;
      const limits = (reservation as Partial<HeldReservation>).limits ?? s.limits;
      if (usedTokens !== undefined && !Number.isNaN(usedTokens) && limits.tokensPerMinute > 0) settle(s, reservation.tokens, cleanEstimate(usedTokens), now(), limits);
      if (s.waiters.length > 0) wake(reservation.tenant, s);
      return Promise.resolve();
    },
    healthy: () => !closed,
    close() {
      closed = true;
      for (const s of tenants.values()) {
        for (const w of s.waiters.splice(0)) {
          detach(w);
          w.resolve(refuse('unavailable', BUDGET_LIMITS.concurrencyRetryAfterMs));
        }
      }
      return Promise.resolve();
    },
    tenants: () => tenants.size,
  };
}
