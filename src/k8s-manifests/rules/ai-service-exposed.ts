/**
 * AI infrastructure exposed outside the cluster: a LoadBalancer/NodePort Service (or externalIPs), an
 * Ingress backend, or a KubeRay head service type, in front of Ray, Jupyter, MLflow, TensorBoard,
 * Triton, vLLM, TGI, Ollama, Kubeflow or ComfyUI.
 *
 * To avoid the obvious false positives (port 8000, 8080, 5000 and 6379 are everywhere), a port is
 * reported only when the product behind the Service is identified first, by the images of the pods it
 * selects (indexed by label, so no object × object loop), by its own name and labels, or by the pods'
 * labels; then the port must be one of that product's ports, by number (port or targetPort) or name.
 * Identifying the product needs the pods a Service selects and the Service an Ingress names, so the
 * rule does not run at admission.
 */
import type { Severity } from '../../findings/index.js';
import type { ReportFn } from '../../rules/index.js';
import type { ClusterIndex } from '../cluster-index.js';
import { objectRule } from '../k8s-rule.js';
import type { FieldPath, Json, JsonObject, ManifestObject } from '../model.js';
import { locationOf } from '../model.js';
import { DIGEST, GOOD_TEMPLATE_SPEC, at, deployHead, fires, lines, silent, tplContainer } from '../sample-manifests.js';
import type { PodTemplate } from '../workloads.js';
import { apiGroup, asArray, asObject, asString, containersOf, getPath } from '../workloads.js';

interface ProductPort {
  readonly port: number;
  readonly what: string;
  readonly severity: Severity;
  readonly names?: RegExp;
}

interface Product {
  readonly title: string;
  readonly images: RegExp;
  readonly names: RegExp;
  readonly ports: readonly ProductPort[];
}

const PRODUCTS: readonly Product[] = [
  {
    title: 'Ray',
    images: /(?:^|\/)(?:rayproject|anyscale)\/ray|\/ray(?:-ml)?:|kuberay/i,
    names: /(?:^|[-_.])(?:ray|kuberay|raycluster|rayservice|rayjob)(?:$|[-_.])/i,
    ports: [
      { port: 8265, what: 'Ray dashboard and Jobs API (runs arbitrary code)', severity: 'critical', names: /dashboard/i },
      { port: 10001, what: 'Ray client server (runs arbitrary code)', severity: 'critical', names: /client/i },
      { port: 6379, what: 'Ray GCS server', severity: 'critical', names: /gcs|redis/i },
      { port: 52365, what: 'Ray dashboard agent', severity: 'high', names: /dashboard-agent/i },
      { port: 8000, what: 'Ray Serve HTTP endpoint', severity: 'high', names: /serve/i },
    ],
  },
  {
    title: 'Jupyter',
    images: /jupyter|notebook/i,
    names: /jupyter|notebook/i,
    ports: [{ port: 8888, what: 'Jupyter server (runs arbitrary code)', severity: 'critical', names: /jupyter|notebook/i }],
  },
  {
    title: 'ComfyUI',
    images: /comfyui/i,
    names: /comfy/i,
    ports: [{ port: 8188, what: 'ComfyUI (custom nodes run arbitrary code)', severity: 'critical', names: /comfy/i }],
  },
  {
    title: 'MLflow',
    images: /mlflow/i,
    names: /mlflow/i,
    ports: [{ port: 5000, what: 'MLflow tracking server and model registry', severity: 'high', names: /mlflow/i }],
  },
  {
    title: 'TensorBoard',
    images: /tensorboard/i,
    names: /tensorboard/i,
    ports: [{ port: 6006, what: 'TensorBoard', severity: 'high', names: /tensorboard/i }],
  },
  {
    title: 'Triton',
    images: /tritonserver/i,
    names: /triton/i,
    ports: [
      { port: 8000, what: 'Triton HTTP API (model control can load models)', severity: 'high' },
      { port: 8001, what: 'Triton gRPC API (model control can load models)', severity: 'high' },
      { port: 8002, what: 'Triton metrics', severity: 'medium' },
    ],
  },
  {
    title: 'vLLM',
    images: /vllm/i,
    names: /vllm/i,
    ports: [{ port: 8000, what: 'vLLM OpenAI-compatible API', severity: 'high' }],
  },
  {
    title: 'Text Generation Inference',
    images: /text-generation-inference/i,
    names: /(?:^|[-_.])tgi(?:$|[-_.])|text-generation-inference/i,
    ports: [
      { port: 80, what: 'TGI inference API', severity: 'high' },
      { port: 8080, what: 'TGI inference API', severity: 'high' },
      { port: 3000, what: 'TGI inference API', severity: 'high' },
    ],
  },
  {
    title: 'Ollama',
    images: /ollama/i,
    names: /ollama/i,
    ports: [{ port: 11434, what: 'Ollama API (can pull, push and delete models)', severity: 'high' }],
  },
  {
    title: 'Kubeflow',
    images: /kubeflow|ml-pipeline|centraldashboard|katib/i,
    names: /kubeflow|ml-pipeline|centraldashboard|katib/i,
    ports: [
      { port: 8082, what: 'Kubeflow central dashboard', severity: 'high' },
      { port: 3000, what: 'Kubeflow Pipelines UI', severity: 'high' },
      { port: 8888, what: 'Kubeflow Pipelines API', severity: 'high' },
      { port: 8887, what: 'Kubeflow Pipelines API (gRPC)', severity: 'high' },
    ],
  },
];

