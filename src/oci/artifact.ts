/**
 * Model artifacts in registries: push a model folder, pull (or fetch for a scan) an artifact into a
 * folder, all digests verified, all paths checked, all or nothing.
 */
import { createReadStream, readdirSync } from 'node:fs';
import { chmod, mkdtemp, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { BulwarkError, LimitExceededError } from '../findings/index.js';
import type { FetchedManifest, RegistryClient } from './client.js';
import type { ImageManifest, Platform } from './manifest.js';
import { MEDIA_TYPES, selectManifest } from './manifest.js';
import type { PlannedLayer } from './modelpack.js';
import { buildModelArtifact, planLayers } from './modelpack.js';
import type { ImageReference } from './reference.js';
import { FolderWriter, TarExtractor, writeRawLayer } from './unpack.js';

export interface ResolvedManifest {
  /** Digest of the image manifest (after index selection). */
  readonly digest: string;
  readonly manifest: ImageManifest;
  readonly fetched: FetchedManifest;
}

/** Fetch a reference's manifest, following an index to one manifest (platform selection). */
export async function resolveManifest(client: RegistryClient, ref: ImageReference, platform?: Platform): Promise<ResolvedManifest> {
  let fetched = await client.getManifest(ref);
  if (fetched.document.kind === 'index') {
    const d = selectManifest(fetched.document, platform);
    fetched = await client.getManifest({ name: ref.name, reference: d.digest });
    if (fetched.document.kind !== 'manifest') throw new BulwarkError('MALFORMED', 'malformed registry document: an index entry points at another index');
  }
  return { digest: fetched.digest, manifest: fetched.document as ImageManifest, fetched };
}

export interface PushResult {
  readonly digest: string;
  readonly files: number;
  readonly bytes: number;
  readonly pushedBlobs: number;
}

/** `bulwark push DIR REF`: one raw layer per file, a ModelPack config, the manifest under the tag. */
export async function pushModel(client: RegistryClient, dir: string, ref: ImageReference): Promise<PushResult> {
  const built = await buildModelArtifact(dir, { maxFiles: client.limits.maxManifestLayers, name: ref.name });
  let pushed = 0;
  let bytes = 0;
  for (const f of built.files) {
    const r = await client.pushBlob(ref.name, f, (start, end) => (end === start ? Buffer.alloc(0) : createReadStream(f.absolute, { start, end: end - 1, highWaterMark: 1024 * 1024 })));
    if (r === 'pushed') pushed++;
    bytes += f.size;
  }
  if ((await client.pushBlob(ref.name, built.configDescriptor, () => built.config)) === 'pushed') pushed++;
  const reference = ref.tag ?? ref.digest;
  const { digest } = await client.pushManifest(ref.name, reference ?? 'latest', MEDIA_TYPES.ociManifest, built.manifest);
  if (ref.digest !== undefined && ref.digest !== digest) throw new BulwarkError('VERIFICATION', `the pushed manifest has digest ${digest}, not ${ref.digest}`);
  return { digest, files: built.files.length, bytes, pushedBlobs: pushed };
}

export interface FetchResult {
  readonly digest: string;
  readonly files: number;
  readonly bytes: number;
  /** Layer digest for each written file path (raw layers) or tar layer member. */
  readonly fileLayers: ReadonlyMap<string, string>;
}

/** Write every layer of a manifest into `root` (an empty folder Bulwark created and owns). */
export async function fetchLayersInto(client: RegistryClient, name: string, resolved: ResolvedManifest, root: string): Promise<FetchResult> {
  const plan: PlannedLayer[] = planLayers(resolved.manifest, client.limits.maxLayerPathBytes);
  const total = plan.reduce((s, l) => s + l.descriptor.size, 0);
  if (!Number.isSafeInteger(total)) throw new LimitExceededError('maxLayerBytes', client.limits.maxLayerBytes, 'the layers declare more bytes than can be counted');
  const fileLayers = new Map<string, string>();
  let files = 0;
  let bytes = 0;
  const base = new FolderWriter(root, 'artifact');
  for (const [i, l] of plan.entries()) {
    const where = `layer ${i} (${l.descriptor.digest.slice(0, 19)}…)`;
    const w = base.withWhere(where);
    if (l.kind.kind === 'raw') {
      const path = l.path as string;
      bytes += await writeRawLayer(w, path, client.blob(name, l.descriptor));
      fileLayers.set(path, l.descriptor.digest);
      files++;
      continue;
    }
    const tar = new TarExtractor(w, where, client.limits);
    const chunks = client.blob(name, l.descriptor);
    const maxOut = client.limits.maxLayerBytes;
    let out = 0;
    const sink = async (source: AsyncIterable<Buffer>): Promise<void> => {
      for await (const c of source) {
        out += c.length;
        if (out > maxOut) throw new LimitExceededError('maxLayerBytes', maxOut, `${where}: the decompressed layer is larger than maxLayerBytes (${maxOut})`);
        await tar.push(c);
      }
    };
    try {
      if (l.kind.gzip) await pipeline(Readable.from(chunks), createGunzip(), sink);
      else await sink(chunks);
      await tar.end();
    } catch (e) {
      await tar.abort();
      throw e;
    }
    files += tar.files;
    bytes += l.descriptor.size;
    // Unmatched for signing: a tar layer's digest is not a file digest.
  }
  // Every layer streamed to its end, so every digest was compared.
  return { digest: resolved.digest, files, bytes, fileLayers };
}

function isEmptyDir(p: string): boolean | undefined {
  try {
    return readdirSync(p).length === 0;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') return false;
    throw new BulwarkError('IO', `cannot read ${p}: ${code ?? String(e)}`, { cause: e });
  }
}

/**
 * `bulwark pull REF DIR`: all or nothing. The artifact is written into a new private folder next to
 * DIR, and renamed to DIR only when every layer verified and every entry was accepted; on any error
 * the private folder is removed and DIR is untouched. DIR must not exist, or be an empty folder.
 */
export interface PullOptions {
  readonly platform?: Platform;
  /** Told about the private folder when it is made (`done` false) and when it is gone or renamed (`done` true), so a signal handler can remove it. */
  readonly trackTempDir?: (dir: string, done: boolean) => void;
}

export async function pullModel(client: RegistryClient, ref: ImageReference, dest: string, options: PullOptions = {}): Promise<FetchResult> {
  const platform = options.platform;
  const target = resolve(dest);
  const empty = isEmptyDir(target);
  if (empty === false) throw new BulwarkError('USAGE', `${dest} exists and is not an empty folder (pull writes a new folder)`);
  const resolved = await resolveManifest(client, ref, platform);
  let tmp: string;
  try {
    tmp = await mkdtemp(join(dirname(target), `.${basename(target)}.bulwark-pull-`));
  } catch (e) {
    throw new BulwarkError('IO', `cannot create a folder next to ${dest}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { cause: e });
  }
  options.trackTempDir?.(tmp, false);
  try {
    const r = await fetchLayersInto(client, ref.name, resolved, tmp);
    await chmod(tmp, 0o755); // private while written; an ordinary folder once complete
    if (empty === true) await rmdir(target);
    await rename(tmp, target);
    options.trackTempDir?.(tmp, true);
    return r;
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    options.trackTempDir?.(tmp, true);
    throw e;
  }
}
