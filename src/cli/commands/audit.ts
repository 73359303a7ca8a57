/**
 * `bulwark audit analyze | serve` — Kubernetes audit-log detection (docs/audit.md).
 *
 * - `analyze FILE...|-`: audit logs (JSON lines, EventList documents, EKS CloudWatch, AKS diagnostic
 *   records, GKE Cloud Audit entries; gzip or not), streamed through the audit engine in order (state
 *   carries across files: rotated logs are one history). Prints the usual report (`--format`); with
 *   `--alerts SINK` every finding is also streamed as it happens; `--summary` prints who did what to
 *   which sensitive resources. Exit 0 / 1 (findings at or above `--fail-on`) / 2 (usage or I/O).
 * - `serve`: the API server's audit webhook backend (`--audit-webhook-config-file` target) on the shared
 *   HTTPS server (src/server): `POST /audit` (or `/`) with an EventList; findings go to the alert sinks.
 *
 * Answers of the webhook, and what kube-apiserver does with each (its batch backend,
 * `k8s.io/apiserver/plugin/pkg/audit/buffered` over `.../audit/webhook`, retries with
 * `webhook.DefaultShouldRetry` under `--audit-webhook-initial-backoff`, 5 attempts; client-go itself
 * repeats a request answered 429 or 5xx with a `Retry-After` header, up to 10 times):
 * - 200: the whole batch was analysed and its findings are in the sinks' bounded queues;
 * - 429 + `Retry-After: 1`: the sinks are backed up (queue above the high-water mark for longer than
 *   `--hold-timeout`); nothing of the batch was analysed, the API server sends it again (no loss, no
 *   duplicate);
 * - 400: not an audit EventList (never sent by an API server; it would drop such a batch);
 * - 413: body over `--max-batch-bytes` (dropped by the API server: keep it above its batch size);
 * - 415 / 408: from the shared server (content type, slow client).
 * The batch is held at most `--hold-timeout` (default 5 s), well under the API server's 30 s request
 * timeout, because a timed-out batch is not retried.
 */
import type { Command } from '@commander-js/extra-typings';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditPolicy, StreamResult, SummaryRow } from '../../audit/index.js';
import { AUDIT_RULESET, AUDIT_RULES, ActivitySummary, AuditEngine, DEFAULT_AUDIT_POLICY, analyzeStream, buildAuditReport, loadAuditPolicy, readAuditStream } from '../../audit/index.js';
import type { BulwarkConfig } from '../../config/index.js';
import { resolveRules } from '../../config/index.js';
import type { Finding, Severity, TargetResult } from '../../findings/index.js';
import { BulwarkError, SEVERITIES, atLeast, isSeverity, maxOf } from '../../findings/index.js';
import { K8S_RULESET } from '../../k8s-manifests/index.js';
import type { Limits } from '../../limits/index.js';
import { DEFAULT_LIMITS, LIMIT_NAMES, parseSize, resolveLimits } from '../../limits/index.js';
import type { ReportFormat } from '../../reporters/index.js';
import { FORMATS, renderJson, renderNdjson, renderSarif, renderText, sanitizeText } from '../../reporters/index.js';
import type { RuleRegistry } from '../../rules/index.js';
import { CORE_RULESET, Reporter, applyConfigSuppressions, coreRules, createRegistry } from '../../rules/index.js';
import type { LogLevel, RouteSetup } from '../../server/index.js';
import { LOG_LEVELS, createLogger, createServer, exitOnSignals, promClient } from '../../server/index.js';
import type { Sink } from '../../sinks/index.js';
import { createSink, fanout, parseSinkSpec } from '../../sinks/index.js';
import { collect, loadCliConfig, parseLimitFlags, pick } from '../config.js';
import { useColor, writeFileAtomic, writeStdout } from '../io.js';

/** The rules an audit analysis can report: fail-closed/config, Kubernetes (object rules), audit. */
export const AUDIT_REGISTRY: RuleRegistry = createRegistry([CORE_RULESET, K8S_RULESET, AUDIT_RULESET]);