/** Labels whose values name the application. */
const NAME_LABELS = ['app', 'app.kubernetes.io/name', 'app.kubernetes.io/component', 'app.kubernetes.io/part-of', 'component', 'ray.io/node-type'];

function identify(texts: readonly string[], images: readonly string[]): Product[] {
  return PRODUCTS.filter((p) => images.some((i) => p.images.test(i)) || texts.some((t) => p.names.test(t)));
}

function labelTexts(labels: JsonObject | ReadonlyMap<string, string> | undefined): string[] {
  if (!labels) return [];
  const get = (k: string): Json | undefined => (labels instanceof Map ? labels.get(k) : (labels as JsonObject)[k]);
  return NAME_LABELS.map(get).filter((v): v is string => typeof v === 'string');
}

const AUTH_ANNOTATIONS = [
  'nginx.ingress.kubernetes.io/auth-url',
  'nginx.ingress.kubernetes.io/auth-type',
  'nginx.ingress.kubernetes.io/auth-tls-secret',
  'alb.ingress.kubernetes.io/auth-type',
  'traefik.ingress.kubernetes.io/router.middlewares',
  'konghq.com/plugins',
  'ingress.kubernetes.io/auth-type',
];

const lower = (s: Severity): Severity => (s === 'critical' ? 'high' : s === 'high' ? 'medium' : s === 'medium' ? 'low' : s);

interface Backend {
  readonly products: Product[];
  readonly templates: PodTemplate[];
  readonly service?: ManifestObject;
}

/** Backends are cached per Service (many Ingress paths may point at one Service), per analysis. */
const backendCache = new WeakMap<ClusterIndex, Map<ManifestObject, Backend>>();

function serviceBackend(svc: ManifestObject, index: ClusterIndex): Backend {
  let cache = backendCache.get(index);
  if (!cache) {
    cache = new Map();
    backendCache.set(index, cache);
  }
  const hit = cache.get(svc);
  if (hit) return hit;
  const b = computeBackend(svc, index);
  cache.set(svc, b);
  return b;
}

function computeBackend(svc: ManifestObject, index: ClusterIndex): Backend {
  const ns = svc.namespace ?? 'default';
  const spec = asObject(svc.value['spec']) ?? {};
  const templates = index.selectTemplates(ns, spec['selector']);
  const images = templates.flatMap((t) => containersOf(t).map((c) => asString(c.container['image']) ?? ''));
  const texts = [svc.name, ...labelTexts(asObject(asObject(svc.value['metadata'])?.['labels'])), ...templates.flatMap((t) => labelTexts(t.labels))];
  return { products: identify(texts, images), templates, service: svc };
}

