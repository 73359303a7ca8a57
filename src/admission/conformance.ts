/**
 * Admission conformance against the upstream pod-security-admission fixtures (`../shared/conformance/psa`,
 * laid out as `<level>/<vMAJOR.MINOR>/{pass,fail}/<name>.yaml` with `expected.json`): every fixture is
 * replayed as AdmissionReviews through `review()` — the CREATE of the Pod, and the CREATE of a
 * Deployment wrapping the same pod spec — in a namespace whose enforce label is the fixture's level
 * and version. Two comparisons per review:
 * - with only the PSS rules selected, the decision (allowed or denied) must be PSA's;
 * - with every rule on, the PSS checks that failed (the `pss:<check>` controls of the findings) must
 *   be exactly the expected set: the other Bulwark rules may add denials, never change PSS verdicts.
 * Used by the admission tests and by `npm run conformance` (src/cli/conformance.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { JsonObject } from '../k8s-manifests/index.js';
import { createSelection } from '../rules/index.js';
import type { RuleSelection } from '../rules/index.js';
import { isJsonObject } from './json.js';
import type { AdmissionPolicy, AdmissionSettings } from './policy.js';
import { DEFAULT_SETTINGS, policyForLabels } from './policy.js';
import { makeAdmissionReview } from './request.js';
import { ADMISSION_REGISTRY, evaluate } from './review.js';
import { failedPssChecks } from './vap.js';

export interface AdmissionConformanceResult {
  readonly total: number;
  readonly passed: number;
  readonly failures: string[];
  /** Reviews replayed (fixtures × {Pod, Deployment} × {PSS only, every rule}). */
  readonly reviews: number;
}

interface Expectation {
  readonly level: string;
  readonly version: string;
  readonly failingChecks: readonly string[];
}

/** Only the Pod Security Standards rules (and the fail-closed core rules, which cannot be turned off). */
export const PSS_ONLY: RuleSelection = createSelection(ADMISSION_REGISTRY.rules, [
  { selector: 'k8s/*', setting: { enabled: false } },
  { selector: 'k8s/pss-*', setting: { enabled: true } },
]);

/** Every rule, experimental ones included. */
export const EVERY_RULE: RuleSelection = createSelection(ADMISSION_REGISTRY.rules, [
  { selector: 'maturity:experimental', setting: { enabled: true } },
  { selector: 'maturity:deprecated', setting: { enabled: true } },
]);

/** A Deployment whose pod template is the pod's metadata (labels, annotations) and spec. */
export function wrapInDeployment(pod: JsonObject, name = 'wrapped'): JsonObject {
  const meta = isJsonObject(pod['metadata']) ? pod['metadata'] : {};
  const labels = isJsonObject(meta['labels']) ? meta['labels'] : {};
  const tplMeta: JsonObject = { labels: { ...labels, app: name } };
  if (isJsonObject(meta['annotations'])) tplMeta['annotations'] = meta['annotations'];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: typeof meta['namespace'] === 'string' ? meta['namespace'] : 'psa' },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: tplMeta, spec: isJsonObject(pod['spec']) ? pod['spec'] : {} } },
  };
}

/** The fixture as the API server would send it: YAML read as Kubernetes reads it, then JSON. */
export function fixtureObject(text: string): JsonObject {
  const v: unknown = JSON.parse(JSON.stringify(parse(text, { version: '1.1' })));
  if (!isJsonObject(v)) throw new Error('the fixture is not an object');
  return v;
}

function policyAt(level: string, version: string, selection: RuleSelection): AdmissionPolicy {
  const settings: AdmissionSettings = { ...DEFAULT_SETTINGS, selection };
  return policyForLabels(new Map([['bulwark.dev/enforce', level], ['bulwark.dev/enforce-version', version]]), settings);
}

export function checkAdmissionConformance(psaDir: string): AdmissionConformanceResult {
  const expected = JSON.parse(readFileSync(join(psaDir, 'expected.json'), 'utf8')) as Record<string, Expectation>;
  const failures: string[] = [];
  let total = 0;
  let passed = 0;
  let reviews = 0;
  let uid = 0;
  for (const [rel, exp] of Object.entries(expected)) {
    total++;
    const want = [...exp.failingChecks].sort();
    try {
      const pod = fixtureObject(readFileSync(join(psaDir, rel), 'utf8'));
      const problems: string[] = [];
      for (const [what, objectOf] of [
        ['Pod', () => structuredClone(pod)],
        ['Deployment', () => wrapInDeployment(structuredClone(pod))],
      ] as const) {
        for (const [selName, selection] of [
          ['pss', PSS_ONLY],
          ['all', EVERY_RULE],
        ] as const) {
          reviews++;
          const r = evaluate(makeAdmissionReview({ uid: `psa-${++uid}`, object: objectOf(), namespace: 'psa' }), policyAt(exp.level, exp.version, selection), { path: rel });
          if (!r.ok) {
            problems.push(`${what}/${selName}: bad request ${r.message}`);
            continue;
          }
          const ev = r.evaluation;
          const got = failedPssChecks(ev.findings, exp.level === 'baseline' ? 'baseline' : 'restricted', exp.version);
          if (got.join(',') !== want.join(',')) problems.push(`${what}/${selName}: failing checks [${got.join(', ')}]`);
          if (selName === 'pss' && ev.review.response.allowed !== (want.length === 0)) problems.push(`${what}/pss: ${ev.review.response.allowed ? 'allowed' : 'denied'}`);
        }
      }
      if (problems.length === 0) passed++;
      else failures.push(`${rel}: expected [${want.join(', ')}] (${want.length === 0 ? 'allowed' : 'denied'}); ${problems.join('; ')}`);
    } catch (e) {
      failures.push(`${rel}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { total, passed, failures, reviews };
}
