/**
 * Incremental `text/event-stream` parser (WHATWG HTML §9.2.6 "Interpreting an event stream") that
 * reports every segment by its byte range in the stream, so a filter can pass events through
 * byte-exact without copying each one: it tells the parser how much to retain (`retain()`) and takes
 * the bytes it releases with `bytes()`.
 *
 * - Lines end with LF, CRLF or CR; a CRLF split across two chunks is one line end (the LF is then the
 *   first byte of the next segment and is skipped by the parser).
 * - A leading U+FEFF (BOM) of the stream is ignored; `:` lines are comments; `field: value` strips one
 *   space; a line without a colon is a field with an empty value; `data` lines are joined with "\n";
 *   `event`, `id` (ignored when it contains NUL) and `retry` (ASCII digits only) as the spec says.
 * - A blank line ends a segment. The segment is dispatched as an event only when its data buffer is not
 *   empty (as the spec says); otherwise it is a segment with `data === undefined` (comments, ids only).
 * - Bytes are decoded per complete line (line ends are ASCII, so a UTF-8 sequence split across chunks is
 *   always whole by then); invalid UTF-8 decodes to U+FFFD, never throws.
 * - Bounded: a segment larger than `maxEventBytes` stops the parser (`overflow`).
 */

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;
/** Chunks are appended at most this many bytes at a time. */
const SLICE = 65536;

const F_DATA = [0x64, 0x61, 0x74, 0x61];
const F_EVENT = [0x65, 0x76, 0x65, 0x6e, 0x74];
const F_ID = [0x69, 0x64];
const F_RETRY = [0x72, 0x65, 0x74, 0x72, 0x79];

export interface SseSegment {
  /** Stream offsets of the segment's bytes, line ends included: [start, end). */
  readonly start: number;
  readonly end: number;
  /** The event's data (lines joined with "\n") when an event is dispatched; undefined for comment/id-only segments. */
  readonly data: string | undefined;
  /** Event type (`event:` field, default "message"). */
  readonly type: string;
  /** The last event id at dispatch. */
  readonly lastEventId: string;
  /** False for the unterminated tail returned by finish(). */
  readonly complete: boolean;
}

export class SseParser {
  private buf: Buffer = Buffer.allocUnsafe(4096);
  /** Stream offset of buf[0]. */
  private base = 0;
  private len = 0;
  /** Next byte to look at (buffer index, as are the next ones). */
  private pos = 0;
  private lineStart = 0;
  private segStart = 0;
  /** Stream offset from which the caller still needs bytes (Infinity: none of the completed segments). */
  private retainFrom = Infinity;
  /** The previous line ended with a CR that was the last byte available: a following LF is part of it. */
  private pendingCR = false;
  /** Cached position of the next CR (-1: none in the bytes searched so far) and how far the search went. */
  private crAt = -1;
  private crSearched = 0;
  private firstLine = true;
  private dataBuf = '';
  private hasData = false;
  private eventType = '';
  private lastId = '';
  /** Reconnection time set by a valid `retry:` field (ms). */
  retry: number | undefined;
  /** Set when a segment exceeded maxEventBytes; the parser then accepts nothing more. */
  overflow = false;

  constructor(readonly maxEventBytes: number) {}

  /** Bytes of the incomplete segment held by the parser. */
  get pendingBytes(): number {
    return this.len - this.segStart;
  }

  /** The last byte received ended a line with CR: an LF first in the next chunk belongs to that line end. */
  get awaitingLF(): boolean {
    return this.pendingCR;
  }

  /** Stream offset of the first byte not yet received. */
  get received(): number {
    return this.base + this.len;
  }

  /** Keep the bytes from stream offset `from` on (for `bytes()`); earlier ones may be dropped. */
  retain(from: number): void {
    this.retainFrom = from;
  }

  /** A copy of the retained stream bytes [from, to). */
  bytes(from: number, to: number): Uint8Array {
    if (from < this.base || to > this.base + this.len || from > to) throw new RangeError(`bytes ${from}..${to} are not retained`);
    const out = new Uint8Array(to - from);
    out.set(this.buf.subarray(from - this.base, to - this.base));
    return out;
  }

  /** Feed bytes; returns the segments completed by them (in order). */
  push(chunk: Uint8Array): SseSegment[] {
    const out: SseSegment[] = [];
    for (let off = 0; off < chunk.length && !this.overflow; off += SLICE) {
      this.compact();
      this.append(chunk.subarray(off, Math.min(chunk.length, off + SLICE)));
      this.scan(out);
      if (this.len - this.segStart > this.maxEventBytes) this.overflow = true;
    }
    return out;
  }

  /**
   * The stream ended: the unterminated tail (if any) as a segment with `complete: false`; its data is
   * what a dispatch would have produced had a blank line followed (a conforming client discards it).
   */
  finish(): SseSegment | undefined {
    if (this.overflow || this.len === this.segStart) return undefined;
    if (this.lineStart < this.len) this.line(this.skipBom(this.lineStart, this.len), this.len);
    const seg = this.dispatch(this.segStart, this.len, false);
    this.segStart = this.lineStart = this.pos = this.len;
    return seg;
  }

