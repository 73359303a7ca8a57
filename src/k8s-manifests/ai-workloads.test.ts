/**
 * Pod templates of AI custom resources as data (issue 10, item 1): every kind of the workload table
 * yields its pods where its controller builds them, with exact field paths; KServe components are the
 * pods KServe generates; pods completed by another object are judged on what they write; unknown kinds
 * that hold containers get a coverage finding. The corpus test counts the pod templates per kind on the
 * real public manifests of test-fixtures/k8s (sources in its README).
 */
import { describe, expect, it } from 'vitest';
import type { ManifestObject } from './model.js';
import { formatFieldPath } from './model.js';
import { analyzeText, loadText } from './test-helpers.js';
import { containersOf, podFieldPath, podTemplatesOf } from './workloads.js';

const one = (yaml: string): ManifestObject => {
  const r = loadText(yaml);
  expect(r.findings).toEqual([]);
  const o = r.objects[0];
  if (!o) throw new Error('no object');
  return o;
};
const shape = (o: ManifestObject): { role: string | undefined; spec: string; containers: string[]; partial: boolean }[] =>
  podTemplatesOf(o).map((t) => ({ role: t.role, spec: formatFieldPath(t.specPath), containers: containersOf(t).map((c) => `${c.name}@${formatFieldPath(c.path)}${c.partial === true ? '*' : ''}`), partial: t.partial === true }));

describe('KServe: the pods KServe generates', () => {
  it('InferenceService predictor (framework spec as the partial kserve-container, custom containers), transformer, explainer, worker', () => {
    const o = one(`apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {name: llm, namespace: ml}
spec:
  predictor:
    serviceAccountName: llm
    model:
      modelFormat: {name: huggingface}
      storageUri: hf://meta-llama/Llama-3-8B
    containers:
    - name: sidecar
      image: busybox:1.36
    workerSpec:
      containers:
      - name: worker
        image: vllm/vllm-openai:v0.6.3
  transformer:
    containers:
    - name: t
      image: kserve/image-transformer:v0.14.0
  explainer:
    art:
      type: SquareAttack
`);
    expect(shape(o)).toEqual([
      { role: 'predictor', spec: 'spec.predictor', containers: ['sidecar@spec.predictor.containers[0]', 'kserve-container@spec.predictor.model*'], partial: false },
      { role: 'predictor-worker', spec: 'spec.predictor.workerSpec', containers: ['worker@spec.predictor.workerSpec.containers[0]'], partial: false },
      { role: 'transformer', spec: 'spec.transformer', containers: ['t@spec.transformer.containers[0]'], partial: false },
      { role: 'explainer', spec: 'spec.explainer', containers: ['kserve-container@spec.explainer.art*'], partial: false },
    ]);
    expect(podTemplatesOf(o)[0]?.serviceAccountName).toBe('llm');
  });

  it('an InferenceService with privileged, hostNetwork and a literal Hugging Face token is no longer silent', () => {
    const fs = analyzeText(`apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {name: llm, namespace: ml}
spec:
  predictor:
    hostNetwork: true
    model:
      modelFormat: {name: huggingface}
      env:
      - name: HF_TOKEN
        value: hf_aBcDeFgHiJaBcDeFgHiJaBcDeFgHiJaBcDeFgHiJ
      securityContext: {privileged: true}
`);
    const ids = fs.map((f) => f.ruleId);
    expect(ids).toEqual(expect.arrayContaining(['k8s/pss-privileged', 'k8s/pss-host-namespaces', 'k8s/secret-in-env']));
    // The framework container is completed by the ServingRuntime: fields it leaves out are not judged.
    expect(fs.filter((f) => f.ruleId === 'k8s/pss-allow-privilege-escalation' && f.location.kind === 'k8s-object' && f.location.fieldPath.startsWith('spec.predictor.model'))).toEqual([]);
  });

  it('ServingRuntime and ClusterServingRuntime are partial pods; LLMInferenceService(Config) too', () => {
    const rt = one('apiVersion: serving.kserve.io/v1alpha1\nkind: ClusterServingRuntime\nmetadata: {name: rt}\nspec:\n  containers:\n  - {name: kserve-container, image: kserve/sklearnserver:v0.14.0}\n');
    expect(shape(rt)).toEqual([{ role: 'runtime', spec: 'spec', containers: ['kserve-container@spec.containers[0]*'], partial: true }]);
    expect(podTemplatesOf(rt)[0]?.admission).toBe('referrer');
    const llm = one('apiVersion: serving.kserve.io/v1alpha1\nkind: LLMInferenceService\nmetadata: {name: l}\nspec:\n  template:\n    containers: [{name: main}]\n  router:\n    scheduler:\n      template:\n        containers: [{name: epp, image: x:1}]\n');
    expect(shape(llm).map((t) => [t.role, t.partial])).toEqual([
      ['decode', true],
      ['scheduler', true],
    ]);
  });
});

