/**
 * The servers' npm packages (fastify, pino, prom-client), loaded on first use. Every CLI command is
 * registered at start-up, so a static import would make `bulwark scan` and `bulwark --version` load
 * and compile them too (about 110 ms of the CLI's start-up, measured); they are CommonJS, so a
 * synchronous `require` on first use keeps the servers' APIs synchronous where they were.
 */
import { createRequire } from 'node:module';
import type FastifyModule from 'fastify';
import type * as PinoModule from 'pino';
import type * as PromClientModule from 'prom-client';

const load = createRequire(import.meta.url);

let fastifyPkg: typeof FastifyModule | undefined;
let pinoPkg: typeof PinoModule | undefined;
let promPkg: typeof PromClientModule | undefined;

/** fastify's factory. */
export function fastify(): typeof FastifyModule {
  fastifyPkg ??= load('fastify') as typeof FastifyModule;
  return fastifyPkg;
}

/** pino's module (`pino().pino`, `pino().stdTimeFunctions`). */
export function pinoModule(): typeof PinoModule {
  pinoPkg ??= load('pino') as typeof PinoModule;
  return pinoPkg;
}

/** prom-client's module (`Counter`, `Gauge`, `Histogram`, `Registry`, …). */
export function promClient(): typeof PromClientModule {
  promPkg ??= load('prom-client') as typeof PromClientModule;
  return promPkg;
}
