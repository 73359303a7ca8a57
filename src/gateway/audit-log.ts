/**
 * The audit log of decisions: one NDJSON line per decided request (docs/gateway.md "Audit log"). No
 * prompt text unless `includePrompts`. Lines are queued and written in batches on the next tick, so a
 * request never waits for the disk or the pipe; the queue is bounded (`maxQueue` lines) and a line that
 * does not fit is dropped and counted (exported as a metric), never blocking the proxy.
 */
import type { Writable } from 'node:stream';

export interface AuditRecord {
  readonly time: string;
  readonly id: string;
  readonly tenant?: string;
  readonly upstream?: string;
  readonly route: string;
  readonly model?: string;
  readonly action: 'allow' | 'flag' | 'block' | 'cut' | 'error';
  readonly status: number;
  readonly rules: readonly string[];
  readonly tokens: { readonly estimated: number; readonly used?: number };
  /** Time the gateway added before forwarding and after the upstream answered (ms). */
  readonly addedMs: number;
  readonly upstreamMs?: number;
  readonly stream?: boolean;
  readonly screeningScore?: number;
  /** Only with includePrompts: the screened texts (user/tool messages, prompts), each cut at 4096 characters. */
  readonly prompts?: readonly string[];
}

export interface AuditLog {
  write(r: AuditRecord): void;
  /** Lines dropped because the queue was full. */
  readonly dropped: number;
  flush(): Promise<void>;
}

export class NdjsonAuditLog implements AuditLog {
  private queue: string[] = [];
  private scheduled = false;
  private blocked = false;
  dropped = 0;

  constructor(
    private readonly out: Writable,
    private readonly maxQueue = 10_000,
  ) {
    out.on('drain', () => {
      this.blocked = false;
      this.schedule();
    });
    out.on('error', () => {
      this.blocked = true;
    });
  }

  write(r: AuditRecord): void {
    if (this.queue.length >= this.maxQueue) {
      this.dropped++;
      return;
    }
    this.queue.push(JSON.stringify(r));
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.blocked || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const lines = this.queue;
    this.queue = [];
    if (!this.out.write(`${lines.join('\n')}\n`)) this.blocked = true;
  }

  flush(): Promise<void> {
    this.drain();
    return new Promise((resolve) => {
      if (!this.blocked) resolve();
      else this.out.once('drain', () => resolve());
    });
  }
}

/** An audit log that keeps nothing (tests, `--audit-log none`). */
export const NO_AUDIT_LOG: AuditLog = { write: () => {}, dropped: 0, flush: () => Promise.resolve() };
