/**
 * `data:` URLs (RFC 2397) as sent in OpenAI `image_url.url`: the media type, the decoded size computed
 * from the base64 length, and only the first `headBytes` decoded. The work is O(header + headBytes),
 * independent of the payload's length: a 100 MB string costs what a 100 KB one does.
 */
import type { DataUrl } from './index.js';

/** Default decoded bytes returned in `head` (enough for any image header we read). */
export const DEFAULT_HEAD_BYTES = 65_536;
/** Longest `data:<mediatype>;params` part looked at; no comma within it → malformed. */
export const MAX_DATA_URL_HEADER_CHARS = 1024;

/** 1 for the standard base64 alphabet (RFC 4648 §4), 0 otherwise. */
const B64 = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') B64[c.charCodeAt(0)] = 1;
const isB64 = (code: number): boolean => code < 128 && B64[code] === 1;

type Fail = Extract<DataUrl, { ok: false }>;
const NOT_DATA: Fail = Object.freeze({ ok: false, reason: 'not-data-url' });
const NOT_B64: Fail = Object.freeze({ ok: false, reason: 'not-base64' });
const MALFORMED: Fail = Object.freeze({ ok: false, reason: 'malformed' });

const TOKEN = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+$/;

/**
 * Decoded size of a base64 string from its length and padding, in O(1): the length must not be 1
 * mod 4, '=' may appear only as the last one or two characters of a padded string, and the characters
 * around the end must be in the alphabet. The characters in the middle are NOT examined here
 * (parseDataUrl examines the head it decodes); undefined when the shape is not base64.
 */
export function base64DecodedLengthImpl(b64: string): number | undefined {
  const n = b64.length;
  if (n === 0) return 0;
  let pad = 0;
  if (b64.charCodeAt(n - 1) === 0x3d) pad = b64.charCodeAt(n - 2) === 0x3d ? 2 : 1;
  if (pad > 0 && n % 4 !== 0) return undefined;
  const body = n - pad;
  if (body % 4 === 1 || body === 0) return undefined;
  // The last quantum (up to 4 characters before the padding) must be alphabet characters.
  for (let i = Math.max(0, body - 4); i < body; i++) if (!isB64(b64.charCodeAt(i))) return undefined;
  return Math.floor((body * 3) / 4);
}

/** Parse a `data:` URL, decoding only the first `headBytes` bytes (see index.ts). */
export function parseDataUrlImpl(url: string, headBytes: number = DEFAULT_HEAD_BYTES): DataUrl {
  if (typeof url !== 'string' || url.length < 5 || url.slice(0, 5).toLowerCase() !== 'data:') return NOT_DATA;
  const comma = url.slice(0, MAX_DATA_URL_HEADER_CHARS).indexOf(',');
  if (comma < 0) return MALFORMED;
  const params = url.slice(5, comma).split(';');
  const last = params.length > 1 ? (params[params.length - 1] ?? '').toLowerCase() : '';
  if (last !== 'base64') return NOT_B64;
  const type = (params[0] ?? '').trim().toLowerCase();
  if (type !== '' && !TOKEN.test(type)) return MALFORMED;
  const mediaType = type === '' ? 'text/plain' : type;
  const payload = url.slice(comma + 1);
  const decodedBytes = base64DecodedLengthImpl(payload);
  if (decodedBytes === undefined) return NOT_B64;
  // Validate and decode the head: whole 4-character quanta covering headBytes.
  const want = Number.isFinite(headBytes) ? Math.max(0, Math.floor(headBytes)) : DEFAULT_HEAD_BYTES;
  const chars = Math.min(payload.length, Math.ceil(Math.min(want, decodedBytes) / 3) * 4);
  for (let i = 0; i < chars; i++) {
    const c = payload.charCodeAt(i);
    if (!isB64(c) && !(c === 0x3d && i >= payload.length - 2)) return NOT_B64;
  }
  const head = Buffer.from(payload.slice(0, chars), 'base64');
  return { ok: true, mediaType, decodedBytes, head: new Uint8Array(head.buffer, head.byteOffset, Math.min(head.length, want)) };
}
