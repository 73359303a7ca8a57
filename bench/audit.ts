/**
 * Audit-log detection benchmarks (issue 12), each against a baseline measured in the same run:
 *
 * 1. Throughput, single core: every audit rule on (experimental ones too), over a realistic mix of
 *    audit events (lease renewals, controller reads and watches, kubelet Secret reads, controller pod
 *    creations with full specs, people using kubectl, exec, 403s, token requests, RBAC writes …),
 *    against a loop that only `JSON.parse`s the same lines. Goal: ≥ 60 % of the JSON.parse rate
 *    (stretch: ≥ 300k events/s).
 * 2. Memory flat over a large input (default 5 GiB, BULWARK_BENCH_AUDIT_GB): events are generated as a
 *    stream (never stored), analysed with every rule on; heap after GC is sampled along the way. Goal:
 *    the heap at the end is within 1.25x of the heap at 20 % (state is bounded by maxStateEntries).
 * 3. The receiver under a 10x burst: `bulwark audit serve` (child process, TLS on loopback, file sink)
 *    gets EventList batches of 400 from an API-server-like client (async batches, 429 → retry with
 *    Retry-After, 5 attempts with backoff) at the API server's default rate (10 batches/s x 400 =
 *    4,000 events/s) and then at 10x that for 5 s. Goal: events generated = events analysed (the
 *    receiver's counter), zero sink drops or failures, zero batches given up.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AUDIT_RULES, AuditEngine, analyzeStream } from '../src/audit/index.js';
import { DEFAULT_LIMITS } from '../src/limits/index.js';
import { Reporter } from '../src/rules/index.js';
import type { BenchRow } from './common.js';
import { CLI, printRows } from './common.js';
import { freePort } from '../test-fixtures/net.js';


// ---- a realistic event mix, generated fast (string templates, unique IDs and times) --------------------

const NODES = Array.from({ length: 40 }, (_, i) => `ip-10-0-${i >> 4}-${(i * 37) % 250}.ec2.internal`);
const NS = ['default', 'kube-system', 'ml', 'kubeflow', 'shop', 'payments', 'monitoring', 'ingress-nginx', 'cert-manager', 'argocd', 'team-a', 'team-b', 'llm-serving', 'data'];
const CTRL = ['replicaset-controller', 'deployment-controller', 'endpointslice-controller', 'generic-garbage-collector', 'job-controller', 'namespace-controller', 'daemon-set-controller', 'statefulset-controller'];
const HUMANS = ['alice@example.com', 'bob@example.com', 'carol@example.com', 'ci-deployer'];

function uuid(n: number): string {
  const h = (n >>> 0).toString(16).padStart(8, '0');
  return `${h}-5b1c-4e2a-9d3f-${(n * 2654435761 >>> 0).toString(16).padStart(12, '0')}`;
}

function ts(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '123Z');
}

const UA_KUBELET = 'kubelet/v1.31.2 (linux/amd64) kubernetes/5864a46';
const UA_KCM = 'kube-controller-manager/v1.31.2 (linux/amd64) kubernetes/5864a46/system:serviceaccount:kube-system:replicaset-controller';
const UA_KUBECTL = 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46';
const ALLOW = '"annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding \\"system:controller\\" of ClusterRole \\"system:controller\\" to ServiceAccount \\"x/kube-system\\""}';
const FORBID = '"annotations":{"authorization.k8s.io/decision":"forbid","authorization.k8s.io/reason":""}';

function user(name: string, groups: string): string {
  return `"user":{"username":"${name}","uid":"7c0a1b2c-${name.length}d4e-4f5a-8b6c-7d8e9f0a1b2c","groups":[${groups}]}`;
}
const SA_GROUPS = (ns: string): string => `"system:serviceaccounts","system:serviceaccounts:${ns}","system:authenticated"`;
const NODE_GROUPS = '"system:nodes","system:authenticated"';
const HUMAN_GROUPS = '"platform-team","system:authenticated"';

function meta(n: number, t: number, verb: string, uri: string, u: string, ref: string, code: number, ua: string, extra = '', stage = 'ResponseComplete', ann = ALLOW): string {
  const s = ts(t);
  return `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"${extra === '' ? 'Metadata' : 'Request'}","auditID":"${uuid(n)}","stage":"${stage}","requestURI":"${uri}","verb":"${verb}",${u},"sourceIPs":["10.0.${n & 255}.${(n >> 8) & 255}"],"userAgent":"${ua}","objectRef":{${ref}},"responseStatus":{"metadata":{},"code":${code}}${extra},"requestReceivedTimestamp":"${s}","stageTimestamp":"${s}",${ann}}`;
}

const POD_SPEC = (name: string, ns: string, img: string): string =>
  `{"kind":"Pod","apiVersion":"v1","metadata":{"generateName":"${name}-","namespace":"${ns}","labels":{"app":"${name}","pod-template-hash":"5d8f7c9b6"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"${name}-5d8f7c9b6","uid":"1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b","controller":true,"blockOwnerDeletion":true}]},"spec":{"volumes":[{"name":"kube-api-access-abcde","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},{"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}}],"defaultMode":420}}],"containers":[{"name":"server","image":"${img}","ports":[{"containerPort":8000,"protocol":"TCP"}],"resources":{"limits":{"cpu":"2","memory":"4Gi"},"requests":{"cpu":"1","memory":"2Gi"}},"volumeMounts":[{"name":"kube-api-access-abcde","readOnly":true,"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}],"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent","securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},"runAsNonRoot":true}}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"${name}","serviceAccount":"${name}","securityContext":{"seccompProfile":{"type":"RuntimeDefault"}},"schedulerName":"default-scheduler","enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority"},"status":{}}`;

/**
 * The n-th event of the mix (time advances 1 ms per event: a busy cluster's ~1,000 events/s, replayed).
 * Proportions follow production audit logs at a RequestResponse-for-writes policy: lease renewals and
 * controller reads dominate; kubelets watch the Secrets and ConfigMaps of their pods (and get a few);
 * people are a few percent; denied requests, RBAC writes and webhook patches are rare.
 */
