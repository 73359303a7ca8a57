/**
 * An OCI distribution client (distribution-spec v1.1): manifests and indexes, blobs streamed with
 * their sha256 checked on every byte read, pushes (monolithic and chunked uploads), the referrers
 * API with the tag-schema fallback, and Bearer/Basic authentication. See docs/oci.md.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { BulwarkError, LimitExceededError } from '../findings/index.js';
import type { Limits } from '../limits/index.js';
import { DEFAULT_LIMITS } from '../limits/index.js';
import type { Challenge, Credentials } from './auth.js';
import { basicHeader, parseChallenge } from './auth.js';
import type { RequestBody, TransportOptions } from './http.js';
import { Transport, drain, readBody } from './http.js';
import type { Descriptor, ImageIndex, ImageManifest } from './manifest.js';
import { MANIFEST_ACCEPT, MEDIA_TYPES, parseManifestDocument } from './manifest.js';
import type { ImageReference } from './reference.js';
import { isLoopbackHost, registryHost } from './reference.js';

export type OciLimits = Pick<Limits, 'maxManifestBytes' | 'maxManifestLayers' | 'maxLayerBytes' | 'maxLayerPathBytes' | 'maxRegistryResponseBytes' | 'maxArchiveEntries' | 'maxBundleBytes'>;

export interface ClientOptions extends TransportOptions {
  /** Talk plain HTTP (loopback registries only; refused otherwise). */
  readonly plainHttp?: boolean;
  /** Credentials per registry key (`host[:port]`), e.g. from a docker config.json. */
  readonly credentials?: ReadonlyMap<string, Credentials>;
  readonly limits?: Partial<OciLimits>;
  /** Upload blobs larger than this in PATCH chunks of this size (default: one monolithic PUT). */
  readonly chunkSize?: number;
}

export interface FetchedManifest {
  readonly digest: string;
  readonly mediaType: string;
  readonly bytes: Buffer;
  readonly document: ImageManifest | ImageIndex;
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function hexOf(digest: string): string {
  return digest.slice('sha256:'.length);
}

/** A registry answered with an HTTP error status (after retries, for 429 and 5xx). */
export class RegistryHttpError extends BulwarkError {
  readonly status: number;
  constructor(status: number, message: string) {
    super('IO', message);
    this.status = status;
  }
}

/** The registry said the manifest or blob does not exist (404): a fact about the registry, not an outage. */
export function isRegistryNotFound(e: unknown): boolean {
  return e instanceof RegistryHttpError && e.status === 404;
}

function verificationError(message: string): BulwarkError {
  return new BulwarkError('VERIFICATION', message);
}

export class RegistryClient {
  readonly registry: string;
  readonly limits: OciLimits;
  private readonly transport: Transport;
  private readonly base: URL;
  private readonly credentials: Credentials | undefined;
  private readonly chunkSize: number | undefined;
  /** Authorization per repository (a Bearer token is scoped to one), or for the host (Basic). */
  private readonly tokens = new Map<string, string>();
  private basic = false;

  constructor(registry: string, options: ClientOptions = {}) {
    this.registry = registry;
    const host = registryHost(registry);
    if (options.plainHttp === true && !isLoopbackHost(host)) {
      throw new BulwarkError('USAGE', `--plain-http is allowed only for registries on loopback addresses (localhost, 127.0.0.0/8, ::1), not ${registry}`);
    }
    this.base = new URL(`${options.plainHttp === true ? 'http' : 'https'}://${registry}/`);
    this.transport = new Transport(options);
    this.credentials = options.credentials?.get(registry) ?? options.credentials?.get(host);
    this.limits = { ...pickOci(DEFAULT_LIMITS), ...options.limits };
    if (options.chunkSize !== undefined && (!Number.isSafeInteger(options.chunkSize) || options.chunkSize <= 0)) throw new BulwarkError('USAGE', 'the upload chunk size must be a positive integer');
    this.chunkSize = options.chunkSize;
  }

