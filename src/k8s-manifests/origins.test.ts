/**
 * Objects from anywhere: the same object loaded from YAML and built from JSON (as an AdmissionReview or
 * an audit event delivers it) gets the same findings, located by line/column in the file and by field
 * path + JSON pointer at the anchor; and `reviewObject`, the admission entry point.
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { AdmissionRequestLocation, AuditEventLocation, Finding } from '../findings/index.js';
import { Reporter, createSelection } from '../rules/index.js';
import { ClusterIndex } from './cluster-index.js';
import { dispatch } from './dispatch.js';
import { reviewObject } from './index.js';
import { objectFromJson } from './json-objects.js';
import type { RuleReporter } from './k8s-rule.js';
import type { JsonObject, ManifestObject } from './model.js';
import { jsonPointer, locationOf } from './model.js';
import { resolveK8sOptions } from './options.js';
import { K8S_RULES } from './rule-list.js';
import { CHECK_RULES } from './rules/index.js';
import { analyze, collect, loadText } from './test-helpers.js';

const ANCHOR: AdmissionRequestLocation = { kind: 'admission-request', path: 'webhook', uid: '7f0c-1', operation: 'CREATE', user: 'alice', resource: 'v1/pods' };
const AUDIT: AuditEventLocation = { kind: 'audit-event', path: 'audit.log', line: 12, auditID: 'a-1', timestamp: '2026-01-02T03:04:05Z', user: 'bob', verb: 'create', resource: 'apps/deployments' };

/** A Pod that breaks many rules at once (baseline and restricted PSS, GPU, secrets, images, sockets). */
function hostilePod(): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'eval',
      namespace: 'ml',
      annotations: { 'bulwark.dev/untrusted-models': 'true', 'bulwark.dev/suppress': 'k8s/image-latest: vendor image, reviewed', 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' },
    },
    spec: {
      hostNetwork: true,
      volumes: [{ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }, { name: 'gpu', hostPath: { path: '/dev/nvidia0' } }, { name: 'models', persistentVolumeClaim: { claimName: 'llama-weights' } }, { name: 'scratch' }],
      initContainers: [{ name: 'fetch', image: 'busybox:1.36', args: ['--token', `hf_${'aBcDeFgHiJ'.repeat(4)}`], env: [{ name: 'NVIDIA_VISIBLE_DEVICES', value: 'all' }] }],
      containers: [
        {
          name: 'app',
          image: 'nvidia/cuda',
          securityContext: { privileged: true, capabilities: { add: ['SYS_ADMIN'] } },
          env: [
            { name: 'NVIDIA_VISIBLE_DEVICES', value: 'all' },
            { name: 'OPENAI_API_KEY', value: 'sk-proj-abcdefghijklmnopqrstuvwxyz012345' },
          ],
          ports: [{ containerPort: 8000, hostPort: 8000 }],
          resources: { requests: { 'nvidia.com/gpu': 1 } },
          volumeMounts: [{ name: 'models', mountPath: '/models' }],
        },
      ],
    },
  };
}

function hostileDeployment(): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'llm', namespace: 'ml' },
    spec: { selector: { matchLabels: { app: 'llm' } }, template: { metadata: { labels: { app: 'llm' } }, spec: { hostPID: true, containers: [{ name: 'server', image: 'vllm/vllm-openai:v0.6.3', securityContext: { runAsUser: 0 } }] } } },
  };
}

const copy = (v: JsonObject): JsonObject => JSON.parse(JSON.stringify(v)) as JsonObject;

function fromYaml(value: JsonObject): ManifestObject {
  const r = loadText(stringify(value), 'pod.yaml');
  expect(r.findings).toEqual([]);
  expect(r.objects).toHaveLength(1);
  return r.objects[0] as ManifestObject;
}

