/**
 * Request targets → (upstream, route). The raw target is normalised first and refused when it is
 * ambiguous (what the gateway matched must be what the upstream serves): absolute-form targets,
 * query strings, `.`/`..` segments, empty segments (`//`), percent-encoding, backslashes, `;`
 * parameters, control and non-ASCII characters. No regular expression runs per request: one pass over
 * the characters, then segment comparison against the precompiled route patterns.
 */
import type { RoutePolicy, UpstreamPolicy } from './policy.js';

export type PathResult = { readonly ok: true; readonly segments: readonly string[]; readonly path: string } | { readonly ok: false; readonly reason: string };

/** Characters allowed in a path (RFC 3986 pchar minus `%` and `;`, plus `/`). */
const ALLOWED = (() => {
  const t = new Uint8Array(128);
  for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,=:@/") t[c.charCodeAt(0)] = 1;
  return t;
})();

/** Longest request target accepted (characters). */
export const MAX_TARGET_CHARS = 2048;

/** Normalise a raw request target (`req.url` as received). */
export function normalisePath(target: string): PathResult {
  if (target.length === 0 || target.charCodeAt(0) !== 0x2f) return { ok: false, reason: 'the request target must be an absolute path (origin form)' };
  if (target.length > MAX_TARGET_CHARS) return { ok: false, reason: `the request target is longer than ${MAX_TARGET_CHARS} characters` };
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c === 0x3f) return { ok: false, reason: 'query strings are not accepted' };
    if (c === 0x23) return { ok: false, reason: 'fragments are not accepted' };
    if (c === 0x25) return { ok: false, reason: 'percent-encoded characters are not accepted in the path' };
    if (c === 0x5c) return { ok: false, reason: 'backslashes are not accepted in the path' };
    if (c === 0x3b) return { ok: false, reason: 'path parameters (;) are not accepted' };
    if (c >= 128 || ALLOWED[c] !== 1) return { ok: false, reason: 'the path contains a character outside [A-Za-z0-9-._~!$&\'()*+,=:@/]' };
  }
  const segments = target.split('/');
  segments.shift();
  for (const s of segments) {
    if (s === '') return { ok: false, reason: 'empty path segments (//) and trailing slashes are not accepted' };
    if (s === '.' || s === '..') return { ok: false, reason: 'dot segments (. and ..) are not accepted' };
  }
  return { ok: true, segments, path: target };
}

/** The upstream whose prefix the path starts with (longest first), and the segments after it. */
export function selectUpstream(upstreams: readonly UpstreamPolicy[], segments: readonly string[]): { upstream: UpstreamPolicy; rest: readonly string[] } | undefined {
  let best: UpstreamPolicy | undefined;
  let bestLen = -1;
  for (const u of upstreams) {
    const p = u.prefix === '' ? [] : u.prefix.split('/').slice(1);
    if (p.length <= bestLen || p.length > segments.length) continue;
    let ok = true;
    for (let i = 0; i < p.length; i++) if (p[i] !== segments[i]) ok = false;
    if (ok) {
      best = u;
      bestLen = p.length;
    }
  }
  return best === undefined ? undefined : { upstream: best, rest: bestLen === 0 ? segments : segments.slice(bestLen) };
}

/** The allowlisted route of `upstream` for (method, segments), or undefined. */
export function matchRoute(upstream: UpstreamPolicy, method: string, segments: readonly string[]): RoutePolicy | undefined {
  for (const r of upstream.routes) {
    if (r.method !== method || r.segments.length !== segments.length) continue;
    let ok = true;
    for (let i = 0; i < segments.length && ok; i++) {
      const want = r.segments[i];
      if (want !== null && want !== segments[i]) ok = false;
    }
    if (ok) return r;
  }
  return undefined;
}
