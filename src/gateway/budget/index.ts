/**
 * Budgets (issue 18 item 3) — PUBLIC SURFACE OF THE SUBFOLDER. The gateway core imports only this
 * file. Per-tenant token buckets (requests/s and tokens/min, reserved from the estimate before
 * forwarding and settled from `usage` after), concurrency limits with a bounded queue and a timeout;
 * state in memory (one replica) or in Redis (several replicas).
 *
 * Implementation: buckets.ts (the arithmetic), memory.ts, redis.ts + redis-scripts.ts; semantics,
 * key layout and failure modes in docs/gateway-budgets.md.
 */
import { createMemoryStore } from './memory.js';
import { createRedisStore } from './redis.js';

export { BUDGET_LIMITS } from './buckets.js';

export interface BudgetLimits {
  /** Sustained requests per second (token bucket refill); 0 = unlimited. */
  readonly requestsPerSecond: number;
  /** Bucket size for requests (burst). */
  readonly requestBurst: number;
  /** Tokens per minute (prompt estimate + max completion reserved, settled from usage); 0 = unlimited. */
  readonly tokensPerMinute: number;
  /** Requests in flight at once for the tenant; 0 = unlimited. */
  readonly maxConcurrent: number;
  /** Requests waiting for a concurrency slot; beyond it, refused at once. */
  readonly maxQueue: number;
  /** Longest wait for a slot (ms); then refused. */
  readonly queueTimeoutMs: number;
}

export type BudgetRefusal = 'requests' | 'tokens' | 'concurrency' | 'queue-full' | 'queue-timeout' | 'unavailable';

export interface Reservation {
  readonly tenant: string;
  /** Tokens reserved from the estimate. */
  readonly tokens: number;
  readonly id: string;
}

export type BudgetDecision =
  | { readonly ok: true; readonly reservation: Reservation }
  | { readonly ok: false; readonly reason: BudgetRefusal; /** Hint for Retry-After (ms). */ readonly retryAfterMs: number };

export interface BudgetStore {
  readonly kind: 'memory' | 'redis';
  /** Take one request and `estimateTokens` tokens from the tenant's buckets and a concurrency slot (waiting in the queue up to queueTimeoutMs). */
  acquire(tenant: string, estimateTokens: number, limits: BudgetLimits, signal?: AbortSignal): Promise<BudgetDecision>;
  /** Free the slot and settle the tokens: refund `reservation.tokens - usedTokens` (or charge the excess); undefined = keep the reservation. */
  release(reservation: Reservation, usedTokens: number | undefined): Promise<void>;
  /** True when the store can answer (Redis connected). */
  healthy(): boolean;
  close(): Promise<void>;
}

/** The in-memory store (one replica). `now` is a clock in ms (tests inject one); see memory.ts. */
export function memoryBudgetStore(options: { readonly now?: () => number; /** Most tenants kept (default BUDGET_LIMITS.maxTenants). */ readonly maxTenants?: number } = {}): BudgetStore {
  return createMemoryStore(options);
}

export interface RedisBudgetOptions {
  /** redis:// or rediss:// URL. */
  readonly url: string;
  /** Key prefix (default "bulwark:gw:"). */
  readonly keyPrefix?: string;
  /** Deadline per Redis command (ms, default 50); a late answer is a refusal with reason 'unavailable' unless failOpen. */
  readonly commandTimeoutMs?: number;
  /** Allow requests when Redis cannot answer (default false). */
  readonly failOpen?: boolean;
  /** Lease of a concurrency slot (ms, default BUDGET_LIMITS.leaseMs): a crashed replica's slots free after it. */
  readonly leaseMs?: number;
  /** TESTS ONLY: a clock (ms) passed to the scripts instead of Redis TIME (differential tests). */
  readonly clock?: () => number;
}

/** The Redis store (several replicas share one limit); see redis.ts and docs/gateway-budgets.md. */
export function redisBudgetStore(options: RedisBudgetOptions): BudgetStore {
  return createRedisStore(options);
}
