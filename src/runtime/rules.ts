/**
 * The runtime RuleSet (`runtime/*`): detections over runtime events, whatever sensor produced them.
 * Every rule reports a `process` location (node, namespace, pod, container, pid, executable) with the
 * event's time and source, a message that names the pod and container, and evidence that starts with
 * the process chain. Lists the rules match against are data (detection-data.ts).
 */
import type { ProcessLocation } from '../findings/index.js';
import type { ReportFn } from '../rules/index.js';
import { defineRule, defineRuleSet } from '../rules/index.js';
import type { RuntimeSubject } from './context.js';
import {
  chainText,
  commandLine,
  dropEvidence,
  endpointText,
  isGpuDevice,
  isGpuInfrastructure,
  isInferenceServer,
  isPackageManager,
  isShell,
  isTokenPath,
  minerEvidence,
  namesOf,
  poolDomainIn,
  reverseShellPattern,
  serverName,
} from './match.js';
import type { ProcessView, RuntimeEvent } from './model.js';
import { baseName } from './model.js';
import { expectedPrograms } from './pods.js';

/** Longest evidence text kept (a display cap). */
const MAX_EVIDENCE = 1200;

export function locationOf(ev: RuntimeEvent): ProcessLocation {
  const c = ev.process.container;
  return {
    kind: 'process',
    path: ev.path,
    ...(ev.node !== undefined && { node: ev.node }),
    ...(c?.namespace !== undefined && { namespace: c.namespace }),
    ...(c?.pod !== undefined && { pod: c.pod }),
    ...(c?.podUid !== undefined && { podUid: c.podUid }),
    ...(c?.name !== undefined && { container: c.name }),
    ...(c?.id !== undefined && { containerId: c.id }),
    ...(ev.process.pid !== undefined && { pid: ev.process.pid }),
    ...(ev.process.exe !== undefined ? { exe: ev.process.exe } : { exe: ev.process.name }),
  };
}

/** `in pod ml/trainer-0 container main`, `in container 3f2a…`, `on the host`. */
export function whereText(ev: RuntimeEvent): string {
  const c = ev.process.container;
  if (c === undefined || (c.id === undefined && c.pod === undefined)) return ev.node === undefined ? 'on the host' : `on node ${ev.node} (host)`;
  const pod = c.pod === undefined ? undefined : `pod ${c.namespace === undefined ? '' : `${c.namespace}/`}${c.pod}`;
  const ctr = c.name !== undefined ? `container ${c.name}` : c.id !== undefined ? `container ${c.id.slice(0, 12)}` : undefined;
  return `in ${[pod, ctr].filter((x) => x !== undefined).join(' ')}`;
}

function report(s: RuntimeSubject, r: ReportFn, message: string, evidence: string, severity?: 'critical' | 'high' | 'medium' | 'low' | 'info'): void {
  const ev = s.event;
  const text = `chain: ${chainText(ev)}; ${evidence}`;
  r({
    location: locationOf(ev),
    message: `${message} ${whereText(ev)}`,
    evidence: text.length > MAX_EVIDENCE ? `${text.slice(0, MAX_EVIDENCE)}…` : text,
    time: ev.time,
    source: ev.source,
    ...(severity !== undefined && { severity }),
  });
}

function args(p: ProcessView): string {
  const c = commandLine(p.args);
  return c.length > 300 ? `${c.slice(0, 300)}…` : c;
}

function isLoopbackOrLocal(addr: string): boolean {
  return addr === '0.0.0.0' || addr === '::';
}

function processGpuDevices(s: RuntimeSubject): readonly string[] {
  return (s.event.process.gpuDevices ?? []).filter((d) => isGpuDevice(d, s.ctx.data));
}

/** GPU use seen in this event: a GPU process-list entry, or accelerator devices held open. */
function gpuUse(s: RuntimeSubject): string | undefined {
  const ev = s.event;
  if (ev.kind === 'gpu-use') return `holds ${ev.gpu.usedMemoryMiB ?? '?'} MiB on GPU ${ev.gpu.uuid ?? ev.gpu.gpuName ?? '?'}`;
  if (ev.kind !== 'exec' && ev.kind !== 'update') return undefined;
  const devs = processGpuDevices(s);
  return devs.length === 0 ? undefined : `holds ${devs.slice(0, 4).join(', ')} open`;
}

// ---- miners ------------------------------------------------------------------------------------------

