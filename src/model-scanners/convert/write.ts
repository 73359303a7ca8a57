/**
 * Writing a plan (plan.ts) and verifying an output against its input.
 *
 * Writing is one sequential pass over the input: every chunk is hashed (the source's SHA-256 goes in
 * the metadata), and the contiguous tensors (`direct`) are written from the chunk as it passes, so
 * they are copied by ranges with one reusable buffer. Views that are not one range (transposes,
 * strided slices, big-endian storages, overlaps) are then gathered one at a time: memory is bounded by
 * the largest such view's storage span (`maxConvertCopyBytes`), otherwise constant. The hash is
 * patched into the header last.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, read as readCb, readSync } from 'node:fs';
import { BulwarkError } from '../../findings/index.js';
import type { Limits } from '../../limits/index.js';
import { DEFAULT_LIMITS, FileSource } from '../../limits/index.js';
import type { ConversionPlan, ConvertOptions, PlannedTensor, Refusal } from './plan.js';
import { planCheckpoint, scanInput } from './plan.js';

/**
 * Where the output goes (the CLI's all-or-nothing file writer). `write` appends: the sink assigns the
 * position when it is called, so several writes may be in flight at once (they complete in any
 * order); a returned promise settles when the bytes are written, and the caller keeps `data` intact
 * until then.
 */
export interface ConversionSink {
  /** Append bytes (all of them, or reject). */
  write(data: Uint8Array): Promise<void> | void;
  /** Overwrite bytes already written at `position`. */
  writeAt(position: number, data: Uint8Array): Promise<void> | void;
}

const CHUNK = 8 * 1024 * 1024;

function openInput(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (e) {
    throw new BulwarkError('IO', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { cause: e });
  }
}

