/**
 * Done-when of issue 11: every upstream PSA fixture replayed as AdmissionReviews (Pod, and a
 * Deployment wrapping it) through review() gives PSA's decision at every level and version.
 * Skips cleanly when ../shared/conformance/psa is absent.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkAdmissionConformance } from './conformance.js';

const PSA = join(import.meta.dirname, '../../../shared/conformance/psa');

describe.skipIf(!existsSync(join(PSA, 'expected.json')))('PSA fixtures through review()', () => {
  it('agrees with PSA for every fixture, level and version', { timeout: 300_000 }, () => {
    const r = checkAdmissionConformance(PSA);
    expect(r.failures.slice(0, 20)).toEqual([]);
    expect(r.passed).toBe(r.total);
    expect(r.total).toBeGreaterThan(4000);
    expect(r.reviews).toBe(r.total * 4);
  });
});