export const cryptoMiner = defineRule<RuntimeSubject>({
  id: 'runtime/crypto-miner',
  title: 'Cryptocurrency miner running',
  severity: 'critical',
  description:
    'A process that is a known miner (name or binary hash), or that is driven like one: a Stratum mining-pool URL, a miner-only flag such as XMRig\'s `--donate-level`, a mining pool host or a mining algorithm on its command line. GPU nodes are the most valuable mining targets; miners hide in training jobs and notebooks.',
  remediation: 'Kill the process and isolate the pod (label it for the quarantine NetworkPolicy), find how it got in (image, exec, a compromised dependency), rotate the credentials the pod could reach, and rebuild the workload from a trusted image.',
  references: ['https://xmrig.com/docs/miner/command-line-options', 'https://attack.mitre.org/techniques/T1496/'],
  tags: ['runtime', 'miner', 'resource-hijacking'],
  maturity: 'stable',
  check(s, r) {
    if (s.event.kind !== 'exec') return;
    const reasons = minerEvidence(s.event.process, s.ctx.data);
    if (reasons.length === 0) return;
    const strong = reasons.some((x) => !x.startsWith('mining algorithm'));
    report(s, r, `cryptocurrency miner ${s.event.process.name}`, `${reasons.join('; ')}; args: ${args(s.event.process)}`, strong ? undefined : 'medium');
  },
});

export const miningPoolConnection = defineRule<RuntimeSubject>({
  id: 'runtime/mining-pool-connection',
  title: 'Connection to a mining pool',
  severity: 'high',
  description:
    'An outbound connection to a known mining-pool domain or to a port mining pools use (3333, 4444, 14444 …). Graded critical when the process also burns CPU above the configured share of a core or looks like a miner; a pool port alone, with no other sign, is medium.',
  remediation: 'Identify the process and its pod from the finding, kill it, block egress from the namespace with a default-deny NetworkPolicy, and investigate how the workload was compromised.',
  references: ['https://github.com/falcosecurity/rules/blob/main/rules/falco_rules.yaml', 'https://attack.mitre.org/techniques/T1496/'],
  tags: ['runtime', 'miner', 'network'],
  maturity: 'stable',
  check(s, r) {
    const ev = s.event;
    if (ev.kind !== 'connect') return;
    const d = s.ctx.data;
    const domain = ev.remoteName !== undefined ? poolDomainIn(ev.remoteName, d) : undefined;
    const port = d.poolPorts.has(ev.remote.port);
    if (domain === undefined && !port) return;
    if (isLoopbackOrLocal(ev.remote.address)) return;
    const cpu = ev.process.cpuPercent;
    const busy = cpu !== undefined && cpu >= d.data.minerCpuPercent;
    const miner = minerEvidence(ev.process, d);
    const why = [
      domain !== undefined ? `pool domain ${domain}` : undefined,
      port ? `pool port ${ev.remote.port}` : undefined,
      busy ? `CPU ${cpu.toFixed(0)}% of a core` : undefined,
      ...miner,
    ].filter((x): x is string => x !== undefined);
    const severity = busy || miner.length > 0 ? 'critical' : domain !== undefined ? 'high' : 'medium';
    report(s, r, `${ev.process.name} connected to a mining pool at ${ev.remoteName ?? endpointText(ev.remote)}`, `${why.join('; ')}; ${ev.protocol} ${endpointText(ev.remote)}`, severity);
  },
});

// ---- shells -------------------------------------------------------------------------------------------

