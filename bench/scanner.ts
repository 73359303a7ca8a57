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
import { torchStateDict } from '../test-fixtures/pickle-builder.js';
import type { BenchRow } from './common.js';
import { writeTorchZip } from './torch-zip.js';
import { benchDir, printRows, timeCat, timeInProcess, timeScan } from './common.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

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
