/**
 * `bulwark audit`: the webhook receiver in-process on loopback HTTPS (answers, backpressure, metrics,
 * no event lost under a burst with the API server's retry behaviour), and the CLI end to end.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { httpsRequest, makeCert, tempDir } from '../../../test-fixtures/admission/tls.js';
import * as ev from '../../../test-fixtures/audit/events.js';
import { AUDIT_RULES, AuditEngine } from '../../audit/index.js';
import type { Finding } from '../../findings/index.js';
import { DEFAULT_LIMITS } from '../../limits/index.js';
import { Reporter } from '../../rules/index.js';
import type { BulwarkServer } from '../../server/index.js';
import { createLogger, createServer } from '../../server/index.js';
import type { Sink, SinkStats } from '../../sinks/index.js';
import { auditRoutes } from './audit.js';

const ROOT = join(import.meta.dirname, '../../..');
const CLI = join(ROOT, 'dist/bulwark.mjs');

class TestSink implements Sink {
  readonly name = 'test';
  readonly findings: Finding[] = [];
  pressureValue = 0;
  write(f: Finding): void {
    this.findings.push(f);
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  stats(): SinkStats {
    return { written: this.findings.length, dropped: 0, failed: 0, retries: 0, queued: 0, rotations: 0 };
  }
  pressure(): number {
    return this.pressureValue;
  }
}

const running: BulwarkServer[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.shutdown('test end');
});

async function start(o: { holdMs?: number; bodyLimit?: number } = {}): Promise<{ port: number; ca: Buffer; sink: TestSink; engine: AuditEngine }> {
  const c = makeCert(tempDir('bulwark-audit-'));
  const sink = new TestSink();
  const reporter: Reporter = new Reporter({ onFinding: (f) => sink.write(f) });
  const engine = new AuditEngine(reporter, { rules: AUDIT_RULES, limits: DEFAULT_LIMITS, source: 'audit-webhook' });
  const server = await createServer(
    { service: 'audit-test', tls: { certFile: c.certFile, keyFile: c.keyFile }, bodyLimit: o.bodyLimit ?? 1024 * 1024, logger: createLogger('audit-test', 'silent') },
    auditRoutes({ engine, sink, sinks: [sink], limits: DEFAULT_LIMITS, holdMs: o.holdMs ?? 200 }),
  );
  running.push(server);
  const { port } = await server.listen(0, '127.0.0.1');
  return { port, ca: c.cert, sink, engine };
}

const list = (items: unknown[]): string => JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items });

describe('audit webhook receiver', () => {
  it('analyses an EventList, answers 200, exports metrics with zero drops', async () => {
    const { port, ca, sink } = await start();
    const r = await httpsRequest(port, ca, { path: '/audit', body: list([ev.secretGet('ml', 'hf-token', ev.sa('ml', 'vllm')), ev.podStream('exec', 'ml', 'vllm-0', ev.ALICE)]) });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ analyzed: 2, rejected: 0 });
    expect(sink.findings.map((f) => f.ruleId).sort()).toEqual(['audit/pod-exec', 'audit/secret-read']);
    expect(sink.findings.every((f) => f.source === 'audit-webhook' && f.location.path === 'audit-webhook')).toBe(true);
    const m = (await httpsRequest(port, ca, { path: '/metrics' })).body;
    expect(m).toContain('bulwark_audit_events_total{result="analyzed"} 2');
    expect(m).toContain('bulwark_audit_alerts_total{rule="audit/secret-read",severity="high"} 1');
    expect(m).toContain('bulwark_audit_sink_dropped_total{sink="test"} 0');
    expect(m).toContain('bulwark_audit_queue_depth{sink="test"} 0');
    expect(m).toContain('bulwark_audit_events_per_second');
    expect((await httpsRequest(port, ca, { path: '/healthz' })).status).toBe(200);
  });

  it('answers 400 for a body with no event, 413 over the body limit, 415 for another content type', async () => {
    const { port, ca } = await start({ bodyLimit: 4096 });
    expect((await httpsRequest(port, ca, { path: '/audit', body: '{"kind":"EventList","items":[]}' })).status).toBe(200); // empty but well-formed: nothing to do
    expect((await httpsRequest(port, ca, { path: '/audit', body: '{"kind":"PodList","items":[]}' })).status).toBe(400);
    expect((await httpsRequest(port, ca, { path: '/audit', body: '{"kind": 0}' })).status).toBe(400);
    expect((await httpsRequest(port, ca, { path: '/audit', body: 'not json' })).status).toBe(400);
    expect((await httpsRequest(port, ca, { path: '/audit', body: list(Array.from({ length: 20 }, () => ev.secretGet('a', 'b', ev.ALICE))) })).status).toBe(413);
    expect((await httpsRequest(port, ca, { path: '/audit', body: 'x', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
  });

  it('holds a batch while the sinks are backed up, then answers 429 with Retry-After (nothing analysed)', async () => {
    const { port, ca, sink, engine } = await start({ holdMs: 150 });
    sink.pressureValue = 1;
    const r = await httpsRequest(port, ca, { path: '/audit', body: list([ev.secretGet('ml', 'x', ev.ALICE)]) });
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('1');
    expect(engine.stats.events).toBe(0);
    // Room appears during the hold: the batch is analysed.
    const pending = httpsRequest(port, ca, { path: '/audit', body: list([ev.secretGet('ml', 'x', ev.ALICE)]) });
    setTimeout(() => (sink.pressureValue = 0), 50);
    expect((await pending).status).toBe(200);
    expect(engine.stats.events).toBe(1);
    expect((await httpsRequest(port, ca, { path: '/metrics' })).body).toContain('bulwark_audit_batches_total{result="throttled"} 1');
  });

  it('loses no event under a burst: every batch is acknowledged once (client retries 429 as the API server does)', async () => {
    const { port, ca, sink, engine } = await start({ holdMs: 20 });
    let toggles = 0;
    const flap = setInterval(() => (sink.pressureValue = ++toggles % 3 === 0 ? 1 : 0), 15);
    const batches = 60;
    const per = 50;
    let sent = 0;
    let retries = 0;
    await Promise.all(
      Array.from({ length: batches }, async (_, b) => {
        const body = list(Array.from({ length: per }, (_, i) => ev.secretGet(`ns-${b}`, `s-${i}`, ev.sa(`ns-${b}`, 'app'), { time: b })));
        for (;;) {
          const r = await httpsRequest(port, ca, { path: '/audit', body });
          if (r.status === 200) {
            sent += per;
            return;
          }
          expect(r.status).toBe(429);
          retries++;
        }
      }),
    );
    clearInterval(flap);
    expect(engine.stats.events).toBe(sent);
    expect(sent).toBe(batches * per);
    expect(sink.findings.length).toBeGreaterThan(0);
    expect(retries).toBeGreaterThanOrEqual(0);
  });
});

describe('bulwark audit analyze (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-audit-cli-'));
  const log = join(dir, 'audit.log');
  writeFileSync(log, ev.jsonl([ev.secretGet('ml', 'hf-token', ev.sa('ml', 'vllm')), ev.podStream('exec', 'ml', 'vllm-0', ev.ALICE), ev.event({ verb: 'get', resource: 'pods', namespace: 'ml', name: 'x', user: ev.ALICE })]));
  const run = (args: string[], input?: string): { status: number | null; stdout: string; stderr: string } => {
    const r = spawnSync(process.execPath, [CLI, 'audit', 'analyze', '--no-config', ...args], { encoding: 'utf8', input, cwd: dir });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('reports findings at their events and exits 1 at --fail-on', () => {
    const r = run(['-f', 'json', log]);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as { findings: Finding[]; targets: { format: string; status: string }[] };
    expect(report.targets).toEqual([{ path: log, format: 'k8s-audit', status: 'complete', size: readFileSync(log).length }]);
    expect(report.findings.map((f) => [f.ruleId, f.location.kind === 'audit-event' ? f.location.line : 0])).toEqual([
      ['audit/secret-read', 1],
      ['audit/pod-exec', 2],
    ]);
    expect(run(['--fail-on', 'none', log]).status).toBe(0);
  });

  it('reads gzip and stdin, streams alerts to a file, prints the summary', () => {
    const gz = join(dir, 'audit.log.gz');
    writeFileSync(gz, gzipSync(readFileSync(log)));
    expect(JSON.parse(run(['-f', 'json', '--fail-on', 'none', gz]).stdout).findings).toHaveLength(2);
    const alerts = join(dir, 'alerts.json');
    const r = run(['-f', 'json', '--fail-on', 'none', '--alerts', `file+falco:${alerts}`, '-'], readFileSync(log, 'utf8'));
    expect(JSON.parse(r.stdout).findings).toHaveLength(2);
    const falco = readFileSync(alerts, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { rule: string; source: string });
    expect(falco.map((a) => a.source)).toEqual(['k8s_audit', 'k8s_audit']);
    const s = run(['--summary', log]);
    expect(s.stdout).toContain('system:serviceaccount:ml:vllm');
    expect(s.stdout).toContain('ai-serviceaccount');
  });

  it('usage errors exit 2 with one line', () => {
    const a = run(['--alerts', 'stdout', log]);
    expect(a.status).toBe(2);
    expect(a.stderr).toMatch(/--alerts stdout needs --output/);
    const b = run([join(dir, 'nope.log')]);
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/no such file/);
    const policy = join(dir, 'p.yaml');
    writeFileSync(policy, 'secretReaderz: [x]\n');
    const c = run(['--policy', policy, log]);
    expect(c.status).toBe(2);
    expect(c.stderr).toMatch(/unknown key "secretReaderz" \(did you mean secretReaders\?\)/);
  });

  it('is registered in the CLI help', () => {
    expect(execFileSync(process.execPath, [CLI, 'audit', '--help'], { encoding: 'utf8' })).toContain('analyze');
  });
});
