/**
 * Container images for tests, built in code: layers as tars (test-fixtures/tar-builder.ts), stored
 * plain, gzip or zstd; an image configuration; written as an OCI image layout folder or as a
 * docker-archive tarball (`docker save`, in its OCI-style or legacy `<id>/layer.tar` form).
 *
 * zstd: Node 20 has no zstd compressor, so layers are written as zstd frames of raw (stored) blocks by
 * the tiny encoder below (RFC 8878 §3.1.1: frame header, blocks of type Raw) — valid zstd that any
 * decoder reads, without compression.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { TarMemberSpec } from './tar-builder.js';
import { buildTar } from './tar-builder.js';

export type Compression = 'none' | 'gzip' | 'zstd';

export interface LayerSpec {
  readonly members: readonly TarMemberSpec[];
  readonly compression?: Compression;
  /** Serve other bytes than the digest says (tamper with the stored blob). */
  readonly tamper?: boolean;
}

export interface ImageSpec {
  readonly layers: readonly LayerSpec[];
  /** The `config` object of the image configuration (User, Env, Entrypoint, Cmd, ExposedPorts, Labels, Healthcheck). */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Repository name and tag (RepoTags / org.opencontainers.image.ref.name). */
  readonly name?: string;
}

export interface BuiltLayer {
  readonly blob: Uint8Array;
  readonly digest: string;
  readonly diffId: string;
  readonly mediaType: string;
  readonly tar: Uint8Array;
}

export interface BuiltImage {
  readonly config: Uint8Array;
  readonly configDigest: string;
  readonly layers: readonly BuiltLayer[];
  readonly manifest: Uint8Array;
  readonly manifestDigest: string;
  readonly name?: string;
}

const sha256 = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** zstd frame of raw blocks (no compression), 128 KiB window. */
export function zstdStored(data: Uint8Array): Uint8Array {
  const BLOCK = 128 * 1024;
  const parts: Uint8Array[] = [];
  // magic, frame header descriptor 0 (no size, no checksum, not single-segment), window descriptor 2^17.
  parts.push(Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x00, 7 << 3));
  let off = 0;
  do {
    const n = Math.min(BLOCK, data.length - off);
    const last = off + n >= data.length ? 1 : 0;
    const bh = (n << 3) | (0 << 1) | last;
    parts.push(Uint8Array.of(bh & 0xff, (bh >>> 8) & 0xff, (bh >>> 16) & 0xff));
    parts.push(data.subarray(off, off + n));
    off += n;
  } while (off < data.length);
  return Buffer.concat(parts);
}

export function buildLayer(spec: LayerSpec): BuiltLayer {
  const tar = buildTar({ members: spec.members });
  const c = spec.compression ?? 'gzip';
  const blob = c === 'gzip' ? gzipSync(tar) : c === 'zstd' ? zstdStored(tar) : tar;
  const mediaType = c === 'gzip' ? 'application/vnd.oci.image.layer.v1.tar+gzip' : c === 'zstd' ? 'application/vnd.oci.image.layer.v1.tar+zstd' : 'application/vnd.oci.image.layer.v1.tar';
  return { blob, digest: sha256(blob), diffId: sha256(tar), mediaType, tar };
}

export function buildImage(spec: ImageSpec): BuiltImage {
  const layers = spec.layers.map(buildLayer);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: spec.config ?? {},
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history: layers.map(() => ({ created_by: 'test' })),
    }),
  );
  const configDigest = sha256(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.blob.length })),
    }),
  );
  const tampered = layers.map((l, i) => (spec.layers[i]?.tamper === true ? { ...l, blob: Buffer.from(l.blob.map((b, j) => (j === l.blob.length - 1 ? b ^ 1 : b))) } : l));
  return { config, configDigest, layers: tampered, manifest, manifestDigest: sha256(manifest), ...(spec.name !== undefined && { name: spec.name }) };
}

