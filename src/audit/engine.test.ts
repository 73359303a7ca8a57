/**
 * The engine on every input shape (EKS CloudWatch, AKS diagnostics, GKE Cloud Audit, EventList), on
 * hostile input (truncated lines, invalid UTF-8, wrong kinds, huge events, arbitrary JSON), with
 * duplicate rate limiting and bounded state.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as ev from '../../test-fixtures/audit/events.js';
import type { Finding } from '../findings/index.js';
import { DEFAULT_LIMITS } from '../limits/index.js';
import { Reporter } from '../rules/index.js';
import { runAuditCase } from './case-runner.js';
import { AUDIT_RULES, ActivitySummary, AuditEngine, DEFAULT_AUDIT_POLICY, analyzeStream, compilePolicy, DEFAULT_POLICY_DATA } from './index.js';

async function analyze(text: string | Uint8Array, o: { maxEventBytes?: number; maxStateEntries?: number; dedup?: number } = {}): Promise<{ findings: Finding[]; engine: AuditEngine; format: string; status: string }> {
  const reporter = new Reporter({ selection: { state: (r) => ({ enabled: r.maturity !== 'experimental' || r.tags.includes('fail-closed'), reason: 'test' }) } });
  const policy = o.dedup === undefined ? DEFAULT_AUDIT_POLICY : compilePolicy({ ...DEFAULT_POLICY_DATA, thresholds: { ...DEFAULT_POLICY_DATA.thresholds, dedupWindowSeconds: o.dedup } });
  const limits = { ...DEFAULT_LIMITS, ...(o.maxEventBytes !== undefined && { maxEventBytes: o.maxEventBytes }), ...(o.maxStateEntries !== undefined && { maxStateEntries: o.maxStateEntries }) };
  const engine = new AuditEngine(reporter, { rules: AUDIT_RULES, policy, limits, source: 'audit-log' });
  async function* one(): AsyncGenerator<string | Uint8Array> {
    yield text;
  }
  const r = await analyzeStream(engine, one(), 'audit.log', limits.maxEventBytes);
  engine.flush();
  return { findings: reporter.finish(), engine, format: r.format, status: r.status };
}

const SECRET_READ = ev.secretGet('ml', 'hf-token', ev.sa('ml', 'vllm'));
const rule = (fs: readonly Finding[], id: string): Finding[] => fs.filter((f) => f.ruleId === id);

describe('managed-cluster exports', () => {
  it('EKS CloudWatch: one log event, filter-log-events output, a subscription delivery, an S3 export line', async () => {
    const msg = JSON.stringify(SECRET_READ);
    const lines = [
      JSON.stringify({ timestamp: 1741942800000, message: msg, ingestionTime: 1741942801000 }),
      JSON.stringify({ events: [{ logStreamName: 'kube-apiserver-audit-0a1b2c', timestamp: 1741942800000, message: msg, eventId: '3834' }], searchedLogStreams: [] }),
      JSON.stringify({ messageType: 'DATA_MESSAGE', owner: '123456789012', logGroup: '/aws/eks/prod/cluster', logStream: 'kube-apiserver-audit-0a1b2c', subscriptionFilters: ['bulwark'], logEvents: [{ id: '3834', timestamp: 1741942800000, message: msg }] }),
      `2025-03-14T09:00:00.000Z ${msg}`,
    ];
    const r = await analyze(lines.join('\n'), { dedup: 0 });
    expect(r.format).toBe('eks-cloudwatch');
    expect(rule(r.findings, 'audit/secret-read')).toHaveLength(1); // one request: one finding, whatever the wrappers
    expect(r.engine.stats.events).toBe(4);
    expect(r.status).toBe('complete');
  });

  it('AKS diagnostic records with properties.log as a string or an object', async () => {
    const exec = ev.podStream('exec', 'ml', 'vllm-0', ev.ALICE);
    const blob = JSON.stringify({ records: [{ time: '2025-03-14T09:00:00Z', resourceId: '/SUBSCRIPTIONS/x/RESOURCEGROUPS/rg/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/aks1', category: 'kube-audit', operationName: 'Microsoft.ContainerService/managedClusters/diagnosticLogs/Read', properties: { log: JSON.stringify(exec), stream: 'stdout', pod: 'kube-apiserver-6d8f' } }, { category: 'kube-audit-admin', properties: { log: SECRET_READ } }] });
    const r = await analyze(blob);
    expect(r.format).toBe('aks-diagnostics');
    expect(rule(r.findings, 'audit/pod-exec')).toHaveLength(1);
    expect(rule(r.findings, 'audit/secret-read')).toHaveLength(1);
  });

  it('GKE Cloud Audit Logs entries: methodName, resourceName, principalEmail, status and labels', async () => {
    const entry = (method: string, resourceName: string, principal: string, code = 0, request?: unknown): string =>
      JSON.stringify({
        protoPayload: {
          '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
          authenticationInfo: { principalEmail: principal },
          authorizationInfo: [{ granted: code === 0, permission: method, resource: resourceName }],
          methodName: method,
          requestMetadata: { callerIp: '10.8.0.12', callerSuppliedUserAgent: 'kubectl/v1.31.2' },
          resourceName,
          serviceName: 'k8s.io',
          status: { code },
          ...(request !== undefined && { request }),
        },
        insertId: `ins-${method}`,
        resource: { type: 'k8s_cluster', labels: { cluster_name: 'prod', location: 'europe-west4', project_id: 'p' } },
        timestamp: '2025-03-14T09:00:00.123Z',
        labels: { 'authorization.k8s.io/decision': code === 0 ? 'allow' : 'forbid', 'authorization.k8s.io/reason': '' },
        logName: 'projects/p/logs/cloudaudit.googleapis.com%2Fdata_access',
        operation: { id: `op-${method}`, producer: 'k8s.io', first: true, last: true },
      });
    const lines = [
      entry('io.k8s.core.v1.secrets.get', 'core/v1/namespaces/ml/secrets/hf-token', 'system:serviceaccount:ml:vllm'),
      entry('io.k8s.core.v1.pods.exec.create', 'core/v1/namespaces/ml/pods/vllm-0/exec', 'alice@example.com'),
      entry('io.k8s.authorization.rbac.v1.clusterrolebindings.create', 'rbac.authorization.k8s.io/v1/clusterrolebindings/pwn', 'alice@example.com', 0, { kind: 'ClusterRoleBinding', roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', name: 'mallory' }] }),
      entry('io.k8s.core.v1.secrets.list', 'core/v1/namespaces/kube-system/secrets', 'mallory@example.com', 7),
    ];
    const r = await analyze(lines.join('\n'));
    expect(r.format).toBe('gke-cloud-audit');
    const secret = rule(r.findings, 'audit/secret-read');
    expect(secret).toHaveLength(1);
    expect(secret[0]?.location).toMatchObject({ kind: 'audit-event', auditID: 'op-io.k8s.core.v1.secrets.get', namespace: 'ml', name: 'hf-token', verb: 'get', resource: 'secrets' });
    // GKE's "exec" stream is logged as a completed create, not a 101.
    expect(rule(r.findings, 'audit/powerful-role-binding')[0]?.severity).toBe('critical');
  });

  it('a pretty-printed EventList file', async () => {
    const doc = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items: [SECRET_READ, ev.podStream('exec', 'ml', 'vllm-0', ev.ALICE)] }, null, 2);
    const r = await analyze(doc);
    expect(r.format).toBe('k8s-audit-eventlist');
    expect(rule(r.findings, 'audit/secret-read')).toHaveLength(1);
    expect(rule(r.findings, 'audit/pod-exec')).toHaveLength(1);
  });
});

describe('hostile input', () => {
  it('truncated lines, invalid UTF-8, wrong kinds, non-JSON and huge events are counted rejects with findings; the stream goes on', async () => {
    const good = JSON.stringify(SECRET_READ);
    const parts = [
      Buffer.from(`${good}\n`),
      Buffer.from('{"kind":"Event","auditID":"x","stage":"ResponseCo\n'), // truncated
      Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d, 0x0a]), // invalid UTF-8
      Buffer.from('{"kind": 0}\n{"kind":"Pod","metadata":{}}\n[1,2,3]\n"str"\nnull\n'),
      Buffer.from(`{"kind":"Event","auditID":"huge","stage":"ResponseComplete","verb":"create","requestObject":{"data":"${'A'.repeat(5000)}"}}\n`),
      Buffer.from(`${JSON.stringify(ev.secretGet('ml', 'other', ev.sa('ml', 'vllm'), { time: 500 }))}\n`),
      Buffer.from('{"kind":"Event","auditID":"cut'),
    ];
    const r = await analyze(Buffer.concat(parts), { maxEventBytes: 2000 });
    expect(rule(r.findings, 'audit/secret-read')).toHaveLength(2);
    const rejected = Object.fromEntries(r.engine.stats.rejected);
    expect(rejected).toEqual({ malformed: 2, 'invalid-utf8': 1, 'not-an-event': 7, 'too-long': 1 }); // [1,2,3]: three items
    expect(rule(r.findings, 'scan/malformed-input').length).toBe(10);
    expect(rule(r.findings, 'scan/limit-exceeded')[0]?.evidence).toBe('maxEventBytes');
    expect(r.status).toBe('partial');
  });

  it('arbitrary JSON values and event-shaped objects never throw out of the engine', async () => {
    const reporter = new Reporter({ selection: { state: () => ({ enabled: true, reason: 'all' }) } });
    const engine = new AuditEngine(reporter, { rules: AUDIT_RULES, limits: { ...DEFAULT_LIMITS, maxStateEntries: 50 }, source: 'audit-log' });
    const str = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('pods', 'secrets', 'exec', 'create', 'get', 'list', 'ResponseComplete', 'ResponseStarted', 'system:anonymous', 'clusterrolebindings', 'kube-system'));
    const eventish = fc.record(
      {
        kind: fc.constantFrom('Event', undefined),
        auditID: fc.oneof(str, fc.integer()),
        stage: str,
        verb: str,
        user: fc.oneof(fc.record({ username: str, groups: fc.array(str, { maxLength: 3 }) }), fc.jsonValue()),
        impersonatedUser: fc.oneof(fc.constant(undefined), fc.record({ username: str })),
        objectRef: fc.record({ resource: str, subresource: str, namespace: str, name: str }, { requiredKeys: [] }),
        responseStatus: fc.record({ code: fc.oneof(fc.constantFrom(200, 201, 101, 403), fc.integer()) }),
        requestObject: fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.record({ kind: fc.constantFrom('Pod', 'ClusterRoleBinding'), spec: fc.jsonValue({ maxDepth: 4 }), roleRef: fc.jsonValue({ maxDepth: 2 }), subjects: fc.jsonValue({ maxDepth: 3 }) })),
        stageTimestamp: fc.oneof(str, fc.constant('2025-03-14T09:00:00Z')),
        annotations: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue({ maxDepth: 5 }), eventish, fc.array(eventish, { maxLength: 3 }).map((items) => ({ kind: 'EventList', items }))), (v) => {
        engine.analyzeValue(JSON.parse(JSON.stringify(v ?? null)) as unknown, { path: 'fuzz' });
      }),
      { numRuns: 1500 },
    );
    engine.flush();
    expect(reporter.findings.filter((f) => f.ruleId === 'scan/internal-error').map((f) => f.message)).toEqual([]);
  });
});

describe('noise control and state', () => {
  it('rate-limits duplicates and reports their count', async () => {
    const reads = Array.from({ length: 10 }, (_, i) => ev.secretGet('ml', 'hf-token', ev.sa('ml', 'vllm'), { time: i }));
    const later = ev.secretGet('ml', 'hf-token', ev.sa('ml', 'vllm'), { time: 120 });
    const r = await analyze(ev.jsonl([...reads, later]));
    const hits = rule(r.findings, 'audit/secret-read');
    expect(hits).toHaveLength(2);
    expect(hits[1]?.message).toContain('(+9 similar events rate-limited in the previous 60s)');
    const tail = await analyze(ev.jsonl(reads));
    expect(rule(tail.findings, 'audit/secret-read').map((f) => f.message).at(-1)).toMatch(/^9 more events .* were rate-limited/);
  });

  it('reports once per request whatever stages the policy logs', async () => {
    const id = 'aaaaaaaa-1111-2222-3333-444444444444';
    const stages = ['RequestReceived', 'ResponseStarted', 'ResponseComplete'].map((stage) => ev.podStream('exec', 'ml', 'vllm-0', ev.ALICE, { stage, code: stage === 'RequestReceived' ? 0 : 101, id }));
    const hits = (await runAuditCase({ name: 'stages', events: stages }, 'audit/pod-exec')).filter((f) => f.ruleId === 'audit/pod-exec');
    expect(hits).toHaveLength(1);
  });

  it('bounds detection state by maxStateEntries, counts evictions and says so', async () => {
    const events = Array.from({ length: 40 }, (_, i) => ev.forbidden(ev.sa(`ns-${i}`, 'probe'), 'list', 'secrets', undefined, i));
    const r = await analyze(ev.jsonl(events), { maxStateEntries: 10 });
    expect(r.engine.state.forbidden.size).toBe(10);
    const lim = rule(r.findings, 'scan/limit-exceeded');
    expect(lim.some((f) => f.evidence === 'maxStateEntries' && f.message.includes('enumeration-burst'))).toBe(true);
  });

  it('severity per identity class and per-rule allow entries come from the policy file', async () => {
    const c = { name: 'x', events: [ev.secretGet('shop', 'db', ev.ALICE), ev.secretGet('ops', 'db', ev.sa('ops', 'backup'))], policy: 'severity:\n  audit/secret-read: {human: critical}\nallow:\n  audit/secret-read:\n    - {user: "system:serviceaccount:ops:*"}\n' };
    const hits = (await runAuditCase(c, 'audit/secret-read')).filter((f) => f.ruleId === 'audit/secret-read');
    expect(hits.map((h) => [h.severity, h.location.kind === 'audit-event' ? h.location.user : ''])).toEqual([['critical', 'alice@example.com']]);
  });
});

describe('event time', () => {
  it('parses the API server\u2019s RFC 3339 times like Date.parse', async () => {
    const { parseTime } = await import('./event.js');
    for (const t of ['2025-03-14T09:00:00Z', '2025-03-14T09:00:00.5Z', '2025-03-14T09:00:00.12Z', '2025-03-14T09:00:00.123456Z', '2018-10-26T13:38:34.902914Z', '2024-02-29T23:59:59.999Z', '2025-03-14T09:00:00+02:00', 'garbage'])
      expect(parseTime(t)).toEqual(Date.parse(t));
  });
});

describe('activity summary', () => {
  it('counts a stream once whether ResponseStarted, ResponseComplete or both are logged, and reads at ResponseComplete', async () => {
    const summary = new ActivitySummary(DEFAULT_AUDIT_POLICY, 1000);
    const reporter = new Reporter({ selection: { state: () => ({ enabled: true, reason: 'test' }) } });
    const engine = new AuditEngine(reporter, { rules: AUDIT_RULES, policy: DEFAULT_AUDIT_POLICY, limits: DEFAULT_LIMITS, source: 'audit-log', summary });
    const events = [
      ev.podStream('exec', 'ml', 'vllm-0', ev.ALICE, { id: 'a1' }),
      ev.podStream('exec', 'ml', 'vllm-0', ev.ALICE, { id: 'a1', stage: 'ResponseComplete' }),
      ev.podStream('exec', 'ml', 'vllm-0', ev.ALICE, { id: 'a2', stage: 'ResponseComplete' }),
      ev.secretGet('ml', 'hf-token', ev.ALICE),
      ev.secretGet('ml', 'hf-token', ev.ALICE, { code: 403 }),
    ];
    async function* one(): AsyncGenerator<string> {
      yield events.map((e) => JSON.stringify(e)).join('\n') + '\n';
    }
    await analyzeStream(engine, one(), 'audit.log', DEFAULT_LIMITS.maxEventBytes);
    const rows = summary.table();
    expect(rows.map((r) => [r.resource, r.verb, r.count])).toEqual([
      ['pods/exec', 'create', 2],
      ['secrets', 'get', 1],
    ]);
  });
});
