/**
 * The built-in /proc sensor: a user-space view of the node's processes by polling (no kernel module, no
 * eBPF). Each poll lists /proc; a process seen for the first time (its pid is new, or its start time in
 * `/proc/<pid>/stat` changed: pid reuse) is inspected in full — executable and whether it is deleted or
 * a memfd, argv, cwd, uid, container id and pod uid from its cgroup, network namespace. Its `stat`
 * (start time, parent, CPU ticks, `comm` for an in-place exec) is read on every poll while it is young
 * (`youngPolls`) and every `verifyEvery` polls after that; its file descriptors at first sight, while
 * young, and every `rescanEvery` polls after that (sockets joined with /proc/<pid>/net/* of its network
 * namespace by inode, stdin/stdout/stderr bound to sockets, /dev/nvidia* held open). Reads are spread
 * over polls by pid, so the cost per poll stays flat.
 *
 * Events: `exec` for each new process, `update` when a known process gets a socket on its stdio or
 * opens a GPU device, `connect` for each new outbound connection. Processes shorter than one interval
 * can be missed: that is what the Falco and Tetragon inputs are for.
 *
 * Bounded: at most `maxProcesses` processes tracked (the rest counted in `stats.dropped`), at most
 * `maxFdsPerProcess` descriptors read per process and scan, at most `maxCmdlineBytes` of argv.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { DEFAULT_LIMITS } from '../limits/index.js';
import { identityFromCgroupFile } from './cgroup.js';
import type { ChainLink, ContainerRef, ProcessView, RuntimeEvent, SocketView, StdioBinding } from './model.js';
import { baseName } from './model.js';
import { isOutbound, parseInetTable, parseUnixTable } from './proc-net.js';

/** Descriptors read per process and scan (named limit `maxFdsPerProcess`). */
export const MAX_FDS_PER_PROCESS = DEFAULT_LIMITS.maxFdsPerProcess;
/** argv bytes read per process (named limit `maxCmdlineBytes`). */
export const MAX_CMDLINE_BYTES = DEFAULT_LIMITS.maxCmdlineBytes;
/** Largest executable hashed for the miner hash list (named limit `maxHashBytes`). */
export const MAX_HASH_BYTES = DEFAULT_LIMITS.maxHashBytes;
/** Ancestors put in a process chain. */
const MAX_CHAIN = 8;
/** Kernel clock ticks per second of /proc/<pid>/stat (USER_HZ, fixed at 100 in the Linux ABI). */
const USER_HZ = 100;

export interface ProcSensorOptions {
  readonly procRoot?: string;
  /** Most processes tracked at once (`maxProcesses`). */
  readonly maxProcesses: number;
  /** Descriptors read per process and scan (`maxFdsPerProcess`; default MAX_FDS_PER_PROCESS). */
  readonly maxFdsPerProcess?: number;
  /** argv bytes read per process (`maxCmdlineBytes`; default MAX_CMDLINE_BYTES). */
  readonly maxCmdlineBytes?: number;
  /** Largest executable hashed (`maxHashBytes`; default MAX_HASH_BYTES). */
  readonly maxHashBytes?: number;
  readonly node?: string;
  /** Hash new executables (only worth it when a miner hash list is configured). */
  readonly hashExecutables?: boolean;
  /** Device path prefixes that mean accelerator use (`DetectionData.gpuDevices`). */
  readonly gpuDevicePrefixes: readonly string[];
  /** Polls during which a new process's descriptors are read every time (default 10). */
  readonly youngPolls?: number;
  /** Older processes have their descriptors read every N polls (default 30). */
  readonly rescanEvery?: number;
  /**
   * Older processes have their `stat` read (pid reuse, in-place exec, CPU) every N polls (default 10);
   * new processes are seen on the first poll after they start, whatever this is.
   */
  readonly verifyEvery?: number;
  /** Never judged, though kept as an ancestor in chains (default: this process). */
  readonly selfPid?: number;
  readonly now?: () => number;
  /** Path reported as the finding location's `path` (default `proc:<procRoot>`). */
  readonly path?: string;
}

export interface ProcSensorStats {
  polls: number;
  tracked: number;
  /** New processes not tracked because `maxProcesses` was reached. */
  dropped: number;
  /** Processes whose details could not be read (permissions, exited mid-read). */
  unreadable: number;
  lastPollMs: number;
  hashed: number;
}

