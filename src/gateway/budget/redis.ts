/**
 * The Redis budget store (several replicas share one limit): one EVALSHA per acquire, one per release
 * (ioredis defineCommand: EVALSHA with a NOSCRIPT → EVAL fallback), the clock from Redis TIME inside
 * the scripts, keys with TTLs, concurrency as a ZSET of leases reaped by the script. Waiting for a
 * slot is local to the replica (retries with a small backoff until queueTimeoutMs): the queue is per
 * replica, the limit global. Every command has a deadline (commandTimeoutMs); a late or failed answer
 * is the refusal 'unavailable' (fail closed) unless failOpen.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { BUDGET_LIMITS, REFUSAL_BY_CODE, cleanEstimate } from './buckets.js';
import type { BudgetDecision, BudgetLimits, BudgetRefusal, BudgetStore, RedisBudgetOptions, Reservation } from './index.js';
import type { HeldReservation } from './memory.js';
import { ACQUIRE_LUA, RELEASE_LUA } from './redis-scripts.js';

type Acquire = (k1: string, k2: string, ...args: string[]) => Promise<[number, number, number]>;
type Release = (k1: string, k2: string, ...args: string[]) => Promise<number>;

const SAFE_TENANT = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The key part for a tenant: the name itself when it is short and plain, else "~" + SHA-256 (hex, 128
 * bits). "~" is not in the plain alphabet, so the two forms never collide, and no tenant name can put
 * "{", "}", ":", spaces or newlines into a key (no key injection, no cluster hash-tag games).
 */
export function tenantKeyPart(tenant: string): string {
  return SAFE_TENANT.test(tenant) ? tenant : `~${createHash('sha256').update(tenant, 'utf8').digest('hex').slice(0, 32)}`;
}

const isAborted = (s: AbortSignal | undefined): boolean => s?.aborted === true;
const refuse = (reason: BudgetRefusal, retryAfterMs: number): BudgetDecision => ({ ok: false, reason, retryAfterMs });

export interface RedisStoreCounters {
  /** Commands that failed or missed their deadline. */
  errors: number;
  /** Requests allowed without Redis because of failOpen. */
  failedOpen: number;
}

