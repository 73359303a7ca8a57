/**
 * An incremental splitter of JSON documents into the items audit events travel in, with memory bounded
 * by `maxItemBytes` whatever the document's size: a top-level array yields its elements; a top-level
 * object with an `items`, `records`, `logEvents` or `events` array (an EventList, AKS records,
 * CloudWatch exports) yields that array's elements; any other top-level value (a pretty-printed single
 * Event) is one item. Concatenated documents are split one after the other. An item larger than
 * `maxItemBytes` is skipped (its size reported), never buffered. The scanner only tracks strings and
 * nesting; each item is validated by `JSON.parse` where it is consumed.
 */

export interface SplitterSink {
  /** One item's bytes (a complete JSON value), starting at 1-based `line` of the document. */
  item(bytes: Uint8Array, line: number): void;
  /** An item longer than the limit (its bytes were skipped). */
  tooLong(bytes: number, line: number): void;
  /** Unbalanced brackets or stray bytes: the scanner resynchronised at the next top-level value. */
  malformed(reason: string, line: number): void;
}

const CONTAINER_KEYS = new Set(['items', 'records', 'logEvents', 'events']);
const MAX_KEY_BYTES = 32;

const OPEN_OBJ = 0x7b; // {
const CLOSE_OBJ = 0x7d; // }
const OPEN_ARR = 0x5b; // [
const CLOSE_ARR = 0x5d; // ]
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const NL = 0x0a;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

export class JsonItemSplitter {
  /** Nesting depth of the document (0: between top-level values). */
  private depth = 0;
  private inString = false;
  private escape = false;
  /** Depth at which items live (1: elements of a top-level array; 2: of a container key's array); 0: the top-level value is the item. */
  private itemDepth = 0;
  /** Collecting an item now (depth > itemDepth or a scalar item), and its parts. */
  private collecting = false;
  private parts: Uint8Array[] = [];
  private size = 0;
  private tooLongItem = false;
  private itemLine = 1;
  private line = 1;
  /** Top-level object: scanning its keys to find a container (key text, whether in key position). */
  private keyBytes: number[] | undefined;
  private expectKey = false;
  private lastKey = '';
  private awaitContainerValue = false;
  /** The top-level object is being buffered as one item until a container key shows it is a wrapper. */
  private topIsCandidate = false;
  private scalar = false;

  constructor(
    private readonly maxItemBytes: number,
    private readonly sink: SplitterSink,
  ) {}

  private startItem(i: number): number {
    this.collecting = true;
    this.parts = [];
    this.size = 0;
    this.tooLongItem = false;
    this.itemLine = this.line;
    return i;
  }

  private append(chunk: Uint8Array, from: number, to: number): void {
    if (!this.collecting || this.tooLongItem || to <= from) return;
    if (this.size + (to - from) > this.maxItemBytes) {
      this.tooLongItem = true;
      this.size += to - from;
      this.parts = [];
      return;
    }
    this.parts.push(chunk.slice(from, to));
    this.size += to - from;
  }

  private endItem(): void {
    this.collecting = false;
    if (this.tooLongItem) this.sink.tooLong(this.size, this.itemLine);
    else if (this.size > 0) {
      let bytes: Uint8Array;
      if (this.parts.length === 1) bytes = this.parts[0] as Uint8Array;
      else {
        bytes = new Uint8Array(this.size);
        let o = 0;
        for (const p of this.parts) {
          bytes.set(p, o);
          o += p.length;
        }
      }
      this.sink.item(bytes, this.itemLine);
    }
    this.parts = [];
    this.size = 0;
    this.tooLongItem = false;
  }

