/**
 * Falco's JSON alerts (`json_output: true`; the same object on stdout, in `file_output`, and as the body
 * of each `http_output` POST): `{ time, rule, priority, source, tags, hostname, output, output_fields }`.
 * The observation is in `output_fields`, whose keys are the fields the rule's output names
 * (`proc.cmdline`, `proc.exepath`, `fd.name`, `container.id`, `k8s.pod.name` …), so the event kind is
 * taken from `evt.type` when present and otherwise from which fields are there. Falco judged the event
 * with its own rule; Bulwark judges the observation again with its rules (Falco has no ServiceAccount
 * token rule and nothing GPU-aware), keeping Falco's rule name as `producerRule`.
 */
import type { ChainLink, ContainerRef, Endpoint, ProcessView, RuntimeEvent, StdioBinding } from './model.js';
import { baseName } from './model.js';
import type { Obj } from './json-util.js';
import { int, obj, splitArgs, str, timeOf } from './json-util.js';

export type ParseResult = { readonly ok: true; readonly events: RuntimeEvent[] } | { readonly ok: false; readonly reason: string };

/** `10.0.0.5:43374->34.116.205.187:443` (Falco's `fd.name` of a connected socket). */
export function parseConnectionName(s: string): { local?: Endpoint; remote: Endpoint } | undefined {
  const arrow = s.indexOf('->');
  if (arrow < 0) return undefined;
  const ep = (t: string): Endpoint | undefined => {
    const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(t.trim());
    return m?.[1] !== undefined && m[2] !== undefined ? { address: m[1], port: Number(m[2]) } : undefined;
  };
  const remote = ep(s.slice(arrow + 2));
  if (remote === undefined) return undefined;
  const local = ep(s.slice(0, arrow));
  return { ...(local !== undefined && { local }), remote };
}

function field(f: Obj, k: string): string | undefined {
  const v = f[k];
  return typeof v === 'number' ? String(v) : str(v);
}

function chainOf(f: Obj): ChainLink[] {
  const out: ChainLink[] = [];
  const pname = field(f, 'proc.pname') ?? field(f, 'proc.aname[1]');
  if (pname !== undefined) {
    const pcmd = field(f, 'proc.pcmdline');
    const ppid = int(f['proc.ppid']);
    out.push({ name: pname, ...(ppid !== undefined && { pid: ppid }), ...(field(f, 'proc.pexepath') !== undefined && { exe: field(f, 'proc.pexepath') as string }), ...(pcmd !== undefined && { args: splitArgs(pcmd) }) });
  }
  for (let i = 2; i <= 7; i++) {
    const n = field(f, `proc.aname[${i}]`);
    if (n === undefined) break;
    const pid = int(f[`proc.apid[${i}]`]);
    out.push({ name: n, ...(pid !== undefined && { pid }) });
  }
  return out;
}

function containerOf(f: Obj): ContainerRef | undefined {
  const id = field(f, 'container.id');
  const pod = field(f, 'k8s.pod.name');
  if ((id === undefined || id === 'host') && pod === undefined) return undefined;
  const repo = field(f, 'container.image.repository');
  const tag = field(f, 'container.image.tag');
  const image = field(f, 'container.image') ?? (repo !== undefined ? `${repo}${tag !== undefined ? `:${tag}` : ''}` : undefined);
  const ns = field(f, 'k8s.ns.name');
  const podUid = field(f, 'k8s.pod.uid');
  const name = field(f, 'container.name');
  return {
    ...(id !== undefined && id !== 'host' && { id }),
    ...(name !== undefined && { name }),
    ...(image !== undefined && { image }),
    ...(pod !== undefined && { pod }),
    ...(ns !== undefined && { namespace: ns }),
    ...(podUid !== undefined && { podUid }),
  };
}

