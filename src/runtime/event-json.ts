/**
 * Bulwark's own runtime events as JSON (one per line): the `RuntimeEvent` model written out. Used to
 * replay recorded observations (`bulwark runtime watch --events FILE`) and for the rule cases. Every
 * field is checked and rebuilt; unknown fields are ignored.
 */
import type { ChainLink, ContainerRef, Endpoint, ProcessView, RuntimeEvent, RuntimeSource, SocketView, StdioBinding } from './model.js';
import type { Obj } from './json-util.js';
import { arr, int, obj, str } from './json-util.js';

const SOURCES: readonly RuntimeSource[] = ['proc', 'falco', 'tetragon', 'nvidia-smi'];

function endpoint(v: unknown): Endpoint | undefined {
  const o = obj(v);
  const address = str(o?.['address']);
  const port = int(o?.['port']);
  return address !== undefined && port !== undefined ? { address, port } : undefined;
}

function socket(v: unknown): SocketView | undefined {
  const o = obj(v);
  const protocol = str(o?.['protocol']);
  if (o === undefined || (protocol !== 'tcp' && protocol !== 'tcp6' && protocol !== 'udp' && protocol !== 'udp6' && protocol !== 'unix')) return undefined;
  const local = endpoint(o['local']);
  const remote = endpoint(o['remote']);
  const state = str(o['state']);
  const inode = int(o['inode']);
  const path = str(o['path']);
  return { protocol, ...(inode !== undefined && { inode }), ...(local !== undefined && { local }), ...(remote !== undefined && { remote }), ...(state !== undefined && { state }), ...(path !== undefined && { path }) };
}

function strings(v: unknown): string[] {
  return arr(v).filter((x): x is string => typeof x === 'string');
}

function container(v: unknown): ContainerRef | undefined {
  const o = obj(v);
  if (o === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const k of ['id', 'runtime', 'name', 'image', 'podUid', 'pod', 'namespace'] as const) {
    const s = str(o[k]);
    if (s !== undefined) out[k] = s;
  }
  return out as ContainerRef;
}

function processOf(o: Obj): ProcessView | undefined {
  const name = str(o['name']);
  if (name === undefined) return undefined;
  const stdio: StdioBinding[] = [];
  for (const b of arr(o['stdio'])) {
    const bo = obj(b);
    const fd = int(bo?.['fd']);
    const s = socket(bo?.['socket']);
    if ((fd === 0 || fd === 1 || fd === 2) && s !== undefined) stdio.push({ fd, socket: s });
  }
  const sockets = arr(o['sockets']).map(socket).filter((s): s is SocketView => s !== undefined);
  const c = container(o['container']);
  const out: Record<string, unknown> = { name, args: strings(o['args']) };
  for (const k of ['pid', 'ppid', 'uid', 'containerPid'] as const) {
    const n = int(o[k]);
    if (n !== undefined) out[k] = n;
  }
  for (const k of ['exe', 'cwd', 'sha256'] as const) {
    const s = str(o[k]);
    if (s !== undefined) out[k] = s;
  }
  for (const k of ['exeDeleted', 'exeMemfd', 'exeUpperLayer'] as const) if (o[k] === true) out[k] = true;
  if (typeof o['cpuPercent'] === 'number' && Number.isFinite(o['cpuPercent'])) out['cpuPercent'] = o['cpuPercent'];
  if (c !== undefined) out['container'] = c;
  if (stdio.length > 0) out['stdio'] = stdio;
  if (sockets.length > 0) out['sockets'] = sockets;
  const gpus = strings(o['gpuDevices']);
  if (gpus.length > 0) out['gpuDevices'] = gpus;
  return out as unknown as ProcessView;
}

function chain(v: unknown): ChainLink[] {
  const out: ChainLink[] = [];
  for (const x of arr(v)) {
    const o = obj(x);
    const name = str(o?.['name']);
    if (o === undefined || name === undefined) continue;
    const pid = int(o['pid']);
    const exe = str(o['exe']);
    out.push({ name, ...(pid !== undefined && { pid }), ...(exe !== undefined && { exe }), ...(Array.isArray(o['args']) && { args: strings(o['args']) }), ...(o['listening'] === true && { listening: true }) });
    if (out.length >= 16) break;
  }
  return out;
}

export function runtimeEventFromJson(value: unknown, path: string): { ok: true; event: RuntimeEvent } | { ok: false; reason: string } {
  const o = obj(value);
  if (o === undefined) return { ok: false, reason: 'an event must be a JSON object' };
  const kind = str(o['kind']);
  const p = obj(o['process']);
  const process = p !== undefined ? processOf(p) : undefined;
  if (process === undefined) return { ok: false, reason: 'an event needs a process with a name' };
  const src = str(o['source']);
  const source: RuntimeSource = src !== undefined && (SOURCES as readonly string[]).includes(src) ? (src as RuntimeSource) : 'proc';
  const time = str(o['time']) ?? new Date(0).toISOString();
  const node = str(o['node']);
  const producerRule = str(o['producerRule']);
  const base = { time, source, path: str(o['path']) ?? path, ...(node !== undefined && { node }), process, chain: chain(o['chain']), ...(producerRule !== undefined && { producerRule }) };
  switch (kind) {
    case 'exec':
    case 'update':
      return { ok: true, event: { ...base, kind } };
    case 'connect': {
      const remote = endpoint(o['remote']);
      if (remote === undefined) return { ok: false, reason: 'a connect event needs remote {address, port}' };
      const remoteName = str(o['remoteName']);
      return { ok: true, event: { ...base, kind, remote, ...(remoteName !== undefined && { remoteName }), protocol: str(o['protocol']) ?? 'tcp' } };
    }
    case 'file-open': {
      const file = str(o['file']);
      if (file === undefined) return { ok: false, reason: 'a file-open event needs file' };
      return { ok: true, event: { ...base, kind, file, ...(o['write'] === true && { write: true }) } };
    }
    case 'gpu-use': {
      const g = obj(o['gpu']) ?? {};
      const uuid = str(g['uuid']);
      const mem = typeof g['usedMemoryMiB'] === 'number' ? g['usedMemoryMiB'] : undefined;
      return { ok: true, event: { ...base, kind, gpu: { ...(uuid !== undefined && { uuid }), ...(mem !== undefined && { usedMemoryMiB: mem }) } } };
    }
    default:
      return { ok: false, reason: `unknown event kind ${JSON.stringify(kind)} (exec, update, connect, file-open, gpu-use)` };
  }
}
