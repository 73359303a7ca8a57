/**
 * Server — what every Bulwark server shares (DESIGN.md §8): `createServer(options, routes)` (fastify 5
 * on node:https with TLS reload, limits, timeouts, health, metrics, logs, graceful shutdown),
 * `exitOnSignals`, `createLogger`, `createServerMetrics`, `TlsMaterial`. Domain-free: it imports no
 * other Bulwark domain.
 */
export { clientIdentity, createServer, exitOnSignals } from './server.js';
export type { BulwarkServer, RouteSetup, ServerContext, ServerOptions } from './server.js';
export { createLogger, LOG_LEVELS } from './logger.js';
export type { LogLevel, Logger } from './logger.js';
export { createServerMetrics, LATENCY_BUCKETS } from './metrics.js';
export type { ServerMetrics } from './metrics.js';
export { TlsMaterial } from './tls.js';
export { fastify, pinoModule, promClient } from './packages.js';
export type { TlsEvent, TlsFiles, TlsPair } from './tls.js';
