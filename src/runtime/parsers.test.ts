/**
 * Inputs from their real formats: cgroup paths of every runtime layout, Falco alerts and Tetragon
 * exports (samples copied from the projects, test-fixtures/runtime/README.md), recorded nvidia-smi and
 * NVML process lists against a kubelet pod list — each producing exactly the expected alerts.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../findings/index.js';
import type { RuntimeEvent } from './index.js';
import {
  DETECTION_DATA,
  NO_PODS,
  RuntimeAnalyzer,
  compileData,
  gpuEvents,
  identityFromCgroupFile,
  mergeDetectionData,
  parseDetectionOverlay,
  parseFalcoAlert,
  parseGpuProcesses,
  parseTetragonEvent,
  podIndexFromJson,
  runtimeEventFromJson,
} from './index.js';
import { ipv4FromHex, ipv6FromHex, parseInetTable } from './proc-net.js';
import { parseStat } from './proc-sensor.js';
import { RateLimiter } from './rate-limit.js';

const FX = join(import.meta.dirname, '../../test-fixtures/runtime');
const data = compileData(DETECTION_DATA);
const pods = podIndexFromJson(JSON.parse(readFileSync(join(FX, 'pods/kubelet-pods.json'), 'utf8')), { gpuResource: data.gpuResource, inferenceImages: DETECTION_DATA.inferenceImages, maxPods: 1000 });

function judge(events: readonly RuntimeEvent[], withPods = true, apiServers: readonly string[] = []): Finding[] {
  const out: Finding[] = [];
  const a = new RuntimeAnalyzer({ ctx: { data, pods: withPods ? pods : NO_PODS, apiServers }, onFinding: (f) => out.push(f), rateLimit: { windowMs: 0, maxKeys: 100 } });
  for (const e of events) a.analyze(e);
  return out;
}

function readJsonLines(file: string): unknown[] {
  const text = readFileSync(file, 'utf8');
  return file.endsWith('.ndjson') ? text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown) : [JSON.parse(text) as unknown];
}

describe('cgroup paths of every runtime layout', () => {
  const cases = JSON.parse(readFileSync(join(FX, 'cgroup/layouts.json'), 'utf8')) as { name: string; file: string; expect: Record<string, string> }[];
  for (const c of cases) {
    it(c.name, () => {
      expect(identityFromCgroupFile(c.file)).toEqual(c.expect);
    });
  }
});

/** Expected rule ids per fixture file (sample-event agreement). */
const FALCO_EXPECT: Record<string, readonly string[]> = {
  'falco-repo-open-from-cat.ndjson': [],
  'terminal-shell-in-container.json': [],
  'drop-and-execute-upper-layer.json': ['runtime/drop-and-execute'],
  'derived-reverse-shell-dup.json': ['runtime/reverse-shell'],
  'derived-miner-pool-connect.json': ['runtime/mining-pool-connection'],
  'derived-sa-token-open.json': ['runtime/sa-token-read'],
  'derived-memfd-exec.json': ['runtime/drop-and-execute'],
  'derived-k8s-audit-source.json': [],
};

const TETRAGON_EXPECT: Record<string, readonly string[]> = {
  'execution-curl.json': [],
  'filename-access-vi-passwd.json': [],
  'merlin-agent-go-start.json': ['runtime/drop-and-execute'],
  'merlin-agent-go-connect.json': [],
  'nc-process-exec.json': [],
  'derived-sa-token-read.json': ['runtime/sa-token-read'],
  'derived-tcp-connect-pool-port.json': ['runtime/mining-pool-connection'],
};

