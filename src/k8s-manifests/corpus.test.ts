/**
 * Real public AI manifests (test-fixtures/k8s, sources and commits in its README): every pod template
 * of every kind is analysed (counted per kind), text that is not a manifest is told apart, and the
 * loader agrees with libyaml about which files are valid YAML. The precision of the heuristic rules on
 * this corpus is measured in docs/rules/k8s/precision.md.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../findings/index.js';
import { DEFAULT_LIMITS } from '../limits/index.js';
import { Reporter } from '../rules/index.js';
import { analyzeManifests } from './analyze.js';
import type { ManifestTextKind } from './load.js';
import { loadManifestText } from './load.js';
import type { ManifestObject } from './model.js';
import { podTemplatesOf } from './workloads.js';

const ROOT = join(import.meta.dirname, '../../test-fixtures/k8s');
/** The projects of the corpus, scanned as one path argument each (scopes.ts). */
const PROJECTS = ['argoproj/argo-workflows', 'kserve/kserve', 'kubeflow/katib', 'kubeflow/manifests', 'kubeflow/trainer', 'NVIDIA/gpu-operator', 'ray-project/kuberay', 'triton-inference-server/server', 'vllm-project/production-stack'];

function files(dir: string): string[] {
  const out: string[] = [];
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop() as string;
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) {
        if (n !== 'yaml-edge') stack.push(p);
      } else if (/\.(ya?ml|json)$/.test(n)) out.push(p);
    }
  }
  return out.sort();
}

const rel = (p: string): string => relative(ROOT, p).split(sep).join('/');

const loaded = (() => {
  const reporter = new Reporter();
  const kinds = new Map<string, ManifestTextKind>();
  const objects: ManifestObject[] = [];
  for (const f of files(ROOT)) {
    const r = loadManifestText(readFileSync(f, 'utf8'), rel(f), DEFAULT_LIMITS, reporter);
    kinds.set(rel(f), r.kind);
    for (const o of r.objects) objects.push(o);
  }
  analyzeManifests(objects, { inputRoots: PROJECTS }, reporter);
  return { kinds, objects, findings: reporter.finish() };
})();

const count = <T>(xs: readonly T[], key: (x: T) => string): Record<string, number> => {
  const m: Record<string, number> = {};
  for (const x of xs) m[key(x)] = (m[key(x)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
};

describe('the public AI manifests corpus', () => {
  it('tells manifests from templates and values', () => {
    const notManifests = [...loaded.kinds].filter(([, k]) => k !== 'manifest');
    expect(Object.fromEntries(notManifests)).toEqual({
      'triton-inference-server/server/deploy/aws/Chart.yaml': 'not-manifest',
      'triton-inference-server/server/deploy/aws/templates/deployment.yaml': 'helm-template',
      'triton-inference-server/server/deploy/aws/templates/secrets.yaml': 'helm-template',
      'vllm-project/production-stack/tutorials/assets/values-01-minimal-example.yaml': 'not-manifest',
      'vllm-project/production-stack/tutorials/assets/values-11-secure-vllm.yaml': 'not-manifest',
    });
  });

  it('loads every file libyaml accepts; the one file libyaml rejects is a high finding', () => {
    const scan = loaded.findings.filter((f) => f.ruleId.startsWith('scan/'));
    expect(scan.map((f) => [f.ruleId, f.severity, f.location.path])).toEqual([['scan/malformed-input', 'high', 'kserve/kserve/docs/samples/custom/torchserve/torchserve-custom-pv.yaml']]);
  });

  it('analyses the pod templates of every kind (count per kind)', () => {
    const templates = loaded.objects.flatMap((o) => podTemplatesOf(o).map(() => o.kind));
    expect(count(templates, (k) => k)).toEqual({
      ClusterServingRuntime: 2,
      ClusterTrainingRuntime: 1,
      ClusterWorkflowTemplate: 5,
      CronWorkflow: 1,
      DaemonSet: 5,
      Deployment: 2,
      Experiment: 3,
      InferenceService: 8,
      LLMInferenceService: 2,
      Pod: 1,
      RayCluster: 4,
      RayCronJob: 2,
      RayJob: 2,
      RayService: 2,
      ServingRuntime: 2,
      TrainJob: 1,
      Workflow: 20,
    });
  });

  it('says which containers it could not analyse instead of staying silent', () => {
    const coverage = loaded.findings.filter((f: Finding) => f.ruleId === 'k8s/pod-template-not-analysed');
    expect(coverage.map((f) => (f.location.kind === 'k8s-object' ? `${f.location.path} ${f.location.fieldPath}` : ''))).toEqual([
      'argoproj/argo-workflows/examples/pod-spec-patch.yaml spec.templates[0].podSpecPatch',
      'kubeflow/katib/examples/v1beta1/kubeflow-training-operator/trainjob-pytorch.yaml spec.trialTemplate.trialSpec.kind',
    ]);
  });

  it('reports the same object defined in two files of one project', () => {
    const conflicts = loaded.findings.filter((f) => f.ruleId === 'k8s/object-conflict');
    expect(conflicts.map((f) => [f.severity, f.location.path])).toEqual([['low', 'ray-project/kuberay/ray-operator/config/samples/ray-cluster.separate-ingress.yaml']]);
  });
});
