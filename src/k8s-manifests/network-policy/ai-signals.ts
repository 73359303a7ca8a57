/**
 * Which workloads are AI infrastructure, for the network-isolation findings that weigh AI workloads
 * more heavily: the ports they serve (Ray, Jupyter, MLflow, TensorBoard, Triton, vLLM/TGI, Ollama,
 * Kubeflow UIs…), their images, and accelerator requests.
 *
 * Ports that are also common for ordinary web servers (5000, 8000, 8080, 6379…) only count when the
 * container image is recognisably an AI server; distinctive ports (8265 Ray dashboard, 10001 Ray
 * client, 8888 Jupyter, 6006 TensorBoard, 11434 Ollama…) count on their own.
 */
import { DEVICE_RESOURCE } from '../accelerators.js';
import { isImageReference } from '../image-refs.js';
import type { FieldPath, JsonObject } from '../model.js';
import type { PodTemplate } from '../workloads.js';
import { containersOf } from '../workloads.js';
import { asArray, asString, isObject } from './json-util.js';

interface AiPort {
  readonly port: number;
  readonly service: string;
  /** Also a common non-AI port: needs an AI image to count. */
  readonly generic: boolean;
}

export const AI_PORTS: readonly AiPort[] = [
  { port: 8265, service: 'Ray dashboard (job submission = remote code execution)', generic: false },
  { port: 10001, service: 'Ray client server', generic: false },
  { port: 6379, service: 'Ray GCS', generic: true },
  { port: 8888, service: 'Jupyter', generic: false },
  { port: 6006, service: 'TensorBoard', generic: false },
  { port: 5000, service: 'MLflow tracking server', generic: true },
  { port: 8000, service: 'Triton / vLLM HTTP inference', generic: true },
  { port: 8001, service: 'Triton gRPC inference', generic: true },
  { port: 8002, service: 'Triton metrics', generic: true },
  { port: 8080, service: 'inference server HTTP (TGI, TorchServe, KServe)', generic: true },
  { port: 8081, service: 'TorchServe management API (model registration)', generic: true },
  { port: 8500, service: 'TensorFlow Serving gRPC', generic: true },
  { port: 8501, service: 'TensorFlow Serving REST / Streamlit', generic: true },
  { port: 11434, service: 'Ollama API', generic: false },
  { port: 7860, service: 'Gradio app', generic: false },
  { port: 3000, service: 'Kubeflow Pipelines UI', generic: true },
  { port: 9000, service: 'KServe / Seldon model server', generic: true },
];

const AI_PORT_BY_NUMBER = new Map(AI_PORTS.map((p) => [p.port, p]));

/** Image name fragments of AI servers, notebooks and frameworks (matched on the repository path, lower-case). */
const AI_IMAGE = /(^|[/_-])(vllm|tritonserver|text-generation-inference|tgi|torchserve|tensorflow\/serving|tensorflow-serving|kserve|seldon|mlserver|mlflow|ray|kuberay|jupyter|notebook|tensorboard|ollama|gradio|llama|sglang|lmdeploy|triton|huggingface|nvcr\.io\/nvidia\/(?:pytorch|tensorflow|nemo)|pytorch|kubeflow)([/:_.@-]|$)/;
/**
 * Control-plane components of AI platforms (controllers, operators, webhooks, dashboards and UIs,
 * exporters, agents): their images match the platform's name but they serve no model and run no user
 * code, so they are not "AI server images" (matched on the last path segment of the repository).
 */
const CONTROL_PLANE = /(?:^|[-_.])(?:controllers?|operator|webhooks?|manager|dashboard|centraldashboard|frontend|ui|webapp|web-app|proxy|exporter|agent|admission|apiserver|api-server|persistenceagent|scheduledworkflow|viewer|cache-server|cache-deployer|metadata|metadata-writer|metadata-envoy|envoy|visualization|visualization-server|kfam|access-management|profile-controller|kube-rbac-proxy|cert-manager|init|storage-initializer|router|autoscaler|queue|admission-webhook)(?:$|[-_.])/;


export interface AiPortRef {
  readonly port: number;
  readonly name?: string;
  readonly protocol: string;
  readonly service: string;
  /** Field path of `containerPort`. */
  readonly path: FieldPath;
}

export interface AiSignals {
  readonly ports: readonly AiPortRef[];
  readonly aiImage: boolean;
  /** The first AI server, notebook or framework image of the pod (the evidence), when `aiImage`. */
  readonly aiImageName?: string;
  readonly accelerator: boolean;
  /** The first accelerator resource the pod requests (the evidence), when `accelerator`. */
  readonly acceleratorResource?: string;
  /** Named container ports (name → number) for resolving NetworkPolicy named ports. */
  readonly namedPorts: ReadonlyMap<string, number>;
  readonly isAi: boolean;
}

function repoOf(image: string): string {
  const at = image.indexOf('@');
  const noDigest = at >= 0 ? image.slice(0, at) : image;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return (colon > slash ? noDigest.slice(0, colon) : noDigest).toLowerCase();
}

function acceleratorOf(c: JsonObject): string | undefined {
  for (const k of ['limits', 'requests']) {
    const m = isObject(c['resources']) ? c['resources'][k] : undefined;
    if (isObject(m)) for (const r of Object.keys(m)) if (DEVICE_RESOURCE.test(r)) return r;
  }
  return undefined;
}

/** Whether an image is an AI server, notebook or framework image (not a platform's controller or UI). */
export function isAiImage(image: string): boolean {
  if (!isImageReference(image)) return false;
  const repo = repoOf(image);
  if (!AI_IMAGE.test(repo)) return false;
  const last = repo.slice(repo.lastIndexOf('/') + 1);
  return !CONTROL_PLANE.test(last);
}

export function aiSignalsOf(t: PodTemplate): AiSignals {
  const ports: AiPortRef[] = [];
  const namedPorts = new Map<string, number>();
  let aiImageName: string | undefined;
  let acceleratorResource: string | undefined;
  const candidates: { ref: AiPortRef; generic: boolean }[] = [];
  for (const c of containersOf(t, ['initContainers', 'containers'])) {
    const image = asString(c.container['image']);
    if (aiImageName === undefined && image !== undefined && isAiImage(image)) aiImageName = image;
    acceleratorResource ??= acceleratorOf(c.container);
    asArray(c.container['ports']).forEach((p, i) => {
      if (!isObject(p)) return;
      const n = p['containerPort'];
      if (typeof n !== 'number' || !Number.isInteger(n)) return;
      const name = asString(p['name']);
      if (name !== undefined && name !== '') namedPorts.set(name, n);
      const ai = AI_PORT_BY_NUMBER.get(n);
      if (!ai) return;
      candidates.push({
        ref: {
          port: n,
          ...(name !== undefined && name !== '' && { name }),
          protocol: asString(p['protocol']) ?? 'TCP',
          service: ai.service,
          path: [...c.path, 'ports', i, 'containerPort'],
        },
        generic: ai.generic,
      });
    });
  }
  const aiImage = aiImageName !== undefined;
  const accelerator = acceleratorResource !== undefined;
  for (const cand of candidates) if (!cand.generic || aiImage) ports.push(cand.ref);
  return {
    ports,
    aiImage,
    ...(aiImageName !== undefined && { aiImageName }),
    accelerator,
    ...(acceleratorResource !== undefined && { acceleratorResource }),
    namedPorts,
    isAi: ports.length > 0 || aiImage || accelerator,
  };
}
