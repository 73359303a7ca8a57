/**
 * Tetragon's JSON export (the `export-stdout` container, `--export-filename`, `tetra getevents -o json`):
 * one object per line, keyed by event type: `process_exec` (every execution), `process_kprobe` (a
 * TracingPolicy hook: file opens through `security_file_permission` / `security_file_open` /
 * `fd_install`, connects through `tcp_connect` with a `sock_arg`), `process_exit`, and the older
 * `process_connect`. Each carries `process` (binary, arguments, pid, uid, cwd, `pod` with namespace,
 * name and `container` {id, name, image, pid}) and `parent`, plus `node_name` and `time`.
 */
import type { ParseResult } from './falco.js';
import type { ChainLink, ContainerRef, Endpoint, ProcessView } from './model.js';
import { baseName } from './model.js';
import type { Obj } from './json-util.js';
import { arr, int, obj, splitArgs, str, timeOf } from './json-util.js';
import { splitContainerId } from './cgroup.js';

function containerOf(p: Obj): ContainerRef | undefined {
  const pod = obj(p['pod']);
  const c = obj(pod?.['container']);
  const docker = str(p['docker']);
  if (pod === undefined && docker === undefined) return undefined;
  const cid = str(c?.['id']);
  const split = cid !== undefined ? splitContainerId(cid) : undefined;
  const image = str(obj(c?.['image'])?.['name']);
  const name = str(c?.['name']);
  const ns = str(pod?.['namespace']);
  const podName = str(pod?.['name']);
  const podUid = str(pod?.['uid']);
  const id = split?.id ?? docker;
  return {
    ...(id !== undefined && { id }),
    ...(split?.runtime !== undefined && { runtime: split.runtime }),
    ...(name !== undefined && { name }),
    ...(image !== undefined && { image }),
    ...(podName !== undefined && { pod: podName }),
    ...(ns !== undefined && { namespace: ns }),
    ...(podUid !== undefined && { podUid }),
  };
}

function processOf(p: Obj): ProcessView {
  const binary = str(p['binary']) ?? '?';
  const argsText = str(p['arguments']);
  const args = [binary, ...(argsText !== undefined ? splitArgs(argsText) : [])];
  const pid = int(p['pid']);
  const uid = int(p['uid']);
  const cwd = str(p['cwd']);
  const container = containerOf(p);
  const cpid = int(obj(obj(p['pod'])?.['container'])?.['pid']);
  const links = int(obj(obj(obj(p['binary_properties'])?.['file'])?.['inode'])?.['links']);
  const memfd = binary.startsWith('/memfd:') || /^\/proc\/self\/fd\/\d+$/.test(binary);
  return {
    name: baseName(binary),
    exe: binary,
    args,
    ...(pid !== undefined && { pid }),
    ...(uid !== undefined && { uid }),
    ...(cwd !== undefined && { cwd }),
    ...(cpid !== undefined && { containerPid: cpid }),
    ...(memfd && { exeMemfd: true }),
    ...(!memfd && links === 0 && { exeDeleted: true }),
    ...(container !== undefined && { container }),
  };
}

function link(p: Obj): ChainLink {
  const binary = str(p['binary']) ?? '?';
  const argsText = str(p['arguments']);
  const pid = int(p['pid']);
  return { name: baseName(binary), exe: binary, args: [binary, ...(argsText !== undefined ? splitArgs(argsText) : [])], ...(pid !== undefined && { pid }) };
}

function chainOf(body: Obj): ChainLink[] {
  const out: ChainLink[] = [];
  const parent = obj(body['parent']);
  if (parent !== undefined) out.push(link(parent));
  for (const a of arr(body['ancestors'])) {
    const o = obj(a);
    if (o !== undefined && out.length < 8) out.push(link(o));
  }
  return out;
}

const FILE_HOOKS = /^(?:security_file_permission|security_file_open|fd_install|security_mmap_file|security_path_truncate|(?:__x64_|__arm64_)?sys_(?:open|openat|openat2|read|write)|do_sys_open\w*|vfs_(?:open|read|write))$/;

/** Parse one Tetragon export line (a parsed JSON value). */
export function parseTetragonEvent(value: unknown, path: string, now: () => string = () => new Date().toISOString()): ParseResult {
  const e = obj(value);
  if (e === undefined) return { ok: false, reason: 'a Tetragon event must be a JSON object' };
  const node = str(e['node_name']);
  const time = timeOf(e['time'], now());
  const exec = obj(e['process_exec']);
  const kprobe = obj(e['process_kprobe']);
  const legacyConnect = obj(e['process_connect']);
  const body = exec ?? kprobe ?? legacyConnect;
  if (body === undefined) {
    const known = ['process_exit', 'process_tracepoint', 'process_uprobe', 'process_lsm', 'process_loader', 'process_throttle', 'process_close', 'process_listen', 'rate_limit_info'];
    return Object.keys(e).some((k) => known.includes(k)) ? { ok: true, events: [] } : { ok: false, reason: 'not a Tetragon event (no process_exec, process_kprobe or process_connect)' };
  }
  const p = obj(body['process']);
  if (p === undefined) return { ok: false, reason: 'Tetragon event without a process' };
  const process = processOf(p);
  const chain = chainOf(body);
  const policy = str(body['policy_name']);
  const base = { time, source: 'tetragon' as const, path, ...(node !== undefined && { node }), process, chain, ...(policy !== undefined && { producerRule: policy }) };
  if (exec !== undefined) return { ok: true, events: [{ ...base, kind: 'exec' }] };
  if (legacyConnect !== undefined) {
    const ip = str(legacyConnect['destination_ip']);
    const port = int(legacyConnect['destination_port']);
    if (ip === undefined || port === undefined) return { ok: true, events: [] };
    return { ok: true, events: [{ ...base, kind: 'connect', remote: { address: ip, port }, protocol: (str(legacyConnect['protocol']) ?? 'tcp').toLowerCase() }] };
  }
  const fn = str(body['function_name']) ?? '';
  const args = arr(body['args']).map((a) => obj(a) ?? {});
  if (/connect/.test(fn)) {
    for (const a of args) {
      const sock = obj(a['sock_arg']);
      const sa = obj(a['sockaddr_arg']);
      let remote: Endpoint | undefined;
      let protocol = 'tcp';
      if (sock !== undefined) {
        const d = str(sock['daddr']);
        const port = int(sock['dport']);
        if (d !== undefined && port !== undefined) remote = { address: d, port };
        protocol = (str(sock['protocol']) ?? 'IPPROTO_TCP').toLowerCase().replace(/^ipproto_/, '');
      } else if (sa !== undefined) {
        const d = str(sa['addr']);
        const port = int(sa['port']);
        if (d !== undefined && port !== undefined) remote = { address: d, port };
      }
      if (remote !== undefined) return { ok: true, events: [{ ...base, kind: 'connect', remote, protocol }] };
    }
    return { ok: true, events: [] };
  }
  if (FILE_HOOKS.test(fn)) {
    let file: string | undefined;
    let write = false;
    for (const a of args) {
      const f = obj(a['file_arg']) ?? obj(a['path_arg']);
      if (f !== undefined && file === undefined) {
        const pth = str(f['path']);
        if (pth !== undefined) file = pth.startsWith('/') ? pth : `/${pth}`;
      }
      const n = int(a['int_arg']);
      if (fn === 'security_file_permission' && n !== undefined && (n & 2) !== 0) write = true;
    }
    if (file === undefined) return { ok: true, events: [] };
    return { ok: true, events: [{ ...base, kind: 'file-open', file, ...(write && { write: true }) }] };
  }
  return { ok: true, events: [] };
}