describe('Argo: one pod per template that runs containers', () => {
  const wf = `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: train-, namespace: ml}
spec:
  hostNetwork: true
  securityContext: {runAsNonRoot: true}
  volumes:
  - name: host
    hostPath: {path: /var/run/docker.sock}
  templates:
  - name: main
    steps:
    - - {name: a, template: build}
  - name: build
    serviceAccountName: builder
    initContainers:
    - {name: fetch, image: alpine:3.20}
    container:
      image: golang:1.22
    sidecars:
    - name: dind
      image: docker:27-dind
      securityContext: {privileged: true}
  - name: pair
    containerSet:
      containers:
      - {name: a, image: x:1}
      - {name: b, image: x:1}
`;
  it('merges the workflow-level pod fields with the template, with the path of each field', () => {
    const o = one(wf);
    const ts = podTemplatesOf(o);
    expect(ts.map((t) => t.role)).toEqual(['build', 'pair']);
    const build = ts[0];
    if (!build) throw new Error('no template');
    expect(containersOf(build).map((c) => `${c.list}:${c.name}@${formatFieldPath(c.path)}`)).toEqual([
      'initContainers:fetch@spec.templates[1].initContainers[0]',
      'containers:main@spec.templates[1].container',
      'containers:dind@spec.templates[1].sidecars[0]',
    ]);
    expect(build.serviceAccountName).toBe('builder');
    expect(formatFieldPath(podFieldPath(build, 'hostNetwork'))).toBe('spec.hostNetwork');
    expect(formatFieldPath(podFieldPath(build, 'serviceAccountName'))).toBe('spec.templates[1].serviceAccountName');
    expect(build.volumes.map((v) => formatFieldPath(v.path))).toEqual(['spec.volumes[0]']);
  });
  it('the rules report at the fields where they are written', () => {
    const fs = analyzeText(wf);
    const at = (id: string): string[] => fs.filter((f) => f.ruleId === id).map((f) => (f.location.kind === 'k8s-object' ? f.location.fieldPath : ''));
    expect(at('k8s/pss-host-namespaces')).toEqual(['spec.hostNetwork', 'spec.hostNetwork']);
    expect(at('k8s/pss-privileged')).toEqual(['spec.templates[1].sidecars[0].securityContext.privileged']);
    expect(at('k8s/runtime-socket-mount')).toEqual(['spec.volumes[0].hostPath.path', 'spec.volumes[0].hostPath.path']);
    // Argo's executor needs the pod's API token: no automount finding on workflow pods.
    expect(at('k8s/automount-sa-token')).toEqual([]);
  });
  it('CronWorkflow and ClusterWorkflowTemplate', () => {
    const cron = one('apiVersion: argoproj.io/v1alpha1\nkind: CronWorkflow\nmetadata: {name: c}\nspec:\n  workflowSpec:\n    templates:\n    - name: t\n      script: {image: python:3.12, source: print(1)}\n');
    expect(shape(cron).map((t) => t.containers)).toEqual([['main@spec.workflowSpec.templates[0].script']]);
    const cwt = one('apiVersion: argoproj.io/v1alpha1\nkind: ClusterWorkflowTemplate\nmetadata: {name: c}\nspec:\n  templates:\n  - name: t\n    container: {image: x:1}\n');
    expect(podTemplatesOf(cwt)[0]?.admission).toBe('referrer');
  });
});

