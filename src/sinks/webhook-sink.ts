/**
 * POSTs findings to an HTTP(S) endpoint: Falco alerts one per request (what Falcosidekick's `/`
 * expects), NDJSON in batches. Findings wait in a queue of at most `maxEventQueue`; past it they are
 * dropped and counted. A request that fails on the network, times out, or is answered 429 or 5xx is
 * retried with exponential backoff (a `Retry-After` answer sets the wait); after `maxRetries` the
 * findings are counted as failed. Other answers (4xx) are not retried: they will not succeed.
 */
import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import { Agent as HttpsAgentClass } from 'node:https';
import { Agent as HttpAgentClass, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Finding } from '../findings/index.js';
import { formatLine } from './format.js';
import { Fifo, IdleWaiters } from './queue.js';
import type { Sink, SinkOptions, SinkStats, WebhookSinkSpec } from './types.js';

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
export const DEFAULT_WEBHOOK_RETRIES = 5;
export const DEFAULT_WEBHOOK_BACKOFF_MS = 500;
export const DEFAULT_WEBHOOK_BATCH = 100;
export const DEFAULT_WEBHOOK_CONCURRENCY = 4;
/** Longest wait between two attempts, whatever the backoff or `Retry-After` says. */
const MAX_BACKOFF_MS = 30_000;
/** Response body bytes read (and discarded) per answer. */
const MAX_RESPONSE_BYTES = 64 * 1024;

type Outcome = { ok: true } | { ok: false; retry: boolean; waitMs?: number; reason: string };

/** The URL without credentials or query (for names and messages). */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'invalid-url';
  }
}

export class WebhookSink implements Sink {
  readonly name: string;
  private readonly queue: Fifo<string>;
  private readonly idle = new IdleWaiters();
  private readonly url: URL;
  private readonly agent: HttpAgent;
  private readonly batch: number;
  private readonly concurrency: number;
  private inFlight = 0;
  private inFlightItems = 0;
  private closed = false;
  private closing: Promise<void> | undefined;
  private written = 0;
  private dropped = 0;
  private failed = 0;
  private retries = 0;
  private lastError: string | undefined;

  constructor(
    private readonly spec: WebhookSinkSpec,
    capacity: number,
    private readonly options: SinkOptions = {},
  ) {
    this.url = new URL(spec.url);
    this.name = `webhook:${safeUrl(spec.url)}`;
    this.queue = new Fifo(capacity);
    this.batch = spec.format === 'falco' ? 1 : Math.max(1, spec.batchSize ?? DEFAULT_WEBHOOK_BATCH);
    this.concurrency = Math.max(1, spec.concurrency ?? DEFAULT_WEBHOOK_CONCURRENCY);
    this.agent = this.url.protocol === 'https:' ? new HttpsAgentClass({ keepAlive: true, maxSockets: this.concurrency, ...(spec.ca !== undefined && { ca: spec.ca }) }) : new HttpAgentClass({ keepAlive: true, maxSockets: this.concurrency });
  }

  write(f: Finding): void {
    if (this.closed) {
      this.dropped++;
      return;
    }
    if (!this.queue.push(formatLine(f, this.spec.format ?? 'ndjson', this.options))) {
      this.dropped++;
      return;
    }
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      const lines = this.queue.take(this.batch);
      this.inFlight++;
      this.inFlightItems += lines.length;
      void this.deliver(lines).finally(() => {
        this.inFlight--;
        this.inFlightItems -= lines.length;
        if (this.queue.length > 0) this.pump();
        else if (this.inFlight === 0) this.idle.release();
      });
    }
  }

  private async deliver(lines: readonly string[]): Promise<void> {
    const body = Buffer.from(lines.join(''), 'utf8');
    const maxRetries = this.spec.maxRetries ?? DEFAULT_WEBHOOK_RETRIES;
    let backoff = this.spec.initialBackoffMs ?? DEFAULT_WEBHOOK_BACKOFF_MS;
    for (let attempt = 0; ; attempt++) {
      const r = await this.post(body);
      if (r.ok) {
        this.written += lines.length;
        this.lastError = undefined;
        return;
      }
      if (!r.retry || attempt >= maxRetries) {
        this.failed += lines.length;
        if (this.lastError !== r.reason) this.options.onError?.(`${this.name}: ${r.reason}; ${lines.length} alerts lost after ${attempt + 1} attempts`);
        this.lastError = r.reason;
        return;
      }
      this.retries++;
      await sleep(Math.min(MAX_BACKOFF_MS, r.waitMs ?? backoff));
      backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
    }
  }

  private post(body: Buffer): Promise<Outcome> {
    const send = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const contentType = this.spec.format === 'falco' ? 'application/json' : 'application/x-ndjson';
    return new Promise((resolve) => {
      let done = false;
      const finish = (o: Outcome): void => {
        if (!done) {
          done = true;
          resolve(o);
        }
      };
      const req = send(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          timeout: this.spec.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS,
          headers: { ...this.spec.headers, 'content-type': contentType, 'content-length': String(body.length), 'user-agent': 'bulwark-sink' },
        },
        (res: IncomingMessage) => {
          let read = 0;
          res.on('data', (c: Buffer) => {
            read += c.length;
            if (read > MAX_RESPONSE_BYTES) res.destroy();
          });
          const settle = (): void => {
            const code = res.statusCode ?? 0;
            if (code >= 200 && code < 300) return finish({ ok: true });
            const ra = Number(res.headers['retry-after']);
            const waitMs = Number.isFinite(ra) && ra >= 0 ? ra * 1000 : undefined;
            finish({ ok: false, retry: code === 429 || code >= 500, ...(waitMs !== undefined && { waitMs }), reason: `HTTP ${code}` });
          };
          res.on('end', settle);
          res.on('close', settle);
          res.on('error', settle);
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      req.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, retry: true, reason: e.code ?? e.message }));
      req.end(body);
    });
  }

  flush(): Promise<void> {
    return this.idle.wait(this.inFlight === 0 && this.queue.length === 0);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.flush();
      this.closed = true;
      this.agent.destroy();
    })();
    return this.closing;
  }

  stats(): SinkStats {
    return { written: this.written, dropped: this.dropped, failed: this.failed, retries: this.retries, queued: this.queue.length + this.inFlightItems, rotations: 0 };
  }

  pressure(): number {
    return this.queue.length / this.queue.capacity;
  }
}
