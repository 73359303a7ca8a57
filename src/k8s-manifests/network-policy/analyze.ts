/**
 * NetworkPolicy findings from the coverage analysis (verdicts.ts):
 * - per namespace with workloads or a Namespace object, and per direction: no default-deny, or a
 *   default-deny re-opened by an allow-all rule (system namespaces are exempt, see below);
 * - per policy rule that allows everything (re-opens isolation);
 * - per AI workload: an AI port reachable from any source; unrestricted egress;
 * - per policy: rejected by validation; rules that have no effect.
 *
 * Workloads simply left open in a namespace without default-deny are named in the namespace finding
 * rather than reported one by one, so that one missing policy is one finding to fix.
 */
import type { Severity } from '../../findings/index.js';
import type { RuleReporter } from '../k8s-rule.js';
import type { FieldPath, ManifestObject } from '../model.js';
import { locationOf, sourceRef } from '../model.js';
import type { AiSignals } from './ai-signals.js';
import { aiSignalsOf } from './ai-signals.js';
import { clip, listSome } from './json-util.js';
import { describeSelector } from './label-selector.js';
import type { Direction, NetworkPolicyDef, PolicyRule, Ports } from './policy.js';
import { NETPOL_RULES, aiEgressUnrestricted, aiWorkloadExposed, allowAll, invalidPolicy, noDefaultDenyEgress, noDefaultDenyIngress, rulesIgnored } from './rules.js';
import type { AppliedRule, CoverageAnalysis, NamespaceCoverage, WorkloadVerdict } from './verdicts.js';
import { analyzeCoverage, portsInclude } from './verdicts.js';

/**
 * System namespaces: their components run with hostNetwork or talk to the API server and every node,
 * and they are managed by the platform, not by the manifests being scanned. Namespace-level
 * default-deny findings are not raised for them (policy and workload findings still are).
 */
const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

export const EXEMPT_NAMESPACES: ReadonlySet<string> = new Set(['kube-system', 'kube-public', 'kube-node-lease']);

function workloadName(w: WorkloadVerdict): string {
  return `${w.object.kind} ${w.namespace}/${clip(w.object.name)}${w.template.role !== undefined ? ` (${clip(w.template.role)})` : ''}`;
}

function policyName(p: NetworkPolicyDef): string {
  return `NetworkPolicy ${p.namespace}/${clip(p.name)}`;
}

function ruleRef(a: AppliedRule): string {
  return `${policyName(a.policy)} spec.${a.rule.direction}[${a.rule.index}] (${sourceRef(a.policy.object, a.rule.path)})`;
}

const DIRECTION_WORD: Record<Direction, string> = { ingress: 'Ingress', egress: 'Egress' };

function namespaceLocationOf(ns: NamespaceCoverage): { obj: ManifestObject; path: FieldPath } | undefined {
  if (ns.object) return { obj: ns.object, path: ['metadata', 'name'] };
  const w = ns.workloads[0];
  if (w) return { obj: w.object, path: ['metadata', 'namespace'] };
  return undefined;
}

