/**
 * Service mesh protection of the namespaces that run AI workloads (issue 10, item 8): Istio (and
 * Alibaba ASM, which serves the same APIs) and Linkerd. Judged only where the input shows a mesh (its
 * objects, or namespaces and pods enrolled in it), and per namespace that runs AI workloads (an AI
 * server, notebook or framework image, an AI port, an accelerator request, or a KServe/KubeRay/Kubeflow
 * kind):
 *
 * - `k8s/mesh-not-enrolled`: the namespace (its Namespace object is in the input) is not enrolled in
 *   the mesh (Istio: `istio-injection: enabled`, `istio.io/rev`, or ambient
 *   `istio.io/dataplane-mode: ambient`; Linkerd: `linkerd.io/inject: enabled`), or an AI workload of
 *   an enrolled namespace opts out (`sidecar.istio.io/inject: "false"`, `istio.io/dataplane-mode: none`,
 *   `linkerd.io/inject: disabled`): its traffic is plaintext and outside the mesh's policies.
 * - `k8s/mesh-mtls-not-strict`: Istio PeerAuthentication: the mode that applies to an AI workload of an
 *   enrolled namespace is not STRICT (workload selector > namespace > mesh-wide in the root namespace
 *   `istio-system` > Istio's default PERMISSIVE), or a port-level override weakens it; reported at the
 *   PeerAuthentication that decides, or at the namespace when none does.
 * - `k8s/mesh-tls-disabled`: an Istio DestinationRule turns TLS off (`DISABLE`) for in-cluster hosts,
 *   or replaces Istio's mutual TLS by its own (`SIMPLE`, `MUTUAL`) for them.
 * - `k8s/mesh-no-default-deny`: an enrolled namespace with AI workloads has no default-deny
 *   authorization: Istio, no allow-nothing AuthorizationPolicy (`spec: {}`) in it or in the root
 *   namespace; Linkerd, no `config.linkerd.io/default-inbound-policy: deny` on it (or on the pods).
 */
import type { Severity } from '../findings/index.js';
import { defineRule } from '../rules/index.js';
import type { ClusterIndex } from './cluster-index.js';
import type { RuleReporter } from './k8s-rule.js';
import type { FieldPath, Json, ManifestObject } from './model.js';
import { locationOf, sourceRef } from './model.js';
import { aiSignalsOf } from './network-policy/ai-signals.js';
import { GOOD_TEMPLATE_SPEC, DIGEST, at, deployHead, fires, lines, silent, tplContainer } from './sample-manifests.js';
import type { PodTemplate } from './workloads.js';
import { apiGroup, asArray, asObject, asString, isObject } from './workloads.js';

const ISTIO_DOCS = 'https://istio.io/latest/docs/';

export const meshNotEnrolled = defineRule({
  id: 'k8s/mesh-not-enrolled',
  title: 'AI workloads outside the service mesh',
  severity: 'medium',
  description:
    'The cluster runs a service mesh (Istio, Alibaba ASM or Linkerd), but a namespace that runs AI workloads is not enrolled (no sidecar injection label, no ambient mode), or an AI workload in an enrolled namespace opts out. Its traffic (prompts, completions, model downloads, Ray or NCCL control traffic) is plaintext, has no workload identity, and none of the mesh\u2019s authorization policies apply to it.',
  remediation:
    'Enrol the namespace: Istio `istio-injection: enabled` or `istio.io/rev: <revision>` (sidecars), or `istio.io/dataplane-mode: ambient` (ambient); Linkerd `linkerd.io/inject: enabled` (annotation). Remove per-pod opt-outs unless the pod cannot run with the mesh (then isolate it with NetworkPolicy).',
  references: [`${ISTIO_DOCS}setup/additional-setup/sidecar-injection/`, `${ISTIO_DOCS}ambient/usage/add-workloads/`, 'https://linkerd.io/2/features/proxy-injection/'],
  tags: ['k8s', 'mesh', 'network', 'ai-workload'],
  maturity: 'incubating',
  cases: () => ({
    invalid: [fires('Istio in use, AI namespace not enrolled', lines(ns('istio-system', []), '---', STRICT('istio-system'), '---', ns('llm', []), '---', aiDeployment('llm')), at(18, 3, 'metadata.name', { messageIncludes: 'not enrolled' }))],
    valid: [silent('enrolled AI namespace', lines(ns('istio-system', []), '---', ns('llm', ['istio-injection: enabled']), '---', aiDeployment('llm'), '---', DENY_ALL('llm'), '---', STRICT('llm')))],
  }),
});

