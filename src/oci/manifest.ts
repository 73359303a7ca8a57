/**
 * OCI / Docker manifests, indexes and descriptors: media types, and strict parsing of untrusted
 * registry documents (shape, digests, sizes, counts), with platform selection for indexes.
 */
import { BulwarkError, LimitExceededError } from '../findings/index.js';
import { SHA256_DIGEST } from './reference.js';

export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
} as const;

/** The OCI empty descriptor's blob `{}`. */
export const EMPTY_JSON = Buffer.from('{}', 'utf8');
export const EMPTY_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

export const MANIFEST_ACCEPT = [MEDIA_TYPES.ociManifest, MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifest, MEDIA_TYPES.dockerManifestList].join(', ');

export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly artifactType?: string;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly platform?: Platform;
}

export interface ImageManifest {
  readonly kind: 'manifest';
  readonly mediaType: string;
  readonly artifactType?: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface ImageIndex {
  readonly kind: 'index';
  readonly mediaType: string;
  readonly manifests: readonly Descriptor[];
}

export interface ParseLimits {
  readonly maxManifestLayers: number;
}

function malformed(what: string): BulwarkError {
  return new BulwarkError('MALFORMED', `malformed registry document: ${what}`);
}

function str(v: unknown, what: string, max = 1024): string {
  if (typeof v !== 'string' || v.length > max) throw malformed(`${what} must be a string of at most ${max} characters`);
  return v;
}

function annotationsOf(v: unknown, what: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw malformed(`${what}.annotations must be an object`);
  const out: Record<string, string> = {};
  let n = 0;
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (++n > 256) throw malformed(`${what}.annotations has more than 256 entries`);
    out[str(k, `${what}.annotations key`, 256)] = str(val, `${what}.annotations[${JSON.stringify(k.slice(0, 64))}]`, 64 * 1024);
  }
  return out;
}

export function parseDescriptor(v: unknown, what: string): Descriptor {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw malformed(`${what} must be an object`);
  const d = v as Record<string, unknown>;
  const mediaType = str(d['mediaType'], `${what}.mediaType`, 255);
  const digest = str(d['digest'], `${what}.digest`, 200);
  if (!SHA256_DIGEST.test(digest)) {
    if (/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(digest)) throw new BulwarkError('UNSUPPORTED', `${what}: digest algorithm ${digest.split(':')[0]} is not supported (sha256 only)`);
    throw malformed(`${what}.digest is not a sha256 digest`);
  }
  const size = d['size'];
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw malformed(`${what}.size must be a non-negative integer`);
  const annotations = annotationsOf(d['annotations'], what);
  const artifactType = d['artifactType'] === undefined ? undefined : str(d['artifactType'], `${what}.artifactType`, 255);
  let platform: Platform | undefined;
  const p = d['platform'];
  if (p !== undefined && p !== null && typeof p === 'object') {
    const pp = p as Record<string, unknown>;
    platform = {
      os: typeof pp['os'] === 'string' ? pp['os'] : '',
      architecture: typeof pp['architecture'] === 'string' ? pp['architecture'] : '',
      ...(typeof pp['variant'] === 'string' && { variant: pp['variant'] }),
    };
  }
  return { mediaType, digest, size, ...(artifactType !== undefined && { artifactType }), ...(annotations !== undefined && { annotations }), ...(platform !== undefined && { platform }) };
}

function list(v: unknown, what: string, limits: ParseLimits): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw malformed(`${what} must be an array`);
  if (v.length > limits.maxManifestLayers) throw new LimitExceededError('maxManifestLayers', limits.maxManifestLayers, `${what} has ${v.length} entries, more than maxManifestLayers (${limits.maxManifestLayers})`);
  return v;
}

/** Parse a manifest or index; `contentType` is the response's Content-Type (used when the body has no mediaType). */
export function parseManifestDocument(bytes: Uint8Array, contentType: string | undefined, limits: ParseLimits): ImageManifest | ImageIndex {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw malformed('the manifest is not JSON');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw malformed('the manifest is not a JSON object');
  const m = doc as Record<string, unknown>;
  if (m['schemaVersion'] !== 2) throw new BulwarkError('UNSUPPORTED', `manifest schemaVersion ${JSON.stringify(m['schemaVersion'])} is not supported (2 only)`);
  const declared = m['mediaType'] === undefined ? undefined : str(m['mediaType'], 'mediaType', 255);
  const ct = contentType?.split(';')[0]?.trim();
  const mediaType = declared ?? (ct !== undefined && ct !== '' ? ct : undefined) ?? (m['manifests'] !== undefined ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.ociManifest);
  if (mediaType === MEDIA_TYPES.ociIndex || mediaType === MEDIA_TYPES.dockerManifestList) {
    const manifests = list(m['manifests'], 'manifests', limits).map((d, i) => parseDescriptor(d, `manifests[${i}]`));
    return { kind: 'index', mediaType, manifests };
  }
  if (mediaType !== MEDIA_TYPES.ociManifest && mediaType !== MEDIA_TYPES.dockerManifest) {
    throw new BulwarkError('UNSUPPORTED', `manifest media type ${JSON.stringify(mediaType.slice(0, 100))} is not supported`);
  }
  const config = parseDescriptor(m['config'], 'config');
  const layers = list(m['layers'], 'layers', limits).map((d, i) => parseDescriptor(d, `layers[${i}]`));
  const subject = m['subject'] === undefined ? undefined : parseDescriptor(m['subject'], 'subject');
  const artifactType = m['artifactType'] === undefined ? undefined : str(m['artifactType'], 'artifactType', 255);
  const annotations = annotationsOf(m['annotations'], 'manifest');
  return {
    kind: 'manifest',
    mediaType,
    config,
    layers,
    ...(artifactType !== undefined && { artifactType }),
    ...(subject !== undefined && { subject }),
    ...(annotations !== undefined && { annotations }),
  };
}

/** `linux/amd64`, `linux/arm64/v8`. */
export function parsePlatform(text: string): Platform {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) throw new BulwarkError('USAGE', `--platform must be OS/ARCH[/VARIANT], got "${text}"`);
  return { os: parts[0] as string, architecture: parts[1] as string, ...(parts[2] !== undefined && { variant: parts[2] }) };
}

/**
 * The manifest of an index to follow: the only manifest; else the one for `platform` (default
 * linux/amd64); model artifacts without a platform are taken when there is exactly one.
 */
export function selectManifest(index: ImageIndex, platform?: Platform): Descriptor {
  const manifests = index.manifests.filter((d) => d.mediaType === MEDIA_TYPES.ociManifest || d.mediaType === MEDIA_TYPES.dockerManifest);
  if (manifests.length === 0) throw new BulwarkError('UNSUPPORTED', 'the index lists no image manifest');
  if (manifests.length === 1 && platform === undefined) return manifests[0] as Descriptor;
  const want = platform ?? { os: 'linux', architecture: 'amd64' };
  const match = manifests.find((d) => d.platform !== undefined && d.platform.os === want.os && d.platform.architecture === want.architecture && (want.variant === undefined || d.platform.variant === want.variant));
  if (match) return match;
  const untyped = manifests.filter((d) => d.platform === undefined);
  if (untyped.length === 1 && platform === undefined) return untyped[0] as Descriptor;
  throw new BulwarkError('USAGE', `the index has no manifest for ${want.os}/${want.architecture}${want.variant !== undefined ? `/${want.variant}` : ''} (give --platform)`);
}
