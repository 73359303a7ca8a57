/**
 * What every image verifier shares: the failure error (one line), bounded base64 and JSON decoding,
 * and the limits this domain enforces.
 */
import { BulwarkError } from '../findings/index.js';
import type { Limits } from '../limits/index.js';
import { DEFAULT_LIMITS } from '../limits/index.js';

export type ImageSigningLimits = Pick<Limits, 'maxSignatureEnvelopeBytes' | 'maxImageSignatures' | 'maxCertChain' | 'maxTrustStoreCerts' | 'maxTrustedRootBytes' | 'maxStructureDepth'>;

export function imageSigningLimits(l: Partial<Limits> = {}): ImageSigningLimits {
  const d = { ...DEFAULT_LIMITS, ...l };
  return {
    maxSignatureEnvelopeBytes: d.maxSignatureEnvelopeBytes,
    maxImageSignatures: d.maxImageSignatures,
    maxCertChain: d.maxCertChain,
    maxTrustStoreCerts: d.maxTrustStoreCerts,
    maxTrustedRootBytes: d.maxTrustedRootBytes,
    maxStructureDepth: d.maxStructureDepth,
  };
}

/** A verification failure: exit 1, one line. */
export function refused(message: string): BulwarkError {
  return new BulwarkError('VERIFICATION', oneLine(message));
}

export function oneLine(s: string): string {
  // Messages quote registry and certificate content: one line, no controls, bounded.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim().slice(0, 1000);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Strict base64url (JWS): no padding, no other characters. */
export function base64url(s: unknown, what: string): Buffer {
  if (typeof s !== 'string' || !/^[A-Za-z0-9_-]*$/.test(s)) throw refused(`${what} is not base64url`);
  return Buffer.from(s, 'base64url');
}

/** Standard base64 (cosign annotations, x5c); whitespace is tolerated as cosign does. */
export function base64(s: unknown, what: string): Buffer {
  if (typeof s !== 'string') throw refused(`${what} is not a string`);
  const t = s.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.length % 4 === 1) throw refused(`${what} is not base64`);
  return Buffer.from(t, 'base64');
}

function depthOf(v: unknown, max: number, depth = 0): void {
  if (depth > max) throw refused(`nesting deeper than maxStructureDepth (${max})`);
  if (Array.isArray(v)) for (const x of v) depthOf(x, max, depth + 1);
  else if (isObject(v)) for (const x of Object.values(v)) depthOf(x, max, depth + 1);
}

/** JSON of bounded size (the caller bounded the bytes) and depth. */
export function parseJson(bytes: Buffer | string, what: string, maxDepth: number): unknown {
  let v: unknown;
  try {
    v = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  } catch {
    throw refused(`${what} is not JSON`);
  }
  try {
    depthOf(v, maxDepth);
  } catch {
    throw refused(`${what} nests deeper than maxStructureDepth (${maxDepth})`);
  }
  return v;
}

export function quote(s: string, max = 120): string {
  return JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);
}
