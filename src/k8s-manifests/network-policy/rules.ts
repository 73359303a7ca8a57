/**
 * NetworkPolicy coverage rules (issue 4, item 6). Namespace-level default-deny, policies that re-open
 * isolation, AI workloads reachable from anywhere, and policy mistakes that silently protect nothing.
 */
import { defineRule } from '../../rules/index.js';

const NP_DOCS = 'https://kubernetes.io/docs/concepts/services-networking/network-policies/';
const NP_API = 'https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/';
const NSA = 'https://media.defense.gov/2022/Aug/29/2003066362/-1/-1/0/CTR_KUBERNETES_HARDENING_GUIDANCE_1.2_20220829.PDF';

export const noDefaultDenyIngress = defineRule({
  id: 'k8s/netpol-no-default-deny-ingress',
  title: 'Namespace has no default-deny NetworkPolicy for ingress',
  severity: 'medium',
  description:
    'Without a NetworkPolicy that selects every pod of the namespace (`podSelector: {}`) for Ingress, every pod that no other policy selects accepts connections from any pod of the cluster and any address that can route to it. One compromised pod anywhere then reaches model servers, notebooks and dashboards that have no authentication of their own. A namespace-wide policy whose rule allows everything (`ingress: [{}]`) cancels the default deny and is reported the same way.',
  remediation:
    'Add a default-deny policy to the namespace (`podSelector: {}`, `policyTypes: [Ingress]`, no ingress rules), then one policy per workload that allows only its real clients and ports.',
  references: [`${NP_DOCS}#default-deny-all-ingress-traffic`, NSA],
  tags: ['k8s', 'network-policy', 'lateral-movement'],
  maturity: 'stable',
});

export const noDefaultDenyEgress = defineRule({
  id: 'k8s/netpol-no-default-deny-egress',
  title: 'Namespace has no default-deny NetworkPolicy for egress',
  severity: 'low',
  description:
    'Without a namespace-wide Egress policy, pods that no other policy selects can connect anywhere: exfiltrate model weights and training data, reach the cloud metadata endpoint (169.254.169.254) for node credentials, or download untrusted models and payloads.',
  remediation:
    'Add a default-deny egress policy (`podSelector: {}`, `policyTypes: [Egress]`), then allow DNS (kube-dns on port 53) and the destinations each workload needs.',
  references: [`${NP_DOCS}#default-deny-all-egress-traffic`, NSA],
  tags: ['k8s', 'network-policy', 'exfiltration'],
  maturity: 'stable',
});

export const allowAll = defineRule({
  id: 'k8s/netpol-allow-all',
  title: 'NetworkPolicy rule allows all traffic',
  severity: 'medium',
  description:
    'A rule with no `from`/`to` (or with ipBlocks covering 0.0.0.0/0 or ::/0) and no `ports` allows every peer on every port. Policies are additive, so this rule undoes the isolation every other policy gives the pods it selects, including a namespace default-deny.',
  remediation: 'Replace the rule by peers (podSelector / namespaceSelector / specific ipBlocks) and ports the selected pods actually need.',
  references: [`${NP_DOCS}#allow-all-ingress-traffic`, NP_API],
  tags: ['k8s', 'network-policy'],
  maturity: 'stable',
});

export const aiWorkloadExposed = defineRule({
  id: 'k8s/netpol-ai-workload-exposed',
  title: 'AI service port reachable from any source',
  severity: 'high',
  description:
    'The workload serves an AI port (Ray dashboard or client, Jupyter, TensorBoard, MLflow, Triton, vLLM/TGI, TorchServe management, Ollama\u2026) and no NetworkPolicy restricts who may connect to it: the pods are not isolated for ingress, a policy re-opens them, or a rule allows any source on that port. Most of these services have no authentication and execute code or load models on request (Ray job submission, Jupyter kernels, TorchServe model registration).',
  remediation:
    'Select the workload with a NetworkPolicy that allows the port only from its real clients (the gateway, the pipeline namespace) and keep a namespace default-deny.',
  references: [NP_DOCS, 'https://docs.ray.io/en/latest/ray-security/index.html', 'https://jupyter-server.readthedocs.io/en/latest/operators/security.html'],
  tags: ['k8s', 'network-policy', 'ai-workload', 'initial-access'],
  maturity: 'stable',
});

export const aiEgressUnrestricted = defineRule({
  id: 'k8s/netpol-ai-egress-unrestricted',
  title: 'AI workload can connect anywhere',
  severity: 'medium',
  description:
    'An AI workload (AI server image or port, or an accelerator request) is not isolated for egress, or a policy allows it any destination on any port. A model file that executes code on load or a prompt-injected tool call can then exfiltrate weights and data, fetch further payloads, or read node credentials from the cloud metadata endpoint.',
  remediation:
    'Isolate the workload for egress and allow only DNS and the destinations it needs (model registry, object storage); block 169.254.169.254 with an ipBlock `except`.',
  references: [`${NP_DOCS}#default-deny-all-egress-traffic`, 'https://owasp.org/www-project-top-10-for-large-language-model-applications/'],
  tags: ['k8s', 'network-policy', 'ai-workload', 'exfiltration'],
  maturity: 'stable',
});

export const invalidPolicy = defineRule({
  id: 'k8s/netpol-invalid-policy',
  title: 'NetworkPolicy is rejected by the API server',
  severity: 'medium',
  description:
    'The policy fails API validation (an empty peer `- {}`, ipBlock combined with a selector, an invalid CIDR or `except`, a malformed selector, a bad port or policyType), so applying it fails and it protects nothing. Bulwark ignores it when computing isolation.',
  remediation: 'Fix the reported field (for "any pod in any namespace" write `- namespaceSelector: {}`, not `- {}`) and validate with `kubectl apply --dry-run=server`.',
  references: [NP_API],
  tags: ['k8s', 'network-policy', 'correctness'],
  maturity: 'stable',
});

export const rulesIgnored = defineRule({
  id: 'k8s/netpol-rules-ignored',
  title: 'NetworkPolicy rules that have no effect',
  severity: 'medium',
  description:
    'Rules of a direction that `policyTypes` does not list are ignored, so the policy does not isolate that direction (e.g. egress rules with `policyTypes: [Ingress]` leave egress open). Likewise `egress: []` without `policyTypes` does not deny egress: policyTypes then defaults to Ingress only, because Egress is added only when there is at least one egress rule.',
  remediation: 'List every direction the policy is meant to restrict in `policyTypes` (e.g. `[Ingress, Egress]`).',
  references: [NP_API, `${NP_DOCS}#default-policies`],
  tags: ['k8s', 'network-policy', 'correctness'],
  maturity: 'stable',
});

export const NETPOL_RULES = [noDefaultDenyIngress, noDefaultDenyEgress, allowAll, aiWorkloadExposed, aiEgressUnrestricted, invalidPolicy, rulesIgnored] as const;
