import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isSignatureError } from './errors.js';
import { defaultTrustedRootPath, loadTrustedRoot, parseTrustedRoot } from './keyless.js';
import { verifyModel } from './verify.js';

const VECTORS = join(import.meta.dirname, '..', '..', '..', 'shared', 'conformance', 'oms', 'model-transparency', 'scripts', 'tests');
const IDENTITY = 'stefanb@us.ibm.com';
const ISSUER = 'https://sigstore.verify.ibm.com/oauth2';
const tmp = mkdtempSync(join(tmpdir(), 'bulwark-keyless-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('trusted root', () => {
  it('ships the public-good root with the hash its README records', () => {
    const bytes = readFileSync(defaultTrustedRootPath());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe('6494e21ea73fa7ee769f85f57d5a3e6a08725eae1e38c755fc3517c9e6bc0b66');
    const tm = loadTrustedRoot();
    expect(tm.certificateAuthorities.length).toBeGreaterThan(0);
    expect(tm.tlogs.length).toBeGreaterThan(0);
    expect(tm.ctlogs.length).toBeGreaterThan(0);
  });

  it('rejects a file that is not a trusted root as a usage error', () => {
    expect(() => parseTrustedRoot('[]', 'x.json')).toThrow(/x.json is not a valid Sigstore trusted_root.json/);
    expect(() => parseTrustedRoot('{"tlogs":[{"publicKey":{"rawBytes":"AAAA"}}]}', 'y.json')).toThrow(/y.json is not a valid/);
    expect(() => loadTrustedRoot(join(tmp, 'missing.json'))).toThrow(/cannot read trusted root/);
  });
});

describe.skipIf(!existsSync(VECTORS))('keyless verification against the reference vectors (offline)', () => {
  const model = join(VECTORS, 'v1.1.0-sigstore');
  const reason = async (extra: Record<string, unknown>): Promise<string> => {
    try {
      await verifyModel(model, { signaturePath: join(model, 'model.sig'), identity: IDENTITY, issuer: ISSUER, ...extra });
      return 'ok';
    } catch (e) {
      if (isSignatureError(e)) return `${e.reason}: ${e.message}`;
      throw e;
    }
  };
  const rootWith = (edit: (r: Record<string, unknown>) => void): string => {
    const r = JSON.parse(readFileSync(defaultTrustedRootPath(), 'utf8')) as Record<string, unknown>;
    edit(r);
    const p = join(tmp, `root-${Math.random().toString(16).slice(2)}.json`);
    writeFileSync(p, JSON.stringify(r));
    return p;
  };

  it('verifies with the shipped root', async () => {
    expect(await reason({})).toBe('ok');
  });

  it('fails with a root that lacks the Fulcio CA, or the Rekor key', async () => {
    expect(await reason({ trustedRoot: rootWith((r) => (r.certificateAuthorities = [])) })).toMatch(/^untrusted-chain: /);
    expect(await reason({ trustedRoot: rootWith((r) => (r.tlogs = [])) })).toMatch(/^transparency-log: /);
  });

  it('fails on a wrong identity or issuer', async () => {
    expect(await reason({ identity: 'mallory@example.com' })).toMatch(/^identity-mismatch: identity mismatch: .*expected mallory@example.com/);
    expect(await reason({ issuer: 'https://token.actions.githubusercontent.com' })).toMatch(/^identity-mismatch: /);
  });

  it('fails when the envelope no longer matches the transparency log entry', async () => {
    const b = JSON.parse(readFileSync(join(model, 'model.sig'), 'utf8'));
    const st = JSON.parse(Buffer.from(b.dsseEnvelope.payload, 'base64').toString());
    st.subject[0].name = 'renamed';
    b.dsseEnvelope.payload = Buffer.from(JSON.stringify(st)).toString('base64');
    const p = join(tmp, 'edited.sig');
    writeFileSync(p, JSON.stringify(b));
    expect(await reason({ signaturePath: p, ignorePaths: ['model.sig'] })).toMatch(/^(bad-signature|transparency-log): /);
  });
});
