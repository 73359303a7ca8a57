import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../k8s-manifests/index.js';
import { createSelection } from '../rules/index.js';
import { EVERY_RULE, wrapInDeployment } from './conformance.js';
import type { AdmissionPolicy, AdmissionSettings } from './policy.js';
import { DEFAULT_SETTINGS, policyForLabels, policyForRoute, policyFromDefaults } from './policy.js';
import { makeAdmissionReview } from './request.js';
import { ADMISSION_REGISTRY, evaluate, review } from './review.js';
import { MAX_WARNINGS_TOTAL_CHARS, MAX_WARNING_CHARS } from './messages.js';

const GOOD_SC = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true };
const DIGEST = 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

function pod(spec: JsonObject = {}, meta: JsonObject = {}): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ml', ...meta },
    spec: { serviceAccountName: 'app', securityContext: { seccompProfile: { type: 'RuntimeDefault' } }, containers: [{ name: 'app', image: `nginx:1.27@${DIGEST}`, securityContext: GOOD_SC }], ...spec },
  };
}

const privilegedPod = (): JsonObject => pod({ containers: [{ name: 'app', image: `nginx:1.27@${DIGEST}`, securityContext: { ...GOOD_SC, privileged: true } }] });

const labels = (l: Record<string, string>, settings: AdmissionSettings = DEFAULT_SETTINGS): AdmissionPolicy => policyForLabels(new Map(Object.entries(l)), settings);
const enforce = (level: string, settings?: AdmissionSettings): AdmissionPolicy => labels({ 'bulwark.dev/enforce': level }, settings);
let n = 0;
const rv = (object: JsonObject, extra: Partial<Parameters<typeof makeAdmissionReview>[0]> = {}): JsonObject => makeAdmissionReview({ uid: `uid-${++n}`, object, ...extra });

