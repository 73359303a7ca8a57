/**
 * Notation's trust policy (OCI trust policy, `version: "1.0"`) and trust store (the folder layout
 * `x509/<type>/<name>/*.{pem,crt,cer}`), as the Notary Project trust-store-trust-policy specification
 * defines them. Loading (files) is separate from use, so a server loads them once.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BulwarkError, LimitExceededError } from '../findings/index.js';
import type { ImageSigningLimits } from './common.js';
import { imageSigningLimits, isObject, parseJson } from './common.js';
import type { Cert } from './x509.js';
import { certsFromFile, isCa, isSelfSigned, parseDn, subjectOf } from './x509.js';

export type CheckAction = 'enforce' | 'log' | 'skip';
export type VerificationLevel = 'strict' | 'permissive' | 'audit' | 'skip';
export type CheckName = 'integrity' | 'authenticity' | 'authenticTimestamp' | 'expiry' | 'revocation';
export type TrustStoreType = 'ca' | 'signingAuthority' | 'tsa';

export interface TrustedIdentity {
  readonly text: string;
  /** undefined: `*` (any identity the trust stores vouch for). */
  readonly subject?: ReadonlyMap<string, string>;
}

export interface TrustPolicyEntry {
  readonly name: string;
  readonly registryScopes: readonly string[];
  readonly level: VerificationLevel;
  readonly actions: Readonly<Record<CheckName, CheckAction>>;
  readonly trustStores: ReadonlyArray<{ readonly type: TrustStoreType; readonly name: string }>;
  readonly trustedIdentities: readonly TrustedIdentity[];
}

export interface TrustPolicyDocument {
  readonly version: '1.0';
  readonly trustPolicies: readonly TrustPolicyEntry[];
}

/** Certificates per `type:name` store. */
export interface TrustStore {
  readonly stores: ReadonlyMap<string, readonly Cert[]>;
}

const LEVELS: Readonly<Record<VerificationLevel, Readonly<Record<CheckName, CheckAction>>>> = {
  strict: { integrity: 'enforce', authenticity: 'enforce', authenticTimestamp: 'enforce', expiry: 'enforce', revocation: 'enforce' },
  permissive: { integrity: 'enforce', authenticity: 'enforce', authenticTimestamp: 'log', expiry: 'log', revocation: 'log' },
  audit: { integrity: 'enforce', authenticity: 'log', authenticTimestamp: 'log', expiry: 'log', revocation: 'log' },
  skip: { integrity: 'skip', authenticity: 'skip', authenticTimestamp: 'skip', expiry: 'skip', revocation: 'skip' },
};
const STORE_TYPES: readonly TrustStoreType[] = ['ca', 'signingAuthority', 'tsa'];
const MAX_POLICIES = 1_000;
const MAX_POLICY_BYTES = 1024 * 1024;
/** Certificate files larger than this are not trust store material. */
const MAX_CERT_FILE_BYTES = 1024 * 1024;

function usage(what: string, message: string): BulwarkError {
  return new BulwarkError('USAGE', `${what}: ${message}`);
}

function strings(v: unknown, what: string, file: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.length > MAX_POLICIES || !v.every((x) => typeof x === 'string')) throw usage(file, `${what} must be an array of strings`);
  return v as string[];
}

/** A registry scope: `host[:port]/repository`, no tag or digest; or `*`. */
const SCOPE = /^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)+$/;

