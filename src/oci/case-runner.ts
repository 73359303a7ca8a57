/**
 * Runs an OCI rule case the way `bulwark scan oci://REF` runs: the case's layers are served by a
 * loopback registry double (plain HTTP, as the distribution spec answers), fetched with the real
 * client into a private folder, and a refusal is reported through a Reporter (reportRefusal).
 * Test-only (left out of the build).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Finding } from '../findings/index.js';
import type { RuleCase } from '../rules/index.js';
import { Reporter } from '../rules/index.js';
import { fetchLayersInto, resolveManifest } from './artifact.js';
import { RegistryClient } from './client.js';
import { EMPTY_DIGEST, EMPTY_JSON, MEDIA_TYPES } from './manifest.js';
import { MODELPACK } from './modelpack.js';
import { parseReference } from './reference.js';
import { reportRefusal } from './rules.js';

const digestOf = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export async function runOciRuleCase(c: RuleCase, _ruleId: string): Promise<Finding[]> {
  const blobs = new Map<string, Buffer>([[EMPTY_DIGEST, EMPTY_JSON]]);
  const tamper = c.options?.['tamper'];
  const layers = Object.entries(c.files).map(([path, content]) => {
    const data = Buffer.from(typeof content === 'function' ? content() : content);
    const digest = digestOf(data);
    blobs.set(digest, path === tamper ? Buffer.from(data.map((b) => b ^ 0x20)) : data);
    return path.endsWith('.tar')
      ? { mediaType: MODELPACK.weightTar, digest, size: data.length }
      : { mediaType: MODELPACK.weightRaw, digest, size: data.length, annotations: { [MODELPACK.filepathAnnotation]: path } };
  });
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, artifactType: MODELPACK.artifactType, config: { mediaType: MODELPACK.config, digest: EMPTY_DIGEST, size: 2 }, layers }));
  const server = createServer((req, res) => {
    const url = req.url ?? '';
    if (url === '/v2/case/manifests/v1') {
      res.writeHead(200, { 'content-type': MEDIA_TYPES.ociManifest, 'content-length': manifest.length });
      res.end(manifest);
      return;
    }
    const blob = /^\/v2\/case\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url)?.[1];
    const data = blob === undefined ? undefined : blobs.get(blob);
    if (data === undefined) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-length': data.length });
    res.end(data);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new RegistryClient(host, { plainHttp: true, maxAttempts: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-oci-case-'));
  const reporter = new Reporter();
  const ref = parseReference(`${host}/case:v1`);
  let location = `oci://${host}/case:v1`;
  try {
    const resolved = await resolveManifest(client, ref);
    location = `oci://${host}/case@${resolved.digest}`;
    await fetchLayersInto(client, ref.name, resolved, dir);
  } catch (e) {
    if (!reportRefusal(reporter, e, location)) throw e;
  } finally {
    client.close();
    rmSync(dir, { recursive: true, force: true });
    await new Promise<void>((r) => server.close(() => r()));
  }
  return reporter.finish();
}