  close(): void {
    this.transport.close();
  }

  private url(path: string): URL {
    return new URL(path, this.base);
  }

  private authorization(repo: string): string | undefined {
    const t = this.tokens.get(repo);
    if (t !== undefined) return `Bearer ${t}`;
    if (this.basic && this.credentials !== undefined) return basicHeader(this.credentials);
    return undefined;
  }

  /** Answer a 401 challenge: fetch a token (Bearer) or switch to Basic. False when nothing can be done. */
  private async authenticate(repo: string, challenge: Challenge | undefined): Promise<boolean> {
    if (challenge === undefined) return false;
    if (challenge.scheme === 'basic') {
      if (this.credentials === undefined || this.basic) return false;
      this.basic = true;
      return true;
    }
    const realm = challenge.params['realm'];
    if (realm === undefined || realm === '') return false;
    let realmUrl: URL;
    try {
      realmUrl = new URL(realm);
    } catch {
      throw new BulwarkError('IO', `registry ${this.registry}: the token realm ${JSON.stringify(realm.slice(0, 200))} is not a URL`);
    }
    Transport.checkScheme(realmUrl);
    if (challenge.params['service'] !== undefined) realmUrl.searchParams.set('service', challenge.params['service']);
    if (challenge.params['scope'] !== undefined) realmUrl.searchParams.set('scope', challenge.params['scope']);
    const creds = this.credentials;
    const res = await this.transport.send({ method: 'GET', url: realmUrl }, () => (creds !== undefined ? basicHeader(creds) : undefined));
    const body = await readBody(res, this.limits.maxRegistryResponseBytes, 'maxRegistryResponseBytes', 'the token response');
    if (res.statusCode !== 200) {
      throw new BulwarkError('IO', `registry ${this.registry}: the token server ${realmUrl.host} answered ${res.statusCode}${creds === undefined ? ' (no credentials for this registry: docker login, or --registry-config)' : ' (check the credentials)'}`);
    }
    let token: unknown;
    try {
      const doc = JSON.parse(body.toString('utf8')) as { token?: unknown; access_token?: unknown };
      token = doc.token ?? doc.access_token;
    } catch {
      token = undefined;
    }
    if (typeof token !== 'string' || token === '' || /[\r\n]/.test(token)) throw new BulwarkError('IO', `registry ${this.registry}: the token server gave no token`);
    const previous = this.tokens.get(repo);
    this.tokens.set(repo, token);
    return previous !== token;
  }

  /** One authenticated request: retries, redirects and one re-authentication on 401. */
  async request(repo: string, method: string, path: string | URL, headers: OutgoingHttpHeaders = {}, body?: RequestBody): Promise<IncomingMessage> {
    const url = typeof path === 'string' ? this.url(path) : path;
    for (let auth = 0; ; auth++) {
      const res = await this.transport.send({ method, url, headers, ...(body !== undefined && { body }) }, () => this.authorization(repo));
      if (res.statusCode === 401 && auth < 2) {
        const challenge = parseChallenge(res.headers['www-authenticate']);
        await drain(res);
        if (await this.authenticate(repo, challenge)) continue;
        throw new BulwarkError('IO', `registry ${this.registry}: ${method} ${url.pathname}: authentication required${this.credentials === undefined ? ' (no credentials for this registry: docker login, or --registry-config)' : ' (the credentials were refused)'}`);
      }
      return res;
    }
  }

  /** A non-success response as one IO error line (the registry's error code and message, bounded). */
  private async failure(res: IncomingMessage, what: string): Promise<BulwarkError> {
    let detail = '';
    try {
      const body = await readBody(res, 64 * 1024, 'maxRegistryResponseBytes', 'the error response');
      const doc = JSON.parse(body.toString('utf8')) as { errors?: Array<{ code?: unknown; message?: unknown }> };
      const e = doc.errors?.[0];
      if (e !== undefined) detail = ` ${String(e.code ?? '')}${e.message !== undefined ? `: ${String(e.message)}` : ''}`.slice(0, 300);
    } catch {
      // no readable error document
    }
    return new RegistryHttpError(res.statusCode ?? 0, `registry ${this.registry}: ${what}: HTTP ${res.statusCode}${detail}`);
  }

