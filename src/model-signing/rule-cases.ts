/**
 * Rule cases for the signing rules (see src/rules/rule-tester.ts). Each tree holds a small benign
 * pickle (`model.pkl`, detected as a model format, so the engine treats the folder as a model
 * folder) and, where the case needs it, a `model.sig` signed in memory at test time with a key
 * generated at load.
 *
 * Scan option keys these cases use (and `checkModelSignature` reads through the engine):
 * - `policy`: `'production'` grades `signing/unsigned-model` high;
 * - `signing.key`: the public key, a file path or the PEM text itself (inline PEM here);
 * - `signing.certChain`, `signing.identity`, `signing.issuer`, `signing.trustedRoot` likewise.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import type { RuleCase, RuleCases } from '../rules/index.js';
import { ruleCases } from '../rules/index.js';
import { DEFAULT_IGNORED_PATHS, DEFAULT_SIGNATURE_NAME } from './constants.js';
import type { Manifest } from './manifest.js';
import { sortResourcesInPlace } from './manifest.js';
import { sortedUnique } from './paths.js';
import { signManifest } from './sign.js';

/** A benign protocol-2 pickle: `None`. */
const PICKLE = Uint8Array.from([0x80, 0x02, 0x4e, 0x2e]);
const TAMPERED = Uint8Array.from([0x80, 0x02, 0x88, 0x2e]); // `True`

function keyPair(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

const signer = keyPair();
const other = keyPair();

/** The bytes of `model.sig` for a folder holding `files` (signed in memory, as `bulwark sign` would). */
export function signTreeInMemory(files: Readonly<Record<string, Uint8Array>>, privatePem: string): Uint8Array {
  const resources = Object.entries(files).map(([name, data]) => ({ name, digest: createHash('sha256').update(data).digest('hex'), algorithm: 'sha256' }));
  const manifest: Manifest = {
    modelName: 'model',
    serialization: { method: 'files', hashType: 'sha256', allowSymlinks: false, ignorePaths: sortedUnique([...DEFAULT_IGNORED_PATHS, DEFAULT_SIGNATURE_NAME]) },
    resources: sortResourcesInPlace(resources, { method: 'files' }),
  };
  return Buffer.from(signManifest(manifest, { privateKey: privatePem }).bundleJson, 'utf8');
}

const signedSig = (): Uint8Array => signTreeInMemory({ 'model.pkl': PICKLE }, signer.privatePem);
const withKey = (pem: string): Record<string, unknown> => ({ signing: { key: pem } });

const signedTree: RuleCase = { name: 'signed model, signer key configured', files: { 'model.pkl': PICKLE, 'model.sig': signedSig }, options: withKey(signer.publicPem) };

export const SIGNING_RULE_CASES: readonly RuleCases[] = [
  ruleCases('signing/unsigned-model', {
    valid: [signedTree, { name: 'signed model, no key configured', files: { 'model.pkl': PICKLE, 'model.sig': signedSig } }],
    invalid: [
      { name: 'model folder without model.sig', files: { 'model.pkl': PICKLE }, expect: { severity: 'info', messageIncludes: 'no signature' } },
      { name: 'unsigned model under the production policy', files: { 'model.pkl': PICKLE }, options: { policy: 'production' }, expect: { severity: 'high' } },
    ],
  }),
  ruleCases('signing/verification-failed', {
    valid: [signedTree],
    invalid: [
      {
        name: 'weights changed after signing',
        files: { 'model.pkl': TAMPERED, 'model.sig': signedSig },
        options: withKey(signer.publicPem),
        expect: { severity: 'critical', messageIncludes: 'file changed: model.pkl' },
      },
      {
        name: 'file added after signing',
        files: { 'model.pkl': PICKLE, 'extra.pkl': PICKLE, 'model.sig': signedSig },
        options: withKey(signer.publicPem),
        expect: { severity: 'critical', messageIncludes: 'file added: extra.pkl' },
      },
      {
        name: 'signed by another key',
        files: { 'model.pkl': PICKLE, 'model.sig': signedSig },
        options: withKey(other.publicPem),
        expect: { severity: 'high', messageIncludes: 'wrong key' },
      },
      {
        name: 'malformed model.sig',
        files: { 'model.pkl': PICKLE, 'model.sig': '{"mediaType": 1' },
        options: withKey(signer.publicPem),
        expect: { severity: 'high', messageIncludes: 'malformed bundle' },
      },
      {
        name: 'no key configured, files do not match the carried signature',
        files: { 'model.pkl': TAMPERED, 'model.sig': signedSig },
        expect: { severity: 'high', messageIncludes: 'file changed: model.pkl' },
      },
    ],
  }),
  ruleCases('signing/signature-unverified', {
    valid: [signedTree, { name: 'unsigned model', files: { 'model.pkl': PICKLE } }],
    invalid: [{ name: 'signed model, no key configured', files: { 'model.pkl': PICKLE, 'model.sig': signedSig }, expect: { severity: 'info' } }],
  }),
];
