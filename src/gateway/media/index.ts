/**
 * Media checks (issue 18 item 2, images and audio) — PUBLIC SURFACE OF THE SUBFOLDER. Pure functions
 * over bytes and strings; image dimensions come from the header bytes only (PNG, JPEG, WebP, GIF),
 * never from decoding pixels.
 *
 * STUB written by the integrator: the budget/media helper replaces the bodies (keeping these exported
 * names and types, adding fields only as optional) in branch `gw-budget`.
 */

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif';

export type ImageHeader =
  | { readonly ok: true; readonly format: ImageFormat; readonly width: number; readonly height: number; readonly frames?: number }
  | { readonly ok: false; readonly reason: 'unknown-format' | 'truncated' | 'malformed' };

/** Read an image's format and pixel dimensions from its first bytes (at most `maxScanBytes`, default 65536, for JPEG's markers). */
export function readImageHeader(bytes: Uint8Array, maxScanBytes?: number): ImageHeader {
  void bytes;
  void maxScanBytes;
  return { ok: false, reason: 'unknown-format' };
}

export type DataUrl =
  | { readonly ok: true; readonly mediaType: string; /** Decoded size computed from the base64 length, without decoding all of it. */ readonly decodedBytes: number; /** The first decoded bytes (at most `headBytes`). */ readonly head: Uint8Array }
  | { readonly ok: false; readonly reason: 'not-data-url' | 'not-base64' | 'malformed' };

/** Parse a `data:` URL (as in OpenAI `image_url.url` / `input_audio`), decoding only the first `headBytes` (default 65536). */
export function parseDataUrl(url: string, headBytes?: number): DataUrl {
  void url;
  void headBytes;
  return { ok: false, reason: 'not-data-url' };
}

/** Decoded size of a base64 string from its length and padding (no decoding); undefined when it is not base64. */
export function base64DecodedLength(b64: string): number | undefined {
  void b64;
  return undefined;
}