export const reverseShell = defineRule<RuntimeSubject>({
  id: 'runtime/reverse-shell',
  title: 'Reverse shell',
  severity: 'critical',
  description:
    'A shell or interpreter whose standard input and output are a network socket (the shape every reverse shell has, however it was launched), a command line that builds one (`bash -i >& /dev/tcp/…`, `nc -e`, `socat exec:`, python/perl socket one-liners), or a shell that opens a network connection itself.',
  remediation: 'Kill the process, isolate the pod, and treat the workload as compromised: find the entry point (a vulnerable endpoint, a webshell, a malicious model or dependency), rotate credentials, rebuild from a trusted image.',
  references: ['https://gtfobins.github.io/#+reverse%20shell', 'https://attack.mitre.org/techniques/T1059/'],
  tags: ['runtime', 'shell', 'network'],
  maturity: 'stable',
  check(s, r) {
    const ev = s.event;
    const d = s.ctx.data;
    const p = ev.process;
    if (ev.kind === 'exec' || ev.kind === 'update') {
      const shell = isShell(p, d);
      const interp = shell === undefined ? namesOf(p).find((n) => d.serverInterpreters.has(n.replace(/[0-9.]+$/, '')) || d.serverInterpreters.has(n)) : undefined;
      const net = (p.stdio ?? []).filter((b) => b.socket.protocol !== 'unix' && b.socket.remote !== undefined && b.socket.state !== 'LISTEN');
      const fds = new Set(net.map((b) => b.fd));
      const pattern = ev.kind === 'exec' ? reverseShellPattern(p.args, d) : undefined;
      if ((shell !== undefined || interp !== undefined) && (fds.has(0) || fds.has(1))) {
        const sock = net[0]?.socket;
        report(s, r, `${p.name} with its ${fds.has(0) && fds.has(1) ? 'stdin and stdout' : fds.has(0) ? 'stdin' : 'stdout'} on a network socket (reverse shell)`, `stdio fds ${[...fds].sort().join(',')} → ${sock?.protocol ?? 'tcp'} ${sock?.remote !== undefined ? endpointText(sock.remote) : '?'}${pattern !== undefined ? `; pattern ${pattern.id}` : ''}; args: ${args(p)}`);
        return;
      }
      if (pattern !== undefined) report(s, r, `reverse shell command line (${pattern.id})`, `args: ${args(p)}`, 'high');
      return;
    }
    if (ev.kind === 'connect' && isShell(p, d) !== undefined && !isLoopbackOrLocal(ev.remote.address)) {
      report(s, r, `shell ${p.name} opened a network connection to ${endpointText(ev.remote)}`, `${ev.protocol} ${endpointText(ev.remote)}; args: ${args(p)}`, 'high');
    }
  },
});

export const webshell = defineRule<RuntimeSubject>({
  id: 'runtime/webshell',
  title: 'Shell or package manager spawned by a server',
  severity: 'critical',
  description:
    'A shell or a package manager whose parent (or grandparent) is an inference or web server — uvicorn, gunicorn, tritonserver, vLLM, TorchServe, Jupyter, Ray, `python -m http.server`, nginx — or an interpreter holding a listening socket. Servers do not start shells; a request that makes one do so is command injection, a webshell or a malicious model running code at load time.',
  remediation: 'Kill the shell, isolate the pod, and find the request or model that made the server run it (access logs, the model files it loaded). Run model servers without a shell in the image (distroless) and with a read-only root filesystem.',
  references: ['https://attack.mitre.org/techniques/T1505/003/', 'https://github.com/falcosecurity/rules/blob/main/rules/falco_rules.yaml'],
  tags: ['runtime', 'shell', 'inference'],
  maturity: 'stable',
  check(s, r) {
    const ev = s.event;
    if (ev.kind !== 'exec') return;
    const d = s.ctx.data;
    const what = isShell(ev.process, d) ?? isPackageManager(ev.process, d);
    if (what === undefined) return;
    for (let i = 0; i < ev.chain.length && i < 2; i++) {
      const a = ev.chain[i];
      if (a === undefined) break;
      const server = serverName(a, d, a.listening === true);
      if (server === undefined) continue;
      // A shell started by a shell started by the server: report once, for the first shell.
      if (i === 1 && ev.chain[0] !== undefined && isShell(ev.chain[0], d) !== undefined) return;
      report(s, r, `${ev.process.name} spawned by server ${a.name}`, `server ${server}${a.pid !== undefined ? ` pid ${a.pid}` : ''}; args: ${args(ev.process)}`);
      return;
    }
  },
});

// ---- files ---------------------------------------------------------------------------------------------

export const dropAndExecute = defineRule<RuntimeSubject>({
  id: 'runtime/drop-and-execute',
  title: 'Dropped binary executed',
  severity: 'high',
  description:
    'A process whose executable lives where downloaded payloads are dropped (/tmp, /dev/shm, /var/tmp, a pod volume), was deleted after it started, is an anonymous memory file (memfd, fileless execution: critical), or was written into the container\'s writable layer after the container started. Images carry their programs; a container that runs a program it wrote is running something nobody reviewed.',
  remediation: 'Kill the process and keep its executable for analysis (`/proc/<pid>/exe` still reads a deleted file while it runs). Mount /tmp and volumes `noexec`, run with `readOnlyRootFilesystem: true`, and find how the file arrived.',
  references: ['https://attack.mitre.org/techniques/T1105/', 'https://attack.mitre.org/techniques/T1620/', 'https://man7.org/linux/man-pages/man2/memfd_create.2.html'],
  tags: ['runtime', 'drift', 'execution'],
  maturity: 'stable',
  check(s, r) {
    const ev = s.event;
    if (ev.kind !== 'exec') return;
    const drop = dropEvidence(ev.process, s.ctx.data);
    if (drop === undefined) return;
    report(s, r, `${ev.process.name} executed from ${drop.memfd ? 'memory (memfd)' : (ev.process.exe ?? 'a dropped file')}`, `${drop.reason}; exe: ${ev.process.exe ?? '?'}; args: ${args(ev.process)}`, drop.memfd ? 'critical' : undefined);
  },
});

