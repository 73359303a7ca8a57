/**
 * What every Bulwark server shares (DESIGN.md §8): fastify 5 on `node:https`, TLS key/certificate
 * reloaded when the files change, a request body limit, header, request and handshake timeouts
 * (slowloris), `/healthz` `/readyz` `/metrics`, pino JSON logs of what happened (never of what was
 * judged), and a graceful shutdown: readiness false, an optional delay while endpoints are removed,
 * stop accepting, finish every request in flight, close, exit.
 *
 * A plain-HTTP request on the TLS port gets a plain `400` that says so (the first byte of a TLS
 * connection is 0x16; anything else is answered in clear text and closed) instead of a reset.
 *
 * The domain server registers its routes with `createServer(options, routes)`; it sees a fastify
 * instance, the logger and the metrics registry, nothing of the transport.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fastify } from './packages.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from './logger.js';
import type { ServerMetrics } from './metrics.js';
import { createServerMetrics } from './metrics.js';
import type { TlsFiles } from './tls.js';
import { TlsMaterial } from './tls.js';

export interface ServerOptions {
  /** Service name in logs. */
  readonly service: string;
  readonly tls: TlsFiles;
  /** Largest request body accepted (bytes); larger ones get 413. */
  readonly bodyLimit: number;
  /** Time allowed to receive the request headers (ms, default 5000); then 408. */
  readonly headersTimeoutMs?: number;
  /** Time allowed to receive the whole request (ms, default 10000); then 408. */
  readonly requestTimeoutMs?: number;
  /** Idle keep-alive connections are closed after this (ms, default 60000). */
  readonly keepAliveTimeoutMs?: number;
  /** Time allowed for the first byte and the TLS handshake (ms, default 5000). */
  readonly handshakeTimeoutMs?: number;
  /** After SIGTERM, keep serving (not ready) this long so endpoints are removed first (ms, default 0). */
  readonly shutdownDelayMs?: number;
  /** Longest wait for requests in flight at shutdown (ms, default 25000). */
  readonly drainTimeoutMs?: number;
  readonly logger: Logger;
  readonly metrics?: ServerMetrics;
}

export interface ServerContext {
  readonly log: Logger;
  readonly metrics: ServerMetrics;
  /** TLS material loaded and not shutting down. */
  ready(): boolean;
}

export type RouteSetup = (app: FastifyInstance<HttpsServer>, ctx: ServerContext) => void | Promise<void>;

export interface BulwarkServer {
  readonly app: FastifyInstance<HttpsServer>;
  readonly https: HttpsServer;
  readonly tls: TlsMaterial;
  readonly metrics: ServerMetrics;
  readonly log: Logger;
  /** Start listening (TLS files are read first; the server starts even without them, not ready). */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Graceful shutdown (idempotent): not ready, delay, stop accepting, drain, close. */
  shutdown(reason?: string): Promise<void>;
  ready(): boolean;
  /** Requests being served now. */
  inFlight(): number;
}

