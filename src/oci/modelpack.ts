/**
 * Models as OCI artifacts after the CNCF ModelPack spec (modelpack/model-spec): the artifact type,
 * the config, one raw layer per file with its path in `org.cncf.model.filepath`, and the safe reading
 * of layer paths. Tar layers (ModelPack `.tar`, KitOps, Docker model artifacts) are unpacked by
 * unpack.ts with the same path rules.
 */
import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BulwarkError, LimitExceededError } from '../findings/index.js';
import { DEFAULT_IGNORED_PATHS } from '../model-signing/index.js';
import type { Descriptor, ImageManifest } from './manifest.js';
import { MEDIA_TYPES } from './manifest.js';

export const MODELPACK = {
  artifactType: 'application/vnd.cncf.model.manifest.v1+json',
  config: 'application/vnd.cncf.model.config.v1+json',
  weightRaw: 'application/vnd.cncf.model.weight.v1.raw',
  weightTar: 'application/vnd.cncf.model.weight.v1.tar',
  weightConfigRaw: 'application/vnd.cncf.model.weight.config.v1.raw',
  weightConfigTar: 'application/vnd.cncf.model.weight.config.v1.tar',
  docRaw: 'application/vnd.cncf.model.doc.v1.raw',
  docTar: 'application/vnd.cncf.model.doc.v1.tar',
  codeRaw: 'application/vnd.cncf.model.code.v1.raw',
  codeTar: 'application/vnd.cncf.model.code.v1.tar',
  datasetRaw: 'application/vnd.cncf.model.dataset.v1.raw',
  datasetTar: 'application/vnd.cncf.model.dataset.v1.tar',
  filepathAnnotation: 'org.cncf.model.filepath',
  titleAnnotation: 'org.opencontainers.image.title',
} as const;

const WEIGHT_EXT = /\.(safetensors|bin|pt|pth|ckpt|gguf|ggml|onnx|h5|hdf5|keras|pb|tflite|npy|npz|pkl|pickle|joblib|msgpack|mlmodel|pte|engine|plan|model)$/i;
const CODE_EXT = /\.(py|ipynb|sh|js|ts|go|rs|c|cc|cpp|h|cu)$/i;
const DOC_NAME = /^(readme|license|licence|notice|model[_-]?card|changelog)(\.[a-z]+)?$|\.(md|rst|pdf)$/i;

/** The ModelPack raw media type of a model file, by its name. */
export function rawMediaTypeOf(relPath: string): string {
  const base = basename(relPath);
  if (WEIGHT_EXT.test(base)) return MODELPACK.weightRaw;
  if (DOC_NAME.test(base)) return MODELPACK.docRaw;
  if (CODE_EXT.test(base)) return MODELPACK.codeRaw;
  return MODELPACK.weightConfigRaw;
}

/** Layer kinds Bulwark reads: one raw file, or a tar (optionally gzip) of files. */
export type LayerKind = { readonly kind: 'raw' } | { readonly kind: 'tar'; readonly gzip: boolean };

export function layerKind(mediaType: string): LayerKind | undefined {
  const mt = mediaType.toLowerCase();
  if (/^application\/vnd\.cncf\.model\.[a-z.]+\.v1\.raw$/.test(mt)) return { kind: 'raw' };
  if (mt === 'application/octet-stream') return { kind: 'raw' };
  if (/^application\/vnd\.cncf\.model\.[a-z.]+\.v1\.tar$/.test(mt)) return { kind: 'tar', gzip: false };
  if (/^application\/vnd\.cncf\.model\.[a-z.]+\.v1\.tar\+gzip$/.test(mt)) return { kind: 'tar', gzip: true };
  // KitOps: application/vnd.kitops.modelkit.<type>.v1.tar[+gzip]
  if (/^application\/vnd\.kitops\.modelkit\.[a-z]+\.v1\.tar$/.test(mt)) return { kind: 'tar', gzip: false };
  if (/^application\/vnd\.kitops\.modelkit\.[a-z]+\.v1\.tar\+gzip$/.test(mt)) return { kind: 'tar', gzip: true };
  // Docker model artifacts: application/vnd.docker.ai.gguf.v3, .safetensors, .license, .mmproj (one file
  // each), application/vnd.docker.ai.vllm.config.tar (a tar of config files).
  if (/^application\/vnd\.docker\.ai\.[a-z0-9.+-]+$/.test(mt) && !mt.includes('config.v') && !mt.endsWith('+json')) {
    return mt.endsWith('.tar') || mt.endsWith('+tar') ? { kind: 'tar', gzip: false } : { kind: 'raw' };
  }
  // Container image layers (application/vnd.oci.image.layer.*, Docker rootfs diffs) are not model
  // artifacts: image scanning is a later part of issue 14.
  return undefined;
}

