import { describe, expect, it } from 'vitest';
import type { Finding } from '../findings/index.js';
import { sensitiveHostPath } from './host-paths.js';
import { parseImageRef } from './image-refs.js';
import type { K8sOptions } from './options.js';
import { isModelPath } from './rules/model-volume-writable.js';
import { redact, secretLikeName, secretLikeValue } from './rules/secret-in-env.js';
import { analyze, analyzeText, loadText } from './test-helpers.js';
import { containersOf, isWorkload, podTemplatesOf } from './workloads.js';

const objects = (text: string) => loadText(text, 'x.yaml').objects;
const run = (text: string, o: K8sOptions = {}): Finding[] => analyzeText(text, o);
const of = (fs: Finding[], id: string) => fs.filter((f) => f.ruleId === id);

describe('workloads', () => {
  it('finds the pod template of every kind, with its field path, namespace and ServiceAccount', () => {
    const text = [
      'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: nightly, namespace: ml}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        metadata: {labels: {app: train}}\n        spec:\n          serviceAccount: legacy\n          initContainers: [{name: fetch}]\n          containers: [{name: train}]\n          ephemeralContainers: [{name: debug}]',
      'apiVersion: v1\nkind: PodTemplate\nmetadata: {name: t}\ntemplate:\n  spec:\n    containers: [{name: c}]',
      'apiVersion: ray.io/v1\nkind: RayCluster\nmetadata: {name: r}\nspec:\n  headGroupSpec:\n    template: {spec: {containers: [{name: head}]}}\n  workerGroupSpecs:\n  - template: {spec: {containers: [{name: w}]}}',
      'apiVersion: kubeflow.org/v1\nkind: PyTorchJob\nmetadata: {name: p}\nspec:\n  pytorchReplicaSpecs:\n    Master: {template: {spec: {containers: [{name: m}]}}}\n    Worker: {template: {spec: {containers: [{name: w}]}}}',
      'apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: k}\nspec: {template: {spec: {containers: [{name: k}]}}}',
      'apiVersion: example.com/v1\nkind: Deployment\nmetadata: {name: fake}\nspec: {template: {spec: {containers: [{name: f}]}}}',
    ].join('\n---\n');
    const objs = objects(text);
    const t = podTemplatesOf(objs[0] as (typeof objs)[number]);
    expect(t).toHaveLength(1);
    expect(t[0]?.specPath).toEqual(['spec', 'jobTemplate', 'spec', 'template', 'spec']);
    expect(t[0]?.namespace).toBe('ml');
    expect(t[0]?.serviceAccountName).toBe('legacy');
    expect([...(t[0]?.labels ?? [])]).toEqual([['app', 'train']]);
    expect(containersOf(t[0] as NonNullable<(typeof t)[0]>).map((c) => [c.list, c.name, c.path.join('.')])).toEqual([
      ['initContainers', 'fetch', 'spec.jobTemplate.spec.template.spec.initContainers.0'],
      ['containers', 'train', 'spec.jobTemplate.spec.template.spec.containers.0'],
      ['ephemeralContainers', 'debug', 'spec.jobTemplate.spec.template.spec.ephemeralContainers.0'],
    ]);
    expect(podTemplatesOf(objs[1] as (typeof objs)[number])[0]?.serviceAccountName).toBe('default');
    expect(podTemplatesOf(objs[2] as (typeof objs)[number]).map((x) => x.role)).toEqual(['head', 'worker[0]']);
    expect(podTemplatesOf(objs[3] as (typeof objs)[number]).map((x) => x.role)).toEqual(['Master', 'Worker']);
    expect(objs.map((o) => isWorkload(o))).toEqual([true, true, true, true, false, false]);
  });
});

