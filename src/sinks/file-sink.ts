/**
 * Appends one line per finding to a file and rotates it by size: before a write would take the file
 * past `maxBytes`, `path` becomes `path.1`, `path.1` becomes `path.2` … up to `path.<maxFiles>` (the
 * oldest is overwritten), and a new `path` is started. Lines wait in a queue of at most
 * `maxEventQueue` while the disk is slow; past it they are dropped and counted. A write error is
 * counted (`failed`), reported once through `onError`, and the file is reopened on the next write.
 */
import type { FileHandle } from 'node:fs/promises';
import { open, rename, stat } from 'node:fs/promises';
import type { Finding } from '../findings/index.js';
import { formatLine } from './format.js';
import { Fifo, IdleWaiters } from './queue.js';
import type { FileSinkSpec, Sink, SinkOptions, SinkStats } from './types.js';

export const DEFAULT_FILE_MAX_BYTES = 100 * 1024 * 1024;
export const DEFAULT_FILE_MAX_FILES = 5;
/** Lines joined into one write call (a batch of small writes is one syscall). */
const LINES_PER_WRITE = 512;

function errText(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
}

export class FileSink implements Sink {
  readonly name: string;
  private readonly queue: Fifo<string>;
  private readonly idle = new IdleWaiters();
  private readonly maxBytes: number;
  private readonly maxFiles: number;
  private fh: FileHandle | undefined;
  private size = 0;
  private running = false;
  private closed = false;
  private closing: Promise<void> | undefined;
  private written = 0;
  private dropped = 0;
  private failed = 0;
  private retries = 0;
  private rotations = 0;
  private lastError: string | undefined;

  constructor(
    private readonly spec: FileSinkSpec,
    capacity: number,
    private readonly options: SinkOptions = {},
  ) {
    this.name = `file:${spec.path}`;
    this.queue = new Fifo(capacity);
    this.maxBytes = spec.maxBytes ?? DEFAULT_FILE_MAX_BYTES;
    this.maxFiles = spec.maxFiles ?? DEFAULT_FILE_MAX_FILES;
  }

  write(f: Finding): void {
    if (this.closed) {
      this.dropped++;
      return;
    }
    if (!this.queue.push(formatLine(f, this.spec.format ?? 'ndjson', this.options))) {
      this.dropped++;
      return;
    }
    if (!this.running) void this.run();
  }

  private async ensureOpen(): Promise<FileHandle> {
    if (this.fh !== undefined) return this.fh;
    const fh = await open(this.spec.path, 'a', 0o640);
    this.fh = fh;
    try {
      this.size = (await stat(this.spec.path)).size;
    } catch {
      this.size = 0;
    }
    return fh;
  }

  private async rotate(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    if (fh !== undefined) await fh.close();
    for (let i = this.maxFiles - 1; i >= 1; i--) {
      try {
        await rename(`${this.spec.path}.${i}`, `${this.spec.path}.${i + 1}`);
      } catch {
        // that generation does not exist yet
      }
    }
    if (this.maxFiles >= 1) await rename(this.spec.path, `${this.spec.path}.1`);
    this.rotations++;
    this.size = 0;
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const lines = this.queue.take(LINES_PER_WRITE);
        const data = Buffer.from(lines.join(''), 'utf8');
        try {
          const fh = await this.ensureOpen();
          if (this.size > 0 && this.size + data.length > this.maxBytes) {
            await this.rotate();
            await this.ensureOpen();
          }
          let off = 0;
          while (off < data.length) {
            const { bytesWritten } = await (this.fh ?? fh).write(data, off, data.length - off);
            if (bytesWritten <= 0) throw Object.assign(new Error('short write'), { code: 'EIO' });
            off += bytesWritten;
          }
          this.size += data.length;
          this.written += lines.length;
          this.lastError = undefined;
        } catch (e) {
          this.failed += lines.length;
          const text = errText(e);
          if (this.lastError !== text) this.options.onError?.(`${this.name}: cannot write (${text}); ${lines.length} alerts lost`);
          this.lastError = text;
          const fh = this.fh;
          this.fh = undefined;
          if (fh !== undefined) await fh.close().catch(() => undefined);
          this.retries++;
        }
      }
    } finally {
      this.running = false;
      if (this.queue.length === 0) this.idle.release();
      else void this.run();
    }
  }

  flush(): Promise<void> {
    return this.idle.wait(!this.running && this.queue.length === 0);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.flush();
      this.closed = true;
      const fh = this.fh;
      this.fh = undefined;
      if (fh !== undefined) await fh.close();
    })();
    return this.closing;
  }

  stats(): SinkStats {
    return { written: this.written, dropped: this.dropped, failed: this.failed, retries: this.retries, queued: this.queue.length, rotations: this.rotations };
  }

  pressure(): number {
    return this.queue.length / this.queue.capacity;
  }
}
