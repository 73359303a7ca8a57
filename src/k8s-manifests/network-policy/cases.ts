/**
 * Table-driven cases for every NetworkPolicy rule (scanned end to end by the engine's rule-case test).
 * Includes the Polaris false positive (a correct namespace default-deny without rules), policyTypes
 * defaulting (`egress: []`), direction, and matchExpressions (In, NotIn, Exists, DoesNotExist).
 */
import type { RuleCase, RuleCases } from '../../rules/index.js';
import { ruleCases } from '../../rules/index.js';

const DIGEST = '@sha256:0000000000000000000000000000000000000000000000000000000000000000';

/** Namespace `name`: `metadata.name` at line 4, column 3. */
function namespace(name: string, labels = ''): string {
  return `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n${labels ? `  labels:\n${labels}` : ''}`;
}

/**
 * A Deployment in `ns` labelled `app: <name>`: `metadata.namespace` at 5:3, template labels at 11:7,
 * the first container port's `containerPort` at 17:15.
 */
function deployment(name: string, ns: string, image: string, port: number, extra = ''): string {
  return (
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  selector:\n    matchLabels: {app: ${name}}\n  template:\n    metadata:\n      labels: {app: ${name}}\n    spec:\n      containers:\n        - name: main\n          image: ${image}${DIGEST}\n          ports:\n            - containerPort: ${port}\n` +
    extra
  );
}

/** A NetworkPolicy in `ns` (its spec body follows `spec:` at line 6, indented by two). */
function policy(name: string, ns: string, spec: string): string {
  return `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n${spec}`;
}

const DENY_ALL = (ns: string): string => policy('default-deny', ns, '  podSelector: {}\n  policyTypes: [Ingress, Egress]\n');

const doc = (...docs: string[]): string => docs.join('---\n');

function c(name: string, text: string, expect?: RuleCase['expect']): RuleCase {
  return { name, files: { 'app.yaml': text }, ...(expect !== undefined && { expect }) };
}

const WEB = deployment('web', 'shop', 'nginx', 8080);
const RAY = deployment('ray-head', 'ml', 'rayproject/ray', 8265);
const GPU = `          resources:\n            limits:\n              nvidia.com/gpu: 1\n`;

export const NETPOL_RULE_CASES: readonly RuleCases[] = [
  ruleCases('k8s/netpol-no-default-deny-ingress', {
    invalid: [
      c('Namespace and workload without any policy', doc(namespace('shop'), WEB), {
        line: 4,
        column: 3,
        fieldPath: 'metadata.name',
        severity: 'medium',
        messageIncludes: 'Deployment shop/web',
      }),
      c('no Namespace object: located at the workload namespace', WEB, { line: 5, column: 3, fieldPath: 'metadata.namespace' }),
      c(
        'namespace-wide allow-all cancels the default deny',
        doc(WEB, policy('allow-all', 'shop', '  podSelector: {}\n  ingress:\n    - {}\n')),
        { messageIncludes: 'no default deny', severity: 'medium' },
      ),
      c(
        'a policy for one workload is not a default deny',
        doc(namespace('shop'), WEB, policy('web', 'shop', '  podSelector:\n    matchLabels: {app: web}\n  policyTypes: [Ingress]\n')),
        { line: 4, column: 3, severity: 'low' },
      ),
    ],
    valid: [
      c('default deny without rules (Polaris reports this correct policy as missing)', doc(namespace('shop'), WEB, DENY_ALL('shop'))),
      c(
        'default deny with a same-namespace allow rule is still a default deny',
        doc(WEB, policy('same-ns', 'shop', '  podSelector: {}\n  policyTypes: [Ingress]\n  ingress:\n    - from:\n        - podSelector: {}\n')),
      ),
      c('missing podSelector means every pod', doc(WEB, policy('deny', 'shop', '  policyTypes: [Ingress]\n'))),
      c('system namespaces are exempt', deployment('coredns', 'kube-system', 'coredns/coredns', 53)),
    ],
  }),
  ruleCases('k8s/netpol-no-default-deny-egress', {
    invalid: [
      c('ingress-only default deny', doc(namespace('shop'), WEB, policy('deny-in', 'shop', '  podSelector: {}\n  policyTypes: [Ingress]\n')), {
        line: 4,
        column: 3,
        severity: 'low',
      }),
      c('`egress: []` without policyTypes does not deny egress', doc(namespace('shop'), WEB, policy('deny', 'shop', '  podSelector: {}\n  egress: []\n')), {
        line: 4,
        column: 3,
        messageIncludes: 'egress',
      }),
    ],
    valid: [c('ingress and egress default deny', doc(namespace('shop'), WEB, DENY_ALL('shop')))],
  }),
  ruleCases('k8s/netpol-allow-all', {
    invalid: [
      c('`ingress: [{}]`', doc(WEB, policy('open', 'shop', '  podSelector:\n    matchLabels: {app: web}\n  ingress:\n    - {}\n')), {
        line: 28,
        column: 7,
        fieldPath: 'spec.ingress[0]',
        severity: 'medium',
        messageIncludes: 'Deployment shop/web',
      }),
      c(
        'two /1 blocks cover the whole IPv4 space',
        doc(
          DENY_ALL('shop'),
          policy('world', 'shop', '  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - to:\n        - ipBlock: {cidr: 0.0.0.0/1}\n        - ipBlock: {cidr: 128.0.0.0/1}\n'),
        ),
        { line: 20, column: 21, fieldPath: 'spec.egress[0].to[0].ipBlock.cidr', severity: 'low' },
      ),
    ],
    valid: [
      c(
        'selected namespaces on one port',
        doc(
          WEB,
          policy(
            'web',
            'shop',
            '  podSelector: {}\n  ingress:\n    - from:\n        - namespaceSelector:\n            matchExpressions:\n              - {key: team, operator: In, values: [frontend]}\n      ports:\n        - port: 8080\n',
          ),
        ),
      ),
      c('0.0.0.0/0 minus the metadata endpoint is not everything', doc(WEB, policy('egress', 'shop', '  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - to:\n        - ipBlock:\n            cidr: 0.0.0.0/0\n            except: [169.254.169.254/32]\n'))),
    ],
  }),
  ruleCases('k8s/netpol-ai-workload-exposed', {
    invalid: [
      c('Ray dashboard without any policy', RAY, { line: 17, column: 15, fieldPath: 'spec.template.spec.containers[0].ports[0].containerPort', severity: 'high' }),
      c(
        'an egress-only policy does not isolate ingress',
        doc(RAY, policy('egress', 'ml', '  podSelector: {}\n  policyTypes: [Egress]\n')),
        { line: 17, column: 15, messageIncludes: 'no NetworkPolicy selects the pods for ingress' },
      ),
      c(
        'NotIn excludes the Ray head from the default deny',
        doc(RAY, policy('deny-workers', 'ml', '  podSelector:\n    matchExpressions:\n      - {key: app, operator: NotIn, values: [ray-head]}\n  policyTypes: [Ingress]\n')),
        { line: 17, column: 15 },
      ),
      c(
        'any source allowed on the named port',
        doc(
          deployment('notebook', 'ml', 'jupyter/base-notebook', 8888).replace('- containerPort: 8888', '- containerPort: 8888\n              name: http'),
          policy('nb', 'ml', '  podSelector:\n    matchLabels: {app: notebook}\n  ingress:\n    - ports:\n        - port: http\n'),
        ),
        { line: 17, column: 15, messageIncludes: 'allows any source on TCP/http' },
      ),
    ],
    valid: [
      c(
        'Ray dashboard reachable from the gateway namespace only',
        doc(
          RAY,
          DENY_ALL('ml'),
          policy(
            'ray-from-gateway',
            'ml',
            '  podSelector:\n    matchExpressions:\n      - {key: app, operator: In, values: [ray-head]}\n      - {key: public, operator: DoesNotExist}\n  ingress:\n    - from:\n        - namespaceSelector:\n            matchLabels: {kubernetes.io/metadata.name: gateway}\n          podSelector:\n            matchExpressions:\n              - {key: role, operator: Exists}\n      ports:\n        - port: 8265\n',
          ),
        ),
      ),
      c('ordinary web server on 8080', WEB),
    ],
  }),
  ruleCases('k8s/netpol-ai-egress-unrestricted', {
    invalid: [
      c('GPU inference server without egress policy', deployment('vllm', 'ml', 'vllm/vllm-openai', 8000, GPU), {
        line: 11,
        column: 7,
        fieldPath: 'spec.template.metadata.labels',
        severity: 'medium',
      }),
    ],
    valid: [
      c(
        'egress limited to DNS',
        doc(
          deployment('vllm', 'ml', 'vllm/vllm-openai', 8000, GPU),
          DENY_ALL('ml'),
          policy('dns', 'ml', '  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - to:\n        - namespaceSelector: {}\n          podSelector:\n            matchLabels: {k8s-app: kube-dns}\n      ports:\n        - {port: 53, protocol: UDP}\n'),
        ),
      ),
      c('non-AI workload', WEB),
    ],
  }),
  ruleCases('k8s/netpol-invalid-policy', {
    invalid: [
      c('empty peer `- {}`', doc(WEB, policy('bad', 'shop', '  podSelector: {}\n  ingress:\n    - from:\n        - {}\n')), {
        line: 28,
        column: 11,
        fieldPath: 'spec.ingress[0].from[0]',
        severity: 'medium',
      }),
      c('In without values', policy('bad', 'shop', '  podSelector:\n    matchExpressions:\n      - {key: app, operator: In}\n'), { fieldPath: 'spec.podSelector' }),
    ],
    valid: [c('valid policy', DENY_ALL('shop'))],
  }),
  ruleCases('k8s/netpol-rules-ignored', {
    invalid: [
      c('egress rules with policyTypes [Ingress]', policy('p', 'shop', '  podSelector: {}\n  policyTypes: [Ingress]\n  egress:\n    - to:\n        - podSelector: {}\n'), {
        line: 9,
        column: 3,
        fieldPath: 'spec.egress',
      }),
      c('`egress: []` without policyTypes', policy('p', 'shop', '  podSelector: {}\n  egress: []\n'), { line: 8, column: 3, fieldPath: 'spec.egress' }),
    ],
    valid: [c('both directions listed', policy('p', 'shop', '  podSelector: {}\n  policyTypes: [Ingress, Egress]\n  egress:\n    - to:\n        - podSelector: {}\n'))],
  }),
];
