/**
 * The runtime agent's pipeline, without transport: inputs (the /proc sensor, Falco and Tetragon files,
 * Bulwark event files, GPU process lists, Falco HTTP bodies handed in by the server) parse into events,
 * wait in one `BoundedQueue` (`maxEventQueue`; a full queue drops and counts), and are judged one at a
 * time by the `RuntimeAnalyzer`. The CLI wires the sinks, the server and the metrics around it.
 */
import { readFileSync, statSync } from 'node:fs';
import { BoundedQueue, DEFAULT_LIMITS } from '../limits/index.js';
import type { LineRecord } from '../limits/index.js';
import type { RuntimeAnalyzer } from './analyze.js';
import type { RuntimeContext } from './context.js';
import { runtimeEventFromJson } from './event-json.js';
import { parseFalcoAlert } from './falco.js';
import type { ParseResult } from './falco.js';
import { gpuEvents, parseComputeAppsCsv, parseGpuProcesses } from './gpu.js';
import type { RuntimeEvent } from './model.js';
import { podIndexFromJson } from './pods.js';
import type { ProcSensor } from './proc-sensor.js';
import { fileLines } from './sources.js';
import { parseTetragonEvent } from './tetragon.js';

/** Largest pod list read from the kubelet or a file (named limit `maxPodListBytes`). */
export const MAX_POD_LIST_BYTES = DEFAULT_LIMITS.maxPodListBytes;

export type JsonInputKind = 'falco' | 'tetragon' | 'events';

export interface FileInput {
  readonly kind: JsonInputKind;
  readonly path: string;
  readonly follow: boolean;
  readonly fromEnd?: boolean;
}

export interface AgentOptions {
  readonly analyzer: RuntimeAnalyzer;
  readonly maxEventBytes: number;
  readonly maxEventQueue: number;
  readonly maxStateEntries: number;
  /** Largest pod list read (`maxPodListBytes`; default MAX_POD_LIST_BYTES). */
  readonly maxPodListBytes?: number;
  readonly proc?: ProcSensor;
  readonly procIntervalMs?: number;
  readonly files?: readonly FileInput[];
  /** A GPU process list file re-read when it changes (nvidia-smi CSV or NVML JSON). */
  readonly gpuFile?: { readonly path: string; readonly columns?: readonly string[]; readonly intervalMs: number };
  /** A GPU process list streamed on stdin (`nvidia-smi … -l 5 | bulwark runtime watch --gpu-processes -`). */
  readonly gpuStream?: { readonly lines: AsyncIterable<LineRecord>; readonly columns?: readonly string[] };
  /** The pod list: a file re-read when it changes, or a URL fetched (kubelet `/pods`). */
  readonly pods?: { readonly file?: string; readonly url?: string; readonly refreshMs: number; readonly headers?: Readonly<Record<string, string>> };
  readonly node?: string;
  /** Keep judging until `stop()` even when no input is followed (events arrive by HTTP). */
  readonly keepOpen?: boolean;
  readonly log?: (level: 'info' | 'warn' | 'error', event: string, fields: Readonly<Record<string, unknown>>) => void;
  readonly now?: () => number;
}

export interface AgentCounters {
  /** Events accepted into the queue, by source. */
  readonly received: Map<string, number>;
  /** Input lines or bodies that were not events, by source. */
  readonly malformed: Map<string, number>;
  /** Lines over `maxEventBytes`, skipped. */
  tooLong: number;
  /** Events dropped because the queue was full. */
  dropped: number;
  podRefreshes: number;
  podErrors: number;
}

function bump(m: Map<string, number>, k: string, by = 1): void {
  m.set(k, (m.get(k) ?? 0) + by);
}

export class RuntimeAgent {
  readonly queue: BoundedQueue<RuntimeEvent>;
  readonly counters: AgentCounters = { received: new Map(), malformed: new Map(), tooLong: 0, dropped: 0, podRefreshes: 0, podErrors: 0 };
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  private readonly abort = new AbortController();
  private podsStamp = '';
  private gpuStamp = '';
  private running = 0;

  constructor(private readonly o: AgentOptions) {
    this.queue = new BoundedQueue(o.maxEventQueue);
  }

