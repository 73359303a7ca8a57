/**
 * Hashing files and byte ranges at the speed of the hardware.
 *
 * - Work is a list of units (a whole file, or one shard `[start, end)`), hashed by a pool of
 *   worker threads (one per core by default) that pull batches from a queue, largest first (LPT
 *   scheduling keeps the cores busy until the end).
 * - Small units are packed into batches (up to 32 MiB or 512 units), so a model of thousands of small
 *   files costs a few hundred messages, not one per file, and is not slower per byte than one large file.
 * - Each worker owns two fixed buffers (`chunkSize`, 4 MiB by default) and reads sequentially with
 *   positional reads; no file is ever held in memory, so memory is flat in the model size.
 * - Files are opened with O_NONBLOCK (a FIFO swapped in after enumeration cannot block the read) and,
 *   when symbolic links are not allowed, O_NOFOLLOW; `fstat` must show a regular file of the size seen
 *   at enumeration, and a whole file must end where it ended (no growth while hashing).
 * - Tiny jobs (under 8 MiB in total) are hashed in-process: starting workers would cost more.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { BulwarkError } from '../findings/index.js';
import { HASH_WORKER_SOURCE } from './hash-worker-source.js';

export type HashType = 'sha256' | 'blake2b';

/** Node's name for each OMS hash identifier. */
export const NODE_HASH: Readonly<Record<HashType, string>> = { sha256: 'sha256', blake2b: 'blake2b512' };
export const DIGEST_BYTES: Readonly<Record<HashType, number>> = { sha256: 32, blake2b: 64 };

export interface HashUnit {
  readonly path: string;
  readonly start: number;
  /** End of the range; for a whole file of unknown size (`size` -1), -1: the size `fstat` reports. */
  readonly end: number;
  /**
   * File size seen at enumeration; a different size at open means the file changed. -1: not
   * stat'ed at enumeration (whole files only): the size at open is the file's size.
   */
  readonly size: number;
  /** The unit is the whole file: after `end`, the file must be at EOF. */
  readonly whole: boolean;
  /** Shown in errors (the model-relative name). */
  readonly label: string;
}

/**
 * Hash workers started before the work is known (`startHashPool`), so that their start-up overlaps
 * the enumeration of the model. `hashUnits` takes what it needs and terminates the rest.
 */
export class HashPool {
  private workers: Worker[];
  constructor(
    n: number,
    private readonly chunkSize: number = DEFAULT_CHUNK,
  ) {
    this.workers = Array.from({ length: Math.max(0, n) }, () => new Worker(HASH_WORKER_SOURCE, { eval: true, workerData: { chunkSize } }));
    for (const w of this.workers) w.unref();
  }

  /** Up to `n` started workers (with the same chunk size), handed over to the caller; the rest end. */
  take(n: number, chunkSize: number): Worker[] {
    const ws = chunkSize === this.chunkSize ? this.workers.slice(0, n) : [];
    for (const w of this.workers) if (!ws.includes(w)) void w.terminate();
    this.workers = [];
    for (const w of ws) w.ref();
    return ws;
  }

  close(): void {
    for (const w of this.workers) void w.terminate();
    this.workers = [];
  }
}

/** Start `jobs` hash workers now (default: available parallelism). */
export function startHashPool(jobs: number = availableParallelism(), chunkSize: number = DEFAULT_CHUNK): HashPool {
  return new HashPool(jobs, chunkSize);
}

export interface HashOptions {
  /** Worker threads; default: available parallelism. 0 hashes in-process. */
  readonly jobs?: number;
  /** Read size per call, bytes (default 4 MiB). */
  readonly chunkSize?: number;
  /** Refuse to open symbolic links (O_NOFOLLOW). */
  readonly noFollow?: boolean;
  /** Force workers even for tiny jobs (tests). */
  readonly forceWorkers?: boolean;
  /** Workers started ahead of time (see startHashPool); taken over (and ended) by hashUnits. */
  readonly pool?: HashPool;
}

const DEFAULT_CHUNK = 4 * 1024 * 1024;
const BATCH_BYTES = 32 * 1024 * 1024;
const BATCH_UNITS = 512;
const IN_PROCESS_BYTES = 8 * 1024 * 1024;

function unitError(u: HashUnit, code: string, message: string): BulwarkError {
  if (code === 'ECHANGED') return new BulwarkError('IO', `${u.label} changed while it was being hashed (${message})`);
  if (code === 'ENOTREG') return new BulwarkError('IO', `${u.label} is not a regular file`);
  if (code === 'ELOOP') return new BulwarkError('IO', `${u.label} became a symbolic link while it was being hashed`);
  return new BulwarkError('IO', `cannot read ${u.label}: ${code}`);
}