export const meshMtlsNotStrict = defineRule({
  id: 'k8s/mesh-mtls-not-strict',
  title: 'Mesh accepts plaintext to AI workloads',
  severity: 'medium',
  description:
    'Istio (or ASM) PeerAuthentication decides whether the sidecars of a workload accept plaintext: STRICT accepts only mutual TLS from mesh identities; PERMISSIVE (Istio\u2019s default when no PeerAuthentication applies) also accepts plaintext; DISABLE turns mutual TLS off. For an AI workload of an enrolled namespace the mode that applies (workload selector, then namespace, then mesh-wide in the root namespace) is not STRICT, or a port-level override weakens it: any pod, meshed or not, can call the model server without an identity, and authorization policies that rely on peer identities can be bypassed over plaintext.',
  remediation: 'Add `PeerAuthentication {spec: {mtls: {mode: STRICT}}}` mesh-wide (in istio-system) or in the namespace, and remove PERMISSIVE/DISABLE overrides on AI workloads and their ports once every client is in the mesh.',
  references: [`${ISTIO_DOCS}reference/config/security/peer_authentication/`, `${ISTIO_DOCS}tasks/security/authentication/mtls-migration/`],
  tags: ['k8s', 'mesh', 'network', 'ai-workload'],
  maturity: 'incubating',
  cases: () => ({
    invalid: [
      fires(
        'namespace PERMISSIVE overrides a STRICT mesh default',
        lines(ns('istio-system', []), '---', STRICT('istio-system'), '---', ns('llm', ['istio-injection: enabled']), '---', aiDeployment('llm'), '---', DENY_ALL('llm'), '---', PA('llm', 'PERMISSIVE')),
        at(63, 5, 'spec.mtls.mode', { messageIncludes: 'PERMISSIVE' }),
      ),
    ],
    valid: [silent('STRICT mesh-wide', lines(ns('istio-system', []), '---', STRICT('istio-system'), '---', ns('llm', ['istio-injection: enabled']), '---', aiDeployment('llm'), '---', DENY_ALL('llm')))],
  }),
});

export const meshTlsDisabled = defineRule({
  id: 'k8s/mesh-tls-disabled',
  title: 'DestinationRule turns mesh TLS off',
  severity: 'medium',
  description:
    'An Istio DestinationRule sets `trafficPolicy.tls.mode: DISABLE` (or `SIMPLE`/`MUTUAL`, which replace Istio\u2019s automatic mutual TLS by TLS with certificates of the rule\u2019s own) for an in-cluster host: clients then send plaintext (or TLS without mesh identities) to it, whatever PeerAuthentication says on the clients\u2019 side; with a STRICT server the calls fail, with PERMISSIVE they go through in plaintext.',
  remediation: 'Remove the `tls` setting (Istio then uses mutual TLS automatically between sidecars) or set `mode: ISTIO_MUTUAL`; use SIMPLE/MUTUAL only for hosts outside the mesh.',
  references: [`${ISTIO_DOCS}reference/config/networking/destination-rule/#ClientTLSSettings-TLSmode`],
  tags: ['k8s', 'mesh', 'network'],
  maturity: 'incubating',
  cases: () => ({
    invalid: [
      fires(
        'TLS disabled to a model server',
        lines('apiVersion: networking.istio.io/v1', 'kind: DestinationRule', 'metadata: {name: llm, namespace: llm}', 'spec:', '  host: llm.llm.svc.cluster.local', '  trafficPolicy:', '    tls: {mode: DISABLE}'),
        at(7, 11, 'spec.trafficPolicy.tls.mode', { severity: 'medium' }),
      ),
    ],
    valid: [silent('ISTIO_MUTUAL', lines('apiVersion: networking.istio.io/v1', 'kind: DestinationRule', 'metadata: {name: llm, namespace: llm}', 'spec:', '  host: llm', '  trafficPolicy:', '    tls: {mode: ISTIO_MUTUAL}')), silent('TLS to an external host', lines('apiVersion: networking.istio.io/v1', 'kind: DestinationRule', 'metadata: {name: s3, namespace: llm}', 'spec:', '  host: s3.amazonaws.com', '  trafficPolicy:', '    tls: {mode: SIMPLE}'))],
  }),
});