describe('Falco alerts', () => {
  it('every sample has an expectation', () => expect(readdirSync(join(FX, 'falco')).sort()).toEqual(Object.keys(FALCO_EXPECT).sort()));
  for (const [file, want] of Object.entries(FALCO_EXPECT)) {
    it(`${file} → ${want.length === 0 ? 'no alert' : want.join(', ')}`, () => {
      const events: RuntimeEvent[] = [];
      for (const v of readJsonLines(join(FX, 'falco', file))) {
        const r = parseFalcoAlert(v, `falco:${file}`);
        expect(r.ok, JSON.stringify(r)).toBe(true);
        if (r.ok) events.push(...r.events);
      }
      const got = judge(events);
      expect([...new Set(got.map((f) => f.ruleId))].sort()).toEqual([...want].sort());
      for (const f of got) {
        expect(f.source).toBe('falco');
        expect(f.time).toMatch(/^\d{4}-\d\d-\d\dT/);
        expect(f.evidence).toMatch(/^chain: /);
      }
    });
  }
  it('names the pod and container, and grades the miner connection critical', () => {
    const r = parseFalcoAlert(readJsonLines(join(FX, 'falco/derived-miner-pool-connect.json'))[0], 'falco');
    expect(r.ok).toBe(true);
    const [f] = judge(r.ok ? r.events : []);
    expect(f?.severity).toBe('critical');
    expect(f?.message).toContain('pool.supportxmr.com');
    expect(f?.message).toContain('in pod ml/llm-7d9f8-x2k4p container vllm');
    expect(f?.location).toMatchObject({ kind: 'process', node: 'gpu-node-1', namespace: 'ml', pod: 'llm-7d9f8-x2k4p', container: 'vllm', pid: 48301, exe: '/tmp/xmrig' });
    expect(f?.evidence).toContain('chain: xmrig(48301) < sh');
  });
  it('the Falco-reported shell chain is kept', () => {
    const r = parseFalcoAlert(readJsonLines(join(FX, 'falco/derived-reverse-shell-dup.json'))[0], 'falco');
    const [f] = judge(r.ok ? r.events : []);
    expect(f?.severity).toBe('critical');
    expect(f?.evidence).toMatch(/^chain: bash\(48211\) < sh\(48207\) < python3/);
  });
  it('rejects what is not a Falco alert', () => {
    expect(parseFalcoAlert([], 'x').ok).toBe(false);
    expect(parseFalcoAlert({ rule: 'x' }, 'x').ok).toBe(false);
  });
});

describe('Tetragon export', () => {
  it('every sample has an expectation', () => expect(readdirSync(join(FX, 'tetragon')).sort()).toEqual(Object.keys(TETRAGON_EXPECT).sort()));
  for (const [file, want] of Object.entries(TETRAGON_EXPECT)) {
    it(`${file} → ${want.length === 0 ? 'no alert' : want.join(', ')}`, () => {
      const r = parseTetragonEvent(JSON.parse(readFileSync(join(FX, 'tetragon', file), 'utf8')), `tetragon:${file}`);
      expect(r.ok, JSON.stringify(r)).toBe(true);
      const got = judge(r.ok ? r.events : []);
      expect([...new Set(got.map((f) => f.ruleId))].sort()).toEqual([...want].sort());
    });
  }
  it('maps pod, container, parent chain and event kinds', () => {
    const exec = parseTetragonEvent(JSON.parse(readFileSync(join(FX, 'tetragon/execution-curl.json'), 'utf8')), 't');
    expect(exec.ok && exec.events[0]).toMatchObject({
      kind: 'exec',
      node: 'gke-john-632-default-pool-7041cac0-9s95',
      process: { name: 'curl', pid: 52699, args: ['/usr/bin/curl', 'https://ebpf.io/applications/#tetragon'], containerPid: 49, container: { id: '551e161c47d8ff0eb665438a7bcd5b4e3ef5a297282b40a92b7c77d6bd168eb3', runtime: 'containerd', name: 'spaceship', pod: 'xwing', namespace: 'default' } },
      chain: [{ name: 'bash', args: ['/bin/bash', '-c', 'curl https://ebpf.io/applications/#tetragon'] }],
    });
    const file = parseTetragonEvent(JSON.parse(readFileSync(join(FX, 'tetragon/filename-access-vi-passwd.json'), 'utf8')), 't');
    expect(file.ok && file.events[0]).toMatchObject({ kind: 'file-open', file: '/etc/passwd', write: true });
    const conn = parseTetragonEvent(JSON.parse(readFileSync(join(FX, 'tetragon/merlin-agent-go-connect.json'), 'utf8')), 't');
    expect(conn.ok && conn.events[0]).toMatchObject({ kind: 'connect', remote: { address: '34.116.205.187', port: 443 }, protocol: 'tcp' });
    expect(parseTetragonEvent({ process_exit: { process: { pid: 1 } } }, 't')).toEqual({ ok: true, events: [] });
    expect(parseTetragonEvent({ hello: 1 }, 't').ok).toBe(false);
  });
  it('the token read is reported with the pod, not for the container main process', () => {
    const v = JSON.parse(readFileSync(join(FX, 'tetragon/derived-sa-token-read.json'), 'utf8')) as { process_kprobe: { process: { pod: { container: { pid: number } } } } };
    const r = parseTetragonEvent(v, 't');
    const [f] = judge(r.ok ? r.events : []);
    expect(f?.message).toBe('cat read the ServiceAccount token /var/run/secrets/kubernetes.io/serviceaccount/token in pod default/file-access container file-access');
    v.process_kprobe.process.pod.container.pid = 1;
    const r1 = parseTetragonEvent(v, 't');
    expect(judge(r1.ok ? r1.events : [])).toEqual([]);
  });
});

