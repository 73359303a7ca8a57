/**
 * Where images come from, all as one shape (an `ImageInput`: the configuration and the ordered
 * layers, each opened as a stream of its stored, possibly compressed, bytes): an OCI image layout
 * folder, a `docker save` / docker-archive tarball (or an OCI layout in a tar), and an image in a
 * registry (`oci://REF`). Layer bytes are hashed as they stream and compared with the digest at the
 * end; configs are read whole (bounded) and verified before they are parsed.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { BulwarkError, LimitExceededError } from '../findings/index.js';
import type { Limits } from '../limits/index.js';
import type { Descriptor, ImageManifest, RegistryClient } from '../oci/index.js';
import { MEDIA_TYPES, parseManifestDocument, selectManifest } from '../oci/index.js';
import { number as tarNumber, cstring as tarString, headerChecksumOk } from './tar-stream.js';

export const IMAGE_CONFIG_MEDIA_TYPES: ReadonlySet<string> = new Set(['application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json']);

export interface ImageLayer {
  readonly index: number;
  /** The layer's digest as the image names it (the blob digest, or the diff id for legacy docker-archive layers). */
  readonly digest: string;
  readonly mediaType?: string;
  /** The stored bytes are checked against a blob digest as they stream (then the diff id adds nothing and is not computed). */
  readonly verifiedBlob: boolean;
  /** The stored bytes; throws a VERIFICATION error at the end when they do not match their digest. */
  open(): AsyncIterable<Uint8Array>;
}

export interface ImageInput {
  /** Where findings are located (`path` of every finding): the folder, the tarball, `oci://host/name@digest`. */
  readonly location: string;
  readonly format: 'oci-image-layout' | 'docker-archive' | 'oci-image';
  /** Repository names and tags the image is known by (RepoTags, ref.name annotations, the reference). */
  readonly names: readonly string[];
  readonly annotations: Readonly<Record<string, string>>;
  readonly configDigest: string;
  readonly config: Uint8Array;
  readonly layers: readonly ImageLayer[];
}

/** Raised for an image that is not what it claims to be (layout files missing, bad JSON): a malformed-input finding. */
function malformed(what: string): BulwarkError {
  return new BulwarkError('MALFORMED', what);
}

function sha256Hex(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Hash `chunks` as they pass and compare with `digest` at the end. */
async function* verified(chunks: AsyncIterable<Uint8Array>, digest: string, size: number | undefined, what: string): AsyncGenerator<Uint8Array> {
  const h = createHash('sha256');
  let n = 0;
  for await (const c of chunks) {
    n += c.length;
    h.update(c);
    yield c;
  }
  if (size !== undefined && n !== size) throw new BulwarkError('VERIFICATION', `${what}: ${n} bytes, the descriptor says ${size}`);
  const got = `sha256:${h.digest('hex')}`;
  if (got !== digest) throw new BulwarkError('VERIFICATION', `blob digest mismatch: ${what}: expected ${digest}, the content has digest ${got}`);
}

function readRange(path: string, start: number, length: number): Uint8Array {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const out = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, out, got, length - got, start + got);
      if (n <= 0) break;
      got += n;
    }
    if (got !== length) throw malformed(`${path}: truncated`);
    return out;
  } finally {
    closeSync(fd);
  }
}

function fileStream(path: string, start: number, length: number): AsyncIterable<Uint8Array> {
  if (length === 0) return (async function* () {})();
  // Opened when the stream is first read (a layer not scanned holds no descriptor).
  return (async function* () {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    yield* createReadStream(path, { fd, start, end: start + length - 1, highWaterMark: 1024 * 1024, autoClose: true }) as AsyncIterable<Uint8Array>;
  })();
}

function jsonOf(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw malformed(`${what} is not JSON`);
  }
}

/** A blob store: `blobs/sha256/<hex>` in a folder or in a tar. */
interface BlobStore {
  size(digest: string): number | undefined;
  read(digest: string, max: number, limitName: string): Uint8Array;
  stream(digest: string): AsyncIterable<Uint8Array>;
}

function blobPath(digest: string): string {
  const [alg, hex] = digest.split(':');
  return `blobs/${alg}/${hex}`;
}