interface Tracked {
  readonly pid: number;
  readonly startTime: string;
  ppid: number;
  comm: string;
  kernel: boolean;
  exe?: string;
  exeDeleted: boolean;
  exeMemfd: boolean;
  args: string[];
  cwd?: string;
  uid?: number;
  container?: ContainerRef;
  netns?: string;
  firstPoll: number;
  seenPoll: number;
  cpuTicks: number;
  cpuAtMs: number;
  cpuPercent?: number;
  stdio: StdioBinding[];
  stdioKey: string;
  sockets: SocketView[];
  reported: Set<number>;
  gpuDevices: string[];
  listening: boolean;
  sha256?: string;
}

interface NetTables {
  readonly inet: Map<number, SocketView>;
  unix?: Map<number, SocketView>;
  readonly listeningPorts: Set<number>;
  udpRead: boolean;
  /** Poll in which the tables were read (kept across polls; read again when an inode is missing). */
  readonly poll: number;
}

const SCRATCH = Buffer.allocUnsafe(64 * 1024);

/**
 * Read at most `max` bytes of a (proc) file; undefined when it cannot be read. With `once`, a single
 * read (proc files of one seq_file page, such as `stat`, come whole in one read): one syscall fewer.
 */
function readBounded(path: string, max: number, once = false): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    while (total < max) {
      const n = readSync(fd, SCRATCH, 0, Math.min(SCRATCH.length, max - total), null);
      if (n <= 0) break;
      chunks.push(Buffer.from(SCRATCH.subarray(0, n)));
      total += n;
      if (once) break;
    }
    return chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

function readLink(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

interface StatLine {
  comm: string;
  ppid: number;
  ticks: number;
  startTime: string;
}

/** Parse `/proc/<pid>/stat`; `comm` may contain spaces and parentheses, so split after the last `)`. */
export function parseStat(text: string): StatLine | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text.slice(close + 2).split(' ');
  // rest[0] = state (field 3); field n is rest[n - 3].
  const ppid = Number(rest[1]);
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  const startTime = rest[19];
  if (!Number.isFinite(ppid) || startTime === undefined) return undefined;
  return { comm: text.slice(open + 1, close), ppid, ticks: (Number.isFinite(utime) ? utime : 0) + (Number.isFinite(stime) ? stime : 0), startTime };
}

export class ProcSensor {
  readonly stats: ProcSensorStats = { polls: 0, tracked: 0, dropped: 0, unreadable: 0, lastPollMs: 0, hashed: 0 };
  private readonly root: string;
  private readonly procs = new Map<number, Tracked>();
  private readonly hashCache = new Map<string, string>();
  /** Socket tables per network namespace, kept across polls and re-read when an inode is not in them. */
  private readonly netCache = new Map<string, NetTables>();
  private readonly now: () => number;
  private readonly path: string;
  private readonly self: number;

  constructor(private readonly o: ProcSensorOptions) {
    this.root = o.procRoot ?? '/proc';
    this.now = o.now ?? Date.now;
    this.path = o.path ?? `proc:${this.root}`;
    this.self = o.selfPid ?? process.pid;
  }

