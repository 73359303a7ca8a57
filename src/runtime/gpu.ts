/**
 * GPU process lists, recorded or piped in (Bulwark never runs nvidia-smi itself):
 *
 * - `nvidia-smi --query-compute-apps=gpu_uuid,pid,process_name,used_gpu_memory --format=csv` — with or
 *   without the header (`noheader`) and units (`nounits`); any subset and order of columns when the
 *   header is there (`pid, process_name, used_gpu_memory [MiB]`, `timestamp, gpu_name, pid, …`).
 *   Without a header the columns are the ones given (default: the query above).
 * - NVML (`nvmlDeviceGetComputeRunningProcesses`) dumped as JSON: a list of `{pid, usedGpuMemory
 *   (bytes), gpuUuid?}`, or `{ "processes": [...] }` — what a pynvml one-liner or DCGM prints.
 *
 * Each entry becomes a `gpu-use` event; the process details (name, argv, container, chain) come from the
 * /proc sensor when the PID is visible there (the agent runs with the host PID namespace).
 */
import type { ChainLink, ProcessView, RuntimeEvent } from './model.js';
import { baseName } from './model.js';
import { arr, int, obj, str } from './json-util.js';

export interface GpuProcess {
  readonly pid: number;
  readonly processName?: string;
  readonly usedMemoryMiB?: number;
  readonly gpuUuid?: string;
  readonly gpuName?: string;
}

export const DEFAULT_GPU_COLUMNS = ['gpu_uuid', 'pid', 'process_name', 'used_gpu_memory'] as const;

/** Most entries read from one GPU process list (a node has at most a few hundred GPU processes). */
const MAX_GPU_ENTRIES = 4096;

function splitCsv(line: string): string[] {
  return line.split(',').map((c) => c.trim());
}

function column(name: string): string {
  // `used_gpu_memory [MiB]` → `used_gpu_memory`; `used_memory` is an alias nvidia-smi accepts.
  const n = name.replace(/\s*\[[^\]]*\]\s*$/, '').trim().toLowerCase();
  return n === 'used_memory' ? 'used_gpu_memory' : n === 'name' ? 'process_name' : n === 'uuid' ? 'gpu_uuid' : n;
}

function mib(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*(MiB|GiB|KiB)?$/i.exec(v.trim());
  if (m?.[1] === undefined) return undefined;
  const n = Number(m[1]);
  const u = (m[2] ?? 'MiB').toLowerCase();
  return u === 'gib' ? n * 1024 : u === 'kib' ? n / 1024 : n;
}

function present(v: string | undefined): string | undefined {
  return v === undefined || v === '' || /^\[(?:N\/A|Not Found|Insufficient Permissions|Unknown Error)\]$/i.test(v) ? undefined : v;
}

export type GpuParseResult = { readonly ok: true; readonly processes: GpuProcess[]; readonly truncated: boolean } | { readonly ok: false; readonly reason: string };

/** Parse nvidia-smi CSV output. */
export function parseComputeAppsCsv(text: string, columns: readonly string[] = DEFAULT_GPU_COLUMNS): GpuParseResult {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) return { ok: true, processes: [], truncated: false };
  let cols = columns.map(column);
  let start = 0;
  const first = splitCsv(lines[0] as string).map(column);
  if (first.includes('pid')) {
    cols = first;
    start = 1;
  }
  const ip = cols.indexOf('pid');
  if (ip < 0) return { ok: false, reason: 'no pid column (query at least --query-compute-apps=pid)' };
  if (/no running (?:compute )?processes found/i.test(text)) return { ok: true, processes: [], truncated: false };
  const out: GpuProcess[] = [];
  let truncated = false;
  for (let i = start; i < lines.length; i++) {
    if (out.length >= MAX_GPU_ENTRIES) {
      truncated = true;
      break;
    }
    const cells = splitCsv(lines[i] as string);
    const pid = int(cells[ip]);
    if (pid === undefined || pid <= 0) return { ok: false, reason: `line ${i + 1}: not a process row: ${JSON.stringify((lines[i] as string).slice(0, 80))}` };
    const get = (name: string): string | undefined => {
      const k = cols.indexOf(name);
      return k < 0 ? undefined : present(cells[k]);
    };
    const name = get('process_name');
    const mem = mib(get('used_gpu_memory'));
    const uuid = get('gpu_uuid');
    const gname = get('gpu_name');
    out.push({ pid, ...(name !== undefined && { processName: name }), ...(mem !== undefined && { usedMemoryMiB: mem }), ...(uuid !== undefined && { gpuUuid: uuid }), ...(gname !== undefined && { gpuName: gname }) });
  }
  return { ok: true, processes: out, truncated };
}