/** `--max-batch-bytes` default: the named limit `maxAuditBatchBytes` (docs/limits.md). */
export const DEFAULT_MAX_BATCH_BYTES = DEFAULT_LIMITS.maxAuditBatchBytes;
/** Sink queue fill (0..1) above which the receiver holds, then refuses (429), new batches. */
export const SINK_HIGH_WATER = 0.8;

function parseDuration(flag: string, text: string): number {
  const m = /^(\d+)\s*(ms|s|m|h)?$/.exec(text.trim());
  if (!m?.[1]) throw new BulwarkError('USAGE', `${flag} must be a duration such as 500ms, 5s, 2m or 1h, got ${JSON.stringify(text)}`);
  const n = Number(m[1]);
  return m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : m[2] === 'h' ? n * 3_600_000 : n;
}

function severityArg(value: string): Severity | 'none' {
  const v = value.trim().toLowerCase();
  if (isSeverity(v) || v === 'none') return v;
  throw new InvalidArgumentError(`'${value}' is invalid; allowed: ${[...SEVERITIES, 'none'].join(', ')} (any case)`);
}

/**
 * The configuration as it applies to audit commands: rule settings and suppressions that name rules of
 * other domains (`pickle/…`, tags no audit rule has) are for other commands and left out here.
 */
function auditConfig(config: BulwarkConfig): BulwarkConfig {
  const prefixes = new Set(AUDIT_REGISTRY.sets.flatMap((s) => s.prefixes));
  const tags = new Set(AUDIT_REGISTRY.rules.flatMap((r) => r.tags));
  const ours = (selector: string): boolean => {
    const s = selector.trim();
    if (s.startsWith('tag:')) return tags.has(s.slice(4).trim());
    if (s.startsWith('maturity:')) return true;
    return prefixes.has(s.slice(0, s.indexOf('/')));
  };
  return { ...config, rules: config.rules.filter((r) => ours(r.selector)), suppressions: config.suppressions.filter((s) => ours(s.rule)) };
}

