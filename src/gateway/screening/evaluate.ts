/**
 * Evaluation helpers for the labelled prompt-injection data in data/gateway/injection/ (used by
 * dataset.test.ts and bench/injection.ts; not part of the gateway's request path).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { screenText } from './index.js';

export const DEEPSET_DIR = 'data/gateway/injection/deepset-prompt-injections';
export const DEEPSET_FILE = 'deepset_prompt_injections.csv';
/** Rows 0..545 are deepset's `train` split (used to write and tune the patterns), 546..661 its `test` split (held out). */
export const DEEPSET_TRAIN_ROWS = 546;

/** A public benign set: the first 523 instructions of databricks-dolly-15k (CC BY-SA 3.0), see its SOURCE.md. */
export const DOLLY_DIR = 'data/gateway/injection/dolly-15k-instructions';
export const DOLLY_FILE = 'dolly_instructions.jsonl';

export interface LabelledRow {
  readonly index: number;
  readonly text: string;
  /** 1 = injection, 0 = legitimate (deepset's labels, unchanged). */
  readonly label: 0 | 1;
}

/** RFC 4180 CSV (quoted fields, doubled quotes, line breaks inside quotes). Linear in the input. */
export function parseCsv(src: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** The deepset rows, or undefined when the data folder is absent. */
export function loadDeepset(root: string): LabelledRow[] | undefined {
  const file = join(root, DEEPSET_DIR, DEEPSET_FILE);
  if (!existsSync(file)) return undefined;
  const rows = parseCsv(readFileSync(file, 'utf8'));
  const header = rows[0] ?? [];
  const ti = header.indexOf('text');
  const li = header.indexOf('label');
  return rows.slice(1).map((r, index) => ({ index, text: r[ti] ?? '', label: r[li] === '1' ? 1 : 0 }));
}

/** The dolly instructions as legitimate rows (label 0), or undefined when the data folder is absent. */
export function loadDolly(root: string): LabelledRow[] | undefined {
  const file = join(root, DOLLY_DIR, DOLLY_FILE);
  if (!existsSync(file)) return undefined;
  const rows: LabelledRow[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const v: unknown = JSON.parse(line);
    const text = typeof v === 'object' && v !== null && 'instruction' in v && typeof v.instruction === 'string' ? v.instruction : '';
    rows.push({ index: rows.length, text, label: 0 });
  }
  return rows;
}

export interface Metrics {
  readonly n: number;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly tn: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** False-positive rate on the legitimate rows: fp / (fp + tn). */
  readonly fpr: number;
}

export function metrics(rows: readonly LabelledRow[], scores: readonly number[], threshold: number): Metrics {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  rows.forEach((r, i) => {
    const flagged = (scores[i] ?? 0) >= threshold;
    if (r.label === 1) {
      if (flagged) tp++;
      else fn++;
    } else if (flagged) fp++;
    else tn++;
  });
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { n: rows.length, tp, fp, fn, tn, precision, recall, f1, fpr: fp + tn === 0 ? 0 : fp / (fp + tn) };
}

export function scoreAll(rows: readonly LabelledRow[]): number[] {
  return rows.map((r) => screenText(r.text).score);
}