/** Hash one unit in this thread (the reference for the worker's `hashSync`). */
export function hashUnitSync(u0: HashUnit, hashType: HashType, noFollow: boolean, buf: Buffer): string {
  let u = u0;
  const flags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (noFollow ? (constants.O_NOFOLLOW ?? 0) : 0);
  let fd: number;
  try {
    fd = openSync(u.path, flags);
  } catch (e) {
    throw unitError(u, (e as NodeJS.ErrnoException).code ?? 'EIO', String(e));
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw unitError(u, 'ENOTREG', '');
    if (u.size < 0 && u.whole) u = { ...u, size: st.size, end: st.size };
    if (st.size !== u.size) throw unitError(u, 'ECHANGED', `size changed from ${u.size} to ${st.size} bytes`);
    const len = u.end - u.start;
    if (u.whole && len < buf.length) {
      // Small whole file: one read of size + 1 bytes also proves EOF (a regular file reads short only
      // at its end, so a read that returns exactly `len` ends the loop; as the worker does).
      let got = 0;
      for (;;) {
        const n = readSync(fd, buf, got, len + 1 - got, got);
        if (n === 0) break;
        got += n;
        if (got > len) throw unitError(u, 'ECHANGED', 'file grew while it was being hashed');
        if (got === len) break;
      }
      if (got !== len) throw unitError(u, 'ECHANGED', 'file shrank while it was being hashed');
      return createHash(NODE_HASH[hashType]).update(buf.subarray(0, len)).digest('hex');
    }
    const h = createHash(NODE_HASH[hashType]);
    let pos = u.start;
    let left = len;
    while (left > 0) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, left), pos);
      if (n === 0) throw unitError(u, 'ECHANGED', 'file shrank while it was being hashed');
      h.update(buf.subarray(0, n));
      pos += n;
      left -= n;
    }
    if (u.whole && readSync(fd, buf, 0, 1, pos) !== 0) throw unitError(u, 'ECHANGED', 'file grew while it was being hashed');
    return h.digest('hex');
  } catch (e) {
    if (e instanceof BulwarkError) throw e;
    throw unitError(u, (e as NodeJS.ErrnoException).code ?? 'EIO', String(e));
  } finally {
    closeSync(fd);
  }
}

/** Size assumed for planning a whole file not stat'ed at enumeration (a small file). */
const UNKNOWN_UNIT_BYTES = 64 * 1024;

function unitBytes(u: HashUnit): number {
  return u.size < 0 ? UNKNOWN_UNIT_BYTES : u.end - u.start;
}

/** Group unit indices into batches: large units alone, small ones packed; largest batches first. */
export function planBatches(units: readonly HashUnit[]): number[][] {
  const order = units.map((_, i) => i).sort((a, b) => unitBytes(units[b] as HashUnit) - unitBytes(units[a] as HashUnit) || a - b);
  const batches: number[][] = [];
  let cur: number[] = [];
  let curBytes = 0;
  for (const i of order) {
    const u = units[i] as HashUnit;
    const len = unitBytes(u);
    if (len >= BATCH_BYTES) {
      batches.push([i]);
      continue;
    }
    cur.push(i);
    // Each file also costs an open/fstat/close: count it as 16 KiB of reading.
    curBytes += len + 16 * 1024;
    if (curBytes >= BATCH_BYTES || cur.length >= BATCH_UNITS) {
      batches.push(cur);
      cur = [];
      curBytes = 0;
    }
  }
  if (cur.length > 0) batches.push(cur);
  return batches;
}

interface WorkerReply {
  readonly id: number;
  readonly digests?: string[];
  readonly error?: { index: number; code: string; message: string };
}

/** Hash every unit; digests (lowercase hex) come back in the units' order. */
export async function hashUnits(units: readonly HashUnit[], hashType: HashType, options: HashOptions = {}): Promise<string[]> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  const noFollow = options.noFollow ?? false;
  let total = 0;
  for (const u of units) total += unitBytes(u);
  const jobs = options.jobs ?? availableParallelism();
  if (jobs === 0 || units.length === 0 || (!options.forceWorkers && total <= IN_PROCESS_BYTES && units.length <= 1024)) {
    options.pool?.close();
    const buf = Buffer.allocUnsafe(units.some((u) => u.size < 0) ? chunkSize : Math.min(chunkSize, total + 1));
    return units.map((u) => hashUnitSync(u, hashType, noFollow, buf));
  }
  const batches = planBatches(units);
  const nWorkers = Math.max(1, Math.min(jobs, batches.length));
  const out = new Array<string>(units.length);
  // Workers started ahead of time (startHashPool, while the caller enumerated) are used first.
  const workers: Worker[] = options.pool?.take(nWorkers, chunkSize) ?? [];
  try {
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      let finished = 0;
      let failed = false;
      const fail = (e: unknown): void => {
        if (failed) return;
        failed = true;
        reject(e);
      };
      const dispatch = (w: Worker): void => {
        if (failed) return;
        const id = next++;
        const batch = batches[id];
        if (batch === undefined) {
          finished++;
          if (finished === nWorkers) resolve();
          return;
        }
        w.postMessage({
          id,
          algorithm: NODE_HASH[hashType],
          noFollow,
          units: batch.map((i) => {
            const u = units[i] as HashUnit;
            return { path: u.path, start: u.start, end: u.end, size: u.size, whole: u.whole };
          }),
        });
      };
      for (let k = 0; k < nWorkers; k++) {
        const w = workers[k] ?? new Worker(HASH_WORKER_SOURCE, { eval: true, workerData: { chunkSize } });
        if (workers[k] === undefined) workers.push(w);
        w.on('message', (m: WorkerReply) => {
          const batch = batches[m.id] as number[];
          if (m.error) {
            const u = units[batch[m.error.index] as number] as HashUnit;
            fail(unitError(u, m.error.code, m.error.message));
            return;
          }
          (m.digests ?? []).forEach((d, j) => {
            out[batch[j] as number] = d;
          });
          dispatch(w);
        });
        w.on('error', (e) => fail(new BulwarkError('INTERNAL', `hash worker failed: ${e.message}`, { cause: e })));
        w.on('exit', (code) => {
          if (code !== 0) fail(new BulwarkError('INTERNAL', `hash worker exited with code ${code}`));
        });
        dispatch(w);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return out;
}
