/**
 * `bulwark admission serve | review | export` — the admission controller.
 *
 * - `serve`: the HTTPS webhook (src/server) over the pure `review()` (src/admission). Endpoints:
 *   `POST /validate` (every mode at the cluster defaults), `POST /validate/{mode}/{level}/{version}`
 *   (one mode, as routed by the webhook configuration's namespaceSelector), `POST /mutate`, and the
 *   server's `/healthz` `/readyz` `/metrics`.
 * - `review FILE|-`: the same decision offline; prints the response AdmissionReview as JSON.
 *   Exit 0 allowed, 1 denied, 2 bad input or usage.
 * - `export --format vap`: ValidatingAdmissionPolicy + bindings for the CEL-expressible checks.
 *
 * Answers of the webhook (docs/admission.md "Answers"): 200 with a review for every v1
 * AdmissionReview with a `request.uid` (a malformed object inside is a denied review naming it);
 * 400 for malformed JSON, a wrong apiVersion or kind, a missing uid; 413 for a body over
 * `maxEventBytes`; 415 for a content type other than JSON; 408 for a client too slow to send
 * its headers or body; a plain 400 for plain HTTP on the TLS port.
 */
import type { Command } from '@commander-js/extra-typings';
import { Option } from '@commander-js/extra-typings';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parse as parseYaml } from 'yaml';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AdmissionPolicy, AdmissionSettings, EvaluateResult, Evaluation, Mode, MutationSettings } from '../../admission/index.js';
import {
  ADMISSION_REGISTRY,
  DEFAULT_MUTATION,
  DEFAULT_SETTINGS,
  MODES,
  evaluate,
  evaluateMutation,
  exportVap,
  imageUsesOf,
  parseAdmissionReview,
  withDigestPins,
  withSupplyChain,
  parseLevelFlag,
  parseVersionFlag,
  policyForLabels,
  policyForRoute,
  policyFromDefaults,
} from '../../admission/index.js';
import { resolveRules } from '../../config/index.js';
import { BulwarkError } from '../../findings/index.js';
import type { Limits } from '../../limits/index.js';
import { LIMIT_NAMES, resolveLimits } from '../../limits/index.js';
// The server stack's packages (fastify, pino, prom-client) are loaded only by `serve` (server/packages.ts).
import type { LogLevel, RouteSetup } from '../../server/index.js';
import { LOG_LEVELS } from '../../server/index.js';
import { collect, fromCli, loadCliConfig, parseLimitFlags, pick } from '../config.js';
import { readStdin, writeFileAtomic } from '../io.js';
import type { SupplyChainChecker } from '../../supply-chain/index.js';
import { supplyChainChecker } from '../supply-chain.js';

/** A duration flag: `500ms`, `5s`, `2m`, or milliseconds. */
export function parseDuration(flag: string, text: string): number {
  const m = /^(\d+)\s*(ms|s|m)?$/.exec(text.trim());
  if (!m?.[1]) throw new BulwarkError('USAGE', `${flag} must be a duration such as 500ms, 5s or 2m, got ${JSON.stringify(text)}`);
  const n = Number(m[1]);
  return m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n;
}

interface PolicyFlags {
  defaultEnforce: string;
  defaultWarn: string;
  defaultAudit: string;
  defaultVersion: string;
  exemptNamespace: string[];
  exemptUser: string[];
  exemptRuntimeClass: string[];
  controllers: 'enforce' | 'warn';
  honorSuppressions: boolean;
  failOpen: boolean;
  sandboxRuntimeClass: string[];
  nonRootImage: string[];
  tokenlessServiceAccount: string[];
  limit: string[];
  config?: string | boolean;
}

type OptionSource = { getOptionValueSource(key: string): string | undefined };