  /** One pass over /proc; returns the events it found. */
  poll(): RuntimeEvent[] {
    const t0 = performance.now();
    const pollNo = ++this.stats.polls;
    const nowMs = this.now();
    const time = new Date(nowMs).toISOString();
    let names: string[];
    try {
      names = readdirSync(this.root);
    } catch {
      return [];
    }
    const fresh: Tracked[] = [];
    const rescan: Tracked[] = [];
    const young = this.o.youngPolls ?? 10;
    const every = Math.max(1, this.o.rescanEvery ?? 30);
    const verify = Math.max(1, this.o.verifyEvery ?? 10);
    for (const name of names) {
      const c = name.charCodeAt(0);
      if (c < 48 || c > 57) continue;
      const pid = Number(name);
      let p = this.procs.get(pid);
      if (p !== undefined) {
        p.seenPoll = pollNo;
        if (p.kernel || pid === this.self) continue;
        const isYoung = p.firstPoll > 1 && pollNo - p.firstPoll < young;
        // Read stat only while young and every `verifyEvery` polls after: the pid-reuse, re-exec and CPU check.
        if (!isYoung && (pid + pollNo) % verify !== 0) {
          if ((pid + pollNo) % every === 0) rescan.push(p);
          continue;
        }
      }
      const text = readBounded(`${this.root}/${pid}/stat`, 4096, true);
      if (text === undefined) continue;
      const st = parseStat(text);
      if (st === undefined) continue;
      if (p !== undefined && p.startTime !== st.startTime) {
        this.procs.delete(pid);
        p = undefined;
      }
      if (p === undefined) {
        if (this.procs.size >= this.o.maxProcesses) {
          this.stats.dropped++;
          continue;
        }
        p = this.inspect(pid, st, pollNo, nowMs);
        this.procs.set(pid, p);
        if (!p.kernel && pid !== this.self) fresh.push(p);
        continue;
      }
      const dt = nowMs - p.cpuAtMs;
      if (dt > 0) p.cpuPercent = ((st.ticks - p.cpuTicks) * (1000 / USER_HZ) * 100) / dt;
      p.cpuTicks = st.ticks;
      p.cpuAtMs = nowMs;
      p.ppid = st.ppid;
      if (st.comm !== p.comm) {
        // execve() in place: same pid and start time, a new program.
        const q = this.inspect(pid, st, pollNo, nowMs);
        q.firstPoll = pollNo;
        this.procs.set(pid, q);
        if (!q.kernel) fresh.push(q);
        continue;
      }
      const isYoung = p.firstPoll > 1 && pollNo - p.firstPoll < young;
      if (isYoung || (pid + pollNo) % every === 0) rescan.push(p);
    }
    for (const [pid, p] of this.procs) if (p.seenPoll !== pollNo) this.procs.delete(pid);
    this.stats.tracked = this.procs.size;

    const nets = new Map<string, NetTables | null>();
    const events: RuntimeEvent[] = [];
    const scanned: { p: Tracked; stdioChanged: boolean; gpuChanged: boolean }[] = [];
    for (const p of fresh) {
      this.scanFds(p, nets);
      scanned.push({ p, stdioChanged: false, gpuChanged: false });
    }
    for (const p of rescan) {
      const stdioKey = p.stdioKey;
      const gpus = p.gpuDevices.length;
      this.scanFds(p, nets);
      scanned.push({ p, stdioChanged: p.stdioKey !== stdioKey && p.stdio.length > 0, gpuChanged: p.gpuDevices.length > gpus });
    }
    const freshSet = new Set(fresh);
    for (const { p, stdioChanged, gpuChanged } of scanned) {
      const chain = this.chainOf(p);
      const view = this.view(p);
      const base = { time, source: 'proc' as const, path: this.path, ...(this.o.node !== undefined && { node: this.o.node }), process: view, chain };
      if (freshSet.has(p)) events.push({ ...base, kind: 'exec' });
      else if (stdioChanged || gpuChanged) events.push({ ...base, kind: 'update' });
      const net = p.netns !== undefined ? nets.get(p.netns) : undefined;
      const listening = net?.listeningPorts ?? new Set<number>();
      for (const s of p.sockets) {
        if (s.inode === undefined || p.reported.has(s.inode) || !isOutbound(s, listening) || s.remote === undefined) continue;
        p.reported.add(s.inode);
        events.push({ ...base, kind: 'connect', remote: s.remote, protocol: s.protocol });
      }
    }
    this.stats.lastPollMs = performance.now() - t0;
    return events;
  }

  /** Every tracked process (for tests and the GPU input: pid → container). */
  lookup(pid: number): ProcessView | undefined {
    const p = this.procs.get(pid);
    return p === undefined || p.kernel ? undefined : this.view(p);
  }

  chainFor(pid: number): ChainLink[] {
    const p = this.procs.get(pid);
    return p === undefined ? [] : this.chainOf(p);
  }

