/**
 * Keyless (`sigstore` method) verification, offline: @sigstore/verify checks the Fulcio certificate
 * chain against the trusted root at the transparency-log time, the embedded SCT, the Rekor entry
 * (inclusion proof / promise, and that its body matches this envelope), the DSSE signature, and the
 * identity policy (certificate SAN and OIDC issuer extension).
 *
 * The trusted root is the public-good one shipped in `data/sigstore/trusted_root.json` (see its
 * README for provenance) or a file given with `--trusted-root`. It is turned into sigstore-js's
 * `TrustMaterial` here, so neither `@sigstore/tuf` nor `@sigstore/protobuf-specs` is needed.
 */
import { DEFAULT_LIMITS } from '../limits/index.js';
import type { KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type * as SigstoreBundle from '@sigstore/bundle';
import type * as SigstoreCore from '@sigstore/core';
import type { TrustMaterial } from '@sigstore/verify';
import type * as SigstoreVerify from '@sigstore/verify';
import { BulwarkError } from '../findings/index.js';
import type { ParsedBundle } from './bundle.js';
import { failure, malformed } from './errors.js';

/**
 * The sigstore-js packages (CommonJS, ~60 modules) are loaded on first use: only keyless
 * verification needs them, and loading them at start-up would slow every `bulwark scan`.
 */
const requireCjs = createRequire(import.meta.url);
let sigstoreModules: { bundle: typeof SigstoreBundle; core: typeof SigstoreCore; verify: typeof SigstoreVerify } | undefined;
function sigstore(): { bundle: typeof SigstoreBundle; core: typeof SigstoreCore; verify: typeof SigstoreVerify } {
  sigstoreModules ??= {
    bundle: requireCjs('@sigstore/bundle') as typeof SigstoreBundle,
    core: requireCjs('@sigstore/core') as typeof SigstoreCore,
    verify: requireCjs('@sigstore/verify') as typeof SigstoreVerify,
  };
  return sigstoreModules;
}

const BEGINNING = new Date(0);
const END = new Date(8_640_000_000_000_000);
/** The named limit `maxTrustedRootBytes` (src/limits). */
const MAX_TRUSTED_ROOT_BYTES = DEFAULT_LIMITS.maxTrustedRootBytes;

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'data', 'sigstore', 'trusted_root.json')) && existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

/** Path of the shipped public-good trusted root. */
export function defaultTrustedRootPath(): string {
  return join(packageRoot(), 'data', 'sigstore', 'trusted_root.json');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function range(v: unknown): { start: Date; end: Date } {
  const r = isObject(v) ? v : {};
  const start = typeof r.start === 'string' ? new Date(r.start) : BEGINNING;
  const end = typeof r.end === 'string' ? new Date(r.end) : END;
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) throw new Error('bad validFor time');
  return { start, end };
}

function logKey(pk: Record<string, unknown>): KeyObject {
  const der = Buffer.from(String(pk.rawBytes ?? ''), 'base64');
  const details = String(pk.keyDetails ?? '');
  const type = details.startsWith('PKCS1_') || (details.includes('RSA_PKCS1') && !details.startsWith('PKIX_')) ? 'pkcs1' : 'spki';
  return createPublicKey({ key: der, format: 'der', type });
}

