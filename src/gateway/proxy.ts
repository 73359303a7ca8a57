/**
 * The proxy shell (DESIGN.md §8: thin shell over the pure checks). One catch-all fastify route on the
 * shared server; the handler works on the raw request and response (`reply.hijack()`), so nothing is
 * buffered or serialised that the proxy does not need:
 *
 * 1. `preflight` (target, credentials, route, content headers): a refusal is sent before the body is
 *    read, and the connection is closed so the unread body is never consumed;
 * 2. the body is read with its cap counted as bytes arrive (413 at the cap, the rest never read);
 * 3. `decideBody` (JSON depth on the bytes, parse, clamps, media, screening, estimate), then the
 *    optional external classifier with its deadline;
 * 4. the tenant's budget (`BudgetStore.acquire`; 429 + Retry-After), released with the usage after —
 *    also on upstream errors and client aborts;
 * 5. forward through one undici Pool per upstream (keep-alive, connection cap, timeouts); the tenant's
 *    credentials are never forwarded; a client disconnect aborts the upstream request;
 * 6. the response: SSE passes through `SseResponseFilter` chunk by chunk (each `out` written at once),
 *    cut with the filter's error event on a match; other bodies are read with a cap and checked with
 *    `scanResponseBody`; `usage` settles the budget.
 *
 * Every decision is one audit line; refusals, flags, cuts and upstream failures are findings through
 * the one Reporter. No per-request logging at info level.
 */
import { isUtf8 } from 'node:buffer';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Dispatcher, Pool } from 'undici';
import type { Finding } from '../findings/index.js';
import type { RuleSelection } from '../rules/index.js';
import { Reporter } from '../rules/index.js';
import type { RouteSetup } from '../server/index.js';
import { LATENCY_BUCKETS, clientIdentity, promClient } from '../server/index.js';
import type { AuditLog, AuditRecord } from './audit-log.js';
import type { BudgetStore, Reservation } from './budget/index.js';
import type { Checked } from './checks.js';
import type { Routed, RoutingPolicy } from './evaluate.js';
import { bodyTooLarge, decideBody, preflight } from './evaluate.js';
import type { UpstreamPolicy } from './policy.js';
import type { GatewayRuleId, Refusal } from './refusal.js';
import { budgetRefusal, errorBody, refusal, upstreamFailure } from './refusal.js';
import { gatewayRule } from './rules.js';
import type { ExternalClassifier, ScreeningResult } from './screening/index.js';
import type { LeakMatch, LeakRules, Usage } from './stream/index.js';
import { SseResponseFilter, scanResponseBody, sseErrorEvent, usageOfBody } from './stream/index.js';
import type { TokenCounter } from './tokens.js';

export interface ClassifierSettings {
  readonly client: ExternalClassifier;
  readonly timeoutMs: number;
  /** Score at or above which the request is refused / flagged. */
  readonly block: number;
  readonly flag: number;
  /** On timeout or error: let the request through (default) or refuse it. */
  readonly onError: 'allow' | 'block';
}

export interface GatewaySettings extends RoutingPolicy {
  readonly leaks: LeakRules;
  readonly holdBackChars?: number;
  readonly tokenizer?: TokenCounter;
  readonly classifier?: ClassifierSettings;
  readonly budgets: BudgetStore;
  readonly audit: AuditLog;
  /** Put the screened texts in the audit log (default false: no prompt text). */
  readonly includePrompts?: boolean;
  readonly onFinding?: (f: Finding) => void;
  readonly selection?: RuleSelection;
  /** Replace the screener (tests). */
  readonly screen?: (text: string) => ScreeningResult;
}

/** What the routes expose to the CLI and tests. */
export interface GatewayHandle {
  readonly pools: ReadonlyMap<string, Pool>;
  readonly inFlight: () => number;
}

const HOP_HEADERS_OUT = { 'content-type': 'application/json' } as const;
const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' } as const;
const EMPTY = Buffer.alloc(0);