export function mixEvent(n: number, base = Date.UTC(2025, 2, 14, 9)): string {
  const t = base + n;
  const r = (n * 2654435761) >>> 0;
  const pick = <T>(a: readonly T[], k = 0): T => a[(r >>> k) % a.length] as T;
  const slot = r % 1000;
  if (slot < 300) {
    // Lease renewals: kubelets (kube-node-lease) and leader election (kube-system).
    const node = pick(NODES, 3);
    return slot < 220
      ? meta(n, t, 'update', `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${node}?timeout=10s`, user(`system:node:${node}`, NODE_GROUPS), `"resource":"leases","namespace":"kube-node-lease","name":"${node}","apiGroup":"coordination.k8s.io","apiVersion":"v1"`, 200, UA_KUBELET)
      : meta(n, t, 'update', `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${pick(['kube-controller-manager', 'kube-scheduler', 'cloud-controller-manager'])}?timeout=5s`, user('system:kube-controller-manager', '"system:authenticated"'), `"resource":"leases","namespace":"kube-system","name":"kube-controller-manager","apiGroup":"coordination.k8s.io","apiVersion":"v1"`, 200, UA_KCM);
  }
  if (slot < 500) {
    // Controllers reading and watching.
    const c = pick(CTRL, 5);
    const ns = pick(NS, 7);
    const res = pick(['pods', 'configmaps', 'endpointslices', 'replicasets', 'deployments', 'events'], 2);
    const verb = pick(['get', 'list', 'watch'], 9);
    const uri = verb === 'watch' ? `/api/v1/namespaces/${ns}/${res}?allowWatchBookmarks=true&resourceVersion=${r % 99999}&timeout=8m&watch=true` : `/api/v1/namespaces/${ns}/${res}${verb === 'get' ? `/obj-${r % 500}` : '?limit=500'}`;
    return meta(n, t, verb, uri, user(`system:serviceaccount:kube-system:${c}`, SA_GROUPS('kube-system')), `"resource":"${res}","namespace":"${ns}"${verb === 'get' ? `,"name":"obj-${r % 500}"` : ''},"apiVersion":"v1"`, 200, UA_KCM);
  }
  if (slot < 580) {
    // Kubelets watch (and now and then get) the Secrets and ConfigMaps of the pods they run.
    const i = (r >>> 3) % NODES.length;
    const node = NODES[i] ?? 'node';
    const ns = NS[(i + (r >>> 11)) % NS.length] ?? 'default';
    const res = (r >>> 13) % 2 === 0 ? 'secrets' : 'configmaps';
    const obj = `app-${(i * 7 + ((r >>> 15) % 10)) % 300}`;
    return slot < 560
      ? meta(n, t, 'watch', `/api/v1/namespaces/${ns}/${res}?allowWatchBookmarks=true&fieldSelector=metadata.name%3D${obj}&resourceVersion=${r % 99999}&timeout=6m&watch=true`, user(`system:node:${node}`, NODE_GROUPS), `"resource":"${res}","namespace":"${ns}","name":"${obj}","apiVersion":"v1"`, 200, UA_KUBELET)
      : meta(n, t, 'get', `/api/v1/namespaces/${ns}/${res}/${obj}`, user(`system:node:${node}`, NODE_GROUPS), `"resource":"${res}","namespace":"${ns}","name":"${obj}","apiVersion":"v1"`, 200, UA_KUBELET);
  }
  if (slot < 660) {
    // The ReplicaSet controller creates pods (Request level: the full pod).
    const ns = pick(NS, 7);
    const app = `svc-${r % 120}`;
    return meta(n, t, 'create', `/api/v1/namespaces/${ns}/pods`, user('system:serviceaccount:kube-system:replicaset-controller', SA_GROUPS('kube-system')), `"resource":"pods","namespace":"${ns}","apiVersion":"v1"`, 201, UA_KCM, `,"requestObject":${POD_SPEC(app, ns, `registry.example/${app}:1.${r % 9}`)}`);
  }
  if (slot < 720) {
    // Kubelet token requests for projected service-account tokens.
    const node = pick(NODES, 3);
    const ns = pick(NS, 7);
    return meta(n, t, 'create', `/api/v1/namespaces/${ns}/serviceaccounts/app-${r % 80}/token`, user(`system:node:${node}`, NODE_GROUPS), `"resource":"serviceaccounts","namespace":"${ns}","name":"app-${r % 80}","apiVersion":"v1","subresource":"token"`, 201, UA_KUBELET, `,"requestObject":{"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{"audiences":["https://kubernetes.default.svc"],"expirationSeconds":3607,"boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"app-${r % 80}-7d9f8","uid":"3f2e1d0c-0000-4b5a-8c7d-6e5f4a3b2c1d"}},"status":{"token":"","expirationTimestamp":null}}`);
  }
  if (slot < 860) {
    // Workload service accounts reading their own ConfigMaps, and a few Secrets.
    const ns = pick(NS, 7);
    const sa = `app-${r % 40}`;
    const res = slot < 850 ? 'configmaps' : 'secrets';
    return meta(n, t, 'get', `/api/v1/namespaces/${ns}/${res}/${sa}-config`, user(`system:serviceaccount:${ns}:${sa}`, SA_GROUPS(ns)), `"resource":"${res}","namespace":"${ns}","name":"${sa}-config","apiVersion":"v1"`, 200, 'python-requests/2.31');
  }
  if (slot < 900) {
    // People with kubectl.
    const u = user(pick(HUMANS, 4), HUMAN_GROUPS);
    const ns = pick(NS, 7);
    if (slot < 895) return meta(n, t, pick(['get', 'list'], 6), `/api/v1/namespaces/${ns}/pods`, u, `"resource":"pods","namespace":"${ns}","apiVersion":"v1"`, 200, UA_KUBECTL);
    if (slot < 897) return meta(n, t, 'create', `/api/v1/namespaces/${ns}/pods/web-${r % 50}/exec?command=sh&container=server&stdin=true&stdout=true&tty=true`, u, `"resource":"pods","namespace":"${ns}","name":"web-${r % 50}","apiVersion":"v1","subresource":"exec"`, 101, UA_KUBECTL, '', 'ResponseStarted');
    return meta(n, t, 'patch', `/apis/apps/v1/namespaces/${ns}/deployments/svc-${r % 120}?fieldManager=kubectl-rollout`, u, `"resource":"deployments","namespace":"${ns}","name":"svc-${r % 120}","apiGroup":"apps","apiVersion":"v1"`, 200, UA_KUBECTL);
  }
  if (slot < 950) {
    // Refusals (a few identities probing).
    const ns = pick(NS, 7);
    return meta(n, t, pick(['list', 'get'], 6), `/api/v1/namespaces/${ns}/secrets`, user(`system:serviceaccount:${ns}:app-${r % 40}`, SA_GROUPS(ns)), `"resource":"secrets","namespace":"${ns}","apiVersion":"v1"`, 403, 'python-requests/2.31', '', 'ResponseComplete', FORBID);
  }
  if (slot < 980) {
    // Events written by the scheduler.
    const ns = pick(NS, 7);
    return meta(n, t, 'create', `/api/v1/namespaces/${ns}/events`, user('system:kube-scheduler', '"system:authenticated"'), `"resource":"events","namespace":"${ns}","apiVersion":"v1"`, 201, 'kube-scheduler/v1.31.2');
  }
  // RBAC writes and webhook configuration patches (CA-bundle injection).
  if (slot < 990) {
    const ns = pick(NS, 7);
    return meta(n, t, 'create', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, user('system:serviceaccount:argocd:argocd-application-controller', SA_GROUPS('argocd')), `"resource":"rolebindings","namespace":"${ns}","name":"rb-${r % 60}","apiGroup":"rbac.authorization.k8s.io","apiVersion":"v1"`, 201, 'argocd-application-controller/v2.12', `,"requestObject":{"kind":"RoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"rb-${r % 60}","namespace":"${ns}"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"${slot === 989 ? 'admin' : 'view'}"},"subjects":[{"kind":"ServiceAccount","name":"app-${r % 40}","namespace":"${ns}"}]}`);
  }
  return meta(n, t, 'patch', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/cert-manager-webhook', user('system:serviceaccount:cert-manager:cert-manager-cainjector', SA_GROUPS('cert-manager')), '"resource":"validatingwebhookconfigurations","name":"cert-manager-webhook","apiGroup":"admissionregistration.k8s.io","apiVersion":"v1"', 200, 'cainjector/v1.15');
}

const DEBUG_RULE = 'audit/falco-all-k8s-audit-events';

type Selector = (id: string, maturity: string) => boolean;
/** Every rule, experimental ones included, but Falco's debug passthrough (one finding per event by design). */
const EVERY_DETECTION: Selector = (id) => id !== DEBUG_RULE;
const EVERY_RULE: Selector = () => true;
const DEFAULTS: Selector = (_id, maturity) => maturity !== 'experimental';

function engine(select: Selector = EVERY_DETECTION, onFinding?: () => void, maxStateEntries = DEFAULT_LIMITS.maxStateEntries): { engine: AuditEngine; reporter: Reporter } {
  const on = { enabled: true, reason: 'bench' };
  const off = { enabled: false, reason: 'bench' };
  const reporter: Reporter = new Reporter({
    selection: { state: (r) => (select(r.id, r.maturity) || r.tags.includes('fail-closed') ? on : off) },
    onFinding: () => {
      onFinding?.();
      reporter.findings.length = 0;
    },
  });
  return { engine: new AuditEngine(reporter, { rules: AUDIT_RULES, limits: { ...DEFAULT_LIMITS, maxStateEntries }, source: 'audit-log' }), reporter };
}

// ---- 1. throughput -------------------------------------------------------------------------------------

/** CPU time (user + system, ms) of `f`: the process's own work, less disturbed by other processes than wall time. */
function cpu(f: () => void): number {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

export function throughput(): { rows: BenchRow[]; info: Record<string, number> } {
  const N = Number(process.env['BULWARK_BENCH_AUDIT_EVENTS'] ?? 300_000);
  const lines = Array.from({ length: N }, (_, i) => mixEvent(i));
  const bytes = lines.reduce((a, l) => a + l.length + 1, 0);
  let sink = 0;
  const parseOnly = (): void => {
    for (const l of lines) sink += (JSON.parse(l) as { verb: string }).verb.length;
  };
  const findings = new Map<Selector, number>();
  const full = (select: Selector) => (): void => {
    let n = 0;
    const { engine: e } = engine(select, () => n++);
    for (let i = 0; i < lines.length; i++) e.analyzeText(lines[i] as string, { path: 'bench.log', line: i + 1 });
    findings.set(select, n);
  };
  const configs: [string, Selector][] = [
    ['every detection rule on', EVERY_DETECTION],
    ['default rules (stable, incubating)', DEFAULTS],
    ["every rule + Falco's debug passthrough", EVERY_RULE],
  ];
  // Warm up, then best of 5 each, interleaved with the baseline (CPU time, single thread of work).
  cpu(parseOnly);
  for (const [, c] of configs) cpu(full(c));
  const base: number[] = [];
  const subj = new Map<Selector, number[]>(configs.map(([, c]) => [c, []]));
  for (let i = 0; i < 5; i++) {
    base.push(cpu(parseOnly));
    for (const [, c] of configs) subj.get(c)?.push(cpu(full(c)));
  }
  const b = Math.min(...base) / 1000;
  const baseRate = N / b;
  if (sink === 42) process.stdout.write('');
  const rows: BenchRow[] = configs.map(([label, c], i) => {
    const s = Math.min(...(subj.get(c) ?? [Infinity])) / 1000;
    const rate = N / s;
    return { bench: `audit throughput, ${label}`, subject: 'analyzeText', seconds: rate / 1000, unit: 'k/s', baseline: 'JSON.parse only', baselineSeconds: baseRate / 1000, ratio: rate / baseRate, goal: i === 0 ? '>= 0.60 of JSON.parse (stretch 300k/s)' : 'informational', pass: i === 0 ? rate / baseRate >= 0.6 : true };
  });
  return {
    rows,
    info: { events: N, avgEventBytes: Math.round(bytes / N), jsonParsePerSecond: Math.round(baseRate), everyDetectionPerSecond: Math.round((rows[0]?.seconds ?? 0) * 1000), defaultPerSecond: Math.round((rows[1]?.seconds ?? 0) * 1000), everyRulePerSecond: Math.round((rows[2]?.seconds ?? 0) * 1000), findingsEveryDetection: findings.get(EVERY_DETECTION) ?? 0, findingsDefault: findings.get(DEFAULTS) ?? 0 },
  };
}

// ---- 2. memory over a large input ------------------------------------------------------------------------

export async function memory(): Promise<{ rows: BenchRow[]; info: Record<string, number> }> {
  const gib = Number(process.env['BULWARK_BENCH_AUDIT_GB'] ?? 5);
  const target = gib * 1024 ** 3;
  const gc = (globalThis as { gc?: () => void }).gc;
  // State is bounded by maxStateEntries per detection; the bench's generated identities, pods and
  // triples never repeat, so with the default (100,000 per map) the state is still filling at 5 GiB.
  // A smaller bound (BULWARK_BENCH_AUDIT_STATE, default 10,000) fills within the first tenth, after
  // which the heap must stay flat however much more input comes: memory is the state's, not the file's.
  const stateEntries = Number(process.env['BULWARK_BENCH_AUDIT_STATE'] ?? 10_000);
  const { engine: e } = engine(EVERY_DETECTION, undefined, stateEntries);
  const samples: { at: number; heap: number; rss: number; external: number }[] = [];
  let produced = 0;
  let n = 0;
  let nextSample = target / 10;
  async function* generate(): AsyncGenerator<string> {
    while (produced < target) {
      let chunk = '';
      for (let i = 0; i < 2000; i++) chunk += `${mixEvent(n++)}\n`;
      produced += chunk.length;
      if (produced >= nextSample) {
        gc?.();
        const m = process.memoryUsage();
        samples.push({ at: produced / target, heap: m.heapUsed, rss: m.rss, external: m.external });
        if (process.env['BULWARK_BENCH_VERBOSE'] === '1') process.stderr.write(`  ${Math.round((100 * produced) / target)} %: heap ${(m.heapUsed / 2 ** 20).toFixed(1)} MiB of ${(m.heapTotal / 2 ** 20).toFixed(0)}, rss ${(m.rss / 2 ** 20).toFixed(0)} MiB, external ${(m.external / 2 ** 20).toFixed(1)} MiB, state ${e.state.entries()}\n`);
        nextSample += target / 10;
      }
      yield chunk;
      if (n % 200_000 < 2000) await new Promise<void>((r) => setImmediate(r));
    }
  }
  const t0 = process.hrtime.bigint();
  await analyzeStream(e, generate(), 'large.log', DEFAULT_LIMITS.maxEventBytes);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const at20 = samples.find((x) => x.at >= 0.2) ?? samples[0];
  const last = samples.at(-1);
  const ratio = at20 !== undefined && last !== undefined ? last.heap / at20.heap : 0;
  const MiB = 1024 * 1024;
  return {
    rows: [{ bench: `audit memory over ${gib} GiB (generated, streamed)`, subject: 'heap at end', seconds: (last?.heap ?? 0) / MiB, unit: 'MiB', baseline: 'heap at 20 %', baselineSeconds: (at20?.heap ?? 0) / MiB, ratio, maxRssMiB: Math.max(...samples.map((x) => x.rss)) / MiB, goal: 'flat: end <= 1.25x the heap at 20 %', pass: ratio > 0 && ratio <= 1.25 }],
    info: { gib, events: n, seconds: Math.round(seconds), eventsPerSecond: Math.round(n / seconds), heapMiB: Math.round((last?.heap ?? 0) / MiB), stateEntries: e.state.entries(), evictions: e.state.maps().reduce((a, m) => a + m.evictions, 0) },
  };
}

// ---- 3. the receiver under a 10x burst -----------------------------------------------------------------


function post(port: number, ca: Buffer, agent: Agent, body: Buffer): Promise<{ status: number; retryAfter: number | undefined; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/audit', ca, servername: 'localhost', agent, timeout: 30_000, headers: { 'content-type': 'application/json', 'content-length': String(body.length) } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] === undefined ? undefined : Number(res.headers['retry-after']), ms: performance.now() - t0 }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, retryAfter: undefined, ms: performance.now() - t0 }));
    req.end(body);
  });
}

