/**
 * Where the exported ValidatingAdmissionPolicy CEL and the webhook's `review()` agree: every CEL check
 * is evaluated (@bufbuild/cel) on the same objects the webhook judges, and compared per rule with
 * whether the webhook reported that rule. The corpus: the upstream PSA fixtures (Pod and a Deployment
 * wrapping it, at the fixture's level and version), the Kubernetes rule cases, the demo manifests and
 * generated pods. `npm test` asserts full agreement; docs/admission.md shows the table.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { EVERY_RULE, fixtureObject, wrapInDeployment } from '../../src/admission/conformance.js';
import { DEFAULT_SETTINGS, evaluate, makeAdmissionReview, policyForLabels } from '../../src/admission/index.js';
import type { VapLevel } from '../../src/admission/vap.js';
import { failedPssChecks, vapChecks } from '../../src/admission/vap.js';
import type { JsonObject } from '../../src/k8s-manifests/index.js';
import { objectFromJson } from '../../src/k8s-manifests/index.js';
import type { RuleCases } from '../../src/rules/index.js';
import { evaluateChecks } from './cel.js';

export interface Row {
  ruleId: string;
  objects: number;
  agree: number;
  /** Objects both call failing. */
  failing: number;
  disagreements: string[];
}

export interface Sample {
  readonly name: string;
  readonly object: JsonObject;
  readonly level: VapLevel;
  readonly version: string;
}

const BUILTIN = new Set(['Pod', 'Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicationController', 'PodTemplate']);

function isBuiltinWorkload(o: unknown): o is JsonObject {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return false;
  const r = o as Record<string, unknown>;
  const av = r['apiVersion'];
  const kind = r['kind'];
  if (typeof av !== 'string' || typeof kind !== 'string' || !BUILTIN.has(kind)) return false;
  const group = av.includes('/') ? av.slice(0, av.lastIndexOf('/')) : '';
  return (['Pod', 'ReplicationController', 'PodTemplate'].includes(kind) && group === '') || (['Job', 'CronJob'].includes(kind) && group === 'batch') || (!['Pod', 'ReplicationController', 'PodTemplate', 'Job', 'CronJob'].includes(kind) && group === 'apps');
}

function objectsOfYaml(text: string): JsonObject[] {
  const out: JsonObject[] = [];
  for (const d of parseAllDocuments(text, { version: '1.1' })) {
    if (d.errors.length > 0) continue;
    const v: unknown = JSON.parse(JSON.stringify(d.toJS() ?? null));
    if (isBuiltinWorkload(v)) out.push(v);
  }
  return out;
}

/** PSA fixtures at their level and version (Pod and Deployment). */
export function psaSamples(psaDir: string): Sample[] {
  if (!existsSync(join(psaDir, 'expected.json'))) return [];
  const expected = JSON.parse(readFileSync(join(psaDir, 'expected.json'), 'utf8')) as Record<string, { level: VapLevel; version: string }>;
  const out: Sample[] = [];
  for (const [rel, e] of Object.entries(expected)) {
    const pod = fixtureObject(readFileSync(join(psaDir, rel), 'utf8'));
    out.push({ name: rel, object: pod, level: e.level, version: e.version }, { name: `${rel} (Deployment)`, object: wrapInDeployment(structuredClone(pod)), level: e.level, version: e.version });
  }
  return out;
}

/**
 * The Kubernetes rule cases (`K8S_RULE_CASES` of the test-only surface rule-cases.ts, passed in so that
 * this builder does not pull the cases into dist/) and the demo manifests, at baseline and restricted latest.
 */
export function ruleSamples(root: string, cases: readonly RuleCases[]): Sample[] {
  const objs: { name: string; object: JsonObject }[] = [];
  for (const rc of cases) {
    for (const c of [...rc.valid, ...rc.invalid]) {
      for (const [file, content] of Object.entries(c.files)) {
        if (typeof content !== 'string') continue;
        objsOf(`${rc.ruleId} ${c.name} ${file}`, content, objs);
      }
    }
  }
  const demo = join(root, 'examples/k8s');
  if (existsSync(demo)) for (const f of readdirSync(demo).filter((x) => x.endsWith('.yaml')).sort()) objsOf(`examples/k8s/${f}`, readFileSync(join(demo, f), 'utf8'), objs);
  return objs.flatMap((o) => (['baseline', 'restricted'] as const).map((level) => ({ ...o, level, version: 'latest' })));
}