  /** Fetch a manifest or index by tag or digest; the bytes are bounded and a digest reference is checked. */
  async getManifest(ref: ImageReference | { name: string; reference: string }): Promise<FetchedManifest> {
    const name = ref.name;
    const reference = 'reference' in ref ? ref.reference : (ref.digest ?? ref.tag ?? 'latest');
    const res = await this.request(name, 'GET', `/v2/${name}/manifests/${reference}`, { accept: MANIFEST_ACCEPT });
    if (res.statusCode !== 200) throw await this.failure(res, `manifest ${name}:${reference}`);
    const bytes = await readBody(res, this.limits.maxManifestBytes, 'maxManifestBytes', `the manifest of ${name}:${reference}`);
    const digest = sha256Digest(bytes);
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw verificationError(`the registry returned a manifest for ${name}@${reference} whose digest is ${digest}`);
    }
    const document = parseManifestDocument(bytes, res.headers['content-type'], this.limits);
    return { digest, mediaType: document.mediaType, bytes, document };
  }

  /** Optional: the manifest if it exists, undefined on 404. */
  async findManifest(name: string, reference: string): Promise<FetchedManifest | undefined> {
    const res = await this.request(name, 'HEAD', `/v2/${name}/manifests/${reference}`, { accept: MANIFEST_ACCEPT });
    await drain(res);
    if (res.statusCode === 404) return undefined;
    return this.getManifest({ name, reference });
  }

  /** Resolve a tag to the digest of what it points at now. */
  async resolve(ref: ImageReference): Promise<string> {
    return (await this.getManifest(ref)).digest;
  }