describe('GPU process lists (recorded nvidia-smi / NVML outputs)', () => {
  const read = (f: string): string => readFileSync(join(FX, 'nvidia-smi', f), 'utf8');
  it('parses every recorded shape', () => {
    const triton = parseGpuProcesses(read('l40s-triton.csv'));
    expect(triton.ok && triton.processes).toEqual([
      { pid: 44378, processName: 'tritonserver', usedMemoryMiB: 1836 },
      { pid: 44966, processName: '/opt/tritonserver/backends/python/triton_python_backend_stub', usedMemoryMiB: 974 },
      { pid: 52114, processName: '/usr/bin/python3', usedMemoryMiB: 6294 },
    ]);
    const h200 = parseGpuProcesses(read('h200x8-uuid.csv'));
    expect(h200.ok && h200.processes.length).toBe(8);
    expect(h200.ok && h200.processes[7]).toEqual({ pid: 1758887, usedMemoryMiB: 58060, gpuUuid: 'GPU-28780eb0-24d5-1f13-59b8-ae5c23617a72' });
    const ts = parseGpuProcesses(read('rtx3090-timestamp.csv'));
    expect(ts.ok && ts.processes).toEqual([{ pid: 1106871, processName: '/app/llama-server', usedMemoryMiB: 23342, gpuName: 'NVIDIA GeForce RTX 3090' }]);
    const nh = parseGpuProcesses(read('rtx3090-noheader-nounits.csv'), ['timestamp', 'gpu_name', 'pid', 'process_name', 'used_memory']);
    expect(nh.ok && nh.processes).toEqual(ts.ok ? ts.processes : []);
    expect(parseGpuProcesses(read('header-only.csv'))).toEqual({ ok: true, processes: [], truncated: false });
    const v = parseGpuProcesses(read('vllm-enginecore.csv'));
    expect(v.ok && v.processes.map((p) => p.processName)).toEqual(['VLLM::EngineCore', 'VLLM::EngineCore']);
    const nvml = parseGpuProcesses(read('nvml-processes.json'));
    expect(nvml.ok && nvml.processes[0]).toEqual({ pid: 44378, usedMemoryMiB: 1836, gpuUuid: 'GPU-a44622e3-2296-6285-0a86-84d0f6c67900' });
    expect(parseGpuProcesses('pid, name\nabc, x\n').ok).toBe(false);
  });

  const TRITON = '9d8c7b6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa998877665544';
  const WEB = '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0';
  it('triton and its backend stub are the pod’s command; a python process in the triton pod is not', () => {
    const r = parseGpuProcesses(read('l40s-triton.csv'));
    const where: Record<number, { name: string; args: string[]; chain: { name: string }[] }> = {
      44378: { name: 'tritonserver', args: ['tritonserver', '--model-repository=/models'], chain: [] },
      44966: { name: 'triton_python_backend_stub', args: ['/opt/tritonserver/backends/python/triton_python_backend_stub'], chain: [{ name: 'tritonserver' }] },
      52114: { name: 'python3', args: ['/usr/bin/python3', 'xmr.py'], chain: [{ name: 'bash' }] },
    };
    const events = gpuEvents(r.ok ? r.processes : [], {
      path: 'nvidia-smi.csv',
      time: '2026-11-20T10:00:00Z',
      lookup: (pid) => {
        const w = where[pid];
        return w === undefined ? undefined : { process: { pid, name: w.name, args: w.args, container: { id: TRITON } }, chain: w.chain };
      },
    });
    const got = judge(events);
    expect(got.map((f) => [f.ruleId, f.location.kind === 'process' ? f.location.pid : 0])).toEqual([['runtime/unexpected-gpu-process', 52114]]);
    expect(got[0]?.message).toBe('python3 uses the GPU of pod ml/triton-0 but is not its command in pod ml/triton-0 container triton');
  });
  it('a GPU process in a pod that requested no GPU', () => {
    const r = parseGpuProcesses(read('nvml-processes.json'));
    const events = gpuEvents(r.ok ? r.processes : [], {
      path: 'nvml.json',
      time: '2026-11-20T10:00:00Z',
      lookup: (pid) => (pid === 52114 ? { process: { pid, name: 'python3', args: ['python3', '-c', 'import torch'], container: { id: WEB } }, chain: [{ name: 'gunicorn' }] } : undefined),
    });
    const got = judge(events);
    expect(got.map((f) => f.ruleId)).toEqual(['runtime/gpu-without-request']);
    expect(got[0]?.message).toContain('pod apps/web-0 requested none');
    // Without the pod list nothing can be judged.
    expect(judge(events, false)).toEqual([]);
  });
  it('/dev/nvidia* held open by a process of a pod without GPUs (the /proc sensor view)', () => {
    const ev: RuntimeEvent = { kind: 'update', time: 't', source: 'proc', path: 'proc', process: { pid: 9, name: 'python3', args: ['python3'], container: { id: WEB }, gpuDevices: ['/dev/nvidiactl', '/dev/nvidia0', '/dev/nvidia-uvm'] }, chain: [] };
    expect(judge([ev]).map((f) => f.ruleId)).toEqual(['runtime/gpu-without-request']);
    const infra: RuntimeEvent = { ...ev, process: { ...ev.process, name: 'nvidia-device-plugin', args: ['nvidia-device-plugin'] } };
    expect(judge([infra])).toEqual([]);
    const ctl: RuntimeEvent = { ...ev, process: { ...ev.process, gpuDevices: ['/dev/nvidiactl'] } };
    expect(judge([ctl])).toEqual([]);
  });
  it('vLLM engine processes match a pod that runs vllm', () => {
    const r = parseGpuProcesses(read('vllm-enginecore.csv'));
    const LLM = '3f1a9d2c7b8e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c';
    const events = gpuEvents(r.ok ? r.processes : [], { path: 'x', time: 't', lookup: (pid) => ({ process: { pid, name: 'VLLM::EngineCore', args: ['VLLM::EngineCore'], container: { id: LLM } }, chain: [{ name: 'vllm', args: ['vllm', 'serve'] }] }) });
    // The pod runs the image's entrypoint (no command): nothing is expected, so nothing is judged.
    expect(judge(events)).toEqual([]);
  });
});