/**
 * Whether the API server would let the object reach validating admission at all: its pod spec has
 * containers (schema validation runs before validating webhooks and policies).
 */
function schemaValid(o: JsonObject): boolean {
  const kind = o['kind'];
  const path = kind === 'Pod' ? ['spec'] : kind === 'PodTemplate' ? ['template', 'spec'] : kind === 'CronJob' ? ['spec', 'jobTemplate', 'spec', 'template', 'spec'] : ['spec', 'template', 'spec'];
  let cur: unknown = o;
  for (const k of path) cur = cur !== null && typeof cur === 'object' && !Array.isArray(cur) ? (cur as Record<string, unknown>)[k] : undefined;
  const containers = cur !== null && typeof cur === 'object' && !Array.isArray(cur) ? (cur as Record<string, unknown>)['containers'] : undefined;
  return Array.isArray(containers) && containers.length > 0 && containers.every((c) => c !== null && typeof c === 'object' && typeof (c as Record<string, unknown>)['name'] === 'string');
}

function objsOf(name: string, text: string, out: { name: string; object: JsonObject }[]): void {
  objectsOfYaml(text).forEach((object, i) => {
    if (schemaValid(object)) out.push({ name: `${name}#${i}`, object });
  });
}

/** Compare CEL and the webhook on every sample; one row per rule id. */
export function agreement(samples: readonly Sample[]): Map<string, Row> {
  const rows = new Map<string, Row>();
  let uid = 0;
  for (const s of samples) {
    const anchor = { kind: 'admission-request' as const, path: s.name, uid: 'x', operation: 'CREATE' };
    const defaulted = objectFromJson(structuredClone(s.object), anchor).value;
    const policy = policyForLabels(new Map([['bulwark.dev/enforce', s.level], ['bulwark.dev/enforce-version', s.version]]), { ...DEFAULT_SETTINGS, selection: EVERY_RULE });
    const r = evaluate(makeAdmissionReview({ uid: `cel-${++uid}`, object: structuredClone(defaulted), namespace: 'cel' }), policy);
    if (!r.ok) throw new Error(`${s.name}: ${r.message}`);
    // PSS verdicts by check (a violation may be reported by the baseline rule with both controls).
    const failedChecks = new Set(failedPssChecks(r.evaluation.findings, s.level, s.version));
    const fired = new Set(r.evaluation.findings.filter((f) => !f.ruleId.startsWith('k8s/pss-')).map((f) => f.ruleId));
    const checks = vapChecks(s.level, s.version, EVERY_RULE);
    const cel = evaluateChecks(defaulted, checks);
    for (const c of checks) {
      let row = rows.get(c.ruleId);
      if (row === undefined) {
        row = { ruleId: c.ruleId, objects: 0, agree: 0, failing: 0, disagreements: [] };
        rows.set(c.ruleId, row);
      }
      row.objects++;
      const v = cel.get(c.ruleId);
      const webhookFails = c.pssCheck !== undefined ? failedChecks.has(c.pssCheck) : fired.has(c.ruleId);
      if ((v === 'fail') === webhookFails && v !== 'error') {
        row.agree++;
        if (webhookFails) row.failing++;
      } else if (row.disagreements.length < 5) row.disagreements.push(`${c.ruleId}: ${s.name} [${s.level}:${s.version}]: CEL ${v ?? 'missing'}, webhook ${webhookFails ? 'fail' : 'pass'}`);
    }
  }
  return rows;
}

/** The rows as a Markdown table. */
export function markdownTable(rows: Map<string, Row>): string {
  const lines = ['| Rule | Objects compared | Agree | Both deny | Disagree |', '|---|---:|---:|---:|---:|'];
  for (const r of [...rows.values()].sort((a, b) => a.ruleId.localeCompare(b.ruleId))) lines.push(`| \`${r.ruleId}\` | ${r.objects} | ${r.agree} | ${r.failing} | ${r.objects - r.agree} |`);
  return lines.join('\n');
}