function folderStore(dir: string): BlobStore {
  const size = (digest: string): number | undefined => {
    try {
      const fd = openSync(join(dir, blobPath(digest)), constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        const st = fstatSync(fd);
        return st.isFile() ? st.size : undefined;
      } finally {
        closeSync(fd);
      }
    } catch {
      return undefined;
    }
  };
  return {
    size,
    read(digest, max, limitName) {
      const n = size(digest);
      if (n === undefined) throw malformed(`${dir}: blob ${digest} is missing`);
      if (n > max) throw new LimitExceededError(limitName, max, `${dir}: blob ${digest} has ${n} bytes, more than ${limitName} (${max})`);
      return readRange(join(dir, blobPath(digest)), 0, n);
    },
    stream(digest) {
      const n = size(digest);
      if (n === undefined) throw malformed(`${dir}: blob ${digest} is missing`);
      return fileStream(join(dir, blobPath(digest)), 0, n);
    },
  };
}

/** One member of a tar file on disk: where its data is. */
export interface TarMemberRef {
  readonly name: string;
  readonly flag: string;
  readonly offset: number;
  readonly size: number;
}

/**
 * The members of a tar file, from its headers only (data is skipped by offset): for docker-archive
 * tarballs, whose manifest.json is often the last member. At most `maxEntries` members.
 */
