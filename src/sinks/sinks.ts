/**
 * `createSink(spec, limits, options)` and the command-line form of a spec (`parseSinkSpec`), plus
 * `fanout` (one sink over several).
 */
import { readFileSync } from 'node:fs';
import type { Finding } from '../findings/index.js';
import { BulwarkError } from '../findings/index.js';
import type { Limits } from '../limits/index.js';
import { parseSize } from '../limits/index.js';
import { FileSink } from './file-sink.js';
import { MemorySink, StreamSink } from './stream-sink.js';
import type { Sink, SinkFormat, SinkOptions, SinkSpec, SinkStats } from './types.js';
import { SINK_FORMATS } from './types.js';
import { WebhookSink } from './webhook-sink.js';

/**
 * A sink for `spec`. Every queue is bounded by the named limit `maxEventQueue` (items), so a slow or
 * dead destination costs counted drops, never unbounded memory.
 */
export function createSink(spec: SinkSpec, limits: Pick<Limits, 'maxEventQueue'>, options: SinkOptions = {}): Sink {
  const cap = limits.maxEventQueue;
  switch (spec.kind) {
    case 'stdout':
      return new StreamSink(spec.format === 'falco' ? 'stdout+falco' : 'stdout', options.stdout ?? process.stdout, spec.format ?? 'ndjson', cap, options);
    case 'file':
      return new FileSink(spec, cap, options);
    case 'webhook':
      return new WebhookSink(spec, cap, options);
    case 'memory':
      return new MemorySink(cap);
  }
}

function formatOf(kind: string, text: string): SinkFormat | undefined {
  const plus = kind.indexOf('+');
  if (plus < 0) return undefined;
  const f = kind.slice(plus + 1);
  if (!(SINK_FORMATS as readonly string[]).includes(f)) throw new BulwarkError('USAGE', `alert sink "${text}": format must be ${SINK_FORMATS.join(' or ')}, got "${f}"`);
  return f as SinkFormat;
}

function duration(text: string, spec: string): number {
  const m = /^(\d+)\s*(ms|s|m)?$/.exec(text.trim());
  if (!m?.[1]) throw new BulwarkError('USAGE', `alert sink "${spec}": "${text}" is not a duration (500ms, 10s, 1m)`);
  const n = Number(m[1]);
  return m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n;
}

function positive(text: string, spec: string, what: string): number {
  const v = parseSize(text);
  if (v === undefined || v <= 0) throw new BulwarkError('USAGE', `alert sink "${spec}": ${what} must be a positive number, got "${text}"`);
  return v;
}

/**
 * The command-line form: `KIND[+FORMAT][:TARGET][;key=value…]`
 * - `stdout`, `stdout+falco`
 * - `file:/var/log/bulwark/alerts.ndjson;maxBytes=100MiB;maxFiles=5`, `file+falco:/var/log/falco.json`
 * - `webhook+falco:http://falcosidekick:2801/`, `webhook:https://siem/ingest;batch=100;retries=5;timeout=10s;ca=/etc/ca.pem;bearerEnv=SIEM_TOKEN`
 * (`bearerEnv` names an environment variable holding a bearer token: secrets stay out of argv.)
 */
