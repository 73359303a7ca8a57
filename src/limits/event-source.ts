/**
 * Asynchronous event sources, the streaming counterpart of `ByteSource`: audit logs, runtime events
 * and webhook batches arrive as streams that may never end. Everything here is bounded by named limits:
 * one line (`maxEventBytes`) and one queue (`maxEventQueue`); what does not fit is counted and
 * reported, never buffered without bound and never dropped silently.
 */

/** One record of a line-oriented source. */
export type LineRecord =
  | { readonly kind: 'line'; readonly line: number; readonly text: string }
  /** A line longer than the limit: its bytes were skipped (not kept) up to the next newline. */
  | { readonly kind: 'too-long'; readonly line: number; readonly bytes: number }
  /** A line that is not valid UTF-8 (kept out of the analysis, counted). */
  | { readonly kind: 'invalid-utf8'; readonly line: number; readonly bytes: number };

/** An asynchronous source of events: anything iterable with `for await`. */
export type EventSource<T> = AsyncIterable<T>;

const NL = 0x0a;

/**
 * Split a byte stream into lines (`\n`, with a trailing `\r` removed) with memory bounded by
 * `maxLineBytes`: a longer line is reported as `too-long` with its length, and its bytes are not kept.
 * The last line need not end with a newline. Empty lines are skipped (they carry no event).
 */
export async function* readLines(stream: AsyncIterable<Uint8Array | string>, maxLineBytes: number): AsyncGenerator<LineRecord> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const encoder = new TextEncoder();
  let parts: Uint8Array[] = [];
  let size = 0;
  let skipping = false;
  let skipped = 0;
  let lineNo = 0;

  function* emit(): Generator<LineRecord> {
    lineNo++;
    if (skipping) {
      yield { kind: 'too-long', line: lineNo, bytes: skipped };
    } else if (size > 0) {
      const buf = parts.length === 1 ? (parts[0] as Uint8Array) : concat(parts, size);
      const end = buf[buf.length - 1] === 0x0d ? buf.length - 1 : buf.length;
      const body = buf.subarray(0, end);
      if (body.length > 0) {
        try {
          yield { kind: 'line', line: lineNo, text: decoder.decode(body) };
        } catch {
          yield { kind: 'invalid-utf8', line: lineNo, bytes: body.length };
        }
      }
    }
    parts = [];
    size = 0;
    skipping = false;
    skipped = 0;
  }

  for await (const raw of stream) {
    const chunk = typeof raw === 'string' ? encoder.encode(raw) : raw;
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(NL, start);
      const end = nl < 0 ? chunk.length : nl;
      const piece = chunk.subarray(start, end);
      if (skipping) skipped += piece.length;
      else if (size + piece.length > maxLineBytes) {
        skipping = true;
        skipped = size + piece.length;
        parts = [];
        size = 0;
      } else if (piece.length > 0) {
        // Copy: the caller may reuse its chunk buffers.
        parts.push(piece.slice());
        size += piece.length;
      }
      if (nl < 0) break;
      yield* emit();
      start = nl + 1;
    }
  }
  if (size > 0 || skipping) yield* emit();
}

function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * A FIFO of at most `capacity` items between a producer and a consumer. `offer` never blocks: it
 * returns false (and counts a drop) when full, so a producer that must not lose data (a webhook
 * receiver) can push back on its client instead. `take` waits for the next item; `close` ends the
 * consumer's iteration once the queue is drained.
 */
export class BoundedQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private head = 0;
  private waiting: ((v: IteratorResult<T>) => void) | undefined;
  private closed = false;
  dropped = 0;
  /** Highest depth reached (exported as a metric). */
  highWater = 0;

  constructor(readonly capacity: number) {}

  get depth(): number {
    return this.items.length - this.head;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  offer(item: T): boolean {
    if (this.closed) return false;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w({ value: item, done: false });
      return true;
    }
    if (this.depth >= this.capacity) {
      this.dropped++;
      return false;
    }
    this.items.push(item);
    if (this.depth > this.highWater) this.highWater = this.depth;
    return true;
  }

  close(): void {
    this.closed = true;
    if (this.waiting && this.depth === 0) {
      const w = this.waiting;
      this.waiting = undefined;
      w({ value: undefined, done: true });
    }
  }

  take(): Promise<IteratorResult<T>> {
    if (this.depth > 0) {
      const v = this.items[this.head] as T;
      this.items[this.head] = undefined as T;
      this.head++;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items.splice(0, this.head);
        this.head = 0;
      }
      return Promise.resolve({ value: v, done: false });
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return { next: () => this.take() };
  }
}
