/**
 * NDJSON: one finding per line, written as it happens (streams that never end: audit receiver,
 * runtime agent; `--format ndjson` for batch scans). Each line is exactly the `Finding` of the JSON
 * report (docs/report-schema.md). Control characters inside strings are escaped by JSON itself, so a
 * line never breaks.
 */
import type { Finding, ScanReport } from '../findings/index.js';

export function findingLine(f: Finding): string {
  return `${JSON.stringify(f)}\n`;
}

/** A whole report as NDJSON (one finding per line, in report order). */
export function renderNdjson(report: ScanReport): string {
  let out = '';
  for (const f of report.findings) out += findingLine(f);
  return out;
}

/** The part of a Node writable stream a sink needs. */
export interface LineWritable {
  write(chunk: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

/**
 * Writes findings to a stream one line at a time, respecting backpressure: while the stream is full,
 * lines wait in a queue of at most `maxQueued` (the named limit `maxEventQueue`); past that they are
 * dropped and counted (`dropped`), never buffered without bound. `flushed()` resolves once every
 * queued line was handed to the stream.
 */
export class NdjsonSink {
  private readonly queue: string[] = [];
  private blocked = false;
  private waiters: (() => void)[] = [];
  written = 0;
  dropped = 0;

  constructor(
    private readonly out: LineWritable,
    private readonly maxQueued: number,
  ) {}

  write(f: Finding): void {
    const line = findingLine(f);
    if (this.blocked) {
      if (this.queue.length >= this.maxQueued) {
        this.dropped++;
        return;
      }
      this.queue.push(line);
      return;
    }
    this.send(line);
  }

  private send(line: string): void {
    this.written++;
    if (!this.out.write(line)) {
      this.blocked = true;
      this.out.once('drain', () => this.drain());
    }
  }

  private drain(): void {
    this.blocked = false;
    while (this.queue.length > 0 && !this.blocked) this.send(this.queue.shift() as string);
    if (!this.blocked) {
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    }
  }

  /** Resolves when nothing is waiting in the queue. */
  flushed(): Promise<void> {
    if (!this.blocked && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