/** Generated pods aimed at the edges of the Bulwark rules' CEL (image references, device variables, quantities, annotations). */
export function generatedSamples(count: number, seed: number): Sample[] {
  const pick = <T>(xs: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...xs);
  const maybe = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined });
  const IMAGES = ['nginx', 'nginx:latest', 'nginx:1.27', 'registry:5000/team/app', 'registry:5000/team/app:v1', ' nginx:1.2 ', 'x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'x:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'x:1@sha256:short', 'x@', '', '   ', 'a/b:c/d', 'x:LATEST'];
  const DEVICES = [' all ', 'ALL', 'none', 'NONE', 'void', '', '0,1', 'GPU-1234'];
  const RES = ['nvidia.com/gpu', 'nvidia.com/mig-1g.10gb', 'amd.com/gpu', 'cpu', 'memory', 'google.com/tpu'];
  const QTY = ['1', '2', '1000m', '500Mi'];
  const container = fc.record({
    name: pick(['a', 'b', 'c']),
    image: pick(IMAGES),
    env: maybe(fc.array(fc.record({ name: pick(['NVIDIA_VISIBLE_DEVICES', 'AMD_VISIBLE_DEVICES', 'OTHER']), value: maybe(pick(DEVICES)) }), { maxLength: 2 })),
    requests: maybe(fc.dictionary(pick(RES), pick(QTY), { maxKeys: 2 })),
    limits: maybe(fc.dictionary(pick(RES), pick(QTY), { maxKeys: 2 })),
    privileged: maybe(fc.boolean()),
  });
  const podArb = fc.record({
    containers: fc.array(container, { minLength: 1, maxLength: 3 }),
    init: maybe(fc.array(container, { maxLength: 1 })),
    sa: maybe(pick(['default', 'app', ''])),
    saOld: maybe(pick(['default', 'legacy', ''])),
    rc: maybe(pick(['kata', 'Kata-qemu-nvidia-gpu', 'gvisor', 'runsc.debug', 'katana', 'runc', ''])),
    untrusted: maybe(pick(['true', 'TRUE', ' yes ', '1', 'false', 'no'])),
    untrustedOnTemplate: fc.boolean(),
    deployment: fc.boolean(),
    level: pick(['baseline', 'restricted'] as const),
  });
  const clean = (o: Record<string, unknown>): JsonObject => JSON.parse(JSON.stringify(o)) as JsonObject;
  return fc.sample(podArb, { numRuns: count, seed }).map((p, i) => {
    const toC = (c: (typeof p.containers)[number]): JsonObject =>
      clean({ name: c.name, image: c.image, env: c.env, resources: c.requests === undefined && c.limits === undefined ? undefined : { requests: c.requests, limits: c.limits }, securityContext: c.privileged === undefined ? undefined : { privileged: c.privileged } });
    const uniq = (cs: JsonObject[], prefix: string): JsonObject[] => cs.map((c, j) => ({ ...c, name: `${prefix}${j}` }));
    const spec = clean({ containers: uniq(p.containers.map(toC), 'c'), initContainers: p.init === undefined ? undefined : uniq(p.init.map(toC), 'i'), serviceAccountName: p.sa, serviceAccount: p.saOld, runtimeClassName: p.rc });
    const ann = p.untrusted === undefined ? undefined : { 'bulwark.dev/untrusted-models': p.untrusted };
    const pod: JsonObject = clean({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `g${i}`, annotations: ann }, spec });
    const object = p.deployment ? wrapInDeployment(pod, `g${i}`) : pod;
    if (p.deployment && ann !== undefined && !p.untrustedOnTemplate) {
      (object['metadata'] as JsonObject)['annotations'] = ann;
      delete ((((object['spec'] as JsonObject)['template'] as JsonObject)['metadata']) as JsonObject)['annotations'];
    }
    return { name: `generated #${i}${p.deployment ? ' (Deployment)' : ''}`, object, level: p.level, version: 'latest' };
  });
}