function preadFully(fd: number, buf: Uint8Array, length: number, position: number, path: string): void {
  let got = 0;
  while (got < length) {
    let n: number;
    try {
      n = readSync(fd, buf, got, length - got, position + got);
    } catch (e) {
      throw new BulwarkError('IO', `read error in ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { cause: e });
    }
    if (n === 0) throw new BulwarkError('IO', `${path} changed while it was converted (it ended early)`);
    got += n;
  }
}

function preadAsync(fd: number, buf: Uint8Array, length: number, position: number, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (got: number): void => {
      if (got >= length) {
        resolve();
        return;
      }
      readCb(fd, buf, got, length - got, position + got, (err, n) => {
        if (err !== null) reject(new BulwarkError('IO', `read error in ${path}: ${err.code ?? String(err)}`, { cause: err }));
        else if (n === 0) reject(new BulwarkError('IO', `${path} changed while it was converted (it ended early)`));
        else step(got + n);
      });
    };
    step(0);
  });
}

/**
 * The contiguous little-endian bytes of a view that is not one range: its storage span is read, the
 * elements gathered in row-major order, and the byte order swapped where the storage is big-endian.
 */
export function gather(fd: number, path: string, t: PlannedTensor): Uint8Array {
  const size = t.dtype.size;
  let maxIndex = t.offset;
  for (let i = 0; i < t.shape.length; i++) maxIndex += ((t.shape[i] as number) - 1) * (t.stride[i] as number);
  const spanStart = t.storageStart + t.offset * size;
  const span = new Uint8Array((maxIndex - t.offset + 1) * size);
  preadFully(fd, span, span.length, spanStart, path);
  const out = new Uint8Array(t.nbytes);
  if (t.nbytes === 0) return out;
  // Rows of the last dimension: one copy when its stride is 1, element by element otherwise.
  const nd = t.shape.length;
  const rowLen = nd === 0 ? 1 : (t.shape[nd - 1] as number);
  const rowStride = nd === 0 ? 1 : (t.stride[nd - 1] as number);
  const outer = nd <= 1 ? 1 : t.nbytes / size / rowLen;
  const idx = new Array<number>(Math.max(0, nd - 1)).fill(0);
  let base = 0; // element index (relative to t.offset) of the current row's first element
  let o = 0;
  for (let r = 0; r < outer; r++) {
    if (rowStride === 1) {
      out.set(span.subarray(base * size, (base + rowLen) * size), o);
      o += rowLen * size;
    } else {
      for (let e = 0; e < rowLen; e++) {
        const from = (base + e * rowStride) * size;
        for (let b = 0; b < size; b++) out[o++] = span[from + b] as number;
      }
    }
    for (let d = nd - 2; d >= 0; d--) {
      const v = (idx[d] as number) + 1;
      if (v < (t.shape[d] as number)) {
        idx[d] = v;
        base += t.stride[d] as number;
        break;
      }
      idx[d] = 0;
      base -= ((t.shape[d] as number) - 1) * (t.stride[d] as number);
    }
  }
  if (t.swap) swapInPlace(out, t.dtype.swap);
  return out;
}

function swapInPlace(b: Uint8Array, unit: number): void {
  for (let i = 0; i + unit <= b.length; i += unit) {
    for (let a = i, z = i + unit - 1; a < z; a++, z--) {
      const x = b[a] as number;
      b[a] = b[z] as number;
      b[z] = x;
    }
  }
}

/** Buffers in the pipeline: one being hashed while the others' writes are in flight. */
const RING = 3;

/**
 * Stream a plan into `sink`; returns the source's SHA-256 (hex) and the bytes written. The input is
 * read once, sequentially, in 8 MiB chunks: each chunk is hashed on this thread while the writes of
 * the previous chunks run (the sink's writes are asynchronous), so hashing and writing overlap.
 */
export async function writeConversion(plan: ConversionPlan, sink: ConversionSink): Promise<{ sha256: string; bytes: number }> {
  const fd = openInput(plan.input);
  const inflight: Promise<void>[][] = Array.from({ length: RING }, () => []);
  let next: Promise<Buffer> | undefined;
  try {
    if (fstatSync(fd).size !== plan.inputSize) throw new BulwarkError('IO', `${plan.input} changed while it was converted (its size differs from the scanned file)`);
    await sink.write(plan.header);
    let written = plan.header.length;
    const hash = createHash('sha256');
    const direct = plan.tensors.filter((t) => t.direct);
    const size = Math.min(CHUNK, Math.max(1, plan.inputSize));
    const bufs = Array.from({ length: RING }, () => Buffer.allocUnsafe(size));
    /** Read chunk `k` into its ring slot, after the writes that still use that slot are done. */
    const fetch = async (k: number): Promise<Buffer> => {
      const slot = k % RING;
      const waits = inflight[slot] as Promise<void>[];
      if (waits.length > 0) await Promise.all(waits);
      inflight[slot] = [];
      const pos = k * size;
      const n = Math.min(size, plan.inputSize - pos);
      const buf = bufs[slot] as Buffer;
      await preadAsync(fd, buf, n, pos, plan.input);
      return buf.subarray(0, n);
    };
    let di = 0;
    const chunks = Math.ceil(plan.inputSize / size);
    next = chunks > 0 ? fetch(0) : undefined;
    next?.catch(() => undefined);
    for (let k = 0; k < chunks; k++) {
      const chunk = await (next as Promise<Buffer>);
      const pos = k * size;
      const end = pos + chunk.length;
      const slot = k % RING;
      while (di < direct.length) {
        const t = direct[di] as PlannedTensor;
        const tEnd = t.start + t.nbytes;
        if (t.start >= end) break;
        const from = Math.max(t.start, pos);
        const to = Math.min(tEnd, end);
        if (to > from) {
          const w = sink.write(chunk.subarray(from - pos, to - pos));
          if (w !== undefined) {
            w.catch(() => undefined); // handled: the rejection surfaces where the slot is awaited
            (inflight[slot] as Promise<void>[]).push(w);
          }
          written += to - from;
        }
        if (tEnd <= end) di++;
        else break;
      }
      next = k + 1 < chunks ? fetch(k + 1) : undefined;
      next?.catch(() => undefined); // handled: the rejection surfaces at the next await
      // Hashing runs on this thread while the next chunk is read and this one's writes are in flight.
      hash.update(chunk);
    }
    for (const w of inflight) await Promise.all(w);
    for (const t of plan.tensors) {
      if (t.direct || t.nbytes === 0) continue;
      const data = gather(fd, plan.input, t);
      await sink.write(data);
      written += data.length;
    }
    if (written !== plan.outputSize) throw new BulwarkError('IO', `internal: wrote ${written} bytes, planned ${plan.outputSize}`);
    const sha256 = hash.digest('hex');
    await sink.writeAt(plan.hashAt, Buffer.from(sha256, 'latin1'));
    return { sha256, bytes: written };
  } finally {
    // Never leave a read or write in flight on a descriptor or buffer that goes away (errors are the first one thrown).
    if (next !== undefined) await next.catch(() => undefined);
    for (const w of inflight) await Promise.allSettled(w);
    closeSync(fd);
  }
}

/** A safetensors file read strictly (no tolerance: the header must be exactly what the format says). */
interface ReadSafetensors {
  readonly dataStart: number;
  readonly tensors: Map<string, { dtype: string; shape: number[]; begin: number; end: number }>;
  readonly metadata: Record<string, string>;
}

function readSafetensors(path: string, problems: string[]): ReadSafetensors | undefined {
  const src = new FileSource(path);
  try {
    const head = src.read(0, 8);
    if (head.length < 8) return void problems.push(`${path}: shorter than 8 bytes`);
    const n = Number(Buffer.from(head).readBigUInt64LE(0));
    if (n > 100_000_000 || 8 + n > src.size) return void problems.push(`${path}: header length ${n} is invalid`);
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(src.read(8, n)));
    } catch {
      return void problems.push(`${path}: the header is not valid UTF-8 JSON`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return void problems.push(`${path}: the header is not a JSON object`);
    const tensors = new Map<string, { dtype: string; shape: number[]; begin: number; end: number }>();
    let metadata: Record<string, string> = {};
    for (const [k, v] of Object.entries(json as Record<string, unknown>)) {
      if (k === '__metadata__') {
        if (typeof v !== 'object' || v === null || Object.values(v).some((x) => typeof x !== 'string')) return void problems.push(`${path}: __metadata__ is not a map of strings`);
        metadata = v as Record<string, string>;
        continue;
      }
      const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      const offs = e.data_offsets;
      if (typeof e.dtype !== 'string' || !Array.isArray(e.shape) || !Array.isArray(offs) || offs.length !== 2 || typeof offs[0] !== 'number' || typeof offs[1] !== 'number') {
        return void problems.push(`${path}: tensor ${JSON.stringify(k)} has a malformed entry`);
      }
      tensors.set(k, { dtype: e.dtype, shape: e.shape as number[], begin: offs[0], end: offs[1] });
    }
    return { dataStart: 8 + n, tensors, metadata };
  } finally {
    src.close();
  }
}

export interface VerifyResult {
  readonly refused: false;
  readonly ok: boolean;
  readonly mismatches: readonly string[];
  /** Tensor names compared (aliases included). */
  readonly compared: number;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * `bulwark convert --verify IN OUT`: plan IN again (the same scan and refusal), validate OUT with the
 * safetensors scanner and a strict reader, and compare every tensor bit for bit, the aliases, and the
 * recorded SHA-256 of IN.
 */
export function verifyConversion(input: string, output: string, options: ConvertOptions): VerifyResult | Refusal {
  const limits: Limits = options.limits ?? DEFAULT_LIMITS;
  const plan = planCheckpoint(input, options);
  if (plan.refused) return plan;
  const mismatches: string[] = [];
  const outSrc = new FileSource(output);
  try {
    const scan = scanInput(outSrc, output, limits);
    if (scan.format !== 'safetensors') mismatches.push(`${output} is not a safetensors file (${scan.format})`);
    for (const f of scan.findings) if (f.severity !== 'info') mismatches.push(`${output}: ${f.ruleId}: ${f.message}`);
  } finally {
    outSrc.close();
  }
  if (mismatches.length > 0) return { refused: false, ok: false, mismatches, compared: 0 };
  const st = readSafetensors(output, mismatches);
  if (st === undefined) return { refused: false, ok: false, mismatches, compared: 0 };
  let compared = 0;
  const inFd = openInput(input);
  const outFd = openInput(output);
  try {
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(CHUNK);
    for (let pos = 0; pos < plan.inputSize; ) {
      const n = Math.min(CHUNK, plan.inputSize - pos);
      preadFully(inFd, buf, n, pos, input);
      hash.update(buf.subarray(0, n));
      pos += n;
    }
    const sha = hash.digest('hex');
    if (st.metadata['bulwark.source_sha256'] !== sha) mismatches.push(`metadata bulwark.source_sha256 is ${JSON.stringify(st.metadata['bulwark.source_sha256'] ?? null)}, the input's SHA-256 is ${sha}`);
    if (st.metadata.format !== 'pt') mismatches.push('metadata format is not "pt"');
    const obuf = Buffer.allocUnsafe(CHUNK);
    const expectedNames = new Set<string>();
    for (const t of plan.tensors) {
      expectedNames.add(t.name);
      const o = st.tensors.get(t.name);
      if (o === undefined) {
        mismatches.push(`${t.name}: missing from the output`);
        continue;
      }
      compared++;
      if (o.dtype !== t.dtype.dtype || !sameShape(o.shape, t.shape) || o.end - o.begin !== t.nbytes) {
        mismatches.push(`${t.name}: output has ${o.dtype} [${o.shape.join(', ')}] (${o.end - o.begin} bytes), input ${t.dtype.dtype} [${t.shape.join(', ')}] (${t.nbytes} bytes)`);
        continue;
      }
      const outStart = st.dataStart + o.begin;
      if (t.direct) {
        for (let done = 0; done < t.nbytes; ) {
          const n = Math.min(CHUNK, t.nbytes - done);
          preadFully(inFd, buf, n, t.start + done, input);
          preadFully(outFd, obuf, n, outStart + done, output);
          if (buf.compare(obuf, 0, n, 0, n) !== 0) {
            mismatches.push(`${t.name}: bytes differ near byte ${done}`);
            break;
          }
          done += n;
        }
      } else if (t.nbytes > 0) {
        const want = gather(inFd, input, t);
        const got = new Uint8Array(t.nbytes);
        preadFully(outFd, got, t.nbytes, outStart, output);
        if (Buffer.compare(want, got) !== 0) mismatches.push(`${t.name}: bytes differ`);
      }
    }
    for (const [removed, kept] of plan.aliases) {
      expectedNames.add(removed);
      compared++;
      if (st.metadata[removed] !== kept) mismatches.push(`${removed}: the output does not record it as an alias of ${kept}`);
    }
    for (const name of st.tensors.keys()) if (!expectedNames.has(name)) mismatches.push(`${name}: in the output but not in the input`);
  } finally {
    closeSync(inFd);
    closeSync(outFd);
  }
  return { refused: false, ok: mismatches.length === 0, mismatches, compared };
}
