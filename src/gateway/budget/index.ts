/**
 * Budgets (issue 18 item 3) — PUBLIC SURFACE OF THE SUBFOLDER. The gateway core imports only this
 * file. Per-tenant token buckets (requests/s and tokens/min, reserved from the estimate before
 * forwarding and settled from `usage` after), concurrency limits with a bounded queue and a timeout;
 * state in memory (one replica) or in Redis (several replicas).
 *
 * STUB written by the integrator: the budget helper replaces the bodies (keeping these exported names
 * and types, adding fields only as optional) in branch `gw-budget`.
 */

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

export function memoryBudgetStore(options: { readonly now?: () => number } = {}): BudgetStore {
  void options;
  let n = 0;
  return {
    kind: 'memory',
    acquire: (tenant, estimateTokens) => Promise.resolve({ ok: true, reservation: { tenant, tokens: estimateTokens, id: String(++n) } }),
    release: () => Promise.resolve(),
    healthy: () => true,
    close: () => Promise.resolve(),
  };
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
}

export function redisBudgetStore(options: RedisBudgetOptions): BudgetStore {
  void options;
  throw new Error('redis budget store not implemented (stub)');
}
