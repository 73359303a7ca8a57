/**
 * NetworkPolicy coverage: for every workload (pod template) and direction, whether its pods are
 * isolated and by what, and for every namespace whether it has a default-deny — pure functions.
 *
 * Semantics (https://kubernetes.io/docs/concepts/services-networking/network-policies/):
 * - A policy selects pods of ITS OWN namespace with `spec.podSelector` (`{}` = all of them).
 * - A pod is isolated for a direction iff at least one valid policy selecting it has that direction
 *   in its (defaulted) `policyTypes`; otherwise all traffic in that direction is allowed.
 * - Policies are additive: the allowed traffic of an isolated pod is the union of the rules of that
 *   direction of every policy selecting it. Nothing can deny what another policy allows, so one
 *   allow-all rule re-opens the pod whatever else applies.
 * Verdicts:
 *   not-isolated               no policy selects the pod for the direction (or hostNetwork: see below)
 *   isolated-default-deny      selected, and the selecting policies allow nothing in that direction
 *   isolated-with-allow-rules  selected, some traffic allowed, but not everything
 *   reopened-by-allow-all      selected, but a rule allows any peer on any port
 * hostNetwork pods share the node's network namespace; NetworkPolicy does not reliably apply to them
 * (behaviour is undefined in the API and most plugins do not enforce it), so they are reported as
 * not isolated, with `hostNetwork: true` and the policies that would otherwise select them.
 *
 * Cost: policies are indexed per namespace by selector (selector-index.ts), so a workload is tested
 * only against policies that can match one of its labels, plus `{}`/negative selectors.
 */
import type { ManifestObject } from '../model.js';
import type { PodTemplate } from '../workloads.js';
import { podTemplatesOf } from '../workloads.js';
import { getPath } from './json-util.js';
import type { CompiledSelector, Labels } from './label-selector.js';
import { labelsOf, selectorMatchesPartial } from './label-selector.js';
import type { Direction, NetworkPolicyDef, PolicyRule, PortSpec, Ports } from './policy.js';
import { DIRECTIONS, readNetworkPolicy } from './policy.js';
import { SelectorIndex } from './selector-index.js';

export type Verdict = 'not-isolated' | 'isolated-default-deny' | 'isolated-with-allow-rules' | 'reopened-by-allow-all';

export interface AppliedRule {
  readonly policy: NetworkPolicyDef;
  readonly rule: PolicyRule;
}

export interface DirectionVerdict {
  readonly direction: Direction;
  readonly verdict: Verdict;
  /** Valid policies selecting the pod with this direction in policyTypes: they decide isolation. */
  readonly policies: readonly NetworkPolicyDef[];
  /** The allow rules that apply to the pod in this direction (union over `policies`). */
  readonly rules: readonly AppliedRule[];
  /** Rules allowing any peer on any port (non-empty exactly when re-opened). */
  readonly allowAll: readonly AppliedRule[];
  /** Ports open to ANY peer (any pod, any IP): 'all', or the ports of rules without peer restriction ([] = none). */
  readonly anyPeerPorts: Ports;
}

export interface WorkloadVerdict {
  readonly object: ManifestObject;
  readonly template: PodTemplate;
  readonly namespace: string;
  readonly labels: Labels;
  readonly hostNetwork: boolean;
  readonly ingress: DirectionVerdict;
  readonly egress: DirectionVerdict;
}

export type DefaultDenyStatus = 'present' | 'missing' | 'reopened';

export interface NamespaceCoverage {
  readonly name: string;
  /** The Namespace object, when the input has one. */
  readonly object?: ManifestObject;
  /** Labels (always including `kubernetes.io/metadata.name`). */
  readonly labels: Labels;
  /** False when the Namespace object is not in the input: only the automatic name label is known. */
  readonly labelsComplete: boolean;
  readonly defaultDeny: Readonly<
    Record<
      Direction,
      {
        readonly status: DefaultDenyStatus;
        /** Policies with `podSelector: {}` and this direction. */
        readonly policies: readonly NetworkPolicyDef[];
        readonly reopenedBy: readonly AppliedRule[];
      }
    >
  >;
  readonly workloads: readonly WorkloadVerdict[];
  readonly policies: readonly NetworkPolicyDef[];
}

export interface CoverageAnalysis {
  readonly policies: readonly NetworkPolicyDef[];
  readonly workloads: readonly WorkloadVerdict[];
  /** Every namespace with a workload, a policy or a Namespace object, in order of appearance. */
  readonly namespaces: ReadonlyMap<string, NamespaceCoverage>;
  /** Known namespaces a namespaceSelector matches (`uncertain`: labels not in the input). */
  namespacesMatching(sel: CompiledSelector): { readonly matched: readonly string[]; readonly uncertain: readonly string[] };
}

export const NAME_LABEL = 'kubernetes.io/metadata.name';

function directionVerdict(direction: Direction, selecting: readonly NetworkPolicyDef[], hostNetwork: boolean): DirectionVerdict {
  const policies = selecting.filter((p) => p.types[direction]);
  const rules: AppliedRule[] = [];
  for (const p of policies) for (const rule of p.rules[direction]) rules.push({ policy: p, rule });
  const allowAll = rules.filter((r) => r.rule.allowAll);
  let verdict: Verdict;
  if (policies.length === 0 || hostNetwork) verdict = 'not-isolated';
  else if (allowAll.length > 0) verdict = 'reopened-by-allow-all';
  else if (rules.length === 0) verdict = 'isolated-default-deny';
  else verdict = 'isolated-with-allow-rules';
  let anyPeerPorts: Ports;
  if (verdict === 'not-isolated' || verdict === 'reopened-by-allow-all') anyPeerPorts = 'all';
  else {
    const ports: PortSpec[] = [];
    for (const r of rules) if (r.rule.anyPeer && r.rule.ports !== 'all') for (const p of r.rule.ports) ports.push(p);
    anyPeerPorts = ports;
  }
  return { direction, verdict, policies, rules, allowAll, anyPeerPorts };
}

