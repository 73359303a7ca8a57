/**
 * Input-sized data never goes through recursion or argument spreading (issue 19: `push(...items)` over
 * 125,000 files or a million `ignore_paths` overflowed the stack and lost the whole report). These tests
 * run the aggregation paths at ten times the sizes that crashed, plus a real directory of 125,000 files
 * end to end. Lint forbids the spread forms in src/ (eslint.config.js, `no-restricted-syntax`).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Finding, TargetResult } from '../findings/index.js';
import { maxOf, minOf, pushAll } from '../findings/index.js';
import { ignoreSet } from '../model-signing/model.js';
import { renderJson, renderNdjson, renderSarif, renderText } from '../reporters/index.js';
import { Reporter, applyConfigSuppressions, coreRules } from '../rules/index.js';
import { registry } from './all-rules.js';
import { buildReport, scan } from './engine.js';
import { scanOptions } from './options.js';

const dir = mkdtempSync(join(tmpdir(), 'bulwark-scale-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('no stack overflow on input-sized arrays', () => {
  it('array helpers take ten million items', () => {
    const big = new Array<number>(10_000_000).fill(1);
    big[5_000_000] = 7;
    const out: number[] = [];
    pushAll(out, big);
    expect(out.length).toBe(10_000_000);
    expect(maxOf(big)).toBe(7);
    expect(minOf(big)).toBe(1);
    // The spread form is what used to crash (the reason for the lint rule).
    expect(() => out.push(...big)).toThrow(RangeError);
  });

  it('a signature with ten million ignore_paths (10x the bundle that crashed verify)', () => {
    const extra = Array.from({ length: 10_000_000 }, (_, i) => `p/${i}`);
    const s = ignoreSet(dir, { ignoreGitPaths: true }, extra);
    expect(s.effective.length).toBe(10_000_000 + 4);
  }, 120_000);

  it('150,000 findings on one target (10x): reporter, suppressions, report and every renderer', () => {
    const r = new Reporter();
    for (let i = 0; i < 150_000; i++) r.report(coreRules.symlinkOutsideTree, { location: { kind: 'file', path: 'big.yaml', line: i + 1 }, message: `finding ${i}` });
    const findings: Finding[] = applyConfigSuppressions(r.finish(), [{ rule: 'scan/symlink-outside-tree', path: 'big.yaml', reason: 'scale test' }], {
      roots: [],
      now: new Date(),
      rules: registry.rules,
      report: () => undefined,
    });
    const targets: TargetResult[] = [{ path: 'big.yaml', format: 'k8s-manifest', status: 'complete' }];
    const report = buildReport(registry, targets, findings);
    expect(report.findings.length).toBe(150_000);
    expect(report.summary.suppressed).toBe(150_000);
    expect(renderText(report, { color: false, quiet: false, failOn: 'high' }).length).toBeGreaterThan(150_000 * 20);
    expect(JSON.parse(renderJson(report)).findings).toHaveLength(150_000);
    expect(renderNdjson(report).split('\n')).toHaveLength(150_001);
    expect(renderSarif(report).length).toBeGreaterThan(0);
  }, 120_000);

  it('a directory of 125,000 files is walked and scanned (the size that crashed)', async () => {
    const tree = join(dir, 'many');
    mkdirSync(tree);
    for (let i = 0; i < 125_000; i++) writeFileSync(join(tree, `f${i}`), '');
    const report = await scan({ paths: [tree] }, scanOptions({ jobs: 1 }));
    expect(report.targets.length).toBe(125_000);
    expect(report.findings.filter((f) => f.ruleId.startsWith('scan/'))).toEqual([]);
  }, 180_000);
});
