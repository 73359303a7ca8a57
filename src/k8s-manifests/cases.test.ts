/**
 * Runs every Kubernetes rule case in-process (load + analyze), checking line, column and field path;
 * the engine's meta-test runs the same cases end to end through `bulwark scan`.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../findings/index.js';
import { DEFAULT_LIMITS } from '../limits/index.js';
import type { RuleCase } from '../rules/index.js';
import { firingProblem } from '../rules/index.js';
import { analyzeManifests } from './analyze.js';
import { K8S_RULE_CASES } from './cases.js';
import { loadManifests } from './load.js';
import type { ManifestObject } from './model.js';
import { K8S_RULES } from './rule-list.js';

function run(c: RuleCase): Finding[] {
  const objects: ManifestObject[] = [];
  const findings: Finding[] = [];
  for (const [path, content] of Object.entries(c.files)) {
    const text = typeof content === 'string' ? content : new TextDecoder().decode(typeof content === 'function' ? content() : content);
    const r = loadManifests(text, path, DEFAULT_LIMITS);
    objects.push(...r.objects);
    findings.push(...r.findings);
  }
  const o = c.options ?? {};
  findings.push(...analyzeManifests(objects, { ...(typeof o['pssLevel'] === 'string' && { pssLevel: o['pssLevel'] }), ...(typeof o['pssVersion'] === 'string' && { pssVersion: o['pssVersion'] }) }));
  return findings;
}

const show = (f: Finding): string => {
  const l = f.location;
  return l.kind === 'k8s-object' ? `${f.severity} ${l.line}:${l.column} ${l.fieldPath} — ${f.message}${f.evidence ? ` [${f.evidence}]` : ''}` : `${f.severity} ${JSON.stringify(l)} ${f.message}`;
};

describe('Kubernetes rule cases', () => {
  it('every Kubernetes rule has firing and non-firing cases', () => {
    for (const r of K8S_RULES) {
      const cases = K8S_RULE_CASES.filter((c) => c.ruleId === r.id);
      expect(cases.flatMap((c) => c.invalid).length, `${r.id} has no firing case`).toBeGreaterThan(0);
      expect(cases.flatMap((c) => c.valid).length, `${r.id} has no non-firing case`).toBeGreaterThan(0);
    }
  });
  for (const rc of K8S_RULE_CASES) {
    describe(rc.ruleId, () => {
      for (const c of rc.invalid) {
        it(`fires: ${c.name}`, () => {
          const hits = run(c).filter((f) => f.ruleId === rc.ruleId);
          expect(firingProblem(hits, c.expect)).toBeUndefined();
        });
      }
      for (const c of rc.valid) {
        it(`stays silent: ${c.name}`, () => {
          expect(run(c).filter((f) => f.ruleId === rc.ruleId).map(show)).toEqual([]);
        });
      }
    });
  }
});
