/**
 * Properties of the untrusted-input parsers of the OCI domain: arbitrary bytes and mutated tar layers
 * never throw anything but a BulwarkError, never write outside the target folder, and always end;
 * arbitrary manifests never throw anything but a BulwarkError; safe paths never escape.
 */
import fc from 'fast-check';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { buildTar } from '../../test-fixtures/tar-builder.js';
import { BulwarkError } from '../findings/index.js';
import { parseManifestDocument, safeRelativePath } from './index.js';
import { FolderWriter, TarExtractor } from './unpack.js';

const work = mkdtempSync(join(tmpdir(), 'bulwark-oci-prop-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const LIMITS = { maxLayerPathBytes: 256, maxArchiveEntries: 64 };
let n = 0;

async function extract(bytes: Uint8Array, chunk: number): Promise<string> {
  const parent = join(work, `p-${n++}`);
  const root = join(parent, 'root');
  await import('node:fs/promises').then((fs) => fs.mkdir(root, { recursive: true }));
  const tar = new TarExtractor(new FolderWriter(root, 'prop'), 'prop', LIMITS);
  try {
    for (let off = 0; off < bytes.length; off += chunk) await tar.push(Buffer.from(bytes.subarray(off, off + chunk)));
    await tar.end();
  } catch (e) {
    if (!(e instanceof BulwarkError)) throw e;
  }
  return parent;
}

const SEEDS = [
  buildTar({ members: [{ name: 'a/', type: '5' }, { name: 'a/b.bin', data: 'hello' }, { name: 'c', data: 'x'.repeat(700) }] }),
  buildTar({ members: [{ name: 'long/'.repeat(30) + 'f', data: 'y', gnuLongName: true }, { name: 'p', data: 'z', pax: { path: 'pax/name' } }] }),
];

describe('property: tar layers', () => {
  test('arbitrary and mutated tar bytes: only BulwarkErrors, nothing outside the root', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 3000 }),
          fc.tuple(fc.constantFrom(...SEEDS), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 })).map(([seed, edits]) => {
            const b = Uint8Array.from(seed);
            for (const [at, v] of edits) b[at % b.length] = v;
            return b;
          }),
        ),
        fc.integer({ min: 1, max: 1500 }),
        async (bytes, chunk) => {
          const parent = await extract(bytes, chunk);
          expect(readdirSync(parent)).toEqual(['root']);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('property: manifests and paths', () => {
  test('arbitrary JSON never throws anything but a BulwarkError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.record({ schemaVersion: fc.constant(2), mediaType: fc.string(), layers: fc.array(fc.jsonValue(), { maxLength: 5 }), config: fc.jsonValue(), manifests: fc.jsonValue() })), (doc) => {
        try {
          parseManifestDocument(Buffer.from(JSON.stringify(doc) ?? 'null'), undefined, { maxManifestLayers: 10 });
        } catch (e) {
          expect(e).toBeInstanceOf(BulwarkError);
        }
      }),
      { numRuns: 500 },
    );
  });

  test('an accepted path always stays inside the root', () => {
    const root = '/safe/root';
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', '.', '..', '', '/', '\\', 'c:', '\u0000', 'é'), { maxLength: 12 }).map((parts) => parts.join('')), (p) => {
        try {
          const rel = safeRelativePath(p, 4096, 'prop');
          const abs = resolve(root, rel);
          expect(abs.startsWith(`${root}/`)).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(BulwarkError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