/** The policy options shared by serve, review and export. */
function addPolicyOptions<A extends unknown[], O extends Record<string, unknown>>(cmd: Command<A, O>) {
  return cmd
    .option('--default-enforce <level>', 'enforce level of namespaces without a bulwark.dev/enforce label: privileged, baseline or restricted', 'privileged')
    .option('--default-warn <level>', 'warn level of namespaces without a bulwark.dev/warn label', 'privileged')
    .option('--default-audit <level>', 'audit level of namespaces without a bulwark.dev/audit label', 'privileged')
    .option('--default-version <version>', 'PSS version of namespaces without a -version label: v1.N or latest', 'latest')
    .option('--exempt-namespace <name>', 'namespace never judged (repeatable)', collect, [] as string[])
    .option('--exempt-user <name>', 'username never judged, e.g. a controller (repeatable)', collect, [] as string[])
    .option('--exempt-runtime-class <name>', 'pods of this RuntimeClass are never judged (repeatable)', collect, [] as string[])
    .addOption(new Option('--controllers <mode>', 'pod controllers whose pods would be refused: enforce (deny the controller) or warn (PSA behaviour)').choices(['enforce', 'warn'] as const).default('enforce' as const))
    .option('--honor-suppressions', 'let bulwark.dev/suppress annotations pass findings at admission (pod authors then control the policy)', false)
    .option('--fail-open', 'allow (with a warning) when evaluation fails unexpectedly; default: deny', false)
    .option('--sandbox-runtime-class <name>', 'RuntimeClass accepted as a sandbox for untrusted models, besides kata*/gvisor*/runsc* (repeatable)', collect, [] as string[])
    .option('--non-root-image <glob>', 'mutation: image known to run as non-root (repeatable; default *:nonroot, *:*-nonroot)', collect, [] as string[])
    .option('--tokenless-service-account <name>', 'mutation: ServiceAccount (name or namespace/name) holding no permissions (repeatable)', collect, [] as string[])
    .option('--limit <name=value>', `override a named limit (repeatable): ${LIMIT_NAMES.join(', ')}`, collect, [] as string[])
    .option('-c, --config <file>', 'configuration file for rule selection (default: bulwark.yaml in the current directory, when present)')
    .option('--no-config', 'ignore bulwark.yaml');
}

/**
 * Cluster settings from the flags and the configuration file (`admission:`, `rules:`,
 * `kubernetes.pssVersion`, `kubernetes.sandboxRuntimeClasses`). A flag given on the command line wins
 * over the file; repeatable flags replace the file's list.
 */
export function settingsFromFlags(opts: PolicyFlags, cmd: OptionSource): { settings: AdmissionSettings; limits: Limits; supplyChain: () => SupplyChainChecker | undefined } {
  const config = loadCliConfig(opts.config);
  const adm = config.admission;
  const selection = resolveRules(config, ADMISSION_REGISTRY.rules);
  const version = parseVersionFlag('--default-version', pick(cmd, 'defaultVersion', opts.defaultVersion, adm.defaults?.version ?? config.kubernetes.pssVersion));
  const lv = (flag: string, v: string): { level: ReturnType<typeof parseLevelFlag>; version: string } => ({ level: parseLevelFlag(flag, v), version });
  const list = (cli: string[], file: readonly string[] | undefined): readonly string[] => (cli.length > 0 || !file ? cli : file);
  const sandbox = opts.sandboxRuntimeClass.length > 0 ? opts.sandboxRuntimeClass : (config.kubernetes.sandboxRuntimeClasses ?? []);
  const mutation: MutationSettings = {
    nonRootImages: [...DEFAULT_MUTATION.nonRootImages, ...list(opts.nonRootImage, adm.mutation?.nonRootImages)],
    tokenlessServiceAccounts: list(opts.tokenlessServiceAccount, adm.mutation?.tokenlessServiceAccounts),
  };
  const honor = fromCli(cmd, 'honorSuppressions') ? opts.honorSuppressions : (adm.suppressions ?? (opts.honorSuppressions ? 'honor' : 'ignore')) === 'honor';
  const failOpen = fromCli(cmd, 'failOpen') ? opts.failOpen : (adm.onInternalError ?? (opts.failOpen ? 'allow' : 'deny')) === 'allow';
  const settings: AdmissionSettings = {
    ...DEFAULT_SETTINGS,
    defaults: {
      enforce: lv('--default-enforce', pick(cmd, 'defaultEnforce', opts.defaultEnforce, adm.defaults?.enforce)),
      warn: lv('--default-warn', pick(cmd, 'defaultWarn', opts.defaultWarn, adm.defaults?.warn)),
      audit: lv('--default-audit', pick(cmd, 'defaultAudit', opts.defaultAudit, adm.defaults?.audit)),
    },
    exemptions: {
      namespaces: list(opts.exemptNamespace, adm.exemptions?.namespaces),
      usernames: list(opts.exemptUser, adm.exemptions?.usernames),
      runtimeClasses: list(opts.exemptRuntimeClass, adm.exemptions?.runtimeClasses),
    },
    controllers: pick(cmd, 'controllers', opts.controllers, adm.controllers),
    suppressions: honor ? 'honor' : 'ignore',
    onInternalError: failOpen ? 'allow' : 'deny',
    selection,
    ...(sandbox.length > 0 && { sandboxRuntimeClasses: sandbox }),
    mutation,
  };
  const limits = resolveLimits(parseLimitFlags(opts.limit), resolveLimits(config.limits));
  return { settings, limits, supplyChain: () => supplyChainChecker(config, limits) };
}

