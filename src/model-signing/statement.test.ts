/* eslint-disable @typescript-eslint/no-explicit-any -- tests edit decoded JSON bundles and statements freely */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSignatureError } from './errors.js';
import type { Manifest } from './manifest.js';
import { rootDigest, statementBytes, statementOf } from './manifest.js';
import { parseStatement } from './statement.js';

const d = (s: string): string => createHash('sha256').update(s).digest('hex');

function manifest(overrides: Partial<Manifest> = {}): Manifest {
  return {
    modelName: 'm',
    serialization: { method: 'files', hashType: 'sha256', allowSymlinks: false, ignorePaths: ['.git', 'model.sig'] },
    resources: [
      { name: 'a.bin', digest: d('a'), algorithm: 'sha256' },
      { name: 'dir/b.bin', digest: d('b'), algorithm: 'sha256' },
    ],
    ...overrides,
  };
}

function bytesOf(obj: unknown): Buffer {
  return Buffer.from(JSON.stringify(obj));
}

function reason(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (isSignatureError(e)) return `${e.code}/${e.reason}: ${e.message}`;
    throw e;
  }
}

describe('statement writing', () => {
  it('writes the OMS layout with the root digest over the listed digests', () => {
    const m = manifest();
    const st = statementOf(m) as { subject: Array<{ name: string; digest: { sha256: string } }>; predicateType: string; predicate: { serialization: Record<string, unknown> } };
    expect(st.subject).toEqual([{ name: 'm', digest: { sha256: rootDigest(m.resources) } }]);
    expect(rootDigest(m.resources)).toBe(createHash('sha256').update(Buffer.concat(m.resources.map((r) => Buffer.from(r.digest, 'hex')))).digest('hex'));
    expect(st.predicateType).toBe('https://model_signing/signature/v1.0');
    expect(Object.keys(st.predicate.serialization)).toEqual(['method', 'hash_type', 'allow_symlinks', 'ignore_paths']);
    const shards = statementOf(manifest({ serialization: { method: 'shards', hashType: 'sha256', shardSize: 8, allowSymlinks: false }, resources: [{ name: 'a:0:8', digest: d('x'), algorithm: 'sha256-sharded-8' }] }));
    expect(Object.keys((shards as { predicate: { serialization: object } }).predicate.serialization)).toEqual(['method', 'hash_type', 'shard_size', 'allow_symlinks']);
  });

  it('serialises like Python json with ensure_ascii and indent 2', () => {
    const b = statementBytes({ a: ['é', '\u{1F600}', 'q"\\'], b: {}, c: [] }).toString('utf8');
    expect(b).toBe('{\n  "a": [\n    "\\u00e9",\n    "\\ud83d\\ude00",\n    "q\\"\\\\"\n  ],\n  "b": {},\n  "c": []\n}');
  });

  it('round-trips through parseStatement', () => {
    const m = manifest();
    const parsed = parseStatement(statementBytes(statementOf(m)));
    expect(parsed.manifest).toEqual(m);
    expect(parsed.legacy).toBe(false);
  });
});

