/**
 * `bulwark sign`: hash the model, build the OMS statement, sign its DSSE PAE with an ECDSA key (the
 * curve's hash), and wrap it in a Sigstore bundle v0.3 exactly as the reference's `key` and
 * `certificate` methods write it. Keyless (Fulcio/Rekor) signing needs the network and an OIDC
 * token; it is not offered (verification of keyless signatures is).
 */
import type { KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import { BulwarkError, pushAll } from '../findings/index.js';
import { buildBundle } from './bundle.js';
import { IN_TOTO_PAYLOAD_TYPE } from './constants.js';
import { isSignatureError } from './errors.js';
import { keyHint, parsePrivateKey, signDsse } from './keys.js';
import type { Manifest } from './manifest.js';
import { statementBytes, statementOf } from './manifest.js';
import type { HashModelOptions } from './model.js';
import { hashModel } from './model.js';
import type { Cert } from './x509.js';
import { certificatesFromPem } from './x509.js';

export interface SignOptions extends HashModelOptions {
  /** The ECDSA private key (P-256, P-384 or P-521): PEM text, or a KeyObject. */
  readonly privateKey: string | Buffer | KeyObject;
  /** `certificate` method: the signing certificate (PEM) matching the private key. */
  readonly certificate?: string | Buffer;
  /** `certificate` method: further certificates (PEM texts) to put in the bundle after the leaf. */
  readonly certificateChain?: ReadonlyArray<string | Buffer>;
}

export interface SignResult {
  readonly manifest: Manifest;
  /** The decoded statement (plain object) and its exact signed bytes. */
  readonly statement: Record<string, unknown>;
  readonly payload: Buffer;
  readonly bundle: Record<string, unknown>;
  /** The bundle as the reference writes it: compact JSON, no trailing newline. */
  readonly bundleJson: string;
  readonly warnings: readonly string[];
}

function text(v: string | Buffer): string {
  return typeof v === 'string' ? v : v.toString('latin1');
}

/** Build the signed bundle for an already-computed manifest (used by `signModel` and by fixtures). */
export function signManifest(manifest: Manifest, options: Pick<SignOptions, 'privateKey' | 'certificate' | 'certificateChain'>): Omit<SignResult, 'warnings' | 'manifest'> {
  const key = typeof options.privateKey === 'object' && !Buffer.isBuffer(options.privateKey) ? options.privateKey : parsePrivateKey(options.privateKey);
  const pub = createPublicKey(key);
  let certificates: Buffer[] | undefined;
  if (options.certificate !== undefined) {
    const leaf = certificatesFromPem(text(options.certificate), 'the signing certificate')[0];
    if (!leaf) throw new BulwarkError('USAGE', 'the signing certificate file holds no CERTIFICATE block');
    const leafSpki = leaf.node.publicKey.export({ type: 'spki', format: 'der' });
    if (!leafSpki.equals(pub.export({ type: 'spki', format: 'der' }))) {
      throw new BulwarkError('USAGE', 'the signing certificate does not match the private key');
    }
    const chain: Cert[] = [];
    for (const c of options.certificateChain ?? []) pushAll(chain, certificatesFromPem(text(c), 'the certificate chain'));
    certificates = [leaf.der, ...chain.map((c) => c.der)];
  } else if ((options.certificateChain ?? []).length > 0) {
    throw new BulwarkError('USAGE', '--cert-chain needs --cert (the signing certificate)');
  }
  const statement = statementOf(manifest);
  const payload = statementBytes(statement);
  const signature = signDsse(key, payload);
  const bundle = buildBundle({
    payloadType: IN_TOTO_PAYLOAD_TYPE,
    payload,
    signature,
    ...(certificates === undefined ? { keyHint: keyHint(pub) } : { certificates }),
  });
  return { statement, payload, bundle, bundleJson: JSON.stringify(bundle) };
}

/** Sign a model folder or file. Errors are USAGE or IO BulwarkErrors (nothing is written here). */
export async function signModel(modelPath: string, options: SignOptions): Promise<SignResult> {
  // Load the key material first: a bad key should fail before hours of hashing.
  const privateKey = typeof options.privateKey === 'object' && !Buffer.isBuffer(options.privateKey) ? options.privateKey : parsePrivateKey(options.privateKey);
  signManifest({ modelName: 'probe', serialization: { method: 'files', hashType: 'sha256', allowSymlinks: false }, resources: [] }, { ...options, privateKey });
  let hashed;
  try {
    hashed = await hashModel(modelPath, options);
  } catch (e) {
    // The model itself is the problem (a symlink without --allow-symlinks, a FIFO, a non-UTF-8 name).
    if (isSignatureError(e)) throw new BulwarkError('USAGE', e.message + (e.reason === 'symlink' ? ' (pass --allow-symlinks to follow links)' : ''), { cause: e });
    throw e;
  }
  const signed = signManifest(hashed.manifest, { ...options, privateKey });
  return { ...signed, manifest: hashed.manifest, warnings: hashed.enumeration.warnings };
}