export function indexTarFile(path: string, maxEntries: number, maxPathBytes: number): TarMemberRef[] {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const size = fstatSync(fd).size;
    const out: TarMemberRef[] = [];
    const h = Buffer.alloc(512);
    let off = 0;
    let longName: string | undefined;
    let paxPath: string | undefined;
    let paxSize: number | undefined;
    while (off + 512 <= size) {
      if (readSync(fd, h, 0, 512, off) !== 512) break;
      if (h.every((b) => b === 0)) break;
      if (!headerChecksumOk(h)) throw malformed(`${path}: a tar header with a bad checksum at offset ${off}`);
      const flag = String.fromCharCode(h[156] ?? 0);
      let n = tarNumber(h, 124, 12, 'size');
      const dataAt = off + 512;
      if (flag === 'L' || flag === 'x') {
        if (n > Math.max(maxPathBytes + 1, 64 * 1024)) throw malformed(`${path}: a tar metadata header of ${n} bytes`);
        const data = Buffer.alloc(n);
        readSync(fd, data, 0, n, dataAt);
        if (flag === 'L') longName = tarString(data, 0, n);
        else {
          for (const rec of data.toString('utf8').split('\n')) {
            const m = /^\d+ (path|size)=(.*)$/.exec(rec);
            if (m?.[1] === 'path') paxPath = m[2];
            if (m?.[1] === 'size' && m[2] !== undefined && /^\d+$/.test(m[2])) paxSize = Number(m[2]);
          }
        }
      } else if (flag !== 'g' && flag !== 'K') {
        const prefix = tarString(h, 257, 5) === 'ustar' ? tarString(h, 345, 155) : '';
        const raw = tarString(h, 0, 100);
        const name = (paxPath ?? longName ?? (prefix !== '' ? `${prefix}/${raw}` : raw)).replace(/^\.\//, '');
        if (paxSize !== undefined) n = paxSize;
        longName = paxPath = paxSize = undefined;
        out.push({ name, flag, offset: dataAt, size: n });
        if (out.length > maxEntries) throw new LimitExceededError('maxArchiveEntries', maxEntries, `${path}: more than maxArchiveEntries (${maxEntries}) tar members`);
      }
      off = dataAt + Math.ceil(n / 512) * 512;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

function tarStore(path: string, members: readonly TarMemberRef[]): { store: BlobStore; member: (name: string) => TarMemberRef | undefined } {
  const byName = new Map<string, TarMemberRef>();
  for (const m of members) if (m.flag === '0' || m.flag === '\0' || m.flag === '7') byName.set(m.name, m);
  const member = (name: string): TarMemberRef | undefined => byName.get(name.replace(/^\.\//, ''));
  const store: BlobStore = {
    size: (digest) => member(blobPath(digest))?.size,
    read(digest, max, limitName) {
      const m = member(blobPath(digest));
      if (m === undefined) throw malformed(`${path}: blob ${digest} is missing`);
      if (m.size > max) throw new LimitExceededError(limitName, max, `${path}: blob ${digest} has ${m.size} bytes, more than ${limitName} (${max})`);
      return readRange(path, m.offset, m.size);
    },
    stream(digest) {
      const m = member(blobPath(digest));
      if (m === undefined) throw malformed(`${path}: blob ${digest} is missing`);
      return fileStream(path, m.offset, m.size);
    },
  };
  return { store, member };
}

/** The image of an OCI layout (its index.json, followed to one image manifest). */
function fromLayout(location: string, format: ImageInput['format'], indexBytes: Uint8Array, store: BlobStore, limits: Limits): ImageInput {
  const parseLimits = { maxManifestLayers: limits.maxManifestLayers };
  let doc = parseManifestDocument(indexBytes, MEDIA_TYPES.ociIndex, parseLimits);
  const names: string[] = [];
  let annotations: Record<string, string> = {};
  for (let depth = 0; doc.kind === 'index'; depth++) {
    if (depth > 4) throw malformed(`${location}: indexes nested more than 4 deep`);
    const images = doc.manifests.filter((d) => d.mediaType === MEDIA_TYPES.ociManifest || d.mediaType === MEDIA_TYPES.dockerManifest || d.mediaType === MEDIA_TYPES.ociIndex || d.mediaType === MEDIA_TYPES.dockerManifestList);
    const nested = images.filter((d) => d.mediaType === MEDIA_TYPES.ociIndex || d.mediaType === MEDIA_TYPES.dockerManifestList);
    const d: Descriptor = nested.length === 1 && images.length === 1 ? (nested[0] as Descriptor) : selectManifest({ ...doc, manifests: images.filter((x) => !nested.includes(x)) });
    const ref = d.annotations?.['org.opencontainers.image.ref.name'] ?? d.annotations?.['io.containerd.image.name'];
    if (ref !== undefined) names.push(ref);
    annotations = { ...annotations, ...(d.annotations ?? {}) };
    const bytes = store.read(d.digest, limits.maxManifestBytes, 'maxManifestBytes');
    if (`sha256:${sha256Hex(bytes)}` !== d.digest) throw new BulwarkError('VERIFICATION', `blob digest mismatch: ${location}: manifest ${d.digest}`);
    doc = parseManifestDocument(bytes, d.mediaType, parseLimits);
  }
  const m: ImageManifest = doc;
  if (!IMAGE_CONFIG_MEDIA_TYPES.has(m.config.mediaType)) throw new BulwarkError('UNSUPPORTED', `${location}: config media type ${JSON.stringify(m.config.mediaType.slice(0, 100))} is not an image configuration`);
  const config = store.read(m.config.digest, limits.maxManifestBytes, 'maxManifestBytes');
  if (`sha256:${sha256Hex(config)}` !== m.config.digest) throw new BulwarkError('VERIFICATION', `blob digest mismatch: ${location}: config ${m.config.digest}`);
  const layers: ImageLayer[] = m.layers.map((d, index) => ({
    index,
    digest: d.digest,
    mediaType: d.mediaType,
    verifiedBlob: true,
    open: () => verified(store.stream(d.digest), d.digest, d.size, `${location} layer ${index}`),
  }));
  return { location, format, names, annotations: { ...annotations, ...(m.annotations ?? {}) }, configDigest: m.config.digest, config, layers };
}

/** Whether `dir` is an OCI image layout (an `oci-layout` file next to `index.json`). */
export function openOciLayout(dir: string, limits: Limits): ImageInput {
  const store = folderStore(dir);
  const layoutFile = join(dir, 'oci-layout');
  const layout = jsonOf(readRange(layoutFile, 0, Math.min(4096, fileSize(layoutFile))), `${dir}/oci-layout`) as { imageLayoutVersion?: unknown };
  if (typeof layout !== 'object' || layout === null || typeof layout.imageLayoutVersion !== 'string') throw malformed(`${dir}/oci-layout has no imageLayoutVersion`);
  const indexFile = join(dir, 'index.json');
  const n = fileSize(indexFile);
  if (n > limits.maxManifestBytes) throw new LimitExceededError('maxManifestBytes', limits.maxManifestBytes, `${dir}/index.json has ${n} bytes, more than maxManifestBytes`);
  return fromLayout(dir, 'oci-image-layout', readRange(indexFile, 0, n), store, limits);
}

function fileSize(path: string): number {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
}

/** What kind of image tarball `members` make, if any. */
export function imageTarKind(members: readonly TarMemberRef[]): 'docker-archive' | 'oci-layout-tar' | undefined {
  const names = new Set(members.map((m) => m.name.replace(/^\.\//, '')));
  if (names.has('manifest.json')) return 'docker-archive';
  if (names.has('oci-layout') && names.has('index.json')) return 'oci-layout-tar';
  return undefined;
}

/** A `docker save` / docker-archive tarball (manifest.json), or an OCI layout in a tar. */
export function openImageTar(path: string, members: readonly TarMemberRef[], limits: Limits): ImageInput {
  const kind = imageTarKind(members);
  const { store, member } = tarStore(path, members);
  const readMember = (name: string, max: number, limitName: string): Uint8Array => {
    const m = member(name);
    if (m === undefined) throw malformed(`${path}: the member ${JSON.stringify(name.slice(0, 200))} is missing`);
    if (m.size > max) throw new LimitExceededError(limitName, max, `${path}: ${name.slice(0, 200)} has ${m.size} bytes, more than ${limitName} (${max})`);
    return readRange(path, m.offset, m.size);
  };
  if (kind === 'oci-layout-tar') return fromLayout(path, 'oci-image-layout', readMember('index.json', limits.maxManifestBytes, 'maxManifestBytes'), store, limits);
  if (kind !== 'docker-archive') throw malformed(`${path}: not an image tarball`);
  const manifest = jsonOf(readMember('manifest.json', limits.maxManifestBytes, 'maxManifestBytes'), `${path}: manifest.json`);
  if (!Array.isArray(manifest) || manifest.length === 0) throw malformed(`${path}: manifest.json is not a non-empty array`);
  const first = manifest[0] as { Config?: unknown; RepoTags?: unknown; Layers?: unknown };
  if (typeof first !== 'object' || first === null || typeof first.Config !== 'string' || !Array.isArray(first.Layers)) throw malformed(`${path}: manifest.json[0] has no Config and Layers`);
  if (first.Layers.length > limits.maxManifestLayers) throw new LimitExceededError('maxManifestLayers', limits.maxManifestLayers, `${path}: more than maxManifestLayers layers`);
  const config = readMember(first.Config, limits.maxManifestBytes, 'maxManifestBytes');
  const configHex = sha256Hex(config);
  // The config's name is its digest (`<hex>.json` in the legacy format, `blobs/sha256/<hex>` in the OCI-style one).
  const named = /(?:^|\/)([a-f0-9]{64})(?:\.json)?$/.exec(first.Config)?.[1];
  if (named !== undefined && named !== configHex) throw new BulwarkError('VERIFICATION', `blob digest mismatch: ${path}: the config ${first.Config.slice(0, 100)} has digest sha256:${configHex}`);
  const names = Array.isArray(first.RepoTags) ? first.RepoTags.filter((t): t is string => typeof t === 'string').slice(0, 64) : [];
  const layers: ImageLayer[] = first.Layers.map((l: unknown, index: number) => {
    if (typeof l !== 'string') throw malformed(`${path}: manifest.json Layers[${index}] is not a string`);
    const m = member(l);
    if (m === undefined) throw malformed(`${path}: the layer ${JSON.stringify(l.slice(0, 200))} is missing`);
    // `blobs/sha256/<hex>`: the blob digest, checked as it streams; `<id>/layer.tar`: checked by the config's diff id.
    const hex = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(m.name)?.[1];
    const digest = hex !== undefined ? `sha256:${hex}` : `${l}`;
    return { index, digest, verifiedBlob: hex !== undefined, open: () => (hex !== undefined ? verified(fileStream(path, m.offset, m.size), digest, m.size, `${path} layer ${index}`) : fileStream(path, m.offset, m.size)) };
  });
  return { location: path, format: 'docker-archive', names, annotations: {}, configDigest: `sha256:${configHex}`, config, layers };
}

/** An image in a registry: its layers stream from the registry, each verified by the client. */
export async function registryImage(client: RegistryClient, name: string, location: string, refName: string, manifest: ImageManifest, limits: Limits): Promise<ImageInput> {
  const config = await client.blobBytes(name, manifest.config, limits.maxManifestBytes, 'maxManifestBytes');
  const layers: ImageLayer[] = manifest.layers.map((d, index) => ({ index, digest: d.digest, mediaType: d.mediaType, verifiedBlob: true, open: () => client.blob(name, d) }));
  return { location, format: 'oci-image', names: [refName], annotations: manifest.annotations ?? {}, configDigest: manifest.config.digest, config, layers };
}
