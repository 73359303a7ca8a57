/**
 * Reads an audit log as a byte stream with memory bounded by `maxEventBytes` (one event), whatever the
 * stream's size:
 *
 * - JSON lines (the API server's `--audit-log-path` format, CloudWatch/AKS exports): each line is one
 *   JSON text handed to `text()`; lines are found with native `indexOf`, decoded only when valid UTF-8;
 * - a JSON document spread over lines (a pretty-printed `EventList`, a `{"records":[…]}` blob): when the
 *   first line is not JSON on its own but opens an object or array, the whole stream goes through the
 *   incremental splitter (splitter.ts), which hands each item to `text()`;
 * - a single line longer than the limit that opens an object or array (a one-line `EventList`) goes
 *   through the splitter too, so its items are analysed one by one; any other over-long line is
 *   skipped and reported (`too-long`), never buffered.
 *
 * The handler is called synchronously for each record; the reader awaits only between chunks.
 */
import { isUtf8 } from 'node:buffer';
import type { SplitterSink } from './splitter.js';
import { JsonItemSplitter } from './splitter.js';

export type RejectKind = 'too-long' | 'invalid-utf8' | 'malformed' | 'not-an-event';

export interface RecordHandler {
  /** One JSON text (a line, or an item of a document), at its 1-based line. */
  text(text: string, line: number): void;
  /** A record that could not be read: counted, and reported by the caller. */
  reject(kind: RejectKind, line: number, detail: string): void;
}

export interface ReadResult {
  readonly mode: 'lines' | 'document';
  /** Lines seen (newlines + a last unterminated line). */
  readonly lines: number;
  readonly bytes: number;
}

const NL = 0x0a;
const CR = 0x0d;

function firstNonSpace(b: Uint8Array): number {
  for (const x of b) if (x !== 0x20 && x !== 0x09 && x !== CR && x !== NL) return x;
  return -1;
}

function decode(bytes: Uint8Array): string | undefined {
  if (!isUtf8(bytes)) return undefined;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

function splitterSink(handler: RecordHandler, lineBase: () => number): SplitterSink {
  return {
    item(bytes, line) {
      const text = decode(bytes);
      if (text === undefined) handler.reject('invalid-utf8', lineBase() + line - 1, `${bytes.length} bytes of an item are not UTF-8`);
      else handler.text(text, lineBase() + line - 1);
    },
    tooLong(bytes, line) {
      handler.reject('too-long', lineBase() + line - 1, `an item of ${bytes} bytes is larger than maxEventBytes`);
    },
    malformed(reason, line) {
      handler.reject('malformed', lineBase() + line - 1, reason);
    },
  };
}

export async function readAuditStream(stream: AsyncIterable<Uint8Array | string>, maxEventBytes: number, handler: RecordHandler): Promise<ReadResult> {
  let mode: 'lines' | 'document' | 'undecided' = 'undecided';
  // (a function, so the compiler does not keep a narrowing the line handler may change)
  const isDocument = (): boolean => mode === 'document';
  let lineNo = 0;
  let bytes = 0;
  // The current (incomplete) line: parts and size; or the splitter it spilled into.
  let parts: Buffer[] = [];
  let size = 0;
  let skipping = false;
  let skipped = 0;
  let spill: JsonItemSplitter | undefined;
  let spillLine = 0;
  let doc: JsonItemSplitter | undefined;

  const emitLine = (line: Buffer): void => {
    // line: the bytes of one complete line without its newline.
    let end = line.length;
    if (end > 0 && line[end - 1] === CR) end--;
    if (end === 0) return;
    const body = end === line.length ? line : line.subarray(0, end);
    if (mode === 'undecided') {
      const first = firstNonSpace(body);
      if (first === -1) return;
      mode = 'lines';
      if (first === 0x7b || first === 0x5b) {
        const text = decode(body);
        let complete = false;
        if (text !== undefined) {
          try {
            JSON.parse(text);
            complete = true;
          } catch {
            complete = false;
          }
        }
        if (!complete) {
          // The document spans lines: everything goes through the splitter from here on.
          mode = 'document';
          const docBase = lineNo;
          doc = new JsonItemSplitter(maxEventBytes, splitterSink(handler, () => docBase));
          doc.push(body);
          doc.push(Buffer.from('\n'));
          return;
        }
      }
    }
    const text = decode(body);
    if (text === undefined) handler.reject('invalid-utf8', lineNo, `${body.length} bytes are not UTF-8`);
    else handler.text(text, lineNo);
  };

  let first = true;
  for await (const raw of stream) {
    let chunk: Buffer = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    if (first && chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
    first = false;
    bytes += chunk.length;
    if (isDocument() && doc !== undefined) {
      doc.push(chunk);
      continue;
    }
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(NL, start);
      const end = nl < 0 ? chunk.length : nl;
      if (spill !== undefined) spill.push(chunk.subarray(start, end));
      else if (skipping) skipped += end - start;
      else if (size + (end - start) > maxEventBytes) {
        // Too long for one event: a one-line document is split into its items, anything else skipped.
        const head = parts.length > 0 ? (parts[0] as Buffer) : chunk.subarray(start, end);
        const opener = firstNonSpace(head.subarray(0, Math.min(head.length, 64)));
        if (opener === 0x7b || opener === 0x5b) {
          const base = lineNo + 1;
          spillLine = base;
          spill = new JsonItemSplitter(maxEventBytes, splitterSink(handler, () => spillLine));
          for (const p of parts) spill.push(p);
          spill.push(chunk.subarray(start, end));
          if (mode === 'undecided') mode = 'lines';
        } else {
          skipping = true;
          skipped = size + (end - start);
        }
        parts = [];
        size = 0;
      } else if (end > start) {
        // Keep a view when the line ends in this chunk; copy only what must outlive the chunk.
        parts.push(nl < 0 ? Buffer.from(chunk.subarray(start, end)) : chunk.subarray(start, end));
        size += end - start;
      }
      if (nl < 0) break;
      lineNo++;
      if (spill !== undefined) {
        spill.end();
        spill = undefined;
      } else if (skipping) {
        handler.reject('too-long', lineNo, `a line of ${skipped} bytes is larger than maxEventBytes (${maxEventBytes})`);
        skipping = false;
        skipped = 0;
      } else if (size > 0) {
        const line = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size);
        parts = [];
        size = 0;
        emitLine(line);
        if (isDocument() && doc !== undefined) {
          // The rest of this chunk belongs to the document.
          doc.push(chunk.subarray(nl + 1));
          break;
        }
      }
      start = nl + 1;
    }
  }
  // The last line need not end with a newline.
  if (isDocument() && doc !== undefined) doc.end();
  else if (spill !== undefined) {
    lineNo++;
    spill.end();
  } else if (skipping) {
    lineNo++;
    handler.reject('too-long', lineNo, `a line of ${skipped} bytes is larger than maxEventBytes (${maxEventBytes})`);
  } else if (size > 0) {
    lineNo++;
    const line = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size);
    emitLine(line);
    if (isDocument() && doc !== undefined) doc.end();
  }
  return { mode: isDocument() ? 'document' : 'lines', lines: lineNo, bytes };
}
