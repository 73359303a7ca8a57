import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64DecodedLength, checkMediaUrl, parseDataUrl, readImageHeader } from './index.js';
import { png } from './test-utils.js';

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');

describe('parseDataUrl', () => {
  it('reads the media type, the decoded size and the head; the head is a readable image header', () => {
    const img = png(512, 256);
    const r = parseDataUrl(`data:image/png;base64,${b64(img)}`);
    expect(r).toMatchObject({ ok: true, mediaType: 'image/png', decodedBytes: img.length });
    if (r.ok) expect(readImageHeader(r.head)).toMatchObject({ ok: true, width: 512, height: 256 });
  });
  it('decodes only headBytes', () => {
    const r = parseDataUrl(`data:image/jpeg;base64,${b64(new Uint8Array(1000).fill(7))}`, 10);
    expect(r).toMatchObject({ ok: true, decodedBytes: 1000 });
    if (r.ok) expect([...r.head]).toEqual(new Array(10).fill(7));
  });
  it('accepts parameters and upper case, defaults the media type', () => {
    expect(parseDataUrl('DATA:Image/WebP;name=x.webp;BASE64,AAAA')).toMatchObject({ ok: true, mediaType: 'image/webp', decodedBytes: 3 });
    expect(parseDataUrl('data:;base64,AAAA')).toMatchObject({ ok: true, mediaType: 'text/plain', decodedBytes: 3 });
  });
  it.each([
    ['https://x/y.png', 'not-data-url'],
    ['data:image/png,rawbytes', 'not-base64'],
    ['data:image/png;base64,AA!A', 'not-base64'],
    ['data:image/png;base64,A', 'not-base64'],
    ['data:image/png;base64,AA=A', 'not-base64'],
    ['data:image/png;base64,AAAA AAAA', 'not-base64'],
    ['data:image/png;base64,AAAA\nAAAA', 'not-base64'],
    ['data:image/png;base64,AAA-', 'not-base64'],
    ['data:image/png;base64', 'malformed'],
    ['data:ima ge/png;base64,AAAA', 'malformed'],
    ['data:{x}/y;base64,AAAA', 'malformed'],
  ])('%j → %s', (url, reason) => {
    expect(parseDataUrl(url)).toEqual({ ok: false, reason });
  });
  it('bounded work for a 100 MB payload (size from the length, head only decoded)', () => {
    const url = `data:image/png;base64,${b64(png(8, 8))}${'A'.repeat(100 * 1024 * 1024 - 60)}`;
    expect(url.charCodeAt(url.length - 1)).toBe(65); // flatten the concatenation first, as JSON.parse would give it
    const t0 = performance.now();
    const r = parseDataUrl(url, 1024);
    const ms = performance.now() - t0;
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.head.length).toBe(1024);
    expect(ms).toBeLessThan(50);
  });
  it('a comma beyond the header limit is malformed (no scan of a huge string for it)', () => {
    expect(parseDataUrl(`data:${'a'.repeat(5000)},AAAA`)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('base64DecodedLength', () => {
  it.each([
    ['', 0], ['AA==', 1], ['AAA=', 2], ['AAAA', 3], ['AAAAAA', 4], ['AAAAAAA', 5],
  ])('%j → %d', (s, n) => expect(base64DecodedLength(s)).toBe(n));
  it.each(['A', '=', '====', 'AAAAA', 'A===', 'AA=', 'AA*A'])('%j is not base64', (s) => expect(base64DecodedLength(s)).toBeUndefined());
  it('agrees with Buffer on every encoding of arbitrary bytes (padded and unpadded)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const s = b64(bytes);
        expect(base64DecodedLength(s)).toBe(bytes.length);
        expect(base64DecodedLength(s.replace(/=+$/, ''))).toBe(bytes.length);
        const r = parseDataUrl(`data:application/octet-stream;base64,${s}`, 100);
        expect(r.ok && r.decodedBytes === bytes.length && Buffer.from(r.head).equals(Buffer.from(bytes.subarray(0, 100)))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
  it('arbitrary strings never throw; results within bounds', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.nat(64), (s, head) => {
        for (const url of [s, `data:${s}`, `data:image/png;base64,${s}`]) {
          const r = parseDataUrl(url, head);
          if (r.ok) {
            expect(r.head.length).toBeLessThanOrEqual(head);
            expect(r.head.length).toBeLessThanOrEqual(r.decodedBytes);
            expect(r.decodedBytes).toBeLessThanOrEqual(url.length);
          }
        }
        const n = base64DecodedLength(s);
        if (n !== undefined) expect(n).toBeLessThanOrEqual((s.length * 3) / 4);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('checkMediaUrl', () => {
  const allow = ['https://images.example.com', 'https://*.cdn.example.org'];
  it.each([
    ['data:image/png;base64,AAAA', { ok: true, kind: 'data' }],
    ['https://images.example.com/a.png', { ok: true, kind: 'remote' }],
    ['https://a.b.cdn.example.org/x.jpg', { ok: true, kind: 'remote' }],
    ['https://cdn.example.org/x.jpg', { ok: false, reason: 'not-allowlisted' }],
    ['https://images.example.com.evil.io/a.png', { ok: false, reason: 'not-allowlisted' }],
    ['http://images.example.com/a.png', { ok: false, reason: 'not-allowlisted' }],
    ['https://images.example.com:8443/a.png', { ok: false, reason: 'not-allowlisted' }],
    ['https://user:pw@images.example.com/a.png', { ok: false, reason: 'malformed' }],
    ['file:///etc/passwd', { ok: false, reason: 'scheme' }],
    ['http://169.254.169.254/latest/meta-data/', { ok: false, reason: 'not-allowlisted' }],
    ['not a url', { ok: false, reason: 'malformed' }],
  ])('%s', (url, want) => expect(checkMediaUrl(url, allow)).toEqual(want));
});
