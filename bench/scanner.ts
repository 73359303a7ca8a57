/**
 * Model-scanner benchmarks (issue: foundation). Against `cat` of the same bytes, same run:
 * - a 1 GiB PyTorch zip checkpoint with 2,000 tensors (goal: faster than `cat` reads it);
 * - a checkpoint with 200,000 tensors (goal: < 1 s and < 256 MiB peak RSS);
 * - a 1 GiB raw pickle dominated by BINBYTES (payloads skipped by seeking);
 * - 1,000 small model files;
 * - memory flat in file size: peak RSS of the 1 GiB checkpoint vs a 128 MiB one with the same tensor count.
 * Set BULWARK_BENCH_SCALE (e.g. 0.25) to shrink the big files for a quick run.
 */
import { closeSync, existsSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { torchStateDict } from '../test-fixtures/pickle-builder.js';
import type { BenchRow } from './common.js';
import { benchDir, printRows, timeCat, timeInProcess, timeScan } from './common.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

interface Entry {
  name: string;
  offset: number;
  size: number;
  crc: number;
}

/**
 * Stream a zip laid out as `torch.save` writes it: stored members, names under `archive/`, data
 * 64-byte aligned through a padding extra field. Tensor data is one random block repeated, so its CRC is
 * computed once. (Streaming: a 1 GiB file is never held in memory.)
 */
function writeTorchZip(path: string, dataPkl: Uint8Array, tensors: number, bytesPerTensor: number): void {
  const fd = openSync(path, 'w');
  let pos = 0;
  const entries: Entry[] = [];
  const write = (b: Uint8Array): void => {
    let off = 0;
    while (off < b.length) off += writeSync(fd, b, off, b.length - off);
    pos += b.length;
  };
  const block = new Uint8Array(bytesPerTensor);
  for (let i = 0; i < block.length; i++) block[i] = (i * 2654435761) >>> 24;
  const blockCrc = crc32(block);
  const member = (name: string, data: Uint8Array | null, size: number, crc: number): void => {
    const nameBytes = Buffer.from(name, 'utf8');
    const headerEnd = pos + 30 + nameBytes.length + 4;
    const pad = (64 - (headerEnd % 64)) % 64;
    const h = Buffer.alloc(30 + nameBytes.length + 4 + pad);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(0x0800, 6);
    h.writeUInt16LE(0, 8);
    h.writeUInt32LE(crc >>> 0, 14);
    h.writeUInt32LE(size, 18);
    h.writeUInt32LE(size, 22);
    h.writeUInt16LE(nameBytes.length, 26);
    h.writeUInt16LE(4 + pad, 28);
    nameBytes.copy(h, 30);
    h.writeUInt16LE(0x4246, 30 + nameBytes.length); // "FB" padding extra, as PyTorch writes
    h.writeUInt16LE(pad, 32 + nameBytes.length);
    entries.push({ name, offset: pos, size, crc });
    write(h);
    if (data) write(data);
  };
  member('archive/data.pkl', dataPkl, dataPkl.length, crc32(dataPkl));
  member('archive/byteorder', Buffer.from('little'), 6, crc32(Buffer.from('little')));
  for (let i = 0; i < tensors; i++) member(`archive/data/${i}`, block, block.length, blockCrc);
  member('archive/version', Buffer.from('3\n'), 2, crc32(Buffer.from('3\n')));
  const cdStart = pos;
  for (const e of entries) {
    const nameBytes = Buffer.from(e.name, 'utf8');
    const c = Buffer.alloc(46 + nameBytes.length);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(0x0800, 8);
    c.writeUInt32LE(e.crc >>> 0, 16);
    c.writeUInt32LE(e.size, 20);
    c.writeUInt32LE(e.size, 24);
    c.writeUInt16LE(nameBytes.length, 28);
    c.writeUInt32LE(e.offset, 42);
    nameBytes.copy(c, 46);
    write(c);
  }
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(Math.min(entries.length, 0xffff), 8);
  eocd.writeUInt16LE(Math.min(entries.length, 0xffff), 10);
  eocd.writeUInt32LE(pos - cdStart, 12);
  eocd.writeUInt32LE(cdStart, 16);
  write(eocd);
  closeSync(fd);
}

/** A raw pickle: a dict of `count` BINBYTES8 blobs of `blobSize` bytes each. */
function writeBinbytesPickle(path: string, count: number, blobSize: number): void {
  const fd = openSync(path, 'w');
  const w = (b: Uint8Array): void => {
    let off = 0;
    while (off < b.length) off += writeSync(fd, b, off, b.length - off);
  };
  w(Uint8Array.of(0x80, 4, 0x7d, 0x28)); // PROTO 4, EMPTY_DICT, MARK
  const blob = new Uint8Array(blobSize).fill(0x5a);
  for (let i = 0; i < count; i++) {
    const key = Buffer.from(`blob${i}`);
    w(Uint8Array.of(0x8c, key.length));
    w(key);
    const len = Buffer.alloc(9);
    len[0] = 0x8e; // BINBYTES8
    len.writeBigUInt64LE(BigInt(blobSize), 1);
    w(len);
    w(blob);
  }
  w(Uint8Array.of(0x75, 0x2e)); // SETITEMS, STOP
  closeSync(fd);
}

function ensure(path: string, make: () => void): string {
  if (!existsSync(path)) make();
  return path;
}

export function run(): BenchRow[] {
  const scale = Number(process.env.BULWARK_BENCH_SCALE ?? '1');
  const dir = benchDir('scanner');
  const rows: BenchRow[] = [];
  const push = (r: BenchRow): BenchRow => {
    rows.push(r);
    printRows([r]);
    return r;
  };
  /** Three views of one target against `cat` of the same bytes: warm CLI, cold CLI, in-process. */
  const versusCat = (name: string, paths: string[], goal: (t: number, cat: number) => boolean, goalText: string): { warm: BenchRow } => {
    timeCat(paths, 1); // warm the page cache
    const catWarm = timeCat(paths);
    const warm = timeScan(paths);
    const warmRow = push({ bench: `${name}: CLI, page cache warm`, subject: 'bulwark scan', seconds: warm.seconds, baseline: 'cat (warm)', baselineSeconds: catWarm.seconds, ratio: warm.seconds / catWarm.seconds, maxRssMiB: warm.maxRssMiB, goal: `${goalText}; includes ~0.2 s Node start-up`, pass: warm.exitCode === 0 && goal(warm.seconds, catWarm.seconds) });
    const catCold = timeCat(paths, 3, true);
    const cold = timeScan(paths, [], 3, true);
    push({ bench: `${name}: CLI, page cache cold`, subject: 'bulwark scan', seconds: cold.seconds, baseline: 'cat (cold)', baselineSeconds: catCold.seconds, ratio: cold.seconds / catCold.seconds, maxRssMiB: cold.maxRssMiB, goal: goalText, pass: cold.exitCode === 0 && goal(cold.seconds, catCold.seconds) });
    if (paths.length === 1 && paths[0] !== undefined) {
      timeCat(paths, 1);
      const inproc = timeInProcess(paths[0]);
      push({ bench: `${name}: in-process (first scan)`, subject: 'scan()', seconds: inproc.first, baseline: 'cat (warm)', baselineSeconds: catWarm.seconds, ratio: inproc.first / catWarm.seconds, maxRssMiB: inproc.rssMiB, goal: `${goalText}; engine loaded, JIT cold`, pass: goal(inproc.first, catWarm.seconds) });
      push({ bench: `${name}: in-process (steady state)`, subject: 'scan()', seconds: inproc.second, baseline: 'cat (warm)', baselineSeconds: catWarm.seconds, ratio: inproc.second / catWarm.seconds, goal: `${goalText}; as a long-running service`, pass: goal(inproc.second, catWarm.seconds) });
    }
    return { warm: warmRow };
  };
  const faster = (t: number, cat: number): boolean => t < cat;

  const bigSize = Math.round(GiB * scale);
  const perTensor = Math.floor(bigSize / 2000 / 64) * 64;
  const big = ensure(join(dir, `ckpt-2000x${perTensor}.pt`), () => writeTorchZip(join(dir, `ckpt-2000x${perTensor}.pt`), torchStateDict(2000, { shape: [perTensor / 4] }), 2000, perTensor));
  const bigRow = versusCat(`1 GiB checkpoint, 2,000 tensors (${(statSync(big).size / MiB).toFixed(0)} MiB)`, [big], faster, 'faster than cat').warm;

  const smallPer = Math.floor(bigSize / 8 / 2000 / 64) * 64;
  const small = ensure(join(dir, `ckpt-2000x${smallPer}.pt`), () => writeTorchZip(join(dir, `ckpt-2000x${smallPer}.pt`), torchStateDict(2000, { shape: [smallPer / 4] }), 2000, smallPer));
  timeCat([small], 1);
  const smallT = timeScan([small]);
  push({
    bench: 'peak RSS: 1 GiB checkpoint vs 128 MiB (same tensors)',
    subject: 'rss',
    unit: 'MiB',
    seconds: bigRow.maxRssMiB ?? 0,
    baseline: 'rss at 1/8 size',
    baselineSeconds: smallT.maxRssMiB,
    ratio: (bigRow.maxRssMiB ?? 0) / smallT.maxRssMiB,
    goal: 'memory flat in file size (ratio about 1)',
    pass: (bigRow.maxRssMiB ?? 0) <= smallT.maxRssMiB * 1.25 + 16,
  });

  const many = ensure(join(dir, 'ckpt-200k.pt'), () => writeTorchZip(join(dir, 'ckpt-200k.pt'), torchStateDict(200_000, { shape: [4, 4] }), 200_000, 64));
  timeCat([many], 1);
  const catMany = timeCat([many]);
  const manyT = timeScan([many]);
  push({ bench: 'checkpoint with 200,000 tensors: CLI', subject: 'bulwark scan', seconds: manyT.seconds, baseline: 'cat (warm)', baselineSeconds: catMany.seconds, ratio: manyT.seconds / catMany.seconds, maxRssMiB: manyT.maxRssMiB, goal: '< 1 s and < 256 MiB peak RSS', pass: manyT.exitCode === 0 && manyT.seconds < 1 && manyT.maxRssMiB < 256 });
  const manyIn = timeInProcess(many);
  push({ bench: 'checkpoint with 200,000 tensors: in-process', subject: 'scan()', seconds: manyIn.first, baseline: 'cat (warm)', baselineSeconds: catMany.seconds, ratio: manyIn.first / catMany.seconds, maxRssMiB: manyIn.rssMiB, goal: '< 1 s (engine loaded, JIT cold)', pass: manyIn.first < 1 });

  const rawSize = Math.round(GiB * scale);
  const raw = ensure(join(dir, `binbytes-${rawSize}.pkl`), () => writeBinbytesPickle(join(dir, `binbytes-${rawSize}.pkl`), 64, Math.floor(rawSize / 64)));
  versusCat('1 GiB raw pickle of BINBYTES', [raw], faster, 'faster than cat (payloads skipped)');

  const smallDir = join(dir, 'small-files');
  if (!existsSync(smallDir)) {
    mkdirSync(smallDir);
    const pkl = torchStateDict(20, { shape: [8] });
    for (let i = 0; i < 1000; i++) writeTorchZip(join(smallDir, `m${String(i).padStart(4, '0')}.pt`), pkl, 20, 32);
  }
  timeCat([smallDir], 1);
  const catSmall = timeCat([smallDir]);
  const smallFiles = timeScan([smallDir]);
  push({ bench: '1,000 small checkpoints (directory)', subject: 'bulwark scan', seconds: smallFiles.seconds, baseline: 'cat (warm)', baselineSeconds: catSmall.seconds, ratio: smallFiles.seconds / catSmall.seconds, maxRssMiB: smallFiles.maxRssMiB, goal: 'reported against cat (per-file work: zip checks, pickle analysis, workers)', pass: smallFiles.exitCode === 0 });
  return rows;
}