/** What must agree between origins: rule, severity, field, message, evidence, suppression. */
function essence(fs: readonly Finding[]): string[] {
  return fs
    .map((f) => {
      const l = f.location;
      const field = l.kind === 'k8s-object' || l.kind === 'admission-request' || l.kind === 'audit-event' ? (l.fieldPath ?? '?') : `(${l.kind})`;
      return `${f.ruleId} ${f.severity} ${field} | ${f.message} | ${f.evidence ?? ''} | ${f.suppressed?.reason ?? ''}`;
    })
    .sort();
}

describe('the same object from YAML and from JSON', () => {
  for (const [name, build] of [
    ['Pod', hostilePod],
    ['Deployment', hostileDeployment],
  ] as const) {
    it(`${name}: same rule ids, field paths, messages and suppressions`, () => {
      const file = analyze([fromYaml(build())], { pssLevel: 'restricted' });
      const json = analyze([objectFromJson(copy(build()), ANCHOR)], { pssLevel: 'restricted' });
      expect(file.length).toBeGreaterThan(5);
      expect(essence(json)).toEqual(essence(file));
      expect(file.every((f) => f.location.kind === 'k8s-object')).toBe(true);
      expect(json.every((f) => f.location.kind === 'admission-request')).toBe(true);
    });
  }

  it('the hostile Pod fires the rules it was built for', () => {
    const ids = new Set(analyze([objectFromJson(hostilePod(), ANCHOR)]).map((f) => f.ruleId));
    for (const id of [
      'k8s/pss-privileged',
      'k8s/pss-host-namespaces',
      'k8s/pss-host-ports',
      'k8s/pss-apparmor-profile',
      'k8s/pss-capabilities-restricted',
      'k8s/runtime-socket-mount',
      'k8s/gpu-device-host-access',
      'k8s/gpu-request-without-limit',
      'k8s/nvidia-visible-devices',
      'k8s/untrusted-model-without-sandbox',
      'k8s/secret-in-env',
      'k8s/image-latest',
      'k8s/image-not-pinned',
      'k8s/missing-resource-limits',
      'k8s/model-volume-writable',
      'k8s/default-service-account',
    ]) {
      expect(ids, id).toContain(id);
    }
  });

  it('a JSON object is located at its anchor with field path and RFC 6901 pointer', () => {
    const fs = analyze([objectFromJson(hostilePod(), ANCHOR)]);
    const priv = fs.find((f) => f.ruleId === 'k8s/pss-privileged');
    expect(priv?.location).toEqual({
      ...ANCHOR,
      apiVersion: 'v1',
      objectKind: 'Pod',
      namespace: 'ml',
      name: 'eval',
      fieldPath: 'spec.containers[0].securityContext.privileged',
      pointer: '/spec/containers/0/securityContext/privileged',
    });
    const apparmor = fs.find((f) => f.ruleId === 'k8s/pss-apparmor-profile');
    expect(apparmor?.location).toMatchObject({ fieldPath: 'metadata.annotations["container.apparmor.security.beta.kubernetes.io/app"]', pointer: '/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1app' });
    expect(fs.find((f) => f.ruleId === 'k8s/image-latest')?.suppressed).toEqual({ reason: 'vendor image, reviewed', source: 'annotation bulwark.dev/suppress on Pod ml/eval' });
  });

  it('an audit-event anchor works the same way', () => {
    const obj = objectFromJson(hostileDeployment(), AUDIT);
    const f = analyze([obj]).find((x) => x.ruleId === 'k8s/pss-host-namespaces');
    expect(f?.location).toMatchObject({ kind: 'audit-event', auditID: 'a-1', line: 12, objectKind: 'Deployment', name: 'llm', fieldPath: 'spec.template.spec.hostPID', pointer: '/spec/template/spec/hostPID' });
    expect(f?.location.path).toBe('audit.log');
  });

  it('takes the namespace from the anchor when the object has none, and applies API defaulting', () => {
    const value = hostilePod();
    delete (value['metadata'] as JsonObject)['namespace'];
    const obj = objectFromJson(value, { ...ANCHOR, namespace: 'team-a' });
    expect(obj.namespace).toBe('team-a');
    expect(locationOf(obj, ['spec'])).toMatchObject({ namespace: 'team-a', pointer: '/spec' });
    // the volume without a source became an emptyDir, as the API server defaults it
    expect(((obj.value['spec'] as JsonObject)['volumes'] as JsonObject[])[3]).toEqual({ name: 'scratch', emptyDir: {} });
  });

  it('objects of both origins survive structured cloning (worker threads) with their findings', () => {
    for (const obj of [fromYaml(hostilePod()), objectFromJson(hostilePod(), ANCHOR)]) {
      const clone = structuredClone(obj);
      expect(clone).toEqual(obj);
      expect(essence(analyze([clone]))).toEqual(essence(analyze([obj])));
    }
  });

  it('escapes JSON pointers (RFC 6901)', () => {
    expect(jsonPointer(['metadata', 'annotations', 'a/b~c', 3])).toBe('/metadata/annotations/a~1b~0c/3');
    expect(jsonPointer([])).toBe('');
  });
});

