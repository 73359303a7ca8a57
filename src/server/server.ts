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
import { createServer as createHttpServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from './logger.js';
import type { ServerMetrics } from './metrics.js';
import { createServerMetrics } from './metrics.js';
import type { TlsFiles } from './tls.js';
import { TlsMaterial } from './tls.js';

export interface ServerOptions {
  /** Service name in logs. */
  readonly service: string;
  /** TLS key and certificate; absent only with `plainHttp`. */
  readonly tls?: TlsFiles;
  /**
   * Serve plain HTTP instead of HTTPS (the gateway's `--plain-http`, for loopback or a mesh that
   * terminates TLS). Only when asked explicitly; every other server is HTTPS-only.
   */
  readonly plainHttp?: boolean;
  /** Ask for a client certificate verified against this CA file (mTLS); the identity is given by `clientIdentity(req)`. Unverified or absent certificates are let through as anonymous: the routes decide. */
  readonly clientCaFile?: string;
  /** Register /healthz, /readyz, /metrics on this server (default true; a gateway serves them on an admin port). */
  readonly healthRoutes?: boolean;
  /** Extra readiness condition (e.g. the budget store is reachable). */
  readonly readiness?: () => boolean;
  /** Largest request head (bytes, Node's maxHeaderSize); larger ones get 431. Default 16 KiB. */
  readonly maxHeaderBytes?: number;
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
  /** True when serving plain HTTP (`plainHttp`): `https` is then a node:http server. */
  readonly plain: boolean;
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

  const plain = options.plainHttp === true;
  if (!plain && options.tls === undefined) throw new Error('createServer: tls files are required unless plainHttp is set');
  const clientCa = options.clientCaFile === undefined ? undefined : readFileSync(options.clientCaFile);
  const tls = new TlsMaterial(options.tls ?? { certFile: '', keyFile: '' }, (e) => {
    metrics.tlsReloads.inc({ result: e.kind });
    if (e.kind === 'loaded') {
      if (e.notAfter !== undefined) metrics.certNotAfter.set(e.notAfter);
      log.info({ event: 'tls-loaded', notAfter: e.notAfter === undefined ? undefined : new Date(e.notAfter * 1000).toISOString() }, 'TLS key and certificate loaded');
    } else log.warn({ event: `tls-${e.kind}`, reason: e.message }, e.kind === 'missing' ? 'TLS material missing; not ready' : 'TLS material invalid; keeping the previous pair');
  });
  if (!plain) tls.reload();

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
      const common = {
        headersTimeout: options.headersTimeoutMs ?? 5_000,
        requestTimeout: options.requestTimeoutMs ?? 10_000,
        keepAliveTimeout: options.keepAliveTimeoutMs ?? 60_000,
        connectionsCheckingInterval: 500,
        maxHeaderSize: options.maxHeaderBytes ?? 16 * 1024,
      };
      const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
        inFlight++;
        metrics.inFlight.set(inFlight);
        res.once('close', () => {
          inFlight--;
          metrics.inFlight.set(inFlight);
          if (inFlight === 0) for (const w of idleWaiters.splice(0)) w();
        });
        handler(req, res);
      };
      const s = plain
        ? (createHttpServer(common, onRequest) as unknown as HttpsServer)
        : createHttpsServer(
            {
              ...(pair !== undefined && { cert: pair.cert, key: pair.key }),
              ...(clientCa !== undefined && { ca: clientCa, requestCert: true, rejectUnauthorized: false }),
              minVersion: 'TLSv1.2',
              handshakeTimeout,
              ...common,
            },
            onRequest,
          );
      server = s;
      return s;
    },
  });
  if (server === undefined) throw new Error('fastify did not create the HTTPS server');
  const https: HttpsServer = server;
  if (!plain) {
    tls.onChange((pair) => https.setSecureContext({ cert: pair.cert, key: pair.key, minVersion: 'TLSv1.2', ...(clientCa !== undefined && { ca: clientCa }) }));
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
  }

  const extraReady = options.readiness ?? (() => true);
  const ready = (): boolean => (plain || tls.ready) && !shuttingDown && extraReady();
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

  if (options.healthRoutes !== false) {
    app.get('/healthz', async () => ({ status: 'ok' }));
    app.get('/readyz', async (_req, reply) => {
      if (ready()) return { status: 'ready' };
      return reply.code(503).send({ status: 'not ready', reason: shuttingDown ? 'shutting down' : !plain && !tls.ready ? 'TLS key and certificate not loaded' : 'a dependency is not ready' });
    });
    app.get('/metrics', async (_req, reply) => {
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    });
  }
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
    plain,
    metrics,
    log,
    ready,
    inFlight: () => inFlight,
    shutdown,
    listen: (port, host = '0.0.0.0') =>
      new Promise<AddressInfo>((resolve, reject) => {
        if (!plain) tls.start();
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

/** Names of the client certificate the TLS layer verified against the client CA (mTLS), or undefined. */
export function clientIdentity(req: IncomingMessage): { cn?: string; uris: string[]; dns: string[] } | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (socket.encrypted !== true || socket.authorized !== true || typeof socket.getPeerCertificate !== 'function') return undefined;
  const cert = socket.getPeerCertificate(false);
  if (cert === null || Object.keys(cert).length === 0) return undefined;
  const uris: string[] = [];
  const dns: string[] = [];
  for (const part of (cert.subjectaltname ?? '').split(', ')) {
    if (part.startsWith('URI:')) uris.push(part.slice(4));
    else if (part.startsWith('DNS:')) dns.push(part.slice(4));
  }
  const cnRaw: unknown = cert.subject?.CN;
  const cn = typeof cnRaw === 'string' ? cnRaw : Array.isArray(cnRaw) && typeof cnRaw[0] === 'string' ? cnRaw[0] : undefined;
  return { ...(cn !== undefined && { cn }), uris, dns };
}