function namespaceFindings(a: CoverageAnalysis, reporter: RuleReporter): void {
  for (const ns of a.namespaces.values()) {
    if (EXEMPT_NAMESPACES.has(ns.name)) continue;
    // An unrendered placeholder (`FILLED BY THE OPERATOR`, `{{ .Release.Namespace }}`) is no namespace.
    if (!DNS_LABEL.test(ns.name)) continue;
    if (!ns.object && ns.workloads.length === 0) continue; // only policies: nothing to protect in the input
    const loc = namespaceLocationOf(ns);
    if (!loc) continue;
    for (const d of ['ingress', 'egress'] as const) {
      const dd = ns.defaultDeny[d];
      if (dd.status === 'present') continue;
      const open = ns.workloads.filter((w) => w[d].verdict === 'not-isolated');
      const openText = open.length > 0 ? ` Not isolated for ${d}: ${listSome(open.map(workloadName), 5)}.` : '';
      const rule = d === 'ingress' ? noDefaultDenyIngress : noDefaultDenyEgress;
      let severity: Severity;
      let message: string;
      const effect =
        d === 'ingress'
          ? 'pods that no other policy selects accept connections from any pod of the cluster and from any address that can reach them'
          : 'pods that no other policy selects can connect anywhere (exfiltration, cloud metadata endpoint, untrusted downloads)';
      if (dd.status === 'missing') {
        severity = d === 'ingress' ? (open.length > 0 ? 'medium' : 'low') : open.length > 0 ? 'low' : 'info';
        message = `Namespace ${ns.name} has no default-deny NetworkPolicy for ${d} (a policy with \`podSelector: {}\` and \`policyTypes: [${DIRECTION_WORD[d]}]\`): ${effect}.${openText}`;
      } else {
        severity = d === 'ingress' ? 'medium' : 'low';
        const first = dd.reopenedBy[0];
        message = `Namespace ${ns.name} has a namespace-wide ${d} policy, but ${first ? ruleRef(first) : 'a rule'} allows every peer on every port to every pod of the namespace, so there is no default deny: ${effect}.`;
      }
      reporter.report(rule, {
        location: locationOf(loc.obj, loc.path),
        severity,
        message,
        evidence: `${ns.name}: ${d} default-deny ${dd.status}`,
      });
    }
  }
}

function allowAllFindings(a: CoverageAnalysis, reporter: RuleReporter): void {
  // Which workloads each allow-all rule re-opens (from the verdicts: no extra matching).
  const reopened = new Map<PolicyRule, WorkloadVerdict[]>();
  for (const w of a.workloads) {
    for (const d of ['ingress', 'egress'] as const) {
      for (const r of w[d].allowAll) {
        const l = reopened.get(r.rule) ?? [];
        l.push(w);
        reopened.set(r.rule, l);
      }
    }
  }
  for (const p of a.policies) {
    if (p.problems.length > 0) continue;
    for (const d of ['ingress', 'egress'] as const) {
      if (!p.types[d]) continue;
      for (const r of p.rules[d]) {
        if (!r.allowAll) continue;
        const ws = reopened.get(r) ?? [];
        const peerText = r.peers === 'any' ? `no \`${d === 'ingress' ? 'from' : 'to'}\`` : 'ipBlocks covering every address';
        const selects = p.podSelector.kind === 'everything' ? `every pod of namespace ${p.namespace}` : `pods matching ${clip(describeSelector(p.podSelector), 80)}`;
        const who = ws.length > 0 ? ` Re-opened: ${listSome(ws.map(workloadName), 5)}.` : '';
        reporter.report(allowAll, {
          location: locationOf(p.object, r.anyPeerPath ?? r.path),
          severity: d === 'ingress' ? 'medium' : 'low',
          message: `${policyName(p)} spec.${d}[${r.index}] has ${peerText} and no \`ports\`: it allows ${d === 'ingress' ? 'any source' : 'any destination'} on every port for ${selects}; policies are additive, so no other policy can narrow it.${who}`,
          evidence: `${d}[${r.index}] allow-all`,
        });
      }
    }
  }
}

function portsText(ports: Ports): string {
  if (ports === 'all') return 'every port';
  return ports.map((p) => `${p.protocol}/${p.port ?? '*'}${p.endPort !== undefined ? `-${p.endPort}` : ''}`).join(', ');
}

function ingressReason(w: WorkloadVerdict): string {
  const v = w.ingress;
  if (w.hostNetwork) return 'the pods use hostNetwork, which NetworkPolicy does not reliably restrict';
  if (v.verdict === 'not-isolated') return 'no NetworkPolicy selects the pods for ingress';
  if (v.verdict === 'reopened-by-allow-all') return `${v.allowAll[0] ? ruleRef(v.allowAll[0]) : 'a policy'} allows any source on every port`;
  const r = v.rules.find((x) => x.rule.anyPeer);
  return `${r ? ruleRef(r) : 'a policy'} allows any source on ${portsText(v.anyPeerPorts)}`;
}

