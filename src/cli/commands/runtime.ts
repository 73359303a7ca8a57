/**
 * `bulwark runtime watch` — the runtime agent (issue 13). One per node (deploy/runtime/daemonset.yaml)
 * or on a Linux host for testing. Writes one JSON finding per line to stdout as it detects (other sinks
 * with `--sink`). Inputs: the built-in /proc sensor (default on), Falco JSON alerts (a file, or HTTP as
 * Falco's `http_output` posts them to `POST /falco` when `--listen` is given), Tetragon's JSON export
 * (a file), Bulwark event files, and GPU process lists (nvidia-smi CSV / NVML JSON from a file or
 * stdin). Pod metadata from the kubelet's pod list (`--pods-url`) or a file (`--pods-file`).
 *
 * With `--listen`, the shared HTTPS server (src/server) serves `POST /falco`, `/healthz`, `/readyz` and
 * `/metrics`; it needs `--tls-cert`/`--tls-key` like every Bulwark server. Without it no port is opened.
 * `--no-follow` reads the input files once and exits when they end (replays; the /proc sensor off).
 */
import type { Command } from '@commander-js/extra-typings';
import { Option } from '@commander-js/extra-typings';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Registry } from 'prom-client';
import { resolveRules } from '../../config/index.js';
import type { Finding, Severity } from '../../findings/index.js';
import { BulwarkError, SEVERITIES } from '../../findings/index.js';
import type { LineRecord } from '../../limits/index.js';
import { LIMIT_NAMES, readLines, resolveLimits } from '../../limits/index.js';
import { CORE_RULESET, createRegistry } from '../../rules/index.js';
import type { FileInput, ResponsePolicy, RuntimeEvent } from '../../runtime/index.js';
import {
  DETECTION_DATA,
  NO_PODS,
  ProcSensor,
  RUNTIME_RULESET,
  RuntimeAgent,
  RuntimeAnalyzer,
  actionsFor,
  compileData,
  inClusterAccess,
  killProcess,
  labelPod,
  mergeDetectionData,
  parseDetectionOverlay,
  podIndexFromJson,
} from '../../runtime/index.js';
import type { LogLevel } from '../../server/index.js';
import { LOG_LEVELS, createLogger, createServer, createServerMetrics, exitOnSignals, promClient } from '../../server/index.js';
import type { Sink } from '../../sinks/index.js';
import { createSink, fanout, parseSinkSpec } from '../../sinks/index.js';
import { collect, loadCliConfig, parseLimitFlags } from '../config.js';
import { parseDuration } from './admission.js';

export const RUNTIME_REGISTRY = createRegistry([CORE_RULESET, RUNTIME_RULESET]);

function severityFlag(flag: string, v: string | undefined): Severity | undefined {
  if (v === undefined) return undefined;
  if (!(SEVERITIES as readonly string[]).includes(v)) throw new BulwarkError('USAGE', `${flag} must be one of ${SEVERITIES.join(', ')}`);
  return v as Severity;
}