  private log(level: 'info' | 'warn' | 'error', event: string, fields: Readonly<Record<string, unknown>> = {}): void {
    this.o.log?.(level, event, fields);
  }

  /** Queue one event (false when the queue is full: counted as dropped). */
  offer(ev: RuntimeEvent): boolean {
    if (this.queue.offer(ev)) {
      bump(this.counters.received, ev.source);
      return true;
    }
    this.counters.dropped++;
    return false;
  }

  /** Parse one JSON value of an input kind and queue its events. */
  offerJson(kind: JsonInputKind, value: unknown, path: string): ParseResult {
    let r: ParseResult;
    if (kind === 'falco') r = parseFalcoAlert(value, path);
    else if (kind === 'tetragon') r = parseTetragonEvent(value, path);
    else {
      const e = runtimeEventFromJson(value, path);
      r = e.ok ? { ok: true, events: [e.event] } : e;
    }
    if (!r.ok) bump(this.counters.malformed, kind);
    else for (const ev of r.events) this.offer(ev);
    return r;
  }

  /** Parse one JSON text (a line or a body). */
  offerText(kind: JsonInputKind, text: string, path: string): ParseResult {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      bump(this.counters.malformed, kind);
      return { ok: false, reason: 'not JSON' };
    }
    return this.offerJson(kind, value, path);
  }

  /** Start every input and judge events until `stop()` (or, with nothing followed, until the inputs end). */
  async run(): Promise<void> {
    const consumer = (async () => {
      for await (const ev of this.queue) {
        try {
          this.o.analyzer.analyze(ev);
        } catch (e) {
          this.log('error', 'analyze-failed', { source: ev.source, kind: ev.kind, msg: e instanceof Error ? e.message : String(e) });
        }
      }
    })();
    const producers: Promise<void>[] = [];
    if (this.o.pods !== undefined) {
      await this.refreshPods();
      this.every(this.o.pods.refreshMs, () => void this.refreshPods());
    }
    if (this.o.proc !== undefined) {
      const proc = this.o.proc;
      const tick = (): void => {
        for (const ev of proc.poll()) this.offer(ev);
      };
      tick();
      this.every(this.o.procIntervalMs ?? 1000, tick);
    }
    if (this.o.gpuFile !== undefined) {
      const g = this.o.gpuFile;
      this.readGpuFile();
      this.every(g.intervalMs, () => this.readGpuFile());
    }
    if (this.o.gpuStream !== undefined) producers.push(this.readGpuStream(this.o.gpuStream.lines, this.o.gpuStream.columns));
    for (const f of this.o.files ?? []) producers.push(this.readFile(f));
    const followed = this.o.keepOpen === true || this.o.proc !== undefined || this.o.gpuFile !== undefined || this.o.pods?.url !== undefined || (this.o.files ?? []).some((f) => f.follow);
    await Promise.all(producers);
    if (!followed) this.queue.close();
    await consumer;
    this.stop();
  }

  /** Stop timers and inputs; the queue drains, then `run()` resolves. */
  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    this.abort.abort();
    this.queue.close();
  }

  private every(ms: number, f: () => void): void {
    const t = setInterval(() => {
      if (this.running > 0) return;
      this.running++;
      try {
        f();
      } finally {
        this.running--;
      }
    }, ms);
    this.timers.push(t);
  }

  private async readFile(f: FileInput): Promise<void> {
    try {
      for await (const rec of fileLines(f.path, this.o.maxEventBytes, { follow: f.follow, ...(f.fromEnd !== undefined && { fromEnd: f.fromEnd }), signal: this.abort.signal })) {
        if (rec.kind === 'too-long') this.counters.tooLong++;
        else if (rec.kind === 'invalid-utf8') bump(this.counters.malformed, f.kind);
        else this.offerText(f.kind, rec.text, f.path);
      }
    } catch (e) {
      this.log('error', 'input-failed', { input: f.kind, path: f.path, msg: e instanceof Error ? e.message : String(e) });
    }
  }

  private lookup = (pid: number): { process: NonNullable<ReturnType<ProcSensor['lookup']>>; chain: ReturnType<ProcSensor['chainFor']> } | undefined => {
    const proc = this.o.proc;
    const p = proc?.lookup(pid);
    return p === undefined || proc === undefined ? undefined : { process: p, chain: proc.chainFor(pid) };
  };

  private readGpuFile(): void {
    const g = this.o.gpuFile;
    if (g === undefined) return;
    let stamp: string;
    try {
      const st = statSync(g.path);
      stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
      if (st.size > this.o.maxEventBytes) {
        bump(this.counters.malformed, 'nvidia-smi');
        return;
      }
    } catch {
      return;
    }
    if (stamp === this.gpuStamp) return;
    this.gpuStamp = stamp;
    let text: string;
    try {
      text = readFileSync(g.path, 'utf8');
    } catch {
      return;
    }
    const r = parseGpuProcesses(text, g.columns);
    if (!r.ok) {
      bump(this.counters.malformed, 'nvidia-smi');
      this.log('warn', 'gpu-input-malformed', { path: g.path, reason: r.reason });
      return;
    }
    const now = new Date((this.o.now ?? Date.now)()).toISOString();
    for (const ev of gpuEvents(r.processes, { path: g.path, time: now, ...(this.o.node !== undefined && { node: this.o.node }), lookup: this.lookup })) this.offer(ev);
  }

  private async readGpuStream(lines: AsyncIterable<LineRecord>, columns?: readonly string[]): Promise<void> {
    let cols = columns;
    for await (const rec of lines) {
      if (this.abort.signal.aborted) return;
      if (rec.kind !== 'line') {
        this.counters.tooLong += rec.kind === 'too-long' ? 1 : 0;
        continue;
      }
      const t = rec.text.trim();
      if (t === '' || /no running (?:compute )?processes/i.test(t)) continue;
      if (/(^|,)\s*pid\s*(,|$)/i.test(t)) {
        cols = t.split(',').map((c) => c.trim());
        continue;
      }
      const r = parseComputeAppsCsv(t, cols);
      if (!r.ok) {
        bump(this.counters.malformed, 'nvidia-smi');
        continue;
      }
      const now = new Date((this.o.now ?? Date.now)()).toISOString();
      for (const ev of gpuEvents(r.processes, { path: 'stdin', time: now, ...(this.o.node !== undefined && { node: this.o.node }), lookup: this.lookup })) this.offer(ev);
    }
  }

  private async refreshPods(): Promise<void> {
    const p = this.o.pods;
    if (p === undefined) return;
    const maxBytes = this.o.maxPodListBytes ?? MAX_POD_LIST_BYTES;
    let text: string | undefined;
    try {
      if (p.file !== undefined) {
        const st = statSync(p.file);
        const stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
        if (stamp === this.podsStamp) return;
        if (st.size > maxBytes) throw new Error(`pod list larger than ${maxBytes} bytes (maxPodListBytes)`);
        this.podsStamp = stamp;
        text = readFileSync(p.file, 'utf8');
      } else if (p.url !== undefined) {
        const res = await fetch(p.url, { signal: AbortSignal.timeout(5000), ...(p.headers !== undefined && { headers: p.headers }) });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const len = Number(res.headers.get('content-length') ?? '0');
        if (len > maxBytes) throw new Error(`pod list larger than ${maxBytes} bytes (maxPodListBytes)`);
        text = await res.text();
        if (text.length > maxBytes) throw new Error(`pod list larger than ${maxBytes} bytes (maxPodListBytes)`);
      }
      if (text === undefined) return;
      const ctx: RuntimeContext = this.o.analyzer.ctx;
      const index = podIndexFromJson(JSON.parse(text), { gpuResource: ctx.data.gpuResource, inferenceImages: ctx.data.data.inferenceImages, maxPods: this.o.maxStateEntries });
      this.o.analyzer.setContext({ ...ctx, pods: index });
      this.counters.podRefreshes++;
      if (index.dropped > 0) this.log('warn', 'pods-dropped', { dropped: index.dropped, limit: 'maxStateEntries' });
    } catch (e) {
      this.counters.podErrors++;
      this.log('warn', 'pods-refresh-failed', { msg: e instanceof Error ? e.message : String(e) });
    }
  }
}