function indexJson(img: BuiltImage): Uint8Array {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: img.manifestDigest, size: img.manifest.length, ...(img.name !== undefined && { annotations: { 'org.opencontainers.image.ref.name': img.name } }) }],
    }),
  );
}

const blobName = (d: string): string => `blobs/sha256/${d.slice(7)}`;

/** The files of an OCI image layout (relative path → bytes). */
export function ociLayoutFiles(img: BuiltImage): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  files.set('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
  files.set('index.json', indexJson(img));
  files.set(blobName(img.manifestDigest), img.manifest);
  files.set(blobName(img.configDigest), img.config);
  for (const l of img.layers) files.set(blobName(l.digest), l.blob);
  return files;
}

export function writeOciLayout(dir: string, img: BuiltImage): void {
  for (const [rel, data] of ociLayoutFiles(img)) {
    const p = join(dir, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, data);
  }
}

/** An OCI image layout in one tar. */
export function ociLayoutTar(img: BuiltImage): Uint8Array {
  return buildTar({ members: [...ociLayoutFiles(img)].map(([name, data]) => ({ name, data })) });
}

/**
 * A docker-archive tarball. `legacy`: the pre-25 `docker save` form (`<n>/layer.tar` uncompressed,
 * `<hex>.json` config, checked by the config's diff ids); else the OCI-style form of Docker 25+
 * (blobs/sha256/… next to manifest.json).
 */
export function dockerArchive(img: BuiltImage, options: { legacy?: boolean } = {}): Uint8Array {
  const members: TarMemberSpec[] = [];
  const tags = img.name !== undefined ? [img.name] : [];
  if (options.legacy === true) {
    const layerNames = img.layers.map((_, i) => `${String(i).padStart(64, '0')}/layer.tar`);
    img.layers.forEach((l, i) => members.push({ name: `${String(i).padStart(64, '0')}/`, type: '5' }, { name: layerNames[i] as string, data: l.tar }));
    const configName = `${img.configDigest.slice(7)}.json`;
    members.push({ name: configName, data: img.config });
    members.push({ name: 'manifest.json', data: JSON.stringify([{ Config: configName, RepoTags: tags, Layers: layerNames }]) });
    return buildTar({ members });
  }
  for (const [name, data] of ociLayoutFiles(img)) members.push({ name, data });
  members.push({ name: 'manifest.json', data: JSON.stringify([{ Config: blobName(img.configDigest), RepoTags: tags, Layers: img.layers.map((l) => blobName(l.digest)) }]) });
  return buildTar({ members });
}

/** Members of a small Debian-like base layer: a shell, apt, a PATH. */
export const BASE_MEMBERS: readonly TarMemberSpec[] = [
  { name: 'bin/', type: '5', mode: 0o755 },
  { name: 'bin/sh', data: '\x7fELF shell', mode: 0o755 },
  { name: 'usr/', type: '5', mode: 0o755 },
  { name: 'usr/bin/', type: '5', mode: 0o755 },
  { name: 'usr/bin/apt-get', data: '\x7fELF apt', mode: 0o755 },
  { name: 'tmp/', type: '5', mode: 0o1777 },
];

/** A distroless-style base: no shell, no package manager. */
export const DISTROLESS_MEMBERS: readonly TarMemberSpec[] = [
  { name: 'etc/', type: '5', mode: 0o755 },
  { name: 'etc/passwd', data: 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n' },
  { name: 'usr/', type: '5', mode: 0o755 },
  { name: 'usr/bin/', type: '5', mode: 0o755 },
  { name: 'usr/bin/python3', data: '\x7fELF python', mode: 0o755 },
  { name: 'tmp/', type: '5', mode: 0o1777 },
];

/** A hardened configuration: non-root user, a health check, no ports. */
export const HARDENED_CONFIG = { User: '65532:65532', Entrypoint: ['/usr/bin/python3', '/app/serve.py'], Healthcheck: { Test: ['CMD', '/usr/bin/python3', '/app/health.py'] }, Env: ['PATH=/usr/local/bin:/usr/bin:/bin'] };