/** Parse a `trusted_root.json` (media type `application/vnd.dev.sigstore.trustedroot+json;version=0.1`). */
export function parseTrustedRoot(text: string, what = 'trusted root'): TrustMaterial {
  try {
    const root: unknown = JSON.parse(text);
    if (!isObject(root)) throw new Error('not an object');
    const arr = (k: string): Record<string, unknown>[] => (Array.isArray(root[k]) ? (root[k] as unknown[]).filter(isObject) : []);
    const tlog = (t: Record<string, unknown>) => {
      const pk = isObject(t.publicKey) ? t.publicKey : {};
      const id = isObject(t.checkpointKeyId) ? t.checkpointKeyId : isObject(t.logId) ? t.logId : {};
      return {
        baseURL: String(t.baseUrl ?? ''),
        logID: Buffer.from(String(id.keyId ?? ''), 'base64'),
        publicKey: logKey(pk),
        validFor: range(pk.validFor),
      };
    };
    const ca = (c: Record<string, unknown>) => {
      const chain = isObject(c.certChain) && Array.isArray(c.certChain.certificates) ? (c.certChain.certificates as unknown[]) : [];
      return {
        certChain: chain.filter(isObject).map((x) => sigstore().core.X509Certificate.parse(Buffer.from(String(x.rawBytes ?? ''), 'base64'))),
        validFor: range(c.validFor),
      };
    };
    return {
      tlogs: arr('tlogs').map(tlog),
      ctlogs: arr('ctlogs').map(tlog),
      certificateAuthorities: arr('certificateAuthorities').map(ca),
      timestampAuthorities: arr('timestampAuthorities').map(ca),
      publicKey: (hint: string) => {
        throw new (sigstore().verify.VerificationError)({ code: 'PUBLIC_KEY_ERROR', message: `key not found: ${hint}` });
      },
    };
  } catch (e) {
    throw new BulwarkError('USAGE', `${what} is not a valid Sigstore trusted_root.json: ${(e as Error).message}`, { cause: e });
  }
}

const cache = new Map<string, TrustMaterial>();

/** Load (and cache) a trusted root; the shipped public-good one when `path` is undefined. */
export function loadTrustedRoot(path?: string): TrustMaterial {
  const file = path ?? defaultTrustedRootPath();
  const hit = cache.get(file);
  if (hit) return hit;
  let text: string;
  try {
    const buf = readFileSync(file);
    if (buf.length > MAX_TRUSTED_ROOT_BYTES) throw new BulwarkError('USAGE', `${file} is larger than ${MAX_TRUSTED_ROOT_BYTES} bytes`);
    text = buf.toString('utf8');
  } catch (e) {
    if (e instanceof BulwarkError) throw e;
    throw new BulwarkError('IO', `cannot read trusted root ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { cause: e });
  }
  const tm = parseTrustedRoot(text, file);
  cache.set(file, tm);
  return tm;
}

export interface KeylessPolicy {
  readonly identity: string;
  readonly issuer: string;
}

/**
 * Verify a `sigstore`-method bundle; returns the signer identity on success. `artifact` is the signed
 * bytes of a message-signature bundle (a DSSE bundle carries its payload).
 */
export function verifyKeyless(bundle: Pick<ParsedBundle, 'json'>, policy: KeylessPolicy, trust: TrustMaterial, artifact?: Buffer): { identity: string; issuer: string } {
  let parsed;
  try {
    parsed = sigstore().bundle.bundleFromJSON(bundle.json);
  } catch (e) {
    throw malformed(`malformed bundle: ${(e as Error).message}`, 'malformed-bundle', e);
  }
  let signer;
  try {
    const { Verifier, toSignedEntity } = sigstore().verify;
    const verifier = new Verifier(trust, { tlogThreshold: 1, ctlogThreshold: 1 });
    signer = verifier.verify(toSignedEntity(parsed, artifact), { subjectAlternativeName: policy.identity, extensions: { issuer: policy.issuer } });
  } catch (e) {
    const msg = (e as Error).message;
    if (e instanceof sigstore().verify.PolicyError) throw failure('identity-mismatch', `identity mismatch: ${msg}`, e);
    if (e instanceof sigstore().verify.VerificationError) {
      switch (e.code) {
        case 'CERTIFICATE_ERROR':
          throw failure(/expired|not yet valid|validity/i.test(msg) ? 'expired-certificate' : 'untrusted-chain', `untrusted chain: ${msg}`, e);
        case 'SIGNATURE_ERROR':
          throw failure('bad-signature', `invalid signature: ${msg}`, e);
        case 'PUBLIC_KEY_ERROR':
          throw failure('wrong-key', `wrong key: ${msg}`, e);
        default:
          throw failure('transparency-log', `transparency log or timestamp verification failed: ${msg}`, e);
      }
    }
    throw failure('untrusted-chain', `keyless verification failed: ${msg}`, e);
  }
  return { identity: signer.identity?.subjectAlternativeName ?? policy.identity, issuer: signer.identity?.extensions?.issuer ?? policy.issuer };
}
