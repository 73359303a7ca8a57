/**
 * Registry credentials from a docker `config.json` (`auths.<host>.auth`, base64 `user:pass`, or
 * `username`/`password`), and the `WWW-Authenticate` challenge parser (Bearer and Basic).
 * Credential helpers (`credsStore`, `credHelpers`) run programs and are not supported.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BulwarkError } from '../findings/index.js';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** `--registry-config FILE`, else `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function defaultRegistryConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env['DOCKER_CONFIG'];
  return dir !== undefined && dir !== '' ? join(dir, 'config.json') : join(homedir(), '.docker', 'config.json');
}

function readSmall(path: string, max: number): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new BulwarkError('IO', `cannot read registry config ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { cause: e });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new BulwarkError('CONFIG', `registry config ${path} is not a regular file`);
    if (st.size > max) throw new BulwarkError('CONFIG', `registry config ${path} is larger than ${max} bytes`);
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}

/**
 * Credentials per registry (`host[:port]`) from a docker config file. A missing default file is no
 * credentials; a missing explicit file (`required`) is an error.
 */
export function loadRegistryCredentials(path: string, required: boolean): Map<string, Credentials> {
  const out = new Map<string, Credentials>();
  const bytes = readSmall(path, MAX_CONFIG_BYTES);
  if (bytes === undefined) {
    if (required) throw new BulwarkError('IO', `cannot read registry config ${path}: ENOENT`);
    return out;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new BulwarkError('CONFIG', `registry config ${path} is not JSON`, { cause: e });
  }
  const auths = (doc as { auths?: unknown } | null)?.auths;
  if (auths === undefined) return out;
  if (auths === null || typeof auths !== 'object' || Array.isArray(auths)) throw new BulwarkError('CONFIG', `registry config ${path}: "auths" must be an object`);
  for (const [key, entry] of Object.entries(auths as Record<string, unknown>)) {
    if (entry === null || typeof entry !== 'object') continue;
    const e = entry as { auth?: unknown; username?: unknown; password?: unknown };
    let creds: Credentials | undefined;
    if (typeof e.auth === 'string' && e.auth !== '') {
      const plain = Buffer.from(e.auth, 'base64').toString('utf8');
      const colon = plain.indexOf(':');
      if (colon <= 0) throw new BulwarkError('CONFIG', `registry config ${path}: auths.${key}.auth is not base64 "user:password"`);
      creds = { username: plain.slice(0, colon), password: plain.slice(colon + 1) };
    } else if (typeof e.username === 'string' && typeof e.password === 'string') {
      creds = { username: e.username, password: e.password };
    }
    if (creds === undefined) continue;
    out.set(registryKey(key), creds);
  }
  return out;
}

/** `https://index.docker.io/v1/` → `index.docker.io`; `localhost:5000` stays. */
export function registryKey(key: string): string {
  let k = key.trim().toLowerCase();
  k = k.replace(/^[a-z]+:\/\//, '');
  const slash = k.indexOf('/');
  return slash >= 0 ? k.slice(0, slash) : k;
}

export interface Challenge {
  readonly scheme: 'bearer' | 'basic';
  readonly params: Readonly<Record<string, string>>;
}

/** Parse `Bearer realm="…",service="…",scope="…"` (quoted or token values); undefined when unusable. */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (header === undefined) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m?.[1]) return undefined;
  const scheme = m[1].toLowerCase();
  if (scheme !== 'bearer' && scheme !== 'basic') return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?\s*/gy;
  const rest = m[2] ?? '';
  re.lastIndex = 0;
  let p: RegExpExecArray | null;
  while (re.lastIndex < rest.length && (p = re.exec(rest)) !== null) {
    const k = (p[1] as string).toLowerCase();
    params[k] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
  }
  return { scheme, params };
}

export function basicHeader(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}`;
}
