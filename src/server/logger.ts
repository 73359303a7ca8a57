/**
 * Structured JSON logs (pino). Servers log what happened (route, status, duration, decision, ids) and
 * never the content of what they judged: no request bodies, no objects, no headers (they carry
 * credentials). `redact` covers the usual places such data would hide if a caller passed it anyway.
 */
import type { DestinationStream, Logger } from 'pino';
import { pinoModule } from './packages.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function createLogger(service: string, level: LogLevel = 'info', destination?: DestinationStream): Logger {
  const { pino } = pinoModule();
  const options = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers', 'headers', 'body', 'object', 'oldObject', 'request.object', 'request.oldObject', '*.authorization', '*.cookie'], remove: true },
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

export type { Logger };