function secondsSince(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

interface Metrics {
  requests: Counter<'upstream' | 'route' | 'action'>;
  blocks: Counter<'rule'>;
  tokensEstimated: Counter<'tenant'>;
  tokensUsed: Counter<'tenant'>;
  added: Histogram<string>;
  upstream: Histogram<'upstream'>;
  inFlight: Gauge<string>;
  budget: Counter<'tenant' | 'reason'>;
  auditDropped: Gauge<string>;
}

function createMetrics(registry: Registry, audit: AuditLog): Metrics {
  const { Counter, Gauge, Histogram } = promClient();
  const r = [registry];
  return {
    requests: new Counter({ name: 'bulwark_gateway_requests_total', help: 'Requests decided, by upstream, route and action (allow, flag, block, cut, error)', labelNames: ['upstream', 'route', 'action'] as const, registers: r }),
    blocks: new Counter({ name: 'bulwark_gateway_blocks_total', help: 'Refusals and cuts by gateway rule', labelNames: ['rule'] as const, registers: r }),
    tokensEstimated: new Counter({ name: 'bulwark_gateway_tokens_estimated_total', help: 'Tokens reserved from the estimate, by tenant', labelNames: ['tenant'] as const, registers: r }),
    tokensUsed: new Counter({ name: 'bulwark_gateway_tokens_used_total', help: 'Tokens the upstream reported as used, by tenant', labelNames: ['tenant'] as const, registers: r }),
    added: new Histogram({ name: 'bulwark_gateway_added_latency_seconds', help: 'Time the gateway adds: before forwarding plus after the upstream answered (non-streaming)', buckets: [0.00005, ...LATENCY_BUCKETS], registers: r }),
    upstream: new Histogram({ name: 'bulwark_gateway_upstream_latency_seconds', help: 'Time from forwarding to the upstream response headers', labelNames: ['upstream'] as const, buckets: LATENCY_BUCKETS, registers: r }),
    inFlight: new Gauge({ name: 'bulwark_gateway_requests_in_flight', help: 'Requests being proxied now', registers: r }),
    budget: new Counter({ name: 'bulwark_gateway_budget_refusals_total', help: 'Budget refusals by tenant and reason', labelNames: ['tenant', 'reason'] as const, registers: r }),
    auditDropped: new Gauge({ name: 'bulwark_gateway_audit_dropped_total', help: 'Audit lines dropped because the writer queue was full', registers: r, collect() { this.set(audit.dropped); } }),
  };
}

type BodyRead = { kind: 'ok'; body: Buffer } | { kind: 'too-large' } | { kind: 'aborted' };

/** Read the body, counting bytes as they arrive; stop at the cap without reading the rest. */
function readBody(req: IncomingMessage, cap: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let done = false;
    const finish = (r: BodyRead): void => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('close', onClose);
      resolve(r);
    };
    const onData = (c: Buffer): void => {
      total += c.length;
      if (total > cap) {
        req.pause();
        finish({ kind: 'too-large' });
      } else chunks.push(c);
    };
    const onEnd = (): void => finish({ kind: 'ok', body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total) });
    const onAbort = (): void => finish({ kind: 'aborted' });
    const onClose = (): void => {
      if (!req.complete) finish({ kind: 'aborted' });
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('close', onClose);
  });
}

let idCounter = 0;
const ID_PREFIX = Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, '0');

function usedTokens(u: Usage | undefined): number | undefined {
  if (u === undefined) return undefined;
  if (u.totalTokens !== undefined) return u.totalTokens;
  if (u.promptTokens !== undefined || u.completionTokens !== undefined) return (u.promptTokens ?? 0) + (u.completionTokens ?? 0);
  return undefined;
}