function readJsonFile(flag: string, path: string, max: number): unknown {
  let text: string;
  try {
    const b = readFileSync(path);
    if (b.length > max) throw new BulwarkError('USAGE', `${flag} ${path} is larger than ${max} bytes`);
    text = b.toString('utf8');
  } catch (e) {
    if (e instanceof BulwarkError) throw e;
    throw new BulwarkError('USAGE', `${flag} ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new BulwarkError('USAGE', `${flag} ${path}: not JSON`);
  }
}

/** Runtime metrics on the server's registry, read from the agent's counters when scraped. */
function registerMetrics(registry: Registry, agent: RuntimeAgent, analyzer: RuntimeAnalyzer, sensor: ProcSensor | undefined, sink: Sink): void {
  const { Gauge } = promClient();
  const from = <L extends string>(name: string, help: string, labels: readonly L[], read: (set: (l: Partial<Record<L, string>>, v: number) => void) => void): void => {
    new Gauge({
      name,
      help,
      labelNames: labels,
      registers: [registry],
      collect() {
        this.reset();
        read((l, v) => this.set(l, v));
      },
    });
  };
  from('bulwark_runtime_events_received_total', 'Events accepted from each source (counter)', ['source'] as const, (set) => {
    for (const [source, n] of agent.counters.received) set({ source }, n);
  });
  from('bulwark_runtime_events_malformed_total', 'Input lines or bodies that were not events, by source (counter)', ['source'] as const, (set) => {
    for (const [source, n] of agent.counters.malformed) set({ source }, n);
  });
  from('bulwark_runtime_events_dropped_total', 'Events dropped because the queue (maxEventQueue) was full (counter; stays 0 under the stated load)', [] as const, (set) => set({}, agent.counters.dropped));
  from('bulwark_runtime_events_too_long_total', 'Input lines longer than maxEventBytes, skipped (counter)', [] as const, (set) => set({}, agent.counters.tooLong));
  from('bulwark_runtime_queue_depth', 'Events waiting to be judged', [] as const, (set) => set({}, agent.queue.depth));
  from('bulwark_runtime_findings_total', 'Findings emitted, by rule (counter)', ['rule'] as const, (set) => {
    for (const [rule, n] of analyzer.stats.byRule) set({ rule }, n);
  });
  from('bulwark_runtime_alerts_rate_limited_total', 'Repeated alerts held back by rate limiting (counter)', [] as const, (set) => set({}, analyzer.limiter.suppressed));
  from('bulwark_runtime_rate_limit_evicted_total', 'Rate-limit keys evicted because maxStateEntries was reached (counter)', [] as const, (set) => set({}, analyzer.limiter.evicted));
  from('bulwark_runtime_pod_refreshes_total', 'Pod list refreshes (counter), by result', ['result'] as const, (set) => {
    set({ result: 'ok' }, agent.counters.podRefreshes);
    set({ result: 'error' }, agent.counters.podErrors);
  });
  from('bulwark_runtime_sink_lost_total', 'Findings the sinks dropped (queue full) or failed to deliver (counter; stays 0)', ['reason'] as const, (set) => {
    const s = sink.stats();
    set({ reason: 'dropped' }, s.dropped);
    set({ reason: 'failed' }, s.failed);
  });
  if (sensor !== undefined) {
    from('bulwark_runtime_processes_tracked', 'Processes the /proc sensor tracks', [] as const, (set) => set({}, sensor.stats.tracked));
    from('bulwark_runtime_processes_dropped_total', 'New processes not tracked because maxProcesses was reached (counter)', [] as const, (set) => set({}, sensor.stats.dropped));
    from('bulwark_runtime_poll_seconds', 'Duration of the last /proc poll', [] as const, (set) => set({}, sensor.stats.lastPollMs / 1000));
  }
}

export function registerRuntime(program: Command): void {
  const runtime = program.command('runtime').description('Runtime threat detection on nodes: miners, reverse shells, webshells, dropped binaries, token theft, GPU abuse.');
  runtime
    .command('watch')
    .description('Run the runtime agent: one JSON finding per line on stdout as threats are detected (other sinks with --sink).')
    .option('--no-proc', 'disable the built-in /proc sensor')
    .option('--proc-root <dir>', 'procfs to read (/host/proc when the host /proc is mounted there)', '/proc')
    .option('--interval <duration>', '/proc poll interval', '1s')
    .option('--rescan-every <polls>', 'read the descriptors of older processes every N polls (sockets, GPU devices)', '30')
    .option('--falco-file <file>', "Falco JSON alerts (file_output with json_output: true); followed as it grows (repeatable)", collect, [] as string[])
    .option('--tetragon-file <file>', "Tetragon's JSON export (export-filename); followed as it grows (repeatable)", collect, [] as string[])
    .option('--events <file>', 'Bulwark runtime events, one JSON object per line (replays; repeatable)', collect, [] as string[])
    .option('--from-end', 'start followed files at their end (only new lines)', false)
    .option('--no-follow', 'read the input files once and exit when they end (the /proc sensor is then off)')
    .option('--gpu-processes <file>', 'GPU process list: nvidia-smi --query-compute-apps CSV or NVML JSON; a file re-read when it changes, or - for a stream on stdin')
    .option('--gpu-columns <list>', 'columns of headerless nvidia-smi CSV', 'gpu_uuid,pid,process_name,used_gpu_memory')
    .option('--gpu-interval <duration>', 'how often the GPU process file is checked', '5s')
    .option('--pods-file <file>', 'pod list JSON (kubelet /pods or kubectl get pods -o json), re-read when it changes')
    .option('--pods-url <url>', "pod list URL, e.g. the kubelet's read-only http://127.0.0.1:10255/pods")
    .option('--pods-refresh <duration>', 'how often the pod list is refreshed', '30s')
    .option('--api-server <address>', 'Kubernetes API server address[:port] (repeatable; default: KUBERNETES_SERVICE_HOST)', collect, [] as string[])
    .option('--node <name>', 'node name in findings (default: NODE_NAME, else the host name)')
    .option('--data <file>', 'detection data additions (JSON: minerNames, poolDomains, poolPorts, servers, …)')
    .option('--sink <spec>', 'where findings go: stdout (default), stdout+falco, file:PATH, webhook[+falco]:URL (repeatable; docs/sinks.md)', collect, [] as string[])
    .option('--rate-limit-window <duration>', 'repeats of the same alert within this window are held back and counted', '60s')
    .option('--rate-limit-burst <n>', 'alerts let through per window and key', '1')
    .option('--kill-at <severity>', 'response: kill the process of findings at or above this severity (off by default)')
    .option('--label-at <severity>', 'response: label the pod bulwark.dev/quarantine=true for findings at or above this severity (off by default; needs RBAC to patch pods)')
    .option('--response-rule <id>', 'response actions only for these rules (repeatable; default: every runtime rule)', collect, [] as string[])
    .option('--listen <port>', 'serve POST /falco (Falco http_output), /healthz, /readyz, /metrics over HTTPS on this port')
    .option('--host <address>', 'address to listen on', '0.0.0.0')
    .option('--tls-cert <file>', 'serving certificate (PEM) for --listen')
    .option('--tls-key <file>', 'private key (PEM) for --listen')
    .option('--duration <duration>', 'stop after this long (tests, benchmarks)')
    .option('--limit <name=value>', `override a named limit (repeatable): ${LIMIT_NAMES.join(', ')}`, collect, [] as string[])
    .option('-c, --config <file>', 'configuration file for rule selection (default: bulwark.yaml in the current directory, when present)')
    .option('--no-config', 'ignore bulwark.yaml')
    .addOption(new Option('--log-level <level>', 'log level (logs go to stderr)').choices(LOG_LEVELS).default('info' as LogLevel))
    .action(async (opts) => {
      const config = loadCliConfig(opts.config);
      const limits = resolveLimits(parseLimitFlags(opts.limit), resolveLimits(config.limits));
      const selection = resolveRules(config, RUNTIME_REGISTRY.rules);
      const log = createLogger('bulwark-runtime', opts.logLevel, process.stderr);
      let dataSet = DETECTION_DATA;
      if (opts.data !== undefined) {
        const o = parseDetectionOverlay(readJsonFile('--data', opts.data, limits.maxEventBytes));
        if (!o.ok) throw new BulwarkError('USAGE', `--data ${opts.data}: ${o.problems.join('; ')}`);
        dataSet = mergeDetectionData(DETECTION_DATA, o.overlay);
      }
      const data = compileData(dataSet);
      const node = opts.node ?? process.env['NODE_NAME'] ?? hostname();
      const envApi = process.env['KUBERNETES_SERVICE_HOST'];
      const apiServers = opts.apiServer.length > 0 ? opts.apiServer : envApi !== undefined ? [`${envApi}:${process.env['KUBERNETES_SERVICE_PORT'] ?? '443'}`] : [];
      const killAt = severityFlag('--kill-at', opts.killAt);
      const labelAt = severityFlag('--label-at', opts.labelAt);
      const policy: ResponsePolicy = { ...(killAt !== undefined && { killAt }), ...(labelAt !== undefined && { labelAt }), rules: opts.responseRule };
      const access = labelAt !== undefined ? inClusterAccess() : undefined;
      if (labelAt !== undefined && access === undefined) throw new BulwarkError('USAGE', '--label-at needs in-cluster credentials (KUBERNETES_SERVICE_HOST and the ServiceAccount token)');
      const follow = opts.follow;
      const gpuStdin = opts.gpuProcesses === '-';
      const files: FileInput[] = [
        ...opts.falcoFile.map((path) => ({ kind: 'falco' as const, path, follow, fromEnd: opts.fromEnd })),
        ...opts.tetragonFile.map((path) => ({ kind: 'tetragon' as const, path, follow, fromEnd: opts.fromEnd })),
        ...opts.events.map((path) => ({ kind: 'events' as const, path, follow, fromEnd: opts.fromEnd })),
      ];
      const useProc = opts.proc && follow;
      if (useProc && process.platform !== 'linux') throw new BulwarkError('USAGE', 'the /proc sensor needs Linux; use --no-proc with Falco or Tetragon inputs elsewhere');
      const sinkSpecs = opts.sink.length > 0 ? opts.sink : ['stdout'];
      const rulesInfo = (id: string): { title: string; tags: readonly string[] } | undefined => {
        const r = RUNTIME_REGISTRY.get(id);
        return r === undefined ? undefined : { title: r.title, tags: r.tags };
      };
      const sink = fanout(sinkSpecs.map((s) => createSink(parseSinkSpec(s), limits, { hostname: node, rules: rulesInfo, onError: (m) => log.warn({ event: 'sink-error', msg: m }, 'sink problem') })));
      const metrics = createServerMetrics();
      const { Counter } = promClient();
      const actions = new Counter({ name: 'bulwark_runtime_actions_total', help: 'Response actions taken, by action (kill, label) and result (ok, failed)', labelNames: ['action', 'result'] as const, registers: [metrics.registry] });
      const act = (f: Finding, ev: RuntimeEvent): void => {
        const a = actionsFor(f, ev, policy);
        if (a.kill) {
          const r = killProcess(ev, opts.procRoot);
          actions.inc({ action: 'kill', result: r.ok ? 'ok' : 'failed' });
          log.warn({ event: 'response', action: 'kill', ok: r.ok, detail: r.detail, rule: f.ruleId }, 'response action');
        }
        const c = ev.process.container;
        if (a.label && access !== undefined && c?.namespace !== undefined && c.pod !== undefined) {
          void labelPod(access, c.namespace, c.pod).then((r) => {
            actions.inc({ action: 'label', result: r.ok ? 'ok' : 'failed' });
            log.warn({ event: 'response', action: 'label', ok: r.ok, detail: r.detail, rule: f.ruleId }, 'response action');
          });
        }
      };
      const analyzer = new RuntimeAnalyzer({
        ctx: { data, pods: NO_PODS, apiServers },
        selection,
        onFinding: (f, ev) => {
          sink.write(f);
          if (killAt !== undefined || labelAt !== undefined) act(f, ev);
        },
        rateLimit: { windowMs: parseDuration('--rate-limit-window', opts.rateLimitWindow), burst: Math.max(1, Number(opts.rateLimitBurst) || 1), maxKeys: limits.maxStateEntries },
      });
      const sensor = useProc
        ? new ProcSensor({ procRoot: opts.procRoot, maxProcesses: limits.maxProcesses, maxFdsPerProcess: limits.maxFdsPerProcess, maxCmdlineBytes: limits.maxCmdlineBytes, maxHashBytes: limits.maxHashBytes, node, gpuDevicePrefixes: dataSet.gpuDevices, hashExecutables: dataSet.minerHashes.length > 0, rescanEvery: Math.max(1, Number(opts.rescanEvery) || 30) })
        : undefined;
      let gpuStream: { lines: AsyncIterable<LineRecord>; columns: string[] } | undefined;
      const gpuColumns = opts.gpuColumns.split(',').map((c) => c.trim());
      if (gpuStdin) gpuStream = { lines: readLines(process.stdin, limits.maxEventBytes), columns: gpuColumns };
      const agent = new RuntimeAgent({
        analyzer,
        maxEventBytes: limits.maxEventBytes,
        maxEventQueue: limits.maxEventQueue,
        maxStateEntries: limits.maxStateEntries,
        maxPodListBytes: limits.maxPodListBytes,
        ...(sensor !== undefined && { proc: sensor, procIntervalMs: parseDuration('--interval', opts.interval) }),
        files,
        ...(opts.gpuProcesses !== undefined && !gpuStdin && follow && { gpuFile: { path: opts.gpuProcesses, columns: gpuColumns, intervalMs: parseDuration('--gpu-interval', opts.gpuInterval) } }),
        ...(gpuStream !== undefined && { gpuStream }),
        ...((opts.podsFile !== undefined || opts.podsUrl !== undefined) && {
          pods: { ...(opts.podsFile !== undefined && { file: opts.podsFile }), ...(opts.podsUrl !== undefined && { url: opts.podsUrl }), refreshMs: parseDuration('--pods-refresh', opts.podsRefresh) },
        }),
        node,
        keepOpen: opts.listen !== undefined,
        log: (level, event, fields) => log[level]({ event, ...fields }, event),
      });
      if (opts.gpuProcesses !== undefined && !gpuStdin && !follow) {
        // Replay of a recorded list: read it once through the same path.
        const once = new RuntimeAgent({ analyzer, maxEventBytes: limits.maxEventBytes, maxEventQueue: limits.maxEventQueue, maxStateEntries: limits.maxStateEntries, gpuFile: { path: opts.gpuProcesses, columns: gpuColumns, intervalMs: 3_600_000 }, node });
        const t = once.run();
        once.stop();
        await t;
      }
      // Pods before anything is judged.
      if (opts.podsFile !== undefined && !follow) {
        const index = podIndexFromJson(readJsonFile('--pods-file', opts.podsFile, limits.maxPodListBytes), { gpuResource: data.gpuResource, inferenceImages: dataSet.inferenceImages, maxPods: limits.maxStateEntries });
        analyzer.setContext({ ...analyzer.ctx, pods: index });
      }
      let server: Awaited<ReturnType<typeof createServer>> | undefined;
      if (opts.listen !== undefined) {
        const port = Number(opts.listen);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new BulwarkError('USAGE', `--listen must be a TCP port, got ${JSON.stringify(opts.listen)}`);
        if (opts.tlsCert === undefined || opts.tlsKey === undefined) throw new BulwarkError('USAGE', '--listen needs --tls-cert and --tls-key (every Bulwark server speaks HTTPS only)');
        registerMetrics(metrics.registry, agent, analyzer, sensor, sink);
        server = await createServer({ service: 'bulwark-runtime', tls: { certFile: opts.tlsCert, keyFile: opts.tlsKey }, bodyLimit: limits.maxEventBytes, logger: log, metrics }, (app, ctx) => {
          app.post('/falco', async (req, reply) => {
            if (!ctx.ready()) return reply.code(503).send({ error: 'shutting down' });
            const body = req.body;
            if (!Buffer.isBuffer(body) || body.length === 0) return reply.code(400).send({ error: 'expected a Falco JSON alert' });
            if (agent.queue.depth >= agent.queue.capacity) return reply.code(503).header('retry-after', '1').send({ error: 'queue full' });
            const r = agent.offerText('falco', body.toString('utf8'), 'http:/falco');
            if (!r.ok) return reply.code(400).send({ error: r.reason });
            return reply.code(200).send({ accepted: r.events.length });
          });
        });
        process.removeAllListeners('SIGTERM');
        process.removeAllListeners('SIGINT');
        exitOnSignals(server, (code) => {
          agent.stop();
          void sink.close().finally(() => process.exit(code));
        });
        await server.listen(port, opts.host);
      } else {
        const stop = (): void => agent.stop();
        process.removeAllListeners('SIGTERM');
        process.removeAllListeners('SIGINT');
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      }
      if (opts.duration !== undefined) setTimeout(() => agent.stop(), parseDuration('--duration', opts.duration)).unref();
      log.info({ event: 'runtime-start', node, proc: sensor !== undefined, files: files.length, sinks: sinkSpecs.length, listen: opts.listen }, 'runtime agent started');
      await agent.run();
      await server?.shutdown('inputs ended');
      await sink.close();
      const s = sink.stats();
      log.info({ event: 'runtime-stop', events: analyzer.stats.events, findings: analyzer.stats.findings, rateLimited: analyzer.limiter.suppressed, queueDropped: agent.counters.dropped, sinkDropped: s.dropped, sinkFailed: s.failed }, 'runtime agent stopped');
    });
}
