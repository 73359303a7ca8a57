/**
 * Runs RuleCases against an analyser in-process (the engine's rule-case test does the same end to end
 * through `bulwark scan`): every invalid case must produce a finding of the rule matching `expect`,
 * every valid case none.
 */
import { expect } from 'vitest';
import type { Finding } from '../../findings/index.js';
import type { RuleCase, RuleCases } from '../../rules/index.js';
import { firingProblem } from '../../rules/index.js';
import type { ManifestObject } from '../model.js';
import { load } from './test-helpers.js';

function filesOf(c: RuleCase): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.files)) {
    if (typeof v !== 'string') throw new Error(`case ${c.name}: only text files are supported here`);
    out[k] = v;
  }
  return out;
}

function describeFinding(f: Finding): string {
  const l = f.location;
  return l.kind === 'k8s-object' ? `${f.severity} ${l.line}:${l.column} ${l.fieldPath} — ${f.message}` : `${f.severity} ${f.message}`;
}

export function checkCase(analyse: (objs: readonly ManifestObject[]) => Finding[], ruleId: string, c: RuleCase, firing: boolean): void {
  const found = analyse(load(filesOf(c))).filter((f) => f.ruleId === ruleId);
  if (!firing) {
    expect(found.map(describeFinding), `${ruleId} / ${c.name} must not fire`).toEqual([]);
    return;
  }
  expect(firingProblem(found, c.expect), `${ruleId} / ${c.name}`).toBeUndefined();
}

export function runCases(analyse: (objs: readonly ManifestObject[]) => Finding[], all: readonly RuleCases[], it: (name: string, fn: () => void) => void): void {
  for (const rc of all) {
    for (const c of rc.invalid) it(`${rc.ruleId} fires: ${c.name}`, () => checkCase(analyse, rc.ruleId, c, true));
    for (const c of rc.valid) it(`${rc.ruleId} silent: ${c.name}`, () => checkCase(analyse, rc.ruleId, c, false));
  }
}