/** A name for a raw layer that carries no path annotation (Docker model artifacts v0.1): its digest, and an extension from its media type. */
export function fallbackLayerName(d: Descriptor): string {
  const mt = d.mediaType.toLowerCase();
  const ext = mt.includes('gguf') ? '.gguf' : mt.includes('safetensors') ? '.safetensors' : mt.includes('license') ? '.txt' : '';
  return `sha256-${d.digest.slice('sha256:'.length)}${ext}`;
}

/** A refusal of hostile artifact content (exit 1, one line): nothing is written outside the target folder. */
export class UnsafeArtifactError extends BulwarkError {
  constructor(message: string) {
    super('MALFORMED', message);
    this.name = 'UnsafeArtifactError';
  }
}

export function isUnsafeArtifactError(e: unknown): e is UnsafeArtifactError {
  return e instanceof UnsafeArtifactError;
}

function shown(p: string): string {
  // eslint-disable-next-line no-control-regex
  return JSON.stringify(p.slice(0, 200)).replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/**
 * A path from an artifact (annotation or tar member) as a safe relative path: no absolute path, no
 * `..`, no backslash, no NUL or control character, no empty component, at most `maxBytes` UTF-8
 * bytes. `.` components and a trailing `/` are dropped. Throws UnsafeArtifactError.
 */
export function safeRelativePath(p: string, maxBytes: number, where: string): string {
  if (Buffer.byteLength(p, 'utf8') > maxBytes) throw new LimitExceededError('maxLayerPathBytes', maxBytes, `${where}: a path is longer than maxLayerPathBytes (${maxBytes} bytes)`);
  if (p === '') throw new UnsafeArtifactError(`refused: ${where}: empty path`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(p)) throw new UnsafeArtifactError(`refused: ${where}: path ${shown(p)} holds a control character`);
  if (p.includes('\\')) throw new UnsafeArtifactError(`refused: ${where}: path ${shown(p)} holds a backslash`);
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) throw new UnsafeArtifactError(`refused: ${where}: absolute path ${shown(p)}`);
  const parts = p.replace(/\/+$/, '').split('/').filter((c) => c !== '.');
  if (parts.some((c) => c === '..')) throw new UnsafeArtifactError(`refused: ${where}: path ${shown(p)} escapes the target folder (..)`);
  if (parts.length === 0 || parts.some((c) => c === '')) throw new UnsafeArtifactError(`refused: ${where}: path ${shown(p)} is empty or has an empty component`);
  return parts.join('/');
}

/**
 * The file path of a raw layer: `org.cncf.model.filepath`, else `org.opencontainers.image.title`, else
 * (no annotation, as Docker model artifacts v0.1) a name made from its digest.
 */
export function layerPath(d: Descriptor, maxBytes: number, where: string): string {
  const p = d.annotations?.[MODELPACK.filepathAnnotation] ?? d.annotations?.[MODELPACK.titleAnnotation];
  if (p === undefined) return fallbackLayerName(d);
  return safeRelativePath(p, maxBytes, where);
}

export interface ModelFile {
  /** Path relative to the model folder, `/`-separated. */
  readonly path: string;
  readonly absolute: string;
  readonly size: number;
  readonly digest: string;
  readonly mediaType: string;
}

export interface BuiltArtifact {
  readonly files: readonly ModelFile[];
  readonly config: Buffer;
  readonly manifest: Buffer;
  readonly configDescriptor: Descriptor;
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) h.update(chunk as Buffer);
  return `sha256:${h.digest('hex')}`;
}

function comparePaths(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a.replaceAll('/', '\0'), 'utf8'), Buffer.from(b.replaceAll('/', '\0'), 'utf8'));
}

