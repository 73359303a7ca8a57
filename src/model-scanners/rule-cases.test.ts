/**
 * Runs every model-scanner rule case in process, the way the engine scans a tree: each file through
 * `scanModelSource` (with the case's options) and the production policy, then the folder analysis,
 * all reporting through one Reporter with the engine's caps. A case that stops firing fails here, not
 * only in the engine's end-to-end meta-test. Also checks that every rule has cases and a docs page.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Finding } from '../findings/index.js';
import { BufferSource, DEFAULT_LIMITS } from '../limits/index.js';
import type { RuleCase } from '../rules/index.js';
import { firingProblem } from '../rules/index.js';
import { captureFolderFiles, writeTree } from '../../test-fixtures/hf-builder.js';
import { modelReporter } from '../../test-fixtures/model-scan-helpers.js';
import type { ModelScanOptions } from './index.js';
import { MODEL_SCANNER_RULES, analyzeModelFolder, checkProductionPolicy, checkUnrecognizedModelFile, scanModelSource } from './index.js';
import { MODEL_SCANNER_RULE_CASES } from './rule-cases.js';

const root = mkdtempSync(join(tmpdir(), 'bulwark-cases-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function run(c: RuleCase): Finding[] {
  const dir = join(root, `c${n++}`);
  const tree: Record<string, string | Uint8Array> = {};
  for (const [k, v] of Object.entries(c.files)) tree[k] = typeof v === 'function' ? v() : v;
  const files = writeTree(dir, tree);
  const options: ModelScanOptions = { strict: c.options?.['strict'] === true, policy: c.options?.['policy'] === 'production' ? 'production' : 'default' };
  const reporter = modelReporter();
  for (const rel of files) {
    const path = join(dir, rel);
    const bytes = readFileSync(path);
    const r = scanModelSource(new BufferSource(bytes), path, options, DEFAULT_LIMITS, reporter);
    if (r) checkProductionPolicy(options.policy, { path, format: r.format }, reporter);
    checkUnrecognizedModelFile({ path, size: bytes.length, format: r?.format ?? 'unknown' }, options.policy, reporter);
  }
  analyzeModelFolder(dir, captureFolderFiles(dir, files), DEFAULT_LIMITS, reporter);
  return reporter.finish();
}

describe('model-scanner rule cases', () => {
  it('cover every rule with firing and non-firing cases and a docs page', () => {
    const byId = new Map(MODEL_SCANNER_RULE_CASES.map((c) => [c.ruleId, c]));
    for (const rule of MODEL_SCANNER_RULES) {
      const cases = byId.get(rule.id);
      expect(cases?.valid.length, rule.id).toBeGreaterThan(0);
      expect(cases?.invalid.length, rule.id).toBeGreaterThan(0);
      expect(existsSync(new URL(`../../docs/rules/${rule.id}.md`, import.meta.url)), `docs/rules/${rule.id}.md`).toBe(true);
    }
    expect(MODEL_SCANNER_RULE_CASES.map((c) => c.ruleId).sort()).toEqual(MODEL_SCANNER_RULES.map((r) => r.id).sort());
  });

  for (const rc of MODEL_SCANNER_RULE_CASES) {
    describe(rc.ruleId, () => {
      for (const c of rc.invalid) {
        it(`fires: ${c.name}`, () => {
          const hits = run(c).filter((f) => f.ruleId === rc.ruleId);
          expect(firingProblem(hits, c.expect)).toBeUndefined();
        });
      }
      for (const c of rc.valid) {
        it(`stays silent: ${c.name}`, () => {
          const hits = run(c).filter((f) => f.ruleId === rc.ruleId);
          expect(hits.map((h) => h.message)).toEqual([]);
        });
      }
    });
  }
});
