/**
 * Meta-tests over the registry (after typescript-eslint's docs.test.ts):
 * - every rule any module of src/ defines is reachable through the one registry (`bulwark scan`'s);
 * - every rule has a docs page whose header (severity, tags, maturity) matches its metadata, a
 *   remediation, and at least one firing and one non-firing case;
 * - every case is run end to end through the engine here, so a case that stops firing fails the suite,
 *   and every finding of every case left through the one Reporter (`wasReported`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Finding } from '../findings/index.js';
import type { RuleCase, RuleCases } from '../rules/index.js';
import { definedRules, firingProblem, wasReported } from '../rules/index.js';
import { ALL_RULE_CASES } from './all-rule-cases.js';
import { ALL_RULES, allRegistry as registry } from './all-rules.js';
import { runAuditRuleCase } from '../audit/case-runner.js';
import { auditRuleCases } from '../audit/rule-cases.js';
import { RUNTIME_RULE_CASES } from '../runtime/rule-cases.js';
import { runRuntimeRuleCase } from '../runtime/case-runner.js';
import { runOciRuleCase } from '../oci/case-runner.js';
import { runSupplyChainRuleCase } from '../cli/case-runner.js';
import { runGatewayRuleCase } from '../gateway/case-runner.js';
import { GATEWAY_RULE_CASES } from '../gateway/rule-cases.js';
import { scan } from './engine.js';
import { scanOptions } from './options.js';

const root = join(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'bulwark-cases-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Rules no input can trigger on purpose; each is unit-tested where named. */
const CASE_EXEMPT = new Map([['scan/internal-error', 'a bug path: src/model-scanners/context.test.ts and src/engine/engine.test.ts inject failures']]);

let n = 0;
async function runCase(c: RuleCase, ruleId: string): Promise<Finding[]> {
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
  // The rule under test runs whatever its maturity (experimental rules are off by default).
  const options = scanOptions({ ...c.options, jobs: 1, rules: [{ selector: ruleId, setting: { enabled: true } }] });
  const report = await scan({ paths: [dir] }, options);
  const bypass = report.findings.filter((f) => !wasReported(f));
  if (bypass.length > 0) throw new Error(`findings that did not leave through a Reporter: ${bypass.map((f) => f.ruleId).join(', ')}`);
  return [...report.findings];
}

/** Every non-test module of src/, to load them all and compare what they define with the registry. */
function sourceModules(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceModules(p));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Modules with effects on import (the CLI entry points run a command). */
const NOT_IMPORTED = new Set(['src/cli/main.ts', 'src/cli/conformance.ts', 'src/engine/worker.ts']);

/** Every domain's cases (rules that keep their cases in their own file are included by their domain). */
function allCases(): readonly RuleCases[] {
  return [...ALL_RULE_CASES, ...RUNTIME_RULE_CASES, ...GATEWAY_RULE_CASES, ...auditRuleCases()];
}

/**
 * Run one case the way its domain runs in production: file trees through `bulwark scan`'s engine,
 * runtime events through the runtime agent's analyzer, audit events through the audit engine, OCI
 * artifacts through the registry client and `scan oci://`'s refusal reporting.
 */