/** Parse and validate a trust policy document (what Notation refuses, this refuses). */
export function parseTrustPolicy(text: string, file = 'trust policy'): TrustPolicyDocument {
  const doc = (() => {
    try {
      return parseJson(text, file, 64);
    } catch (e) {
      throw usage(file, (e as Error).message);
    }
  })();
  if (!isObject(doc)) throw usage(file, 'not a JSON object');
  if (doc.version !== '1.0') throw usage(file, `version must be "1.0", got ${JSON.stringify(doc.version)}`);
  if (!Array.isArray(doc.trustPolicies) || doc.trustPolicies.length === 0) throw usage(file, 'trustPolicies must be a non-empty array');
  if (doc.trustPolicies.length > MAX_POLICIES) throw usage(file, `more than ${MAX_POLICIES} trust policies`);
  const names = new Set<string>();
  const scopes = new Map<string, string>();
  const policies = doc.trustPolicies.map((p: unknown, i: number): TrustPolicyEntry => {
    if (!isObject(p)) throw usage(file, `trustPolicies[${i}] is not an object`);
    const name = p.name;
    if (typeof name !== 'string' || name.trim() === '') throw usage(file, `trustPolicies[${i}] has no name`);
    if (names.has(name)) throw usage(file, `two trust policies are named ${JSON.stringify(name)}`);
    names.add(name);
    const where = `trust policy ${JSON.stringify(name)}`;
    const registryScopes = strings(p.registryScopes, `${where}: registryScopes`, file);
    if (registryScopes.length === 0) throw usage(file, `${where}: registryScopes must not be empty`);
    if (registryScopes.includes('*') && registryScopes.length > 1) throw usage(file, `${where}: the wildcard scope "*" must be the only scope of its policy`);
    for (const s of registryScopes) {
      if (s !== '*' && !SCOPE.test(s)) throw usage(file, `${where}: registry scope ${JSON.stringify(s)} is not a repository (host/path, without tag or digest) or "*"`);
      const other = scopes.get(s);
      if (other !== undefined) throw usage(file, `registry scope ${JSON.stringify(s)} is in both ${JSON.stringify(other)} and ${JSON.stringify(name)}`);
      scopes.set(s, name);
    }
    const sv = p.signatureVerification;
    if (!isObject(sv)) throw usage(file, `${where}: signatureVerification must be an object`);
    const level = sv.level;
    if (typeof level !== 'string' || !Object.hasOwn(LEVELS, level)) throw usage(file, `${where}: signatureVerification.level must be strict, permissive, audit or skip`);
    const actions: Record<CheckName, CheckAction> = { ...LEVELS[level as VerificationLevel] };
    if (sv.override !== undefined) {
      if (!isObject(sv.override)) throw usage(file, `${where}: signatureVerification.override must be an object`);
      if (level === 'skip') throw usage(file, `${where}: level skip cannot be overridden`);
      for (const [k, v] of Object.entries(sv.override)) {
        if (!['authenticity', 'authenticTimestamp', 'expiry', 'revocation'].includes(k)) throw usage(file, `${where}: ${JSON.stringify(k)} cannot be overridden (authenticity, authenticTimestamp, expiry, revocation can)`);
        if (v !== 'enforce' && v !== 'log' && v !== 'skip') throw usage(file, `${where}: override ${k} must be enforce, log or skip`);
        if (k === 'authenticity' && v === 'skip') throw usage(file, `${where}: authenticity cannot be skipped`);
        actions[k as CheckName] = v;
      }
    }
    const storeNames = strings(p.trustStores, `${where}: trustStores`, file);
    const ids = strings(p.trustedIdentities, `${where}: trustedIdentities`, file);
    if (level === 'skip') {
      if (storeNames.length > 0 || ids.length > 0) throw usage(file, `${where}: level skip must not list trustStores or trustedIdentities`);
      return { name, registryScopes, level, actions, trustStores: [], trustedIdentities: [] };
    }
    if (storeNames.length === 0) throw usage(file, `${where}: trustStores must not be empty`);
    if (ids.length === 0) throw usage(file, `${where}: trustedIdentities must not be empty`);
    const trustStores = storeNames.map((s) => {
      const m = /^([A-Za-z]+):([A-Za-z0-9_.-]+)$/.exec(s);
      if (!m || !STORE_TYPES.includes(m[1] as TrustStoreType)) throw usage(file, `${where}: trust store ${JSON.stringify(s)} is not ca:NAME, signingAuthority:NAME or tsa:NAME`);
      return { type: m[1] as TrustStoreType, name: m[2] as string };
    });
    if (ids.includes('*') && ids.length > 1) throw usage(file, `${where}: the wildcard identity "*" must be the only trusted identity`);
    const trustedIdentities = ids.map((t): TrustedIdentity => {
      if (t === '*') return { text: t };
      const m = /^x509\.subject:\s*(.+)$/.exec(t);
      if (!m) throw usage(file, `${where}: trusted identity ${JSON.stringify(t.slice(0, 100))} is not "x509.subject: <DN>" or "*"`);
      let subject: Map<string, string>;
      try {
        subject = parseDn(m[1] as string);
      } catch (e) {
        throw usage(file, `${where}: trusted identity ${JSON.stringify(t.slice(0, 100))}: ${(e as Error).message}`);
      }
      for (const k of ['C', 'ST', 'O']) if (!subject.has(k)) throw usage(file, `${where}: trusted identity ${JSON.stringify(t.slice(0, 100))} lacks the mandatory attribute ${k} (C, ST and O are required)`);
      return { text: t, subject };
    });
    return { name, registryScopes, level: level as VerificationLevel, actions, trustStores, trustedIdentities };
  });
  return { version: '1.0', trustPolicies: policies };
}