export function parseSinkSpec(text: string, env: Readonly<Record<string, string | undefined>> = process.env): SinkSpec {
  const [head = '', ...opts] = text.split(';');
  const colon = head.indexOf(':');
  const kind = colon < 0 ? head : head.slice(0, colon);
  const target = colon < 0 ? '' : head.slice(colon + 1);
  const base = kind.split('+')[0];
  const format = formatOf(kind, text);
  const o = new Map<string, string>();
  for (const kv of opts) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new BulwarkError('USAGE', `alert sink "${text}": option "${kv}" is not key=value`);
    o.set(kv.slice(0, eq).trim(), kv.slice(eq + 1).trim());
  }
  const known = (keys: readonly string[]): void => {
    for (const k of o.keys()) if (!keys.includes(k)) throw new BulwarkError('USAGE', `alert sink "${text}": unknown option "${k}" (known: ${keys.join(', ') || 'none'})`);
  };
  switch (base) {
    case 'stdout':
      known([]);
      if (target !== '') throw new BulwarkError('USAGE', `alert sink "${text}": stdout takes no target`);
      return { kind: 'stdout', ...(format !== undefined && { format }) };
    case 'file': {
      known(['maxBytes', 'maxFiles']);
      if (target === '') throw new BulwarkError('USAGE', `alert sink "${text}": file needs a path (file:/var/log/bulwark/alerts.ndjson)`);
      const maxBytes = o.get('maxBytes');
      const maxFiles = o.get('maxFiles');
      return {
        kind: 'file',
        path: target,
        ...(format !== undefined && { format }),
        ...(maxBytes !== undefined && { maxBytes: positive(maxBytes, text, 'maxBytes') }),
        ...(maxFiles !== undefined && { maxFiles: positive(maxFiles, text, 'maxFiles') }),
      };
    }
    case 'webhook': {
      known(['batch', 'retries', 'timeout', 'backoff', 'concurrency', 'ca', 'bearerEnv']);
      let url: URL;
      try {
        url = new URL(target);
      } catch {
        throw new BulwarkError('USAGE', `alert sink "${text}": webhook needs an http:// or https:// URL`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new BulwarkError('USAGE', `alert sink "${text}": webhook needs an http:// or https:// URL`);
      const bearerEnv = o.get('bearerEnv');
      const token = bearerEnv === undefined ? undefined : env[bearerEnv];
      if (bearerEnv !== undefined && (token === undefined || token === '')) throw new BulwarkError('USAGE', `alert sink webhook: environment variable ${bearerEnv} (bearerEnv) is not set`);
      const ca = o.get('ca');
      let caText: string | undefined;
      if (ca !== undefined) {
        try {
          caText = readFileSync(ca, 'utf8');
        } catch (e) {
          throw new BulwarkError('USAGE', `alert sink webhook: cannot read ca ${ca} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
        }
      }
      const num = (k: string): number | undefined => {
        const v = o.get(k);
        return v === undefined ? undefined : positive(v, text, k);
      };
      const batch = num('batch');
      const retries = o.get('retries');
      const concurrency = num('concurrency');
      const timeout = o.get('timeout');
      const backoff = o.get('backoff');
      if (retries !== undefined && !/^\d+$/.test(retries)) throw new BulwarkError('USAGE', `alert sink "${text}": retries must be a number`);
      return {
        kind: 'webhook',
        url: target,
        ...(format !== undefined && { format }),
        ...(batch !== undefined && { batchSize: batch }),
        ...(retries !== undefined && { maxRetries: Number(retries) }),
        ...(concurrency !== undefined && { concurrency }),
        ...(timeout !== undefined && { timeoutMs: duration(timeout, text) }),
        ...(backoff !== undefined && { initialBackoffMs: duration(backoff, text) }),
        ...(caText !== undefined && { ca: caText }),
        ...(token !== undefined && { headers: { authorization: `Bearer ${token}` } }),
      };
    }
    default:
      throw new BulwarkError('USAGE', `alert sink "${text}": kind must be stdout, file or webhook (e.g. file:/var/log/alerts.ndjson, webhook+falco:http://falcosidekick:2801/)`);
  }
}

/** One sink that writes to several (stats are the sums; pressure the highest). */
export function fanout(sinks: readonly Sink[]): Sink {
  return {
    name: sinks.map((s) => s.name).join(','),
    write(f: Finding): void {
      for (const s of sinks) s.write(f);
    },
    async flush(): Promise<void> {
      await Promise.all(sinks.map((s) => s.flush()));
    },
    async close(): Promise<void> {
      await Promise.all(sinks.map((s) => s.close()));
    },
    stats(): SinkStats {
      const t = { written: 0, dropped: 0, failed: 0, retries: 0, queued: 0, rotations: 0 };
      for (const s of sinks) {
        const x = s.stats();
        t.written += x.written;
        t.dropped += x.dropped;
        t.failed += x.failed;
        t.retries += x.retries;
        t.queued += x.queued;
        t.rotations += x.rotations;
      }
      return t;
    },
    pressure(): number {
      let p = 0;
      for (const s of sinks) p = Math.max(p, s.pressure());
      return p;
    },
  };
}
