/**
 * OMS conformance run over the shared vectors (`../shared/conformance/oms`, see its README):
 * - every reference-signed vector (model_signing v0.2.0 … v1.1.0, key / certificate / sigstore)
 *   verifies; a tampered model, a wrong key, a wrong CA (or an intermediate given as the only anchor)
 *   and a wrong keyless identity or issuer fail;
 * - the spec's `valid/` bundles verify against the v1.1.0 model files; `invalid/` bundles are
 *   rejected as malformed; `invalid-payload/` bundles are rejected;
 * - round trip: the v1.1.0 (and single-file v1.0.0) models re-signed by Bulwark with the shared test
 *   keys give the reference's statement (same subject, root digest, resources and serialization;
 *   JSON key order and the order of `ignore_paths` are free in the reference's output) and verify.
 * Nothing uses the network. Called by `npm run conformance -- <dir>` and by conformance.test.ts.
 */
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { errorMessage } from '../findings/index.js';
import { parseBundle } from './bundle.js';
import type { FailureReason } from './errors.js';
import { isSignatureError } from './errors.js';
import { defaultTrustedRootPath } from './keyless.js';
import { signModel } from './sign.js';
import type { VerifyOptions } from './verify.js';
import { verifyModel } from './verify.js';

export interface ConformanceResult {
  readonly total: number;
  readonly passed: number;
  readonly failures: string[];
}

const IDENTITY = 'stefanb@us.ibm.com';
const ISSUER = 'https://sigstore.verify.ibm.com/oauth2';

type Trust = Pick<VerifyOptions, 'key' | 'certChain' | 'identity' | 'issuer'>;

/** Canonical form of a statement for comparison: keys sorted, `ignore_paths` as a sorted set. */
function canonical(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) {
    const items = v.map((x) => canonical(x));
    return key === 'ignore_paths' ? [...new Set(items as string[])].sort() : items;
  }
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k], k)]),
    );
  }
  return v;
}

function decodedStatement(sigBytes: Buffer): unknown {
  return JSON.parse(parseBundle(sigBytes).payload.toString('utf8'));
}

