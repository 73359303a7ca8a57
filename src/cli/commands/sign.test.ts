import { Command } from '@commander-js/extra-typings';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isBulwarkError } from '../../findings/index.js';
import { registerSign } from './sign.js';
import { registerVerify } from './verify.js';

const root = mkdtempSync(join(tmpdir(), 'bulwark-cli-sign-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const priv = join(root, 'key.pem');
const pub = join(root, 'key.pub');
writeFileSync(priv, privateKey.export({ type: 'sec1', format: 'pem' }));
writeFileSync(pub, `Public Key Info:\n  some text\n${publicKey.export({ type: 'spki', format: 'pem' }).toString()}`);

let out = '';
let err = '';
beforeEach(() => {
  out = '';
  err = '';
  process.exitCode = undefined;
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

/** Run like main.ts does: usage/IO errors print `bulwark: …` and exit 2. */
async function run(...argv: string[]): Promise<number> {
  process.exitCode = undefined;
  const program = new Command().exitOverride().configureOutput({ outputError: () => {} });
  registerSign(program);
  registerVerify(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (isBulwarkError(e) && (e.code === 'USAGE' || e.code === 'IO')) {
      err += `bulwark: ${e.message}\n`;
      return 2;
    }
    if ((e as { code?: string }).code?.startsWith('commander.')) return 2;
    throw e;
  }
  return Number(process.exitCode ?? 0);
}

function model(): string {
  const dir = mkdtempSync(join(root, 'm-'));
  mkdirSync(join(dir, 'w'));
  writeFileSync(join(dir, 'config.json'), '{}');
  writeFileSync(join(dir, 'w', 'a.bin'), 'weights');
  return dir;
}

describe('bulwark sign / verify', () => {
  it('signs into MODEL/model.sig and verifies (exit 0)', async () => {
    const dir = model();
    expect(await run('sign', dir, '--key', priv)).toBe(0);
    expect(out).toMatch(/^Signed .*: 2 file\(s\), 2 digest\(s\), key method; wrote .*model\.sig\n$/);
    const bundle = JSON.parse(readFileSync(join(dir, 'model.sig'), 'utf8'));
    expect(bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    out = '';
    expect(await run('verify', dir, '--signature', join(dir, 'model.sig'), '--key', pub)).toBe(0);
    expect(out).toMatch(/^Verified .*: 2 file\(s\) signed by key [0-9a-f]{16}… \(key method\)\n$/);
    expect(err).toBe('');
  });

  it('prints one line saying what failed and exits 1', async () => {
    const dir = model();
    await run('sign', dir, '--key', priv, '-q');
    writeFileSync(join(dir, 'w', 'a.bin'), 'tampered');
    expect(await run('verify', dir, '--key', pub)).toBe(1);
    expect(err).toBe('bulwark: verification failed: file changed: w/a.bin\n');
    err = '';
    const other = join(root, 'other.pub');
    writeFileSync(other, generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }));
    expect(await run('verify', dir, '--key', other)).toBe(1);
    expect(err).toMatch(/^bulwark: verification failed: wrong key: .*\n$/);
    err = '';
    writeFileSync(join(dir, 'model.sig'), '{');
    expect(await run('verify', dir, '--key', pub)).toBe(1);
    expect(err).toMatch(/^bulwark: verification failed: malformed bundle: not UTF-8 JSON\n$/);
  });

  it('accepts --ignore-paths as a comma list and --ignore-unsigned-files', async () => {
    const dir = model();
    writeFileSync(join(dir, 'README.md'), 'r');
    writeFileSync(join(dir, 'notes.txt'), 'n');
    await run('sign', dir, '--key', priv, '--ignore-paths', 'README.md,notes.txt', '-q');
    writeFileSync(join(dir, 'README.md'), 'changed');
    expect(await run('verify', dir, '--key', pub)).toBe(0);
    writeFileSync(join(dir, 'extra.bin'), 'x');
    expect(await run('verify', dir, '--key', pub)).toBe(1);
    err = '';
    expect(await run('verify', dir, '--key', pub, '--ignore-unsigned-files')).toBe(0);
    expect(err).toMatch(/warning: 1 file\(s\) not covered by the signature were not verified: extra.bin/);
  });

  it('usage and I/O errors exit 2 and write nothing', async () => {
    const dir = model();
    writeFileSync(join(dir, 'model.sig'), 'previous');
    const badKey = join(root, 'bad.pem');
    writeFileSync(badKey, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(await run('sign', dir, '--key', badKey)).toBe(2);
    expect(err).toMatch(/unsupported ed25519 key/);
    expect(readFileSync(join(dir, 'model.sig'), 'utf8')).toBe('previous');
    expect(await run('sign', dir, '--key', join(root, 'missing.pem'))).toBe(2);
    expect(await run('verify', dir)).toBe(2);
    expect(err).toMatch(/give one of --key, --cert-chain, or --identity with --issuer/);
    expect(await run('verify', dir, '--identity', 'a@b.c')).toBe(2);
    expect(await run('sign', dir, '--key', priv, '--shard-size', '10')).toBe(2);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('signs a single file next to it, with shards', async () => {
    const dir = model();
    const file = join(dir, 'w', 'a.bin');
    expect(await run('sign', file, '--key', priv, '--method', 'shards', '--shard-size', '3', '-q')).toBe(0);
    expect(existsSync(join(dir, 'w', 'model.sig'))).toBe(true);
    expect(await run('verify', file, '--key', pub, '-q')).toBe(0);
  });

  const VECTORS = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'conformance', 'oms', 'model-transparency', 'scripts', 'tests');
  it.skipIf(!existsSync(VECTORS))('verifies the reference vectors from the command line', async () => {
    const keys = join(VECTORS, 'keys', 'certificate');
    expect(await run('verify', join(VECTORS, 'v1.1.0-certificate'), '--cert-chain', join(keys, 'ca-cert.pem'), '-q')).toBe(0);
    expect(await run('verify', join(VECTORS, 'v1.0.1-elliptic-key'), '--key', join(keys, 'signing-key-pub.pem'), '--ignore-paths', 'ignore-me', '-q')).toBe(0);
    expect(await run('verify', join(VECTORS, 'v1.1.0-sigstore'), '--identity', 'stefanb@us.ibm.com', '--issuer', 'https://sigstore.verify.ibm.com/oauth2', '-q')).toBe(0);
    expect(await run('verify', join(VECTORS, 'v1.1.0-certificate'), '--cert-chain', join(keys, 'int-ca-cert.pem'))).toBe(1);
    expect(err).toMatch(/^bulwark: verification failed: untrusted chain: .*\n$/);
  });
});
