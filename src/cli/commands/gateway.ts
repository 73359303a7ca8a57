/**
 * `bulwark gateway` — the inference gateway (docs/gateway.md): a reverse proxy in front of
 * OpenAI-compatible servers (vLLM, TGI, llama.cpp, Ollama) and KServe/Triton v2 servers that refuses
 * API abuse before it reaches the GPU and filters leaks out of responses.
 *
 * Quick start: `bulwark gateway --upstream http://127.0.0.1:8000 --port 8080 --plain-http` — one
 * OpenAI-compatible upstream with the default route allowlist and clamps, screening on, the leak filter
 * on (secrets), in-memory budgets; callers without a key are the `anonymous` tenant only in this
 * quick-start mode (no `gateway.tenants` configured) and only when listening on loopback.
 *
 * Health and metrics are served on a separate admin port (`--admin-port`, default 9090), never on the
 * tenants' port. Bad flags or configuration: one line on stderr, exit 2.
 */
import type { Command } from '@commander-js/extra-typings';
import { Option } from '@commander-js/extra-typings';
import { readFileSync } from 'node:fs';
import { createWriteStream } from 'node:fs';
import type { GatewayBudgetConfig, GatewayConfig } from '../../config/index.js';
import { resolveRules } from '../../config/index.js';
import { BulwarkError } from '../../findings/index.js';
import type { BudgetLimits, GatewaySettings, RouteLimits, TenantInput, UpstreamPolicy } from '../../gateway/index.js';
import { DEFAULT_ROUTE_LIMITS, DEFAULT_SCREENING, GATEWAY_RULES, NO_AUDIT_LOG, NdjsonAuditLog, TenantDirectory, defaultRoutes, parseRoute, sha256Hex, upstreamPolicy } from '../../gateway/index.js';
import { resolveLimits } from '../../limits/index.js';
import { isLoopbackHost } from '../../oci/index.js';
import type { LogLevel } from '../../server/index.js';
import { LOG_LEVELS } from '../../server/index.js';
import { collect, loadCliConfig } from '../config.js';
import { parseDuration } from './admission.js';

/** Budget of tenants without their own (and of the quick-start anonymous tenant). */
export const DEFAULT_BUDGET: BudgetLimits = { requestsPerSecond: 50, requestBurst: 100, tokensPerMinute: 2_000_000, maxConcurrent: 64, maxQueue: 256, queueTimeoutMs: 10_000 };

function port(flag: string, v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new BulwarkError('USAGE', `${flag} must be a TCP port, got ${JSON.stringify(v)}`);
  return n;
}

function budget(b: GatewayBudgetConfig | undefined, base: BudgetLimits): BudgetLimits {
  return { ...base, ...b };
}