describe('secrets', () => {
  it.each([
    ['HF_TOKEN', true],
    ['HUGGING_FACE_HUB_TOKEN', true],
    ['OPENAI_API_KEY', true],
    ['AWS_SECRET_ACCESS_KEY', true],
    ['DB_PASSWORD', true],
    ['wandbApiKey', true],
    ['WANDB_API_KEY', true],
    ['MAX_NEW_TOKENS', false],
    ['TOKENIZERS_PARALLELISM', false],
    ['HF_TOKEN_PATH', false],
    ['AWS_ACCESS_KEY_ID', false],
    ['CACHE_KEY', false],
    ['SECRET_NAME', false],
  ])('name %s secret-like: %s', (name, want) => {
    expect(secretLikeName(name)).toBe(want);
  });

  it('recognises credential formats and never prints them', () => {
    const hf = `hf_${'x1Y2z3'.repeat(6)}`;
    expect(secretLikeValue(hf)).toBe('a Hugging Face token');
    expect(secretLikeValue('postgres://app:s3cr3t@db:5432/x')).toBe('a password in a URL');
    expect(secretLikeValue('postgres://db:5432/x')).toBeUndefined();
    expect(secretLikeValue('-----BEGIN RSA PRIVATE KEY-----\nMIIE')).toBe('a private key');
    expect(redact(hf)).toBe(`hf_x\u2026 (${hf.length} characters)`);
    expect(redact('abcdefghij')).toBe('ab\u2026 (10 characters)');
  });

  it('reports a literal secret without the value in message or evidence', () => {
    const secret = `sk-ant-${'Q'.repeat(40)}`;
    const fs = run(`apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: agent\n    image: x\n    env:\n    - {name: ANTHROPIC_API_KEY, value: ${secret}}\n`);
    const f = of(fs, 'k8s/secret-in-env')[0];
    expect(f?.message).toContain('Anthropic');
    expect(JSON.stringify(f)).not.toContain(secret);
  });
});

describe('images', () => {
  it.each([
    ['vllm/vllm-openai', {}],
    ['localhost:5000/llm', {}],
    ['localhost:5000/llm:1.2', { tag: '1.2' }],
    ['nvcr.io/nvidia/tritonserver:24.08-py3@sha256:abc', { tag: '24.08-py3', digest: 'sha256:abc' }],
    ['busybox@sha256:abc', { digest: 'sha256:abc' }],
  ])('%s', (image, want) => {
    expect(parseImageRef(image)).toEqual(want);
  });
});

describe('host paths', () => {
  it.each([
    ['/var/run/docker.sock', 'the Docker socket'],
    ['//run//containerd/./containerd.sock', 'the containerd socket'],
    ['/var/lib/kubelet/pods/', "the kubelet's directory (its credentials, every pod's volumes and secrets)"],
    ['/var/lib/kubelet/pod-resources', expect.stringContaining('read-only')],
    ['/', expect.stringContaining('/, which contains')],
    ['/var/run', expect.stringContaining('Docker socket')],
    ['/var/log', undefined],
    ['/var/lib/kubeletfoo', undefined],
    ['/data/../var/run/crio/crio.sock', 'the CRI-O socket'],
  ])('%s', (p, want) => {
    expect(sensitiveHostPath(p)).toEqual(want);
  });

  it('model paths', () => {
    expect(['/models', '/mnt/models/llama', '/root/.cache/huggingface', '/opt/ml/model', '/data/model-store'].every(isModelPath)).toBe(true);
    expect(['/data', '/var/log', '/modelsx', '/tmp'].some(isModelPath)).toBe(false);
  });
});

