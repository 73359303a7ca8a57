/**
 * Admission webhook load test (issue 11): `bulwark admission serve` on loopback with TLS, every rule on
 * (experimental ones too) in all three modes at restricted, answering 1,000 requests/s of mixed real pod
 * specs (the demo manifests' workloads and typical pods, as Pod and Deployment reviews) from autocannon
 * over kept-alive TLS connections. Baseline in the same run: an HTTPS echo server (node:https, same key
 * and certificate) under the same load and bodies. Goal: p99 below 5 ms, zero errors and non-2xx.
 * Reports p50/p99/max of both and the ratio.
 *
 * The servers run as child processes (the load generator must not share their event loop).
 * `BULWARK_BENCH_ADMISSION_SECONDS` sets the duration of each run (default 10; 1 s warm-up before).
 */
import autocannon from 'autocannon';
import { spawn, execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAllDocuments } from 'yaml';
import { makeAdmissionReview } from '../src/admission/index.js';
import type { JsonObject } from '../src/k8s-manifests/index.js';
import { podTemplatesOf, objectFromJson } from '../src/k8s-manifests/index.js';
import { CLI, ROOT, benchDir, processCpuMs } from './common.js';
import { freePort } from '../test-fixtures/net.js';

const RATE = 1000;
const CONNECTIONS = 16;
const P99_GOAL_MS = 5;


/** Workloads of the demo manifests plus typical pods: the bodies the load cycles through. */
export function mixedReviews(): string[] {
  const objects: JsonObject[] = [];
  const dir = join(ROOT, 'examples/k8s');
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml')).sort()) {
    for (const d of parseAllDocuments(readFileSync(join(dir, f), 'utf8'), { version: '1.1' })) {
      const v = JSON.parse(JSON.stringify(d.toJS() ?? null)) as unknown;
      if (v === null || typeof v !== 'object' || Array.isArray(v)) continue;
      const o = v as JsonObject;
      const probe = objectFromJson(structuredClone(o), { kind: 'admission-request', path: '', uid: '', operation: '' });
      if (podTemplatesOf(probe).length > 0 && ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicaSet'].includes(String(o['kind']))) objects.push(o);
    }
  }
  const digest = 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
  const pods: JsonObject[] = [
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'apps' }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] } },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'vllm', namespace: 'ml', labels: { app: 'vllm' }, annotations: { 'bulwark.dev/untrusted-models': 'true' } },
      spec: {
        serviceAccountName: 'vllm',
        runtimeClassName: 'gvisor',
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: 'server',
            image: `vllm/vllm-openai:v0.6.3@${digest}`,
            args: ['--model', '/models/llama'],
            env: [{ name: 'HF_HOME', value: '/cache' }],
            resources: { limits: { 'nvidia.com/gpu': '1', cpu: '8', memory: '64Gi' }, requests: { 'nvidia.com/gpu': '1' } },
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            volumeMounts: [{ name: 'models', mountPath: '/models', readOnly: true }],
          },
        ],
        volumes: [{ name: 'models', persistentVolumeClaim: { claimName: 'models' } }],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'debug', namespace: 'ops' },
      spec: { hostPID: true, hostNetwork: true, containers: [{ name: 'sh', image: 'busybox', securityContext: { privileged: true }, volumeMounts: [{ name: 'root', mountPath: '/host' }] }], volumes: [{ name: 'root', hostPath: { path: '/' } }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'trainer', namespace: 'ml' },
      spec: {
        initContainers: [{ name: 'fetch', image: 'curlimages/curl:8.9.1', env: [{ name: 'AWS_SECRET_ACCESS_KEY', value: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }] }],
        containers: [{ name: 'train', image: 'pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime', env: [{ name: 'NVIDIA_VISIBLE_DEVICES', value: 'all' }], resources: { requests: { 'nvidia.com/gpu': '2' } } }],
      },
    },
  ];
  const all = [...objects, ...pods];
  const reviews: string[] = [];
  all.forEach((o, i) => reviews.push(JSON.stringify(makeAdmissionReview({ uid: `bench-${i}`, object: o, namespace: 'bench' }))));
  pods.forEach((p, i) => {
    const d: JsonObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `d${i}`, namespace: 'bench' }, spec: { replicas: 2, selector: { matchLabels: { app: `d${i}` } }, template: { metadata: { labels: { app: `d${i}` } }, spec: p['spec'] as JsonObject } } };
    reviews.push(JSON.stringify(makeAdmissionReview({ uid: `bench-d${i}`, object: d })));
  });
  return reviews;
}