/**
 * Run the supply-chain check of a request (when trust scopes are configured) and fold its findings
 * (validate) or digest pins (mutate) into the answer. The pure evaluation came first; this adds I/O.
 */
export async function withSupplyChainCheck(checker: SupplyChainChecker | undefined, value: unknown, result: EvaluateResult, endpoint: 'validate' | 'mutate', policy: AdmissionPolicy, ctx: { path: string; maxDepth: number }): Promise<EvaluateResult> {
  if (checker === undefined || !result.ok || result.evaluation.reason === 'internal-error') return result;
  const parsed = parseAdmissionReview(value);
  if (!parsed.ok) return result;
  const uses = imageUsesOf(parsed.request, policy, ctx);
  if (uses.length === 0) return result;
  if (endpoint === 'mutate') {
    if (!checker.policy.resolveTags) return result;
    const r = await checker.check(uses, { resolveTags: true });
    return { ok: true, evaluation: withDigestPins(result.evaluation, r.pins) };
  }
  const r = await checker.check(uses);
  return { ok: true, evaluation: withSupplyChain(result.evaluation, r.findings, parsed.request, policy) };
}

// ---- the webhook -------------------------------------------------------------------------------------

export interface AdmissionServerOptions {
  readonly settings: AdmissionSettings;
  readonly limits: Limits;
  /** The supply-chain checker, when trust scopes are configured (docs/supply-chain.md). */
  readonly supplyChain?: SupplyChainChecker;
}