describe('review(): the answer', () => {
  it('allows a restricted pod in a restricted namespace and echoes the uid', () => {
    const r = review(rv(pod(), { uid: 'abc' }), enforce('restricted'));
    expect(r).toMatchObject({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'abc', allowed: true } });
    expect(r.response.auditAnnotations).toEqual({ 'enforce-policy': 'restricted:latest' });
  });

  it('denies with one line per failed check: rule, field, what is wrong and the fix', () => {
    const r = review(rv(privilegedPod()), enforce('baseline'));
    expect(r.response.allowed).toBe(false);
    expect(r.response.status?.code).toBe(403);
    const lines = (r.response.status?.message ?? '').split('\n');
    expect(lines[0]).toMatch(/^bulwark: Pod "p" in namespace "ml" violates policy "baseline:latest" \(1 failed check\):$/);
    expect(lines[1]).toMatch(/^- k8s\/pss-privileged spec\.containers\[0\]\.securityContext\.privileged: container "app" is privileged .*; fix: Remove `securityContext\.privileged: true`\.$/);
    expect(lines).toHaveLength(2);
    expect(r.response.auditAnnotations?.['enforce-violations']).toBe('k8s/pss-privileged');
  });

  it('turns on the Bulwark rules of the level (runtime socket at baseline, image pinning at restricted)', () => {
    const sock = pod({ volumes: [{ name: 's', hostPath: { path: '/run/containerd/containerd.sock' } }] });
    const base = evaluate(rv(sock), enforce('baseline'));
    expect(base.ok && base.evaluation.modes[0]?.rules).toContain('k8s/runtime-socket-mount');
    // The PSS check fails too (reported by the more specific rule, or by the PSS rule).
    expect(base.ok && base.evaluation.findings.some((f) => f.controls?.includes('pss:hostPathVolumes'))).toBe(true);
    const tagged = pod({ containers: [{ name: 'app', image: 'nginx:1.27', securityContext: GOOD_SC }] });
    expect(review(rv(tagged), enforce('baseline')).response.allowed).toBe(true);
    const r = evaluate(rv(tagged), enforce('restricted'));
    expect(r.ok && r.evaluation.modes[0]?.rules).toEqual(['k8s/image-not-pinned']);
  });

  it('warn mode: allowed with bounded warnings; audit mode: audit annotations', () => {
    const many = pod({ containers: Array.from({ length: 40 }, (_, i) => ({ name: `c${i}`, image: 'x', securityContext: { privileged: true } })) });
    const w = review(rv(many), labels({ 'bulwark.dev/warn': 'restricted' }));
    expect(w.response.allowed).toBe(true);
    const warnings = w.response.warnings ?? [];
    expect(warnings.length).toBeGreaterThan(5);
    for (const x of warnings) expect(x.length).toBeLessThanOrEqual(MAX_WARNING_CHARS);
    expect(warnings.reduce((s, x) => s + x.length, 0)).toBeLessThanOrEqual(MAX_WARNINGS_TOTAL_CHARS);
    expect(warnings.at(-1)).toMatch(/more warnings left out/);
    const a = review(rv(privilegedPod()), labels({ 'bulwark.dev/audit': 'baseline' }));
    expect(a.response.allowed).toBe(true);
    expect(a.response.warnings).toBeUndefined();
    expect(a.response.auditAnnotations?.['audit-violations']).toMatch(/^would violate "baseline:latest": k8s\/pss-privileged \(spec\.containers\[0\]\.securityContext\.privileged\)$/);
  });

  it('does not add warnings to a denied request (PSA)', () => {
    const r = review(rv(privilegedPod()), labels({ 'bulwark.dev/enforce': 'baseline', 'bulwark.dev/warn': 'restricted' }));
    expect(r.response.allowed).toBe(false);
    expect(r.response.warnings).toBeUndefined();
  });

  it('judges controllers by their template: denied in enforce mode, or only warned (controllers: warn)', () => {
    const d = wrapInDeployment(privilegedPod());
    const denied = review(rv(d), enforce('baseline'));
    expect(denied.response.allowed).toBe(false);
    expect(denied.response.status?.message).toMatch(/Deployment "wrapped" in namespace "ml" \(its pods would be refused\)/);
    expect(denied.response.status?.message).toContain('spec.template.spec.containers[0].securityContext.privileged');
    const warned = review(rv(d), enforce('baseline', { ...DEFAULT_SETTINGS, controllers: 'warn' }));
    expect(warned.response.allowed).toBe(true);
    expect(warned.response.warnings?.[0]).toMatch(/^pods of this Deployment would be refused by "baseline:latest": k8s\/pss-privileged/);
    for (const kind of [
      { apiVersion: 'batch/v1', kind: 'CronJob', spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: (privilegedPod()['spec'] as JsonObject) } } } } },
      { apiVersion: 'apps/v1', kind: 'DaemonSet', spec: { selector: {}, template: { spec: privilegedPod()['spec'] as JsonObject } } },
    ]) {
      expect(review(rv({ ...kind, metadata: { name: 'x' } } as JsonObject), enforce('baseline')).response.allowed).toBe(false);
    }
  });

  it('allows DELETE, CONNECT, other resources and subresources without looking at the object', () => {
    const policy = enforce('restricted');
    expect(evaluate(rv(privilegedPod(), { operation: 'DELETE' }), policy)).toMatchObject({ ok: true, evaluation: { reason: 'operation', review: { response: { allowed: true } } } });
    expect(evaluate(rv(privilegedPod(), { subResource: 'status', operation: 'UPDATE' }), policy)).toMatchObject({ ok: true, evaluation: { reason: 'subresource' } });
    expect(evaluate(rv({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: {} }), policy)).toMatchObject({ ok: true, evaluation: { reason: 'not-a-workload' } });
    const scale = rv(wrapInDeployment(privilegedPod()), { subResource: 'scale', operation: 'UPDATE' });
    expect(evaluate(scale, policy)).toMatchObject({ ok: true, evaluation: { reason: 'subresource', review: { response: { allowed: true } } } });
    // pods/ephemeralcontainers is judged.
    expect(review(rv(privilegedPod(), { subResource: 'ephemeralcontainers', operation: 'UPDATE' }), policy).response.allowed).toBe(false);
  });

  it('exempts namespaces, users and runtime classes (audit annotation exempt)', () => {
    const s: AdmissionSettings = { ...DEFAULT_SETTINGS, exemptions: { namespaces: ['kube-system'], usernames: ['system:serviceaccount:kube-system:daemon-set-controller'], runtimeClasses: ['kata'] } };
    expect(review(rv(privilegedPod(), { namespace: 'kube-system' }), enforce('restricted', s)).response).toMatchObject({ allowed: true, auditAnnotations: { exempt: 'namespace' } });
    expect(review(rv(privilegedPod(), { username: 'system:serviceaccount:kube-system:daemon-set-controller' }), enforce('restricted', s)).response).toMatchObject({ allowed: true, auditAnnotations: { exempt: 'user' } });
    const kata = pod({ runtimeClassName: 'kata', containers: [{ name: 'a', image: 'x', securityContext: { privileged: true } }] });
    expect(review(rv(kata), enforce('restricted', s)).response).toMatchObject({ allowed: true, auditAnnotations: { exempt: 'runtimeClass' } });
  });

  it('skips updates that do not change what the pod runs; judges image changes', () => {
    const old = privilegedPod();
    const relabelled = privilegedPod();
    (relabelled['metadata'] as JsonObject)['labels'] = { team: 'x' };
    expect(evaluate(rv(relabelled, { operation: 'UPDATE', oldObject: old }), enforce('baseline'))).toMatchObject({ ok: true, evaluation: { reason: 'unchanged', review: { response: { allowed: true } } } });
    const newImage = privilegedPod();
    (((newImage['spec'] as JsonObject)['containers'] as JsonObject[])[0] as JsonObject)['image'] = 'nginx:2';
    expect(review(rv(newImage, { operation: 'UPDATE', oldObject: old }), enforce('baseline')).response.allowed).toBe(false);
    // A controller whose template is unchanged (scaling) passes; a changed template is judged.
    const d = wrapInDeployment(privilegedPod());
    const scaled = wrapInDeployment(privilegedPod());
    (scaled['spec'] as JsonObject)['replicas'] = 5;
    expect(evaluate(rv(scaled, { operation: 'UPDATE', oldObject: d }), enforce('baseline'))).toMatchObject({ ok: true, evaluation: { reason: 'unchanged' } });
    const changed = wrapInDeployment(pod());
    expect(review(rv(d, { operation: 'UPDATE', oldObject: changed }), enforce('baseline')).response.allowed).toBe(false);
  });

  it('answers dryRun requests the same way', () => {
    const a = review(rv(privilegedPod(), { uid: 'd' }), enforce('baseline'));
    const b = review(rv(privilegedPod(), { uid: 'd', dryRun: true }), enforce('baseline'));
    expect(b).toEqual(a);
  });

  it('privileged namespaces and missing labels use the cluster defaults', () => {
    expect(evaluate(rv(privilegedPod()), labels({}))).toMatchObject({ ok: true, evaluation: { reason: 'privileged' } });
    const s: AdmissionSettings = { ...DEFAULT_SETTINGS, defaults: { ...DEFAULT_SETTINGS.defaults, enforce: { level: 'baseline', version: 'v1.30' } } };
    const r = review(rv(privilegedPod()), labels({}, s));
    expect(r.response.allowed).toBe(false);
    expect(r.response.status?.message).toContain('"baseline:v1.30"');
    expect(review(rv(privilegedPod()), labels({ 'bulwark.dev/enforce': 'privileged' }, s)).response.allowed).toBe(true);
  });

  it('an invalid label means restricted:latest, with an audit annotation naming it (PSA)', () => {
    const r = review(rv(pod({ serviceAccountName: 'default' })), labels({ 'bulwark.dev/enforce': 'restrictd' }));
    expect(r.response.allowed).toBe(false);
    expect(r.response.auditAnnotations?.['error']).toContain('invalid label bulwark.dev/enforce="restrictd"');
    const v = review(rv(privilegedPod()), labels({ 'bulwark.dev/enforce': 'baseline', 'bulwark.dev/enforce-version': 'v2.0' }));
    expect(v.response.status?.message).toContain('"restricted:latest"');
  });

  it('an object that is not what request.kind says is denied with a message (fail closed)', () => {
    const wrong = rv(pod());
    ((wrong['request'] as JsonObject)['kind'] as JsonObject)['kind'] = 'Deployment';
    ((wrong['request'] as JsonObject)['kind'] as JsonObject)['group'] = 'apps';
    ((wrong['request'] as JsonObject)['resource'] as JsonObject)['group'] = 'apps';
    ((wrong['request'] as JsonObject)['resource'] as JsonObject)['resource'] = 'deployments';
    const r = review(wrong, enforce('baseline'));
    expect(r.response.allowed).toBe(false);
    expect(r.response.status?.message).toContain('scan/malformed-input');
    expect(r.response.status?.message).toContain('request.kind says apps/v1 Deployment but the object is "v1" "Pod"');
    const noSpec = rv({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: 'nope' });
    expect(review(noSpec, enforce('baseline')).response.status?.message).toContain("the Pod's spec is not an object");
    let deep: JsonObject = {};
    const top: JsonObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'd' }, spec: { containers: [] }, x: deep };
    for (let i = 0; i < 1000; i++) {
      const next: JsonObject = {};
      deep['a'] = next;
      deep = next;
    }
    expect(review(rv(top), enforce('baseline')).response.status?.message).toContain('maxStructureDepth');
    // In warn mode the same problem is a warning, not a denial.
    expect(review(noSpec, labels({ 'bulwark.dev/warn': 'baseline' })).response).toMatchObject({ allowed: true, warnings: [expect.stringContaining('scan/malformed-input')] });
  });

  it('bad requests cannot be answered with a review', () => {
    const policy = enforce('baseline');
    const cases: [unknown, RegExp][] = [
      [null, /not an AdmissionReview object/],
      [[], /an array/],
      [{ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: {} }, /unsupported apiVersion "admission.k8s.io\/v1beta1"/],
      [{ apiVersion: 'admission.k8s.io/v1', kind: 'Review', request: {} }, /kind is "Review"/],
      [{ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, /no request/],
      [{ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { kind: {} } }, /request\.uid is missing/],
    ];
    for (const [v, re] of cases) {
      const r = evaluate(v, policy);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.message).toMatch(re);
      expect(() => review(v, policy)).toThrow(re);
    }
  });

  it('suppression annotations let findings pass only when the policy honours them', () => {
    const p = privilegedPod();
    (p['metadata'] as JsonObject)['annotations'] = { 'bulwark.dev/suppress': 'k8s/pss-privileged: the driver installer loads kernel modules' };
    expect(review(rv(p), enforce('baseline')).response.allowed).toBe(false);
    expect(review(rv(p), enforce('baseline', { ...DEFAULT_SETTINGS, suppressions: 'honor' })).response.allowed).toBe(true);
  });

  it('rules turned off in the configuration do not run', () => {
    const selection = createSelection(ADMISSION_REGISTRY.rules, [{ selector: 'k8s/pss-privileged', setting: { enabled: false } }]);
    expect(review(rv(privilegedPod()), enforce('baseline', { ...DEFAULT_SETTINGS, selection })).response.allowed).toBe(true);
  });

  it('an internal error fails closed by default, open when configured', () => {
    const throwing = { state: () => { throw new Error('boom'); } };
    const closed = review(rv(privilegedPod()), enforce('baseline', { ...DEFAULT_SETTINGS, selection: throwing }));
    expect(closed.response).toMatchObject({ allowed: false, status: { code: 500, reason: 'InternalError' } });
    const open = review(rv(privilegedPod()), enforce('baseline', { ...DEFAULT_SETTINGS, selection: throwing, onInternalError: 'allow' }));
    expect(open.response).toMatchObject({ allowed: true, warnings: [expect.stringContaining('fails open')], auditAnnotations: { error: 'internal error: boom' } });
  });

  it('every rule on: still one answer per request', () => {
    const r = evaluate(rv(pod()), enforce('restricted', { ...DEFAULT_SETTINGS, selection: EVERY_RULE }));
    expect(r.ok && r.evaluation.review.response.allowed).toBe(true);
  });
});