export function gatewayRoutes(settings: GatewaySettings, onHandle?: (h: GatewayHandle) => void): RouteSetup {
  return async (app, ctx) => {
    const { Pool: PoolCtor } = await import('undici');
    const m = createMetrics(ctx.metrics.registry, settings.audit);
    const pools = new Map<string, Pool>();
    for (const u of settings.upstreams) {
      pools.set(u.name, new PoolCtor(u.origin, { connections: u.connections, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: u.headersTimeoutMs, bodyTimeout: u.bodyTimeoutMs }));
    }
    const upstreamAuth = new Map<string, string>();
    for (const u of settings.upstreams) if (u.apiKey !== undefined) upstreamAuth.set(u.name, `Bearer ${u.apiKey}`);
    const reporter = new Reporter({ keep: false, ...(settings.selection !== undefined && { selection: settings.selection }), ...(settings.onFinding !== undefined && { onFinding: settings.onFinding }) });
    const checkCtx = { ...(settings.tokenizer !== undefined && { tokenizer: settings.tokenizer }), ...(settings.screen !== undefined && { screen: settings.screen }) };
    let inFlight = 0;
    onHandle?.({ pools, inFlight: () => inFlight });
    app.addHook('onClose', async () => {
      await Promise.all([...pools.values()].map((p) => p.close().catch(() => undefined)));
    });

    // The gateway reads bodies itself (caps while streaming, its own errors): no fastify parsing.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));

    const report = (rule: GatewayRuleId, message: string, id: string, route: string, o: { upstream?: string; tenant?: string; model?: string; param?: string | null }): void => {
      reporter.report(gatewayRule(rule), {
        location: { kind: 'gateway-request', path: o.upstream ?? 'gateway', requestId: id, route, ...(o.tenant !== undefined && { tenant: o.tenant }), ...(o.model !== undefined && { model: o.model }), ...(o.param !== undefined && o.param !== null && { param: o.param }) },
        message,
        time: new Date().toISOString(),
        source: 'gateway',
      });
    };

    // A string body leaves in the same write() as the headers (node:http joins them); a Buffer body
    // costs a second, corked writev — measurable at 1,000 requests/s on a small VM.
    const send = (res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string>): void => {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(status, { ...headers, 'content-length': String(typeof body === 'string' ? Buffer.byteLength(body) : body.length) });
      if (typeof body === 'string') res.end(body, 'utf8');
      else res.end(body);
    };

    /** Refuse: error body, finding, metric, audit line. `closeConnection` when the body was not read. */
    const refuse = (req: IncomingMessage, res: ServerResponse, id: string, t0: bigint, r: Refusal, o: { upstream?: UpstreamPolicy; tenant?: string; route: string; model?: string; closeConnection: boolean; estimated?: number }): void => {
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': id };
      if (r.retryAfterSeconds !== undefined) headers['retry-after'] = String(r.retryAfterSeconds);
      if (o.closeConnection) {
        headers['connection'] = 'close';
        res.once('finish', () => {
          req.socket.end();
          setTimeout(() => req.socket.destroy(), 1000).unref();
        });
      }
      send(res, r.status, errorBody(r), headers);
      m.requests.inc({ upstream: o.upstream?.name ?? '', route: o.route, action: 'block' });
      m.blocks.inc({ rule: r.rule });
      report(r.rule, r.message, id, o.route, { ...(o.upstream !== undefined && { upstream: o.upstream.name }), ...(o.tenant !== undefined && { tenant: o.tenant }), ...(o.model !== undefined && { model: o.model }), param: r.param });
      settings.audit.write({
        time: new Date().toISOString(),
        id,
        ...(o.tenant !== undefined && { tenant: o.tenant }),
        ...(o.upstream !== undefined && { upstream: o.upstream.name }),
        route: o.route,
        ...(o.model !== undefined && { model: o.model }),
        action: 'block',
        status: r.status,
        rules: [r.rule],
        tokens: { estimated: o.estimated ?? 0 },
        addedMs: secondsSince(t0) * 1000,
      });
    };

    const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      const t0 = process.hrtime.bigint();
      reply.hijack();
      const req = request.raw;
      const res = reply.raw;
      const id = `${ID_PREFIX}-${(++idCounter).toString(36)}`;
      const method = req.method ?? 'GET';
      const target = req.url ?? '/';
      const pre = preflight(settings, method, target, req.headers, clientIdentity(req));
      const hasBody = req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined;
      if (!pre.ok) {
        refuse(req, res, id, t0, pre.refusal, { ...(pre.upstream !== undefined && { upstream: pre.upstream }), ...(pre.tenant !== undefined && { tenant: pre.tenant.name }), route: 'unmatched', closeConnection: hasBody && !req.complete });
        return;
      }
      const route = pre.route;
      let bytes: Buffer | undefined;
      if (hasBody) {
        const b = await readBody(req, route.limits.maxBodyBytes);
        if (b.kind === 'aborted') {
          res.destroy();
          return;
        }
        if (b.kind === 'too-large') {
          refuse(req, res, id, t0, bodyTooLarge(route), { upstream: pre.upstream, tenant: pre.tenant.name, route: route.label, closeConnection: true });
          return;
        }
        bytes = b.body;
      }
      const d = decideBody(route, bytes, checkCtx);
      if (!d.ok) {
        refuse(req, res, id, t0, d.refusal, { upstream: pre.upstream, tenant: pre.tenant.name, route: route.label, closeConnection: false });
        return;
      }
      const flags: GatewayRuleId[] = d.flags.map((f) => f.rule);
      for (const f of d.flags) report(f.rule, f.message, id, route.label, { upstream: pre.upstream.name, tenant: pre.tenant.name, ...(d.model !== undefined && { model: d.model }) });

      // External classifier (optional), with its deadline.
      const cls = settings.classifier;
      if (cls !== undefined && d.screened.length > 0) {
        let score: number | undefined;
        try {
          score = (await cls.client.classify(d.screened.join('\n\n'), AbortSignal.timeout(cls.timeoutMs))).score;
        } catch {
          if (cls.onError === 'block') {
            refuse(req, res, id, t0, refusal(503, 'gateway/prompt-injection', 'The request could not be screened: the external classifier did not answer in time.', null), { upstream: pre.upstream, tenant: pre.tenant.name, route: route.label, closeConnection: false });
            return;
          }
        }
        if (score !== undefined && score >= cls.block) {
          refuse(req, res, id, t0, refusal(400, 'gateway/prompt-injection', `The request was refused by the external prompt-injection classifier (score ${score.toFixed(2)} at or above ${cls.block}).`, 'messages'), { upstream: pre.upstream, tenant: pre.tenant.name, route: route.label, closeConnection: false });
          return;
        }
        if (score !== undefined && score >= cls.flag && !flags.includes('gateway/prompt-injection')) {
          flags.push('gateway/prompt-injection');
          report('gateway/prompt-injection', `external classifier score ${score.toFixed(2)} at or above the flag threshold ${cls.flag}`, id, route.label, { upstream: pre.upstream.name, tenant: pre.tenant.name });
        }
      }

      // Budget.
      const abort = new AbortController();
      res.once('close', () => {
        if (!res.writableFinished) abort.abort();
      });
      const tenant = pre.tenant;
      const decision = await settings.budgets.acquire(tenant.name, d.estimate.reservation, tenant.limits, abort.signal);
      if (!decision.ok) {
        m.budget.inc({ tenant: tenant.name, reason: decision.reason });
        if (abort.signal.aborted) return;
        refuse(req, res, id, t0, budgetRefusal(tenant.name, decision.reason, decision.retryAfterMs), { upstream: pre.upstream, tenant: tenant.name, route: route.label, closeConnection: false, estimated: d.estimate.reservation, ...(d.model !== undefined && { model: d.model }) });
        return;
      }
      m.tokensEstimated.inc({ tenant: tenant.name }, d.estimate.reservation);
      inFlight++;
      m.inFlight.inc();
      let used: number | undefined;
      try {
        used = await forward(req, res, id, t0, pre, d, bytes, abort, flags);
      } finally {
        inFlight--;
        m.inFlight.dec();
        if (used !== undefined) m.tokensUsed.inc({ tenant: tenant.name }, used);
        settings.budgets.release(decision.reservation satisfies Reservation, used).catch(() => undefined);
      }
    };

    /** Forward and answer; returns the tokens used (from `usage`), when reported. */
    const forward = async (req: IncomingMessage, res: ServerResponse, id: string, t0: bigint, pre: Routed, d: Checked, body: Buffer | undefined, abort: AbortController, flags: GatewayRuleId[]): Promise<number | undefined> => {
      const u = pre.upstream;
      const pool = pools.get(u.name) as Pool;
      const headers: Record<string, string> = { 'x-request-id': id, accept: req.headers.accept ?? '*/*' };
      if (body !== undefined) {
        headers['content-type'] = HOP_HEADERS_OUT['content-type'];
        headers['content-length'] = String(body.length);
      }
      const auth = upstreamAuth.get(u.name);
      if (auth !== undefined) headers['authorization'] = auth;
      const route = pre.route.label;
      const audit = (action: AuditRecord['action'], status: number, rules: readonly string[], usedTok: number | undefined, addedS: number, upstreamS: number | undefined): void => {
        settings.audit.write({
          time: new Date().toISOString(),
          id,
          tenant: pre.tenant.name,
          upstream: u.name,
          route,
          ...(d.model !== undefined && { model: d.model }),
          action,
          status,
          rules,
          tokens: { estimated: d.estimate.reservation, ...(usedTok !== undefined && { used: usedTok }) },
          addedMs: addedS * 1000,
          ...(upstreamS !== undefined && { upstreamMs: upstreamS * 1000 }),
          stream: d.stream,
          ...(d.screeningScore > 0 && { screeningScore: d.screeningScore }),
          ...(settings.includePrompts === true && { prompts: d.screened.map((t) => t.slice(0, 4096)) }),
        });
      };
      const failure = (e: unknown, tSent: bigint): void => {
        if (abort.signal.aborted) {
          audit('error', 499, [], undefined, 0, undefined);
          return;
        }
        const r = upstreamFailure(u.name, (e as { code?: string }).code ?? '');
        m.requests.inc({ upstream: u.name, route, action: 'error' });
        m.blocks.inc({ rule: r.rule });
        report(r.rule, r.message, id, route, { upstream: u.name, tenant: pre.tenant.name });
        if (!res.headersSent) send(res, r.status, errorBody(r), { 'content-type': 'application/json', 'x-request-id': id });
        else if (!res.writableEnded) {
          res.write(sseErrorEvent(r.message, r.type, r.code));
          res.end();
        }
        audit('error', r.status, [r.rule], undefined, 0, secondsSince(tSent));
      };

      const tSent = process.hrtime.bigint();
      const before = Number(tSent - t0) / 1e9;
      let up: Dispatcher.ResponseData;
      try {
        up = await pool.request({ path: pre.upstreamPath, method: req.method as Dispatcher.HttpMethod, headers, body: body ?? null, signal: abort.signal });
      } catch (e) {
        failure(e, tSent);
        return undefined;
      }
      const tHeaders = process.hrtime.bigint();
      m.upstream.observe({ upstream: u.name }, Number(tHeaders - tSent) / 1e9);
      const ct = up.headers['content-type'];
      const contentType = Array.isArray(ct) ? (ct[0] ?? '') : (ct ?? '');
      const action = flags.length > 0 ? 'flag' : 'allow';

      try {
        if (contentType.startsWith('text/event-stream')) {
          // Streaming: chunk by chunk through the leak filter, each output written at once.
          const filter = new SseResponseFilter({ rules: settings.leaks, ...(settings.holdBackChars !== undefined && { holdBackChars: settings.holdBackChars }) });
          res.writeHead(up.statusCode, { ...SSE_HEADERS, 'x-request-id': id });
          m.added.observe(before);
          let match: LeakMatch | undefined;
          for await (const chunk of up.body as AsyncIterable<Buffer>) {
            const step = filter.push(chunk);
            if (step.out.length > 0) res.write(step.out);
            if (step.match !== undefined) match = step.match;
            if (step.done) break;
          }
          if (match === undefined) {
            const last = filter.end();
            if (last.out.length > 0) res.write(last.out);
            if (last.match !== undefined) match = last.match;
          }
          res.end();
          if (match === undefined) up.body.resume();
          else up.body.destroy();
          const usedTok = usedTokens(filter.usage());
          if (match !== undefined) {
            const msg = `The response stream was cut: it contained ${match.detail} (${match.kind}, choice ${match.choice}).`;
            m.requests.inc({ upstream: u.name, route, action: 'cut' });
            m.blocks.inc({ rule: 'gateway/response-leak' });
            report('gateway/response-leak', msg, id, route, { upstream: u.name, tenant: pre.tenant.name, ...(d.model !== undefined && { model: d.model }) });
            audit('cut', up.statusCode, [...flags, 'gateway/response-leak'], usedTok, before, secondsSince(tSent));
          } else {
            m.requests.inc({ upstream: u.name, route, action });
            audit(action, up.statusCode, flags, usedTok, before, secondsSince(tSent));
          }
          return usedTok;
        }
        // Non-streaming: bounded read, then the leak check and usage.
        const chunks: Buffer[] = [];
        let total = 0;
        for await (const chunk of up.body as AsyncIterable<Buffer>) {
          total += chunk.length;
          if (total > u.maxResponseBytes) throw Object.assign(new Error('response too large'), { code: 'RESPONSE_TOO_LARGE' });
          chunks.push(chunk);
        }
        const tRead = process.hrtime.bigint();
        const buf = chunks.length === 1 ? (chunks[0] as Buffer) : chunks.length === 0 ? EMPTY : Buffer.concat(chunks, total);
        let usedTok: number | undefined;
        let match: LeakMatch | undefined;
        let text: string | undefined;
        if (contentType.startsWith('application/json') && buf.length > 0) {
          let parsed: unknown;
          const decoded = buf.toString('utf8');
          // Valid UTF-8 round-trips exactly, so the text is sent (joining the headers' write); otherwise the bytes.
          if (isUtf8(buf)) text = decoded;
          try {
            parsed = JSON.parse(decoded);
          } catch {
            parsed = undefined;
          }
          if (parsed !== undefined) {
            match = scanResponseBody(parsed, settings.leaks);
            usedTok = usedTokens(usageOfBody(parsed));
          }
        }
        if (match !== undefined) {
          const r = refusal(502, 'gateway/response-leak', `The response was withheld: it contained ${match.detail} (${match.kind}, choice ${match.choice}).`);
          send(res, r.status, errorBody(r), { 'content-type': 'application/json', 'x-request-id': id });
          m.requests.inc({ upstream: u.name, route, action: 'cut' });
          m.blocks.inc({ rule: r.rule });
          report(r.rule, r.message, id, route, { upstream: u.name, tenant: pre.tenant.name, ...(d.model !== undefined && { model: d.model }) });
          audit('cut', r.status, [...flags, r.rule], usedTok, before + secondsSince(tRead), Number(tRead - tSent) / 1e9);
          return usedTok;
        }
        send(res, up.statusCode, text ?? buf, { 'content-type': contentType === '' ? 'application/octet-stream' : contentType, 'x-request-id': id });
        const added = before + secondsSince(tRead);
        m.added.observe(added);
        m.requests.inc({ upstream: u.name, route, action });
        audit(action, up.statusCode, flags, usedTok, added, Number(tRead - tSent) / 1e9);
        return usedTok;
      } catch (e) {
        up.body.destroy();
        failure(e, tSent);
        return undefined;
      }
    };

    app.route({ method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'], url: '*', handler });
    ctx.log.debug({ event: 'gateway-routes', upstreams: settings.upstreams.map((u) => ({ name: u.name, routes: u.routes.map((r) => r.label) })) }, 'gateway routes registered');
  };
}
