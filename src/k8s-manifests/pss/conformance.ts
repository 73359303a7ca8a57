/**
 * Conformance against the upstream pod-security-admission fixtures (test/testdata), laid out as
 * `<level>/<vMAJOR.MINOR>/{pass,fail}/<name>.yaml` with `expected.json` giving, per file, the exact set
 * of failing check ids at that level and version. Every file is loaded with the real manifest loader
 * (YAML 1.1 as Kubernetes reads it, API defaulting) and evaluated with the PSS checks; the sets must be
 * equal. Used by `npm run conformance` (the CLI) and by conformance.test.ts.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { DEFAULT_LIMITS } from '../../limits/index.js';
import { Reporter } from '../../rules/index.js';
import { loadManifests } from '../load.js';
import { podTemplatesOf } from '../workloads.js';
import type { PssLevel } from './checks.js';
import { evaluatePss } from './checks.js';
import { parsePssLevel, parsePssVersion } from './version.js';

export interface ConformanceResult {
  readonly total: number;
  readonly passed: number;
  /** One line per disagreement: `<file>: expected [...], got [...]`. */
  readonly failures: string[];
}

interface Expectation {
  readonly level: string;
  readonly version: string;
  readonly failingChecks: readonly string[];
}

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yamlFiles(p, out);
    else if (name.endsWith('.yaml') || name.endsWith('.yml')) out.push(p);
  }
  return out;
}

/** Failing PSS check ids of one fixture text at a level and version (sorted; throws if not one pod). */
export function failingChecksOf(text: string, file: string, level: PssLevel, minor: number): string[] {
  const reporter = new Reporter();
  const objects = loadManifests(text, file, DEFAULT_LIMITS, reporter);
  const broken = reporter.finish().find((f) => f.ruleId.startsWith('scan/'));
  if (broken) throw new Error(`not loaded: ${broken.message}`);
  const templates = objects.flatMap((o) => podTemplatesOf(o));
  if (templates.length !== 1) throw new Error(`expected one pod, found ${templates.length}`);
  return [...evaluatePss(templates[0] as (typeof templates)[number], level, minor).keys()].sort();
}

export function checkPsaConformance(psaDir: string): ConformanceResult {
  const expected = JSON.parse(readFileSync(join(psaDir, 'expected.json'), 'utf8')) as Record<string, Expectation>;
  const failures: string[] = [];
  let total = 0;
  let passed = 0;
  const seen = new Set<string>();
  for (const [rel, exp] of Object.entries(expected)) {
    total++;
    seen.add(rel);
    try {
      const got = failingChecksOf(readFileSync(join(psaDir, rel), 'utf8'), rel, parsePssLevel(exp.level), parsePssVersion(exp.version));
      const want = [...exp.failingChecks].sort();
      if (got.length === want.length && got.every((c, i) => c === want[i])) passed++;
      else failures.push(`${rel}: expected [${want.join(', ')}], got [${got.join(', ')}]`);
    } catch (e) {
      failures.push(`${rel}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  // A fixture on disk without an expectation is a failure too (the data set must be complete).
  for (const level of ['baseline', 'restricted']) {
    let files: string[] = [];
    try {
      files = yamlFiles(join(psaDir, level));
    } catch {
      continue;
    }
    for (const f of files) {
      const rel = relative(psaDir, f).split(sep).join('/');
      if (!seen.has(rel)) {
        total++;
        failures.push(`${rel}: no entry in expected.json`);
      }
    }
  }
  return { total, passed, failures };
}
