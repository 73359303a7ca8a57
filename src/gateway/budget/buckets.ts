/**
 * The bucket arithmetic shared by the memory store and (as Lua, in redis-scripts.ts) the Redis store.
 * Both must take the same decisions on the same sequence: the same formulas in the same operation
 * order on IEEE doubles (Lua stores levels with %.17g, which round-trips a double exactly), and state
 * written only when a request is granted or settled, never on a refusal.
 */
import type { BudgetLimits, BudgetRefusal } from './index.js';

/** Named limits and defaults of the budget stores. */
export const BUDGET_LIMITS = Object.freeze({
  /** Most tenants the memory store keeps; beyond it idle tenants are evicted (see sweep()). */
  maxTenants: 100_000,
  /** How often (ms) the memory store drops idle tenants whose buckets are full again. */
  sweepIntervalMs: 60_000,
  /** Retry-After hint when the concurrency limit refuses (no queue, queue full or timed out). */
  concurrencyRetryAfterMs: 1_000,
  /** Retry-After hint when the estimate exceeds tokensPerMinute: it can never fit the bucket. */
  oversizeRetryAfterMs: 60_000,
  /** Largest estimate taken as given (larger values are clamped; they exceed any bucket). */
  maxEstimateTokens: 1e15,
  /** Redis: lease of a concurrency slot (ms); a replica that dies frees its slots after this. */
  leaseMs: 600_000,
  /** Redis: extra time-to-live (ms) of a tenant's keys beyond the time its buckets take to refill. */
  keyTtlSlackMs: 60_000,
  /** Redis: first and largest pause (ms) between retries of a queued acquire. */
  queueBackoffMinMs: 2,
  queueBackoffMaxMs: 25,
});

/** Outcome codes shared with the Lua script: 0 granted, 1 requests, 2 tokens, 3 concurrency. */
export const REFUSAL_BY_CODE: readonly (BudgetRefusal | undefined)[] = [undefined, 'requests', 'tokens', 'concurrency'];

/** Request bucket capacity: the burst, at least one request. */
export const requestCap = (l: BudgetLimits): number => (l.requestBurst < 1 ? 1 : l.requestBurst);

/** A tenant's two bucket levels and the time they were last brought up to date. */
export interface Levels {
  r: number;
  t: number;
  ts: number;
}

/** Bring both buckets up to `now` (lazy refill), in place. */
export function refill(s: Levels, now: number, l: BudgetLimits): void {
  let el = now - s.ts;
  if (el < 0) el = 0;
  if (l.requestsPerSecond > 0) {
    const cap = requestCap(l);
    const v = s.r + (el * l.requestsPerSecond) / 1000;
    s.r = v > cap ? cap : v;
  }
  if (l.tokensPerMinute > 0) {
    const cap = l.tokensPerMinute;
    const v = s.t + (el * l.tokensPerMinute) / 60000;
    s.t = v > cap ? cap : v;
  }
  if (now > s.ts) s.ts = now;
}

/**
 * Check the buckets of an up-to-date state for one request of `est` tokens. Returns 0 when both have
 * room, else the code of the first short bucket (requests before tokens); `retry` gets the wait (ms)
 * after which both would have room.
 */
export function checkBuckets(s: Levels, est: number, l: BudgetLimits, retry: { ms: number }): number {
  let code = 0;
  let wait = 0;
  if (l.requestsPerSecond > 0 && s.r < 1) {
    code = 1;
    wait = Math.ceil(((1 - s.r) * 1000) / l.requestsPerSecond);
  }
  if (l.tokensPerMinute > 0) {
    if (est > l.tokensPerMinute) {
      if (code === 0) code = 2;
      if (wait < BUDGET_LIMITS.oversizeRetryAfterMs) wait = BUDGET_LIMITS.oversizeRetryAfterMs;
    } else if (s.t < est) {
      if (code === 0) code = 2;
      const w = Math.ceil(((est - s.t) * 60000) / l.tokensPerMinute);
      if (w > wait) wait = w;
    }
  }
  retry.ms = wait;
  return code;
}

/** Take one request and `est` tokens (after checkBuckets said yes). */
export function take(s: Levels, est: number, l: BudgetLimits): void {
  if (l.requestsPerSecond > 0) s.r = s.r - 1;
  if (l.tokensPerMinute > 0) s.t = s.t - est;
}

/** Settle a reservation: refund `reserved - used` (or charge the overshoot), kept within [-cap, cap]. */
export function settle(s: Levels, reserved: number, used: number, now: number, l: BudgetLimits): void {
  refill(s, now, l);
  const cap = l.tokensPerMinute;
  let v = s.t + (reserved - used);
  if (v > cap) v = cap;
  if (v < -cap) v = -cap;
  s.t = v;
}

/** True when the buckets, brought up to `now`, would be full (the state is then the same as none). */
export function isFull(s: Levels, now: number, l: BudgetLimits): boolean {
  let el = now - s.ts;
  if (el < 0) el = 0;
  if (l.requestsPerSecond > 0 && s.r + (el * l.requestsPerSecond) / 1000 < requestCap(l)) return false;
  if (l.tokensPerMinute > 0 && s.t + (el * l.tokensPerMinute) / 60000 < l.tokensPerMinute) return false;
  return true;
}

/** A usable estimate: NaN and negatives are 0, huge values are clamped (they exceed every bucket). */
export function cleanEstimate(est: number): number {
  if (!(est > 0)) return 0;
  return est > BUDGET_LIMITS.maxEstimateTokens ? BUDGET_LIMITS.maxEstimateTokens : est;
}