/** The admission routes over `evaluate()`: parse, limit, call, count, log, write. */
export function admissionRoutes(o: AdmissionServerOptions): RouteSetup {
  return async (app, ctx) => {
    const { LATENCY_BUCKETS, promClient } = await import('../../server/index.js');
    const { Counter, Histogram } = promClient();
    const reviews = new Counter({
      name: 'bulwark_admission_reviews_total',
      help: 'Admission requests answered, by endpoint, result (allowed, denied, patched, bad-request, internal-error) and reason',
      labelNames: ['endpoint', 'result', 'reason'] as const,
      registers: [ctx.metrics.registry],
    });
    const decisions = new Counter({
      name: 'bulwark_admission_decisions_total',
      help: 'Decisions by rule, mode (enforce, warn, audit) and result (denied, warned, audited; allowed with rule="")',
      labelNames: ['rule', 'mode', 'result'] as const,
      registers: [ctx.metrics.registry],
    });
    const latency = new Histogram({
      name: 'bulwark_admission_review_duration_seconds',
      help: 'Time to decide one admission request (parsing and evaluation, without the network)',
      labelNames: ['endpoint'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [ctx.metrics.registry],
    });
    const defaults = policyFromDefaults(o.settings);
    const maxDepth = o.limits.maxStructureDepth;

    const answer = (endpoint: 'validate' | 'mutate', policy: AdmissionPolicy, run: typeof evaluate) => async (req: FastifyRequest, reply: FastifyReply) => {
      const t0 = performance.now();
      const route = req.routeOptions.url ?? endpoint;
      const body = req.body;
      let value: unknown;
      let result: EvaluateResult;
      if (!Buffer.isBuffer(body) || body.length === 0) result = { ok: false, message: 'expected a JSON AdmissionReview body' };
      else {
        try {
          value = JSON.parse(body.toString('utf8'));
          result = run(value, policy, { path: route, maxDepth });
        } catch (e) {
          result = { ok: false, message: `malformed JSON: ${e instanceof Error ? e.message.slice(0, 120) : 'cannot parse'}` };
        }
        const pure = result;
        if (pure.ok && o.supplyChain !== undefined) {
          try {
            result = await withSupplyChainCheck(o.supplyChain, value, pure, endpoint, policy, { path: route, maxDepth });
          } catch (e) {
            ctx.log.error({ event: 'supply-chain-error', route, error: e instanceof Error ? e.message.slice(0, 200) : String(e) }, 'supply-chain check failed');
            // The checker turns registry errors into findings; anything else is an internal error of the webhook.
            if (endpoint === 'validate' && o.settings.onInternalError === 'deny') {
              const r = pure.evaluation.review.response;
              result = { ok: true, evaluation: { ...pure.evaluation, reason: 'internal-error', review: { ...pure.evaluation.review, response: { uid: r.uid, allowed: false, status: { code: 500, reason: 'InternalError', message: 'bulwark: internal error in the supply-chain check; denied because the webhook fails closed' } } } } };
            }
          }
        }
      }
      const seconds = (performance.now() - t0) / 1000;
      latency.observe({ endpoint }, seconds);
      if (!result.ok) {
        reviews.inc({ endpoint, result: 'bad-request', reason: 'bad-request' });
        ctx.log.info({ event: 'admission-bad-request', route, reason: result.message }, 'bad request');
        return reply.code(400).type('application/json').send({ error: result.message });
      }
      const ev = result.evaluation;
      record(ev, endpoint);
      logDecision(ev, route, seconds);
      return reply.code(200).type('application/json').send(ev.review);
    };

    const record = (ev: Evaluation, endpoint: 'validate' | 'mutate'): void => {
      const r = ev.review.response;
      const result = ev.reason === 'internal-error' ? 'internal-error' : !r.allowed ? 'denied' : r.patch !== undefined ? 'patched' : 'allowed';
      reviews.inc({ endpoint, result, reason: ev.reason });
      for (const m of ev.modes) {
        if (m.rules.length === 0) decisions.inc({ rule: '', mode: m.mode, result: 'allowed' });
        for (const rule of m.rules) decisions.inc({ rule, mode: m.mode, result: m.result });
      }
    };

    const logDecision = (ev: Evaluation, route: string, seconds: number): void => {
      const r = ev.review.response;
      const fields = {
        event: 'admission',
        route,
        uid: ev.target.uid,
        operation: ev.target.operation,
        kind: ev.target.kind,
        namespace: ev.target.namespace,
        name: ev.target.name,
        dryRun: ev.dryRun || undefined,
        allowed: r.allowed,
        patched: r.patch !== undefined || undefined,
        reason: ev.reason,
        modes: ev.modes.length > 0 ? ev.modes.map((m) => ({ mode: m.mode, policy: m.policy, result: m.result, rules: m.rules })) : undefined,
        error: ev.error,
        ms: Math.round(seconds * 100_000) / 100,
      };
      if (ev.reason === 'internal-error') ctx.log.error(fields, 'admission evaluation failed');
      else ctx.log.info(fields, r.allowed ? 'allowed' : 'denied');
    };

    app.post('/validate', answer('validate', defaults, evaluate));
    app.post<{ Params: { mode: string; level: string; version: string } }>('/validate/:mode/:level/:version', async (req, reply) => {
      const p = policyForRoute(req.params.mode, req.params.level, req.params.version, o.settings);
      if (!p.ok) {
        reviews.inc({ endpoint: 'validate', result: 'bad-request', reason: 'route' });
        return reply.code(404).type('application/json').send({ error: p.message });
      }
      return answer('validate', p.policy, evaluate)(req, reply);
    });
    app.post('/mutate', answer('mutate', defaults, evaluateMutation));
  };
}

// ---- review ------------------------------------------------------------------------------------------

/** Parse a review file's text: JSON, else YAML (bounded aliases). Throws a USAGE error. */
export function parseReviewText(text: string, name: string): unknown {
  const t = text.replace(/^\uFEFF/, '');
  try {
    return JSON.parse(t);
  } catch {
    try {
      return parseYaml(t, { version: '1.1', maxAliasCount: 100, prettyErrors: false });
    } catch (e) {
      throw new BulwarkError('USAGE', `${name}: neither JSON nor YAML (${e instanceof Error ? e.message.split('\n')[0] : 'cannot parse'})`);
    }
  }
}

function parseLabels(flags: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of flags) {
    const i = f.indexOf('=');
    if (i <= 0) throw new BulwarkError('USAGE', `--namespace-label expects KEY=VALUE, got ${JSON.stringify(f)}`);
    m.set(f.slice(0, i), f.slice(i + 1));
  }
  return m;
}

