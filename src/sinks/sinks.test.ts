/**
 * Sinks: formats (NDJSON = the report's Finding; Falco alert fields), bounded queues with counted drops,
 * file rotation, webhook retries (network error, 429/5xx with Retry-After) and no retry on 4xx — on
 * loopback only, bounded in time.
 */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { Finding } from '../findings/index.js';
import { fingerprintOf } from '../findings/index.js';
import { createSink, fanout, formatLine, parseSinkSpec, toFalcoOutput } from './index.js';

function finding(i = 0, extra: Partial<Finding> = {}): Finding {
  const base = {
    ruleId: 'audit/pod-exec',
    severity: 'medium' as const,
    message: `exec into pod web-${i}`,
    location: { kind: 'audit-event' as const, path: 'audit.log', auditID: `id-${i}`, timestamp: '2024-05-01T10:00:00.123456Z', user: 'alice', verb: 'create', resource: 'pods/exec', namespace: 'ml', name: `web-${i}` },
    controls: ['falco:Attach/Exec Pod', 'mitre:T1609'],
    time: '2024-05-01T10:00:00.123456Z',
    source: 'audit-log',
  };
  return { ...base, ...extra, fingerprint: fingerprintOf({ ...base, ...extra }) };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

function listen(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<string> {
  const s = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  servers.push(s);
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}/`)));
}

describe('formats', () => {
  it('ndjson is the Finding exactly', () => {
    const f = finding();
    expect(JSON.parse(formatLine(f, 'ndjson'))).toEqual(f);
  });

  it('falco output has the fields Falcosidekick reads, named by the falco: control', () => {
    const o = toFalcoOutput(finding(), { hostname: 'node-1', rules: () => ({ title: 'Exec into a pod', tags: ['k8s', 'exec'] }) });
    expect(o).toMatchObject({ rule: 'Attach/Exec Pod', priority: 'Warning', time: '2024-05-01T10:00:00.123456Z', source: 'k8s_audit', hostname: 'node-1', tags: ['k8s', 'exec', 'mitre:T1609'] });
    expect(o.output).toMatch(/^10:00:00\.123456: Warning exec into pod web-0 \(/);
    expect(o.output_fields).toMatchObject({ 'ka.user.name': 'alice', 'ka.verb': 'create', 'ka.target.resource': 'pods', 'ka.target.subresource': 'exec', 'ka.target.namespace': 'ml', 'bulwark.rule': 'audit/pod-exec' });
    expect(toFalcoOutput(finding(), { falcoRuleNames: false, rules: () => ({ title: 'Exec into a pod' }) }).rule).toBe('Exec into a pod');
    expect(toFalcoOutput(finding(0, { controls: [] })).rule).toBe('audit/pod-exec');
  });
});

describe('stream sink', () => {
  it('respects backpressure and drops (counted) past maxEventQueue', async () => {
    const out = new (class extends EventEmitter {
      lines: string[] = [];
      full = true;
      write(c: string): boolean {
        this.lines.push(c);
        return !this.full;
      }
    })();
    const sink = createSink({ kind: 'stdout' }, { maxEventQueue: 3 }, { stdout: out });
    for (let i = 0; i < 10; i++) sink.write(finding(i));
    // First line written (stream says full), 3 queued, 6 dropped.
    expect(sink.stats()).toMatchObject({ written: 1, queued: 3, dropped: 6 });
    expect(sink.pressure()).toBe(1);
    out.full = false;
    const flushed = sink.flush();
    out.emit('drain');
    await flushed;
    expect(sink.stats()).toMatchObject({ written: 4, queued: 0, dropped: 6 });
    expect(out.lines).toHaveLength(4);
  });
});

describe('file sink', () => {
  it('appends, rotates by size and keeps maxFiles generations', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulwark-sink-'));
    const path = join(dir, 'alerts.ndjson');
    const lineBytes = Buffer.byteLength(formatLine(finding(0), 'ndjson'));
    const sink = createSink({ kind: 'file', path, maxBytes: lineBytes * 3 + 10, maxFiles: 2 }, { maxEventQueue: 1000 });
    for (let i = 0; i < 20; i++) {
      sink.write(finding(i));
      await sink.flush(); // one write per line, so rotation happens at exact line boundaries
    }
    await sink.close();
    expect(readdirSync(dir).sort()).toEqual(['alerts.ndjson', 'alerts.ndjson.1', 'alerts.ndjson.2']);
    const last = readFileSync(path, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as Finding).message);
    expect(last.at(-1)).toBe('exec into pod web-19');
    expect(sink.stats()).toMatchObject({ written: 20, dropped: 0, failed: 0 });
    expect(sink.stats().rotations).toBeGreaterThanOrEqual(5);
  });

  it('counts a write error as failed and reports it once', async () => {
    const errors: string[] = [];
    const sink = createSink({ kind: 'file', path: join(tmpdir(), 'no-such-dir-bulwark', 'x', 'alerts.ndjson') }, { maxEventQueue: 10 }, { onError: (m) => errors.push(m) });
    sink.write(finding(1));
    sink.write(finding(2));
    await sink.close();
    expect(sink.stats()).toMatchObject({ written: 0, failed: 2 });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('ENOENT');
  });
});

describe('webhook sink', () => {
  it('posts Falco alerts one per request and NDJSON in batches', async () => {
    const bodies: { type: string | undefined; body: string }[] = [];
    const url = await listen((req, res, body) => {
      bodies.push({ type: req.headers['content-type'], body });
      res.end('ok');
    });
    const falco = createSink(parseSinkSpec(`webhook+falco:${url}`), { maxEventQueue: 100 });
    const nd = createSink(parseSinkSpec(`webhook:${url};batch=10`), { maxEventQueue: 100 });
    const both = fanout([falco, nd]);
    for (let i = 0; i < 5; i++) both.write(finding(i));
    await both.close();
    const falcoBodies = bodies.filter((b) => b.type === 'application/json');
    expect(falcoBodies).toHaveLength(5);
    expect((JSON.parse(falcoBodies[0]?.body ?? '{}') as { rule: string }).rule).toBe('Attach/Exec Pod');
    const ndBodies = bodies.filter((b) => b.type === 'application/x-ndjson');
    expect(ndBodies.map((b) => b.body.trim().split('\n').length).reduce((a, b) => a + b, 0)).toBe(5);
    expect(both.stats()).toMatchObject({ written: 10, dropped: 0, failed: 0 });
  });

  it('retries 429 (honouring Retry-After) and 5xx, not 4xx; counts what is lost', async () => {
    let calls = 0;
    const url = await listen((_req, res, body) => {
      calls++;
      if (body.includes('web-400')) {
        res.statusCode = 400;
        res.end();
        return;
      }
      if (calls === 1) {
        res.statusCode = 429;
        res.setHeader('retry-after', '0');
        res.end();
        return;
      }
      if (calls === 2) {
        res.statusCode = 503;
        res.end();
        return;
      }
      res.end();
    });
    const sink = createSink({ kind: 'webhook', url, format: 'falco', initialBackoffMs: 10, concurrency: 1 }, { maxEventQueue: 100 });
    sink.write(finding(1));
    sink.write(finding(400));
    await sink.close();
    expect(sink.stats()).toMatchObject({ written: 1, failed: 1, retries: 2, dropped: 0 });
  });

  it('gives up after maxRetries on a dead endpoint, and drops past the queue bound', async () => {
    const errors: string[] = [];
    const sink = createSink({ kind: 'webhook', url: 'http://127.0.0.1:9/', maxRetries: 2, initialBackoffMs: 5, concurrency: 1, batchSize: 1 }, { maxEventQueue: 2 }, { onError: (m) => errors.push(m) });
    for (let i = 0; i < 5; i++) sink.write(finding(i));
    await sink.close();
    const s = sink.stats();
    expect(s.dropped).toBe(2); // 1 in flight + 2 queued, 2 refused
    expect(s.failed).toBe(3);
    expect(s.written).toBe(0);
    expect(errors[0]).toContain('alerts lost after 3 attempts');
  });
});

describe('parseSinkSpec', () => {
  it('reads every kind and option', () => {
    expect(parseSinkSpec('stdout')).toEqual({ kind: 'stdout' });
    expect(parseSinkSpec('stdout+falco')).toEqual({ kind: 'stdout', format: 'falco' });
    expect(parseSinkSpec('file:/var/log/a.ndjson;maxBytes=10MiB;maxFiles=3')).toEqual({ kind: 'file', path: '/var/log/a.ndjson', maxBytes: 10 * 1024 * 1024, maxFiles: 3 });
    expect(parseSinkSpec('webhook+falco:http://sidekick:2801/;retries=0;timeout=2s;bearerEnv=T', { T: 'tok' })).toEqual({
      kind: 'webhook',
      url: 'http://sidekick:2801/',
      format: 'falco',
      maxRetries: 0,
      timeoutMs: 2000,
      headers: { authorization: 'Bearer tok' },
    });
  });

  it('rejects what it does not know, in one line', () => {
    expect(() => parseSinkSpec('kafka:x')).toThrow(/kind must be stdout, file or webhook/);
    expect(() => parseSinkSpec('stdout+xml')).toThrow(/format must be ndjson or falco/);
    expect(() => parseSinkSpec('file:')).toThrow(/needs a path/);
    expect(() => parseSinkSpec('webhook:ftp://x')).toThrow(/http/);
    expect(() => parseSinkSpec('webhook:http://x/;bearerEnv=NOPE', {})).toThrow(/NOPE/);
    expect(() => parseSinkSpec('file:/x;color=red')).toThrow(/unknown option "color"/);
  });
});
