/**
 * Runs the container rule cases (zip, pytorch, numpy, archive, compression) in process through
 * scanModelSource, so a case that stops firing fails here and not only in the engine meta-test.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../findings/index.js';
import { BufferSource, DEFAULT_LIMITS } from '../../limits/index.js';
import type { RuleCase } from '../../rules/index.js';
import { firingProblem } from '../../rules/index.js';
import { COMPRESSION_RULE_CASES } from '../compression/cases.js';
import { NUMPY_RULE_CASES } from '../numpy/cases.js';
import { PYTORCH_RULE_CASES } from '../pytorch/cases.js';
import { CONTAINER_RULES } from '../rules.js';
import { scanModelSource } from '../scan-model.js';
import { ARCHIVE_RULE_CASES } from '../tar/cases.js';
import { ZIP_RULE_CASES } from './cases.js';

const ALL = [...ZIP_RULE_CASES, ...PYTORCH_RULE_CASES, ...NUMPY_RULE_CASES, ...ARCHIVE_RULE_CASES, ...COMPRESSION_RULE_CASES];

function run(c: RuleCase): Finding[] {
  const out: Finding[] = [];
  for (const [path, content] of Object.entries(c.files)) {
    const bytes = typeof content === 'function' ? content() : typeof content === 'string' ? new TextEncoder().encode(content) : content;
    const r = scanModelSource(new BufferSource(bytes), path, { strict: false, policy: 'default' }, DEFAULT_LIMITS);
    if (r) out.push(...r.findings);
  }
  return out;
}

describe('container rule cases', () => {
  it('cover every container rule with firing and non-firing cases', () => {
    for (const rule of CONTAINER_RULES) {
      const cases = ALL.filter((c) => c.ruleId === rule.id);
      expect(cases.flatMap((c) => c.invalid).length, rule.id).toBeGreaterThan(0);
      expect(cases.flatMap((c) => c.valid).length, rule.id).toBeGreaterThan(0);
    }
  });

  for (const rc of ALL) {
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
