/**
 * Format-scanner benchmarks (issue 3). Goal: a 4 GiB safetensors file and a 2 GiB ONNX model with
 * external data are scanned in time independent of their size, because only headers and metadata
 * are read. Files are sparse (ftruncate), so the disk is not filled.
 *
 * Reported rows (BenchRow, see common.ts; the lead's run.ts calls `run()` as the `formats` suite):
 * - in-process `scanSafetensors` of the 4 GiB file vs `cat` of its header bytes (same run);
 * - the same scan of the 4 GiB file vs a 4 MiB file with the same header (goal: ratio ≤ 2);
 * - in-process `scanOnnx` of the 2 GiB-external-data model vs `cat` of the model file;
 * - the same scan vs the model with 2 MiB of external data (goal: ratio ≤ 2);
 * - when the CLI is built and wired (dist/bulwark.mjs), `bulwark scan` of the 4 GiB file vs
 *   `cat` of the header (both are processes; goal: within 3× of cat + Node start-up).
 * Coordination with bench/run.ts: `export async function run(): Promise<BenchRow[]>`.
 */
import { closeSync, existsSync, ftruncateSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Finding } from '../src/findings/index.js';
import { FileSource } from '../src/limits/index.js';
import { scanOnnx } from '../src/model-scanners/onnx/index.js';
import { scanSafetensors } from '../src/model-scanners/safetensors/index.js';
import { onnxModel } from '../test-fixtures/onnx-builder.js';
import { scanHarness } from '../test-fixtures/safetensors-builder.js';
import type { BenchRow } from './common.js';
import { CLI, benchDir, printRows, timeCat, timeScan } from './common.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** A sparse safetensors file: `tensors` F32 tensors of `bytesPerTensor` each, data never written. */
function writeSparseSafetensors(path: string, tensors: number, bytesPerTensor: number): { headerPath: string; size: number } {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  const elems = bytesPerTensor / 4;
  for (let i = 0; i < tensors; i++) header[`layers.${i}.weight`] = { dtype: 'F32', shape: [elems / 1024, 1024], data_offsets: [i * bytesPerTensor, (i + 1) * bytesPerTensor] };
  let text = JSON.stringify(header);
  while (Buffer.byteLength(text) % 8 !== 0) text += ' ';
  const h = Buffer.from(text);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(h.length));
  const fd = openSync(path, 'w');
  writeSync(fd, prefix);
  writeSync(fd, h);
  const size = 8 + h.length + tensors * bytesPerTensor;
  ftruncateSync(fd, size);
  closeSync(fd);
  const headerPath = `${path}.header`;
  writeFileSync(headerPath, Buffer.concat([prefix, h]));
  return { headerPath, size };
}

/** An ONNX model whose initializers live in one sparse external file. */
function writeSparseOnnx(dir: string, name: string, nodes: number, tensors: number, bytesPerTensor: number): string {
  const data = `${name}.data`;
  const initializers = Array.from({ length: tensors }, (_, i) => ({
    name: `w${i}`,
    dims: [bytesPerTensor / 4],
    external: { location: data, offset: String(i * bytesPerTensor), length: String(bytesPerTensor) },
  }));
  const nodeList = Array.from({ length: nodes }, (_, i) => ({ op: i % 3 === 0 ? 'MatMul' : i % 3 === 1 ? 'Add' : 'Relu', inputs: [`t${i}`, `w${i % tensors}`], outputs: [`t${i + 1}`] }));
  const model = join(dir, `${name}.onnx`);
  writeFileSync(model, onnxModel({ graph: { nodes: nodeList, initializers } }));
  const fd = openSync(join(dir, data), 'w');
  ftruncateSync(fd, tensors * bytesPerTensor);
  closeSync(fd);
  return model;
}

/**
 * Best-of-N seconds of `a` and `b`, measured alternately (after warm-ups) so that JIT and cache state
 * affect both the same way. Sub-millisecond timings: the minimum is the stable statistic.
 */
function timePair(a: () => void, b: () => void, runs = 25): [number, number] {
  for (let i = 0; i < 3; i++) {
    a();
    b();
  }
  let ta = Infinity;
  let tb = Infinity;
  for (let i = 0; i < runs; i++) {
    let t0 = performance.now();
    a();
    ta = Math.min(ta, (performance.now() - t0) / 1000);
    t0 = performance.now();
    b();
    tb = Math.min(tb, (performance.now() - t0) / 1000);
  }
  return [ta, tb];
}