export const serviceAccountTokenRead = defineRule<RuntimeSubject>({
  id: 'runtime/sa-token-read',
  title: 'ServiceAccount token read by another process',
  severity: 'high',
  description:
    "A ServiceAccount token file (/var/run/secrets/kubernetes.io/serviceaccount/token, projected tokens, the kubelet's copy on the host) opened by a process that is not the workload's own: not the container's main process, not a program the pod spec runs, and — where nothing else is known — a shell, reader or network tool. Stolen tokens are how a compromised pod becomes a compromised cluster. Needs file events from Falco or Tetragon.",
  remediation: 'Find who ran the reader (the process chain), rotate the token (delete the pod; for long-lived Secret tokens delete the Secret), and set `automountServiceAccountToken: false` on workloads that do not call the API.',
  references: ['https://kubernetes.io/docs/concepts/security/service-accounts/', 'https://attack.mitre.org/techniques/T1528/'],
  tags: ['runtime', 'credentials', 'k8s'],
  maturity: 'stable',
  check(s, r) {
    const ev = s.event;
    if (ev.kind !== 'file-open' || !isTokenPath(ev.file, s.ctx.data)) return;
    const p = ev.process;
    if (p.containerPid === 1) return;
    const names = namesOf(p);
    if (s.pod !== undefined) {
      const expected = expectedPrograms(s.pod, s.spec);
      if (expected.length > 0) {
        if (names.some((n) => expected.includes(n))) return;
        report(s, r, `${p.name} read the ServiceAccount token ${ev.file}`, `not a program of the pod spec (${expected.slice(0, 6).join(', ')}); args: ${args(p)}`);
        return;
      }
    }
    if (!names.some((n) => s.ctx.data.tokenReaders.has(n) || s.ctx.data.tokenReaders.has(n.replace(/[0-9.]+$/, '')))) return;
    report(s, r, `${p.name} read the ServiceAccount token ${ev.file}`, `${p.name} is a shell, reader or network tool; args: ${args(p)}`);
  },
});

// ---- GPU ------------------------------------------------------------------------------------------------

export const gpuWithoutRequest = defineRule<RuntimeSubject>({
  id: 'runtime/gpu-without-request',
  title: 'GPU used by a pod that requested none',
  severity: 'high',
  description:
    'A process in a container uses a GPU (it holds /dev/nvidia* open, or nvidia-smi / NVML lists it) although its pod requested no accelerator resource (nvidia.com/gpu, MIG slices, AMD, Intel, Gaudi …). Pods get GPUs through the device plugin; one that reaches a GPU otherwise is privileged or escaped, and is using a card that was scheduled for someone else — the usual shape of hidden mining on GPU nodes. Needs the pod list for enrichment.',
  remediation: 'Find how the container reached the device (privileged, hostPath /dev, a runtime class that injects all GPUs, NVIDIA_VISIBLE_DEVICES=all), remove it, and request GPUs through resources.limits so the scheduler and quotas account for them.',
  references: ['https://kubernetes.io/docs/tasks/manage-gpus/scheduling-gpus/', 'https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/docker-specialized.html'],
  tags: ['runtime', 'gpu', 'resource-hijacking'],
  maturity: 'incubating',
  check(s, r) {
    const use = gpuUse(s);
    if (use === undefined || s.pod === undefined || s.pod.gpus > 0) return;
    if (isGpuInfrastructure(s.event.process, s.ctx.data)) return;
    report(s, r, `${s.event.process.name} uses a GPU but pod ${s.pod.namespace}/${s.pod.name} requested none`, use);
  },
});

function expectedGpuProcess(s: RuntimeSubject, expected: readonly string[]): boolean {
  const p = s.event.process;
  const names = [...namesOf(p), ...p.args.slice(1, 4).filter((a) => !a.startsWith('-')).map((a) => baseName(a).toLowerCase())];
  const hit = (n: string): boolean => expected.some((e) => n === e || n.startsWith(`${e}::`) || n.startsWith(`${e}-`) || n.startsWith(`${e}.`));
  if (names.some(hit)) return true;
  // Workers of an expected program (torchrun → python, tritonserver → python backend stub).
  return s.event.chain.some((c) => namesOf(c).some(hit));
}