export function createRedisStore(options: RedisBudgetOptions): BudgetStore & { readonly counters: RedisStoreCounters; readonly client: Redis } {
  const prefix = options.keyPrefix ?? 'bulwark:gw:';
  const timeout = options.commandTimeoutMs ?? 50;
  const failOpen = options.failOpen ?? false;
  const leaseMs = options.leaseMs ?? BUDGET_LIMITS.leaseMs;
  const clock = options.clock;
  const slack = String(BUDGET_LIMITS.keyTtlSlackMs);
  const client = new Redis(options.url, {
    commandTimeout: timeout,
    connectTimeout: Math.max(1000, timeout),
    // Commands sent while disconnected wait for the reconnect, but never past their deadline.
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(50 * times, 1000),
  });
  const counters: RedisStoreCounters = { errors: 0, failedOpen: 0 };
  client.on('error', () => {
    // Connection errors are reported through healthy() and the refusals; ioredis reconnects.
  });
  client.defineCommand('bulwarkBudgetAcquire', { numberOfKeys: 2, lua: ACQUIRE_LUA });
  client.defineCommand('bulwarkBudgetRelease', { numberOfKeys: 2, lua: RELEASE_LUA });
  const acquireCmd = (client as unknown as { bulwarkBudgetAcquire: Acquire }).bulwarkBudgetAcquire.bind(client);
  const releaseCmd = (client as unknown as { bulwarkBudgetRelease: Release }).bulwarkBudgetRelease.bind(client);
  const instance = randomBytes(6).toString('hex');
  let seq = 0;
  let closed = false;
  /** Local waiters per tenant (the queue is per replica), woken early when this replica frees a slot. */
  const waiting = new Map<string, Set<{ wake: () => void }>>();

  const keys = (tenant: string): [string, string] => {
    const part = tenantKeyPart(tenant);
    return [`${prefix}{${part}}:b`, `${prefix}{${part}}:l`];
  };
  const now = (): string => (clock === undefined ? '' : String(clock()));

  function unavailable(tenant: string, est: number, limits: BudgetLimits): BudgetDecision {
    counters.errors++;
    if (!failOpen) return refuse('unavailable', BUDGET_LIMITS.concurrencyRetryAfterMs);
    counters.failedOpen++;
    const reservation: HeldReservation & { readonly open: true } = { tenant, tokens: est, id: `open:${instance}:${++seq}`, limits, open: true };
    return { ok: true, reservation };
  }

  /** One round trip: both buckets and a lease, or the code of what is short. */
  async function attempt(tenant: string, k: [string, string], est: number, limits: BudgetLimits): Promise<BudgetDecision | 'wait'> {
    const id = `${instance}:${++seq}`;
    let res: [number, number, number];
    try {
      res = await acquireCmd(k[0], k[1], String(limits.requestsPerSecond), String(limits.requestBurst), String(limits.tokensPerMinute), String(est), String(limits.maxConcurrent), id, String(leaseMs), slack, now());
    } catch {
      return unavailable(tenant, est, limits);
    }
    const [granted, code, wait] = res;
    if (granted === 1) {
      const reservation: HeldReservation = { tenant, tokens: est, id, limits };
      return { ok: true, reservation };
    }
    if (code === 3) return 'wait';
    return refuse(REFUSAL_BY_CODE[code] ?? 'unavailable', Number(wait));
  }

  async function acquire(tenant: string, estimateTokens: number, limits: BudgetLimits, signal?: AbortSignal): Promise<BudgetDecision> {
    if (closed) return refuse('unavailable', BUDGET_LIMITS.concurrencyRetryAfterMs);
    const est = cleanEstimate(estimateTokens);
    const k = keys(tenant);
    const first = await attempt(tenant, k, est, limits);
    if (first !== 'wait') return first;
    if (limits.maxQueue <= 0) return refuse('concurrency', BUDGET_LIMITS.concurrencyRetryAfterMs);
    let set = waiting.get(tenant);
    if (set !== undefined && set.size >= limits.maxQueue) return refuse('queue-full', BUDGET_LIMITS.concurrencyRetryAfterMs);
    if (limits.queueTimeoutMs <= 0 || signal?.aborted === true) return refuse('queue-timeout', BUDGET_LIMITS.concurrencyRetryAfterMs);
    if (set === undefined) {
      set = new Set();
      waiting.set(tenant, set);
    }
    const deadline = performance.now() + limits.queueTimeoutMs;
    let backoff: number = BUDGET_LIMITS.queueBackoffMinMs;
    const me = { wake: (): void => undefined };
    set.add(me);
    try {
      for (;;) {
        const left = deadline - performance.now();
        if (left <= 0 || closed || isAborted(signal)) return refuse('queue-timeout', BUDGET_LIMITS.concurrencyRetryAfterMs);
        // Sleep with jitter, woken early by a local release or an abort.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, Math.min(left, backoff * (0.5 + Math.random())));
          function done(): void {
            clearTimeout(timer);
            me.wake = () => undefined;
            signal?.removeEventListener('abort', done);
            resolve();
          }
          me.wake = done;
          signal?.addEventListener('abort', done, { once: true });
        });
        if (performance.now() >= deadline || isAborted(signal)) return refuse('queue-timeout', BUDGET_LIMITS.concurrencyRetryAfterMs);
        const d = await attempt(tenant, k, est, limits);
        if (d !== 'wait') return d;
        backoff = Math.min(backoff * 2, BUDGET_LIMITS.queueBackoffMaxMs);
      }
    } finally {
      set.delete(me);
      if (set.size === 0 && waiting.get(tenant) === set) waiting.delete(tenant);
    }
  }

  async function release(reservation: Reservation, usedTokens: number | undefined): Promise<void> {
    const held = reservation as Partial<HeldReservation> & { open?: true };
    if (held.open === true || held.limits === undefined) return;
    const l = held.limits;
    const used = usedTokens === undefined || Number.isNaN(usedTokens) ? '' : String(cleanEstimate(usedTokens));
    const k = keys(reservation.tenant);
    try {
      await releaseCmd(k[0], k[1], reservation.id, String(l.requestsPerSecond), String(l.requestBurst), String(l.tokensPerMinute), String(reservation.tokens), used, slack, now());
    } catch {
      // The lease expires on its own (leaseMs); the reservation is kept, never refunded twice.
      counters.errors++;
    }
    // A slot may be free now: wake this replica's first waiter for the tenant.
    const set = waiting.get(reservation.tenant);
    if (set !== undefined) {
      for (const w of set) {
        w.wake();
        break;
      }
    }
  }

  return {
    kind: 'redis',
    acquire,
    release,
    healthy: () => !closed && client.status === 'ready',
    async close() {
      closed = true;
      try {
        await Promise.race([client.quit(), new Promise((r) => setTimeout(r, Math.max(100, timeout * 4)))]);
      } catch {
        // quit failed (not connected): disconnect below.
      }
      client.disconnect();
    },
    counters,
    client,
  };
}
