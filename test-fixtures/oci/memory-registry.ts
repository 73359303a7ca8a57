/**
 * A small in-memory OCI registry on loopback (plain HTTP) for rule cases and fast tests: the subset
 * of the distribution spec Bulwark's client uses — manifests by tag or digest (GET/HEAD/PUT), blobs
 * (HEAD/GET, monolithic POST+PUT uploads), no referrers API (404, as distribution 2.8: the client
 * uses the `sha256-<hex>` tag fallback). Tests can change a stored blob behind its digest (`tamper`),
 * re-point a tag (`tag`), and make every request fail (`down`). The real-registry tests use Debian's
 * docker-registry (test-fixtures/oci/registry.ts); this double answers in the same wire format.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MemoryRegistry {
  readonly host: string;
  /** Serve other bytes for a blob than its digest says (flip each byte's 0x20 bit). */
  tamper(digest: string): void;
  /** Point a tag at a stored manifest digest. */
  tag(name: string, tag: string, digest: string): void;
  /** 503 for every request while true. */
  down: boolean;
  /** Requests served (for cache tests). */
  requests: number;
  close(): Promise<void>;
}

const digestOf = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function body(req: IncomingMessage, max = 64 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > max) throw new Error('body too large');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function startMemoryRegistry(): Promise<MemoryRegistry> {
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, { bytes: Buffer; mediaType: string }>();
  const tags = new Map<string, string>();
  const uploads = new Set<string>();
  const tampered = new Set<string>();
  const state = { down: false, requests: 0 };

  const send = (res: ServerResponse, code: number, data?: Buffer, headers: Record<string, string | number> = {}, head = false): void => {
    res.writeHead(code, { ...headers, 'content-length': data?.length ?? 0 });
    res.end(head ? undefined : data);
  };

  const server = createServer((req, res) => {
    state.requests++;
    void (async () => {
      if (state.down) return send(res, 503, Buffer.from('{"errors":[{"code":"UNAVAILABLE","message":"down for maintenance"}]}'));
      const url = new URL(req.url ?? '/', 'http://x');
      const path = url.pathname;
      const head = req.method === 'HEAD';
      if (path === '/v2/' || path === '/v2') return send(res, 200, Buffer.from('{}'));
      let m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path);
      if (m) {
        const [, name, ref] = m as unknown as [string, string, string];
        if (req.method === 'PUT') {
          const bytes = await body(req);
          const digest = digestOf(bytes);
          manifests.set(digest, { bytes, mediaType: req.headers['content-type'] ?? 'application/vnd.oci.image.manifest.v1+json' });
          if (!ref.startsWith('sha256:')) tags.set(`${name}:${ref}`, digest);
          return send(res, 201, undefined, { 'docker-content-digest': digest, location: `/v2/${name}/manifests/${digest}` });
        }
        const digest = ref.startsWith('sha256:') ? ref : tags.get(`${name}:${ref}`);
        const found = digest === undefined ? undefined : manifests.get(digest);
        if (found === undefined || digest === undefined) return send(res, 404, Buffer.from('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}'));
        return send(res, 200, found.bytes, { 'content-type': found.mediaType, 'docker-content-digest': digest }, head);
      }
      m = /^\/v2\/(.+)\/blobs\/uploads\/?([^/]*)$/.exec(path);
      if (m) {
        const [, name, id] = m as unknown as [string, string, string];
        if (req.method === 'POST') {
          const u = randomUUID();
          uploads.add(u);
          return send(res, 202, undefined, { location: `/v2/${name}/blobs/uploads/${u}` });
        }
        if (req.method === 'PUT' && uploads.has(id)) {
          const bytes = await body(req);
          const digest = url.searchParams.get('digest') ?? '';
          if (digestOf(bytes) !== digest) return send(res, 400, Buffer.from('{"errors":[{"code":"DIGEST_INVALID"}]}'));
          uploads.delete(id);
          blobs.set(digest, bytes);
          return send(res, 201, undefined, { 'docker-content-digest': digest });
        }
        return send(res, 404);
      }
      m = /^\/v2\/(.+)\/blobs\/(sha256:[0-9a-f]{64})$/.exec(path);
      if (m) {
        const digest = m[2] as string;
        const data = blobs.get(digest);
        if (data === undefined) return send(res, 404, Buffer.from('{"errors":[{"code":"BLOB_UNKNOWN"}]}'));
        const served = tampered.has(digest) ? Buffer.from(data.map((b) => b ^ 0x20)) : data;
        return send(res, 200, served, { 'content-type': 'application/octet-stream', 'docker-content-digest': digest }, head);
      }
      return send(res, 404);
    })().catch(() => {
      if (!res.headersSent) send(res, 500);
      else res.destroy();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    tamper: (d) => tampered.add(d),
    tag: (name, tag, digest) => tags.set(`${name}:${tag}`, digest),
    get down() {
      return state.down;
    },
    set down(v: boolean) {
      state.down = v;
    },
    get requests() {
      return state.requests;
    },
    set requests(v: number) {
      state.requests = v;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