/** Container port number behind a named targetPort, from the selected pods. */
function namedContainerPort(templates: readonly PodTemplate[], name: string): number | undefined {
  for (const t of templates) {
    for (const c of containersOf(t, ['containers'])) {
      for (const p of asArray(c.container['ports'])) {
        const po = asObject(p);
        if (po?.['name'] === name && typeof po['containerPort'] === 'number') return po['containerPort'];
      }
    }
  }
  return undefined;
}

/** The product port a Service port (or Ingress backend port) hits. */
function matchPort(b: Backend, numbers: readonly number[], names: readonly string[]): { product: Product; port: ProductPort } | undefined {
  for (const product of b.products) {
    for (const pp of product.ports) {
      if (numbers.includes(pp.port) || (pp.names && names.some((n) => pp.names?.test(n)))) return { product, port: pp };
    }
  }
  return undefined;
}

/** `80 → 8000` when the Service port forwards to another container port, else `8000` (or the name). */
function portText(numbers: readonly number[], names: readonly string[]): string {
  const [first, ...rest] = numbers;
  if (first === undefined) return names[0] ?? '?';
  const target = rest.find((n) => n !== first);
  return target === undefined ? String(first) : `${first} \u2192 ${target}`;
}

function servicePortFacts(b: Backend, port: JsonObject): { numbers: number[]; names: string[] } {
  const numbers: number[] = [];
  const names: string[] = [];
  if (typeof port['port'] === 'number') numbers.push(port['port']);
  const tp = port['targetPort'];
  if (typeof tp === 'number') numbers.push(tp);
  else if (typeof tp === 'string') {
    names.push(tp);
    const n = namedContainerPort(b.templates, tp);
    if (n !== undefined) numbers.push(n);
  }
  const name = asString(port['name']);
  if (name !== undefined) names.push(name);
  return { numbers, names };
}

function checkService(svc: ManifestObject, index: ClusterIndex, report: ReportFn): void {
  const spec = asObject(svc.value['spec']);
  if (!spec) return;
  const type = asString(spec['type']) ?? 'ClusterIP';
  const externalIPs = asArray(spec['externalIPs']).length > 0;
  if (type !== 'LoadBalancer' && type !== 'NodePort' && !externalIPs) return;
  const b = serviceBackend(svc, index);
  if (b.products.length === 0) return;
  const ranges = asArray(spec['loadBalancerSourceRanges']).filter((r): r is string => typeof r === 'string');
  const restricted = type === 'LoadBalancer' && ranges.length > 0 && !ranges.some((r) => r === '0.0.0.0/0' || r === '::/0');
  const how = externalIPs && type !== 'LoadBalancer' && type !== 'NodePort' ? 'externalIPs' : `a ${type} Service`;
  asArray(spec['ports']).forEach((p, i) => {
    const port = asObject(p);
    if (!port) return;
    const { numbers, names } = servicePortFacts(b, port);
    const hit = matchPort(b, numbers, names);
    if (!hit) return;
    report({
      location: locationOf(svc, ['spec', 'ports', i]),
      severity: restricted ? lower(hit.port.severity) : hit.port.severity,
      message: `port ${portText(numbers, names)} (${hit.port.what}) of ${hit.product.title} is published outside the cluster through ${how}${restricted ? `, limited to loadBalancerSourceRanges ${ranges.join(', ')}` : ''}`,
    });
  });
}

function ingressBackends(spec: JsonObject): { path: FieldPath; service: string; port: { number?: number; name?: string } }[] {
  const out: { path: FieldPath; service: string; port: { number?: number; name?: string } }[] = [];
  const add = (b: Json | undefined, path: FieldPath): void => {
    const be = asObject(b);
    if (!be) return;
    const svc = asObject(be['service']);
    if (svc) {
      const name = asString(svc['name']);
      const port = asObject(svc['port']);
      if (name !== undefined) {
        out.push({
          path: [...path, 'service'],
          service: name,
          port: { ...(typeof port?.['number'] === 'number' && { number: port['number'] }), ...(typeof port?.['name'] === 'string' && { name: port['name'] }) },
        });
      }
      return;
    }
    // extensions/v1beta1 and networking.k8s.io/v1beta1: serviceName / servicePort (int or string)
    const name = asString(be['serviceName']);
    if (name === undefined) return;
    const sp = be['servicePort'];
    out.push({ path: [...path, 'serviceName'], service: name, port: { ...(typeof sp === 'number' && { number: sp }), ...(typeof sp === 'string' && { name: sp }) } });
  };
  add(spec['defaultBackend'], ['spec', 'defaultBackend']);
  add(spec['backend'], ['spec', 'backend']);
  asArray(spec['rules']).forEach((r, ri) => {
    asArray(asObject(asObject(r)?.['http'])?.['paths']).forEach((p, pi) => add(asObject(p)?.['backend'], ['spec', 'rules', ri, 'http', 'paths', pi, 'backend']));
  });
  return out;
}