/** List the regular files of a model folder (git paths left out); links, devices and FIFOs are refused. */
export function listModelFiles(dir: string, maxFiles: number): Array<{ path: string; absolute: string; size: number }> {
  let st;
  try {
    st = lstatSync(dir);
  } catch (e) {
    throw new BulwarkError('USAGE', `${dir}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : `cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`}`);
  }
  if (!st.isDirectory()) throw new BulwarkError('USAGE', `${dir} is not a folder (push takes a model folder)`);
  const out: Array<{ path: string; absolute: string; size: number }> = [];
  const walk = (abs: string, rel: string, depth: number): void => {
    if (depth > 64) throw new BulwarkError('USAGE', `${abs}: folders nested deeper than 64`);
    for (const name of readdirSync(abs).sort()) {
      const r = rel === '' ? name : `${rel}/${name}`;
      if (rel === '' && DEFAULT_IGNORED_PATHS.includes(name)) continue;
      const a = join(abs, name);
      const s = lstatSync(a);
      if (s.isDirectory()) walk(a, r, depth + 1);
      else if (s.isFile()) {
        out.push({ path: r, absolute: a, size: s.size });
        if (out.length > maxFiles) throw new LimitExceededError('maxManifestLayers', maxFiles, `${dir} has more than maxManifestLayers (${maxFiles}) files`);
      } else throw new BulwarkError('USAGE', `${a} is not a regular file or folder (a symbolic link, device or FIFO); push writes regular files only`);
    }
  };
  walk(dir, '', 0);
  return out.sort((a, b) => comparePaths(a.path, b.path));
}

/** Hash a model folder and build its ModelPack manifest and config (one raw layer per file). */
export async function buildModelArtifact(dir: string, options: { maxFiles: number; name?: string }): Promise<BuiltArtifact> {
  const listed = listModelFiles(dir, options.maxFiles);
  if (listed.length === 0) throw new BulwarkError('USAGE', `${dir} holds no files to push`);
  const files: ModelFile[] = [];
  for (const f of listed) files.push({ ...f, digest: await sha256File(f.absolute), mediaType: rawMediaTypeOf(f.path) });
  const config = Buffer.from(
    JSON.stringify({
      descriptor: { name: options.name ?? basename(dir) },
      config: {},
      modelfs: { type: 'layers', diffIds: files.map((f) => f.digest) },
    }),
    'utf8',
  );
  const configDescriptor: Descriptor = { mediaType: MODELPACK.config, digest: `sha256:${createHash('sha256').update(config).digest('hex')}`, size: config.length };
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      artifactType: MODELPACK.artifactType,
      config: configDescriptor,
      layers: files.map((f) => ({
        mediaType: f.mediaType,
        digest: f.digest,
        size: f.size,
        annotations: { [MODELPACK.filepathAnnotation]: f.path, [MODELPACK.titleAnnotation]: f.path },
      })),
    }),
    'utf8',
  );
  return { files, config, manifest, configDescriptor };
}

export interface PlannedLayer {
  readonly descriptor: Descriptor;
  readonly kind: LayerKind;
  /** Raw layers: the safe relative path. */
  readonly path?: string;
}

/**
 * Check every layer before anything is downloaded: a known media type, a safe and unique path for raw
 * layers. Hostile names are refused here, so nothing of such an artifact is fetched or written.
 */
export function planLayers(m: ImageManifest, maxPathBytes: number): PlannedLayer[] {
  const seen = new Set<string>();
  return m.layers.map((d, i) => {
    const where = `layer ${i} (${d.digest.slice(0, 19)}…)`;
    const kind = layerKind(d.mediaType);
    if (kind === undefined) throw new BulwarkError('UNSUPPORTED', `${where}: media type ${JSON.stringify(d.mediaType.slice(0, 100))} is not a model file or model tar layer Bulwark reads (container image layers are not supported yet)`);
    if (kind.kind === 'tar') return { descriptor: d, kind };
    const path = layerPath(d, maxPathBytes, where);
    if (seen.has(path)) throw new UnsafeArtifactError(`refused: ${where}: a second layer for the file ${shown(path)}`);
    seen.add(path);
    return { descriptor: d, kind, path };
  });
}
