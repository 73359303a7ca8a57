import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EKU, issued, keyPair, leafCert, rootCa } from './x509-builder.js';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

describe('x509-builder', () => {
  it('builds certificates node:crypto parses, with the requested fields', () => {
    const root = rootCa('root-x', 'P-384');
    const inter = issued(root, 'inter-x', 'rsa');
    const leaf = leafCert(inter, 'leaf-x', 'P-521', { sanEmail: 'signer@example.com' });
    const r = new X509Certificate(root.der);
    const i = new X509Certificate(inter.der);
    const l = new X509Certificate(leaf.der);
    expect(r.subject).toContain('CN=root-x');
    expect(r.ca).toBe(true);
    expect(r.verify(root.keys.publicKey)).toBe(true);
    expect(i.verify(root.keys.publicKey)).toBe(true);
    expect(l.verify(inter.keys.publicKey)).toBe(true);
    expect(l.verify(root.keys.publicKey)).toBe(false);
    expect(l.ca).toBe(false);
    expect(l.keyUsage).toEqual([EKU.codeSigning]);
    expect(l.subjectAltName).toContain('signer@example.com');
    expect(l.checkIssued(i)).toBe(true);
  });

  it('writes validity dates as given (UTCTime and GeneralizedTime)', () => {
    const k = keyPair('P-256');
    const root = rootCa('dates', 'P-256', { notBefore: new Date('2001-02-03T04:05:06Z'), notAfter: new Date('2060-01-01T00:00:00Z'), publicKey: k.publicKey, signingKey: k.privateKey });
    const c = new X509Certificate(root.der);
    expect(new Date(c.validFrom).toISOString()).toBe('2001-02-03T04:05:06.000Z');
    expect(new Date(c.validTo).toISOString()).toBe('2060-01-01T00:00:00.000Z');
  });

  it.skipIf(!hasOpenssl)('produces chains that openssl verify accepts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'x509b-'));
    try {
      const root = rootCa('ossl-root', 'P-384');
      const inter = issued(root, 'ossl-inter', 'rsa');
      const leaf = leafCert(inter, 'ossl-leaf', 'P-256');
      writeFileSync(join(dir, 'root.pem'), root.pem);
      writeFileSync(join(dir, 'inter.pem'), inter.pem);
      writeFileSync(join(dir, 'leaf.pem'), leaf.pem);
      const r = spawnSync('openssl', ['verify', '-CAfile', join(dir, 'root.pem'), '-untrusted', join(dir, 'inter.pem'), join(dir, 'leaf.pem')], { encoding: 'utf8' });
      expect(r.stdout + r.stderr).toContain('OK');
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
