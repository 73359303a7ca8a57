/**
 * cosign keyless signatures (certificate + Rekor bundle annotations) are handed to @sigstore/verify
 * through the model-signing domain, offline, against a trusted root; the wiring and its refusals.
 * (No published keyless image vector is usable offline: see test-fixtures/image-signing/README.md.)
 */
import { createHash, sign as cryptoSign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyPair, leafCert, rootCa } from '../../test-fixtures/x509-builder.js';
import { loadTrustedRoot } from '../model-signing/index.js';
import { COSIGN, imageSigningLimits, verifyCosignLayer } from './index.js';

const limits = imageSigningLimits();
const digest = `sha256:${'a'.repeat(64)}`;
const payload = Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': 'r.io/app' }, image: { 'docker-manifest-digest': digest }, type: COSIGN.type }, optional: null }));
const ca = rootCa('fake-fulcio');
const leaf = leafCert(ca, 'signer', 'P-256', { sanEmail: 'dev@example.com' });
const signature = cryptoSign('sha256', payload, leaf.keys.privateKey).toString('base64');
const body = Buffer.from(
  JSON.stringify({
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: { data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(payload).digest('hex') } }, signature: { content: signature, publicKey: { content: Buffer.from(leaf.pem).toString('base64') } } },
  }),
).toString('base64');
const rekor = keyPair('P-256');
const bundle = JSON.stringify({ SignedEntryTimestamp: cryptoSign('sha256', Buffer.from(body), rekor.privateKey).toString('base64'), Payload: { body, integratedTime: Math.floor(Date.now() / 1000), logIndex: 1, logID: 'c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d' } });
const annotations = { [COSIGN.signature]: signature, [COSIGN.certificate]: leaf.pem, [COSIGN.bundle]: bundle };
const identity = { identity: 'dev@example.com', issuer: 'https://accounts.example.com' };

describe('cosign keyless', () => {
  it('a certificate not chaining to the trusted root (public-good) fails through @sigstore/verify', () => {
    expect(() => verifyCosignLayer({ payload, annotations }, digest, { keys: [], identities: [identity], trustedRoot: loadTrustedRoot() }, limits)).toThrow(/^(transparency log or timestamp verification failed|untrusted chain): /);
  });
  it('a keyless signature checked with only a key says to use --identity/--issuer', () => {
    const k = keyPair('P-256');
    expect(() => verifyCosignLayer({ payload, annotations }, digest, { keys: [{ name: 'k.pub', key: k.publicKey }], identities: [] }, limits)).toThrow(/it is a keyless signature: use --identity\/--issuer/);
  });
  it('a keyless signature without a Rekor bundle cannot be verified offline', () => {
    const { [COSIGN.bundle]: _drop, ...noBundle } = annotations;
    expect(() => verifyCosignLayer({ payload, annotations: noBundle }, digest, { keys: [], identities: [identity], trustedRoot: loadTrustedRoot() }, limits)).toThrow(/has no Rekor bundle/);
  });
  it('a malformed Rekor bundle annotation is refused', () => {
    expect(() => verifyCosignLayer({ payload, annotations: { ...annotations, [COSIGN.bundle]: '{"Payload":{}}' } }, digest, { keys: [], identities: [identity], trustedRoot: loadTrustedRoot() }, limits)).toThrow(/Rekor bundle annotation is malformed/);
  });
  it('a key signature checked keylessly says to use --key', () => {
    const { [COSIGN.certificate]: _c, ...keyOnly } = annotations;
    expect(() => verifyCosignLayer({ payload, annotations: keyOnly }, digest, { keys: [], identities: [identity], trustedRoot: loadTrustedRoot() }, limits)).toThrow(/verify with --key/);
  });
});