  private append(bytes: Uint8Array): void {
    const need = this.len + bytes.length;
    if (need > this.buf.length) {
      let cap = this.buf.length;
      while (cap < need) cap *= 2;
      const nb = Buffer.allocUnsafe(cap);
      this.buf.copy(nb, 0, 0, this.len);
      this.buf = nb;
    }
    this.buf.set(bytes, this.len);
    this.len = need;
  }

  /** Drop the bytes nobody needs any more: before the current segment and before what the caller retains. */
  private compact(): void {
    const keep = Math.min(this.segStart, Math.max(0, Math.min(this.retainFrom - this.base, this.len)));
    if (keep <= 0) return;
    this.buf.copyWithin(0, keep, this.len);
    this.base += keep;
    this.len -= keep;
    this.pos -= keep;
    this.lineStart -= keep;
    this.segStart -= keep;
    if (this.crAt !== -1) this.crAt = Math.max(-1, this.crAt - keep);
    this.crSearched = Math.max(0, this.crSearched - keep);
  }

  private scan(out: SseSegment[]): void {
    const buf = this.buf;
    const len = this.len;
    // A view of the valid bytes, so searches never read past them (one per pushed slice).
    const view = buf.subarray(0, len);
    while (this.pos < len) {
      if (this.pendingCR) {
        this.pendingCR = false;
        if (buf[this.pos] === LF) {
          this.pos++;
          this.lineStart = this.pos;
          continue;
        }
      }
      // Next line end: the nearer of LF and CR from pos.
      const lf = view.indexOf(LF, this.pos);
      let cr = this.nextCR(view, this.pos);
      if (lf !== -1 && cr > lf) cr = -1;
      const end = cr !== -1 ? cr : lf;
      if (end === -1) {
        this.pos = len;
        return;
      }
      let next = end + 1;
      if (end === cr) {
        if (next < len) {
          if (buf[next] === LF) next++;
        } else {
          this.pendingCR = true;
        }
      }
      const ls = this.skipBom(this.lineStart, end);
      if (end === ls) {
        out.push(this.dispatch(this.segStart, next, true));
        this.segStart = next;
      } else {
        this.line(ls, end);
      }
      this.pos = this.lineStart = next;
    }
  }

  /** Next CR at or after `from` (-1: none yet); cached, so lines without CR are not searched twice. */
  private nextCR(view: Buffer, from: number): number {
    if (this.crAt >= from) return this.crAt;
    const i = view.indexOf(CR, Math.max(from, this.crSearched));
    this.crAt = i;
    this.crSearched = i === -1 ? this.len : i + 1;
    return i;
  }

  /** The stream's first line: skip a leading BOM (U+FEFF). */
  private skipBom(start: number, end: number): number {
    if (!this.firstLine) return start;
    this.firstLine = false;
    const b = this.buf;
    return end - start >= 3 && b[start] === 0xef && b[start + 1] === 0xbb && b[start + 2] === 0xbf ? start + 3 : start;
  }

  private line(start: number, end: number): void {
    const buf = this.buf;
    if (start === end || buf[start] === COLON) return; // comment
    let colon = -1;
    for (let i = start; i < end; i++) {
      if (buf[i] === COLON) {
        colon = i;
        break;
      }
    }
    const nameEnd = colon === -1 ? end : colon;
    let vStart = colon === -1 ? end : colon + 1;
    if (vStart < end && buf[vStart] === SPACE) vStart++;
    if (is(buf, start, nameEnd, F_DATA)) {
      const v = buf.toString('utf8', vStart, end);
      this.dataBuf = this.hasData ? `${this.dataBuf}\n${v}` : v;
      this.hasData = true;
    } else if (is(buf, start, nameEnd, F_EVENT)) {
      this.eventType = buf.toString('utf8', vStart, end);
    } else if (is(buf, start, nameEnd, F_ID)) {
      const v = buf.toString('utf8', vStart, end);
      if (!v.includes('\0')) this.lastId = v;
    } else if (is(buf, start, nameEnd, F_RETRY)) {
      if (vStart < end && allDigits(buf, vStart, end)) this.retry = Number(buf.toString('latin1', vStart, end));
    }
  }

  private dispatch(start: number, end: number, complete: boolean): SseSegment {
    const data = this.hasData ? this.dataBuf : undefined;
    const type = this.eventType === '' ? 'message' : this.eventType;
    this.dataBuf = '';
    this.hasData = false;
    this.eventType = '';
    return { start: this.base + start, end: this.base + end, data, type, lastEventId: this.lastId, complete };
  }
}

function is(buf: Uint8Array, start: number, end: number, name: readonly number[]): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (buf[start + i] !== name[i]) return false;
  return true;
}

function allDigits(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const b = buf[i] as number;
    if (b < 0x30 || b > 0x39) return false;
  }
  return true;
}
