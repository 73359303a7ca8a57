/**
 * The exported ValidatingAdmissionPolicy CEL, evaluated with @bufbuild/cel, against the webhook's
 * review() on the same objects (test-fixtures/admission/cel-agreement.ts). Every expressible check must
 * agree on every object. `BULWARK_PRINT_CEL_TABLE=1` prints the table of docs/admission.md.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { agreement, generatedSamples, markdownTable, psaSamples, ruleSamples } from '../../test-fixtures/admission/cel-agreement.js';
import { exportVap, vapChecks, vapObjects } from './vap.js';
import { EVERY_RULE } from './conformance.js';
import { K8S_RULE_CASES } from '../k8s-manifests/rule-cases.js';

const ROOT = join(import.meta.dirname, '../..');
const PSA = join(ROOT, '../shared/conformance/psa');

describe('VAP export', () => {
  it('is YAML of policies and bindings per level and mode', () => {
    const docs = parseAllDocuments(exportVap({ version: 'v1.30', exemptions: { usernames: ['system:serviceaccount:kube-system:replicaset-controller'], runtimeClasses: ['kata'] } })).map((d) => d.toJS() as { kind: string; metadata: { name: string }; spec: Record<string, unknown> });
    expect(docs.filter((d) => d.kind === 'ValidatingAdmissionPolicy').map((d) => d.metadata.name)).toEqual(['bulwark-baseline-v1-30', 'bulwark-restricted-v1-30']);
    expect(docs.filter((d) => d.kind === 'ValidatingAdmissionPolicyBinding')).toHaveLength(6);
    const enforce = docs.find((d) => d.metadata.name === 'bulwark-enforce-restricted-v1-30');
    expect(enforce?.spec['validationActions']).toEqual(['Deny']);
    expect(JSON.stringify(docs[0]?.spec['matchConditions'])).toContain('kata');
  });

  it('leaves out rules the selection turns off', () => {
    const all = vapChecks('restricted', 'latest', EVERY_RULE).map((c) => c.ruleId);
    expect(all).toContain('k8s/image-not-pinned');
    expect(all).toContain('k8s/pss-run-as-non-root');
    expect(vapChecks('baseline', 'latest', EVERY_RULE).map((c) => c.ruleId)).not.toContain('k8s/pss-run-as-non-root');
    expect(vapObjects({ version: 'latest', levels: ['baseline'], modes: ['warn'] })).toHaveLength(2);
  });

  it('agrees with review() on the rule cases, the demo manifests and generated pods', { timeout: 120_000 }, () => {
    const rows = agreement([...ruleSamples(ROOT, K8S_RULE_CASES), ...generatedSamples(1500, 42)]);
    if (process.env['BULWARK_PRINT_CEL_TABLE'] === '1') process.stdout.write(`${markdownTable(rows)}\n`);
    const problems = [...rows.values()].flatMap((r) => r.disagreements);
    expect(problems).toEqual([]);
    expect(rows.size).toBeGreaterThanOrEqual(20);
  });

  it.skipIf(!existsSync(join(PSA, 'expected.json')))('agrees with review() on every PSA fixture at its level and version', { timeout: 300_000 }, () => {
    const samples = psaSamples(PSA);
    const rows = agreement(samples);
    if (process.env['BULWARK_PRINT_CEL_TABLE'] === '1') process.stdout.write(`${markdownTable(rows)}\n`);
    const problems = [...rows.values()].flatMap((r) => r.disagreements);
    expect(problems).toEqual([]);
  });
});
