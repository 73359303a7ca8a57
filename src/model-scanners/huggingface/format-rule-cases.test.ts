/**
 * Runs FORMAT_RULE_CASES through the format scanners directly (content sniffers in the order the
 * lead's dispatch should use, then the folder analyser), until the engine's end-to-end rule-case
 * test covers them. Also checks rule metadata: cases and a docs page for every rule.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../findings/index.js';
import { BufferSource, DEFAULT_LIMITS } from '../../limits/index.js';
import type { ByteSource } from '../../limits/index.js';
import type { RuleCase } from '../../rules/index.js';
import { firingProblem } from '../../rules/index.js';
import { scanHarness } from '../../../test-fixtures/safetensors-builder.js';
import { writeTree } from '../../../test-fixtures/hf-builder.js';
import type { ModelScanContext } from '../context.js';
import { isGguf, scanGguf } from '../gguf/index.js';
import { isKerasH5, isKerasZip, scanKeras, scanKerasH5 } from '../keras/index.js';
import { isOnnx, scanOnnx } from '../onnx/index.js';
import { isSafetensors, scanSafetensors } from '../safetensors/index.js';
import { isSavedModel, isTensorflowGraphDef, scanSavedModel } from '../savedmodel/index.js';
import { FORMAT_RULE_CASES } from './format-rule-cases.js';
import { FORMAT_RULES, analyzeModelFolder } from './index.js';

const root = mkdtempSync(join(tmpdir(), 'bulwark-cases-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

/** The dispatch order the lead should use for these formats (see the report). */
const SCANNERS: readonly [string, (s: ByteSource) => boolean, (s: ByteSource, c: ModelScanContext) => unknown][] = [
  ['safetensors', isSafetensors, scanSafetensors],
  ['gguf', isGguf, scanGguf],
  ['keras', isKerasZip, scanKeras],
  ['keras-h5', isKerasH5, scanKerasH5],
  ['onnx', isOnnx, scanOnnx],
  ['tf-saved-model', isSavedModel, scanSavedModel],
  ['tf-graphdef', isTensorflowGraphDef, scanSavedModel],
];

function run(c: RuleCase): Finding[] {
  const dir = join(root, `c${n++}`);
  const tree: Record<string, string | Uint8Array> = {};
  for (const [k, v] of Object.entries(c.files)) tree[k] = typeof v === 'function' ? v() : v;
  const files = writeTree(dir, tree);
  const out: Finding[] = [];
  for (const rel of files) {
    const bytes = readFileSync(join(dir, rel));
    const src = new BufferSource(bytes);
    const h = scanHarness(join(dir, rel));
    const hit = SCANNERS.find(([, sniff]) => sniff(src));
    if (hit) hit[2](src, h.ctx);
    out.push(...h.findings);
  }
  out.push(...analyzeModelFolder(dir, files, DEFAULT_LIMITS));
  return out;
}

describe('format rule cases', () => {
  it('cover every rule with firing and non-firing cases and a docs page', () => {
    const byId = new Map(FORMAT_RULE_CASES.map((c) => [c.ruleId, c]));
    for (const rule of FORMAT_RULES) {
      const cases = byId.get(rule.id);
      expect(cases?.valid.length, rule.id).toBeGreaterThan(0);
      expect(cases?.invalid.length, rule.id).toBeGreaterThan(0);
      expect(existsSync(new URL(`../../../docs/rules/${rule.id}.md`, import.meta.url)), `docs/rules/${rule.id}.md`).toBe(true);
    }
    expect(FORMAT_RULE_CASES.map((c) => c.ruleId).sort()).toEqual(FORMAT_RULES.map((r) => r.id).sort());
  });

  for (const rc of FORMAT_RULE_CASES) {
    describe(rc.ruleId, () => {
      for (const c of rc.valid) {
        it(`stays silent: ${c.name}`, () => {
          expect(run(c).filter((f) => f.ruleId === rc.ruleId)).toEqual([]);
        });
      }
      for (const c of rc.invalid) {
        it(`fires: ${c.name}`, () => {
          const hits = run(c).filter((f) => f.ruleId === rc.ruleId);
          expect(firingProblem(hits, c.expect)).toBeUndefined();
        });
      }
    });
  }
});
