/**
 * Rate limiting of repeated alerts: the same rule firing for the same thing (rule, message, executable)
 * again within the window is counted, not emitted; the first alert after the window says how many were
 * held back. State is one entry per key, bounded by `maxStateEntries` (the oldest key is evicted and
 * counted), so an attacker spraying distinct processes costs memory only up to the limit.
 */
export interface RateLimitOptions {
  /** Window in milliseconds (0 disables rate limiting). */
  readonly windowMs: number;
  /** Alerts emitted per key and window (default 1). */
  readonly burst?: number;
  /** Most keys kept (`maxStateEntries`). */
  readonly maxKeys: number;
}

interface Entry {
  windowStart: number;
  emitted: number;
  suppressed: number;
}

export type RateDecision = { readonly emit: true; readonly heldBack: number } | { readonly emit: false };

export class RateLimiter {
  private readonly entries = new Map<string, Entry>();
  /** Alerts held back since start (a metric). */
  suppressed = 0;
  /** Keys evicted because the table was full (a metric). */
  evicted = 0;

  constructor(private readonly o: RateLimitOptions) {}

  get size(): number {
    return this.entries.size;
  }

  decide(key: string, now: number): RateDecision {
    if (this.o.windowMs <= 0) return { emit: true, heldBack: 0 };
    const burst = this.o.burst ?? 1;
    const e = this.entries.get(key);
    if (e === undefined || now - e.windowStart >= this.o.windowMs) {
      const heldBack = e?.suppressed ?? 0;
      if (e !== undefined) this.entries.delete(key);
      this.entries.set(key, { windowStart: now, emitted: 1, suppressed: 0 });
      while (this.entries.size > this.o.maxKeys) {
        const oldest = this.entries.keys().next().value;
        if (oldest === undefined) break;
        this.entries.delete(oldest);
        this.evicted++;
      }
      return { emit: true, heldBack };
    }
    if (e.emitted < burst) {
      e.emitted++;
      return { emit: true, heldBack: 0 };
    }
    e.suppressed++;
    this.suppressed++;
    return { emit: false };
  }
}