export const meshNoDefaultDeny = defineRule({
  id: 'k8s/mesh-no-default-deny',
  title: 'No default-deny mesh authorization for AI workloads',
  severity: 'low',
  description:
    'A namespace enrolled in the mesh runs AI workloads but has no default-deny authorization: Istio allows every request that no AuthorizationPolicy denies, unless an allow-nothing policy (`spec: {}`) exists in the namespace or mesh-wide in the root namespace; Linkerd allows every client unless `config.linkerd.io/default-inbound-policy: deny` is set. Without it, any workload of the mesh (a compromised notebook, a batch job) can call the model servers, the Ray dashboard or the training coordinator; identities exist but nothing checks them.',
  remediation:
    'Istio: add `AuthorizationPolicy {metadata: {name: deny-all, namespace: <ns>}, spec: {}}` and ALLOW policies for the real clients (principals, namespaces, paths). Linkerd: annotate the namespace `config.linkerd.io/default-inbound-policy: deny` and add Server / AuthorizationPolicy objects for the allowed clients.',
  references: [`${ISTIO_DOCS}reference/config/security/authorization-policy/`, `${ISTIO_DOCS}ops/best-practices/security/#use-default-deny-patterns`, 'https://linkerd.io/2/reference/authorization-policy/'],
  tags: ['k8s', 'mesh', 'network', 'ai-workload'],
  maturity: 'incubating',
  cases: () => ({
    invalid: [fires('enrolled, no allow-nothing policy', lines(ns('istio-system', []), '---', STRICT('istio-system'), '---', ns('llm', ['istio-injection: enabled']), '---', aiDeployment('llm')), at(18, 3, 'metadata.name', { messageIncludes: 'allow-nothing' }))],
    valid: [silent('deny-all in the namespace', lines(ns('istio-system', []), '---', STRICT('istio-system'), '---', ns('llm', ['istio-injection: enabled']), '---', aiDeployment('llm'), '---', DENY_ALL('llm')))],
  }),
});

export const MESH_RULES = [meshNotEnrolled, meshMtlsNotStrict, meshTlsDisabled, meshNoDefaultDeny] as const;

// ---- case builders ----------------------------------------------------------------------------------

function ns(name: string, labels: readonly string[]): string[] {
  return ['apiVersion: v1', 'kind: Namespace', 'metadata:', `  name: ${name}`, ...(labels.length > 0 ? ['  labels:', ...labels.map((l) => `    ${l}`)] : [])];
}

function aiDeployment(namespace: string): string[] {
  return [...deployHead('llm', namespace), ...GOOD_TEMPLATE_SPEC, ...tplContainer('server', `vllm/vllm-openai:v0.6.3@${DIGEST}`, ['        ports: [{containerPort: 8000}]'])];
}

function PA(namespace: string, mode: string): string[] {
  return ['apiVersion: security.istio.io/v1', 'kind: PeerAuthentication', 'metadata:', '  name: default', `  namespace: ${namespace}`, 'spec:', '  mtls:', `    mode: ${mode}`];
}

const STRICT = (namespace: string): string[] => PA(namespace, 'STRICT');
const DENY_ALL = (namespace: string): string[] => ['apiVersion: security.istio.io/v1', 'kind: AuthorizationPolicy', 'metadata:', '  name: deny-all', `  namespace: ${namespace}`, 'spec: {}'];

// ---- analysis ---------------------------------------------------------------------------------------

const ROOT_NAMESPACE = 'istio-system';
const AI_GROUPS: ReadonlySet<string> = new Set(['serving.kserve.io', 'ray.io', 'kubeflow.org', 'trainer.kubeflow.org', 'leaderworkerset.x-k8s.io']);

const labelsOf = (o: ManifestObject): Record<string, Json> => asObject(asObject(o.value['metadata'])?.['labels']) ?? {};
const annotationsOf = (o: ManifestObject): Record<string, Json> => asObject(asObject(o.value['metadata'])?.['annotations']) ?? {};

type Mesh = 'istio' | 'linkerd';

function isAiTemplate(t: PodTemplate): boolean {
  return AI_GROUPS.has(apiGroup(t.object.apiVersion)) || aiSignalsOf(t).isAi;
}

/** How a namespace is enrolled, from its Namespace object. */
function namespaceEnrolment(o: ManifestObject): Mesh | undefined {
  const l = labelsOf(o);
  const a = annotationsOf(o);
  if (l['istio-injection'] === 'enabled' || (typeof l['istio.io/rev'] === 'string' && l['istio.io/rev'] !== '') || l['istio.io/dataplane-mode'] === 'ambient') return 'istio';
  if (a['linkerd.io/inject'] === 'enabled' || l['linkerd.io/inject'] === 'enabled') return 'linkerd';
  return undefined;
}

