/* eslint-disable @typescript-eslint/no-explicit-any -- tests edit decoded JSON bundles and statements freely */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildBundle, parseBundle } from './bundle.js';
import { isSignatureError } from './errors.js';

const payload = Buffer.from('{"_type":"x"}');
const keyBundle = buildBundle({ payloadType: 'application/vnd.in-toto+json', payload, signature: Buffer.from('sig'), keyHint: 'ab'.repeat(32) });

function reason(json: unknown): string {
  try {
    parseBundle(Buffer.from(typeof json === 'string' ? json : JSON.stringify(json)));
    return 'ok';
  } catch (e) {
    if (isSignatureError(e)) return `${e.code}/${e.reason}: ${e.message}`;
    throw e;
  }
}

const edit = (f: (b: Record<string, any>) => void): Record<string, any> => {
  const b = structuredClone(keyBundle) as Record<string, any>;
  f(b);
  return b;
};

describe('parseBundle', () => {
  it('reads the bundle the reference writes for the key method', () => {
    const b = parseBundle(Buffer.from(JSON.stringify(keyBundle)));
    expect(b.method).toBe('key');
    expect(b.keyHint).toBe('ab'.repeat(32));
    expect(b.payload.equals(payload)).toBe(true);
    expect(Object.keys(keyBundle)).toEqual(['mediaType', 'verificationMaterial', 'dsseEnvelope']);
  });

  it('accepts keyid absent, empty, null (OMS §4.1) and rawBytes instead of hint', () => {
    expect(reason(edit((b) => delete b.dsseEnvelope.signatures[0].keyid))).toBe('ok');
    expect(reason(edit((b) => (b.dsseEnvelope.signatures[0].keyid = null)))).toBe('ok');
    expect(reason(edit((b) => (b.verificationMaterial = { publicKey: { rawBytes: Buffer.from('pem').toString('base64'), keyDetails: 'PKIX_ECDSA_P384_SHA_384' } })))).toBe('ok');
  });

  it('decides the method from the verification material', () => {
    const cert = { rawBytes: Buffer.from('der').toString('base64') };
    expect(parseBundle(Buffer.from(JSON.stringify(edit((b) => (b.verificationMaterial = { x509CertificateChain: { certificates: [cert] }, tlogEntries: [] }))))).method).toBe('certificate');
    expect(parseBundle(Buffer.from(JSON.stringify(edit((b) => (b.verificationMaterial = { certificate: cert, tlogEntries: [{}] }))))).method).toBe('sigstore');
  });

  it('rejects malformed bundles with a precise reason', () => {
    expect(reason('')).toMatch(/MALFORMED\/malformed-bundle: .*empty/);
    expect(reason('{"a":')).toMatch(/not UTF-8 JSON/);
    expect(reason([])).toMatch(/not a JSON object/);
    expect(reason(edit((b) => delete b.dsseEnvelope))).toMatch(/dsseEnvelope is missing/);
    expect(reason(edit((b) => (b.messageSignature = {}, delete b.dsseEnvelope)))).toMatch(/message signature/);
    expect(reason(edit((b) => delete b.verificationMaterial))).toMatch(/verificationMaterial is missing/);
    expect(reason(edit((b) => (b.verificationMaterial = {})))).toMatch(/has no publicKey/);
    expect(reason(edit((b) => (b.verificationMaterial.certificate = { rawBytes: 'AA==' })))).toMatch(/publicKey and certificate/);
    expect(reason(edit((b) => (b.verificationMaterial = { certificate: { rawBytes: 'AA==' } })))).toMatch(/needs at least one transparency log entry/);
    expect(reason(edit((b) => (b.dsseEnvelope.signatures = [])))).toMatch(/signatures is empty/);
    expect(reason(edit((b) => (b.dsseEnvelope.signatures[0].sig = '!!')))).toMatch(/not base64/);
    expect(reason(edit((b) => (b.dsseEnvelope.payload = '')))).toMatch(/payload is not base64|payload is empty/);
    expect(reason(edit((b) => (b.verificationMaterial.publicKey = {})))).toMatch(/neither hint nor rawBytes/);
    expect(reason(edit((b) => (b.verificationMaterial.x509CertificateChain = { certificates: [] }, delete b.verificationMaterial.publicKey)))).toMatch(/certificates is empty/);
  });

  it('rejects a wrong media type as a verification failure', () => {
    expect(reason(edit((b) => (b.mediaType = 'application/vnd.dev.sigstore.bundle+json;version=0.1')))).toMatch(/^VERIFICATION\/wrong-media-type: wrong media type/);
    expect(reason(edit((b) => (b.mediaType = 'text/plain')))).toMatch(/wrong-media-type/);
  });

  it('never throws anything but a SignatureError on arbitrary bytes or JSON', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.json().map((j) => Buffer.from(j)), fc.anything().map((v) => Buffer.from(JSON.stringify(v) ?? ''))), (b) => {
        try {
          parseBundle(b);
        } catch (e) {
          expect(isSignatureError(e)).toBe(true);
        }
      }),
    );
  });
});