function scanFile(path: string, scan: (src: FileSource, ctx: ReturnType<typeof scanHarness>['ctx']) => unknown): Finding[] {
  const h = scanHarness(path);
  const src = new FileSource(path);
  try {
    scan(src, h.ctx);
  } finally {
    src.close();
  }
  return h.findings;
}

export async function run(): Promise<BenchRow[]> {
  const dir = benchDir('formats');
  const rows: BenchRow[] = [];

  // safetensors: 4 GiB (64 × 64 MiB) vs 4 MiB (64 × 64 KiB): same header size and tensor count.
  const big = join(dir, 'big.safetensors');
  const small = join(dir, 'small.safetensors');
  const b = writeSparseSafetensors(big, 64, 64 * MiB);
  writeSparseSafetensors(small, 64, 64 * 1024);
  const bigFindings = scanFile(big, scanSafetensors);
  if (bigFindings.length > 0) throw new Error(`benchmark file is not clean: ${bigFindings.map((f) => f.message).join('; ')}`);
  const [tBig, tSmall] = timePair(() => void scanFile(big, scanSafetensors), () => void scanFile(small, scanSafetensors));
  const catHeader = timeCat([b.headerPath]);
  rows.push({
    bench: `safetensors ${(b.size / GiB).toFixed(1)} GiB (in-process scan)`,
    subject: 'scanSafetensors',
    seconds: tBig,
    baseline: 'cat of the header',
    baselineSeconds: catHeader.seconds,
    ratio: tBig / catHeader.seconds,
    goal: 'faster than cat of the header',
    pass: tBig <= catHeader.seconds,
  });
  rows.push({
    bench: 'safetensors 4 GiB vs 4 MiB, same header',
    subject: 'scanSafetensors 4 GiB',
    seconds: tBig,
    baseline: 'scan of 4 MiB',
    baselineSeconds: tSmall,
    ratio: tBig / tSmall,
    goal: 'size-independent (ratio ≤ 2)',
    pass: tBig / tSmall <= 2,
  });

  // ONNX: 2 GiB of external data (512 × 4 MiB, 1,500 nodes) vs 2 MiB (512 × 4 KiB).
  const onnxBig = writeSparseOnnx(dir, 'big', 1500, 512, 4 * MiB);
  const onnxSmall = writeSparseOnnx(dir, 'small', 1500, 512, 4 * 1024);
  const onnxFindings = scanFile(onnxBig, scanOnnx);
  if (onnxFindings.length > 0) throw new Error(`benchmark model is not clean: ${onnxFindings.map((f) => f.message).join('; ')}`);
  const [tOnnxBig, tOnnxSmall] = timePair(() => void scanFile(onnxBig, scanOnnx), () => void scanFile(onnxSmall, scanOnnx));
  const catModel = timeCat([onnxBig]);
  rows.push({
    bench: 'ONNX + 2 GiB external data (in-process scan)',
    subject: 'scanOnnx',
    seconds: tOnnxBig,
    baseline: 'cat of model.onnx',
    baselineSeconds: catModel.seconds,
    ratio: tOnnxBig / catModel.seconds,
    goal: 'faster than cat of the model file',
    pass: tOnnxBig <= catModel.seconds,
  });
  rows.push({
    bench: 'ONNX 2 GiB vs 2 MiB external data',
    subject: 'scanOnnx 2 GiB',
    seconds: tOnnxBig,
    baseline: 'scan with 2 MiB',
    baselineSeconds: tOnnxSmall,
    ratio: tOnnxBig / tOnnxSmall,
    goal: 'size-independent (ratio ≤ 2)',
    pass: tOnnxBig / tOnnxSmall <= 2,
  });

  // End to end through the CLI, once the formats are wired into `bulwark scan`.
  if (existsSync(CLI)) {
    const cli = timeScan([big]);
    rows.push({
      bench: 'bulwark scan safetensors 4 GiB (CLI)',
      subject: 'bulwark scan',
      seconds: cli.seconds,
      baseline: 'cat of the header',
      baselineSeconds: catHeader.seconds,
      ratio: cli.seconds / catHeader.seconds,
      maxRssMiB: cli.maxRssMiB,
      goal: 'process start + header read (< 1 s, < 200 MiB)',
      pass: cli.seconds < 1 && cli.maxRssMiB < 200,
    });
  }
  printRows(rows);
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '\0')) {
  await run();
}