/** A pod's own opt-out (or opt-in) of the mesh. */
function podEnrolment(t: PodTemplate): { optOut?: string; optIn?: Mesh } {
  const get = (k: string): string | undefined => t.labels.get(k) ?? t.annotations.get(k);
  const sidecar = get('sidecar.istio.io/inject');
  if (sidecar === 'false') return { optOut: 'sidecar.istio.io/inject: "false"' };
  if (get('istio.io/dataplane-mode') === 'none') return { optOut: 'istio.io/dataplane-mode: none' };
  if (get('linkerd.io/inject') === 'disabled') return { optOut: 'linkerd.io/inject: disabled' };
  if (sidecar === 'true') return { optIn: 'istio' };
  if (get('linkerd.io/inject') === 'enabled') return { optIn: 'linkerd' };
  return {};
}

interface PeerAuth {
  readonly object: ManifestObject;
  readonly namespace: string;
  readonly selector?: Record<string, Json>;
  readonly mode?: string;
  readonly ports: readonly { port: string; mode: string; path: FieldPath }[];
}

function readPeerAuth(o: ManifestObject): PeerAuth {
  const spec = asObject(o.value['spec']) ?? {};
  const selector = asObject(asObject(spec['selector'])?.['matchLabels']);
  const mode = asString(asObject(spec['mtls'])?.['mode']);
  const ports: { port: string; mode: string; path: FieldPath }[] = [];
  const pl = asObject(spec['portLevelMtls']);
  if (pl) for (const [port, v] of Object.entries(pl)) {
    const m = asString(asObject(v)?.['mode']);
    if (m !== undefined) ports.push({ port, mode: m, path: ['spec', 'portLevelMtls', port, 'mode'] });
  }
  return { object: o, namespace: o.namespace ?? 'default', ...(selector !== undefined && { selector }), ...(mode !== undefined && mode !== 'UNSET' && { mode }), ports };
}

const selects = (sel: Record<string, Json>, t: PodTemplate): boolean => Object.entries(sel).every(([k, v]) => typeof v === 'string' && t.labels.get(k) === v);

/** Whether a DestinationRule host is inside the cluster (a Service name, `*.svc`, `*.svc.cluster.local`, `*.local`). */
function inClusterHost(host: string): boolean {
  return !host.includes('.') || /\.svc(?:\.cluster\.local)?$/.test(host) || host.endsWith('.local');
}

function wl(t: PodTemplate): string {
  return `${t.object.kind} ${t.object.name}${t.role !== undefined ? ` (${t.role})` : ''}`;
}