describe('reviewObject (admission)', () => {
  const review = (obj: ManifestObject, level: 'baseline' | 'restricted', version = 'latest', sandboxRuntimeClasses?: readonly string[]): Finding[] =>
    collect((r) => reviewObject(obj, { level, version, ...(sandboxRuntimeClasses !== undefined && { sandboxRuntimeClasses }) }, r));
  const ids = (fs: readonly Finding[]): string[] => [...new Set(fs.map((f) => f.ruleId))].sort();
  const levelOf = new Map(K8S_RULES.map((r) => [r.id, r.admission?.level]));

  it('runs only rules with admission metadata, at or below the level', () => {
    const obj = objectFromJson(hostilePod(), ANCHOR);
    const baseline = ids(review(obj, 'baseline'));
    const restricted = ids(review(obj, 'restricted'));
    expect(baseline.length).toBeGreaterThan(3);
    for (const id of baseline) expect(levelOf.get(id), id).toBe('baseline');
    for (const id of restricted) expect(levelOf.get(id), id).toBeDefined();
    // restricted runs every baseline rule: what a baseline check forbids is graded by its baseline rule at
    // every level, even where upstream's restricted check replaces it (hostPath, added capabilities)
    // (its hostPaths are a runtime socket and GPU device nodes: the specific rules report them, with pss:hostPathVolumes)
    expect(baseline).toEqual(expect.arrayContaining(['k8s/pss-capabilities-baseline', 'k8s/runtime-socket-mount', 'k8s/gpu-device-host-access']));
    expect(restricted).toEqual(expect.arrayContaining([...baseline, 'k8s/pss-capabilities-restricted', 'k8s/secret-in-env', 'k8s/default-service-account', 'k8s/untrusted-model-without-sandbox']));
    // rules that need other objects do not run on one object
    expect(restricted).not.toContain('k8s/missing-resource-limits');
    expect(restricted).not.toContain('k8s/automount-sa-token');
    expect(restricted.some((id) => id.startsWith('k8s/netpol-') || id.startsWith('k8s/rbac-'))).toBe(false);
  });

  it('agrees with analyzeManifests on the admission rules, for both origins', () => {
    for (const obj of [fromYaml(hostilePod()), objectFromJson(hostilePod(), ANCHOR)]) {
      const admissionIds = new Set(K8S_RULES.filter((r) => r.admission !== undefined).map((r) => r.id));
      const full = analyze([obj], { pssLevel: 'restricted' }).filter((f) => admissionIds.has(f.ruleId));
      expect(essence(review(obj, 'restricted'))).toEqual(essence(full));
    }
  });

  it('evaluates PSS at the requested version and names a pinned version', () => {
    const value = hostileDeployment();
    const spec = ((value['spec'] as JsonObject)['template'] as JsonObject)['spec'] as JsonObject;
    (spec['containers'] as JsonObject[])[0] = { name: 'server', image: 'x', livenessProbe: { httpGet: { host: '10.0.0.1', port: 80 } } };
    const obj = objectFromJson(value, ANCHOR);
    expect(ids(review(obj, 'baseline', 'v1.33'))).not.toContain('k8s/pss-host-probes');
    const latest = review(obj, 'baseline').filter((f) => f.ruleId === 'k8s/pss-host-probes');
    expect(latest.map((f) => f.message.endsWith('(Pod Security Standards baseline)'))).toEqual([true]);
    const pinned = review(obj, 'baseline', 'v1.34').filter((f) => f.ruleId === 'k8s/pss-host-probes');
    expect(pinned.map((f) => f.message.endsWith('(Pod Security Standards baseline, v1.34)'))).toEqual([true]);
    expect(() => review(obj, 'baseline', '1.30')).toThrow(/--pss-version/);
  });

  it('accepts sandbox RuntimeClass names as options (no RuntimeClass object is known at admission)', () => {
    const value = hostilePod();
    (value['spec'] as JsonObject)['runtimeClassName'] = 'secure-gpu';
    const obj = objectFromJson(value, ANCHOR);
    expect(ids(review(obj, 'restricted'))).toContain('k8s/untrusted-model-without-sandbox');
    expect(ids(review(obj, 'restricted', 'latest', ['secure-gpu']))).not.toContain('k8s/untrusted-model-without-sandbox');
  });
});

