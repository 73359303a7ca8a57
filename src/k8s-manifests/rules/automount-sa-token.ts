/**
 * API tokens mounted into pods that do not need the Kubernetes API. Needs the other objects of the
 * scan (ServiceAccount objects, RoleBindings), so it does not run at admission.
 */
import { templateRule } from '../k8s-rule.js';
import { locationOf } from '../model.js';
import { at, container, fires, goodPod, lines, pod, silent } from '../sample-manifests.js';
import { apiGroup, podFieldPath } from '../workloads.js';

export const automountSaToken = templateRule({
  id: 'k8s/automount-sa-token',
  title: 'API token mounted into a pod that does not need the API',
  severity: 'medium',
  description:
    'Kubernetes mounts a ServiceAccount token into every pod unless `automountServiceAccountToken: false` is set. Model servers, training jobs and notebooks rarely call the Kubernetes API, but an attacker who gets code execution (a malicious pickle, a prompt-injected agent tool, an RCE in the server) reads the token from /var/run/secrets/kubernetes.io/serviceaccount and uses it against the API server. Bulwark reports pods on the `default` ServiceAccount, and pods whose ServiceAccount no RoleBinding or ClusterRoleBinding in the scanned manifests names, as not needing the API.',
  remediation:
    'Set `automountServiceAccountToken: false` in the pod spec (or on the ServiceAccount). If a container does need the API, keep the token but give the pod its own ServiceAccount with a minimal Role, or mount a short-lived projected token only into that container.',
  references: ['https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting'],
  tags: ['k8s', 'identity', 'credentials'],
  maturity: 'stable',
  check({ object, template: tpl, index }, report) {
    if (tpl.partial === true) return; // the pod that uses this template decides its token
    // Argo's executor (the wait/init containers Argo adds to every workflow pod) reports results through
    // the API with the pod's token: a workflow pod needs it.
    if (apiGroup(object.apiVersion) === 'argoproj.io' && object.kind !== 'Rollout') return;
    const sa = tpl.serviceAccountName;
    // Is the token mounted? Pod field wins, then the ServiceAccount object's field, then true.
    const podValue = tpl.spec['automountServiceAccountToken'];
    const saValue = index.serviceAccount(tpl.namespace, sa)?.value['automountServiceAccountToken'];
    const mounted = podValue === false ? false : podValue === true ? true : saValue !== false;
    if (!mounted) return;
    // Does the pod need the API? Known yes when some binding names its ServiceAccount.
    if (index.isBound(tpl.namespace, sa)) return;
    let why: string;
    if (sa === 'default') why = 'it runs as the "default" ServiceAccount, which should hold no permissions';
    else if (index.hasBindings) why = `no RoleBinding or ClusterRoleBinding in the scanned manifests names its ServiceAccount ${JSON.stringify(sa)}`;
    else return; // a dedicated ServiceAccount and no RBAC in the input: whether it needs the API is unknown
    report({
      location: locationOf(object, podFieldPath(tpl, 'automountServiceAccountToken')),
      message: `a Kubernetes API token is mounted into the pod${podValue === true ? ' (automountServiceAccountToken: true)' : ''} although it does not appear to need the API: ${why}`,
    });
  },
  cases: () => ({
    invalid: [
      fires('default ServiceAccount, token mounted', pod(['  containers:', ...container()]), at(5, 1, 'spec.automountServiceAccountToken')),
      fires(
        'dedicated ServiceAccount that no binding names',
        lines(
          pod(['  serviceAccountName: trainer', '  automountServiceAccountToken: true', '  containers:', ...container()]),
          '---',
          'apiVersion: rbac.authorization.k8s.io/v1',
          'kind: RoleBinding',
          'metadata: {name: other, namespace: default}',
          'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}',
          'subjects: [{kind: ServiceAccount, name: pipeline}]',
        ),
        at(7, 3, 'spec.automountServiceAccountToken'),
      ),
    ],
    valid: [
      silent('automount disabled', goodPod()),
      silent('ServiceAccount disables automount', lines(pod(['  serviceAccountName: app', '  containers:', ...container()]), '---', 'apiVersion: v1', 'kind: ServiceAccount', 'metadata: {name: app, namespace: default}', 'automountServiceAccountToken: false')),
      silent(
        'ServiceAccount with a RoleBinding (needs the API)',
        lines(
          pod(['  serviceAccountName: operator', '  containers:', ...container()]),
          '---',
          'apiVersion: rbac.authorization.k8s.io/v1',
          'kind: RoleBinding',
          'metadata: {name: operator, namespace: default}',
          'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: operator}',
          'subjects: [{kind: ServiceAccount, name: operator}]',
        ),
      ),
    ],
  }),
});
