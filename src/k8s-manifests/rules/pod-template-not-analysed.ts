/**
 * Coverage: an object holds containers (something shaped like a pod spec or a container list) at a
 * place no workload kind Bulwark knows puts them. Nothing is skipped silently: an unknown custom
 * resource that embeds pods, a known kind with a field Bulwark does not read, or a string Argo patches
 * into its pods (`podSpecPatch`), each gets an info finding naming the path.
 */
import { objectRule } from '../k8s-rule.js';
import type { FieldPath, Json } from '../model.js';
import { formatFieldPath, locationOf } from '../model.js';
import { at, fires, lines, silent } from '../sample-manifests.js';
import { CONTAINER_LISTS, apiGroup, asString, isObject, unknownEmbedded } from '../workloads.js';

const LIST_NAMES: ReadonlySet<string> = new Set([...CONTAINER_LISTS, 'sidecars']);
/** Subtrees that never hold pods to run: status and bookkeeping, and schemas (CRDs, policies) that describe them. */
const SKIP_KEYS: ReadonlySet<string> = new Set(['status', 'managedFields', 'openAPIV3Schema', 'schema']);
/** Kinds whose content is data or schema, never pods to run. */
const DATA_KINDS: ReadonlySet<string> = new Set(['ConfigMap', 'Secret', 'CustomResourceDefinition', 'Event']);
/** Nodes visited per object at most (objects are bounded by the loader's limits; this keeps the rule's cost fixed). */
const MAX_NODES = 200_000;

function isContainerList(v: Json | undefined): v is Json[] {
  return Array.isArray(v) && v.length > 0 && v.some((c) => isObject(c) && typeof c['image'] === 'string');
}

