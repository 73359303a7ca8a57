/**
 * One audit log (a file or stdin) through the engine, streaming: gzip detected by its magic bytes and
 * decompressed as a stream, lines or documents read with memory bounded by `maxEventBytes`, each record
 * analysed as it is read. The result says what the input was and whether all of it was analysed.
 */
import { createGunzip } from 'node:zlib';
import type { TargetStatus } from '../findings/index.js';
import { errorMessage } from '../findings/index.js';
import type { AuditEngine } from './engine.js';
import { readAuditStream } from './reader.js';
import type { InputFormat } from './wrappers.js';

export interface StreamResult {
  readonly path: string;
  /** `k8s-audit` (JSON lines), `k8s-audit-eventlist`, `eks-cloudwatch`, `aks-diagnostics`, `gke-cloud-audit`, `unknown`. */
  readonly format: InputFormat | 'unknown';
  readonly compressed: boolean;
  readonly events: number;
  readonly rejected: number;
  readonly bytes: number;
  /** Set when reading failed part-way (I/O error, corrupt gzip); the events before it were analysed. */
  readonly error?: string;
  readonly status: TargetStatus;
}

async function* withGzip(input: AsyncIterable<Uint8Array | string>, onCompressed: () => void): AsyncGenerator<Uint8Array | string> {
  const it = input[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  const head = first.value;
  const gz = typeof head !== 'string' && head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  async function* rest(): AsyncGenerator<Uint8Array | string> {
    yield head;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  if (!gz) {
    yield* rest();
    return;
  }
  onCompressed();
  const gunzip = createGunzip();
  const feed = (async () => {
    try {
      for await (const c of rest()) if (!gunzip.write(c)) await new Promise<void>((r) => gunzip.once('drain', () => r()));
      gunzip.end();
    } catch (e) {
      gunzip.destroy(e instanceof Error ? e : new Error(String(e)));
    }
  })();
  try {
    for await (const c of gunzip as AsyncIterable<Buffer>) yield c;
  } finally {
    await feed;
  }
}

/** Analyse one stream; `path` names it in findings (`-` for stdin). */
export async function analyzeStream(engine: AuditEngine, input: AsyncIterable<Uint8Array | string>, path: string, maxEventBytes: number): Promise<StreamResult> {
  const before = engine.stats.events;
  const rejectedBefore = [...engine.stats.rejected.values()].reduce((a, b) => a + b, 0);
  engine.settleFormats();
  const formatsBefore = new Map(engine.stats.formats);
  let compressed = false;
  let bytes = 0;
  let error: string | undefined;
  let documentMode = false;
  // One origin object, updated per record (the engine copies what it keeps): no allocation per event.
  const origin: { path: string; line: number } = { path, line: 0 };
  try {
    const r = await readAuditStream(
      withGzip(input, () => (compressed = true)),
      maxEventBytes,
      {
        text: (text, line) => {
          origin.line = line;
          engine.analyzeText(text, origin);
        },
        reject: (kind, line, detail) => engine.reject(kind, { path, line }, detail),
      },
    );
    bytes = r.bytes;
    documentMode = r.mode === 'document';
  } catch (e) {
    error = errorMessage(e);
    engine.reject('malformed', { path }, `reading stopped: ${error}`);
  }
  engine.settleFormats();
  let format: InputFormat | 'unknown' = 'unknown';
  let most = 0;
  for (const [f, n] of engine.stats.formats) {
    const d = n - (formatsBefore.get(f) ?? 0);
    if (d > most) {
      most = d;
      format = f;
    }
  }
  // Items of a document are events themselves: the file was an EventList (or an array of events).
  if (documentMode && format === 'k8s-audit') format = 'k8s-audit-eventlist';
  const rejected = [...engine.stats.rejected.values()].reduce((a, b) => a + b, 0) - rejectedBefore;
  const events = engine.stats.events - before;
  return { path, format, compressed, events, rejected, bytes, ...(error !== undefined && { error }), status: error !== undefined || rejected > 0 ? 'partial' : events === 0 ? 'unsupported' : 'complete' };
}
