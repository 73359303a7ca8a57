/**
 * Container image scan throughput and memory, with a baseline on the same bytes in the same run:
 * - `bulwark scan LAYOUT` of a generated OCI image (gzip layers of 1 MiB binaries and small text
 *   files, 512 MiB uncompressed by default; BULWARK_BENCH_IMAGE_MIB=5120 for the 5 GB image of issue
 *   15) vs `gzip -dc LAYER | tar -t` over the same layers (goal: Bulwark's throughput ≥ 0.8 × the
 *   baseline's, i.e. ratio ≤ 1.25). Bulwark also hashes every stored and every decompressed byte
 *   (digest and diff id) and checks each member;
 * - peak RSS of the scan of the full image next to that of an image an eighth its size (goal: flat,
 *   at most 64 MiB more: layers are streamed, never held).
 */
import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tarHeader } from '../test-fixtures/tar-builder.js';
import type { BenchRow } from './common.js';
import { CLI, benchDir, printRows, timeCommand } from './common.js';

const MiB = 1024 * 1024;

interface Layer {
  readonly digest: string;
  readonly diffId: string;
  readonly size: number;
  readonly path: string;
}

/** One gzip layer of `bytes` (multi-member gzip: one member per tar record group). */
function writeLayer(dir: string, index: number, bytes: number): Layer {
  const tmp = join(dir, `layer-${index}.tmp`);
  const fd = openSync(tmp, 'w');
  const blobHash = createHash('sha256');
  const tarHash = createHash('sha256');
  let size = 0;
  const emit = (tarBytes: Uint8Array): void => {
    tarHash.update(tarBytes);
    const gz = gzipSync(tarBytes, { level: 1 });
    blobHash.update(gz);
    writeSync(fd, gz);
    size += gz.length;
  };
  const data = Buffer.alloc(MiB);
  let written = 0;
  let n = 0;
  while (written < bytes) {
    const parts: Uint8Array[] = [];
    // Eight 1 MiB binaries and eight small text files per group.
    for (let k = 0; k < 8; k++) {
      randomFillSync(data);
      const name = `usr/lib/bench/l${index}/bin-${n}-${k}.so`;
      parts.push(tarHeader({ name, mode: k === 0 ? 0o755 : 0o644 }, data.length), data);
      const text = Buffer.from(`# config ${n} ${k}\nkey = value-${n}-${k}\n`.repeat(20));
      const pad = (512 - (text.length % 512)) % 512;
      parts.push(tarHeader({ name: `app/l${index}/conf-${n}-${k}.ini` }, text.length), text, new Uint8Array(pad));
      written += data.length + text.length;
    }
    n++;
    emit(Buffer.concat(parts));
  }
  emit(new Uint8Array(1024));
  closeSync(fd);
  const digest = `sha256:${blobHash.digest('hex')}`;
  const blobs = join(dir, 'blobs/sha256');
  mkdirSync(blobs, { recursive: true });
  const path = join(blobs, digest.slice(7));
  renameSync(tmp, path);
  return { digest, diffId: `sha256:${tarHash.digest('hex')}`, size, path };
}

function writeBlob(dir: string, data: Uint8Array): { digest: string; size: number } {
  const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
  writeFileSync(join(dir, 'blobs/sha256', digest.slice(7)), data);
  return { digest, size: data.length };
}

/** An OCI layout of `totalMiB` uncompressed bytes in 8 layers (reused when present). */
function ensureImage(name: string, totalMiB: number): { dir: string; layers: string[] } {
  const dir = benchDir(name);
  const marker = join(dir, 'layers.json');
  if (existsSync(marker)) return { dir, layers: JSON.parse(readFileSync(marker, 'utf8')) as string[] };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'blobs/sha256'), { recursive: true });
  const layers: Layer[] = [];
  for (let i = 0; i < 8; i++) layers.push(writeLayer(dir, i, (totalMiB * MiB) / 8));
  const config = writeBlob(dir, Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { User: '65532', Healthcheck: { Test: ['CMD', '/app/health'] } }, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) } })));
  const manifest = writeBlob(
    dir,
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })) })),
  );
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest }] }));
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const paths = layers.map((l) => l.path);
  writeFileSync(marker, JSON.stringify(paths));
  return { dir, layers: paths };
}

export function run(): BenchRow[] {
  const mib = Number(process.env['BULWARK_BENCH_IMAGE_MIB'] ?? 512);
  const full = ensureImage(`image-${mib}`, mib);
  const small = ensureImage(`image-${Math.max(8, Math.round(mib / 8))}`, Math.max(8, Math.round(mib / 8)));
  const scanArgs = [CLI, 'scan', '--quiet', '--fail-on', 'none', '--format', 'json'];
  const bulwark = timeCommand(process.execPath, [...scanArgs, full.dir], 2);
  const baseline = timeCommand('sh', ['-c', full.layers.map((l) => `gzip -dc '${l}' | tar -t >/dev/null`).join(' && ')], 2);
  const smallScan = timeCommand(process.execPath, [...scanArgs, small.dir], 2);
  const rows: BenchRow[] = [
    { bench: `image scan ${mib} MiB (8 gzip layers)`, subject: 'bulwark scan', seconds: bulwark.seconds, baseline: 'gzip -dc | tar -t', baselineSeconds: baseline.seconds, ratio: bulwark.seconds / baseline.seconds, maxRssMiB: bulwark.maxRssMiB, goal: 'ratio ≤ 1.25 (throughput ≥ 80% of tar -t)', pass: bulwark.seconds / baseline.seconds <= 1.25 && bulwark.exitCode === 0 },
    { bench: `image scan peak RSS ${mib} vs ${Math.max(8, Math.round(mib / 8))} MiB`, subject: 'rss', seconds: bulwark.maxRssMiB, baseline: 'rss of 1/8 image', baselineSeconds: smallScan.maxRssMiB, ratio: bulwark.maxRssMiB / smallScan.maxRssMiB, goal: 'flat: at most 64 MiB more', pass: bulwark.maxRssMiB <= smallScan.maxRssMiB + 64, unit: 'MiB' },
  ];
  printRows(rows);
  return rows;
}
