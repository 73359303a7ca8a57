/**
 * Notation trust policies and trust stores: what the specification requires is refused with one
 * line; scope selection (exact before `*`); the trust store folder layout and its bounds.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { leafCert, rootCa } from '../../test-fixtures/x509-builder.js';
import { loadTrustStore, parseTrustPolicy, selectTrustPolicy } from './index.js';

const good = { name: 'p', registryScopes: ['r.io/app'], signatureVerification: { level: 'strict' }, trustStores: ['ca:acme'], trustedIdentities: ['*'] };
const doc = (...policies: unknown[]) => JSON.stringify({ version: '1.0', trustPolicies: policies });

describe('parseTrustPolicy', () => {
  it('accepts a valid policy and selects by exact scope before the wildcard', () => {
    const p = parseTrustPolicy(doc(good, { ...good, name: 'rest', registryScopes: ['*'] }));
    expect(selectTrustPolicy(p, 'r.io/app')?.name).toBe('p');
    expect(selectTrustPolicy(p, 'r.io/other')?.name).toBe('rest');
    expect(p.trustPolicies[0]?.actions).toEqual({ integrity: 'enforce', authenticity: 'enforce', authenticTimestamp: 'enforce', expiry: 'enforce', revocation: 'enforce' });
  });
  it('applies overrides', () => {
    const p = parseTrustPolicy(doc({ ...good, signatureVerification: { level: 'strict', override: { expiry: 'log', revocation: 'skip' } } }));
    expect(p.trustPolicies[0]?.actions.expiry).toBe('log');
  });
  it.each([
    [JSON.stringify({ version: '2.0', trustPolicies: [good] }), /version must be "1.0"/],
    [doc(), /trustPolicies must be a non-empty array/],
    [doc(good, good), /two trust policies are named "p"/],
    [doc(good, { ...good, name: 'q' }), /registry scope "r.io\/app" is in both "p" and "q"/],
    [doc({ ...good, registryScopes: ['*', 'r.io/x'] }), /wildcard scope "\*" must be the only scope/],
    [doc({ ...good, registryScopes: ['r.io/app:latest'] }), /is not a repository/],
    [doc({ ...good, signatureVerification: { level: 'lenient' } }), /level must be strict, permissive, audit or skip/],
    [doc({ ...good, signatureVerification: { level: 'strict', override: { integrity: 'log' } } }), /"integrity" cannot be overridden/],
    [doc({ ...good, signatureVerification: { level: 'strict', override: { authenticity: 'skip' } } }), /authenticity cannot be skipped/],
    [doc({ ...good, signatureVerification: { level: 'skip' } }), /level skip must not list trustStores/],
    [doc({ ...good, trustStores: [] }), /trustStores must not be empty/],
    [doc({ ...good, trustStores: ['x509:acme'] }), /is not ca:NAME/],
    [doc({ ...good, trustedIdentities: ['*', 'x509.subject: C=US, ST=WA, O=x'] }), /wildcard identity "\*" must be the only/],
    [doc({ ...good, trustedIdentities: ['x509.subject: C=US, O=x'] }), /lacks the mandatory attribute ST/],
    [doc({ ...good, trustedIdentities: ['subject: C=US'] }), /is not "x509.subject: <DN>" or "\*"/],
    ['{', /not JSON/],
  ])('refuses %#', (text, re) => {
    expect(() => parseTrustPolicy(text, 'policy.json')).toThrow(re);
  });
});

describe('loadTrustStore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-truststore-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const ca = rootCa('store-root');
  const put = (store: string, rel: string, data: string | Buffer) => {
    mkdirSync(join(store, 'x509', 'ca', 'acme'), { recursive: true });
    writeFileSync(join(store, 'x509', 'ca', 'acme', rel), data);
  };

  it('loads x509/<type>/<name>/ files (PEM with several certificates, or DER)', () => {
    const s = join(dir, 'ok');
    put(s, 'a.pem', `comment\n${ca.pem}${rootCa('second').pem}`);
    put(s, 'b.crt', rootCa('third').der);
    expect(loadTrustStore(s).stores.get('ca:acme')).toHaveLength(3);
  });
  it('refuses a leaf that is neither a CA nor self-signed, and more certificates than maxTrustStoreCerts', () => {
    const s = join(dir, 'leaf');
    put(s, 'leaf.pem', leafCert(ca, 'leaf').pem);
    expect(() => loadTrustStore(s)).toThrow(/is neither a CA nor self-signed/);
    const t = join(dir, 'many');
    put(t, 'a.pem', `${ca.pem}${ca.pem}${ca.pem}`);
    expect(() => loadTrustStore(t, { maxTrustStoreCerts: 2 })).toThrow(/more than maxTrustStoreCerts \(2\)/);
  });
  it('a missing folder is an I/O error', () => {
    expect(() => loadTrustStore(join(dir, 'absent'))).toThrow(/cannot read trust store .*ENOENT/);
  });
});
