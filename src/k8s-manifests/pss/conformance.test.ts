/**
 * PSS conformance over the upstream pod-security-admission fixtures in ../shared/conformance/psa
 * (relative to the repository root). Skips cleanly when the folder is absent.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPsaConformance } from './conformance.js';

const PSA_DIR = join(import.meta.dirname, '../../..', '../shared/conformance/psa');

describe.skipIf(!existsSync(join(PSA_DIR, 'expected.json')))('PSA conformance (upstream fixtures)', () => {
  it('agrees with upstream on every fixture', () => {
    const r = checkPsaConformance(PSA_DIR);
    expect(r.failures.slice(0, 20)).toEqual([]);
    expect(r.total).toBeGreaterThanOrEqual(4537);
    expect(r.passed).toBe(r.total);
  });
});
