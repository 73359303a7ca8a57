/**
 * picklescan's own malicious samples (rebuilt in test-fixtures/peer-samples.ts): every one is
 * detected by content and graded high or critical by default (no --strict), through the whole model
 * scanner as `bulwark scan` runs it.
 */
import { describe, expect, it } from 'vitest';
import { severityRank } from '../../findings/index.js';
import { mustScan } from '../../../test-fixtures/model-scan-helpers.js';
import { picklescanSamples } from '../../../test-fixtures/peer-samples.js';

describe("picklescan's malicious samples", () => {
  const samples = picklescanSamples();
  it('are many', () => {
    expect(samples.length).toBeGreaterThanOrEqual(55);
  });
  it.each(samples.map(([label, bytes]) => [label, bytes] as const))('%s is high or critical by default', (_label, bytes) => {
    const r = mustScan(bytes);
    const worst = r.findings.reduce((m, f) => Math.max(m, severityRank(f.severity)), -1);
    expect(worst, r.findings.map((f) => `${f.ruleId}:${f.severity}`).join(' ')).toBeGreaterThanOrEqual(severityRank('high'));
  });
});