export const podTemplateNotAnalysed = objectRule({
  id: 'k8s/pod-template-not-analysed',
  title: 'Containers in an object Bulwark does not analyse as pods',
  severity: 'info',
  description:
    'The object holds containers (a list of mappings with an `image`, such as a pod spec\u2019s `containers`) at a place where no workload kind Bulwark knows puts its pods: a custom resource that creates pods from an embedded template (an operator\u2019s own CRD, a Crossplane or Helm-operator object wrapping a Deployment), or a field of a known kind that Bulwark does not read. Its containers get none of the pod rules (Pod Security Standards, privileged GPU access, literal secrets, image pinning), so the finding says so instead of reporting the object clean. Argo `podSpecPatch` strings (patched into the pods at run time), Argo resource templates whose manifest holds containers, and Katib trial specs of a kind Bulwark does not know are reported the same way.',
  remediation:
    'Scan what the controller creates (`kubectl get pods -o yaml | bulwark scan -`, or the rendered Deployment/Job), or convert the object to the workload it describes. If the kind is a common AI or platform CRD, ask for it to be added to the workload table (docs/rules/k8s/README.md lists the kinds analysed).',
  references: ['https://kubernetes.io/docs/concepts/workloads/pods/#pod-templates', 'https://kubernetes.io/docs/concepts/extend-kubernetes/api-extension/custom-resources/'],
  tags: ['k8s', 'coverage'],
  maturity: 'stable',
  check({ object, templates }, report) {
    if (apiGroup(object.apiVersion) === '' && DATA_KINDS.has(object.kind)) return;
    if (object.kind === 'CustomResourceDefinition') return;
    const known = new Set<string>();
    for (const t of templates) for (const c of t.containers) known.add(formatFieldPath(c.path.slice(0, -1)));
    for (const t of templates) for (const c of t.containers) known.add(formatFieldPath(c.path));
    const found: { path: FieldPath; images: string[] }[] = [];
    const patches: FieldPath[] = [];
    // Iterative walk (no recursion over input-sized data).
    const stack: { v: Json; path: FieldPath }[] = [{ v: object.value, path: [] }];
    let visited = 0;
    while (stack.length > 0 && visited < MAX_NODES && found.length + patches.length < 4) {
      const { v, path } = stack.pop() as { v: Json; path: FieldPath };
      visited++;
      if (Array.isArray(v)) {
        for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i] as Json, path: [...path, i] });
        continue;
      }
      if (!isObject(v)) continue;
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i] as string;
        if (SKIP_KEYS.has(k) || (path.length === 0 && k === 'metadata')) continue;
        const child = v[k] as Json;
        const childPath = [...path, k];
        if (LIST_NAMES.has(k) && isContainerList(child)) {
          if (!known.has(formatFieldPath(childPath))) {
            const images = child.map((c) => (isObject(c) ? asString(c['image']) : undefined)).filter((x): x is string => x !== undefined);
            found.push({ path: childPath, images });
          }
          continue;
        }
        if (((k === 'podSpecPatch' && child !== '') || (k === 'manifest' && /\bcontainers\s*:/.test(typeof child === 'string' ? child : ''))) && typeof child === 'string' && object.apiVersion.startsWith('argoproj.io/')) {
          patches.push(childPath);
          continue;
        }
        if (k === 'container' && isObject(child) && typeof child['image'] === 'string' && !known.has(formatFieldPath(childPath))) {
          found.push({ path: childPath, images: [child['image']] });
          continue;
        }
        if (child !== null && typeof child === 'object') stack.push({ v: child, path: childPath });
      }
    }
    const first = found[0];
    if (first) {
      const where = found.map((f) => formatFieldPath(f.path)).join(', ');
      const images = [...new Set(found.flatMap((f) => f.images))].slice(0, 3).map((i) => JSON.stringify(i)).join(', ');
      report({
        location: locationOf(object, first.path),
        message: `${object.kind} (${object.apiVersion}) holds containers at ${where} (images ${images}) that Bulwark does not analyse as pods: ${templates.length === 0 ? 'it is not a kind whose pods Bulwark knows how to build' : 'this is not where its kind keeps the pods Bulwark analyses'}; no pod rule ran on them`,
        evidence: where,
      });
    }
    for (const e of unknownEmbedded(object)) {
      report({
        location: locationOf(object, [...e.path, 'kind']),
        message: `${formatFieldPath(e.path)} is a ${JSON.stringify(e.kind)} (${JSON.stringify(e.apiVersion)}) that the controller creates, and not a kind whose pods Bulwark knows how to build: its pods were not analysed`,
        evidence: formatFieldPath(e.path),
      });
    }
    for (const p of patches) {
      report({
        location: locationOf(object, p),
        message:
          p[p.length - 1] === 'podSpecPatch'
            ? `${formatFieldPath(p)} is a patch Argo applies to the pods at run time (it can set privileged, hostNetwork, volumes …); it is not analysed`
            : `${formatFieldPath(p)} is a manifest Argo creates at run time, and it holds containers; it is not analysed (scan it as a file of its own)`,
        evidence: formatFieldPath(p),
      });
    }
  },
  cases: () => ({
    invalid: [
      fires(
        'an operator CRD that embeds a pod template',
        lines('apiVersion: example.ai/v1', 'kind: ModelServer', 'metadata: {name: llm, namespace: ml}', 'spec:', '  podTemplate:', '    spec:', '      containers:', '      - name: server', '        image: vllm/vllm-openai:v0.6.3', '        securityContext: {privileged: true}'),
        at(7, 7, 'spec.podTemplate.spec.containers', { messageIncludes: 'vllm/vllm-openai' }),
      ),
    ],
    valid: [
      silent('a Deployment (analysed)', lines('apiVersion: apps/v1', 'kind: Deployment', 'metadata: {name: web, namespace: ml}', 'spec:', '  template:', '    spec:', '      containers:', '      - {name: web, image: nginx:1.27}')),
      silent('a ConfigMap holding a manifest as data', lines('apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: c}', 'data:', '  pod.yaml: |', '    containers: [{image: x}]')),
    ],
  }),
});
