/**
 * Parse and validate a signed statement (the decoded DSSE payload) into a manifest. Everything in it
 * is untrusted until the signature is verified, and even then it is checked field by field: names
 * must be canonical relative paths (no `..`, no absolute paths), shard ranges must be well formed,
 * digests must have the hash's length, and the subject's root digest must match the resources.
 */
import { DEFAULT_LIMITS } from '../limits/index.js';
import { SignatureError, failure, malformed } from './errors.js';
import type { HashType } from './hash-io.js';
import { DIGEST_BYTES } from './hash-io.js';
import type { Manifest, Resource, Serialization } from './manifest.js';
import { acceptedAlgorithms, rootDigest } from './manifest.js';
import { canonicalRelativePath, parseShardName, shardName } from './paths.js';
import { IN_TOTO_STATEMENT_TYPE, PREDICATE_TYPE, PREDICATE_TYPE_V01 } from './constants.js';

export interface SignedStatement {
  readonly manifest: Manifest;
  /** True for the v0.2.0 `Digests/v0.1` predicate. */
  readonly legacy: boolean;
  readonly predicateType: string;
}

export interface ParseStatementOptions {
  /** Most resources accepted. */
  readonly maxResources?: number;
}

const HEX = /^[0-9a-fA-F]+$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(message: string): SignatureError {
  return malformed(`malformed statement: ${message}`, 'malformed-statement');
}

function hashTypeOf(v: unknown): HashType {
  if (v === 'sha256' || v === 'blake2b') return v;
  if (typeof v === 'string') {
    throw new SignatureError('UNSUPPORTED', 'unsupported', `unsupported hash type "${v.slice(0, 64)}" (Bulwark verifies sha256 and blake2b)`);
  }
  throw bad('serialization.hash_type is missing');
}

function digestOf(v: unknown, hashType: HashType, where: string): string {
  if (typeof v !== 'string' || !HEX.test(v) || v.length !== DIGEST_BYTES[hashType] * 2) {
    throw bad(`${where} is not a ${hashType} hex digest`);
  }
  return v.toLowerCase();
}

function parseSerialization(v: unknown): Serialization {
  if (!isObject(v)) throw bad('predicate.serialization is missing');
  const method = v.method;
  if (method !== 'files' && method !== 'shards') {
    throw bad(`unknown serialization method ${JSON.stringify(method)?.slice(0, 64) ?? 'undefined'}`);
  }
  const hashType = hashTypeOf(v.hash_type);
  if (typeof v.allow_symlinks !== 'boolean') throw bad('serialization.allow_symlinks must be a boolean');
  let ignorePaths: string[] | undefined;
  if (v.ignore_paths !== undefined) {
    if (!Array.isArray(v.ignore_paths) || v.ignore_paths.some((p) => typeof p !== 'string')) throw bad('serialization.ignore_paths must be an array of strings');
    ignorePaths = (v.ignore_paths as string[]).map((p) => {
      const c = canonicalRelativePath(p);
      if (c === undefined || c === '.') throw bad(`ignore path ${JSON.stringify(p.slice(0, 200))} is not a relative path inside the model`);
      return c;
    });
  }
  const extra = ignorePaths === undefined ? {} : { ignorePaths };
  if (method === 'files') return { method, hashType, allowSymlinks: v.allow_symlinks, ...extra };
  const shardSize = v.shard_size;
  if (typeof shardSize !== 'number' || !Number.isSafeInteger(shardSize) || shardSize <= 0) throw bad('serialization.shard_size must be a positive integer');
  return { method, hashType, shardSize, allowSymlinks: v.allow_symlinks, ...extra };
}

function canonicalName(name: string, s: Serialization, where: string): string {
  if (s.method === 'files') {
    const c = canonicalRelativePath(name);
    if (c === undefined) throw bad(`${where} name ${JSON.stringify(name.slice(0, 200))} is not a relative path inside the model`);
    return c;
  }
  const p = parseShardName(name);
  if (!p) throw bad(`${where} name ${JSON.stringify(name.slice(0, 200))} is not "path:start:end"`);
  const c = canonicalRelativePath(p.path);
  if (c === undefined) throw bad(`${where} name ${JSON.stringify(name.slice(0, 200))} is not a relative path inside the model`);
  if (p.end <= p.start || p.end - p.start > s.shardSize || p.start % s.shardSize !== 0) {
    throw bad(`${where} range ${p.start}:${p.end} does not fit shard size ${s.shardSize}`);
  }
  return shardName(c, p.start, p.end);
}