describe('Kubeflow, Katib, KubeRay', () => {
  it('Trainer v2: runtimes are JobSet templates; a TrainJob completes them (partial)', () => {
    const rt = one('apiVersion: trainer.kubeflow.org/v1alpha1\nkind: TrainingRuntime\nmetadata: {name: r, namespace: ml}\nspec:\n  template:\n    spec:\n      replicatedJobs:\n      - name: node\n        template:\n          spec:\n            template:\n              spec:\n                containers: [{name: node, image: pytorch/pytorch:2.4.0}]\n');
    expect(shape(rt)).toEqual([{ role: 'node', spec: 'spec.template.spec.replicatedJobs[0].template.spec.template.spec', containers: ['node@spec.template.spec.replicatedJobs[0].template.spec.template.spec.containers[0]'], partial: false }]);
    const job = one('apiVersion: trainer.kubeflow.org/v1alpha1\nkind: TrainJob\nmetadata: {name: j, namespace: ml}\nspec:\n  runtimeRef: {name: torch-distributed}\n  trainer:\n    image: ghcr.io/x/train:1\n    env: [{name: HF_TOKEN, value: x}]\n  initializer:\n    model: {storageUri: hf://x}\n');
    expect(shape(job)).toEqual([{ role: 'trainer', spec: 'spec', containers: ['node@spec.trainer*', 'model-initializer@spec.initializer.model*'], partial: true }]);
  });
  it('Katib: the trial object, whatever workload kind it is', () => {
    const exp = one('apiVersion: kubeflow.org/v1beta1\nkind: Experiment\nmetadata: {name: e, namespace: ml}\nspec:\n  trialTemplate:\n    trialSpec:\n      apiVersion: kubeflow.org/v1\n      kind: PyTorchJob\n      spec:\n        pytorchReplicaSpecs:\n          Master:\n            template:\n              spec:\n                containers: [{name: pytorch, image: x:1}]\n');
    expect(shape(exp).map((t) => [t.role, t.spec])).toEqual([['trial/Master', 'spec.trialTemplate.trialSpec.spec.pytorchReplicaSpecs.Master.template.spec']]);
    const unknown = analyzeText('apiVersion: kubeflow.org/v1beta1\nkind: Experiment\nmetadata: {name: e, namespace: ml}\nspec:\n  trialTemplate:\n    trialSpec:\n      apiVersion: example.com/v1\n      kind: TrainThing\n      spec: {}\n');
    expect(unknown.filter((f) => f.ruleId === 'k8s/pod-template-not-analysed').map((f) => f.message)).toEqual([expect.stringContaining('"TrainThing"')]);
  });
  it('RayJob submitter pod and RayCronJob', () => {
    const job = one('apiVersion: ray.io/v1\nkind: RayJob\nmetadata: {name: j}\nspec:\n  rayClusterSpec:\n    headGroupSpec:\n      template:\n        spec:\n          containers: [{name: head, image: rayproject/ray:2.9.0}]\n  submitterPodTemplate:\n    spec:\n      containers: [{name: submitter, image: rayproject/ray:2.9.0}]\n');
    expect(shape(job).map((t) => t.role)).toEqual(['head', 'submitter']);
    const cron = one('apiVersion: ray.io/v1\nkind: RayCronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n    rayClusterSpec:\n      workerGroupSpecs:\n      - template:\n          spec:\n            containers: [{name: w, image: rayproject/ray:2.9.0}]\n');
    expect(shape(cron).map((t) => [t.role, t.spec])).toEqual([['worker[0]', 'spec.jobTemplate.rayClusterSpec.workerGroupSpecs[0].template.spec']]);
  });
});