describe('policy from the webhook path', () => {
  it('routes mode, level and version; default and invalid levels', () => {
    const s: AdmissionSettings = { ...DEFAULT_SETTINGS, defaults: { ...DEFAULT_SETTINGS.defaults, warn: { level: 'baseline', version: 'v1.29' } } };
    expect(policyForRoute('enforce', 'restricted', 'v1.30', s)).toMatchObject({ ok: true, policy: { modes: { enforce: { level: 'restricted', version: 'v1.30' } } } });
    expect(policyForRoute('warn', 'default', 'default', s)).toMatchObject({ ok: true, policy: { modes: { warn: { level: 'baseline', version: 'v1.29' } } } });
    expect(policyForRoute('audit', 'invalid', 'latest', s)).toMatchObject({ ok: true, policy: { modes: { audit: { level: 'restricted', version: 'latest' } } } });
    expect(policyForRoute('enforce', 'strict', 'latest', s)).toMatchObject({ ok: false });
    expect(policyForRoute('block', 'baseline', 'latest', s)).toMatchObject({ ok: false });
    expect(policyForRoute('enforce', 'baseline', 'v9', s)).toMatchObject({ ok: false });
    expect(Object.keys(policyFromDefaults(s).modes)).toEqual(['enforce', 'warn', 'audit']);
  });
});
