import { ECDH, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyPair as builderKeyPair, leafCert, rootCa } from '../../test-fixtures/x509-builder.js';
import { BulwarkError } from '../findings/index.js';
import { ecCurve, keyHint, pae, paeCompat, parsePrivateKey, parsePublicKey, pemBlocks, pythonBytesRepr, signDsse, spkiPem, verifyDsse } from './keys.js';

const TYPE = 'application/vnd.in-toto+json';

describe('DSSE PAE', () => {
  it('is DSSEv1 SP len(type) SP type SP len(body) SP body, lengths in bytes', () => {
    expect(pae(Buffer.from('hello'), 'http://example.com/HelloWorld').toString()).toBe('DSSEv1 29 http://example.com/HelloWorld 5 hello');
    expect(pae(Buffer.from('é')).toString('latin1')).toBe(`DSSEv1 28 ${TYPE} 2 \xc3\xa9`);
  });

  it('compat PAE formats the Python repr of the payload (model_signing v0.2.0 bug)', () => {
    expect(paeCompat(Buffer.from('{"a": 1}\n')).toString()).toBe(`DSSEV1 28 ${TYPE} 9 b'{"a": 1}\\n'`);
  });
});

describe('pythonBytesRepr', () => {
  it('matches repr(bytes) on the tricky cases', () => {
    expect(pythonBytesRepr(Buffer.from("it's"))).toBe(`b"it's"`);
    expect(pythonBytesRepr(Buffer.from(`it's "q"`))).toBe(`b'it\\'s "q"'`);
    expect(pythonBytesRepr(Buffer.from('a\\b\t\r\n'))).toBe("b'a\\\\b\\t\\r\\n'");
    expect(pythonBytesRepr(Buffer.from([0x00, 0x1f, 0x7f, 0x80, 0xff, 0x7e, 0x20]))).toBe("b'\\x00\\x1f\\x7f\\x80\\xff~ '");
  });
  it('is pure printable ASCII for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        expect(pythonBytesRepr(b)).toMatch(/^b['"][\x20-\x7e]*['"]$/);
      }),
    );
  });
});

describe('keys', () => {
  it('signs with the curve hash (P-256/SHA-256, P-384/SHA-384, P-521/SHA-512) and verifies', () => {
    for (const [curve, hash] of [
      ['P-256', 'sha256'],
      ['P-384', 'sha384'],
      ['P-521', 'sha512'],
    ] as const) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
      const payload = Buffer.from('{"x":1}');
      const sig = signDsse(privateKey, payload);
      expect(verify(hash, pae(payload), { key: publicKey, dsaEncoding: 'der' }, sig)).toBe(true);
      expect(verifyDsse(publicKey, TYPE, payload, sig)).toBe('standard');
      expect(verifyDsse(publicKey, TYPE, Buffer.from('{"x":2}'), sig)).toBeUndefined();
      expect(verifyDsse(publicKey, 'text/plain', payload, sig)).toBeUndefined();
      if (hash !== 'sha256') expect(verify('sha256', pae(payload), { key: publicKey, dsaEncoding: 'der' }, sig)).toBe(false);
    }
  });

  it('recognises the v0.2.0 encoding (compat PAE, SHA-256 on P-384) as legacy', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const payload = Buffer.from('{"y": "z"}');
    const sig = sign('sha256', paeCompat(payload), { key: privateKey, dsaEncoding: 'der' });
    expect(verifyDsse(publicKey, TYPE, payload, sig)).toBe('legacy');
  });

  it('computes the reference hint: SHA-256 of the SPKI PEM', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = spkiPem(publicKey);
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n$/);
    expect(keyHint(publicKey)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads public keys as PEM after text, DER, compressed points and certificates', () => {
    for (const curve of ['P-256', 'P-384', 'P-521'] as const) {
      const { publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
      const hint = keyHint(publicKey);
      expect(keyHint(parsePublicKey(`Public Key Info:\n\tcurve: x\n\n${spkiPem(publicKey)}`))).toBe(hint);
      expect(keyHint(parsePublicKey(publicKey.export({ type: 'spki', format: 'der' })))).toBe(hint);
      const jwk = publicKey.export({ format: 'jwk' });
      const x = Buffer.from(jwk.x as string, 'base64url');
      const y = Buffer.from(jwk.y as string, 'base64url');
      const nodeCurve = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' }[curve];
      const compressed = ECDH.convertKey(Buffer.concat([Buffer.from([4]), x, y]), nodeCurve, undefined, undefined, 'compressed') as Buffer;
      expect(keyHint(parsePublicKey(compressed))).toBe(hint);
    }
    const root = rootCa('r', 'P-256');
    const leaf = leafCert(root, 'l', 'P-384');
    expect(keyHint(parsePublicKey(leaf.pem))).toBe(keyHint(leaf.keys.publicKey));
  });

  it('refuses keys OMS does not support, with a usage error naming them', () => {
    const rsa = builderKeyPair('rsa').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => parsePublicKey(rsa)).toThrow(/unsupported rsa key/);
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => parsePublicKey(k1)).toThrow(/unsupported EC curve secp256k1/);
    expect(() => parsePublicKey('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n')).toThrow(BulwarkError);
    expect(() => parsePublicKey('hello')).toThrow(/not a PEM or DER public key/);
    const enc = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }).toString();
    expect(() => parsePrivateKey(enc)).toThrow(/encrypted/);
    expect(() => parsePrivateKey('no key here')).toThrow(/no PRIVATE KEY/);
  });

  it('reads SEC1 and PKCS#8 private keys with text around them', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const sec1 = privateKey.export({ type: 'sec1', format: 'pem' }).toString();
    const pk8 = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    for (const t of [`header\n${sec1}`, pk8]) {
      const k = parsePrivateKey(t);
      expect(keyHint(createPublicKey(k))).toBe(keyHint(publicKey));
      expect(ecCurve(k).hash).toBe('sha384');
    }
    expect(pemBlocks(`x${sec1}y${pk8}z`).map((b) => b.label)).toEqual(['EC PRIVATE KEY', 'PRIVATE KEY']);
  });
});