function checkIngress(ing: ManifestObject, index: ClusterIndex, report: ReportFn): void {
  const spec = asObject(ing.value['spec']);
  if (!spec) return;
  const ns = ing.namespace ?? 'default';
  const ann = asObject(asObject(ing.value['metadata'])?.['annotations']) ?? {};
  const auth = AUTH_ANNOTATIONS.find((a) => Object.prototype.hasOwnProperty.call(ann, a));
  for (const be of ingressBackends(spec)) {
    const svc = index.service(ns, be.service);
    const b: Backend = svc ? serviceBackend(svc, index) : { products: identify([be.service], []), templates: [] };
    if (b.products.length === 0) continue;
    // Resolve the Service port the backend names to its port/targetPort facts.
    let numbers: number[] = be.port.number !== undefined ? [be.port.number] : [];
    let names: string[] = be.port.name !== undefined ? [be.port.name] : [];
    if (svc) {
      for (const p of asArray(getPath(svc.value, ['spec', 'ports']))) {
        const port = asObject(p);
        if (!port) continue;
        if ((be.port.number !== undefined && port['port'] === be.port.number) || (be.port.name !== undefined && port['name'] === be.port.name)) {
          const f = servicePortFacts(b, port);
          numbers = [...numbers, ...f.numbers];
          names = [...names, ...f.names];
        }
      }
    }
    const hit = matchPort(b, numbers, names);
    if (!hit) continue;
    report({
      location: locationOf(ing, be.path),
      severity: auth ? lower(hit.port.severity) : hit.port.severity,
      message: `Ingress routes to Service ${JSON.stringify(be.service)} port ${portText(numbers, names)} (${hit.port.what}) of ${hit.product.title}${auth ? `; it declares authentication (${auth}), make sure it covers every path` : ', without an authentication annotation'}`,
    });
  }
}

/** KubeRay: headGroupSpec.serviceType LoadBalancer/NodePort or enableIngress publish the Ray head. */
function checkRayHead(obj: ManifestObject, report: ReportFn): void {
  const base: FieldPath | undefined =
    obj.kind === 'RayCluster' ? ['spec'] : obj.kind === 'RayJob' ? ['spec', 'rayClusterSpec'] : obj.kind === 'RayService' ? ['spec', 'rayClusterConfig'] : undefined;
  if (!base) return;
  const head = asObject(getPath(obj.value, [...base, 'headGroupSpec']));
  if (!head) return;
  const st = asString(head['serviceType']);
  if (st === 'LoadBalancer' || st === 'NodePort') {
    report({
      location: locationOf(obj, [...base, 'headGroupSpec', 'serviceType']),
      severity: 'critical',
      message: `the Ray head service is a ${st}: the Ray dashboard and Jobs API (8265), client (10001) and GCS (6379) become reachable from outside the cluster and run arbitrary code`,
    });
  }
  if (head['enableIngress'] === true) {
    report({
      location: locationOf(obj, [...base, 'headGroupSpec', 'enableIngress']),
      severity: 'critical',
      message: 'KubeRay creates an Ingress for the Ray dashboard and Jobs API (8265), which run arbitrary code and have no authentication',
    });
  }
}

