/**
 * A sink over a writable stream (stdout): one line per finding, respecting backpressure. While the
 * stream is full, lines wait in a queue of at most `maxEventQueue`; past it they are dropped and counted.
 */
import type { Finding } from '../findings/index.js';
import { formatLine } from './format.js';
import { Fifo, IdleWaiters } from './queue.js';
import type { LineStream, Sink, SinkFormat, SinkOptions, SinkStats } from './types.js';

export class StreamSink implements Sink {
  private readonly queue: Fifo<string>;
  private readonly idle = new IdleWaiters();
  private blocked = false;
  private closed = false;
  private written = 0;
  private dropped = 0;

  constructor(
    readonly name: string,
    private readonly out: LineStream,
    private readonly format: SinkFormat,
    capacity: number,
    private readonly options: SinkOptions = {},
  ) {
    this.queue = new Fifo(capacity);
  }

  write(f: Finding): void {
    if (this.closed) {
      this.dropped++;
      return;
    }
    const line = formatLine(f, this.format, this.options);
    if (this.blocked) {
      if (!this.queue.push(line)) this.dropped++;
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
    if (!this.blocked) this.idle.release();
  }

  flush(): Promise<void> {
    return this.idle.wait(!this.blocked && this.queue.length === 0);
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  stats(): SinkStats {
    return { written: this.written, dropped: this.dropped, failed: 0, retries: 0, queued: this.queue.length, rotations: 0 };
  }

  pressure(): number {
    return this.queue.length / this.queue.capacity;
  }
}

/** Keeps findings in memory, at most `capacity` (tests and benchmarks count what arrived). */
export class MemorySink implements Sink {
  readonly name = 'memory';
  readonly findings: Finding[] = [];
  private dropped = 0;
  private closed = false;

  constructor(private readonly capacity: number) {}

  write(f: Finding): void {
    if (this.closed || this.findings.length >= this.capacity) this.dropped++;
    else this.findings.push(f);
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  stats(): SinkStats {
    return { written: this.findings.length, dropped: this.dropped, failed: 0, retries: 0, queued: 0, rotations: 0 };
  }

  pressure(): number {
    return 0;
  }
}
