/**
 * A recorded-response registry double with the referrers API (distribution 2.8, the real registry of
 * the tests, has none): manifests by tag or digest, blobs, and `GET /v2/<name>/referrers/<digest>`
 * answering an index of the stored manifests whose `subject` is that digest (OCI distribution spec
 * v1.1). Content is put in directly; every request is logged.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReferrersDouble {
  readonly host: string;
  readonly log: string[];
  putBlob(name: string, bytes: Buffer): string;
  putManifest(name: string, bytes: Buffer, tag?: string): string;
  close(): Promise<void>;
}

const digestOf = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export async function startReferrersDouble(): Promise<ReferrersDouble> {
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, Buffer>();
  const tags = new Map<string, string>();
  const log: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    log.push(`${req.method ?? ''} ${url.pathname}`);
    const send = (status: number, body: Buffer, type: string): void => {
      res.writeHead(status, { 'content-type': type, 'content-length': body.length, 'docker-content-digest': digestOf(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const notFound = (): void => send(404, Buffer.from('{"errors":[{"code":"NOT_FOUND"}]}'), 'application/json');
    let m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname);
    if (m) {
      const ref = m[2] as string;
      const key = `${m[1]}@${ref.startsWith('sha256:') ? ref : (tags.get(`${m[1]}:${ref}`) ?? '')}`;
      const b = manifests.get(key);
      if (b === undefined) return notFound();
      return send(200, b, String((JSON.parse(b.toString()) as { mediaType?: string }).mediaType));
    }
    m = /^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]{64})$/.exec(url.pathname);
    if (m) {
      const b = blobs.get(`${m[1]}@${m[2]}`);
      return b === undefined ? notFound() : send(200, b, 'application/octet-stream');
    }
    m = /^\/v2\/(.+)\/referrers\/(sha256:[a-f0-9]{64})$/.exec(url.pathname);
    if (m) {
      const want = url.searchParams.get('artifactType');
      const list = [];
      for (const [key, b] of manifests) {
        if (!key.startsWith(`${m[1]}@`)) continue;
        const doc = JSON.parse(b.toString()) as { mediaType: string; artifactType?: string; subject?: { digest: string }; annotations?: unknown };
        if (doc.subject?.digest !== m[2] || (want !== null && doc.artifactType !== want)) continue;
        list.push({ mediaType: doc.mediaType, digest: digestOf(b), size: b.length, ...(doc.artifactType !== undefined && { artifactType: doc.artifactType }) });
      }
      return send(200, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: list })), 'application/vnd.oci.image.index.v1+json');
    }
    notFound();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    putBlob(name, bytes) {
      const d = digestOf(bytes);
      blobs.set(`${name}@${d}`, bytes);
      return d;
    },
    putManifest(name, bytes, tag) {
      const d = digestOf(bytes);
      manifests.set(`${name}@${d}`, bytes);
      if (tag !== undefined) tags.set(`${name}:${tag}`, d);
      return d;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