  push(chunk: Uint8Array): void {
    let start = this.collecting ? 0 : -1;
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const b = chunk[i] as number;
      if (b === NL) this.line++;
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (b === BACKSLASH) this.escape = true;
        else if (b === QUOTE) {
          this.inString = false;
          if (this.keyBytes !== undefined) {
            let k = '';
            for (const c of this.keyBytes) k += String.fromCharCode(c);
            this.lastKey = k;
            this.keyBytes = undefined;
          }
          if (this.collecting && this.depth === this.itemDepth) {
            // A string item ends with its closing quote.
            this.append(chunk, start, i + 1);
            this.endItem();
            start = -1;
          }
        } else if (this.keyBytes !== undefined && this.keyBytes.length < MAX_KEY_BYTES) this.keyBytes.push(b);
        continue;
      }
      if (this.scalar) {
        // A top-level scalar item (number, literal) ends at whitespace or a structural byte.
        if (isSpace(b) || b === COMMA || b === CLOSE_ARR || b === CLOSE_OBJ) {
          this.append(chunk, start, i);
          this.endItem();
          this.scalar = false;
          start = -1;
        } else continue;
      }
      if (isSpace(b)) continue;
      // Item boundaries at the item depth.
      if (this.depth === this.itemDepth && !this.collecting && b !== COMMA && !(b === CLOSE_ARR && this.itemDepth > 0)) {
        start = this.startItem(i);
        if (this.itemDepth === 0 && b === OPEN_OBJ) this.topIsCandidate = true;
        if (b !== OPEN_OBJ && b !== OPEN_ARR && b !== QUOTE) {
          this.scalar = true;
          continue;
        }
      }
      switch (b) {
        case QUOTE:
          this.inString = true;
          if (this.depth === 1 && this.expectKey && this.itemDepth !== 1) this.keyBytes = [];
          break;
        case OPEN_OBJ:
        case OPEN_ARR:
          this.depth++;
          if (this.depth === 1) {
            this.lastKey = '';
            this.expectKey = b === OPEN_OBJ;
            if (b === OPEN_ARR && this.itemDepth === 0) {
              // A top-level array: its elements are the items.
              this.collecting = false;
              this.parts = [];
              this.size = 0;
              this.itemDepth = 1;
              start = -1;
            }
          } else if (this.depth === 2 && this.awaitContainerValue) {
            this.awaitContainerValue = false;
            if (b === OPEN_ARR) {
              // The top-level object is a wrapper: drop what was buffered, its array's elements are items.
              this.topIsCandidate = false;
              this.collecting = false;
              this.parts = [];
              this.size = 0;
              this.itemDepth = 2;
              start = -1;
            }
          }
          break;
        case CLOSE_OBJ:
        case CLOSE_ARR:
          this.depth--;
          if (this.depth < 0) {
            this.sink.malformed('unbalanced closing bracket', this.line);
            this.reset();
            start = -1;
            continue;
          }
          if (this.collecting && this.depth === this.itemDepth) {
            this.append(chunk, start, i + 1);
            this.endItem();
            start = -1;
          }
          if (this.depth === 1 && this.itemDepth === 2 && b === CLOSE_ARR) this.itemDepth = 1.5; // container closed; skip the rest of the wrapper
          if (this.depth === 0) {
            this.itemDepth = 0;
            this.topIsCandidate = false;
            this.expectKey = false;
          }
          break;
        case COLON:
          if (this.depth === 1 && this.expectKey) {
            this.expectKey = false;
            if (this.topIsCandidate && CONTAINER_KEYS.has(this.lastKey)) this.awaitContainerValue = true;
          }
          break;
        case COMMA:
          if (this.depth === 1 && this.itemDepth !== 1) {
            this.expectKey = true;
            this.awaitContainerValue = false;
          }
          break;
        default:
          if (this.depth === 1 && this.awaitContainerValue) this.awaitContainerValue = false;
      }
    }
    if (this.collecting && start >= 0) this.append(chunk, start, n);
  }

  /** The document ended: a value still open is malformed (truncated). */
  end(): void {
    if (this.scalar && this.collecting) {
      this.endItem();
      this.scalar = false;
    }
    if (this.depth !== 0 || this.inString) {
      if (this.collecting && this.tooLongItem) this.sink.tooLong(this.size, this.itemLine);
      else this.sink.malformed('document truncated inside a value', this.line);
    }
    this.reset();
  }

  private reset(): void {
    this.depth = 0;
    this.inString = false;
    this.escape = false;
    this.itemDepth = 0;
    this.collecting = false;
    this.parts = [];
    this.size = 0;
    this.tooLongItem = false;
    this.keyBytes = undefined;
    this.expectKey = false;
    this.awaitContainerValue = false;
    this.topIsCandidate = false;
    this.scalar = false;
  }
}
