/** Workloads on the namespace's `default` ServiceAccount. */
import { templateRule } from '../k8s-rule.js';
import { locationOf } from '../model.js';
import { at, container, fires, goodPod, pod, silent } from '../sample-manifests.js';
import { asString, podFieldPath } from '../workloads.js';

export const defaultServiceAccount = templateRule({
  id: 'k8s/default-service-account',
  title: 'Workload runs as the default ServiceAccount',
  severity: 'low',
  description:
    'The pod runs as the namespace\u2019s `default` ServiceAccount, an identity shared with every pod in the namespace that does not choose one. Any permission granted to `default` (often added later to make one tool work) then applies to all of them, including a compromised inference server or notebook, and audit logs cannot tell the workloads apart.',
  remediation: 'Create a ServiceAccount per workload (`serviceAccountName: inference-server`), bind it only the Roles it needs, and leave `default` without bindings.',
  references: ['https://kubernetes.io/docs/concepts/security/service-accounts/', 'https://kubernetes.io/docs/concepts/security/rbac-good-practices/'],
  tags: ['k8s', 'identity'],
  maturity: 'stable',
  admission: { level: 'restricted' },
  check({ object, template: tpl }, report) {
    if (tpl.serviceAccountName !== 'default' || tpl.partial === true) return;
    const explicit = asString(tpl.spec['serviceAccountName']) !== undefined ? 'serviceAccountName' : asString(tpl.spec['serviceAccount']) !== undefined ? 'serviceAccount' : undefined;
    report({
      location: locationOf(object, podFieldPath(tpl, explicit ?? 'serviceAccountName')),
      message: `the pod runs as the "default" ServiceAccount of namespace ${JSON.stringify(tpl.namespace)}${explicit ? '' : ' (no serviceAccountName is set)'}, an identity shared with every other pod there that does not choose one`,
    });
  },
  cases: () => ({
    invalid: [fires('no serviceAccountName', pod(['  automountServiceAccountToken: false', '  containers:', ...container()]), at(5, 1, 'spec.serviceAccountName'))],
    valid: [silent('own ServiceAccount', goodPod())],
  }),
});
