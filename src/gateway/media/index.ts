/**
 * Media checks (issue 18 item 2, images and audio) — PUBLIC SURFACE OF THE SUBFOLDER. Pure functions
 * over bytes and strings; image dimensions come from the header bytes only (PNG, JPEG, WebP, GIF),
 * never from decoding pixels.
 *
 * Implementation: image-header.ts, data-url.ts, media-url.ts (docs/gateway-budgets.md).
 */
import { parseDataUrlImpl, base64DecodedLengthImpl } from './data-url.js';
import { readImageHeaderImpl } from './image-header.js';

export { DEFAULT_MAX_SCAN_BYTES } from './image-header.js';
export { DEFAULT_HEAD_BYTES, MAX_DATA_URL_HEADER_CHARS } from './data-url.js';
export { checkMediaUrl } from './media-url.js';
export type { MediaUrlVerdict } from './media-url.js';

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif';

export type ImageHeader =
  | { readonly ok: true; readonly format: ImageFormat; readonly width: number; readonly height: number; readonly frames?: number; /** Set when the frame walk stopped at maxScanBytes: `frames` counts only the frames seen. */ readonly framesLowerBound?: boolean }
  | { readonly ok: false; readonly reason: 'unknown-format' | 'truncated' | 'malformed' };

/** Read an image's format and pixel dimensions from its first bytes (at most `maxScanBytes`, default 65536, for JPEG's markers). */
export function readImageHeader(bytes: Uint8Array, maxScanBytes?: number): ImageHeader {
  return readImageHeaderImpl(bytes, maxScanBytes);
}

export type DataUrl =
  | { readonly ok: true; readonly mediaType: string; /** Decoded size computed from the base64 length, without decoding all of it. */ readonly decodedBytes: number; /** The first decoded bytes (at most `headBytes`). */ readonly head: Uint8Array }
  | { readonly ok: false; readonly reason: 'not-data-url' | 'not-base64' | 'malformed' };

/** Parse a `data:` URL (as in OpenAI `image_url.url` / `input_audio`), decoding only the first `headBytes` (default 65536). */
export function parseDataUrl(url: string, headBytes?: number): DataUrl {
  return parseDataUrlImpl(url, headBytes);
}

/** Decoded size of a base64 string from its length and padding (no decoding); undefined when it is not base64. */
export function base64DecodedLength(b64: string): number | undefined {
  return base64DecodedLengthImpl(b64);
}
