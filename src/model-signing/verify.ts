/**
 * `bulwark verify`: check a model against an OMS bundle (OMS §8).
 *
 * Order: parse the bundle (structure, media type) → verify the signature with the method the bundle
 * uses and the trust the caller gave (key / certificate anchors / keyless identity) → payload type →
 * statement (type, predicate, serialization, resources, root digest) → enumerate the model with the
 * signed symlink policy and the ignore paths → compare names (missing, added) → hash → compare
 * digests (changed). The first failing step throws a SignatureError whose message is one line saying
 * exactly what failed.
 */
import type { KeyObject } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { BulwarkError, pushAll } from '../findings/index.js';
import type { ParsedBundle, SigningMethod } from './bundle.js';
import { parseBundle } from './bundle.js';
import { DEFAULT_IGNORED_PATHS, IN_TOTO_PAYLOAD_TYPE, MAX_BUNDLE_BYTES } from './constants.js';
import type { FailureReason } from './errors.js';
import { failure, malformed } from './errors.js';
import type { Enumeration, LocalFile } from './enumerate.js';
import { enumerateModel } from './enumerate.js';
import type { HashOptions, HashUnit } from './hash-io.js';
import { hashUnits } from './hash-io.js';
import { loadTrustedRoot, verifyKeyless } from './keyless.js';
import type { DsseMatch } from './keys.js';
import { keyHint, parsePublicKey, spkiPem, verifyDsse } from './keys.js';
import type { Manifest, Resource } from './manifest.js';
import { shardRanges } from './manifest.js';
import { ignoreSet, isFileModel } from './model.js';
import { isUnder, parseShardName } from './paths.js';
import type { SignedStatement } from './statement.js';
import { parseStatement } from './statement.js';
import type { Cert } from './x509.js';
import { certificatesFromPem, parseCertificate, verifyCertificateChain } from './x509.js';

export interface VerifyOptions extends HashOptions {
  /** The bundle file (also left out of the model when it lies inside it). */
  readonly signaturePath: string;
  /** The bundle bytes, when already read (then `signaturePath` is only used for the ignore rule). */
  readonly signatureBytes?: Uint8Array;
  /** `key` method: the public key (PEM, possibly after text; DER; compressed point) or a KeyObject. */
  readonly key?: string | Buffer | KeyObject;
  /** `certificate` method: trust anchors, PEM texts (each may hold several certificates). */
  readonly certChain?: ReadonlyArray<string | Buffer>;
  /** `sigstore` method: expected certificate identity (SAN) and OIDC issuer. */
  readonly identity?: string;
  readonly issuer?: string;
  /** `sigstore` method: a trusted_root.json path (default: the shipped public-good root). */
  readonly trustedRoot?: string;
  /** More model-relative paths to leave out. */
  readonly ignorePaths?: readonly string[];
  /** Accept files that the signature does not list (they are not verified). */
  readonly ignoreUnsignedFiles?: boolean;
  /** Leave out the default git paths (default true, as the reference). */
  readonly ignoreGitPaths?: boolean;
  /** Time the signing certificate must be valid at (default now). */
  readonly now?: Date;
  readonly maxBundleBytes?: number;
  readonly maxFiles?: number;
  readonly maxDepth?: number;
}

export interface VerifyResult {
  readonly method: SigningMethod;
  /** Who signed: the key hint, the certificate subject, or the keyless identity. */
  readonly signer: string;
  readonly modelName: string;
  /** Files checked (digests compared). */
  readonly filesVerified: number;
  /** Files present but not in the signature (only with `ignoreUnsignedFiles`). */
  readonly unsignedFiles: readonly string[];
  readonly predicateType: string;
  readonly legacy: boolean;
  readonly warnings: readonly string[];
}

