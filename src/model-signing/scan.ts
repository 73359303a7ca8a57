/**
 * Scan integration: does a model folder carry an OMS signature, and does it verify?
 *
 * The engine decides which directories are model folders (those holding files it detected as model
 * formats) and calls `checkModelSignature` once per model folder. The function never throws: every
 * outcome is a finding (or nothing, when the signature verifies against the configured trust).
 */
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { errorMessage } from '../findings/index.js';
import type { Reporter } from '../rules/index.js';
import { parseBundle } from './bundle.js';
import { DEFAULT_SIGNATURE_NAME, MAX_BUNDLE_BYTES } from './constants.js';
import { INTEGRITY_REASONS, isSignatureError } from './errors.js';
import { signatureUnverified, unsignedModel, verificationFailed } from './rules.js';
import { parseStatement } from './statement.js';
import { readBounded, verifyModel, verifyModelFiles } from './verify.js';

export type SigningPolicy = 'default' | 'production';

export interface ModelSignatureCheckOptions {
  /** Public key: a file path, or the PEM text itself. */
  readonly key?: string;
  /** Trust anchors: file paths, or PEM texts. */
  readonly certChain?: readonly string[];
  readonly identity?: string;
  readonly issuer?: string;
  /** trusted_root.json path for keyless signatures (default: the shipped public-good root). */
  readonly trustedRoot?: string;
  /** `production`: an unsigned model folder is high instead of info. */
  readonly policy?: SigningPolicy;
  /** Signature file name looked for (default `model.sig`). */
  readonly signatureName?: string;
  /**
   * Also look for the signature in the parent directories of `dir`, up to and including `stopAt`
   * (a model folder inside a signed folder is covered by the parent's signature).
   */
  readonly stopAt?: string;
  readonly jobs?: number;
  readonly maxBundleBytes?: number;
  readonly maxFiles?: number;
  readonly maxDepth?: number;
  /** Time certificates must be valid at (tests). */
  readonly now?: Date;
}

function pemOrFile(v: string, what: string): string {
  if (v.includes('-----BEGIN')) return v;
  try {
    return readFileSync(v, 'latin1');
  } catch (e) {
    throw new Error(`cannot read the configured ${what} ${v}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

function findSignature(dir: string, name: string, stopAt: string | undefined): { model: string; signature: string } | undefined {
  let cur = resolve(dir);
  const stop = stopAt === undefined ? cur : resolve(stopAt);
  for (;;) {
    const sig = join(cur, name);
    if (existsSync(sig) || isLink(sig)) return { model: cur === resolve(dir) ? dir : cur, signature: cur === resolve(dir) ? join(dir, name) : sig };
    const rel = relative(stop, cur);
    if (rel === '' || rel.startsWith('..')) return undefined;
    const up = dirname(cur);
    if (up === cur) return undefined;
    cur = up;
  }
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Report what is wrong with the signature of the model folder `dir` (see docs/rules/signing/). */
export async function checkModelSignature(dir: string, options: ModelSignatureCheckOptions, reporter: Reporter): Promise<void> {
  const name = options.signatureName ?? DEFAULT_SIGNATURE_NAME;
  const found = findSignature(dir, name, options.stopAt);
  if (!found) {
    const production = options.policy === 'production';
    reporter.report(unsignedModel, {
      location: { kind: 'file', path: dir },
      message: `model folder has no signature (${name})${production ? '; the production policy requires signed models' : ''}`,
      severity: production ? 'high' : 'info',
    });
    return;
  }
  const location = { kind: 'file' as const, path: found.signature };
  const trusted = options.key !== undefined || (options.certChain ?? []).length > 0 || options.identity !== undefined || options.issuer !== undefined;
  const common = {
    signaturePath: found.signature,
    ...(options.jobs !== undefined && { jobs: options.jobs }),
    ...(options.maxFiles !== undefined && { maxFiles: options.maxFiles }),
    ...(options.maxDepth !== undefined && { maxDepth: options.maxDepth }),
  };
  try {
    if (trusted) {
      await verifyModel(found.model, {
        ...common,
        maxBundleBytes: options.maxBundleBytes ?? MAX_BUNDLE_BYTES,
        ...(options.key !== undefined && { key: pemOrFile(options.key, 'public key') }),
        ...((options.certChain ?? []).length > 0 && { certChain: (options.certChain ?? []).map((c) => pemOrFile(c, 'trust anchor')) }),
        ...(options.identity !== undefined && { identity: options.identity }),
        ...(options.issuer !== undefined && { issuer: options.issuer }),
        ...(options.trustedRoot !== undefined && { trustedRoot: options.trustedRoot }),
        ...(options.now !== undefined && { now: options.now }),
      });
      return;
    }
    // No trust configured: the manifest is unauthenticated, but a model that does not match the
    // signature it carries is still worth reporting.
    const bundle = parseBundle(readBounded(found.signature, options.maxBundleBytes ?? MAX_BUNDLE_BYTES));
    const statement = parseStatement(bundle.payload);
    await verifyModelFiles(found.model, statement.manifest, common);
    reporter.report(signatureUnverified, {
      location,
      message: `model signature (${bundle.method} method) matches the files, but no key, certificate anchor or identity is configured to check who signed it`,
    });
  } catch (e) {
    if (isSignatureError(e)) {
      const integrity = INTEGRITY_REASONS.has(e.reason);
      reporter.report(verificationFailed, {
        location,
        message: trusted ? `model signature does not verify: ${e.message}` : `model does not match the (unverified) signature it carries: ${e.message}`,
        severity: integrity && trusted ? 'critical' : 'high',
        evidence: e.reason,
      });
      return;
    }
    reporter.report(verificationFailed, { location, message: `model signature could not be verified: ${errorMessage(e)}`, evidence: 'error' });
  }
}
