import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BLOCK_THRESHOLD, DEFAULT_FLAG_THRESHOLD } from './index.js';
import { DEEPSET_TRAIN_ROWS, loadDeepset, loadDolly, metrics, scoreAll } from './evaluate.js';

/**
 * Floors slightly below the numbers measured on deepset/prompt-injections (docs/gateway-screening.md,
 * PATTERNS_VERSION 2: tuning P 0.988 R 0.837 with 2 false positives, held-out P 1.000 R 0.500, block
 * recall 0.278 with no benign row blocked), so a regression in the patterns fails here. Rows 0..545 (deepset train) were used to write the
 * patterns; rows 546..661 (deepset test) were held out. Skips when the data folder is absent.
 */
const ROOT = join(import.meta.dirname, '../../..');
const rows = loadDeepset(ROOT);

describe.skipIf(rows === undefined)('deepset/prompt-injections', () => {
  const all = rows ?? [];
  const scores = scoreAll(all);
  const train = all.slice(0, DEEPSET_TRAIN_ROWS);
  const test = all.slice(DEEPSET_TRAIN_ROWS);
  const trainScores = scores.slice(0, DEEPSET_TRAIN_ROWS);
  const testScores = scores.slice(DEEPSET_TRAIN_ROWS);

  it('is the full copy (662 rows: 263 injections, 399 legitimate)', () => {
    expect(all.length).toBe(662);
    expect(all.filter((r) => r.label === 1).length).toBe(263);
  });

  it('flag threshold: precision, recall and false positives on the tuning half', () => {
    const m = metrics(train, trainScores, DEFAULT_FLAG_THRESHOLD);
    expect(m.precision).toBeGreaterThanOrEqual(0.97);
    expect(m.recall).toBeGreaterThanOrEqual(0.8);
    expect(m.fp).toBeLessThanOrEqual(3);
  });

  it('flag threshold: precision, recall and false positives on the held-out half', () => {
    const m = metrics(test, testScores, DEFAULT_FLAG_THRESHOLD);
    expect(m.precision).toBeGreaterThanOrEqual(0.95);
    expect(m.recall).toBeGreaterThanOrEqual(0.45);
    expect(m.fp).toBeLessThanOrEqual(1);
  });

  it('block threshold: no legitimate prompt is blocked', () => {
    const m = metrics(all, scores, DEFAULT_BLOCK_THRESHOLD);
    expect(m.fp).toBe(0);
    expect(m.recall).toBeGreaterThanOrEqual(0.25);
  });
});

/** The public benign set (databricks-dolly-15k instructions, CC BY-SA 3.0): false-positive rate at both thresholds. */
const dolly = loadDolly(ROOT);

describe.skipIf(dolly === undefined)('databricks-dolly-15k instructions (benign)', () => {
  const all = dolly ?? [];
  const scores = scoreAll(all);

  it('is the full copy (523 prompts)', () => {
    expect(all.length).toBe(523);
    expect(all.every((r) => r.text.length > 0)).toBe(true);
  });

  it('flag threshold: at most one false positive (measured: none)', () => {
    expect(metrics(all, scores, DEFAULT_FLAG_THRESHOLD).fp).toBeLessThanOrEqual(1);
  });

  it('block threshold: no prompt is blocked', () => {
    expect(metrics(all, scores, DEFAULT_BLOCK_THRESHOLD).fp).toBe(0);
  });
});