  /**
   * Stream a blob. Every chunk is counted and hashed as it is read: more bytes than the descriptor
   * says fail at once, and the digest is compared at the end, before the caller may trust anything
   * it wrote (callers write to private temporary places and publish only after the loop ends).
   */
  async *blob(name: string, desc: Pick<Descriptor, 'digest' | 'size'>): AsyncGenerator<Buffer> {
    if (desc.size > this.limits.maxLayerBytes) throw new LimitExceededError('maxLayerBytes', this.limits.maxLayerBytes, `blob ${desc.digest} declares ${desc.size} bytes, more than maxLayerBytes (${this.limits.maxLayerBytes})`);
    const res = await this.request(name, 'GET', `/v2/${name}/blobs/${desc.digest}`);
    if (res.statusCode !== 200) throw await this.failure(res, `blob ${desc.digest}`);
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared !== desc.size) {
      res.destroy();
      throw verificationError(`blob ${desc.digest}: the registry sends ${declared} bytes, the descriptor says ${desc.size}`);
    }
    const h = createHash('sha256');
    let n = 0;
    try {
      for await (const chunk of res) {
        const b = chunk as Buffer;
        n += b.length;
        if (n > desc.size) throw verificationError(`blob ${desc.digest} is longer than its descriptor's ${desc.size} bytes`);
        h.update(b);
        yield b;
      }
    } finally {
      res.destroy();
    }
    if (n !== desc.size) throw verificationError(`blob ${desc.digest}: ${n} bytes received, the descriptor says ${desc.size}`);
    const got = `sha256:${h.digest('hex')}`;
    if (got !== desc.digest) throw verificationError(`blob digest mismatch: expected ${desc.digest}, the registry sent content with digest ${got}`);
  }

  /** A whole small blob (configs, signature bundles), bounded and verified. */
  async blobBytes(name: string, desc: Pick<Descriptor, 'digest' | 'size'>, max: number, limitName: string): Promise<Buffer> {
    if (desc.size > max) throw new LimitExceededError(limitName, max, `blob ${desc.digest} declares ${desc.size} bytes, more than ${limitName} (${max})`);
    const chunks: Buffer[] = [];
    for await (const c of this.blob(name, desc)) chunks.push(c);
    return Buffer.concat(chunks);
  }

  async hasBlob(name: string, digest: string): Promise<boolean> {
    const res = await this.request(name, 'HEAD', `/v2/${name}/blobs/${digest}`);
    await drain(res);
    if (res.statusCode === 200) return true;
    if (res.statusCode === 404) return false;
    throw new BulwarkError('IO', `registry ${this.registry}: HEAD blob ${digest}: HTTP ${res.statusCode}`);
  }

  private uploadUrl(res: IncomingMessage, what: string): URL {
    const loc = res.headers.location;
    if (loc === undefined || loc === '') throw new BulwarkError('IO', `registry ${this.registry}: ${what}: no Location in the upload response`);
    const u = new URL(loc, this.base);
    if (u.origin !== this.base.origin) Transport.checkScheme(u);
    return u;
  }

  /**
   * Push a blob unless the registry has it: one monolithic PUT, or PATCH chunks of `chunkSize` then a
   * closing PUT. `open(start, end)` gives the bytes [start, end) afresh (a retry re-reads them).
   */
  async pushBlob(name: string, desc: Pick<Descriptor, 'digest' | 'size'>, open: (start: number, end: number) => Buffer | Readable): Promise<'exists' | 'pushed'> {
    if (await this.hasBlob(name, desc.digest)) return 'exists';
    const start = await this.request(name, 'POST', `/v2/${name}/blobs/uploads/`);
    if (start.statusCode !== 202) throw await this.failure(start, `start upload of ${desc.digest}`);
    await drain(start);
    let loc = this.uploadUrl(start, `start upload of ${desc.digest}`);
    const chunk = this.chunkSize;
    if (chunk !== undefined && desc.size > chunk) {
      for (let off = 0; off < desc.size; off += chunk) {
        const end = Math.min(desc.size, off + chunk);
        const from = off;
        const res = await this.request(
          name,
          'PATCH',
          loc,
          { 'content-type': 'application/octet-stream', 'content-range': `${from}-${end - 1}` },
          { length: end - from, open: () => open(from, end) },
        );
        if (res.statusCode !== 202) throw await this.failure(res, `upload chunk ${from}-${end - 1} of ${desc.digest}`);
        await drain(res);
        loc = this.uploadUrl(res, `upload chunk of ${desc.digest}`);
      }
      loc.searchParams.set('digest', desc.digest);
      const done = await this.request(name, 'PUT', loc);
      if (done.statusCode !== 201) throw await this.failure(done, `finish upload of ${desc.digest}`);
      await drain(done);
      return 'pushed';
    }
    loc.searchParams.set('digest', desc.digest);
    const res = await this.request(name, 'PUT', loc, { 'content-type': 'application/octet-stream' }, { length: desc.size, open: () => open(0, desc.size) });
    if (res.statusCode !== 201) throw await this.failure(res, `upload of ${desc.digest}`);
    await drain(res);
    return 'pushed';
  }

  /** Push a manifest under a tag or its digest. Returns its digest and whether the registry processed `subject`. */
  async pushManifest(name: string, reference: string, mediaType: string, bytes: Buffer): Promise<{ digest: string; subjectProcessed: boolean }> {
    if (bytes.length > this.limits.maxManifestBytes) throw new LimitExceededError('maxManifestBytes', this.limits.maxManifestBytes, `the manifest is ${bytes.length} bytes, more than maxManifestBytes`);
    const digest = sha256Digest(bytes);
    const res = await this.request(name, 'PUT', `/v2/${name}/manifests/${reference}`, { 'content-type': mediaType }, { length: bytes.length, open: () => bytes });
    if (res.statusCode !== 201) throw await this.failure(res, `push manifest ${name}:${reference}`);
    await drain(res);
    const returned = res.headers['docker-content-digest'];
    if (typeof returned === 'string' && returned !== '' && returned !== digest) throw verificationError(`the registry stored manifest ${name}:${reference} as ${returned}, expected ${digest}`);
    return { digest, subjectProcessed: res.headers['oci-subject'] !== undefined };
  }

  /**
   * Referrers of a manifest: the referrers API, or, when the registry answers 404 (it has no such
   * API, e.g. distribution 2.8), the tag-schema fallback index tagged `sha256-<hex>`.
   */
  async referrers(name: string, digest: string, artifactType?: string): Promise<{ descriptors: Descriptor[]; via: 'api' | 'tag' }> {
    const q = artifactType === undefined ? '' : `?artifactType=${encodeURIComponent(artifactType)}`;
    const res = await this.request(name, 'GET', `/v2/${name}/referrers/${digest}${q}`, { accept: MEDIA_TYPES.ociIndex });
    let index: ImageIndex | undefined;
    let via: 'api' | 'tag';
    if (res.statusCode === 200) {
      const bytes = await readBody(res, this.limits.maxManifestBytes, 'maxManifestBytes', 'the referrers list');
      const doc = parseManifestDocument(bytes, MEDIA_TYPES.ociIndex, this.limits);
      if (doc.kind !== 'index') throw new BulwarkError('MALFORMED', 'malformed registry document: the referrers response is not an index');
      index = doc;
      via = 'api';
    } else if (res.statusCode === 404) {
      await drain(res);
      index = await this.fallbackIndex(name, digest);
      via = 'tag';
    } else throw await this.failure(res, `referrers of ${digest}`);
    const descriptors = (index?.manifests ?? []).filter((d) => artifactType === undefined || d.artifactType === artifactType);
    return { descriptors, via };
  }

  static fallbackTag(digest: string): string {
    return `sha256-${hexOf(digest)}`;
  }

  private async fallbackIndex(name: string, digest: string): Promise<ImageIndex | undefined> {
    const found = await this.findManifest(name, RegistryClient.fallbackTag(digest));
    if (found === undefined) return undefined;
    if (found.document.kind !== 'index') throw new BulwarkError('MALFORMED', `malformed registry document: the referrers tag ${RegistryClient.fallbackTag(digest)} is not an index`);
    return found.document;
  }

  /**
   * Attach a referrer manifest (one with `subject`): push it by digest; when the registry did not
   * process the subject (no `OCI-Subject` header), add it to the `sha256-<hex>` fallback index too.
   */
  async attachReferrer(name: string, subjectDigest: string, mediaType: string, bytes: Buffer, artifactType: string, annotations?: Readonly<Record<string, string>>): Promise<{ digest: string; via: 'api' | 'tag' }> {
    const digest = sha256Digest(bytes);
    const pushed = await this.pushManifest(name, digest, mediaType, bytes);
    if (pushed.subjectProcessed) return { digest, via: 'api' };
    const existing = await this.fallbackIndex(name, subjectDigest);
    const manifests: Array<Record<string, unknown>> = (existing?.manifests ?? []).filter((d) => d.digest !== digest).map((d) => ({ ...d }));
    manifests.push({ mediaType, digest, size: bytes.length, artifactType, ...(annotations !== undefined && { annotations }) });
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests }), 'utf8');
    await this.pushManifest(name, RegistryClient.fallbackTag(subjectDigest), MEDIA_TYPES.ociIndex, index);
    return { digest, via: 'tag' };
  }
}

function pickOci(l: Limits): OciLimits {
  return {
    maxManifestBytes: l.maxManifestBytes,
    maxManifestLayers: l.maxManifestLayers,
    maxLayerBytes: l.maxLayerBytes,
    maxLayerPathBytes: l.maxLayerPathBytes,
    maxRegistryResponseBytes: l.maxRegistryResponseBytes,
    maxArchiveEntries: l.maxArchiveEntries,
    maxBundleBytes: l.maxBundleBytes,
  };
}

export function ociLimits(l: Limits): OciLimits {
  return pickOci(l);
}
