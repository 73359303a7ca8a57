/**
 * Prometheus metrics of one server (prom-client, one Registry per server so tests and several servers
 * in one process do not share counters): process defaults, HTTP requests by route and status, requests
 * in flight, TLS reloads and certificate expiry. Domain servers add their own metrics to `registry`.
 */
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { promClient } from './packages.js';

export interface ServerMetrics {
  readonly registry: Registry;
  readonly inFlight: Gauge;
  readonly requests: Counter<'route' | 'status'>;
  readonly duration: Histogram<'route'>;
  readonly tlsReloads: Counter<'result'>;
  readonly certNotAfter: Gauge;
}

/** Latency buckets (seconds) from 100 µs to 10 s: admission answers in well under a millisecond. */
export const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createServerMetrics(prefix = 'bulwark_'): ServerMetrics {
  const { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } = promClient();
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix });
  return {
    registry,
    inFlight: new Gauge({ name: `${prefix}http_requests_in_flight`, help: 'HTTP requests being served', registers: [registry] }),
    requests: new Counter({ name: `${prefix}http_requests_total`, help: 'HTTP requests answered, by route and status code', labelNames: ['route', 'status'] as const, registers: [registry] }),
    duration: new Histogram({ name: `${prefix}http_request_duration_seconds`, help: 'Time from request start to response end', labelNames: ['route'] as const, buckets: LATENCY_BUCKETS, registers: [registry] }),
    tlsReloads: new Counter({ name: `${prefix}tls_reloads_total`, help: 'TLS key/certificate loads, by result (loaded, invalid, missing)', labelNames: ['result'] as const, registers: [registry] }),
    certNotAfter: new Gauge({ name: `${prefix}tls_certificate_not_after_seconds`, help: 'Expiry of the serving certificate (Unix time)', registers: [registry] }),
  };
}