async function metric(port: number, ca: Buffer, agent: Agent, name: string): Promise<number> {
  const text = await new Promise<string>((resolve) => {
    request({ host: '127.0.0.1', port, path: '/metrics', ca, servername: 'localhost', agent }, (res) => {
      let s = '';
      res.on('data', (c: Buffer) => (s += c.toString('utf8')));
      res.on('end', () => resolve(s));
    })
      .on('error', () => resolve(''))
      .end();
  });
  let total = 0;
  for (const line of text.split('\n')) if (line.startsWith(name)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  return total;
}

export async function burst(): Promise<{ rows: BenchRow[]; info: Record<string, number> }> {
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-audit-bench-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt'), '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  const ca = readFileSync(join(dir, 'tls.crt'));
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [CLI, 'audit', 'serve', '--no-config', '--tls-cert', join(dir, 'tls.crt'), '--tls-key', join(dir, 'tls.key'), '--port', String(port), '--host', '127.0.0.1', '--alerts', `file:${join(dir, 'alerts.ndjson')}`, '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  try {
    for (let i = 0; i < 100; i++) {
      const ok = await new Promise<boolean>((resolve) => request({ host: '127.0.0.1', port, path: '/readyz', ca, servername: 'localhost', agent }, (res) => { res.resume(); resolve(res.statusCode === 200); }).on('error', () => resolve(false)).end());
      if (ok) break;
      await sleep(100);
    }
    const BATCH = 400;
    const BASE_RATE = 4000; // events/s: the API server's default webhook throughput (10 batches/s x 400)
    let n = 0;
    let generated = 0;
    let acknowledged = 0;
    let throttled = 0;
    let givenUp = 0;
    const latencies: number[] = [];
    const inflight = new Set<Promise<void>>();
    // The API server: a batch goroutine per batch (async delegate), 5 attempts with backoff (1.5x,
    // here from 100 ms instead of 10 s to keep the bench short), client-go honouring Retry-After.
    const send = async (body: Buffer): Promise<void> => {
      let backoff = 100;
      for (let attempt = 0; attempt < 5; attempt++) {
        const r = await post(port, ca, agent, body);
        latencies.push(r.ms);
        if (r.status === 200) {
          acknowledged += BATCH;
          return;
        }
        throttled++;
        await sleep(r.retryAfter !== undefined ? r.retryAfter * 1000 : backoff);
        backoff *= 1.5;
      }
      givenUp += BATCH;
    };
    const phase = async (rate: number, seconds: number): Promise<void> => {
      const perSecond = rate / BATCH;
      const t0 = performance.now();
      for (let i = 0; i < perSecond * seconds; i++) {
        const due = t0 + (i / perSecond) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        const items: string[] = [];
        for (let k = 0; k < BATCH; k++) items.push(mixEvent(n++));
        generated += BATCH;
        const p = send(Buffer.from(`{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[${items.join(',')}]}`));
        inflight.add(p);
        void p.finally(() => inflight.delete(p));
      }
    };
    await phase(BASE_RATE, 5);
    await phase(BASE_RATE * 10, 5);
    await phase(BASE_RATE, 3);
    await Promise.all([...inflight]);
    const analyzed = await metric(port, ca, agent, 'bulwark_audit_events_total{result="analyzed"}');
    const dropped = await metric(port, ca, agent, 'bulwark_audit_sink_dropped_total');
    const failed = await metric(port, ca, agent, 'bulwark_audit_sink_failed_total');
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? 0;
    const lost = generated - analyzed;
    return {
      rows: [{ bench: 'audit receiver, 10x burst (40k events/s for 5 s)', subject: 'events analysed', seconds: analyzed, unit: 'ev', baseline: 'events generated', baselineSeconds: generated, ratio: generated === 0 ? 0 : analyzed / generated, goal: 'no event lost, 0 sink drops, 0 batches given up', pass: lost === 0 && dropped === 0 && failed === 0 && givenUp === 0 && acknowledged === generated }],
      info: { generated, acknowledged, analyzed, lost, throttledAnswers: throttled, batchesGivenUp: givenUp / BATCH, sinkDropped: dropped, sinkFailed: failed, p99BatchMs: Math.round(p99) },
    };
  } finally {
    agent.destroy();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<unknown> {
  const t = throughput();
  printRows(t.rows);
  process.stdout.write(`  ${JSON.stringify(t.info)}\n`);
  const m = await memory();
  printRows(m.rows);
  process.stdout.write(`  ${JSON.stringify(m.info)}\n`);
  const b = await burst();
  printRows(b.rows);
  process.stdout.write(`  ${JSON.stringify(b.info)}\n`);
  return { throughput: t, memory: m, burst: b };
}