  private inspect(pid: number, st: StatLine, pollNo: number, nowMs: number): Tracked {
    const dir = `${this.root}/${pid}`;
    const rawExe = readLink(`${dir}/exe`);
    const cmd = readBounded(`${dir}/cmdline`, this.o.maxCmdlineBytes ?? MAX_CMDLINE_BYTES) ?? '';
    const args = cmd === '' ? [] : cmd.replace(/\0+$/, '').split('\0');
    const kernel = rawExe === undefined && args.length === 0;
    const p: Tracked = {
      pid,
      startTime: st.startTime,
      ppid: st.ppid,
      comm: st.comm,
      kernel,
      exeDeleted: false,
      exeMemfd: false,
      args,
      firstPoll: pollNo,
      seenPoll: pollNo,
      cpuTicks: st.ticks,
      cpuAtMs: nowMs,
      stdio: [],
      stdioKey: '',
      sockets: [],
      reported: new Set(),
      gpuDevices: [],
      listening: false,
    };
    if (kernel) return p;
    if (rawExe !== undefined) {
      const deleted = rawExe.endsWith(' (deleted)');
      const exe = deleted ? rawExe.slice(0, -' (deleted)'.length) : rawExe;
      p.exe = exe;
      p.exeDeleted = deleted && !exe.startsWith('/memfd:');
      p.exeMemfd = exe.startsWith('/memfd:');
    } else this.stats.unreadable++;
    const cwd = readLink(`${dir}/cwd`);
    if (cwd !== undefined) p.cwd = cwd;
    try {
      p.uid = statSync(dir).uid;
    } catch {
      /* exited */
    }
    const cg = readBounded(`${dir}/cgroup`, 16 * 1024);
    if (cg !== undefined) {
      const id = identityFromCgroupFile(cg);
      if (id.containerId !== undefined || id.podUid !== undefined) {
        p.container = { ...(id.containerId !== undefined && { id: id.containerId }), ...(id.runtime !== undefined && { runtime: id.runtime }), ...(id.podUid !== undefined && { podUid: id.podUid }) };
      }
    }
    const ns = readLink(`${dir}/ns/net`);
    if (ns !== undefined) p.netns = ns;
    if (this.o.hashExecutables === true) {
      const h = this.hash(`${dir}/exe`);
      if (h !== undefined) p.sha256 = h;
    }
    return p;
  }

  private hash(exePath: string): string | undefined {
    let fd: number;
    try {
      fd = openSync(exePath, 'r');
    } catch {
      return undefined;
    }
    try {
      const s = fstatSync(fd);
      if (s.size > (this.o.maxHashBytes ?? MAX_HASH_BYTES)) return undefined;
      const key = `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`;
      const cached = this.hashCache.get(key);
      if (cached !== undefined) return cached;
      const h = createHash('sha256');
      let total = 0;
      for (;;) {
        const n = readSync(fd, SCRATCH, 0, SCRATCH.length, null);
        if (n <= 0) break;
        h.update(SCRATCH.subarray(0, n));
        total += n;
        if (total > (this.o.maxHashBytes ?? MAX_HASH_BYTES)) return undefined;
      }
      const digest = h.digest('hex');
      if (this.hashCache.size >= this.o.maxProcesses) this.hashCache.clear();
      this.hashCache.set(key, digest);
      this.stats.hashed++;
      return digest;
    } catch {
      return undefined;
    } finally {
      closeSync(fd);
    }
  }

  private netTables(p: Tracked, nets: Map<string, NetTables | null>, fresh = false): NetTables | undefined {
    if (p.netns === undefined) return undefined;
    const have = nets.get(p.netns);
    if (have !== undefined && !(fresh && have !== null && have.poll !== this.stats.polls)) return have ?? undefined;
    if (!fresh) {
      const cached = this.netCache.get(p.netns);
      if (cached !== undefined) {
        nets.set(p.netns, cached);
        return cached;
      }
    }
    // TCP first (listeners and connections); UDP is read only when an inode is not found in TCP.
    const inet = new Map<number, SocketView>();
    let any = false;
    for (const proto of ['tcp', 'tcp6'] as const) {
      const text = readBounded(`${this.root}/${p.pid}/net/${proto}`, 64 * 1024 * 1024);
      if (text === undefined) continue;
      any = true;
      parseInetTable(text, proto, inet);
    }
    if (!any) {
      nets.set(p.netns, null);
      return undefined;
    }
    const listeningPorts = new Set<number>();
    for (const s of inet.values()) if (s.state === 'LISTEN' && s.local !== undefined) listeningPorts.add(s.local.port);
    const t: NetTables = { inet, listeningPorts, udpRead: false, poll: this.stats.polls };
    nets.set(p.netns, t);
    if (this.netCache.size >= this.o.maxProcesses && !this.netCache.has(p.netns)) this.netCache.clear();
    this.netCache.set(p.netns, t);
    return t;
  }

  private socketOf(p: Tracked, t: NetTables, inode: number, nets: Map<string, NetTables | null>): SocketView | undefined {
    let s = t.inet.get(inode);
    if (s !== undefined) return s;
    // Not in the tables: they may be from an earlier poll (a new socket); read them again, once per poll.
    let cur = t;
    if (t.poll !== this.stats.polls) {
      const again = this.netTables(p, nets, true);
      if (again === undefined) return undefined;
      cur = again;
      s = cur.inet.get(inode);
      if (s !== undefined) return s;
    }
    if (cur.udpRead) return undefined;
    cur.udpRead = true;
    for (const proto of ['udp', 'udp6'] as const) {
      const text = readBounded(`${this.root}/${p.pid}/net/${proto}`, 64 * 1024 * 1024);
      if (text !== undefined) parseInetTable(text, proto, cur.inet);
    }
    return cur.inet.get(inode);
  }