// ---- registration ------------------------------------------------------------------------------------

export function registerAdmission(program: Command): void {
  const admission = program.command('admission').description('Admission controller: enforce Bulwark rules when workloads are created (webhook, offline review, VAP export).');

  addPolicyOptions(
    admission
      .command('serve')
      .description('Run the HTTPS admission webhook (POST /validate, /validate/{mode}/{level}/{version}, /mutate; /healthz /readyz /metrics).')
      .requiredOption('--tls-cert <file>', 'serving certificate (PEM); reloaded when it changes')
      .requiredOption('--tls-key <file>', 'private key (PEM); reloaded when it changes')
      .option('--port <port>', 'TCP port', '8443')
      .option('--host <address>', 'address to listen on', '0.0.0.0')
      .option('--tls-reload-interval <duration>', 'how often the TLS files are read again', '5s')
      .option('--shutdown-delay <duration>', 'after SIGTERM, keep serving (not ready) this long before draining', '0s')
      .option('--drain-timeout <duration>', 'longest wait for requests in flight at shutdown', '25s')
      .option('--request-timeout <duration>', 'time allowed to receive a whole request (then 408)', '10s')
      .option('--headers-timeout <duration>', 'time allowed to receive the request headers (then 408)', '5s')
      .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info' as LogLevel)),
  ).action(async (opts, cmd) => {
    const port = Number(opts.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new BulwarkError('USAGE', `--port must be a TCP port, got ${JSON.stringify(opts.port)}`);
    const { settings, limits, supplyChain } = settingsFromFlags(opts, cmd);
    const checker = supplyChain();
    const { createLogger, createServer, exitOnSignals } = await import('../../server/index.js');
    const log = createLogger('bulwark-admission', opts.logLevel);
    const server = await createServer(
      {
        service: 'bulwark-admission',
        tls: { certFile: opts.tlsCert, keyFile: opts.tlsKey, reloadIntervalMs: parseDuration('--tls-reload-interval', opts.tlsReloadInterval) },
        bodyLimit: limits.maxEventBytes,
        requestTimeoutMs: parseDuration('--request-timeout', opts.requestTimeout),
        headersTimeoutMs: parseDuration('--headers-timeout', opts.headersTimeout),
        shutdownDelayMs: parseDuration('--shutdown-delay', opts.shutdownDelay),
        drainTimeoutMs: parseDuration('--drain-timeout', opts.drainTimeout),
        logger: log,
      },
      admissionRoutes({ settings, limits, ...(checker !== undefined && { supplyChain: checker }) }),
    );
    // A server owns SIGTERM/SIGINT: the CLI's default handlers (remove temporary files, exit at once)
    // would cut the requests in flight; serve writes no files.
    process.removeAllListeners('SIGTERM');
    process.removeAllListeners('SIGINT');
    exitOnSignals(server);
    await server.listen(port, opts.host);
  });

  addPolicyOptions(
    admission
      .command('review')
      .description('Decide one AdmissionReview (JSON or YAML) offline and print the response AdmissionReview as JSON. Exit 0 allowed, 1 denied, 2 bad input.')
      .argument('<file>', 'AdmissionReview file, or - for stdin')
      .option('--namespace-label <key=value>', 'a label of the request namespace, e.g. bulwark.dev/enforce=restricted (repeatable)', collect, [] as string[])
      .option('--mutate', 'answer as the /mutate endpoint (print the patch) instead of /validate', false),
  ).action(async (file, opts, cmd) => {
    const { settings, limits, supplyChain } = settingsFromFlags(opts, cmd);
    let bytes: Uint8Array;
    if (file === '-') bytes = await readStdin(limits.maxEventBytes);
    else {
      try {
        bytes = readFileSync(file);
      } catch (e) {
        throw new BulwarkError('USAGE', `${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
      }
      if (bytes.length > limits.maxEventBytes) throw new BulwarkError('USAGE', `${file} is larger than maxEventBytes (${limits.maxEventBytes} bytes)`);
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new BulwarkError('USAGE', `${file}: not UTF-8 text`);
    }
    const value = parseReviewText(text, file === '-' ? 'stdin' : file);
    const policy = policyForLabels(parseLabels(opts.namespaceLabel), settings);
    const ctx = { path: file, maxDepth: limits.maxStructureDepth };
    const first = (opts.mutate ? evaluateMutation : evaluate)(value, policy, ctx);
    const checker = first.ok ? supplyChain() : undefined;
    let r: EvaluateResult;
    try {
      r = await withSupplyChainCheck(checker, value, first, opts.mutate ? 'mutate' : 'validate', policy, ctx);
    } finally {
      checker?.close();
    }
    if (!r.ok) throw new BulwarkError('USAGE', `${file === '-' ? 'stdin' : file}: ${r.message}`);
    process.stdout.write(`${JSON.stringify(r.evaluation.review, null, 2)}\n`);
    process.exitCode = r.evaluation.review.response.allowed ? 0 : 1;
  });

  addPolicyOptions(
    admission
      .command('export')
      .description('Export the CEL-expressible checks as ValidatingAdmissionPolicy + ValidatingAdmissionPolicyBinding YAML (Kubernetes 1.30+).')
      .addOption(new Option('--format <format>', 'output format').choices(['vap'] as const).default('vap' as const))
      .option('--pss-version <version>', 'PSS version of the exported policies: v1.N or latest', 'latest')
      .option('--levels <levels>', 'levels to export, comma-separated', 'baseline,restricted')
      .option('--modes <modes>', 'bindings to export, comma-separated (enforce → Deny, warn → Warn, audit → Audit)', 'enforce,warn,audit')
      .option('--name-prefix <prefix>', 'prefix of the object names', 'bulwark')
      .option('--exclude-namespace <name>', 'namespace no binding selects, besides kube-system (repeatable)', collect, [] as string[])
      .option('-o, --output <file>', 'write the YAML to FILE (atomically) instead of stdout'),
  ).action((opts, cmd) => {
    const { settings } = settingsFromFlags(opts, cmd);
    const version = parseVersionFlag('--pss-version', opts.pssVersion);
    const levels = opts.levels.split(',').map((l) => l.trim());
    for (const l of levels) if (l !== 'baseline' && l !== 'restricted') throw new BulwarkError('USAGE', `--levels: ${JSON.stringify(l)} is not baseline or restricted`);
    const modes = opts.modes.split(',').map((m) => m.trim());
    for (const m of modes) if (!(MODES as readonly string[]).includes(m)) throw new BulwarkError('USAGE', `--modes: ${JSON.stringify(m)} is not enforce, warn or audit`);
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(opts.namePrefix)) throw new BulwarkError('USAGE', '--name-prefix must be a DNS label');
    const yaml = exportVap({
      version,
      levels: levels as ('baseline' | 'restricted')[],
      modes: modes as Mode[],
      prefix: opts.namePrefix,
      ...(settings.selection !== undefined && { selection: settings.selection }),
      exemptions: settings.exemptions,
      ...(settings.sandboxRuntimeClasses !== undefined && { sandboxRuntimeClasses: settings.sandboxRuntimeClasses }),
      excludedNamespaces: opts.excludeNamespace,
    });
    if (opts.output === undefined) process.stdout.write(yaml);
    else writeFileAtomic(opts.output, yaml);
  });
}