function policyFromFlag(file: string | undefined): AuditPolicy {
  if (file === undefined) return DEFAULT_AUDIT_POLICY;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new BulwarkError('USAGE', `--policy ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return loadAuditPolicy(text, file, new Set(AUDIT_RULES.map((r) => r.id)));
}

/** The policy with `--dedup-window` applied. */
function withDedup(policy: AuditPolicy, flag: string | undefined): AuditPolicy {
  if (flag === undefined) return policy;
  const s = Math.round(parseDuration('--dedup-window', flag) / 1000);
  return { ...policy, data: { ...policy.data, thresholds: { ...policy.data.thresholds, dedupWindowSeconds: s } } };
}

function sinksFrom(specs: readonly string[], limits: Limits, onError: (m: string) => void, hostname?: string): { sink: Sink; sinks: Sink[] } {
  const info = (id: string): { title: string; tags: readonly string[] } | undefined => {
    const r = AUDIT_REGISTRY.get(id);
    return r === undefined ? undefined : { title: r.title, tags: r.tags };
  };
  const sinks = specs.map((s) => createSink(parseSinkSpec(s), limits, { rules: info, onError, ...(hostname !== undefined && { hostname }) }));
  return { sink: fanout(sinks), sinks };
}

// ---- summary -----------------------------------------------------------------------------------------

function renderSummary(rows: readonly SummaryRow[], overflow: number): string {
  if (rows.length === 0) return 'No successful requests on sensitive resources.\n';
  const head = ['REQUESTS', 'IDENTITY', 'CLASS', 'VERB', 'RESOURCE', 'NAMESPACE', 'OBJECTS'];
  const body = rows.map((r) => [String(r.count), r.user, r.identity, r.verb, r.resource, r.namespace || '*', r.names.join(', ') + (r.count > r.names.length && r.names.length > 0 ? ', …' : '')].map((c) => sanitizeText(c)));
  const width = head.map((h, i) => Math.min(60, Math.max(h.length, maxOf(body.map((b) => (b[i] ?? '').length)))));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.slice(0, width[i]).padEnd(width[i] ?? 0))).join('  ').trimEnd();
  return `Who did what to which sensitive resources (successful requests):\n\n${[line(head), ...body.map(line)].join('\n')}\n${overflow > 0 ? `\n${overflow} more requests were not tabulated (maxStateEntries rows).\n` : ''}`;
}

// ---- analyze -----------------------------------------------------------------------------------------

interface AnalyzeFlags {
  format: ReportFormat;
  output?: string;
  failOn: Severity | 'none';
  alerts: string[];
  summary: boolean;
  policy?: string;
  dedupWindow?: string;
  limit: string[];
  quiet: boolean;
  color: boolean;
  config?: string | boolean;
}

/** Keeps the report's findings, at most `max` per target (every finding still went to the sinks). */
class ReportCollector {
  readonly findings: Finding[] = [];
  private readonly perPath = new Map<string, number>();
  readonly dropped = new Map<string, number>();
  open = false;

  constructor(private readonly max: number) {}

  add(f: Finding): void {
    const p = f.location.path;
    const n = this.perPath.get(p) ?? 0;
    if (n >= this.max && !this.open) {
      this.dropped.set(p, (this.dropped.get(p) ?? 0) + 1);
      return;
    }
    this.perPath.set(p, n + 1);
    this.findings.push(f);
  }
}

async function analyze(paths: readonly string[], opts: AnalyzeFlags, cmd: { getOptionValueSource(key: string): string | undefined }, tool: { name: string; version: string }): Promise<void> {
  if (opts.summary && opts.format !== 'text' && opts.format !== 'json') throw new BulwarkError('USAGE', '--summary applies to --format text or json');
  if (opts.alerts.some((a) => a.startsWith('stdout')) && opts.output === undefined && !opts.summary) throw new BulwarkError('USAGE', '--alerts stdout needs --output FILE for the report (stdout carries the alerts)');
  const stdinCount = paths.filter((p) => p === '-').length;
  if (stdinCount > 1) throw new BulwarkError('USAGE', '`-` (stdin) may be given only once');
  for (const p of paths) {
    if (p === '-') continue;
    try {
      if (statSync(p).isDirectory()) throw new BulwarkError('USAGE', `${p} is a directory; give the log files`);
    } catch (e) {
      if (e instanceof BulwarkError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      throw new BulwarkError('USAGE', code === 'ENOENT' ? `${p}: no such file or directory` : `${p}: cannot read (${code ?? String(e)})`);
    }
  }
  const config = auditConfig(loadCliConfig(opts.config));
  const selection = resolveRules(config, AUDIT_REGISTRY.rules);
  const limits = resolveLimits(parseLimitFlags(opts.limit), resolveLimits(config.limits));
  const policy = withDedup(policyFromFlag(opts.policy), opts.dedupWindow);
  const { sink } = sinksFrom(opts.alerts, limits, (m) => process.stderr.write(`bulwark: ${sanitizeText(m)}\n`));
  const collector = new ReportCollector(limits.maxFindingsPerTarget);
  const summary = opts.summary ? new ActivitySummary(policy, limits.maxStateEntries) : undefined;
  // The Reporter hands each finding over as it happens; it keeps none (a stream never ends).
  const reporter: Reporter = new Reporter({
    selection,
    onFinding: (f) => {
      collector.add(f);
      if (opts.alerts.length > 0) sink.write(f);
      reporter.findings.length = 0;
    },
  });
  const engine = new AuditEngine(reporter, { rules: AUDIT_RULES, policy, limits, source: 'audit-log', ...(summary !== undefined && { summary }) });
  const results: StreamResult[] = [];
  for (const p of paths) {
    const input = p === '-' ? process.stdin : createReadStream(p, { highWaterMark: 1 << 20 });
    results.push(await analyzeStream(engine, input, p, limits.maxEventBytes));
  }
  engine.flush();
  collector.open = true;
  for (const [path, n] of collector.dropped) {
    reporter.report(coreRules.limitExceeded, { location: { kind: 'file', path }, message: `${n} more findings were not kept in the report (maxFindingsPerTarget ${limits.maxFindingsPerTarget})${opts.alerts.length > 0 ? '; every finding went to the alert sinks' : ''}`, evidence: 'maxFindingsPerTarget' });
  }
  const before = [...collector.findings];
  const marked = applyConfigSuppressions(before, config.suppressions, { roots: paths.filter((p) => p !== '-'), now: new Date(), rules: AUDIT_REGISTRY.rules, report: (rule, args) => reporter.report(rule, args) });
  const findings = [...marked, ...collector.findings.slice(before.length)];
  await sink.close();
  const partial = reporter.partialPaths();
  const targets: TargetResult[] = results.map((r) => ({ path: r.path, format: r.format === 'unknown' ? 'unknown' : r.format, status: r.status === 'partial' || partial.has(r.path) ? 'partial' : r.status, size: r.bytes }));
  const report = buildAuditReport(AUDIT_REGISTRY, targets, findings, tool);
  const failOn: Severity | 'none' = pick(cmd, 'failOn', opts.failOn, undefined);
  const failing = failOn === 'none' ? 0 : report.findings.filter((f) => !f.suppressed && atLeast(f.severity, failOn)).length;
  process.exitCode = failing > 0 ? 1 : 0;
  const st = sink.stats();
  if (st.dropped > 0 || st.failed > 0) process.stderr.write(`bulwark: alert sinks lost ${st.dropped + st.failed} findings (${st.dropped} dropped at maxEventQueue, ${st.failed} failed after retries); the report has them all\n`);
  if (summary !== undefined) {
    const rows = summary.table();
    const text = opts.format === 'json' ? `${JSON.stringify({ schemaVersion: '1.0.0', sensitiveActivity: rows, notTabulated: summary.overflow }, null, 2)}\n` : renderSummary(rows, summary.overflow);
    if (opts.output !== undefined) writeFileAtomic(opts.output, text);
    else await writeStdout(text);
    return;
  }
  const rendered =
    opts.format === 'json' ? renderJson(report) : opts.format === 'ndjson' ? renderNdjson(report) : opts.format === 'sarif' ? renderSarif(report, {}) : renderText(report, { color: opts.output === undefined && useColor(process.stdout, !opts.color), quiet: opts.quiet, failOn });
  if (opts.output !== undefined) {
    writeFileAtomic(opts.output, rendered);
    if (!opts.quiet) process.stderr.write(`bulwark: wrote ${sanitizeText(opts.output)} (${opts.format}): ${engine.stats.events} events, ${report.summary.total} findings; ${failOn === 'none' ? 'not gated' : failing > 0 ? `FAIL: ${failing} at or above ${failOn}` : `PASS at ${failOn}`}\n`);
  } else await writeStdout(rendered);
}

// ---- serve -------------------------------------------------------------------------------------------

async function* once(b: Uint8Array): AsyncGenerator<Uint8Array> {
  yield b;
}

export interface AuditServerOptions {
  readonly engine: AuditEngine;
  /** Where findings go (the engine's Reporter writes to it). */
  readonly sink: Sink;
  /** The individual sinks (per-sink metrics). */
  readonly sinks: readonly Sink[];
  readonly limits: Pick<Limits, 'maxEventBytes'>;
  /** Longest wait for sink room before answering 429 (ms). */
  readonly holdMs: number;
  /** Sink queue fill (0..1) above which batches wait. */
  readonly highWater?: number;
}

/** The webhook routes over the engine: limit, hold or refuse, analyse, answer; metrics. */
export function auditRoutes(o: AuditServerOptions): RouteSetup {
  return (app, ctx) => {
    const { Counter, Gauge } = promClient();
    const reg = ctx.metrics.registry;
    const events = new Counter({ name: 'bulwark_audit_events_total', help: 'Audit events received, by result (analyzed, rejected)', labelNames: ['result'] as const, registers: [reg] });
    const batches = new Counter({ name: 'bulwark_audit_batches_total', help: 'Webhook batches, by result (accepted, throttled: answered 429, bad-request)', labelNames: ['result'] as const, registers: [reg] });
    const held = new Counter({ name: 'bulwark_audit_batches_held_total', help: 'Batches that waited for sink room before being analysed or refused', registers: [reg] });
    const window: { t: number; n: number }[] = [];
    let analyzed = 0;
    new Gauge({
      name: 'bulwark_audit_events_per_second',
      help: 'Audit events analysed per second over the last 10 seconds',
      registers: [reg],
      collect() {
        const now = performance.now();
        while (window.length > 0 && now - (window[0]?.t ?? now) > 10_000) window.shift();
        this.set(window.reduce((a, w) => a + w.n, 0) / 10);
      },
    });
    const alerts = new Counter({ name: 'bulwark_audit_alerts_total', help: 'Findings sent to the sinks, by rule and severity', labelNames: ['rule', 'severity'] as const, registers: [reg] });
    const seen = new Map<string, number>();
    const syncAlerts = (): void => {
      for (const [rule, n] of o.engine.stats.findings) {
        const prev = seen.get(rule) ?? 0;
        if (n > prev) alerts.inc({ rule, severity: o.engine.rule(rule)?.severity ?? 'info' }, n - prev);
        seen.set(rule, n);
      }
    };
    const sinkCounter = (name: string, help: string, field: 'written' | 'dropped' | 'failed' | 'retries'): void => {
      const last = new Map<string, number>();
      new Counter({
        name,
        help,
        labelNames: ['sink'] as const,
        registers: [reg],
        collect() {
          for (const s of o.sinks) {
            const v = s.stats()[field];
            const prev = last.get(s.name) ?? 0;
            this.inc({ sink: s.name }, Math.max(0, v - prev));
            last.set(s.name, v);
          }
        },
      });
    };
    sinkCounter('bulwark_audit_sink_written_total', 'Alerts delivered by each sink', 'written');
    sinkCounter('bulwark_audit_sink_dropped_total', 'Alerts dropped because a sink queue was full (maxEventQueue); must stay 0', 'dropped');
    sinkCounter('bulwark_audit_sink_failed_total', 'Alerts a sink gave up on after its retries; must stay 0', 'failed');
    sinkCounter('bulwark_audit_sink_retries_total', 'Delivery attempts repeated by each sink', 'retries');
    new Gauge({
      name: 'bulwark_audit_queue_depth',
      help: 'Alerts waiting in each sink queue',
      labelNames: ['sink'] as const,
      registers: [reg],
      collect() {
        for (const s of o.sinks) this.set({ sink: s.name }, s.stats().queued);
      },
    });
    new Gauge({
      name: 'bulwark_audit_state_entries',
      help: 'Entries held by the stateful detections (each map bounded by maxStateEntries)',
      registers: [reg],
      collect() {
        this.set(o.engine.state.entries());
      },
    });
    const evicted = new Map<string, number>();
    new Counter({
      name: 'bulwark_audit_state_evictions_total',
      help: 'State entries evicted at maxStateEntries, by detection state',
      labelNames: ['state'] as const,
      registers: [reg],
      collect() {
        for (const m of o.engine.state.maps()) {
          const prev = evicted.get(m.name) ?? 0;
          if (m.evictions > prev) this.inc({ state: m.name }, m.evictions - prev);
          evicted.set(m.name, m.evictions);
        }
      },
    });
    const highWater = o.highWater ?? SINK_HIGH_WATER;

    const handler = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const body = req.body;
      if (!Buffer.isBuffer(body) || body.length === 0) {
        batches.inc({ result: 'bad-request' });
        return reply.code(400).type('application/json').send({ error: 'expected an audit.k8s.io EventList' });
      }
      if (o.sink.pressure() >= highWater) {
        held.inc();
        const deadline = performance.now() + o.holdMs;
        while (o.sink.pressure() >= highWater && performance.now() < deadline) await sleep(20);
        if (o.sink.pressure() >= highWater) {
          batches.inc({ result: 'throttled' });
          ctx.log.warn({ event: 'audit-throttled', pressure: o.sink.pressure() }, 'alert sinks backed up: batch refused with 429 (the API server retries it)');
          return reply.code(429).header('retry-after', '1').type('application/json').send({ error: 'alert sinks are backed up; retry' });
        }
      }
      const before = o.engine.stats.events;
      const rejectedBefore = [...o.engine.stats.rejected.values()].reduce((a, b) => a + b, 0);
      await readAuditStream(once(body), o.limits.maxEventBytes, {
        text: (text) => o.engine.analyzeText(text, { path: 'audit-webhook' }),
        reject: (kind, _line, detail) => o.engine.reject(kind, { path: 'audit-webhook' }, detail),
      });
      const n = o.engine.stats.events - before;
      const rejected = [...o.engine.stats.rejected.values()].reduce((a, b) => a + b, 0) - rejectedBefore;
      analyzed += n;
      window.push({ t: performance.now(), n });
      if (window.length > 10_000) window.splice(0, window.length - 10_000);
      if (n > 0) events.inc({ result: 'analyzed' }, n);
      if (rejected > 0) events.inc({ result: 'rejected' }, rejected);
      syncAlerts();
      if (n === 0 && rejected > 0) {
        batches.inc({ result: 'bad-request' });
        return reply.code(400).type('application/json').send({ error: 'no audit event in the body', rejected });
      }
      batches.inc({ result: 'accepted' });
      return reply.code(200).type('application/json').send({ analyzed: n, rejected });
    };
    app.post('/audit', handler);
    app.post('/', handler);
    app.get('/audit/stats', async () => ({ analyzed, rejected: Object.fromEntries(o.engine.stats.rejected), sinks: o.sinks.map((s) => ({ name: s.name, ...s.stats() })) }));
  };
}

// ---- registration ------------------------------------------------------------------------------------

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('Kubernetes audit-log detection: analyse logs, or receive the API server\u2019s audit webhook.');
  const tool = (): { name: string; version: string } => ({ name: 'bulwark', version: program.version() ?? '0.0.0' });

  audit
    .command('analyze')
    .description('Analyse audit logs (JSON lines, EventList, EKS CloudWatch, AKS diagnostics, GKE Cloud Audit; gzip) and print findings at their events.')
    .argument('<files...>', 'audit log files, in time order; `-` reads stdin')
    .addOption(new Option('-f, --format <format>', 'report format').choices(FORMATS).default('text' as ReportFormat))
    .option('-o, --output <file>', 'write the report to FILE (atomically) instead of stdout')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when an unsuppressed finding is at or above this severity (or none)').argParser(severityArg).default('high' as Severity | 'none'))
    .option('--alerts <sink>', 'also stream every finding as it happens: stdout[+falco], file[+falco]:PATH[;maxBytes=…;maxFiles=…], webhook[+falco]:URL (repeatable)', collect, [] as string[])
    .option('--summary', 'print who did what to which sensitive resources instead of the findings (text or json)', false)
    .option('--policy <file>', 'audit policy (YAML or JSON): allowlists, lists, thresholds, severities (docs/audit.md)')
    .option('--dedup-window <duration>', 'rate-limit duplicate findings within this window (0 turns it off; default 60s, policy thresholds.dedupWindowSeconds)')
    .option('--limit <name=value>', `override a named limit (repeatable): ${LIMIT_NAMES.join(', ')}`, collect, [] as string[])
    .option('-q, --quiet', 'in text format only findings at or above --fail-on', false)
    .option('--no-color', 'disable colours (also NO_COLOR=1)')
    .option('-c, --config <file>', 'configuration file (default: bulwark.yaml in the current directory, when present)')
    .option('--no-config', 'ignore bulwark.yaml')
    .action(async (files, opts, cmd) => {
      await analyze(files, opts as AnalyzeFlags, cmd, tool());
    });

  audit
    .command('serve')
    .description('Run the audit webhook backend (POST /audit with an EventList; /healthz /readyz /metrics) and stream findings to the alert sinks.')
    .requiredOption('--tls-cert <file>', 'serving certificate (PEM); reloaded when it changes')
    .requiredOption('--tls-key <file>', 'private key (PEM); reloaded when it changes')
    .option('--port <port>', 'TCP port', '8443')
    .option('--host <address>', 'address to listen on', '0.0.0.0')
    .option('--alerts <sink>', 'where findings go (repeatable; default stdout): stdout[+falco], file[+falco]:PATH[;maxBytes=…;maxFiles=…], webhook[+falco]:URL[;retries=…]', collect, [] as string[])
    .option('--policy <file>', 'audit policy (YAML or JSON)')
    .option('--dedup-window <duration>', 'rate-limit duplicate findings within this window (0 turns it off)')
    .option('--max-batch-bytes <size>', `largest webhook body accepted (413 above; keep it above the API server\u2019s batch size); default: the limit maxAuditBatchBytes (${DEFAULT_MAX_BATCH_BYTES / 2 ** 20} MiB)`)
    .option('--hold-timeout <duration>', 'how long a batch waits for sink room before the answer is 429 (keep well under the API server\u2019s 30s timeout)', '5s')
    .option('--hostname <name>', 'hostname of Falco-format alerts (default: the pod\u2019s host name)')
    .option('--tls-reload-interval <duration>', 'how often the TLS files are read again', '5s')
    .option('--shutdown-delay <duration>', 'after SIGTERM, keep serving (not ready) this long before draining', '0s')
    .option('--drain-timeout <duration>', 'longest wait for requests in flight at shutdown', '25s')
    .option('--request-timeout <duration>', 'time allowed to receive a whole request (then 408)', '20s')
    .option('--headers-timeout <duration>', 'time allowed to receive the request headers (then 408)', '5s')
    .option('--limit <name=value>', `override a named limit (repeatable): ${LIMIT_NAMES.join(', ')}`, collect, [] as string[])
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info' as LogLevel))
    .option('-c, --config <file>', 'configuration file for rule selection (default: bulwark.yaml in the current directory, when present)')
    .option('--no-config', 'ignore bulwark.yaml')
    .action(async (opts) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new BulwarkError('USAGE', `--port must be a TCP port, got ${JSON.stringify(opts.port)}`);
      const config = auditConfig(loadCliConfig(opts.config));
      const selection = resolveRules(config, AUDIT_REGISTRY.rules);
      const limits = resolveLimits(parseLimitFlags(opts.limit), resolveLimits(config.limits));
      const maxBatch = opts.maxBatchBytes === undefined ? limits.maxAuditBatchBytes : parseSize(opts.maxBatchBytes);
      if (maxBatch === undefined || maxBatch <= 0) throw new BulwarkError('USAGE', `--max-batch-bytes must be a size, got ${JSON.stringify(opts.maxBatchBytes)}`);
      const policy = withDedup(policyFromFlag(opts.policy), opts.dedupWindow);
      const log = createLogger('bulwark-audit', opts.logLevel);
      const { sink, sinks } = sinksFrom(opts.alerts.length === 0 ? ['stdout'] : opts.alerts, limits, (m) => log.error({ event: 'sink-error', msg: m }, 'alert sink error'), opts.hostname);
      const reporter: Reporter = new Reporter({
        selection,
        onFinding: (f) => {
          sink.write(f);
          reporter.findings.length = 0;
        },
      });
      const engine = new AuditEngine(reporter, { rules: AUDIT_RULES, policy, limits, source: 'audit-webhook' });
      const server = await createServer(
        {
          service: 'bulwark-audit',
          tls: { certFile: opts.tlsCert, keyFile: opts.tlsKey, reloadIntervalMs: parseDuration('--tls-reload-interval', opts.tlsReloadInterval) },
          bodyLimit: maxBatch,
          requestTimeoutMs: parseDuration('--request-timeout', opts.requestTimeout),
          headersTimeoutMs: parseDuration('--headers-timeout', opts.headersTimeout),
          shutdownDelayMs: parseDuration('--shutdown-delay', opts.shutdownDelay),
          drainTimeoutMs: parseDuration('--drain-timeout', opts.drainTimeout),
          logger: log,
        },
        auditRoutes({ engine, sink, sinks, limits, holdMs: parseDuration('--hold-timeout', opts.holdTimeout) }),
      );
      process.removeAllListeners('SIGTERM');
      process.removeAllListeners('SIGINT');
      // After the shell drained the requests in flight: flush what the engine held back, then the sinks.
      exitOnSignals(server, (code) => {
        void (async () => {
          try {
            engine.flush();
            await sink.close();
            const s = sink.stats();
            log.info({ event: 'sinks-closed', written: s.written, dropped: s.dropped, failed: s.failed }, 'alert sinks flushed');
          } finally {
            process.exit(code);
          }
        })();
      });
      await server.listen(port, opts.host);
    });
}