export async function checkOmsConformance(omsDir: string): Promise<ConformanceResult> {
  const failures: string[] = [];
  let total = 0;
  const work = mkdtempSync(join(tmpdir(), 'bulwark-oms-'));
  const check = async (name: string, fn: () => Promise<void> | void): Promise<void> => {
    total++;
    try {
      await fn();
    } catch (e) {
      failures.push(`${name}: ${errorMessage(e)}`);
    }
  };
  const expectOk = (name: string, model: string, options: VerifyOptions) =>
    check(name, async () => {
      await verifyModel(model, options);
    });
  const expectFail = (name: string, model: string, options: VerifyOptions, reasons: readonly FailureReason[]) =>
    check(name, async () => {
      try {
        await verifyModel(model, options);
      } catch (e) {
        if (isSignatureError(e) && reasons.includes(e.reason)) return;
        throw new Error(`expected failure (${reasons.join(' or ')}), got ${isSignatureError(e) ? e.reason : 'error'}: ${errorMessage(e)}`);
      }
      throw new Error(`expected failure (${reasons.join(' or ')}), but it verified`);
    });

  try {
    const tests = join(omsDir, 'model-transparency', 'scripts', 'tests');
    const keys = join(tests, 'keys', 'certificate');
    const pubKey = readFileSync(join(keys, 'signing-key-pub.pem'));
    const caCert = readFileSync(join(keys, 'ca-cert.pem'));
    const intCert = readFileSync(join(keys, 'int-ca-cert.pem'));
    const wrongKey = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    // A real self-signed CA that did not issue the vectors' certificates: the Sigstore Fulcio root.
    const fulcioRoot = (() => {
      const root = JSON.parse(readFileSync(defaultTrustedRootPath(), 'utf8')) as { certificateAuthorities: Array<{ certChain: { certificates: Array<{ rawBytes: string }> } }> };
      const chain = root.certificateAuthorities.at(-1)?.certChain.certificates ?? [];
      const der = chain.at(-1)?.rawBytes ?? '';
      return `-----BEGIN CERTIFICATE-----\n${der.replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;
    })();
    const trustFor = (method: string): Trust =>
      method === 'elliptic-key' ? { key: pubKey } : method === 'certificate' ? { certChain: [caCert] } : { identity: IDENTITY, issuer: ISSUER };

    const vectors = readdirSync(tests)
      .filter((d) => /^v\d+\.\d+\.\d+-(elliptic-key|certificate|sigstore)$/.test(d))
      .sort();
    if (vectors.length === 0) failures.push(`no vectors under ${tests}`);
    for (const dir of vectors) {
      const method = dir.replace(/^v[\d.]+-/, '');
      const vdir = join(tests, dir);
      const sigPath = join(vdir, 'model.sig');
      const statement = decodedStatement(readFileSync(sigPath)) as { predicate?: { resources?: Array<{ name: string }> } };
      const singleFile = statement.predicate?.resources?.length === 1 && statement.predicate.resources[0]?.name === '.';
      const files = readdirSync(vdir).filter((f) => f !== 'model.sig');
      const model = singleFile ? join(vdir, files.find((f) => f !== 'ignore-me') ?? 'signme-1') : vdir;
      const ignorePaths = !singleFile && files.includes('ignore-me') ? ['ignore-me'] : [];
      const base: VerifyOptions = { signaturePath: sigPath, ignorePaths, ...trustFor(method) };
      await expectOk(`${dir} verifies`, model, base);

      // Tampered copy.
      const copy = join(work, dir, singleFile ? 'm' : dir);
      mkdirSync(copy, { recursive: true });
      for (const f of files) {
        copyFileSync(join(vdir, f), join(copy, f));
        chmodSync(join(copy, f), 0o644);
      }
      const victim = join(copy, 'signme-1');
      const bytes = readFileSync(victim);
      bytes[0] = (bytes[0] ?? 0) ^ 0x01;
      writeFileSync(victim, bytes);
      await expectFail(`${dir} tampered signme-1 fails`, singleFile ? victim : copy, { ...base, signaturePath: sigPath }, ['file-changed']);
      if (!singleFile) {
        writeFileSync(join(copy, 'signme-1'), readFileSync(join(vdir, 'signme-1')));
        writeFileSync(join(copy, 'added.bin'), 'x');
        await expectFail(`${dir} added file fails`, copy, base, ['file-added']);
      }

      if (method === 'elliptic-key') {
        await expectFail(`${dir} wrong key fails`, model, { ...base, key: wrongKey }, ['wrong-key', 'bad-signature']);
      } else if (method === 'certificate') {
        await expectFail(`${dir} wrong CA fails`, model, { ...base, certChain: [fulcioRoot] }, ['untrusted-chain']);
        await expectFail(`${dir} intermediate alone as anchor fails`, model, { ...base, certChain: [intCert] }, ['untrusted-chain']);
        await expectFail(`${dir} wrong method (--key) fails`, model, { signaturePath: sigPath, ignorePaths, key: pubKey }, ['wrong-method']);
      } else {
        await expectFail(`${dir} wrong identity fails`, model, { ...base, identity: 'someone@example.com' }, ['identity-mismatch']);
        await expectFail(`${dir} wrong issuer fails`, model, { ...base, issuer: 'https://accounts.example.com' }, ['identity-mismatch']);
      }
    }

    // The spec's test vectors.
    const spec = join(omsDir, 'spec', 'test-vectors', 'v1.0');
    const v110 = vectors.filter((d) => d.startsWith('v1.1.0-')).map((d) => join(tests, d));
    for (const f of existsSync(join(spec, 'valid')) ? readdirSync(join(spec, 'valid')).sort() : []) {
      const sig = join(spec, 'valid', f);
      const kind = f.split('.')[0] ?? '';
      const trust = trustFor(kind === 'key' ? 'elliptic-key' : kind);
      await check(`spec valid/${f} verifies against a v1.1.0 model`, async () => {
        const errors: string[] = [];
        for (const m of v110) {
          try {
            await verifyModel(m, { signaturePath: sig, ignorePaths: ['model.sig'], ...trust });
            return;
          } catch (e) {
            errors.push(`${basename(m)}: ${errorMessage(e)}`);
          }
        }
        throw new Error(errors.join('; '));
      });
    }
    for (const sub of ['invalid', 'invalid-payload']) {
      const d = join(spec, sub);
      for (const f of existsSync(d) ? readdirSync(d).sort() : []) {
        const sig = join(d, f);
        await check(`spec ${sub}/${f} is rejected`, async () => {
          const model = v110.find((m) => m.endsWith('elliptic-key')) ?? v110[0] ?? tests;
          try {
            await verifyModel(model, { signaturePath: sig, ignorePaths: ['model.sig'], key: pubKey });
          } catch (e) {
            if (!isSignatureError(e)) throw e;
            if (sub === 'invalid' && e.code !== 'MALFORMED') throw new Error(`expected a malformed-bundle rejection, got ${e.reason}: ${e.message}`);
            return;
          }
          throw new Error('it verified');
        });
      }
    }

    // Round trip: re-sign the reference's models with the shared keys; compare statements.
    const signingKey = readFileSync(join(keys, 'signing-key.pem'));
    const roundTrips: Array<{ dir: string; cert: boolean }> = [
      { dir: 'v1.1.0-elliptic-key', cert: false },
      { dir: 'v1.1.0-certificate', cert: true },
      { dir: 'v1.0.0-elliptic-key', cert: false },
    ];
    for (const { dir, cert } of roundTrips) {
      const vdir = join(tests, dir);
      if (!existsSync(vdir)) continue;
      await check(`round trip ${dir}: bulwark sign gives the reference statement and verifies`, async () => {
        const refSig = readFileSync(join(vdir, 'model.sig'));
        const ref = decodedStatement(refSig) as { predicate: { resources: Array<{ name: string }> } };
        const single = ref.predicate.resources.length === 1 && ref.predicate.resources[0]?.name === '.';
        const copy = join(work, 'rt', dir);
        mkdirSync(copy, { recursive: true });
        for (const f of readdirSync(vdir).filter((x) => x !== 'model.sig')) copyFileSync(join(vdir, f), join(copy, f));
        const model = single ? join(copy, 'signme-1') : copy;
        const sigOut = single ? join(work, 'rt', `${dir}.sig`) : join(copy, 'model.sig');
        const hasIgnore = existsSync(join(copy, 'ignore-me'));
        const result = await signModel(model, {
          privateKey: signingKey,
          signaturePath: sigOut,
          singleFileName: 'dot',
          ...(hasIgnore && { ignorePaths: ['ignore-me'] }),
          ...(cert && { certificate: readFileSync(join(keys, 'signing-key-cert.pem')), certificateChain: [intCert] }),
        });
        const ours = canonical(result.statement) as { predicate: { serialization: Record<string, unknown> } };
        const theirs = canonical(ref) as { predicate: { serialization: Record<string, unknown> } };
        // Pre-v1.1.0 releases did not record ignore paths.
        if (theirs.predicate.serialization.ignore_paths === undefined) delete ours.predicate.serialization.ignore_paths;
        if (JSON.stringify(ours) !== JSON.stringify(theirs)) throw new Error(`statement differs:\n ours   ${JSON.stringify(ours)}\n theirs ${JSON.stringify(theirs)}`);
        const refBundle = JSON.parse(refSig.toString('utf8')) as { mediaType: string; verificationMaterial: Record<string, unknown> };
        const ourBundle = result.bundle as { mediaType: string; verificationMaterial: Record<string, unknown> };
        if (ourBundle.mediaType !== refBundle.mediaType) throw new Error('media type differs');
        if (dir.startsWith('v1.1.0') && JSON.stringify(canonical(ourBundle.verificationMaterial)) !== JSON.stringify(canonical(refBundle.verificationMaterial))) {
          throw new Error('verification material differs');
        }
        writeFileSync(sigOut, result.bundleJson);
        await verifyModel(model, { signaturePath: sigOut, ...(cert ? { certChain: [caCert] } : { key: pubKey }) });
      });
    }
  } catch (e) {
    failures.push(`conformance run aborted: ${errorMessage(e)}`);
    total++;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { total, passed: total - failures.length, failures };
}

/** True when `dir` looks like the shared OMS conformance folder. */
export function isOmsConformanceDir(dir: string): boolean {
  try {
    return statSync(join(dir, 'model-transparency', 'scripts', 'tests')).isDirectory();
  } catch {
    return false;
  }
}
