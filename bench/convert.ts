/**
 * `bulwark convert` throughput (issue 17): a ~1 GiB PyTorch zip checkpoint, generated in code (a
 * torch.save-style data.pkl and stored `archive/data/<key>` records of random bytes; no torch), is
 * converted to safetensors and timed against copying the same bytes in the same run (page cache
 * warmed first; median of 3 after a warm-up run).
 *
 * Rows (BenchRow, see common.ts):
 * - `bulwark convert` vs `cp` + `sync` of the file: the conversion fsyncs its output (all or nothing),
 *   so the like-for-like baseline is a durable copy. Goal: throughput ≥ 80 % of it (ratio ≤ 1.25)
 *   and the child's peak RSS < 150 MB.
 * - the same conversion vs a plain `cp` (no fsync), and vs `sha256sum` + `cp` + `sync` (the same
 *   work: the output records the input's SHA-256), reported for reference.
 * Outputs are removed after each run; the checkpoint is kept under .bench-tmp/convert and reused.
 */
import { existsSync, rmSync, statSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { join } from 'node:path';
import { pickle } from '../test-fixtures/pickle-builder.js';
import type { BenchRow } from './common.js';
import { writeTorchZip } from './torch-zip.js';
import { CLI, benchDir, printRows, timeCat, timeCommand } from './common.js';

const MiB = 1024 * 1024;
const TENSORS = 64;
const ROWS = 2048;
const COLS = 2048; // F32 2048×2048 = 16 MiB per tensor, 1 GiB in all

/** data.pkl: OrderedDict of `layers.<i>.weight` → _rebuild_tensor_v2 over storage `<i>`. */
function dataPkl(): Uint8Array {
  return pickle((b) => {
    b.proto(2).global('collections', 'OrderedDict').emptyTuple().reduce().mark();
    for (let i = 0; i < TENSORS; i++) {
      b.str(`layers.${i}.weight`).global('torch._utils', '_rebuild_tensor_v2').mark();
      b.mark().str('storage').global('torch', 'FloatStorage').str(String(i)).str('cpu').binInt(ROWS * COLS).tuple().binPersId();
      b.binInt(0).mark().binInt(ROWS).binInt(COLS).tuple().mark().binInt(COLS).binInt(1).tuple();
      b.newFalse().global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce();
    }
    b.setItems().stop();
  });
}

/** Write the checkpoint: stored records of random bytes, laid out as PyTorchStreamWriter does (streaming). */
function writeCheckpoint(path: string): void {
  writeTorchZip(path, dataPkl(), TENSORS, ROWS * COLS * 4, (block) => randomFillSync(block));
}

export function run(): BenchRow[] {
  const dir = benchDir('convert');
  const ckpt = join(dir, 'checkpoint.pt');
  const expected = TENSORS * ROWS * COLS * 4;
  if (!existsSync(ckpt) || statSync(ckpt).size < expected) writeCheckpoint(ckpt);
  const bytes = statSync(ckpt).size;
  const out = join(dir, 'out.safetensors');
  const copy = join(dir, 'copy.bin');
  timeCat([ckpt], 1); // warm the page cache
  const cpSync = timeCommand('sh', ['-c', `cp "$0" "$1" && sync "$1" && rm -f "$1"`, ckpt, copy]);
  const cp = timeCommand('sh', ['-c', 'cp "$0" "$1" && rm -f "$1"', ckpt, copy]);
  const hashCp = timeCommand('sh', ['-c', 'sha256sum "$0" >/dev/null && cp "$0" "$1" && sync "$1" && rm -f "$1"', ckpt, copy]);
  const conv = timeCommand('sh', ['-c', `"$0" "$1" convert --force -q "$2" "$3" && rm -f "$3"`, process.execPath, CLI, ckpt, out]);
  // Peak RSS of the converter alone (the shell wrapper above reports the largest child too, but be explicit).
  const rss = timeCommand(process.execPath, [CLI, 'convert', '--force', '-q', ckpt, out], 1);
  const verify = timeCommand(process.execPath, [CLI, 'convert', '--verify', '-q', ckpt, out], 1);
  rmSync(out, { force: true });
  rmSync(copy, { force: true });
  const ok = conv.exitCode === 0 && rss.exitCode === 0 && verify.exitCode === 0;
  const gib = (bytes / 1024 / MiB).toFixed(2);
  const rows: BenchRow[] = [
    {
      bench: `convert ${gib} GiB checkpoint (fsync'd)`,
      subject: 'bulwark convert',
      seconds: conv.seconds,
      baseline: 'cp + sync',
      baselineSeconds: cpSync.seconds,
      ratio: conv.seconds / cpSync.seconds,
      maxRssMiB: rss.maxRssMiB,
      goal: 'ratio ≤ 1.25 (≥ 80 % of cp+sync) and RSS < 150 MB',
      pass: ok && conv.seconds / cpSync.seconds <= 1.25 && rss.maxRssMiB * 1.048576 < 150,
    },
    {
      bench: `convert ${gib} GiB checkpoint vs plain cp`,
      subject: 'bulwark convert',
      seconds: conv.seconds,
      baseline: 'cp (no fsync)',
      baselineSeconds: cp.seconds,
      ratio: conv.seconds / cp.seconds,
      goal: 'reference only',
      pass: ok,
    },
    {
      bench: `convert ${gib} GiB vs hash + durable copy`,
      subject: 'bulwark convert',
      seconds: conv.seconds,
      baseline: 'sha256sum + cp + sync',
      baselineSeconds: hashCp.seconds,
      ratio: conv.seconds / hashCp.seconds,
      goal: 'reference only (the same work: the output records the input\'s SHA-256)',
      pass: ok,
    },
    {
      bench: `convert --verify ${gib} GiB`,
      subject: 'bulwark convert --verify',
      seconds: verify.seconds,
      baseline: 'cp + sync',
      baselineSeconds: cpSync.seconds,
      ratio: verify.seconds / cpSync.seconds,
      maxRssMiB: verify.maxRssMiB,
      goal: 'reference only (reads both files, hashes the input)',
      pass: verify.exitCode === 0,
    },
  ];
  printRows(rows);
  return rows;
}