describe('the dispatcher and the Reporter', () => {
  it('does not run the checks of rules the Reporter says are disabled', () => {
    const obj = objectFromJson(hostilePod(), ANCHOR);
    const asked: string[] = [];
    const off = new Set(['k8s/runtime-socket-mount', 'k8s/ai-service-exposed']);
    const reporter: RuleReporter = {
      enabled: (rule) => {
        asked.push(rule.id);
        return !off.has(rule.id);
      },
      report: (rule) => {
        if (off.has(rule.id)) throw new Error(`${rule.id} ran although disabled`);
      },
    };
    const index = new ClusterIndex([obj]);
    dispatch({ objects: [obj], index, options: resolveK8sOptions(), rules: CHECK_RULES, reporter });
    expect(new Set(asked)).toEqual(new Set(CHECK_RULES.map((r) => r.id)));
  });

  it('a user selection turns rules off and regrades them for every origin', () => {
    const selection = createSelection(K8S_RULES, [
      { selector: 'k8s/pss-*', setting: { enabled: false } },
      { selector: 'tag:gpu', setting: { severity: 'low' } },
    ]);
    for (const obj of [fromYaml(hostilePod()), objectFromJson(hostilePod(), ANCHOR)]) {
      const reporter = new Reporter({ selection });
      reviewObject(obj, { level: 'restricted', version: 'latest' }, reporter);
      const fs = reporter.finish();
      expect(fs.some((f) => f.ruleId.startsWith('k8s/pss-'))).toBe(false);
      const gpu = fs.filter((f) => f.ruleId === 'k8s/gpu-device-host-access');
      expect(gpu.length).toBeGreaterThan(0);
      expect(gpu.every((f) => f.severity === 'low')).toBe(true);
    }
  });

  it('caps findings per target path (maxFindingsPerTarget) and says how many were left out', () => {
    const obj = fromYaml(hostilePod());
    const reporter = new Reporter({ maxPerTarget: 3 });
    reviewObject(obj, { level: 'restricted', version: 'latest' }, reporter);
    const fs = reporter.finish();
    expect(fs.filter((f) => f.ruleId.startsWith('k8s/'))).toHaveLength(3);
    expect(fs.find((f) => f.ruleId === 'scan/limit-exceeded')?.evidence).toBe('maxFindingsPerTarget');
    expect(reporter.partialPaths().has('pod.yaml')).toBe(true);
  });
});