describe('GPU and model rules', () => {
  it('does not report model volumes of Jobs (training writes checkpoints) or init containers (downloaders)', () => {
    const fs = run(
      'apiVersion: batch/v1\nkind: Job\nmetadata: {name: train}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: t, image: x, volumeMounts: [{name: ckpt, mountPath: /checkpoints}]}\n      volumes: [{name: ckpt, persistentVolumeClaim: {claimName: ckpt}}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: s}\nspec:\n  template:\n    spec:\n      initContainers:\n      - {name: fetch, image: x, volumeMounts: [{name: m, mountPath: /models}]}\n      containers:\n      - {name: srv, image: x, volumeMounts: [{name: m, mountPath: /models, readOnly: true}]}\n      volumes: [{name: m, persistentVolumeClaim: {claimName: m}}]\n',
    );
    expect(of(fs, 'k8s/model-volume-writable')).toEqual([]);
  });

  it('honours RuntimeClass objects, extra sandbox names and a custom annotation', () => {
    const d = (rc: string, ann = 'bulwark.dev/untrusted-models'): string =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: e, annotations: {${ann}: "true"}}\nspec:\n  template:\n    spec:\n      runtimeClassName: ${rc}\n      containers: [{name: c, image: x}]\n`;
    expect(of(run(d('runc')), 'k8s/untrusted-model-without-sandbox')).toHaveLength(1);
    expect(of(run(d('kata-qemu-nvidia-gpu')), 'k8s/untrusted-model-without-sandbox')).toEqual([]);
    expect(of(run(d('secure'), { sandboxRuntimeClasses: ['secure'] }), 'k8s/untrusted-model-without-sandbox')).toEqual([]);
    expect(of(run(d('runc', 'acme.io/third-party-models'), { untrustedModelsAnnotation: 'acme.io/third-party-models' }), 'k8s/untrusted-model-without-sandbox')).toHaveLength(1);
    expect(of(run(d('runc', 'acme.io/third-party-models')), 'k8s/untrusted-model-without-sandbox')).toEqual([]);
  });
});

describe('AI exposure', () => {
  it('finds Jupyter on a NodePort by the image of the pods it selects', () => {
    const fs = run(
      'apiVersion: v1\nkind: Service\nmetadata: {name: nb, namespace: ds}\nspec:\n  type: NodePort\n  selector: {app: nb}\n  ports: [{port: 80, targetPort: 8888}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: nb-0, namespace: ds, labels: {app: nb}}\nspec:\n  containers: [{name: nb, image: quay.io/jupyter/pytorch-notebook:cuda12-latest}]\n',
    );
    const f = of(fs, 'k8s/ai-service-exposed');
    expect(f.map((x) => [x.severity, x.location.kind === 'k8s-object' ? x.location.fieldPath : ''])).toEqual([['critical', 'spec.ports[0]']]);
  });

  it('lowers the severity behind loadBalancerSourceRanges or an auth annotation', () => {
    const svc = 'apiVersion: v1\nkind: Service\nmetadata: {name: mlflow, namespace: ml}\nspec:\n  type: LoadBalancer\n  loadBalancerSourceRanges: [10.0.0.0/8]\n  ports: [{port: 5000}]\n';
    expect(of(run(svc), 'k8s/ai-service-exposed').map((f) => f.severity)).toEqual(['medium']);
    const ing =
      'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: tb\n  annotations: {nginx.ingress.kubernetes.io/auth-url: "https://auth/oauth2/auth"}\nspec:\n  defaultBackend: {service: {name: tensorboard, port: {number: 6006}}}\n';
    expect(of(run(ing), 'k8s/ai-service-exposed').map((f) => f.severity)).toEqual(['medium']);
  });

  it('reports KubeRay head services of type LoadBalancer', () => {
    const fs = run('apiVersion: ray.io/v1\nkind: RayCluster\nmetadata: {name: r}\nspec:\n  headGroupSpec:\n    serviceType: LoadBalancer\n    template: {spec: {containers: [{name: head, image: rayproject/ray:2.9.0}]}}\n');
    expect(of(fs, 'k8s/ai-service-exposed')[0]?.location).toMatchObject({ line: 6, column: 5, fieldPath: 'spec.headGroupSpec.serviceType' });
  });

  it('ignores a Knative Service (not core/v1) and unidentified apps on common ports', () => {
    const fs = run(
      'apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: ray}\nspec: {type: LoadBalancer, ports: [{port: 8265}]}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {type: LoadBalancer, ports: [{port: 8000}, {port: 5000}, {port: 8080}]}\n',
    );
    expect(of(fs, 'k8s/ai-service-exposed')).toEqual([]);
  });
});

describe('options', () => {
  it('rejects an invalid PSS version or level with a usage error', () => {
    expect(() => analyze([], { pssVersion: '1.30' })).toThrow(/--pss-version/);
    expect(() => analyze([], { pssLevel: 'privileged' })).toThrow(/--pss-level/);
  });
});
