/**
 * Sinks — where streamed findings go (audit receiver, runtime agent): NDJSON on stdout, a file with
 * size rotation, an HTTP(S) webhook with retries, each as NDJSON Findings or Falco-compatible alerts
 * for Falcosidekick. Every queue is bounded by the named limit `maxEventQueue`; drops and delivery
 * failures are counted in `stats()` for export. See docs/sinks.md.
 *
 * ```ts
 * const sink = fanout(['stdout', 'webhook+falco:http://falcosidekick:2801/'].map((s) => createSink(parseSinkSpec(s), limits)));
 * const reporter = new Reporter({ onFinding: (f) => sink.write(f) });
 * …
 * await sink.close();             // flush, then release files and sockets
 * sink.stats();                   // { written, dropped, failed, retries, queued, rotations }
 * ```
 *
 * Layering: sinks see findings (and the limits table, and `findingLine` from reporters); they know no
 * detection domain.
 */
export { createSink, fanout, parseSinkSpec } from './sinks.js';
export { falcoPriority, formatLine, severityOfFalcoPriority, toFalcoOutput } from './format.js';
export type { FalcoOutput, FalcoPriority, FieldValue } from './format.js';
export { SINK_FORMATS } from './types.js';
export type { FileSinkSpec, LineStream, RuleInfo, Sink, SinkFormat, SinkOptions, SinkSpec, SinkStats, WebhookSinkSpec } from './types.js';
export { DEFAULT_FILE_MAX_BYTES, DEFAULT_FILE_MAX_FILES } from './file-sink.js';
export { DEFAULT_WEBHOOK_BACKOFF_MS, DEFAULT_WEBHOOK_BATCH, DEFAULT_WEBHOOK_CONCURRENCY, DEFAULT_WEBHOOK_RETRIES, DEFAULT_WEBHOOK_TIMEOUT_MS, safeUrl } from './webhook-sink.js';
export { MemorySink } from './stream-sink.js';
