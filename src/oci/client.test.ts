/**
 * The registry client against a recorded-response double (an HTTP server on loopback answering as
 * the OCI distribution spec says): the referrers API (distribution 2.8 has none, so the real-registry
 * tests cover only the tag fallback), Bearer token challenges, retries with Retry-After, redirects,
 * digest and size checks, index platform selection; and the pure parsers.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEDIA_TYPES, RegistryClient, parseChallenge, parseReference, retryAfterMs, safeRelativePath, selectManifest, sha256Digest } from './index.js';
import type { ImageIndex } from './index.js';

describe('parseReference', () => {
  it.each([
    ['localhost:5000/models/llama:v1', { registry: 'localhost:5000', name: 'models/llama', tag: 'v1' }],
    ['oci://registry.example.com/a/b/c', { registry: 'registry.example.com', name: 'a/b/c', tag: 'latest' }],
    [`127.0.0.1:5000/m@sha256:${'a'.repeat(64)}`, { registry: '127.0.0.1:5000', name: 'm', digest: `sha256:${'a'.repeat(64)}` }],
    [`r.io/m:t@sha256:${'b'.repeat(64)}`, { registry: 'r.io', name: 'm', tag: 't', digest: `sha256:${'b'.repeat(64)}` }],
  ])('%s', (text, expected) => {
    expect(parseReference(text)).toEqual(expected);
  });
  it.each([
    ['library/ubuntu', /not a registry host/],
    ['ubuntu', /give the registry host/],
    ['r.io/UPPER', /lower-case/],
    ['r.io/m@sha256:abc', /64 lower-case hex/],
    ['r.io/m:bad tag', /invalid tag/],
    ['r.io/../m', /lower-case/],
  ])('refuses %s', (text, re) => {
    expect(() => parseReference(text)).toThrow(re);
  });
});

describe('parseChallenge / retryAfterMs / safeRelativePath', () => {
  it('parses Bearer and Basic challenges', () => {
    expect(parseChallenge('Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:m:pull,push"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.example.com/token', service: 'registry.example.com', scope: 'repository:m:pull,push' },
    });
    expect(parseChallenge('Basic realm="x"')).toEqual({ scheme: 'basic', params: { realm: 'x' } });
    expect(parseChallenge('Negotiate abc')).toBeUndefined();
    expect(parseChallenge(undefined)).toBeUndefined();
  });
  it('reads Retry-After seconds and dates', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(Date.now() + 5000).toUTCString(), Date.now())).toBeGreaterThan(3000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });
  it.each([
    ['a/b.bin', 'a/b.bin'],
    ['./a/./b', 'a/b'],
    ['dir/', 'dir'],
  ])('accepts %s', (p, want) => expect(safeRelativePath(p, 4096, 'test')).toBe(want));
  it.each([
    ['../x', /escapes/],
    ['a/../../x', /escapes/],
    ['/etc/passwd', /absolute/],
    ['C:/x', /absolute/],
    ['a\\..\\x', /backslash/],
    ['a\u0000b', /control/],
    ['a//b', /empty component/],
    ['', /empty path/],
    ['x'.repeat(5000), /maxLayerPathBytes/],
  ])('refuses %#', (p, re) => expect(() => safeRelativePath(p, 4096, 'test')).toThrow(re));
});

describe('selectManifest', () => {
  const d = (digit: string, platform?: { os: string; architecture: string }) => ({ mediaType: MEDIA_TYPES.ociManifest, digest: `sha256:${digit.repeat(64)}`, size: 1, ...(platform && { platform }) });
  const index: ImageIndex = { kind: 'index', mediaType: MEDIA_TYPES.ociIndex, manifests: [d('1', { os: 'linux', architecture: 'arm64' }), d('2', { os: 'linux', architecture: 'amd64' })] };
  it('takes linux/amd64 by default, or the given platform', () => {
    expect(selectManifest(index).digest).toBe(`sha256:${'2'.repeat(64)}`);
    expect(selectManifest(index, { os: 'linux', architecture: 'arm64' }).digest).toBe(`sha256:${'1'.repeat(64)}`);
    expect(() => selectManifest(index, { os: 'windows', architecture: 'amd64' })).toThrow(/no manifest for windows\/amd64/);
  });
  it('takes the only manifest of a model index', () => {
    expect(selectManifest({ ...index, manifests: [d('3')] }).digest).toBe(`sha256:${'3'.repeat(64)}`);
  });
});

/** The double: routes answer with recorded responses; every request is logged. */
type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;
const routes = new Map<string, Handler>();
const log: Array<{ method: string; url: string; auth?: string }> = [];
let base = '';
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    log.push({ method: req.method ?? '', url: req.url ?? '', ...(req.headers.authorization !== undefined && { auth: req.headers.authorization }) });
    const key = `${req.method} ${(req.url ?? '').split('?')[0]}`;
    const h = routes.get(key);
    if (h) h(req, res, Buffer.concat(chunks));
    else {
      res.statusCode = 404;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ errors: [{ code: 'NOT_FOUND', message: `no route ${key}` }] }));
    }
  });
});
const other = createServer((req, res) => {
  log.push({ method: req.method ?? '', url: `other:${req.url ?? ''}`, ...(req.headers.authorization !== undefined && { auth: req.headers.authorization }) });
  res.end('blob-data');
});
let otherBase = '';

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
  base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  otherBase = `localhost:${(other.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await new Promise<void>((r) => other.close(() => r()));
});

function json(res: ServerResponse, status: number, doc: unknown, headers: Record<string, string> = {}): void {
  const b = Buffer.from(JSON.stringify(doc));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': b.length, ...headers });
  res.end(b);
}

const SUBJECT = `sha256:${'c'.repeat(64)}`;
const client = (o: ConstructorParameters<typeof RegistryClient>[1] = {}) => new RegistryClient(base, { plainHttp: true, retryBaseMs: 5, ...o });

describe('RegistryClient against a recorded-response double', () => {
  it('lists referrers through the referrers API, filtered by artifactType', async () => {
    const bundleType = 'application/vnd.dev.sigstore.bundle.v0.3+json';
    routes.set(`GET /v2/m/referrers/${SUBJECT}`, (req, res) => {
      expect(req.headers.accept).toContain(MEDIA_TYPES.ociIndex);
      json(res, 200, {
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.ociIndex,
        manifests: [
          { mediaType: MEDIA_TYPES.ociManifest, digest: `sha256:${'d'.repeat(64)}`, size: 10, artifactType: bundleType },
          { mediaType: MEDIA_TYPES.ociManifest, digest: `sha256:${'e'.repeat(64)}`, size: 10, artifactType: 'application/spdx+json' },
        ],
      });
    });
    const c = client();
    try {
      const r = await c.referrers('m', SUBJECT, bundleType);
      expect(r.via).toBe('api');
      expect(r.descriptors.map((d) => d.digest)).toEqual([`sha256:${'d'.repeat(64)}`]);
      expect(log.at(-1)?.url).toBe(`/v2/m/referrers/${SUBJECT}?artifactType=${encodeURIComponent(bundleType)}`);
    } finally {
      c.close();
    }
  });

  it('falls back to the sha256-<hex> tag when the referrers API answers 404, and to none when the tag is absent', async () => {
    const c = client();
    try {
      expect(await c.referrers('nofallback', SUBJECT)).toEqual({ descriptors: [], via: 'tag' });
      expect(log.some((l) => l.method === 'HEAD' && l.url === `/v2/nofallback/manifests/sha256-${'c'.repeat(64)}`)).toBe(true);
    } finally {
      c.close();
    }
  });

  it('attaches a referrer without the fallback tag when the registry processes subject (OCI-Subject)', async () => {
    routes.set('PUT /v2/m/manifests/' + sha256Digest(Buffer.from('{"x":1}')), (_req, res) => {
      res.writeHead(201, { 'oci-subject': SUBJECT });
      res.end();
    });
    const c = client();
    const start = log.length;
    try {
      const r = await c.attachReferrer('m', SUBJECT, MEDIA_TYPES.ociManifest, Buffer.from('{"x":1}'), 'a/b');
      expect(r.via).toBe('api');
      expect(log.slice(start).some((l) => l.url.includes('sha256-'))).toBe(false);
    } finally {
      c.close();
    }
  });

  it('answers a Bearer challenge with a token fetched with Basic credentials, and reuses it', async () => {
    let tokenCalls = 0;
    routes.set('GET /token', (req, res) => {
      tokenCalls++;
      const url = new URL(req.url ?? '', 'http://x');
      expect(url.searchParams.get('service')).toBe('double');
      expect(url.searchParams.get('scope')).toBe('repository:auth:pull');
      expect(req.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
      json(res, 200, { token: 'tok-1' });
    });
    const manifest = { schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: { mediaType: 'a/b', digest: SUBJECT, size: 1 }, layers: [] };
    routes.set('GET /v2/auth/manifests/v1', (req, res) => {
      if (req.headers.authorization !== 'Bearer tok-1') {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${base}/token",service="double",scope="repository:auth:pull"` });
        res.end();
        return;
      }
      json(res, 200, manifest, { 'content-type': MEDIA_TYPES.ociManifest });
    });
    const c = client({ credentials: new Map([[base, { username: 'u', password: 'p' }]]) });
    try {
      const m = await c.getManifest(parseReference(`${base}/auth:v1`));
      expect(m.document.kind).toBe('manifest');
      await c.getManifest(parseReference(`${base}/auth:v1`));
      expect(tokenCalls).toBe(1);
    } finally {
      c.close();
    }
  });

  it('retries 503 and 429 with backoff (Retry-After honoured), within bounded attempts', async () => {
    let calls = 0;
    routes.set('GET /v2/flaky/manifests/v1', (_req, res) => {
      calls++;
      if (calls < 3) {
        res.writeHead(calls === 1 ? 503 : 429, { 'retry-after': '0' });
        res.end();
        return;
      }
      json(res, 200, { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [] });
    });
    let down = 0;
    routes.set('GET /v2/down/manifests/v1', (_req, res) => {
      down++;
      res.writeHead(503);
      res.end();
    });
    const c = client({ maxAttempts: 3 });
    try {
      expect((await c.getManifest(parseReference(`${base}/flaky:v1`))).document.kind).toBe('index');
      expect(calls).toBe(3);
      await expect(c.getManifest(parseReference(`${base}/down:v1`))).rejects.toThrow(/HTTP 503/);
      expect(down).toBe(3);
    } finally {
      c.close();
    }
  });

  it('checks blob digests and sizes on every read, and manifest digests', async () => {
    const good = Buffer.from('hello');
    const digest = `sha256:${createHash('sha256').update(good).digest('hex')}`;
    routes.set(`GET /v2/b/blobs/${digest}`, (_req, res) => res.end(Buffer.from('HELLO')));
    const long = `sha256:${'f'.repeat(64)}`;
    routes.set(`GET /v2/b/blobs/${long}`, (_req, res) => res.end(Buffer.alloc(100)));
    routes.set(`GET /v2/b/manifests/${SUBJECT}`, (_req, res) => json(res, 200, { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [] }));
    const c = client();
    try {
      const read = async (d: string, size: number) => {
        for await (const _ of c.blob('b', { digest: d, size })) void _;
      };
      await expect(read(digest, 5)).rejects.toThrow(/blob digest mismatch/);
      await expect(read(long, 10)).rejects.toThrow(/sends 100 bytes, the descriptor says 10/);
      await expect(read(long, 1024 ** 4)).rejects.toThrow(/maxLayerBytes/);
      await expect(c.getManifest({ name: 'b', reference: SUBJECT })).rejects.toThrow(/whose digest is/);
    } finally {
      c.close();
    }
  });

  it('follows a blob redirect to another origin without the Authorization header', async () => {
    const data = Buffer.from('blob-data');
    const digest = sha256Digest(data);
    routes.set(`GET /v2/r/blobs/${digest}`, (req, res) => {
      if (req.headers.authorization === undefined) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="double"' });
        res.end();
        return;
      }
      res.writeHead(307, { location: `http://${otherBase}/storage/blob` });
      res.end();
    });
    const c = client({ credentials: new Map([[base, { username: 'u', password: 'p' }]]) });
    try {
      const chunks: Buffer[] = [];
      for await (const ch of c.blob('r', { digest, size: data.length })) chunks.push(ch);
      expect(Buffer.concat(chunks).toString()).toBe('blob-data');
      const hop = log.find((l) => l.url === 'other:/storage/blob');
      expect(hop).toBeDefined();
      expect(hop?.auth).toBeUndefined();
    } finally {
      c.close();
    }
  });
});
