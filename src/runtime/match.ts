/**
 * Pure matchers over the detection data: is this process a miner, a shell, a server; is this command
 * line a reverse shell; is this path a token or a drop directory. Compiled once per data version
 * (`compileData`), then plain function calls per event.
 */
import type { DetectionData } from './detection-data.js';
import type { ChainLink, Endpoint, ProcessView, RuntimeEvent } from './model.js';
import { baseName } from './model.js';

export interface CompiledData {
  readonly data: DetectionData;
  readonly minerNames: ReadonlySet<string>;
  readonly minerHashes: ReadonlySet<string>;
  readonly minerFlags: ReadonlySet<string>;
  readonly minerAlgorithms: ReadonlySet<string>;
  readonly poolPorts: ReadonlySet<number>;
  readonly shells: ReadonlySet<string>;
  readonly packageManagers: ReadonlySet<string>;
  readonly servers: ReadonlySet<string>;
  readonly serverInterpreters: ReadonlySet<string>;
  readonly reverseShell: readonly { readonly id: string; readonly re: RegExp }[];
  readonly tokenPaths: readonly RegExp[];
  readonly tokenReaders: ReadonlySet<string>;
  readonly gpuResource: RegExp;
  readonly gpuInfrastructure: ReadonlySet<string>;
  readonly inferenceServers: ReadonlySet<string>;
  readonly apiServerPorts: ReadonlySet<number>;
}

export function compileData(data: DetectionData): CompiledData {
  const lower = (xs: readonly string[]): Set<string> => new Set(xs.map((x) => x.toLowerCase()));
  return {
    data,
    minerNames: lower(data.minerNames),
    minerHashes: lower(data.minerHashes),
    minerFlags: new Set(data.minerFlags),
    minerAlgorithms: lower(data.minerAlgorithms),
    poolPorts: new Set(data.poolPorts),
    shells: lower(data.shells),
    packageManagers: lower(data.packageManagers),
    servers: lower(data.servers),
    serverInterpreters: lower(data.serverInterpreters),
    reverseShell: data.reverseShellPatterns.map((p) => ({ id: p.id, re: new RegExp(p.pattern, 'i') })),
    tokenPaths: data.tokenPaths.map((p) => new RegExp(p)),
    tokenReaders: lower(data.tokenReaders),
    gpuResource: new RegExp(data.gpuResource),
    gpuInfrastructure: lower(data.gpuInfrastructure),
    inferenceServers: lower(data.inferenceServers),
    apiServerPorts: new Set(data.apiServerPorts),
  };
}

/** Longest command line kept for matching and evidence (a display and matching cap, not an input limit). */
const MAX_CMDLINE = 4096;

export function commandLine(args: readonly string[]): string {
  let s = '';
  for (const a of args) {
    if (s.length >= MAX_CMDLINE) break;
    s += s === '' ? a : ` ${a}`;
  }
  return s.length > MAX_CMDLINE ? s.slice(0, MAX_CMDLINE) : s;
}

/** Names a process goes by: its name, its executable's base name, argv[0]'s base name (lower case). */
export function namesOf(p: { readonly name: string; readonly exe?: string; readonly args?: readonly string[] }): string[] {
  const out = new Set<string>();
  out.add(p.name.toLowerCase());
  if (p.exe !== undefined) out.add(baseName(p.exe).toLowerCase());
  const a0 = p.args?.[0];
  if (a0 !== undefined && a0 !== '') out.add(baseName(a0).toLowerCase());
  return [...out];
}

function anyName(names: readonly string[], set: ReadonlySet<string>): string | undefined {
  for (const n of names) {
    if (set.has(n)) return n;
    // python3.11 → python3, pip3.11 → pip3: versioned interpreter and tool names.
    const unversioned = n.replace(/[0-9.]+$/, '');
    if (unversioned !== n && (set.has(unversioned) || set.has(`${unversioned}3`))) return n;
  }
  return undefined;
}

export function isShell(p: ProcessView | ChainLink, d: CompiledData): string | undefined {
  return anyName(namesOf(p), d.shells);
}

export function isPackageManager(p: ProcessView | ChainLink, d: CompiledData): string | undefined {
  const direct = anyName(namesOf(p), d.packageManagers);
  if (direct !== undefined) return direct;
  // `python3 -m pip install …`
  const args = p.args ?? [];
  const m = args.indexOf('-m');
  const mod = m >= 0 ? args[m + 1] : undefined;
  return mod !== undefined && d.packageManagers.has(mod.toLowerCase()) ? `${mod} (python -m)` : undefined;
}

/** A server by name (`uvicorn`, `tritonserver`), by module (`python -m http.server`), or an interpreter that listens. */
export function serverName(p: ChainLink | ProcessView, d: CompiledData, listening: boolean): string | undefined {
  const names = namesOf(p);
  const byName = anyName(names, d.servers);
  if (byName !== undefined) return byName;
  const args = p.args ?? [];
  for (let i = 1; i < args.length && i < 8; i++) {
    const a = (args[i] as string).toLowerCase();
    if (a === '-m' && args[i + 1] !== undefined) {
      const mod = (args[i + 1] as string).toLowerCase();
      if (d.servers.has(mod) || d.servers.has(mod.split('.')[0] ?? '')) return `${mod} (python -m)`;
    }
    const b = baseName(a);
    if (d.servers.has(b)) return b;
  }
  if (listening && anyName(names, d.serverInterpreters) !== undefined) return `${p.name} (listening)`;
  return undefined;
}

export interface MinerEvidence {
  readonly reasons: readonly string[];
}