describe('pure pieces', () => {
  it('/proc/net tables', () => {
    expect(ipv4FromHex('0100007F')).toBe('127.0.0.1');
    expect(ipv6FromHex('00000000000000000000000001000000')).toBe('::1');
    expect(ipv6FromHex('0000000000000000FFFF00000100007F')).toBe('127.0.0.1');
    const t = parseInetTable(
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n' +
        '   0: 0100007F:0D05 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1111 1 0 100 0 0 10 0\n' +
        '   1: 0100007F:9C40 0100007F:0D05 01 00000000:00000000 00:00000000 00000000     0        0 2222 1 0 20 4 30 10 -1\n',
      'tcp',
    );
    expect(t.get(1111)).toEqual({ protocol: 'tcp', inode: 1111, local: { address: '127.0.0.1', port: 3333 }, state: 'LISTEN' });
    expect(t.get(2222)).toEqual({ protocol: 'tcp', inode: 2222, local: { address: '127.0.0.1', port: 40000 }, remote: { address: '127.0.0.1', port: 3333 }, state: 'ESTABLISHED' });
  });
  it('stat with spaces and parentheses in comm', () => {
    expect(parseStat('42 (a) b (c)) S 7 42 42 0 -1 4194560 1 0 0 0 12 3 0 0 20 0 1 0 98765 0 0')).toEqual({ comm: 'a) b (c)', ppid: 7, ticks: 15, startTime: '98765' });
  });
  it('rate limiting holds repeats back within the window and says so after', () => {
    const r = new RateLimiter({ windowMs: 1000, maxKeys: 2 });
    expect(r.decide('a', 0)).toEqual({ emit: true, heldBack: 0 });
    expect(r.decide('a', 10)).toEqual({ emit: false });
    expect(r.decide('a', 20)).toEqual({ emit: false });
    expect(r.decide('a', 1500)).toEqual({ emit: true, heldBack: 2 });
    r.decide('b', 1500);
    r.decide('c', 1500);
    expect(r.size).toBe(2);
    expect(r.evicted).toBe(1);
  });
  it('the analyzer reports held-back repeats in the next alert', () => {
    let now = 0;
    const out: Finding[] = [];
    const a = new RuntimeAnalyzer({ ctx: { data, pods: NO_PODS, apiServers: [] }, onFinding: (f) => out.push(f), rateLimit: { windowMs: 60_000, maxKeys: 10 }, now: () => now });
    const ev: RuntimeEvent = { kind: 'exec', time: 't', source: 'proc', path: 'proc', process: { pid: 5, name: 'xmrig', exe: '/usr/bin/xmrig', args: ['xmrig'] }, chain: [] };
    for (let i = 0; i < 5; i++) a.analyze({ ...ev, process: { ...ev.process, pid: 5 + i } });
    expect(out).toHaveLength(1);
    now = 61_000;
    a.analyze(ev);
    expect(out).toHaveLength(2);
    expect(out[1]?.evidence).toContain('4 repeats of this alert were held back by rate limiting');
  });
  it('detection data additions are validated and merged', () => {
    expect(parseDetectionOverlay({ minerNames: ['mybad'], poolPorts: [1234] })).toEqual({ ok: true, overlay: { minerNames: ['mybad'], poolPorts: [1234] } });
    const bad = parseDetectionOverlay({ minerNames: 'x', poolPorts: [99999], tokenPaths: ['('], nope: 1 });
    expect(bad.ok).toBe(false);
    const merged = mergeDetectionData(DETECTION_DATA, { minerNames: ['MyBad'] });
    expect(merged.minerNames).toContain('mybad');
    expect(merged.minerNames).toContain('xmrig');
  });
  it('Bulwark event JSON round-trips and rejects what is not an event', () => {
    const ev: RuntimeEvent = { kind: 'connect', time: '2026-01-01T00:00:00Z', source: 'proc', path: 'p', process: { pid: 1, name: 'a', args: ['a'], stdio: [{ fd: 0, socket: { protocol: 'tcp', remote: { address: '1.2.3.4', port: 1 } } }] }, chain: [{ name: 'b', pid: 2, listening: true }], remote: { address: '1.2.3.4', port: 3333 }, protocol: 'tcp' };
    expect(runtimeEventFromJson(JSON.parse(JSON.stringify(ev)), 'p')).toEqual({ ok: true, event: ev });
    expect(runtimeEventFromJson({ kind: 'nope', process: { name: 'a' } }, 'p').ok).toBe(false);
    expect(runtimeEventFromJson({ kind: 'exec' }, 'p').ok).toBe(false);
  });
});