describe('parseStatement rejects', () => {
  const good = statementOf(manifest()) as Record<string, unknown>;
  const edit = (f: (s: Record<string, any>) => void): Buffer => {
    const s = structuredClone(good) as Record<string, any>;
    f(s);
    return bytesOf(s);
  };

  it('wrong statement type and wrong predicate (VERIFICATION)', () => {
    expect(reason(() => parseStatement(edit((s) => (s._type = 'https://in-toto.io/Statement/v0.1'))))).toMatch(/^VERIFICATION\/wrong-statement-type/);
    expect(reason(() => parseStatement(edit((s) => (s.predicateType = 'https://slsa.dev/provenance/v1'))))).toMatch(/^VERIFICATION\/wrong-predicate: wrong predicate: expected https:\/\/model_signing\/signature\/v1.0, got "https:\/\/slsa.dev\/provenance\/v1"/);
  });

  it('an inconsistent root digest', () => {
    expect(reason(() => parseStatement(edit((s) => (s.subject[0].digest.sha256 = d('other')))))).toMatch(/MALFORMED\/malformed-statement: .*manifest is inconsistent/);
    // Reordering the resources changes the root digest too (it covers the listed order).
    expect(reason(() => parseStatement(edit((s) => s.predicate.resources.reverse())))).toMatch(/inconsistent/);
  });

  it('names that escape the model, duplicates, and a "." mixed with others', () => {
    for (const name of ['../etc/passwd', '/etc/passwd', 'a/../../b', '']) {
      expect(reason(() => parseStatement(edit((s) => (s.predicate.resources[0].name = name))))).toMatch(/MALFORMED/);
    }
    expect(reason(() => parseStatement(edit((s) => (s.predicate.resources[1].name = './a.bin'))))).toMatch(/listed twice/);
    expect(reason(() => parseStatement(edit((s) => (s.predicate.resources[1].name = '.'))))).toMatch(/single-file/);
  });

  it('bad digests, algorithms, hash types and serialization fields', () => {
    expect(reason(() => parseStatement(edit((s) => (s.predicate.resources[0].digest = 'abc'))))).toMatch(/not a sha256 hex digest/);
    expect(reason(() => parseStatement(edit((s) => (s.predicate.resources[0].algorithm = 'md5'))))).toMatch(/does not match hash type/);
    expect(reason(() => parseStatement(edit((s) => (s.predicate.serialization.hash_type = 'blake3'))))).toMatch(/^UNSUPPORTED\/unsupported: unsupported hash type "blake3"/);
    expect(reason(() => parseStatement(edit((s) => (s.predicate.serialization.method = 'tensors'))))).toMatch(/unknown serialization method/);
    expect(reason(() => parseStatement(edit((s) => (s.predicate.serialization.allow_symlinks = 'false'))))).toMatch(/allow_symlinks/);
    expect(reason(() => parseStatement(edit((s) => (s.predicate.serialization.ignore_paths = ['../x']))))).toMatch(/ignore path/);
    expect(reason(() => parseStatement(edit((s) => (s.predicate.serialization.ignore_paths = ['.']))))).toMatch(/ignore path/);
    expect(reason(() => parseStatement(edit((s) => (s.subject = []))))).toMatch(/exactly one subject/);
    expect(reason(() => parseStatement(edit((s) => delete s.predicate)))).toMatch(/predicate is missing/);
    expect(reason(() => parseStatement(Buffer.from([0xff, 0xfe])))).toMatch(/not UTF-8 JSON/);
  });

  it('shard names must be well formed and fit the shard size', () => {
    const m = manifest({ serialization: { method: 'shards', hashType: 'sha256', shardSize: 10, allowSymlinks: false }, resources: [{ name: 'w:a:b:0:10', digest: d('1'), algorithm: 'sha256-sharded-10' }, { name: 'w:a:b:10:15', digest: d('2'), algorithm: 'sha256' }] });
    const ok = parseStatement(statementBytes(statementOf(m)));
    expect(ok.manifest.resources.map((r) => r.name)).toEqual(['w:a:b:0:10', 'w:a:b:10:15']);
    for (const [name, why] of [
      ['w:0:11', /does not fit/],
      ['w:5:10', /does not fit/],
      ['w:3:3', /does not fit/],
      ['w', /path:start:end/],
    ] as const) {
      const bad = manifest({ serialization: m.serialization, resources: [{ name, digest: d('1'), algorithm: 'sha256' }] });
      expect(reason(() => parseStatement(statementBytes(statementOf(bad))))).toMatch(why);
    }
  });

  it('accepts the v0.2.0 Digests/v0.1 layout (digests in the subjects)', () => {
    const v01 = {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [
        { name: 'signme-1', digest: { sha256: d('1') }, annotations: { actual_hash_algorithm: 'file-sha256' } },
        { name: 'signme-2', digest: { sha256: d('2') } },
      ],
      predicateType: 'https://model_signing/Digests/v0.1',
      predicate: { unused: 'Unused, just passed due to API requirements' },
    };
    const r = parseStatement(bytesOf(v01));
    expect(r.legacy).toBe(true);
    expect(r.manifest.resources.map((x) => x.name)).toEqual(['signme-1', 'signme-2']);
  });

  it('never throws anything but a SignatureError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.json().map((j) => Buffer.from(j))), (b) => {
        try {
          parseStatement(b);
        } catch (e) {
          expect(isSignatureError(e)).toBe(true);
        }
      }),
    );
  });

  it('never throws anything but a SignatureError on mutated statements', () => {
    const anyValue = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.boolean(), fc.array(fc.string()), fc.dictionary(fc.string(), fc.string()));
    const paths = [['_type'], ['subject'], ['subject', 0, 'name'], ['subject', 0, 'digest'], ['predicate', 'resources'], ['predicate', 'resources', 0], ['predicate', 'resources', 0, 'name'], ['predicate', 'serialization', 'shard_size'], ['predicate', 'serialization', 'method'], ['predicate', 'serialization', 'ignore_paths']];
    fc.assert(
      fc.property(fc.constantFrom(...paths), anyValue, (path, value) => {
        const s = structuredClone(good) as any;
        let o = s;
        for (const k of path.slice(0, -1)) o = o?.[k];
        if (o && typeof o === 'object') o[path[path.length - 1] as string] = value;
        try {
          parseStatement(bytesOf(s));
        } catch (e) {
          expect(isSignatureError(e)).toBe(true);
        }
      }),
    );
  });
});