/** Why a process looks like a miner: its name, its hash, Stratum URLs, miner-only flags, pool hosts, algorithms. */
export function minerEvidence(p: ProcessView, d: CompiledData): string[] {
  const reasons: string[] = [];
  const name = anyName(namesOf(p), d.minerNames);
  if (name !== undefined) reasons.push(`known miner name ${name}`);
  if (p.sha256 !== undefined && d.minerHashes.has(p.sha256)) reasons.push(`known miner hash sha256:${p.sha256}`);
  let algoFlag = false;
  for (let i = 1; i < p.args.length && i < 256; i++) {
    const a = p.args[i] as string;
    const al = a.toLowerCase();
    const scheme = d.data.stratumSchemes.find((s) => al.includes(s));
    if (scheme !== undefined) reasons.push(`stratum URL ${a.slice(0, 200)}`);
    const flag = a.startsWith('--') ? (a.includes('=') ? a.slice(0, a.indexOf('=')) : a) : undefined;
    if (flag !== undefined && d.minerFlags.has(flag)) reasons.push(`miner flag ${flag}`);
    const host = poolDomainIn(al, d);
    if (host !== undefined && scheme === undefined) reasons.push(`mining pool ${host}`);
    if ((a === '-a' || a === '--algo' || a === '--algorithm') && p.args[i + 1] !== undefined && d.minerAlgorithms.has((p.args[i + 1] as string).toLowerCase())) algoFlag = true;
    if ((al.startsWith('--algo=') || al.startsWith('--algorithm=')) && d.minerAlgorithms.has(al.slice(al.indexOf('=') + 1))) algoFlag = true;
  }
  if (algoFlag) reasons.push('mining algorithm selected');
  return reasons;
}

/** A known pool domain inside `text` (a URL or host:port), or undefined. */
export function poolDomainIn(text: string, d: CompiledData): string | undefined {
  const t = text.toLowerCase();
  for (const dom of d.data.poolDomains) {
    const i = t.indexOf(dom);
    if (i < 0) continue;
    const before = i === 0 ? '' : t[i - 1];
    const after = t[i + dom.length];
    if ((before === '' || before === '.' || before === '/' || before === '@' || before === '=') && (after === undefined || after === ':' || after === '/' || after === ' ')) return dom;
  }
  return undefined;
}

export function reverseShellPattern(args: readonly string[], d: CompiledData): { id: string; text: string } | undefined {
  if (args.length === 0) return undefined;
  const line = commandLine(args);
  for (const p of d.reverseShell) if (p.re.test(line)) return { id: p.id, text: line };
  return undefined;
}

export function isTokenPath(path: string, d: CompiledData): boolean {
  return d.tokenPaths.some((re) => re.test(path));
}

/** Where a dropped executable ran from: a drop directory, deleted, a memfd, or the container's writable layer. */
export function dropEvidence(p: ProcessView, d: CompiledData): { reason: string; memfd: boolean } | undefined {
  if (p.exeMemfd === true || (p.exe !== undefined && (p.exe.startsWith('/memfd:') || p.exe.startsWith('memfd:')))) {
    const name = p.exe === undefined ? '' : p.exe.slice(p.exe.indexOf('memfd:') + 6);
    if (name !== '' && d.data.trustedMemfdNames.some((t) => name.startsWith(t))) return undefined;
    return { reason: `executable is an anonymous memory file (${p.exe ?? 'memfd'})`, memfd: true };
  }
  const exe = p.exe;
  if (exe !== undefined) {
    for (const dir of d.data.dropDirectories) {
      if (exe.startsWith(dir)) {
        if (dir === '/var/lib/kubelet/pods/' && !exe.includes('/volumes/')) continue;
        return { reason: `executable under ${dir}${p.exeDeleted === true ? ', deleted after it started' : ''}`, memfd: false };
      }
    }
  }
  if (p.exeDeleted === true) return { reason: 'executable deleted after it started', memfd: false };
  if (p.exeUpperLayer === true) return { reason: "executable written into the container's writable layer after it started (not part of the image)", memfd: false };
  return undefined;
}

export function isGpuDevice(path: string, d: CompiledData): boolean {
  if (path === '/dev/nvidiactl' || path === '/dev/nvidia-modeset' || path.startsWith('/dev/nvidia-caps')) return false;
  return d.data.gpuDevices.some((prefix) => path.startsWith(prefix));
}

/** A model server by name or module (`tritonserver`, `python -m vllm.entrypoints…`). */
export function isInferenceServer(p: ChainLink | ProcessView, d: CompiledData): boolean {
  if (namesOf(p).some((n) => d.inferenceServers.has(n))) return true;
  const args = p.args ?? [];
  for (let i = 1; i < args.length && i < 6; i++) {
    const a = (args[i] as string).toLowerCase();
    const head = (a === '-m' ? (args[i + 1] ?? '').toLowerCase() : baseName(a)).split('.')[0] ?? '';
    if (d.inferenceServers.has(head)) return true;
  }
  return false;
}

export function isGpuInfrastructure(p: ProcessView, d: CompiledData): boolean {
  return namesOf(p).some((n) => d.gpuInfrastructure.has(n));
}

/** Loopback, private or any other address: for messages only. */
export function endpointText(e: Endpoint): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

/** The process chain as text: `xmrig(4242) < bash(4200) < sshd(1)`. */
export function chainText(ev: RuntimeEvent): string {
  const one = (n: string, pid: number | undefined): string => (pid === undefined ? n : `${n}(${pid})`);
  const parts = [one(ev.process.name, ev.process.pid)];
  for (const c of ev.chain) {
    if (parts.length >= 8) {
      parts.push('…');
      break;
    }
    parts.push(one(c.name, c.pid));
  }
  return parts.join(' < ');
}
