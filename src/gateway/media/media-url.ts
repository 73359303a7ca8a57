/**
 * Remote media URLs (an `image_url.url` or `input_audio` that is not a `data:` URL) are refused unless
 * their origin is allowlisted: the model server would fetch them, which is a server-side request
 * forgery path from the tenant to the cluster network.
 */

export type MediaUrlVerdict =
  | { readonly ok: true; readonly kind: 'data' | 'remote' }
  | { readonly ok: false; readonly reason: 'not-allowlisted' | 'malformed' | 'scheme' };

/**
 * Judge a media URL against an allowlist of origins. Entries: `https://host[:port]` (exact origin) or
 * `https://*.example.com` (any subdomain of example.com, not example.com itself). Only http(s) URLs
 * can be allowlisted; credentials in the URL (`user:pass@`) are refused. `data:` URLs are ok here
 * (their content is checked with parseDataUrl/readImageHeader).
 */
export function checkMediaUrl(url: string, allowlist: readonly string[]): MediaUrlVerdict {
  if (typeof url !== 'string') return { ok: false, reason: 'malformed' };
  if (url.slice(0, 5).toLowerCase() === 'data:') return { ok: true, kind: 'data' };
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return { ok: false, reason: 'scheme' };
  if (u.username !== '' || u.password !== '') return { ok: false, reason: 'malformed' };
  for (const entry of allowlist) {
    const star = entry.indexOf('://*.');
    if (star > 0) {
      const scheme = `${entry.slice(0, star)}:`;
      const suffix = `.${entry.slice(star + 5).toLowerCase()}`;
      if (u.protocol === scheme && u.port === '' && u.hostname.endsWith(suffix) && u.hostname.length > suffix.length) return { ok: true, kind: 'remote' };
      continue;
    }
    let e: URL;
    try {
      e = new URL(entry);
    } catch {
      continue;
    }
    if (e.origin === u.origin) return { ok: true, kind: 'remote' };
  }
  return { ok: false, reason: 'not-allowlisted' };
}