export const unexpectedGpuProcess = defineRule<RuntimeSubject>({
  id: 'runtime/unexpected-gpu-process',
  title: "GPU used by a process outside the pod's command",
  severity: 'medium',
  description:
    "A process holds GPU memory in a pod that did request GPUs, but it is neither the program the pod spec runs (its command and args, or the names listed in the `bulwark.dev/gpu-processes` annotation) nor a child of it. A miner started inside a training or inference pod borrows the pod's legitimate GPU; this is how it shows. From nvidia-smi `--query-compute-apps` / NVML process lists, or /dev/nvidia* held open.",
  remediation: 'Check the process (its chain and executable); if it belongs to the workload, list it in the pod annotation `bulwark.dev/gpu-processes`; otherwise kill it and investigate the pod.',
  references: ['https://docs.nvidia.com/deploy/nvidia-smi/index.html', 'https://attack.mitre.org/techniques/T1496/'],
  tags: ['runtime', 'gpu', 'resource-hijacking'],
  maturity: 'incubating',
  check(s, r) {
    const use = gpuUse(s);
    if (use === undefined || s.pod === undefined || s.pod.gpus === 0) return;
    if (isGpuInfrastructure(s.event.process, s.ctx.data)) return;
    const expected = expectedPrograms(s.pod, s.spec);
    if (expected.length === 0 || expectedGpuProcess(s, expected)) return;
    report(s, r, `${s.event.process.name} uses the GPU of pod ${s.pod.namespace}/${s.pod.name} but is not its command`, `${use}; expected: ${expected.slice(0, 6).join(', ')}; args: ${args(s.event.process)}`);
  },
});

// ---- API server -------------------------------------------------------------------------------------------

function isApiServer(address: string, port: number, name: string | undefined, s: RuntimeSubject): boolean {
  const ports = s.ctx.data.apiServerPorts;
  for (const a of s.ctx.apiServers) {
    const m = /^(.*?)(?::(\d+))?$/.exec(a.startsWith('[') ? a.replace(/^\[([^\]]+)\]/, '$1') : a);
    const host = m?.[1] ?? a;
    const p = m?.[2] !== undefined ? Number(m[2]) : undefined;
    if ((host === address || (name !== undefined && host === name)) && (p === undefined ? ports.has(port) : p === port)) return true;
  }
  return name !== undefined && /^kubernetes(?:\.default(?:\.svc(?:\.cluster\.local)?)?)?$/.test(name) && ports.has(port);
}

export const clusterApiFromInference = defineRule<RuntimeSubject>({
  id: 'runtime/cluster-api-from-inference',
  title: 'Kubernetes API called from an inference pod',
  severity: 'high',
  description:
    'A process in an inference pod (labelled or annotated as such, or running an inference-server image or program) connected to the Kubernetes API server. Model servers answer requests; they have no reason to talk to the control plane. A connection there is a stolen token being used, or an exploited server exploring the cluster.',
  remediation: 'Set `automountServiceAccountToken: false` for the inference workload, bind it to a ServiceAccount without permissions, and add an egress NetworkPolicy that denies the API server. Investigate which process connected.',
  references: ['https://kubernetes.io/docs/concepts/security/service-accounts/', 'https://attack.mitre.org/techniques/T1613/'],
  tags: ['runtime', 'k8s', 'inference', 'network'],
  maturity: 'incubating',
  check(s, r) {
    const ev = s.event;
    if (ev.kind !== 'connect' || ev.process.container === undefined) return;
    if (!isApiServer(ev.remote.address, ev.remote.port, ev.remoteName, s)) return;
    const d = s.ctx.data;
    const inference = s.pod?.inference === true || isInferenceServer(ev.process, d) || ev.chain.some((c) => isInferenceServer(c, d));
    if (!inference) return;
    report(s, r, `${ev.process.name} connected to the Kubernetes API server ${endpointText(ev.remote)}`, `${ev.protocol} ${endpointText(ev.remote)}${s.pod !== undefined ? `; inference pod ${s.pod.namespace}/${s.pod.name}` : ''}; args: ${args(ev.process)}`);
  },
});

export const RUNTIME_RULES = [cryptoMiner, miningPoolConnection, reverseShell, webshell, dropAndExecute, serviceAccountTokenRead, gpuWithoutRequest, unexpectedGpuProcess, clusterApiFromInference] as const;

export const RUNTIME_RULESET = defineRuleSet('runtime', ['runtime'], RUNTIME_RULES);
