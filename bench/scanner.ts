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
import { benchDir, printRows, timeCat, timeScan } from './common.js';

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
  const row = (bench: string, paths: string[], goal: string, pass: (t: number, cat: number, rss: number) => boolean, extra: string[] = []): BenchRow => {
    timeCat(paths, 1); // warm the page cache
    const cat = timeCat(paths);
    const t = timeScan(paths, extra);
    const r: BenchRow = {
      bench,
      subject: 'bulwark scan',
      seconds: t.seconds,
      baseline: 'cat',
      baselineSeconds: cat.seconds,
      ratio: t.seconds / cat.seconds,
      maxRssMiB: t.maxRssMiB,
      goal,
      pass: t.exitCode === 0 && pass(t.seconds, cat.seconds, t.maxRssMiB),
    };
    rows.push(r);
    printRows([r]);
    return r;
  };

  const bigSize = Math.round(GiB * scale);
  const perTensor = Math.floor(bigSize / 2000 / 64) * 64;
  const big = ensure(join(dir, `ckpt-2000x${perTensor}.pt`), () => writeTorchZip(join(dir, `ckpt-2000x${perTensor}.pt`), torchStateDict(2000, { shape: [perTensor / 4] }), 2000, perTensor));
  const bigRow = row(`1 GiB checkpoint, 2,000 tensors (${(statSync(big).size / MiB).toFixed(0)} MiB)`, [big], 'faster than cat', (t, cat) => t < cat);

  const smallPer = Math.floor(bigSize / 8 / 2000 / 64) * 64;
  const small = ensure(join(dir, `ckpt-2000x${smallPer}.pt`), () => writeTorchZip(join(dir, `ckpt-2000x${smallPer}.pt`), torchStateDict(2000, { shape: [smallPer / 4] }), 2000, smallPer));
  const smallRow = row(`same tensors, 1/8 of the size (${(statSync(small).size / MiB).toFixed(0)} MiB)`, [small], 'memory flat in file size', () => true);
  const flat = (bigRow.maxRssMiB ?? 0) <= (smallRow.maxRssMiB ?? 0) * 1.25 + 16;
  const flatRow: BenchRow = {
    bench: 'peak RSS: 8x larger checkpoint vs 1x',
    subject: 'rss',
    unit: 'MiB',
    seconds: bigRow.maxRssMiB ?? 0,
    baseline: 'rss of 1/8 size',
    baselineSeconds: smallRow.maxRssMiB ?? 0,
    ratio: (bigRow.maxRssMiB ?? 0) / (smallRow.maxRssMiB ?? 1),
    goal: 'memory flat: ratio ≈ 1',
    pass: flat,
  };
  rows.push(flatRow);
  printRows([flatRow]);

  const many = ensure(join(dir, 'ckpt-200k.pt'), () => writeTorchZip(join(dir, 'ckpt-200k.pt'), torchStateDict(200_000, { shape: [4, 4] }), 200_000, 64));
  row('checkpoint with 200,000 tensors', [many], '< 1 s and < 256 MiB peak RSS', (t, _c, rss) => t < 1 && rss < 256);

  const rawSize = Math.round(GiB * scale);
  const raw = ensure(join(dir, `binbytes-${rawSize}.pkl`), () => writeBinbytesPickle(join(dir, `binbytes-${rawSize}.pkl`), 64, Math.floor(rawSize / 64)));
  row('1 GiB raw pickle of BINBYTES', [raw], 'faster than cat (payloads skipped)', (t, cat) => t < cat);

  const smallDir = join(dir, 'small-files');
  if (!existsSync(smallDir)) {
    mkdirSync(smallDir);
    const pkl = torchStateDict(20, { shape: [8] });
    for (let i = 0; i < 1000; i++) writeTorchZip(join(smallDir, `m${String(i).padStart(4, '0')}.pt`), pkl, 20, 32);
  }
  row('1,000 small checkpoints (directory)', [smallDir], 'reported against cat', () => true);
  return rows;
}