/** Report the mesh findings of one cluster's objects (see the module comment). */
export function analyzeMesh(objects: readonly ManifestObject[], index: ClusterIndex, reporter: RuleReporter): void {
  if (!MESH_RULES.some((r) => reporter.enabled(r))) return;
  let istio = false;
  let linkerd = false;
  const peerAuths: PeerAuth[] = [];
  const denyAll = new Set<string>();
  const destinationRules: ManifestObject[] = [];
  const namespaces = new Map<string, ManifestObject>();
  for (const o of objects) {
    const g = apiGroup(o.apiVersion);
    if (g === 'security.istio.io' || g === 'networking.istio.io') istio = true;
    if (g === 'policy.linkerd.io' || g === 'linkerd.io') linkerd = true;
    if (g === '' && o.kind === 'Namespace') {
      namespaces.set(o.name, o);
      const e = namespaceEnrolment(o);
      if (e === 'istio') istio = true;
      if (e === 'linkerd') linkerd = true;
    }
    if (g === 'security.istio.io' && o.kind === 'PeerAuthentication') peerAuths.push(readPeerAuth(o));
    if (g === 'security.istio.io' && o.kind === 'AuthorizationPolicy') {
      const spec = o.value['spec'];
      // allow-nothing: an ALLOW policy (the default action) without rules selects and allows nothing.
      if (spec === undefined || spec === null || (isObject(spec) && asArray(spec['rules']).length === 0 && (spec['action'] === undefined || spec['action'] === 'ALLOW') && spec['selector'] === undefined && spec['targetRef'] === undefined && spec['targetRefs'] === undefined)) denyAll.add(o.namespace ?? 'default');
    }
    if (g === 'networking.istio.io' && o.kind === 'DestinationRule') destinationRules.push(o);
  }
  for (const t of index.templates.values()) for (const x of t) {
    const p = podEnrolment(x);
    if (p.optIn === 'istio') istio = true;
    if (p.optIn === 'linkerd') linkerd = true;
  }
  if (!istio && !linkerd) return;
  const meshName = istio ? 'Istio' : 'Linkerd';

  if (istio && reporter.enabled(meshTlsDisabled)) {
    for (const dr of destinationRules) {
      const host = asString(asObject(dr.value['spec'])?.['host']) ?? '';
      if (!inClusterHost(host)) continue;
      const check = (tls: Json | undefined, path: FieldPath, where: string): void => {
        const mode = asString(asObject(tls)?.['mode']);
        if (mode !== 'DISABLE' && mode !== 'SIMPLE' && mode !== 'MUTUAL') return;
        const severity: Severity = mode === 'DISABLE' ? 'medium' : 'low';
        reporter.report(meshTlsDisabled, {
          location: locationOf(dr, [...path, 'mode']),
          severity,
          message: `DestinationRule ${dr.name} sets TLS mode ${mode} for in-cluster host ${JSON.stringify(host)}${where}: ${mode === 'DISABLE' ? 'clients send plaintext instead of Istio mutual TLS' : "Istio's automatic mutual TLS is replaced by TLS without mesh identities"}`,
        });
      };
      const tp = asObject(asObject(dr.value['spec'])?.['trafficPolicy']);
      check(tp?.['tls'], ['spec', 'trafficPolicy', 'tls'], '');
      asArray(tp?.['portLevelSettings']).forEach((s, i) => {
        const port = asObject(asObject(s)?.['port'])?.['number'];
        check(asObject(s)?.['tls'], ['spec', 'trafficPolicy', 'portLevelSettings', i, 'tls'], ` (port ${String(port ?? '?')})`);
      });
    }
  }

  // AI workloads per namespace (pods of cluster-scoped templates run elsewhere: not judged here).
  const aiByNs = new Map<string, PodTemplate[]>();
  for (const tpls of index.templates.values()) {
    for (const t of tpls) {
      if (t.admission !== 'namespace' || !isAiTemplate(t)) continue;
      const l = aiByNs.get(t.namespace) ?? [];
      l.push(t);
      aiByNs.set(t.namespace, l);
    }
  }
  const meshWide = peerAuths.find((p) => p.namespace === ROOT_NAMESPACE && p.selector === undefined && p.mode !== undefined);
  for (const [nsName, ai] of [...aiByNs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (nsName === ROOT_NAMESPACE) continue;
    const nsObj = namespaces.get(nsName);
    const nsEnrolled = nsObj !== undefined ? namespaceEnrolment(nsObj) : undefined;
    const enrolled = ai.filter((t) => (nsEnrolled !== undefined && podEnrolment(t).optOut === undefined) || podEnrolment(t).optIn !== undefined);
    // Enrolment: judged where the Namespace object is in the input, or where a pod opts out explicitly.
    if (reporter.enabled(meshNotEnrolled)) {
      if (nsObj !== undefined && nsEnrolled === undefined && enrolled.length < ai.length) {
        const out = ai.filter((t) => podEnrolment(t).optIn === undefined);
        reporter.report(meshNotEnrolled, {
          location: locationOf(nsObj, ['metadata', 'name']),
          message: `namespace ${nsName} runs AI workloads (${out.slice(0, 3).map(wl).join(', ')}${out.length > 3 ? ` and ${out.length - 3} more` : ''}) but is not enrolled in the ${meshName} mesh: no injection or ambient label, so their traffic is plaintext and outside the mesh's policies`,
        });
      } else if (nsEnrolled !== undefined) {
        for (const t of ai) {
          const opt = podEnrolment(t).optOut;
          if (opt === undefined) continue;
          reporter.report(meshNotEnrolled, {
            location: locationOf(t.object, [...t.metadataPath, t.labels.has(opt.split(':')[0] ?? '') ? 'labels' : 'annotations']),
            message: `${wl(t)} opts out of the ${meshName} mesh (${opt}) in enrolled namespace ${nsName}: its traffic is plaintext and outside the mesh's policies`,
          });
        }
      }
    }
    if (enrolled.length === 0) continue;
    // mTLS mode (Istio).
    if (istio && reporter.enabled(meshMtlsNotStrict)) {
      const nsWide = peerAuths.find((p) => p.namespace === nsName && p.selector === undefined && p.mode !== undefined);
      const weak = new Map<ManifestObject, { pa: PeerAuth; path: FieldPath; mode: string; who: string[] }>();
      let defaultWho: string[] = [];
      for (const t of enrolled) {
        const workload = peerAuths.find((p) => p.namespace === nsName && p.selector !== undefined && p.mode !== undefined && selects(p.selector, t));
        const decider = workload ?? nsWide ?? meshWide;
        const mode = decider?.mode ?? 'PERMISSIVE';
        if (mode !== 'STRICT') {
          if (decider) {
            const w = weak.get(decider.object) ?? { pa: decider, path: ['spec', 'mtls', 'mode'], mode, who: [] };
            w.who.push(wl(t));
            weak.set(decider.object, w);
          } else defaultWho = [...defaultWho, wl(t)];
        }
        for (const p of peerAuths) {
          if (p.namespace !== nsName || (p.selector !== undefined && !selects(p.selector, t))) continue;
          for (const port of p.ports) {
            if (port.mode === 'STRICT' || port.mode === 'UNSET') continue;
            reporter.report(meshMtlsNotStrict, {
              location: locationOf(p.object, port.path),
              message: `PeerAuthentication ${p.namespace}/${p.object.name} sets mTLS ${port.mode} on port ${port.port} of ${wl(t)}: that port of an AI workload accepts plaintext`,
            });
          }
        }
      }
      for (const w of weak.values()) {
        reporter.report(meshMtlsNotStrict, {
          location: locationOf(w.pa.object, w.path),
          severity: w.mode === 'DISABLE' ? 'high' : 'medium',
          message: `PeerAuthentication ${w.pa.namespace}/${w.pa.object.name} sets mTLS ${w.mode} for AI workloads of namespace ${nsName} (${w.who.slice(0, 3).join(', ')}${w.who.length > 3 ? ` and ${w.who.length - 3} more` : ''})${w.pa.namespace === nsName && meshWide?.mode === 'STRICT' ? `, overriding the STRICT mesh-wide default (${sourceRef(meshWide.object, ['spec', 'mtls', 'mode'])})` : ''}: they accept plaintext`,
        });
      }
      if (defaultWho.length > 0) {
        const where = nsObj !== undefined ? { o: nsObj, p: ['metadata', 'name'] as FieldPath } : { o: (enrolled[0] as PodTemplate).object, p: ['metadata', 'namespace'] as FieldPath };
        reporter.report(meshMtlsNotStrict, {
          location: locationOf(where.o, where.p),
          message: `no PeerAuthentication applies to the AI workloads of namespace ${nsName} (${defaultWho.slice(0, 3).join(', ')}${defaultWho.length > 3 ? ` and ${defaultWho.length - 3} more` : ''}): Istio's default is PERMISSIVE, so they accept plaintext`,
        });
      }
    }
    // Default deny.
    if (reporter.enabled(meshNoDefaultDeny)) {
      const linkerdDeny = nsObj !== undefined && annotationsOf(nsObj)['config.linkerd.io/default-inbound-policy'] === 'deny';
      const istioDeny = denyAll.has(nsName) || denyAll.has(ROOT_NAMESPACE);
      const uses = nsEnrolled ?? (istio ? 'istio' : 'linkerd');
      const ok = uses === 'istio' ? istioDeny : linkerdDeny || enrolled.every((t) => t.annotations.get('config.linkerd.io/default-inbound-policy') === 'deny');
      if (!ok) {
        const where = nsObj !== undefined ? { o: nsObj, p: ['metadata', 'name'] as FieldPath } : { o: (enrolled[0] as PodTemplate).object, p: ['metadata', 'namespace'] as FieldPath };
        reporter.report(meshNoDefaultDeny, {
          location: locationOf(where.o, where.p),
          message:
            uses === 'istio'
              ? `namespace ${nsName} runs AI workloads in the Istio mesh but has no allow-nothing AuthorizationPolicy (spec: {}) in it or in ${ROOT_NAMESPACE}: every workload of the mesh may call ${enrolled.slice(0, 3).map(wl).join(', ')}`
              : `namespace ${nsName} runs AI workloads in the Linkerd mesh without config.linkerd.io/default-inbound-policy: deny: every client may call ${enrolled.slice(0, 3).map(wl).join(', ')}`,
        });
      }
    }
  }
}
