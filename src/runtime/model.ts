/**
 * The runtime event model: what a sensor saw, normalised so that one set of rules judges the built-in
 * /proc sensor, Falco alerts, Tetragon exports and recorded GPU process lists alike. Plain data only:
 * events cross from parsers to rules as values, and every string in them came from the observed system
 * (process names, arguments, paths), so it is data, never a path to open or a command to run.
 */

/** Who produced the event. */
export type RuntimeSource = 'proc' | 'falco' | 'tetragon' | 'nvidia-smi';

export interface ContainerRef {
  /** Container id without the runtime prefix (`containerd://` removed); 64 hex, or 12 for short ids. */
  readonly id?: string;
  /** containerd, cri-o, docker, podman, or the cgroup layout when the runtime is not named. */
  readonly runtime?: string;
  readonly name?: string;
  readonly image?: string;
  readonly podUid?: string;
  readonly pod?: string;
  readonly namespace?: string;
}

export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

export type SocketProtocol = 'tcp' | 'tcp6' | 'udp' | 'udp6' | 'unix';

export interface SocketView {
  readonly protocol: SocketProtocol;
  readonly inode?: number;
  readonly local?: Endpoint;
  readonly remote?: Endpoint;
  /** TCP state name (`ESTABLISHED`, `LISTEN`, `SYN_SENT` …) where known. */
  readonly state?: string;
  /** Unix socket path, when bound. */
  readonly path?: string;
}

export interface StdioBinding {
  readonly fd: 0 | 1 | 2;
  readonly socket: SocketView;
}

/** One process as the sensor saw it. */
export interface ProcessView {
  /** PID in the host PID namespace (what /proc, Falco and Tetragon report). */
  readonly pid?: number;
  readonly ppid?: number;
  /** Process name: the executable's base name, or the kernel's `comm`. */
  readonly name: string;
  /** Executable path as the kernel reports it (`/proc/<pid>/exe`, without ` (deleted)`). */
  readonly exe?: string;
  /** argv (the first element is argv[0]). */
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly uid?: number;
  /** The executable file was deleted after the process started. */
  readonly exeDeleted?: boolean;
  /** The executable is an anonymous memory file (memfd_create), i.e. never existed on disk. */
  readonly exeMemfd?: boolean;
  /** The executable was written into the container's writable layer (Falco `EXE_UPPER_LAYER`). */
  readonly exeUpperLayer?: boolean;
  /** PID inside the container's PID namespace (1 = the container's main process), when known. */
  readonly containerPid?: number;
  readonly container?: ContainerRef;
  /** stdin/stdout/stderr that are sockets. */
  readonly stdio?: readonly StdioBinding[];
  /** Sockets the process holds (TCP/UDP; unix sockets only where they matter). */
  readonly sockets?: readonly SocketView[];
  /** `/dev/nvidia*` (or other accelerator) device files the process holds open. */
  readonly gpuDevices?: readonly string[];
  /** CPU use over the last sampling interval, in percent of one core. */
  readonly cpuPercent?: number;
  /** SHA-256 of the executable, when it was hashed (only when a hash list is configured). */
  readonly sha256?: string;
}

/** An ancestor of the process, nearest first. */
export interface ChainLink {
  readonly pid?: number;
  readonly name: string;
  readonly exe?: string;
  readonly args?: readonly string[];
  /** The ancestor holds a listening TCP socket (it is a server). */
  readonly listening?: boolean;
}

interface EventBase {
  /** RFC 3339 time of the observation. */
  readonly time: string;
  readonly source: RuntimeSource;
  /** The sensor or file/receiver the event came from (the finding location's `path`). */
  readonly path: string;
  readonly node?: string;
  readonly process: ProcessView;
  /** Ancestors, nearest first (parent, grandparent, …), as far as the source knows them. */
  readonly chain: readonly ChainLink[];
  /** The producer's own rule or policy name, when the event is an alert of another tool. */
  readonly producerRule?: string;
}

/** A process observed for the first time (an exec). */
export interface ExecEvent extends EventBase {
  readonly kind: 'exec';
}

/** A process seen again with something new: a socket on its stdio, a GPU device opened. */
export interface UpdateEvent extends EventBase {
  readonly kind: 'update';
}

/** An outbound connection (TCP connect, or a UDP socket with a peer). */
export interface ConnectEvent extends EventBase {
  readonly kind: 'connect';
  readonly remote: Endpoint;
  /** Host name of the remote end, when the producer resolved it (Falco `fd.sip.name`). */
  readonly remoteName?: string;
  readonly protocol: string;
}

/** A file opened (read or written). */
export interface FileOpenEvent extends EventBase {
  readonly kind: 'file-open';
  readonly file: string;
  readonly write?: boolean;
}

/** A process holding GPU memory (from nvidia-smi / NVML process lists). */
export interface GpuUseEvent extends EventBase {
  readonly kind: 'gpu-use';
  readonly gpu: { readonly uuid?: string; readonly usedMemoryMiB?: number; readonly gpuName?: string };
}

export type RuntimeEvent = ExecEvent | UpdateEvent | ConnectEvent | FileOpenEvent | GpuUseEvent;
export type RuntimeEventKind = RuntimeEvent['kind'];

/** Base name of a path (`/usr/bin/python3` → `python3`). */
export function baseName(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? p : p.slice(i + 1);
}
