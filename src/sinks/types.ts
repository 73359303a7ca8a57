/**
 * The shared alert-sink contract (DESIGN.md §8 "Streams never end"). A sink receives findings as they
 * happen and delivers them somewhere; it never blocks its caller and never throws from `write`: what
 * cannot be queued within the named limit `maxEventQueue` is dropped and counted, what cannot be
 * delivered after its retries is counted as failed. Both counts are exported (`stats()`), so a server
 * can publish them as metrics and a test can show they stay 0 under the stated load.
 */
import type { Finding } from '../findings/index.js';

/** How a finding is written: the Finding as the JSON report has it, or a Falco alert (Falcosidekick input). */
export const SINK_FORMATS = ['ndjson', 'falco'] as const;
export type SinkFormat = (typeof SINK_FORMATS)[number];

export interface SinkStats {
  /** Findings handed to the destination (written to the stream or file, accepted by the webhook). */
  readonly written: number;
  /** Findings refused because the queue was full (`maxEventQueue`): lost, must stay 0. */
  readonly dropped: number;
  /** Findings given up on after the sink's retries (destination down, write error): lost, must stay 0. */
  readonly failed: number;
  /** Delivery attempts repeated (webhook retries, file reopen after an error). */
  readonly retries: number;
  /** Findings waiting in the queue now. */
  readonly queued: number;
  /** Files rotated (file sinks). */
  readonly rotations: number;
}

export interface Sink {
  /** `stdout`, `file:/var/log/bulwark/alerts.ndjson`, `webhook:https://sidekick:2801/` (no credentials). */
  readonly name: string;
  /** Queue one finding for delivery. Never blocks, never throws: a full queue counts a drop. */
  write(f: Finding): void;
  /** Resolves once every finding queued before the call was delivered or counted as failed. */
  flush(): Promise<void>;
  /** Flush, then release the destination (file handle, sockets). Idempotent; `write` after it drops. */
  close(): Promise<void>;
  stats(): SinkStats;
  /** How full the queue is, 0 (empty) to 1 (full): receivers push back on their clients above a mark. */
  pressure(): number;
}

/** What a sink may know about a rule to describe its findings (title, tags), from the caller's registry. */
export type RuleInfo = (ruleId: string) => { readonly title?: string; readonly tags?: readonly string[] } | undefined;

export interface SinkOptions {
  /** `hostname` of Falco alerts (default: the machine's host name). */
  readonly hostname?: string;
  /** Rule titles and tags for Falco alerts (`tags`, and the `rule` name when no `falco:` control names one). */
  readonly rules?: RuleInfo;
  /**
   * Falco alerts name the rule by its `falco:<name>` control when the finding has one (default true), so
   * Falcosidekick routes and dashboards written for Falco's stock rules keep working.
   */
  readonly falcoRuleNames?: boolean;
  /** Where `stdout` sinks write (tests; default `process.stdout`). */
  readonly stdout?: LineStream;
  /** Called with one line per delivery problem (never with finding content), e.g. a server's logger. */
  readonly onError?: (message: string) => void;
}

/** The part of a Node writable stream a stream sink needs. */
export interface LineStream {
  write(chunk: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

export interface FileSinkSpec {
  readonly kind: 'file';
  readonly path: string;
  readonly format?: SinkFormat;
  /** Rotate before the file would grow past this many bytes (default 100 MiB). */
  readonly maxBytes?: number;
  /** Rotated files kept: `path.1` (newest) … `path.N` (default 5); older ones are removed. */
  readonly maxFiles?: number;
}

export interface WebhookSinkSpec {
  readonly kind: 'webhook';
  /** `http://` or `https://` endpoint; Falcosidekick listens on `http://falcosidekick:2801/`. */
  readonly url: string;
  readonly format?: SinkFormat;
  /** Extra request headers (e.g. `Authorization`); never logged. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Per-request timeout (default 10 s). */
  readonly timeoutMs?: number;
  /** Attempts after the first, with exponential backoff (default 5). */
  readonly maxRetries?: number;
  /** First backoff (default 500 ms; doubled per retry, at most 30 s; a `Retry-After` answer wins). */
  readonly initialBackoffMs?: number;
  /** Findings per POST for `ndjson` (default 100; `falco` posts one alert per request, as Falco does). */
  readonly batchSize?: number;
  /** Requests in flight at once (default 4). */
  readonly concurrency?: number;
  /** PEM CA bundle to trust for `https://` (default: the system store). */
  readonly ca?: string;
}

export type SinkSpec =
  | { readonly kind: 'stdout'; readonly format?: SinkFormat }
  | FileSinkSpec
  | WebhookSinkSpec
  /** Keeps findings in memory (tests, benchmarks); bounded by `maxEventQueue` like every queue. */
  | { readonly kind: 'memory' };