/** Read at most `max` bytes of a file (the bundle is untrusted input). */
export function readBounded(path: string, max: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new BulwarkError('IO', `cannot read signature ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { cause: e });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new BulwarkError('IO', `signature ${path} is not a regular file`);
    if (st.size > max) throw malformed(`malformed bundle: ${path} is larger than ${max} bytes`);
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}

function methodFlag(m: SigningMethod): string {
  return m === 'key' ? '--key' : m === 'certificate' ? '--cert-chain' : '--identity and --issuer';
}

function methodWords(m: SigningMethod): string {
  return m === 'key' ? 'a public key' : m === 'certificate' ? 'a certificate chain' : 'Sigstore keyless signing';
}

function requestedMethod(o: VerifyOptions): SigningMethod {
  const given: SigningMethod[] = [];
  if (o.key !== undefined) given.push('key');
  if ((o.certChain ?? []).length > 0) given.push('certificate');
  if (o.identity !== undefined || o.issuer !== undefined) {
    if (o.identity === undefined || o.issuer === undefined) throw new BulwarkError('USAGE', '--identity and --issuer must be given together');
    given.push('sigstore');
  }
  if (given.length !== 1) {
    throw new BulwarkError('USAGE', given.length === 0 ? 'give one of --key, --cert-chain, or --identity with --issuer' : `give only one of ${given.map(methodFlag).join(', ')}`);
  }
  return given[0] as SigningMethod;
}

interface SignatureCheck {
  readonly payload: Buffer;
  readonly match: DsseMatch;
  readonly signer: string;
}

function checkKey(b: ParsedBundle, keyInput: string | Buffer | KeyObject): SignatureCheck {
  const key = typeof keyInput === 'object' && !Buffer.isBuffer(keyInput) ? keyInput : parsePublicKey(keyInput, 'the public key');
  const hint = keyHint(key);
  let identified = false;
  if (b.keyHint !== undefined) {
    if (b.keyHint !== hint) throw failure('wrong-key', `wrong key: the signature was made with key ${b.keyHint.slice(0, 16)}…, the given public key is ${hint.slice(0, 16)}…`);
    identified = true;
  } else if (b.keyRawBytes !== undefined) {
    let embedded: KeyObject | undefined;
    try {
      embedded = parsePublicKey(b.keyRawBytes, 'the bundle public key');
    } catch {
      embedded = undefined; // unreadable embedded key: fall back to the signature check alone
    }
    if (embedded) {
      if (spkiPem(embedded) !== spkiPem(key)) throw failure('wrong-key', `wrong key: the signature was made with key ${keyHint(embedded).slice(0, 16)}…, the given public key is ${hint.slice(0, 16)}…`);
      identified = true;
    }
  }
  const match = verifyDsse(key, b.payloadType, b.payload, b.signature);
  if (!match) {
    throw identified
      ? failure('bad-signature', 'invalid signature: the statement or the signature was modified after signing')
      : failure('bad-signature', 'invalid signature: it does not verify with the given public key (wrong key, or the statement was modified)');
  }
  return { payload: b.payload, match, signer: `key ${hint.slice(0, 16)}…` };
}

function checkCertificate(b: ParsedBundle, anchorsPem: ReadonlyArray<string | Buffer>, now: Date): SignatureCheck {
  const chain = b.certificates.map((der, i) => parseCertificate(der, i === 0 ? 'the signing certificate' : `chain certificate ${i}`));
  const anchors: Cert[] = [];
  anchorsPem.forEach((p, i) => pushAll(anchors, certificatesFromPem(typeof p === 'string' ? p : p.toString('latin1'), `--cert-chain file ${i + 1}`)));
  if (anchors.length === 0) throw new BulwarkError('USAGE', '--cert-chain files hold no CERTIFICATE block');
  const { leafKey, path } = verifyCertificateChain(chain, anchors, now);
  const leafName = (path[0] as Cert).node.subject.replace(/\s+/g, ', ');
  let match: DsseMatch | undefined;
  try {
    match = verifyDsse(leafKey, b.payloadType, b.payload, b.signature);
  } catch (e) {
    if (e instanceof BulwarkError && e.code === 'USAGE') throw failure('unsupported', `unsupported signing certificate key: ${e.message}`, e);
    throw e;
  }
  if (!match) throw failure('bad-signature', 'invalid signature: it does not verify with the signing certificate (the statement or the signature was modified)');
  return { payload: b.payload, match, signer: `certificate ${leafName}` };
}

/** Verify the signature and return the signed statement, without looking at the model. */
export function verifyBundleSignature(bundleBytes: Uint8Array, options: Omit<VerifyOptions, 'signaturePath'>): { bundle: ParsedBundle; statement: SignedStatement; signer: string } {
  const bundle = parseBundle(bundleBytes);
  const wanted = requestedMethod(options as VerifyOptions);
  if (bundle.method !== wanted) {
    throw failure('wrong-method', `wrong method: the signature uses ${methodWords(bundle.method)}; verify it with ${methodFlag(bundle.method)}`);
  }
  let check: SignatureCheck;
  if (bundle.method === 'key') check = checkKey(bundle, options.key as string | Buffer | KeyObject);
  else if (bundle.method === 'certificate') check = checkCertificate(bundle, options.certChain ?? [], options.now ?? new Date());
  else {
    const who = verifyKeyless(bundle, { identity: options.identity as string, issuer: options.issuer as string }, loadTrustedRoot(options.trustedRoot));
    check = { payload: bundle.payload, match: 'standard', signer: `${who.identity} (issuer ${who.issuer})` };
  }
  if (bundle.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw failure('wrong-payload-type', `wrong payload type: expected ${IN_TOTO_PAYLOAD_TYPE}, got ${JSON.stringify(bundle.payloadType.slice(0, 120))}`);
  }
  const statement = parseStatement(check.payload);
  if (check.match === 'legacy' && !statement.legacy) {
    // The v0.2.0 encoding is accepted only for the v0.2.0 predicate it was used with.
    throw failure('bad-signature', 'invalid signature: only a v0.2.0 statement may use the v0.2.0 DSSE encoding');
  }
  return { bundle, statement, signer: check.signer };
}

interface Problem {
  readonly reason: FailureReason;
  readonly name: string;
  readonly detail?: string;
}

function integrityFailure(problems: readonly Problem[]): never {
  const order: FailureReason[] = ['file-missing', 'file-changed', 'file-added'];
  const sorted = [...problems].sort((a, b) => order.indexOf(a.reason) - order.indexOf(b.reason));
  const first = sorted[0] as Problem;
  const words: Partial<Record<FailureReason, string>> = { 'file-missing': 'missing', 'file-changed': 'changed', 'file-added': 'added' };
  let msg = `file ${words[first.reason] ?? first.reason}: ${first.name}`;
  if (first.detail) msg += ` (${first.detail})`;
  if (first.reason === 'file-added') msg += ' (not in the signature; --ignore-unsigned-files accepts it)';
  if (sorted.length > 1) {
    const counts = order
      .map((r) => [r, sorted.filter((p) => p.reason === r).length] as const)
      .filter(([, n]) => n > 0)
      .map(([r, n]) => `${n} ${words[r]}`)
      .join(', ');
    msg += ` (${sorted.length} problems: ${counts})`;
  }
  throw failure(first.reason, msg);
}

/** Compare the local model with the signed manifest; hash what needs hashing. */
async function compareModel(manifest: Manifest, en: Enumeration, options: VerifyOptions): Promise<{ verified: number; unsigned: string[] }> {
  const s = manifest.serialization;
  const fileOf = (r: Resource): string => (s.method === 'files' ? r.name : (parseShardName(r.name) as { path: string }).path);
  const signed = new Map<string, Resource[]>();
  for (const r of manifest.resources) {
    const f = fileOf(r);
    const list = signed.get(f);
    if (list) list.push(r);
    else signed.set(f, [r]);
  }
  const local = new Map<string, LocalFile>(en.files.map((f) => [f.name, f]));
  if (en.single) {
    const names = [...signed.keys()];
    if (names.length !== 1 || (names[0] !== '.' && names[0] !== en.modelName)) {
      throw failure('file-missing', `file missing: the signature lists ${names.length} file(s) (${names.slice(0, 3).join(', ')}), but the model is the single file ${en.modelName}`);
    }
    const only = signed.get(names[0] as string) as Resource[];
    signed.clear();
    signed.set('.', only);
  } else if (signed.has('.')) {
    throw failure('file-missing', 'file missing: the signature is for a single-file model, but the model is a folder');
  }

  const problems: Problem[] = [];
  for (const name of signed.keys()) if (!local.has(name)) problems.push({ reason: 'file-missing', name });
  const unsigned: string[] = [];
  for (const f of en.files) {
    if (signed.has(f.name)) continue;
    if (s.method === 'shards' && f.size === 0) continue; // empty files have no shards (OMS §6.3.2)
    unsigned.push(f.name);
    if (!options.ignoreUnsignedFiles) problems.push({ reason: 'file-added', name: f.name });
  }
  if (problems.length > 0) integrityFailure(problems);

  const units: HashUnit[] = [];
  const expected: Array<{ file: string; digest: string }> = [];
  const shown = (name: string): string => (name === '.' ? en.modelName : name);
  for (const [name, resources] of signed) {
    const f = local.get(name) as LocalFile;
    if (s.method === 'files') {
      const r = resources[0] as Resource;
      units.push({ path: f.path, start: 0, end: f.size, size: f.size, whole: true, label: shown(name) });
      expected.push({ file: name, digest: r.digest });
      continue;
    }
    // Shards: the signed ranges must tile exactly the local file at the signed shard size.
    const ranges = resources.map((r) => parseShardName(r.name) as { start: number; end: number }).map((p, i) => ({ ...p, r: resources[i] as Resource }));
    ranges.sort((a, b) => a.start - b.start);
    const signedSize = ranges[ranges.length - 1]?.end ?? 0;
    const want = shardRanges(signedSize, s.shardSize);
    const tiles = want.length === ranges.length && want.every(([a, b], i) => ranges[i]?.start === a && ranges[i]?.end === b);
    if (!tiles) throw malformed(`malformed statement: the shards of ${shown(name)} do not cover it in ${s.shardSize}-byte ranges`, 'malformed-statement');
    if (f.size !== signedSize) {
      problems.push({ reason: 'file-changed', name: shown(name), detail: `${f.size} bytes, signed ${signedSize}` });
      continue;
    }
    for (const p of ranges) {
      units.push({ path: f.path, start: p.start, end: p.end, size: f.size, whole: false, label: `${shown(name)}:${p.start}:${p.end}` });
      expected.push({ file: name, digest: p.r.digest });
    }
  }
  if (problems.length > 0) integrityFailure(problems);
  const digests = await hashUnits(units, s.hashType, { ...options, noFollow: !s.allowSymlinks });
  const changed = new Set<string>();
  expected.forEach((e, i) => {
    if (digests[i] !== e.digest) changed.add(e.file);
  });
  if (changed.size > 0) integrityFailure([...changed].map((name) => ({ reason: 'file-changed', name: shown(name) })));
  return { verified: signed.size, unsigned };
}

/**
 * Compare a model with a manifest (already authenticated, or not: scans without a configured key use
 * this to report a model that does not match the signature it carries).
 */
export async function verifyModelFiles(
  modelPath: string,
  manifest: Manifest,
  options: Omit<VerifyOptions, 'signatureBytes' | 'key' | 'certChain' | 'identity' | 'issuer' | 'trustedRoot'>,
): Promise<{ modelName: string; filesVerified: number; unsignedFiles: string[]; warnings: string[] }> {
  const single = isFileModel(modelPath);
  // The default git paths are left out, except where the signature lists files under them (a model
  // signed with --no-ignore-git-paths has its .gitattributes checked, not reported missing).
  const signedFiles = manifest.resources.map((r) => (manifest.serialization.method === 'files' ? r.name : (parseShardName(r.name)?.path ?? r.name)));
  const defaults = (options.ignoreGitPaths ?? true) ? DEFAULT_IGNORED_PATHS.filter((p) => !signedFiles.some((n) => isUnder(n, p))) : [];
  const ignores = single
    ? { effective: [] as string[] }
    : ignoreSet(
        modelPath,
        { signaturePath: options.signaturePath, ignoreGitPaths: false, ...(options.ignorePaths !== undefined && { ignorePaths: options.ignorePaths }) },
        [...defaults, ...(manifest.serialization.ignorePaths ?? [])],
      );
  const en = enumerateModel(modelPath, {
    allowSymlinks: manifest.serialization.allowSymlinks,
    ignorePaths: ignores.effective,
    ...(options.maxFiles !== undefined && { maxFiles: options.maxFiles }),
    ...(options.maxDepth !== undefined && { maxDepth: options.maxDepth }),
  });
  const { verified, unsigned } = await compareModel(manifest, en, options as VerifyOptions);
  return { modelName: en.modelName, filesVerified: verified, unsignedFiles: unsigned, warnings: en.warnings };
}

/** Verify a model (folder or file) against its OMS signature. Throws SignatureError on failure. */
export async function verifyModel(modelPath: string, options: VerifyOptions): Promise<VerifyResult> {
  const bytes = options.signatureBytes ?? readBounded(options.signaturePath, options.maxBundleBytes ?? MAX_BUNDLE_BYTES);
  const { bundle, statement, signer } = verifyBundleSignature(bytes, options);
  const files = await verifyModelFiles(modelPath, statement.manifest, options);
  return {
    method: bundle.method,
    signer,
    modelName: files.modelName,
    filesVerified: files.filesVerified,
    unsignedFiles: files.unsignedFiles,
    predicateType: statement.predicateType,
    legacy: statement.legacy,
    warnings: files.warnings,
  };
}