/** The full coverage analysis (policies, workload verdicts, namespace default-deny). */
export function analyzeCoverage(objects: readonly ManifestObject[]): CoverageAnalysis {
  const policies: NetworkPolicyDef[] = [];
  const nsObjects = new Map<string, ManifestObject>();
  const order: string[] = [];
  const seen = new Set<string>();
  const note = (ns: string): void => {
    if (seen.has(ns)) return;
    seen.add(ns);
    order.push(ns);
  };
  const templates: PodTemplate[] = [];
  for (const obj of objects) {
    if (obj.kind === 'Namespace' && obj.apiVersion === 'v1') {
      if (obj.name !== '') {
        nsObjects.set(obj.name, obj);
        note(obj.name);
      }
      continue;
    }
    const p = readNetworkPolicy(obj);
    if (p) {
      policies.push(p);
      note(p.namespace);
      continue;
    }
    for (const t of podTemplatesOf(obj)) {
      // Pods of a cluster-scoped template (ClusterServingRuntime, ClusterWorkflowTemplate) run in the
      // namespace of whatever uses them: no namespace's policies can be judged for them here.
      if (t.admission !== 'namespace') continue;
      templates.push(t);
      note(t.namespace);
    }
  }

  // Index valid policies per namespace by pod selector.
  const byNs = new Map<string, SelectorIndex<NetworkPolicyDef>>();
  const validByNs = new Map<string, NetworkPolicyDef[]>();
  const allByNs = new Map<string, NetworkPolicyDef[]>();
  for (const p of policies) {
    const all = allByNs.get(p.namespace) ?? [];
    all.push(p);
    allByNs.set(p.namespace, all);
    if (p.problems.length > 0) continue;
    let idx = byNs.get(p.namespace);
    if (!idx) byNs.set(p.namespace, (idx = new SelectorIndex()));
    idx.add(p, p.podSelector);
    const list = validByNs.get(p.namespace) ?? [];
    list.push(p);
    validByNs.set(p.namespace, list);
  }

  const workloads: WorkloadVerdict[] = [];
  for (const t of templates) {
    const labels = t.labels;
    const selecting = byNs.get(t.namespace)?.match(labels) ?? [];
    const hostNetwork = t.spec['hostNetwork'] === true;
    workloads.push({
      object: t.object,
      template: t,
      namespace: t.namespace,
      labels,
      hostNetwork,
      ingress: directionVerdict('ingress', selecting, hostNetwork),
      egress: directionVerdict('egress', selecting, hostNetwork),
    });
  }

  const namespaces = new Map<string, NamespaceCoverage>();
  const wlByNs = new Map<string, WorkloadVerdict[]>();
  for (const w of workloads) {
    const l = wlByNs.get(w.namespace) ?? [];
    l.push(w);
    wlByNs.set(w.namespace, l);
  }
  for (const name of order) {
    const obj = nsObjects.get(name);
    const labels = obj ? labelsOf(getPath(obj.value, 'metadata', 'labels')) : new Map<string, string>();
    labels.set(NAME_LABEL, name); // set (and overwritten) by the API server since 1.21
    const nsPolicies = allByNs.get(name) ?? [];
    const valid = validByNs.get(name) ?? [];
    const dd = {} as Record<Direction, NamespaceCoverage['defaultDeny'][Direction]>;
    for (const d of DIRECTIONS) {
      const all = valid.filter((p) => p.podSelector.kind === 'everything' && p.types[d]);
      const reopenedBy: AppliedRule[] = [];
      for (const p of all) for (const rule of p.rules[d]) if (rule.allowAll) reopenedBy.push({ policy: p, rule });
      dd[d] = { status: all.length === 0 ? 'missing' : reopenedBy.length > 0 ? 'reopened' : 'present', policies: all, reopenedBy };
    }
    namespaces.set(name, {
      name,
      ...(obj && { object: obj }),
      labels,
      labelsComplete: obj !== undefined,
      defaultDeny: dd,
      workloads: wlByNs.get(name) ?? [],
      policies: nsPolicies,
    });
  }

  return {
    policies,
    workloads,
    namespaces,
    namespacesMatching(sel) {
      const matched: string[] = [];
      const uncertain: string[] = [];
      for (const ns of namespaces.values()) {
        const r = selectorMatchesPartial(sel, ns.labels, ns.labelsComplete);
        if (r === 'yes') matched.push(ns.name);
        else if (r === 'unknown') uncertain.push(ns.name);
      }
      return { matched, uncertain };
    },
  };
}

/** For every workload and direction, the isolation verdict and the policies that decide it. */
export function networkPolicyVerdicts(objects: readonly ManifestObject[]): WorkloadVerdict[] {
  return [...analyzeCoverage(objects).workloads];
}

/** Whether `ports` (of a rule or verdict) include container port `port` (named ports resolved). */
export function portsInclude(ports: Ports, port: number, protocol: string, namedPorts: ReadonlyMap<string, number>): boolean {
  if (ports === 'all') return true;
  for (const p of ports) {
    if (p.protocol !== protocol) continue;
    if (p.port === undefined) return true;
    const n = typeof p.port === 'number' ? p.port : namedPorts.get(p.port);
    if (n === undefined) continue;
    if (p.endPort !== undefined ? port >= n && port <= p.endPort : port === n) return true;
  }
  return false;
}
