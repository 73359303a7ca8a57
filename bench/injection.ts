/**
 * Prompt-injection screening (issue 18): precision, recall and F1 at the default flag and block
 * thresholds on deepset/prompt-injections (data/gateway/injection/, Apache-2.0), reported for the
 * tuning half (deepset train, rows 0..545) and the held-out half (deepset test, rows 546..661); the
 * false-positive rate on the legitimate prompts; and the screening speed in µs per KiB, against a
 * same-run baseline: one case-insensitive regex search (`/ignore previous instructions/i`) over the
 * same text, the cheapest screen there is. Also the false-positive rate on a public benign set, the first 523
 * databricks-dolly-15k instructions (CC BY-SA 3.0). Skipped when the data folder is absent.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_BLOCK_THRESHOLD, DEFAULT_FLAG_THRESHOLD, screenText } from '../src/gateway/screening/index.js';
import { DEEPSET_DIR, DEEPSET_TRAIN_ROWS, loadDeepset, loadDolly, metrics, scoreAll, type Metrics } from '../src/gateway/screening/evaluate.js';
import { ROOT } from './common.js';

function perKiB(fn: (s: string) => unknown, texts: readonly string[], rounds: number): number {
  let bytes = 0;
  for (const t of texts) bytes += Buffer.byteLength(t);
  for (const t of texts) fn(t); // warm-up
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) for (const t of texts) fn(t);
  const us = Number(process.hrtime.bigint() - t0) / 1e3;
  return us / ((bytes * rounds) / 1024);
}

const fmt = (m: Metrics): string =>
  `P ${m.precision.toFixed(3)} R ${m.recall.toFixed(3)} F1 ${m.f1.toFixed(3)} FPR ${m.fpr.toFixed(3)} (tp ${m.tp} fp ${m.fp} fn ${m.fn} tn ${m.tn})`;

export function run(): unknown {
  // ROOT is right for the compiled bench (dist/bench); the second candidate serves a run from source.
  const root = [ROOT, join(import.meta.dirname, '..')].find((r) => existsSync(join(r, DEEPSET_DIR))) ?? ROOT;
  const rows = loadDeepset(root);
  if (rows === undefined) {
    process.stdout.write('injection: skipped (data/gateway/injection/ is absent)\n');
    return { skipped: 'dataset absent' };
  }
  const scores = scoreAll(rows);
  const halves = { train: [0, DEEPSET_TRAIN_ROWS], test: [DEEPSET_TRAIN_ROWS, rows.length], all: [0, rows.length] } as const;
  const result: Record<string, unknown> = {};
  for (const [name, [a, b]] of Object.entries(halves)) {
    const flag = metrics(rows.slice(a, b), scores.slice(a, b), DEFAULT_FLAG_THRESHOLD);
    const block = metrics(rows.slice(a, b), scores.slice(a, b), DEFAULT_BLOCK_THRESHOLD);
    result[name] = { flag, block };
    process.stdout.write(`injection ${name.padEnd(5)} flag ${DEFAULT_FLAG_THRESHOLD}: ${fmt(flag)}\n`);
    process.stdout.write(`injection ${name.padEnd(5)} block ${DEFAULT_BLOCK_THRESHOLD}: ${fmt(block)}\n`);
  }
  const dolly = loadDolly(root);
  if (dolly !== undefined) {
    const ds = scoreAll(dolly);
    const flag = metrics(dolly, ds, DEFAULT_FLAG_THRESHOLD);
    const block = metrics(dolly, ds, DEFAULT_BLOCK_THRESHOLD);
    result['dolly'] = { n: dolly.length, flagFp: flag.fp, blockFp: block.fp, anyHit: ds.filter((s) => s > 0).length };
    process.stdout.write(
      `injection dolly (benign, ${dolly.length}): false positives flag ${flag.fp} (FPR ${flag.fpr.toFixed(3)}), block ${block.fp} (FPR ${block.fpr.toFixed(3)}), any hit ${ds.filter((s) => s > 0).length}\n`,
    );
  }
  const texts = rows.map((r) => r.text);
  const para = 'Could you help me plan a trip to Lisbon next spring? I would like museums, good food and a day at the beach. ';
  const big = [para.repeat(Math.ceil(65_536 / para.length)).slice(0, 65_536)];
  const baseline = /ignore previous instructions/i;
  const speed = {
    datasetUsPerKiB: perKiB((t) => screenText(t), texts, 20),
    datasetBaselineUsPerKiB: perKiB((t) => baseline.test(t), texts, 20),
    chat64KiBUsPerKiB: perKiB((t) => screenText(t), big, 50),
    chat64KiBBaselineUsPerKiB: perKiB((t) => baseline.test(t), big, 50),
  };
  result['speed'] = { ...speed, ratio: speed.datasetUsPerKiB / speed.datasetBaselineUsPerKiB };
  process.stdout.write(
    `injection speed: ${speed.datasetUsPerKiB.toFixed(1)} µs/KiB on the dataset (one-regex baseline ${speed.datasetBaselineUsPerKiB.toFixed(2)} µs/KiB), ${speed.chat64KiBUsPerKiB.toFixed(1)} µs/KiB on 64 KiB chat text (${((speed.chat64KiBUsPerKiB * 64) / 1000).toFixed(2)} ms per 64 KiB; goal: well under a few ms)\n`,
  );
  return result;
}