/** Parse an NVML process list dumped as JSON. */
export function parseNvmlJson(value: unknown): GpuParseResult {
  const list = Array.isArray(value) ? value : arr(obj(value)?.['processes']);
  if (!Array.isArray(value) && obj(value)?.['processes'] === undefined) return { ok: false, reason: 'expected a list of {pid, usedGpuMemory} or {"processes": [...]}' };
  const out: GpuProcess[] = [];
  let truncated = false;
  for (const item of list) {
    if (out.length >= MAX_GPU_ENTRIES) {
      truncated = true;
      break;
    }
    const o = obj(item);
    const pid = int(o?.['pid']);
    if (o === undefined || pid === undefined) return { ok: false, reason: 'an entry without a pid' };
    const bytes = typeof o['usedGpuMemory'] === 'number' ? o['usedGpuMemory'] : undefined;
    const uuid = str(o['gpuUuid']) ?? str(o['uuid']);
    const name = str(o['name']) ?? str(o['processName']);
    out.push({ pid, ...(name !== undefined && { processName: name }), ...(bytes !== undefined && { usedMemoryMiB: bytes / (1024 * 1024) }), ...(uuid !== undefined && { gpuUuid: uuid }) });
  }
  return { ok: true, processes: out, truncated };
}

/** Either format, by the first non-blank character. */
export function parseGpuProcesses(text: string, columns?: readonly string[]): GpuParseResult {
  const t = text.trimStart();
  if (t.startsWith('[') || t.startsWith('{')) {
    try {
      return parseNvmlJson(JSON.parse(t));
    } catch (e) {
      return { ok: false, reason: `not JSON: ${e instanceof Error ? e.message.slice(0, 80) : 'cannot parse'}` };
    }
  }
  return parseComputeAppsCsv(text, columns);
}

export interface GpuEventOptions {
  readonly path: string;
  readonly time: string;
  readonly node?: string;
  /** Process details by PID (the /proc sensor), when visible. */
  readonly lookup?: (pid: number) => { process: ProcessView; chain: readonly ChainLink[] } | undefined;
}

export function gpuEvents(list: readonly GpuProcess[], o: GpuEventOptions): RuntimeEvent[] {
  const out: RuntimeEvent[] = [];
  for (const g of list) {
    const seen = o.lookup?.(g.pid);
    const fallbackName = g.processName !== undefined ? baseName(g.processName) : `pid ${g.pid}`;
    const process: ProcessView = seen?.process ?? { pid: g.pid, name: fallbackName, args: g.processName !== undefined ? [g.processName] : [], ...(g.processName?.startsWith('/') === true && { exe: g.processName }) };
    out.push({
      kind: 'gpu-use',
      time: o.time,
      source: 'nvidia-smi',
      path: o.path,
      ...(o.node !== undefined && { node: o.node }),
      process,
      chain: seen?.chain ?? [],
      gpu: { ...(g.gpuUuid !== undefined && { uuid: g.gpuUuid }), ...(g.usedMemoryMiB !== undefined && { usedMemoryMiB: g.usedMemoryMiB }), ...(g.gpuName !== undefined && { gpuName: g.gpuName }) },
    });
  }
  return out;
}