  private unixTable(p: Tracked, t: NetTables): Map<number, SocketView> {
    if (t.unix === undefined) {
      const text = readBounded(`${this.root}/${p.pid}/net/unix`, 64 * 1024 * 1024);
      t.unix = text === undefined ? new Map() : parseUnixTable(text);
    }
    return t.unix;
  }

  private scanFds(p: Tracked, nets: Map<string, NetTables | null>): void {
    const dir = `${this.root}/${p.pid}/fd`;
    let fds: string[];
    try {
      fds = readdirSync(dir);
    } catch {
      this.stats.unreadable++;
      return;
    }
    const sockets: SocketView[] = [];
    const stdio: StdioBinding[] = [];
    const gpus: string[] = [];
    let listening = false;
    let n = 0;
    for (const fdName of fds) {
      if (++n > (this.o.maxFdsPerProcess ?? MAX_FDS_PER_PROCESS)) break;
      const target = readLink(`${dir}/${fdName}`);
      if (target === undefined) continue;
      if (target.startsWith('socket:[')) {
        const inode = Number(target.slice(8, -1));
        const t = this.netTables(p, nets);
        let s = t === undefined ? undefined : this.socketOf(p, t, inode, nets);
        const fd = Number(fdName);
        const tt = p.netns !== undefined ? (nets.get(p.netns) ?? undefined) : undefined;
        if (s === undefined && tt !== undefined && fd <= 2) s = this.unixTable(p, tt).get(inode);
        if (s === undefined) {
          if (fd <= 2) stdio.push({ fd: fd as 0 | 1 | 2, socket: { protocol: 'unix', inode } });
          continue;
        }
        if (s.state === 'LISTEN') listening = true;
        if (s.protocol !== 'unix') sockets.push(s);
        if (fd <= 2) stdio.push({ fd: fd as 0 | 1 | 2, socket: s });
      } else if (target.startsWith('/dev/')) {
        if (this.o.gpuDevicePrefixes.some((pre) => target.startsWith(pre)) && !gpus.includes(target)) gpus.push(target);
      }
    }
    p.sockets = sockets;
    p.stdio = stdio.sort((a, b) => a.fd - b.fd);
    p.stdioKey = p.stdio.map((b) => `${b.fd}:${b.socket.inode ?? ''}`).join(',');
    if (gpus.length > p.gpuDevices.length) p.gpuDevices = gpus;
    p.listening = listening;
  }

  private chainOf(p: Tracked): ChainLink[] {
    const out: ChainLink[] = [];
    let cur = this.procs.get(p.ppid);
    const seen = new Set<number>([p.pid]);
    while (cur !== undefined && out.length < MAX_CHAIN && !seen.has(cur.pid)) {
      seen.add(cur.pid);
      out.push({ pid: cur.pid, name: this.nameOf(cur), ...(cur.exe !== undefined && { exe: cur.exe }), args: cur.args.slice(0, 16), listening: cur.listening });
      if (cur.ppid === 0) break;
      cur = this.procs.get(cur.ppid);
    }
    return out;
  }

  private nameOf(p: Tracked): string {
    if (p.kernel || p.exe === undefined) return p.comm;
    return p.exeMemfd ? p.comm : baseName(p.exe);
  }

  private view(p: Tracked): ProcessView {
    return {
      pid: p.pid,
      ppid: p.ppid,
      name: this.nameOf(p),
      ...(p.exe !== undefined && { exe: p.exe }),
      args: p.args,
      ...(p.cwd !== undefined && { cwd: p.cwd }),
      ...(p.uid !== undefined && { uid: p.uid }),
      ...(p.exeDeleted && { exeDeleted: true }),
      ...(p.exeMemfd && { exeMemfd: true }),
      ...(p.container !== undefined && { container: p.container }),
      ...(p.stdio.length > 0 && { stdio: p.stdio }),
      ...(p.sockets.length > 0 && { sockets: p.sockets }),
      ...(p.gpuDevices.length > 0 && { gpuDevices: p.gpuDevices }),
      ...(p.cpuPercent !== undefined && { cpuPercent: p.cpuPercent }),
      ...(p.sha256 !== undefined && { sha256: p.sha256 }),
    };
  }
}