export const aiServiceExposed = objectRule({
  id: 'k8s/ai-service-exposed',
  title: 'AI infrastructure exposed outside the cluster',
  severity: 'high',
  description:
    'A LoadBalancer or NodePort Service, an Ingress, or a KubeRay head service publishes an AI platform component that has no authentication by default or executes code by design: the Ray dashboard and Jobs API (8265; ShadowRay, CVE-2023-48022), the Ray client (10001) and GCS (6379), Jupyter (8888), ComfyUI (8188), MLflow (5000), TensorBoard (6006), Triton (8000-8002; its model-control API loads models), vLLM/TGI/Ollama inference APIs, the Kubeflow dashboard and pipelines UI. Internet scanners find these within hours; attackers use them to run code on GPU nodes (cryptomining, model and data theft) or to spend your inference capacity.',
  remediation:
    'Keep the Service `ClusterIP` and reach it through `kubectl port-forward`, a VPN, or an Ingress with authentication (OIDC proxy, mTLS). If it must be public, restrict `loadBalancerSourceRanges`, enable the product\u2019s own authentication (Jupyter token, Triton `--model-control-mode=none`, API keys for vLLM/TGI), and never expose the Ray dashboard, client or GCS ports.',
  references: ['https://www.oligo.security/blog/shadowray-attack-ai-workloads-actively-exploited-in-the-wild', 'https://docs.ray.io/en/latest/ray-security/index.html', 'https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types'],
  tags: ['k8s', 'network', 'exposure', 'ai-platform'],
  maturity: 'incubating',
  check({ object: obj, index }, report) {
    const g = apiGroup(obj.apiVersion);
    if (g === '' && obj.kind === 'Service') checkService(obj, index, report);
    else if ((g === 'networking.k8s.io' || g === 'extensions') && obj.kind === 'Ingress') checkIngress(obj, index, report);
    else if (g === 'ray.io') checkRayHead(obj, report);
  },
  cases: () => ({
    invalid: [
      fires(
        'Ray dashboard behind a LoadBalancer',
        lines(
          'apiVersion: v1',
          'kind: Service',
          'metadata: {name: ray-head, namespace: ml}',
          'spec:',
          '  type: LoadBalancer',
          '  selector: {app: ray-head}',
          '  ports:',
          '  - name: client',
          '    port: 10001',
          '  - name: dashboard',
          '    port: 8265',
        ),
        at(10, 5, 'spec.ports[1]', { severity: 'critical', messageIncludes: '8265' }),
      ),
      fires(
        'Ingress to a vLLM Service, found by the pods it selects',
        lines(
          'apiVersion: networking.k8s.io/v1',
          'kind: Ingress',
          'metadata: {name: chat, namespace: ml}',
          'spec:',
          '  rules:',
          '  - host: chat.example.com',
          '    http:',
          '      paths:',
          '      - path: /',
          '        pathType: Prefix',
          '        backend:',
          '          service:',
          '            name: llm',
          '            port: {number: 80}',
          '---',
          'apiVersion: v1',
          'kind: Service',
          'metadata: {name: llm, namespace: ml}',
          'spec:',
          '  selector: {app: llm}',
          '  ports:',
          '  - port: 80',
          '    targetPort: http',
          '---',
          deployHead('llm'),
          GOOD_TEMPLATE_SPEC,
          tplContainer(`server`, `vllm/vllm-openai:v0.6.3@${DIGEST}`, ['        ports:', '        - name: http', '          containerPort: 8000']),
        ),
        at(12, 11, 'spec.rules[0].http.paths[0].backend.service', { severity: 'high' }),
      ),
    ],
    valid: [
      silent(
        'Ray dashboard on a ClusterIP Service',
        lines('apiVersion: v1', 'kind: Service', 'metadata: {name: ray-head, namespace: ml}', 'spec:', '  selector: {app: ray-head}', '  ports:', '  - name: dashboard', '    port: 8265'),
      ),
      silent(
        'Redis on 6379 behind a LoadBalancer is not Ray',
        lines('apiVersion: v1', 'kind: Service', 'metadata: {name: redis, namespace: cache}', 'spec:', '  type: LoadBalancer', '  selector: {app: redis}', '  ports:', '  - name: redis', '    port: 6379'),
      ),
    ],
  }),
});