function aiFindings(a: CoverageAnalysis, reporter: RuleReporter): void {
  for (const w of a.workloads) {
    let signals: AiSignals | undefined;
    const sig = (): AiSignals => (signals ??= aiSignalsOf(w.template));
    // Ingress: AI ports reachable from any source.
    const anyPorts = w.ingress.anyPeerPorts;
    if (anyPorts === 'all' || anyPorts.length > 0) {
      const s = sig();
      const exposed = s.ports.filter((p) => portsInclude(anyPorts, p.port, p.protocol, s.namedPorts));
      const first = exposed[0];
      if (first) {
        reporter.report(aiWorkloadExposed, {
          location: locationOf(w.object, first.path),
          message: `${workloadName(w)} serves ${listSome(exposed.map((p) => `${p.service} on ${p.port}`), 4)}, reachable from any pod of the cluster and any address that can route to it: ${ingressReason(w)}.`,
          evidence: `ports ${exposed.map((p) => p.port).join(',')} open: ${w.ingress.verdict}${w.hostNetwork ? ' (hostNetwork)' : ''}`,
        });
      }
    }
    // Egress: AI workloads that can connect anywhere.
    if (w.egress.anyPeerPorts === 'all') {
      const s = sig();
      if (s.isAi) {
        const why = [
          s.ports.length > 0 ? `serves ${listSome(s.ports.map((p) => `${p.service} on ${p.port}`), 2)}` : '',
          s.aiImageName !== undefined ? `runs AI image ${JSON.stringify(clip(s.aiImageName, 80))}` : '',
          s.acceleratorResource !== undefined ? `requests ${s.acceleratorResource}` : '',
        ]
          .filter((x) => x !== '')
          .join(', ');
        const reason =
          w.hostNetwork
            ? 'it uses hostNetwork, which NetworkPolicy does not reliably restrict'
            : w.egress.verdict === 'not-isolated'
              ? 'no NetworkPolicy selects its pods for egress'
              : `${w.egress.allowAll[0] ? ruleRef(w.egress.allowAll[0]) : 'a policy'} allows every destination on every port`;
        reporter.report(aiEgressUnrestricted, {
          location: locationOf(w.object, [...w.template.metadataPath, 'labels']),
          message: `${workloadName(w)} (${why}) can connect to any destination: ${reason}. A compromised model server can exfiltrate weights and data or reach the cloud metadata endpoint.`,
          evidence: `egress ${w.egress.verdict}${w.hostNetwork ? ' (hostNetwork)' : ''}`,
        });
      }
    }
  }
}

function policyProblemFindings(a: CoverageAnalysis, reporter: RuleReporter): void {
  for (const p of a.policies) {
    const first = p.problems[0];
    if (first) {
      reporter.report(invalidPolicy, {
        location: locationOf(p.object, first.path),
        message: `${policyName(p)} would be rejected by the API server, so it protects nothing: ${listSome(p.problems.map((x) => clip(x.message, 160)), 3)}.`,
        evidence: p.problems.map((x) => x.message).join('; '),
      });
    }
    for (const d of p.ignoredRules) {
      reporter.report(rulesIgnored, {
        location: locationOf(p.object, ['spec', d]),
        message: `${policyName(p)} has ${d} rules but \`policyTypes\` does not list ${DIRECTION_WORD[d]}, so they are ignored and this policy does not restrict ${d}.`,
        evidence: `${d} rules ignored`,
      });
    }
    if (p.emptyEgressIgnored) {
      reporter.report(rulesIgnored, {
        location: locationOf(p.object, ['spec', 'egress']),
        message: `${policyName(p)} has \`egress: []\` but no \`policyTypes\`: the default is Ingress only (Egress is added only when there is at least one egress rule), so egress is NOT denied. Add \`policyTypes: [Ingress, Egress]\`.`,
        evidence: 'egress: [] without policyTypes',
      });
    }
  }
}

/** Report every NetworkPolicy finding for a set of manifest objects (pure; total on arbitrary input). */
export function analyzeNetworkPolicies(objects: readonly ManifestObject[], reporter: RuleReporter): void {
  if (!NETPOL_RULES.some((r) => reporter.enabled(r))) return;
  const a = analyzeCoverage(objects);
  namespaceFindings(a, reporter);
  allowAllFindings(a, reporter);
  aiFindings(a, reporter);
  policyProblemFindings(a, reporter);
}