/** The policy for `registry/repository`: its exact scope, else the `*` policy, else none. */
export function selectTrustPolicy(doc: TrustPolicyDocument, scope: string): TrustPolicyEntry | undefined {
  return doc.trustPolicies.find((p) => p.registryScopes.includes(scope)) ?? doc.trustPolicies.find((p) => p.registryScopes.includes('*'));
}

export function loadTrustPolicy(file: string): TrustPolicyDocument {
  let bytes: Buffer;
  try {
    if (statSync(file).size > MAX_POLICY_BYTES) throw usage(file, `larger than ${MAX_POLICY_BYTES} bytes`);
    bytes = readFileSync(file);
  } catch (e) {
    if (e instanceof BulwarkError) throw e;
    throw new BulwarkError('IO', `cannot read trust policy ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return parseTrustPolicy(bytes.toString('utf8'), file);
}

/**
 * Load a trust store folder (the folder that holds `x509/`): every `x509/<type>/<name>/` folder's
 * certificate files. Each certificate must be a CA or self-signed (Notation's rule).
 */
export function loadTrustStore(dir: string, limits: Partial<ImageSigningLimits> = {}): TrustStore {
  const max = imageSigningLimits(limits).maxTrustStoreCerts;
  const stores = new Map<string, Cert[]>();
  let count = 0;
  const list = (p: string): string[] => {
    try {
      return readdirSync(p).sort();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return [];
      throw new BulwarkError('IO', `cannot read trust store ${p}: ${code ?? String(e)}`);
    }
  };
  try {
    if (!statSync(dir).isDirectory()) throw new BulwarkError('USAGE', `trust store ${dir} is not a folder`);
  } catch (e) {
    if (e instanceof BulwarkError) throw e;
    throw new BulwarkError('IO', `cannot read trust store ${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  for (const type of STORE_TYPES) {
    for (const name of list(join(dir, 'x509', type))) {
      const folder = join(dir, 'x509', type, name);
      if (!statSync(folder).isDirectory()) continue;
      const certs: Cert[] = [];
      for (const f of list(folder)) {
        const path = join(folder, f);
        const st = statSync(path);
        if (!st.isFile()) continue;
        if (st.size > MAX_CERT_FILE_BYTES) throw new BulwarkError('USAGE', `trust store file ${path} is larger than ${MAX_CERT_FILE_BYTES} bytes`);
        let found: Cert[];
        try {
          found = certsFromFile(readFileSync(path), path);
        } catch (e) {
          throw new BulwarkError('USAGE', `trust store file ${path}: ${(e as Error).message}`);
        }
        if (found.length === 0) throw new BulwarkError('USAGE', `trust store file ${path} holds no certificate`);
        for (const c of found) {
          if (!isCa(c) && !isSelfSigned(c)) throw new BulwarkError('USAGE', `trust store file ${path}: ${subjectOf(c)} is neither a CA nor self-signed`);
          if (++count > max) throw new LimitExceededError("maxTrustStoreCerts", max, `trust store ${dir} holds more than maxTrustStoreCerts (${max}) certificates`);
          certs.push(c);
        }
      }
      stores.set(`${type}:${name}`, certs);
    }
  }
  return { stores };
}

/** A trust store from certificates in memory (tests, callers that hold PEM already). */
export function trustStoreOf(entries: Readonly<Record<string, readonly Cert[]>>): TrustStore {
  return { stores: new Map(Object.entries(entries)) };
}
