/**
 * Cross-checks with real tools (Debian `skopeo`, `umoci`, `docker-registry`; each part skips when its
 * tool is absent): an image built by the test builder is copied by skopeo into a docker-archive and
 * into a registry on loopback, and Bulwark's findings are the same for the layout, the archive and
 * `oci://`; umoci builds a layout of its own (real gzip layers, its own JSON) that Bulwark reads.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Finding, ImageLayerLocation, ScanReport } from '../findings/index.js';
import { scan, scanOptions } from '../engine/index.js';
import { RegistryClient, parseReference, resolveManifest } from '../oci/index.js';
import { resolveLimits } from '../limits/index.js';
import { pickle } from '../../test-fixtures/pickle-builder.js';
import { BASE_MEMBERS, buildImage, writeOciLayout } from '../../test-fixtures/oci-image-builder.js';
import { hasRegistry, startRegistry } from '../../test-fixtures/oci/registry.js';
import { registryImage } from './index.js';

const has = (bin: string): boolean => existsSync(`/usr/bin/${bin}`);
const work = mkdtempSync(join(tmpdir(), 'bulwark-image-tools-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What must agree across the forms: rule, layer index, file (digests differ: skopeo may recompress). */
function keyed(r: ScanReport): string[] {
  return r.findings
    .filter((f: Finding) => f.ruleId.startsWith('image/') || f.ruleId.startsWith('pickle/'))
    .map((f) => {
      const l = f.location as ImageLayerLocation;
      return `${f.ruleId} ${f.severity} ${l.layerIndex ?? 'config'} ${l.file ?? ''}`;
    })
    .sort();
}

const hostile = () =>
  buildImage({
    name: 'latest',
    config: { Entrypoint: ['/usr/local/bin/serve'] },
    layers: [
      { members: BASE_MEMBERS },
      { members: [{ name: 'models/model.pkl', data: pickle((b) => b.proto(2).call('posix', 'system', 'id').stop()) }, { name: 'usr/local/bin/xmrig', data: '\x7fELF', mode: 0o755 }, { name: 'usr/local/bin/bash', data: '\x7fELF', mode: 0o4755 }, { name: 'root/.netrc', data: `machine hf.co login u password hf_${'aBcDeFgHiJ'.repeat(4)}\n` }] },
      { members: [{ name: 'root/.wh..netrc' }] },
    ],
  });

describe.skipIf(!has('skopeo'))('skopeo copies of a built image give the same findings', () => {
  it('OCI layout, docker-archive and (when docker-registry is installed) oci://', async () => {
    const layout = join(work, 'layout');
    writeOciLayout(layout, hostile());
    const archive = join(work, 'image.tar');
    execFileSync('skopeo', ['copy', '--quiet', `oci:${layout}:latest`, `docker-archive:${archive}:bulwark/test:latest`], { stdio: 'pipe' });
    const opts = scanOptions({ jobs: 1 });
    const fromLayout = keyed(await scan({ paths: [layout] }, opts));
    const fromArchive = keyed(await scan({ paths: [archive] }, opts));
    expect(fromLayout.some((k) => k.startsWith('image/miner-binary critical 1 usr/local/bin/xmrig'))).toBe(true);
    expect(fromLayout.some((k) => k.startsWith('pickle/'))).toBe(true);
    expect(fromLayout.some((k) => k === 'image/secret-in-layer critical 1 root/.netrc')).toBe(true);
    expect(fromArchive).toEqual(fromLayout);
    if (!hasRegistry()) return;
    const reg = await startRegistry();
    try {
      execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci:${layout}:latest`, `docker://${reg.host}/bulwark/test:v1`], { stdio: 'pipe' });
      const ref = parseReference(`${reg.host}/bulwark/test:v1`);
      const client = new RegistryClient(ref.registry, { plainHttp: true });
      try {
        const resolved = await resolveManifest(client, ref);
        const location = `oci://${ref.registry}/${ref.name}@${resolved.digest}`;
        const image = await registryImage(client, ref.name, location, `${ref.registry}/${ref.name}:v1`, resolved.manifest, resolveLimits());
        const report = await scan({ paths: [], images: [image] }, opts);
        expect(report.targets.map((t) => [t.path, t.status])).toEqual([[location, 'complete']]);
        expect(keyed(report)).toEqual(fromLayout);
      } finally {
        client.close();
      }
    } finally {
      await reg.stop();
    }
  }, 60_000);
});

describe.skipIf(!has('umoci'))('umoci', () => {
  it('a layout umoci built (its own gzip layers and JSON) is read, with the layer and path of each finding', async () => {
    const dir = join(work, 'umoci');
    const layout = join(dir, 'layout');
    mkdirSync(dir, { recursive: true });
    const root = join(dir, 'rootfs');
    mkdirSync(join(root, 'usr/local/bin'), { recursive: true });
    writeFileSync(join(root, 'usr/local/bin/xmrig'), '\x7fELF', { mode: 0o755 });
    const u = (...args: string[]) => execFileSync('umoci', args, { stdio: 'pipe' });
    u('init', '--layout', layout);
    u('new', '--image', `${layout}:t`);
    u('insert', '--rootless', '--image', `${layout}:t`, join(root, 'usr'), '/usr');
    u('config', '--image', `${layout}:t`, '--config.user', '65532', '--config.entrypoint', '/usr/local/bin/xmrig');
    const report = await scan({ paths: [layout] }, scanOptions({ jobs: 1 }));
    const miner = report.findings.find((f) => f.ruleId === 'image/miner-binary');
    expect(miner?.location).toMatchObject({ kind: 'image-layer', path: layout, layerIndex: 0, file: 'usr/local/bin/xmrig' });
    expect(report.findings.filter((f) => f.ruleId.startsWith('scan/')).map((f) => f.message)).toEqual([]);
    expect(report.targets.find((t) => t.path === layout)?.status).toBe('complete');
    // umoci also unpacks what the builder wrote (the builder's layouts are valid OCI layouts).
    const built = join(dir, 'built');
    writeOciLayout(built, hostile());
    u('unpack', '--rootless', '--image', `${built}:latest`, join(dir, 'bundle'));
    expect(existsSync(join(dir, 'bundle/rootfs/usr/local/bin/xmrig'))).toBe(true);
    expect(existsSync(join(dir, 'bundle/rootfs/root/.netrc'))).toBe(false);
  }, 60_000);
});