async function waitReady(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const r = await autocannon({ url: `https://127.0.0.1:${port}/healthz`, amount: 1, connections: 1 });
      if (r['2xx'] === 1) return;
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  throw new Error('server did not become ready');
}

interface LoadResult {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly requests: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly rps: number;
  /** Server CPU time per request (ms): robust to other load on the machine, unlike latencies. */
  readonly cpuPerRequestMs?: number;
}

async function load(port: number, path: string, bodies: readonly string[], seconds: number, pid?: number): Promise<LoadResult> {
  const opts = {
    url: `https://127.0.0.1:${port}${path}`,
    connections: CONNECTIONS,
    overallRate: RATE,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json' },
    requests: bodies.map((body) => ({ method: 'POST' as const, path, body, headers: { 'content-type': 'application/json' } })),
  };
  await autocannon({ ...opts, duration: 1 }); // warm-up (JIT, TLS sessions)
  const cpu0 = processCpuMs(pid);
  const r = await autocannon({ ...opts, duration: seconds });
  const cpu1 = processCpuMs(pid);
  const cpu = cpu0 !== undefined && cpu1 !== undefined && r.requests.total > 0 ? (cpu1 - cpu0) / r.requests.total : undefined;
  return { p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max, requests: r.requests.total, errors: r.errors + r.timeouts, non2xx: r.non2xx, rps: r.requests.average, ...(cpu !== undefined && { cpuPerRequestMs: cpu }) };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

export async function run(): Promise<unknown> {
  const dir = benchDir('admission');
  const cert = join(dir, 'tls.crt');
  const key = join(dir, 'tls.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  const config = join(dir, 'bulwark.yaml');
  writeFileSync(config, 'rules:\n  maturity:experimental: on\n  maturity:deprecated: on\n');
  const seconds = Number(process.env['BULWARK_BENCH_ADMISSION_SECONDS'] ?? '10');
  const bodies = mixedReviews();

  const echoPort = await freePort();
  const echo = spawn(process.execPath, [join(ROOT, 'dist/bench/admission-echo.js'), cert, key, String(echoPort)], { stdio: 'ignore' });
  await waitReady(echoPort, echo);
  const base = await load(echoPort, '/validate', bodies, seconds, echo.pid);
  await stop(echo);

  const port = await freePort();
  const server = spawn(
    process.execPath,
    [CLI, 'admission', 'serve', '--tls-cert', cert, '--tls-key', key, '--port', String(port), '--host', '127.0.0.1', '--default-enforce', 'restricted', '--default-warn', 'restricted', '--default-audit', 'restricted', '--config', config],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  await waitReady(port, server);
  const adm = await load(port, '/validate', bodies, seconds, server.pid);
  const code = await stop(server);

  const ms = (x: number): string => `${x.toFixed(2)} ms`;
  const cpu = (x: LoadResult): string => (x.cpuPerRequestMs === undefined ? '' : `, server CPU ${x.cpuPerRequestMs.toFixed(3)} ms/request`);
  const loadAvg = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const ratio = adm.p99 / Math.max(base.p99, 0.01);
  process.stdout.write(`admission load: ${bodies.length} distinct reviews (Pod and Deployment), ${CONNECTIONS} TLS connections, ${RATE} req/s for ${seconds} s, every rule on, enforce+warn+audit at restricted\n`);
  process.stdout.write(`  bulwark admission serve   p50 ${ms(adm.p50)}  p99 ${ms(adm.p99)}  max ${ms(adm.max)}  ${adm.requests} requests (${adm.rps.toFixed(0)}/s), ${adm.errors} errors, ${adm.non2xx} non-2xx${cpu(adm)}\n`);
  process.stdout.write(`  HTTPS echo baseline       p50 ${ms(base.p50)}  p99 ${ms(base.p99)}  max ${ms(base.max)}  ${base.requests} requests (${base.rps.toFixed(0)}/s), ${base.errors} errors, ${base.non2xx} non-2xx${cpu(base)}\n`);
  process.stdout.write(`  machine load average (1/5/15 min) after the runs: ${loadAvg} on ${availableParallelism()} CPUs (latencies are only meaningful on an otherwise idle machine)\n`);
  const pass = adm.p99 < P99_GOAL_MS && adm.errors === 0 && adm.non2xx === 0 && code === 0;
  process.stdout.write(`  p99 ratio to the echo baseline ${ratio.toFixed(2)}; goal p99 < ${P99_GOAL_MS} ms, zero errors, clean exit on SIGTERM: ${pass ? 'PASS' : 'MISS'}\n`);
  return { admission: adm, echo: base, p99Ratio: ratio, exitCode: code, pass, loadAverage: loadAvg };
}
