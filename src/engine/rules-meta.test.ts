/**
 * Meta-tests over the registry (after typescript-eslint's docs.test.ts): every rule has a docs page, a
 * remediation, and at least one firing and one non-firing case; and every case is run end to end
 * through the engine here, so a case that stops firing fails the suite.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Finding } from '../findings/index.js';
import type { RuleCase } from '../rules/index.js';
import { firingProblem } from '../rules/index.js';
import { ALL_RULE_CASES } from './all-rule-cases.js';
import { ALL_RULES } from './all-rules.js';
import { scan } from './engine.js';
import { scanOptions } from './options.js';

const root = join(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'bulwark-cases-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Rules no input can trigger on purpose; each is unit-tested where named. */
const CASE_EXEMPT = new Map([['scan/internal-error', 'a bug path: src/model-scanners/context.test.ts and src/engine/engine.test.ts inject failures']]);

let n = 0;
async function runCase(c: RuleCase): Promise<Finding[]> {
  const dir = join(work, `case-${n++}`);
  mkdirSync(dir, { recursive: true });
  for (const [rel, content] of Object.entries(c.files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, typeof content === 'function' ? content() : content);
  }
  for (const [rel, target] of Object.entries(c.symlinks ?? {})) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    symlinkSync(target, p);
  }
  for (const rel of c.fifos ?? []) execFileSync('mkfifo', [join(dir, rel)]);
  const options = scanOptions({ ...c.options, jobs: 1 });
  const report = await scan({ paths: [dir] }, options);
  return [...report.findings];
}

describe('rule registry', () => {
  it('has unique ids', () => {
    const ids = ALL_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  for (const rule of ALL_RULES) {
    describe(rule.id, () => {
      it('has a docs page that names the rule and a remediation', () => {
        const page = join(root, 'docs/rules', `${rule.id}.md`);
        expect(existsSync(page), `missing docs/rules/${rule.id}.md`).toBe(true);
        const text = readFileSync(page, 'utf8');
        expect(text).toContain(rule.id);
        expect(rule.remediation.trim().length).toBeGreaterThan(10);
      });
      it('has firing and non-firing cases', () => {
        if (CASE_EXEMPT.has(rule.id)) return;
        const cases = ALL_RULE_CASES.filter((c) => c.ruleId === rule.id);
        expect(cases.flatMap((c) => c.invalid).length, 'no firing case').toBeGreaterThan(0);
        expect(cases.flatMap((c) => c.valid).length, 'no non-firing case').toBeGreaterThan(0);
      });
    });
  }
});

describe('rule cases', () => {
  for (const rc of ALL_RULE_CASES) {
    describe(rc.ruleId, () => {
      for (const c of rc.invalid) {
        it(`fires: ${c.name}`, async () => {
          const hits = (await runCase(c)).filter((f) => f.ruleId === rc.ruleId);
          expect(firingProblem(hits, c.expect)).toBeUndefined();
        });
      }
      for (const c of rc.valid) {
        it(`stays silent: ${c.name}`, async () => {
          const hits = (await runCase(c)).filter((f) => f.ruleId === rc.ruleId);
          expect(hits.map((h) => h.message)).toEqual([]);
        });
      }
    });
  }
});