async function runAnyCase(c: RuleCase, ruleId: string): Promise<Finding[]> {
  if (ruleId.startsWith('audit/')) {
    const out = await runAuditRuleCase(c, ruleId);
    const bypass = out.filter((f) => !wasReported(f));
    if (bypass.length > 0) throw new Error(`findings that did not leave through a Reporter: ${bypass.map((f) => f.ruleId).join(', ')}`);
    return out;
  }
  if (ruleId.startsWith('oci/')) {
    const out = await runOciRuleCase(c, ruleId);
    const bypass = out.filter((f) => !wasReported(f));
    if (bypass.length > 0) throw new Error(`findings that did not leave through a Reporter: ${bypass.map((f) => f.ruleId).join(', ')}`);
    return out;
  }
  if (ruleId.startsWith('supply-chain/')) {
    const out = await runSupplyChainRuleCase(c, ruleId);
    const bypass = out.filter((f) => !wasReported(f));
    if (bypass.length > 0) throw new Error(`findings that did not leave through a Reporter: ${bypass.map((f) => f.ruleId).join(', ')}`);
    return out;
  }
  if (ruleId.startsWith('gateway/')) {
    const out = runGatewayRuleCase(c, ruleId);
    const bypass = out.filter((f) => !wasReported(f));
    if (bypass.length > 0) throw new Error(`findings that did not leave through a Reporter: ${bypass.map((f) => f.ruleId).join(', ')}`);
    return out;
  }
  if (ruleId.startsWith('runtime/')) {
    const out = runRuntimeRuleCase(c, ruleId);
    const bypass = out.filter((f) => !wasReported(f));
    if (bypass.length > 0) throw new Error(`findings that did not leave through a Reporter: ${bypass.map((f) => f.ruleId).join(', ')}`);
    return out;
  }
  return runCase(c, ruleId);
}

/** `| Severity | high |` → `high` (the first word: pages may add how the rule grades its evidence). */
function headerField(page: string, field: string): string | undefined {
  const m = new RegExp(`^\\| ${field} \\| ([^|]*)\\|`, 'm').exec(page);
  return m?.[1]?.trim();
}

describe('rule registry', () => {
  it('has unique ids', () => {
    const ids = ALL_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('holds every rule that any module of src/ defines (no rule is unreachable)', async () => {
    for (const file of sourceModules(join(root, 'src'))) {
      const rel = relative(root, file).split('\\').join('/');
      if (NOT_IMPORTED.has(rel)) continue;
      await import(pathToFileURL(file).href);
    }
    const missing = definedRules().filter((r) => !registry.has(r.id)).map((r) => r.id);
    expect(missing).toEqual([]);
    expect(definedRules().length).toBeGreaterThanOrEqual(ALL_RULES.length);
  });

  for (const rule of ALL_RULES) {
    describe(rule.id, () => {
      it('has a docs page whose header matches its metadata, and a remediation', () => {
        const page = join(root, 'docs/rules', `${rule.id}.md`);
        expect(existsSync(page), `missing docs/rules/${rule.id}.md`).toBe(true);
        const text = readFileSync(page, 'utf8');
        expect(text.split('\n')[0], 'the page starts with "# <id>: <title>"').toBe(`# ${rule.id}: ${rule.title}`);
        expect(headerField(text, 'Severity')?.split(/[\s(]/)[0], 'Severity row').toBe(rule.severity);
        expect(headerField(text, 'Maturity'), 'Maturity row').toBe(rule.maturity);
        expect(headerField(text, 'Tags')?.split(',').map((t) => t.trim()), 'Tags row').toEqual([...rule.tags]);
        expect(rule.remediation.trim().length).toBeGreaterThan(10);
      });
      it('has firing and non-firing cases', () => {
        if (CASE_EXEMPT.has(rule.id)) return;
        const cases = allCases().filter((c) => c.ruleId === rule.id);
        expect(cases.flatMap((c) => c.invalid).length, 'no firing case').toBeGreaterThan(0);
        expect(cases.flatMap((c) => c.valid).length, 'no non-firing case').toBeGreaterThan(0);
      });
    });
  }
});

describe('rule cases', () => {
  for (const rc of allCases()) {
    describe(rc.ruleId, () => {
      for (const c of rc.invalid) {
        it(`fires: ${c.name}`, async () => {
          const hits = (await runAnyCase(c, rc.ruleId)).filter((f) => f.ruleId === rc.ruleId);
          expect(firingProblem(hits, c.expect)).toBeUndefined();
        });
      }
      for (const c of rc.valid) {
        it(`stays silent: ${c.name}`, async () => {
          const hits = (await runAnyCase(c, rc.ruleId)).filter((f) => f.ruleId === rc.ruleId);
          expect(hits.map((h) => h.message)).toEqual([]);
        });
      }
    });
  }
});
