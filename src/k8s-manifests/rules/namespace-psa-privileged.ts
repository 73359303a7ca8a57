/**
 * A Namespace that enforces the `privileged` Pod Security level. Its pods get no PSS finding one by
 * one (the cluster admits them, and node agents such as the GPU operator's legitimately need it);
 * the namespace is reported once, with the pods of the scan that depend on it.
 */
import { objectRule } from '../k8s-rule.js';
import { locationOf } from '../model.js';
import { PSA_ENFORCE, namespaceEnforcement } from '../namespace-psa.js';
import { PSS_MAX_MINOR, evaluatePss } from '../pss/checks.js';
import { IMAGE, at, fires, lines, pod, silent } from '../sample-manifests.js';
import { apiGroup } from '../workloads.js';

const ns = (name: string, level: string): string[] => ['apiVersion: v1', 'kind: Namespace', 'metadata:', `  name: ${name}`, '  labels:', `    ${PSA_ENFORCE}: ${level}`];

export const namespacePsaPrivileged = objectRule({
  id: 'k8s/namespace-psa-privileged',
  title: 'Namespace admits privileged pods',
  severity: 'medium',
  description:
    'The Namespace is labelled `pod-security.kubernetes.io/enforce: privileged`: Pod Security admission lets any pod in, privileged containers, host namespaces and hostPath mounts of the node included. Node agents need this (GPU drivers and device plugins, CNI, storage and monitoring daemons), so Bulwark honours the label: the pods of such a namespace get no Pod Security finding one by one, and the namespace is reported once, listing the pods of the scan that rely on it. Whatever else runs there (an inference server, a notebook) gets the same freedom, and so does an attacker who can create pods in it. Other labels are honoured too: pods of a namespace labelled `baseline` or `restricted` are judged at that level (and `enforce-version`), as the cluster will judge them.',
  remediation:
    'Keep only node agents in the privileged namespace (the GPU operator\u2019s, the CNI\u2019s) and restrict who can create pods there (RBAC on pods, deployments and daemonsets). Run AI workloads in namespaces labelled `pod-security.kubernetes.io/enforce: restricted` (or `baseline`), and add `warn`/`audit` labels at restricted to see what would break.',
  references: ['https://kubernetes.io/docs/concepts/security/pod-security-admission/#pod-security-admission-labels-for-namespaces', 'https://kubernetes.io/docs/concepts/security/pod-security-standards/'],
  tags: ['k8s', 'pss', 'namespace'],
  maturity: 'stable',
  check({ object, index }, report) {
    if (apiGroup(object.apiVersion) !== '' || object.kind !== 'Namespace') return;
    if (namespaceEnforcement(object)?.level !== 'privileged') return;
    const templates = index.templatesIn(object.name);
    const needing: string[] = [];
    for (const t of templates) {
      if (evaluatePss(t, 'baseline', PSS_MAX_MINOR).size === 0) continue;
      needing.push(`${t.object.kind} ${t.object.name}${t.role !== undefined ? ` (${t.role})` : ''}`);
    }
    const shown = needing.slice(0, 5).join(', ');
    const more = needing.length > 5 ? ` and ${needing.length - 5} more` : '';
    report({
      location: locationOf(object, ['metadata', 'labels', PSA_ENFORCE]),
      severity: templates.length === 0 ? 'low' : 'medium',
      message:
        templates.length === 0
          ? `namespace ${object.name} enforces Pod Security level "privileged": any pod is admitted there (no workload of this scan runs in it)`
          : `namespace ${object.name} enforces Pod Security level "privileged": any pod is admitted there, so its ${templates.length} pod template${templates.length > 1 ? 's' : ''} in this scan ${templates.length > 1 ? 'get' : 'gets'} no Pod Security findings one by one${needing.length > 0 ? `; ${needing.length} ${needing.length > 1 ? 'need' : 'needs'} more than baseline allows: ${shown}${more}` : '; none of them needs more than baseline allows, so the namespace could enforce baseline'}`,
    });
  },
  cases: () => ({
    invalid: [
      fires(
        'privileged namespace with a privileged pod',
        lines(ns('gpu-operator', 'privileged'), '---', pod(['  containers:', '  - name: driver', `    image: ${IMAGE}`, '    securityContext: {privileged: true}'], 'driver', ['  namespace: gpu-operator'])),
        at(6, 5, 'metadata.labels["pod-security.kubernetes.io/enforce"]', { messageIncludes: 'Pod driver' }),
      ),
    ],
    valid: [silent('restricted namespace', lines(ns('ml', 'restricted')))],
  }),
});
