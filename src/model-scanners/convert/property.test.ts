/**
 * Hostile bytes never crash the converter: every mutation of a real checkpoint (and of its data.pkl)
 * is either refused or planned; a plan is written and verified, and its tensors stay inside the input.
 */
import fc from 'fast-check';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planCheckpoint, verifyConversion, writeConversion } from './index.js';

const FIX = join(import.meta.dirname, '../../../test-fixtures/real/convert');
const dir = mkdtempSync(join(tmpdir(), 'bulwark-convert-prop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const OPTS = { version: 'prop' };

describe('convert on mutated checkpoints', () => {
  for (const fixture of ['views.pt', 'legacy.pt', 'arrays.npz']) {
    it(`${fixture}: byte flips and truncations are refused or converted exactly, never thrown`, async () => {
      const orig = readFileSync(join(FIX, fixture));
      const src = join(dir, fixture);
      const out = join(dir, `${fixture}.safetensors`);
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(fc.nat({ max: orig.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.option(fc.nat({ max: orig.length }), { nil: undefined }), async (flips, cut) => {
          const b = Buffer.from(orig);
          for (const [at, v] of flips) b[at] = v;
          writeFileSync(src, cut === undefined ? b : b.subarray(0, cut));
          const plan = planCheckpoint(src, OPTS);
          if (plan.refused) {
            expect(plan.findings.length + plan.problems.length).toBeGreaterThan(0);
            return;
          }
          for (const t of plan.tensors) expect(t.storageStart + t.storageBytes).toBeLessThanOrEqual(plan.inputSize);
          const fd = openSync(out, 'w');
          let pos = 0;
          try {
            await writeConversion(plan, {
              write(d) {
                writeSync(fd, d, 0, d.length, pos);
                pos += d.length;
              },
              writeAt(p, d) {
                writeSync(fd, d, 0, d.length, p);
              },
            });
          } finally {
            closeSync(fd);
          }
          expect(verifyConversion(src, out, OPTS)).toMatchObject({ ok: true });
        }),
        { numRuns: 60, seed: 17 },
      );
    }, 120_000);
  }
});