function processOf(f: Obj): ProcessView {
  const cmdline = field(f, 'proc.cmdline');
  const name = field(f, 'proc.name') ?? (cmdline !== undefined ? (splitArgs(cmdline, 1)[0] ?? '?') : '?');
  const rawExe = field(f, 'proc.exepath') ?? field(f, 'proc.exe');
  const exe = rawExe?.startsWith('memfd:') === true ? `/${rawExe}` : rawExe;
  const args = cmdline !== undefined ? splitArgs(cmdline) : [name];
  const flags = field(f, 'evt.arg.flags') ?? '';
  const pid = int(f['proc.pid']);
  const ppid = int(f['proc.ppid']);
  const uid = int(f['user.uid']);
  const vpid = int(f['proc.vpid']);
  const memfd = flags.includes('EXE_FROM_MEMFD') || f['proc.is_exe_from_memfd'] === true || (exe?.startsWith('/memfd:') ?? false);
  const upper = flags.includes('EXE_UPPER_LAYER') || f['proc.is_exe_upper_layer'] === true;
  const container = containerOf(f);
  const cwd = field(f, 'proc.cwd');
  return {
    name: baseName(name),
    args,
    ...(exe !== undefined && exe.startsWith('/') && { exe }),
    ...(pid !== undefined && { pid }),
    ...(ppid !== undefined && { ppid }),
    ...(uid !== undefined && { uid }),
    ...(vpid !== undefined && { containerPid: vpid }),
    ...(cwd !== undefined && { cwd }),
    ...(memfd && { exeMemfd: true }),
    ...(upper && { exeUpperLayer: true }),
    ...(container !== undefined && { container }),
  };
}

/** Parse one Falco alert (a parsed JSON value). */
export function parseFalcoAlert(value: unknown, path: string, now: () => string = () => new Date().toISOString()): ParseResult {
  const a = obj(value);
  if (a === undefined) return { ok: false, reason: 'a Falco alert must be a JSON object' };
  const rule = str(a['rule']);
  const f = obj(a['output_fields']);
  if (rule === undefined || f === undefined) return { ok: false, reason: 'not a Falco alert (no rule or output_fields)' };
  const source = str(a['source']);
  if (source !== undefined && source !== 'syscall' && source !== 'syscalls') return { ok: true, events: [] };
  const time = timeOf(a['time'] ?? f['evt.time'], now());
  const node = str(a['hostname']);
  const process = processOf(f);
  const chain = chainOf(f);
  const base = { time, source: 'falco' as const, path, ...(node !== undefined && { node }), process, chain, producerRule: rule };
  const evtType = field(f, 'evt.type') ?? '';
  const fdName = field(f, 'fd.name');
  const conn = fdName !== undefined ? parseConnectionName(fdName) : undefined;
  const rip = field(f, 'fd.rip') ?? field(f, 'fd.sip');
  const rport = int(f['fd.rport'] ?? f['fd.sport']);
  const remote: Endpoint | undefined = conn?.remote ?? (rip !== undefined && rport !== undefined ? { address: rip, port: rport } : undefined);
  const remoteName = field(f, 'fd.sip.name') ?? field(f, 'fd.rip.name');
  const proto = field(f, 'fd.l4proto') ?? 'tcp';

  if (/^dup[23]?$/.test(evtType) || /redirect stdout\/stdin/i.test(rule)) {
    // Falco's rule fires when fd 0, 1 or 2 becomes a socket; which one is in evt.rawres when output.
    const res = int(f['evt.rawres']);
    const fds: (0 | 1 | 2)[] = res === 0 || res === 1 || res === 2 ? [res] : [0, 1];
    const socket = { protocol: (proto.startsWith('udp') ? 'udp' : 'tcp') as 'tcp' | 'udp', ...(conn?.local !== undefined && { local: conn.local }), ...(remote !== undefined && { remote }), state: 'ESTABLISHED' };
    const stdio: StdioBinding[] = fds.map((fd) => ({ fd, socket }));
    return { ok: true, events: [{ ...base, kind: 'update', process: { ...process, stdio } }] };
  }
  if (evtType === 'connect' || (evtType === '' && remote !== undefined)) {
    if (remote === undefined) return { ok: true, events: [] };
    return { ok: true, events: [{ ...base, kind: 'connect', remote, ...(remoteName !== undefined && { remoteName }), protocol: proto }] };
  }
  if (/^open/.test(evtType) || (evtType === '' && fdName !== undefined && fdName.startsWith('/'))) {
    if (fdName === undefined) return { ok: true, events: [] };
    const flags = field(f, 'evt.arg.flags') ?? '';
    return { ok: true, events: [{ ...base, kind: 'file-open', file: fdName, ...((/O_WRONLY|O_RDWR/.test(flags)) && { write: true }) }] };
  }
  // execve / execveat, and alerts that only describe the process.
  return { ok: true, events: [{ ...base, kind: 'exec' }] };
}