/** Parse a DSSE payload (bytes) into the signed manifest. */
export function parseStatement(payload: Uint8Array, options: ParseStatementOptions = {}): SignedStatement {
  const maxResources = options.maxResources ?? DEFAULT_LIMITS.maxSignedResources;
  let obj: unknown;
  try {
    obj = JSON.parse(utf8.decode(payload));
  } catch (e) {
    throw malformed('malformed statement: the DSSE payload is not UTF-8 JSON', 'malformed-statement', e);
  }
  if (!isObject(obj)) throw bad('the payload is not a JSON object');
  if (obj._type !== IN_TOTO_STATEMENT_TYPE) {
    throw failure('wrong-statement-type', `wrong statement type: expected ${IN_TOTO_STATEMENT_TYPE}, got ${JSON.stringify(obj._type)?.slice(0, 120) ?? 'nothing'}`);
  }
  const predicateType = obj.predicateType;
  if (predicateType === PREDICATE_TYPE_V01) return parseV01(obj, maxResources);
  if (predicateType !== PREDICATE_TYPE) {
    throw failure('wrong-predicate', `wrong predicate: expected ${PREDICATE_TYPE}, got ${JSON.stringify(predicateType)?.slice(0, 120) ?? 'nothing'}`);
  }
  const subjects = obj.subject;
  if (!Array.isArray(subjects) || subjects.length !== 1) throw bad('expected exactly one subject');
  const subject: unknown = subjects[0];
  if (!isObject(subject) || typeof subject.name !== 'string' || subject.name === '' || !isObject(subject.digest)) throw bad('the subject needs a name and a digest');
  const expectedRoot = subject.digest.sha256;
  if (typeof expectedRoot !== 'string' || !HEX.test(expectedRoot) || expectedRoot.length !== 64) throw bad('the subject has no sha256 root digest');
  const predicate = obj.predicate;
  if (!isObject(predicate)) throw bad('the predicate is missing');
  const serialization = parseSerialization(predicate.serialization);
  const list = predicate.resources;
  if (!Array.isArray(list)) throw bad('predicate.resources must be an array');
  if (list.length > maxResources) throw bad(`more than ${maxResources} resources`);
  const accepted = acceptedAlgorithms(serialization);
  const seen = new Set<string>();
  const resources: Resource[] = [];
  list.forEach((r: unknown, i: number) => {
    const where = `resource ${i}`;
    if (!isObject(r) || typeof r.name !== 'string' || r.name === '') throw bad(`${where} has no name`);
    if (typeof r.algorithm !== 'string' || !accepted.includes(r.algorithm)) {
      throw bad(`${where} algorithm ${JSON.stringify(r.algorithm)?.slice(0, 64) ?? 'undefined'} does not match hash type ${serialization.hashType}`);
    }
    const name = canonicalName(r.name, serialization, where);
    if (seen.has(name)) throw bad(`resource ${JSON.stringify(name.slice(0, 200))} is listed twice`);
    seen.add(name);
    resources.push({ name, digest: digestOf(r.digest, serialization.hashType, where), algorithm: r.algorithm });
  });
  if (resources.some((r) => r.name === '.') && resources.length !== 1) throw bad('"." names a single-file model but there are other resources');
  const actualRoot = rootDigest(resources);
  if (actualRoot !== expectedRoot.toLowerCase()) {
    throw bad(`manifest is inconsistent: the subject digest is ${expectedRoot.toLowerCase()} but the resources hash to ${actualRoot}`);
  }
  return { manifest: { modelName: subject.name, serialization, resources }, legacy: false, predicateType };
}

/** The v0.2.0 layout: one subject per file, sha256 only, no serialization (reference `dsse_payload_to_manifest_compat`). */
function parseV01(obj: Record<string, unknown>, maxResources: number): SignedStatement {
  const subjects = obj.subject;
  if (!Array.isArray(subjects) || subjects.length === 0) throw bad('the v0.1 statement has no subjects');
  if (subjects.length > maxResources) throw bad(`more than ${maxResources} subjects`);
  const serialization: Serialization = { method: 'files', hashType: 'sha256', allowSymlinks: false };
  const seen = new Set<string>();
  const resources: Resource[] = subjects.map((s: unknown, i: number) => {
    const where = `subject ${i}`;
    if (!isObject(s) || typeof s.name !== 'string' || !isObject(s.digest)) throw bad(`${where} needs a name and a digest`);
    const name = canonicalName(s.name, serialization, where);
    if (seen.has(name)) throw bad(`subject ${JSON.stringify(name.slice(0, 200))} is listed twice`);
    seen.add(name);
    return { name, digest: digestOf(s.digest.sha256, 'sha256', where), algorithm: 'sha256' };
  });
  if (resources.some((r) => r.name === '.') && resources.length !== 1) throw bad('"." names a single-file model but there are other subjects');
  return { manifest: { modelName: 'compat-undefined-not-present', serialization, resources }, legacy: true, predicateType: PREDICATE_TYPE_V01 };
}