function secret(where: string, env: string | undefined, file: string | undefined): string | undefined {
  if (env !== undefined) {
    const v = process.env[env];
    if (v === undefined || v.trim() === '') throw new BulwarkError('CONFIG', `${where}: environment variable ${env} is not set`);
    return v.trim();
  }
  if (file !== undefined) {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (e) {
      throw new BulwarkError('CONFIG', `${where}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
  }
  return undefined;
}

export interface GatewayFlags {
  readonly upstream?: string;
  readonly host?: string;
}

/** Upstreams, tenants and limits from the configuration and the flags (pure but for key files and env). */
export function gatewayPolicy(g: GatewayConfig, flags: GatewayFlags): { upstreams: UpstreamPolicy[]; tenants: TenantDirectory; quickStart: boolean } {
  const ups: UpstreamPolicy[] = [];
  if (flags.upstream !== undefined) ups.push(upstreamPolicy({ name: 'default', url: flags.upstream, kind: 'openai' }));
  for (const [i, u] of (g.upstreams ?? []).entries()) {
    const where = `gateway.upstreams[${i}] (${u.name})`;
    const f = { ...DEFAULT_ROUTE_LIMITS.fields } as Record<string, unknown>;
    let maxBodyBytes = DEFAULT_ROUTE_LIMITS.maxBodyBytes;
    let maxJsonDepth = DEFAULT_ROUTE_LIMITS.maxJsonDepth;
    for (const [k, v] of Object.entries(u.limits ?? {})) {
      if (k === 'maxBodyBytes') maxBodyBytes = v as number;
      else if (k === 'maxJsonDepth') maxJsonDepth = v as number;
      else f[k] = k === 'mediaHosts' ? (v as string[]).map((h) => h.toLowerCase()) : v;
    }
    const limits: RouteLimits = { fields: f as unknown as RouteLimits['fields'], maxBodyBytes, maxJsonDepth, screening: { ...DEFAULT_SCREENING, ...u.screening } };
    const routes = u.routes !== undefined ? u.routes.map((r, j) => parseRoute(r, limits, `${where}.routes[${j}]`)) : [...defaultRoutes(u.kind, limits), ...(u.allowRoutes ?? []).map((r, j) => parseRoute(r, limits, `${where}.allowRoutes[${j}]`))];
    const apiKey = secret(where, u.apiKeyEnv, u.apiKeyFile);
    ups.push(upstreamPolicy({ name: u.name, url: u.url, kind: u.kind, ...(u.prefix !== undefined && { prefix: u.prefix }), routes, ...(apiKey !== undefined && { apiKey }), ...(u.connections !== undefined && { connections: u.connections }), ...(u.timeoutMs !== undefined && { headersTimeoutMs: u.timeoutMs, bodyTimeoutMs: u.timeoutMs }) }));
  }
  if (ups.length === 0) throw new BulwarkError('USAGE', 'no upstream: give --upstream URL or gateway.upstreams in the configuration');
  const prefixes = new Set<string>();
  for (const u of ups) {
    if (prefixes.has(u.prefix)) throw new BulwarkError('CONFIG', `two upstreams share the path prefix ${JSON.stringify(u.prefix || '/')}: give each a distinct prefix`);
    prefixes.add(u.prefix);
  }
  const base = budget(g.budgets?.default, DEFAULT_BUDGET);
  const tenants: TenantInput[] = (g.tenants ?? []).map((t, i) => {
    const where = `gateway.tenants[${i}] (${t.name})`;
    const keys = [...(t.apiKeySha256 ?? [])];
    const envKey = secret(where, t.apiKeyEnv, undefined);
    if (envKey !== undefined) keys.push(sha256Hex(envKey));
    if (t.apiKeysFile !== undefined) for (const line of (secret(where, undefined, t.apiKeysFile) ?? '').split('\n')) if (line.trim() !== '') keys.push(sha256Hex(line.trim()));
    return { name: t.name, keyHashes: keys, identities: t.identities ?? [], limits: budget(t.budget, base) };
  });
  const quickStart = tenants.length === 0;
  let anonymous = g.anonymous;
  if (quickStart && anonymous === undefined) {
    if (!isLoopbackHost(flags.host ?? '127.0.0.1')) throw new BulwarkError('USAGE', 'no tenants are configured: the anonymous quick-start tenant is only allowed on loopback (--host 127.0.0.1); configure gateway.tenants to listen elsewhere');
    anonymous = 'anonymous';
  }
  return { upstreams: ups, tenants: new TenantDirectory(tenants, base, anonymous), quickStart };
}

export function registerGateway(program: Command): void {
  program
    .command('gateway')
    .description('Run the inference gateway: a reverse proxy for OpenAI-compatible and KServe v2 servers that refuses API abuse before it reaches the GPU (docs/gateway.md).')
    .option('-c, --config <file>', 'configuration file (gateway section; default: bulwark.yaml in the current directory, when present)')
    .option('--no-config', 'ignore bulwark.yaml')
    .option('--upstream <url>', 'an OpenAI-compatible upstream (quick start), e.g. http://127.0.0.1:8000')
    .option('--port <port>', 'TCP port for tenants', '8080')
    .option('--host <address>', 'address to listen on (default 127.0.0.1 with --plain-http, else 0.0.0.0)')
    .option('--plain-http', 'serve plain HTTP (loopback, or behind a mesh that terminates TLS); default HTTPS', false)
    .option('--tls-cert <file>', 'serving certificate (PEM), reloaded when it changes')
    .option('--tls-key <file>', 'private key (PEM), reloaded when it changes')
    .option('--client-ca <file>', 'verify client certificates against this CA (mTLS); identities map to tenants')
    .option('--admin-port <port>', 'port of /healthz, /readyz and /metrics (0: none)', '9090')
    .option('--admin-host <address>', 'address of the admin port', '0.0.0.0')
    .option('--audit-log <target>', 'audit log of decisions: stdout, a file path, or none')
    .option('--sink <spec>', 'findings (refusals, flags, cuts) to a sink: stdout, file:PATH, webhook:URL … (repeatable; docs/sinks.md)', collect, [] as string[])
    .option('--drain-timeout <duration>', 'longest wait for requests and streams in flight at shutdown', '30s')
    .option('--shutdown-delay <duration>', 'after SIGTERM, keep serving (not ready) this long before draining', '0s')
    .option('--headers-timeout <duration>', 'time allowed to receive request headers (slowloris)', '10s')
    .option('--request-timeout <duration>', 'time allowed to receive a whole request body', '60s')
    .option('--check-config', 'check the configuration and flags (files read, rules compiled), print one line and exit 0, or 2 with the error', false)
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info' as LogLevel))
    .action(async (opts) => {
      const config = loadCliConfig(opts.config);
      const g = config.gateway;
      const plain = opts.plainHttp;
      if (!plain && !opts.checkConfig && (opts.tlsCert === undefined || opts.tlsKey === undefined)) throw new BulwarkError('USAGE', 'give --tls-cert and --tls-key, or --plain-http for plain HTTP');
      if (plain && opts.clientCa !== undefined) throw new BulwarkError('USAGE', '--client-ca needs TLS (not --plain-http)');
      const host = opts.host ?? (plain ? '127.0.0.1' : '0.0.0.0');
      const listenPort = port('--port', opts.port);
      const adminPort = port('--admin-port', opts.adminPort);
      const { upstreams, tenants } = gatewayPolicy(g, { ...(opts.upstream !== undefined && { upstream: opts.upstream }), host });
      const selection = resolveRules(config, GATEWAY_RULES);
      const drain = parseDuration('--drain-timeout', opts.drainTimeout);
      const shutdownDelay = parseDuration('--shutdown-delay', opts.shutdownDelay);
      const headersTimeout = parseDuration('--headers-timeout', opts.headersTimeout);
      const requestTimeout = parseDuration('--request-timeout', opts.requestTimeout);

      const gw = await import('../../gateway/index.js');
      const { memoryBudgetStore, redisBudgetStore, httpClassifier } = gw;
      const leakRules = { canaries: g.leaks?.canaries ?? [], protectedTexts: (g.leaks?.protectedTextFiles ?? []).map((f) => secret('gateway.leaks.protectedTextFiles', undefined, f) ?? ''), secrets: g.leaks?.secrets ?? true, pii: g.leaks?.pii ?? false };
      gw.compileLeakRules(leakRules);
      if (opts.checkConfig) {
        if (g.tokenizer !== undefined) await gw.loadTokenizer(g.tokenizer);
        process.stdout.write(`bulwark gateway: configuration OK (${upstreams.length} upstream${upstreams.length === 1 ? '' : 's'}, ${tenants.tenants.length} tenant${tenants.tenants.length === 1 ? '' : 's'}, budgets in ${g.budgets?.store ?? 'memory'})\n`);
        return;
      }
      const budgets = g.budgets?.store === 'redis' ? redisBudgetStore({ url: g.budgets.redisUrl ?? '', ...(g.budgets.failOpen !== undefined && { failOpen: g.budgets.failOpen }) }) : memoryBudgetStore();
      const tokenizer = g.tokenizer === undefined ? undefined : await gw.loadTokenizer(g.tokenizer);
      const auditTarget = opts.auditLog ?? g.audit?.log ?? 'stdout';
      const audit = auditTarget === 'none' ? NO_AUDIT_LOG : new NdjsonAuditLog(auditTarget === 'stdout' ? process.stdout : createWriteStream(auditTarget, { flags: 'a' }));
      const limits = resolveLimits(config.limits);
      const { createSink, fanout, parseSinkSpec } = await import('../../sinks/index.js');
      const sink = opts.sink.length === 0 ? undefined : fanout(opts.sink.map((s) => createSink(parseSinkSpec(s), limits, { onError: (m) => process.stderr.write(`bulwark: ${m}\n`) })));
      const c = g.classifier;
      const settings: GatewaySettings = {
        upstreams,
        tenants,
        leaks: leakRules,
        ...(g.leaks?.holdBackChars !== undefined && { holdBackChars: g.leaks.holdBackChars }),
        ...(tokenizer !== undefined && { tokenizer }),
        ...(c !== undefined && { classifier: { client: httpClassifier({ url: c.url, timeoutMs: c.timeoutMs ?? 200 }), timeoutMs: c.timeoutMs ?? 200, flag: c.flag ?? 0.5, block: c.block ?? 0.9, onError: c.onError ?? 'allow' } }),
        budgets,
        audit,
        includePrompts: g.audit?.includePrompts ?? false,
        selection,
        ...(sink !== undefined && { onFinding: (f) => sink.write(f) }),
      };
      const { createLogger, createServer, createServerMetrics, exitOnSignals } = await import('../../server/index.js');
      const log = createLogger('bulwark-gateway', opts.logLevel);
      const metrics = createServerMetrics();
      const server = await createServer(
        {
          service: 'bulwark-gateway',
          ...(plain ? { plainHttp: true } : { tls: { certFile: opts.tlsCert ?? '', keyFile: opts.tlsKey ?? '' } }),
          ...(opts.clientCa !== undefined && { clientCaFile: opts.clientCa }),
          healthRoutes: false,
          bodyLimit: DEFAULT_ROUTE_LIMITS.maxBodyBytes,
          headersTimeoutMs: headersTimeout,
          requestTimeoutMs: requestTimeout,
          keepAliveTimeoutMs: 75_000,
          shutdownDelayMs: shutdownDelay,
          drainTimeoutMs: drain,
          logger: log,
          metrics,
        },
        gw.gatewayRoutes(settings),
      );
      const admin =
        adminPort === 0
          ? undefined
          : await createServer({ service: 'bulwark-gateway-admin', plainHttp: true, bodyLimit: 1024, logger: log, metrics, readiness: () => server.ready() && budgets.healthy() }, () => undefined);
      process.removeAllListeners('SIGTERM');
      process.removeAllListeners('SIGINT');
      // After the tenants' server drained the requests and streams in flight: the admin port, then the
      // audit log, the sinks and the budget store.
      exitOnSignals(server, (code) => {
        void (async () => {
          try {
            await admin?.shutdown('tenants server stopped');
            await audit.flush();
            await sink?.close();
            await budgets.close();
          } finally {
            process.exit(code);
          }
        })();
      });
      const a = await server.listen(listenPort, host);
      if (admin !== undefined) await admin.listen(adminPort, opts.adminHost);
      log.info({ event: 'gateway-ready', port: a.port, host, upstreams: upstreams.map((u) => u.name), tenants: tenants.tenants.length, anonymous: tenants.anonymous !== undefined }, 'gateway listening');
    });
}
