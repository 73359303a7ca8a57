/**
 * A real OCI registry for tests: Debian's `docker-registry` (distribution 2.8) on a free loopback
 * port, with a generated config — plain HTTP, or TLS (openssl-made certificate) with htpasswd Basic
 * auth (bcrypt, `htpasswd -B` from apache2-utils). Tests skip when the binary is absent.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCert } from '../admission/tls.js';
import { freePort } from '../net.js';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

export function hasRegistry(): boolean {
  return existsSync(REGISTRY_BIN);
}

export function hasHtpasswd(): boolean {
  try {
    execFileSync('htpasswd', ['-Bbn', 'a', 'b'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}


export interface TestRegistry {
  readonly host: string;
  readonly port: number;
  readonly root: string;
  readonly storage: string;
  readonly tls: boolean;
  readonly caFile?: string;
  readonly ca?: Buffer;
  readonly username?: string;
  readonly password?: string;
  /** A docker config.json with the credentials (TLS + auth configuration). */
  readonly dockerConfig?: string;
  /** Path of a blob's data file in the storage folder. */
  blobPath(digest: string): string;
  stop(): Promise<void>;
}

function probe(port: number, tls: boolean, ca: Buffer | undefined): Promise<number> {
  return new Promise((resolve) => {
    const req = (tls ? httpsRequest : httpRequest)({ host: '127.0.0.1', port, path: '/v2/', method: 'GET', timeout: 1000, ...(tls && { ca, servername: 'localhost' }) }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

export async function startRegistry(options: { tls?: boolean; auth?: boolean } = {}): Promise<TestRegistry> {
  const root = mkdtempSync(join(tmpdir(), 'bulwark-registry-'));
  const storage = join(root, 'storage');
  const port = await freePort();
  const tls = options.tls === true;
  let caFile: string | undefined;
  let ca: Buffer | undefined;
  const lines = ['version: 0.1', 'log:', '  level: error', '  accesslog:', '    disabled: true', 'storage:', '  filesystem:', `    rootdirectory: ${storage}`, '  delete:', '    enabled: true', 'http:', `  addr: 127.0.0.1:${port}`, '  secret: bulwark-test-secret'];
  if (tls) {
    const cert = makeCert(root, 'registry');
    caFile = cert.certFile;
    ca = cert.cert;
    lines.push('  tls:', `    certificate: ${cert.certFile}`, `    key: ${cert.keyFile}`);
  }
  let username: string | undefined;
  let password: string | undefined;
  let dockerConfig: string | undefined;
  if (options.auth === true) {
    username = 'bulwark';
    password = 'correct horse battery staple';
    const htpasswd = join(root, 'htpasswd');
    writeFileSync(htpasswd, execFileSync('htpasswd', ['-Bbn', username, password]));
    lines.push('auth:', '  htpasswd:', '    realm: bulwark-test', `    path: ${htpasswd}`);
    dockerConfig = join(root, 'docker-config.json');
    writeFileSync(dockerConfig, JSON.stringify({ auths: { [`localhost:${port}`]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } } }));
  }
  const config = join(root, 'config.yml');
  writeFileSync(config, lines.join('\n') + '\n');
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 20_000) stderr += d.toString();
  });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const status = await probe(port, tls, ca);
    if (status === 200 || status === 401) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`docker-registry did not start: ${stderr.slice(0, 2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const host = tls ? `localhost:${port}` : `127.0.0.1:${port}`;
  return {
    host,
    port,
    root,
    storage,
    tls,
    ...(caFile !== undefined && { caFile }),
    ...(ca !== undefined && { ca }),
    ...(username !== undefined && { username }),
    ...(password !== undefined && { password }),
    ...(dockerConfig !== undefined && { dockerConfig }),
    blobPath: (digest: string) => {
      const hex = digest.replace(/^sha256:/, '');
      return join(storage, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) {
          rmSync(root, { recursive: true, force: true });
          resolve();
          return;
        }
        child.once('exit', () => {
          rmSync(root, { recursive: true, force: true });
          resolve();
        });
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}