const TLS_HANDSHAKE_BYTE = 0x16;
const PLAIN_HTTP_ANSWER = (() => {
  const body = '{"error":"this port speaks HTTPS only (TLS); plain HTTP is not served"}\n';
  return `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
})();

/** Route label for metrics: the route pattern, or `unknown` (never the raw URL: unbounded label values). */
function routeOf(req: FastifyRequest): string {
  return req.routeOptions.url ?? 'unknown';
}

export async function createServer(options: ServerOptions, routes: RouteSetup): Promise<BulwarkServer> {
  const log = options.logger;
  const metrics = options.metrics ?? createServerMetrics();
  let shuttingDown = false;
  let draining = false;
  let inFlight = 0;
  const idleWaiters: (() => void)[] = [];

  const tls = new TlsMaterial(options.tls, (e) => {
    metrics.tlsReloads.inc({ result: e.kind });
    if (e.kind === 'loaded') {
      if (e.notAfter !== undefined) metrics.certNotAfter.set(e.notAfter);
      log.info({ event: 'tls-loaded', notAfter: e.notAfter === undefined ? undefined : new Date(e.notAfter * 1000).toISOString() }, 'TLS key and certificate loaded');
    } else log.warn({ event: `tls-${e.kind}`, reason: e.message }, e.kind === 'missing' ? 'TLS material missing; not ready' : 'TLS material invalid; keeping the previous pair');
  });
  tls.reload();

  const handshakeTimeout = options.handshakeTimeoutMs ?? 5_000;
  let server: HttpsServer | undefined;
  const app = fastify()<HttpsServer>({
    bodyLimit: options.bodyLimit,
    logger: false,
    return503OnClosing: false,
    requestIdHeader: false,
    trustProxy: false,
    serverFactory: (handler) => {
      const pair = tls.pair;
      const s = createHttpsServer(
        {
          ...(pair !== undefined && { cert: pair.cert, key: pair.key }),
          minVersion: 'TLSv1.2',
          handshakeTimeout,
          headersTimeout: options.headersTimeoutMs ?? 5_000,
          requestTimeout: options.requestTimeoutMs ?? 10_000,
          keepAliveTimeout: options.keepAliveTimeoutMs ?? 60_000,
          connectionsCheckingInterval: 500,
        },
        (req: IncomingMessage, res: ServerResponse) => {
          inFlight++;
          metrics.inFlight.set(inFlight);
          res.once('close', () => {
            inFlight--;
            metrics.inFlight.set(inFlight);
            if (inFlight === 0) for (const w of idleWaiters.splice(0)) w();
          });
          handler(req, res);
        },
      );
      server = s;
      return s;
    },
  });
  if (server === undefined) throw new Error('fastify did not create the HTTPS server');
  const https: HttpsServer = server;
  tls.onChange((pair) => https.setSecureContext({ cert: pair.cert, key: pair.key, minVersion: 'TLSv1.2' }));
  https.on('tlsClientError', (err: Error & { code?: string }) => log.debug({ event: 'tls-client-error', code: err.code }, 'TLS handshake failed'));

  // Answer plain HTTP on the TLS port in clear text (then close) instead of resetting the connection.
  const tlsListeners = https.listeners('connection') as ((socket: Socket) => void)[];
  https.removeAllListeners('connection');
  https.on('connection', (socket: Socket) => {
    socket.setTimeout(handshakeTimeout, () => socket.destroy());
    socket.once('data', (chunk: Buffer) => {
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(chunk);
      if (chunk[0] === TLS_HANDSHAKE_BYTE) {
        for (const l of tlsListeners) l.call(https, socket);
        process.nextTick(() => socket.resume());
      } else {
        log.debug({ event: 'plain-http' }, 'plain HTTP on the TLS port');
        socket.end(PLAIN_HTTP_ANSWER);
        socket.destroySoon();
      }
    });
    socket.on('error', () => socket.destroy());
  });

  const ready = (): boolean => tls.ready && !shuttingDown;
  const ctx: ServerContext = { log, metrics, ready };

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addHook('onRequest', async (_req, reply) => {
    if (draining) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (req: FastifyRequest, reply: FastifyReply) => {
    const route = routeOf(req);
    const status = String(reply.statusCode);
    metrics.requests.inc({ route, status });
    metrics.duration.observe({ route }, reply.elapsedTime / 1000);
  });
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) log.error({ event: 'error', route: routeOf(req), code: err.code, msg: err.message }, 'request failed');
    else log.info({ event: 'rejected', route: routeOf(req), status, code: err.code }, 'request rejected');
    const message =
      err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? `request body larger than ${options.bodyLimit} bytes`
        : err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? 'content type must be application/json'
          : status >= 500
            ? 'internal error'
            : err.message;
    void reply.code(status).type('application/json').send({ error: message });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).type('application/json').send({ error: `no route ${req.method} ${req.url.slice(0, 100)}` });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    if (ready()) return { status: 'ready' };
    return reply.code(503).send({ status: 'not ready', reason: shuttingDown ? 'shutting down' : 'TLS key and certificate not loaded' });
  });
  app.get('/metrics', async (_req, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
  await routes(app, ctx);
  await app.ready();

  let shutdownPromise: Promise<void> | undefined;
  const waitIdle = (ms: number): Promise<boolean> =>
    inFlight === 0
      ? Promise.resolve(true)
      : new Promise((resolve) => {
          const t = globalThis.setTimeout(() => resolve(false), ms);
          idleWaiters.push(() => {
            globalThis.clearTimeout(t);
            resolve(true);
          });
        });

  const shutdown = (reason = 'shutdown'): Promise<void> => {
    shutdownPromise ??= (async () => {
      shuttingDown = true;
      log.info({ event: 'shutdown', reason, inFlight }, 'shutting down: not ready');
      const delay = options.shutdownDelayMs ?? 0;
      if (delay > 0) await sleep(delay);
      draining = true;
      const closed = new Promise<void>((resolve) => (https.listening ? https.close(() => resolve()) : resolve()));
      // Requests already on the wire of a kept-alive connection are read within a few ms: wait for a
      // quiet moment before closing idle connections, so none of them is cut.
      const deadline = Date.now() + (options.drainTimeoutMs ?? 25_000);
      let quiet = 0;
      while (Date.now() < deadline && quiet < 2) {
        const idle = await waitIdle(Math.max(1, deadline - Date.now()));
        if (!idle) break;
        await sleep(50);
        quiet = inFlight === 0 ? quiet + 1 : 0;
      }
      https.closeIdleConnections();
      if (inFlight > 0) {
        log.warn({ event: 'drain-timeout', inFlight }, 'requests still in flight at the drain timeout; closing');
        https.closeAllConnections();
      }
      await closed;
      tls.stop();
      await app.close();
      log.info({ event: 'stopped' }, 'stopped');
    })();
    return shutdownPromise;
  };

  return {
    app,
    https,
    tls,
    metrics,
    log,
    ready,
    inFlight: () => inFlight,
    shutdown,
    listen: (port, host = '0.0.0.0') =>
      new Promise<AddressInfo>((resolve, reject) => {
        tls.start();
        https.once('error', reject);
        https.listen(port, host, () => {
          https.off('error', reject);
          const a = https.address();
          if (a === null || typeof a === 'string') reject(new Error('no TCP address'));
          else {
            log.info({ event: 'listening', port: a.port, host: a.address, ready: ready() }, 'listening');
            resolve(a);
          }
        });
      }),
  };
}

/** SIGTERM/SIGINT: graceful shutdown, then `exit(0)`; a second signal exits at once with 1. */
export function exitOnSignals(server: BulwarkServer, exit: (code: number) => void = (c) => process.exit(c)): void {
  let got = false;
  const on = (signal: NodeJS.Signals): void => {
    if (got) {
      server.log.warn({ event: 'signal', signal }, 'second signal: exiting now');
      exit(1);
      return;
    }
    got = true;
    server
      .shutdown(signal)
      .then(() => exit(0))
      .catch((e: unknown) => {
        server.log.error({ event: 'shutdown-failed', msg: e instanceof Error ? e.message : String(e) }, 'shutdown failed');
        exit(1);
      });
  };
  process.on('SIGTERM', on);
  process.on('SIGINT', on);
}
