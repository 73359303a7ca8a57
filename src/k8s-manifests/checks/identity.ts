/**
 * ServiceAccount rules: workloads on the namespace's `default` ServiceAccount, and API tokens mounted
 * into pods that do not need the Kubernetes API.
 */
import { defineRule } from '../../rules/index.js';
import type { ManifestObject } from '../model.js';
import { locationOf } from '../model.js';
import type { PodTemplate } from '../workloads.js';
import { asString } from '../workloads.js';
import type { CheckContext } from './context.js';

export const defaultServiceAccount = defineRule({
  id: 'k8s/default-service-account',
  title: 'Workload runs as the default ServiceAccount',
  severity: 'low',
  description:
    'The pod runs as the namespace\u2019s `default` ServiceAccount, an identity shared with every pod in the namespace that does not choose one. Any permission granted to `default` (often added later to make one tool work) then applies to all of them, including a compromised inference server or notebook, and audit logs cannot tell the workloads apart.',
  remediation: 'Create a ServiceAccount per workload (`serviceAccountName: inference-server`), bind it only the Roles it needs, and leave `default` without bindings.',
  references: ['https://kubernetes.io/docs/concepts/security/service-accounts/', 'https://kubernetes.io/docs/concepts/security/rbac-good-practices/'],
  tags: ['k8s', 'identity'],
  maturity: 'stable',
});

export const automountServiceAccountToken = defineRule({
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
});

export const IDENTITY_RULES = [defaultServiceAccount, automountServiceAccountToken] as const;

export function checkIdentity(obj: ManifestObject, tpl: PodTemplate, ctx: CheckContext): void {
  const sa = tpl.serviceAccountName;
  const explicit = asString(tpl.spec['serviceAccountName']) !== undefined ? 'serviceAccountName' : asString(tpl.spec['serviceAccount']) !== undefined ? 'serviceAccount' : undefined;
  if (sa === 'default') {
    ctx.out.push(
      defaultServiceAccount.report({
        location: locationOf(obj, [...tpl.specPath, explicit ?? 'serviceAccountName']),
        message: `the pod runs as the "default" ServiceAccount of namespace ${JSON.stringify(tpl.namespace)}${explicit ? '' : ' (no serviceAccountName is set)'}, an identity shared with every other pod there that does not choose one`,
      }),
    );
  }

  // Is the token mounted? Pod field wins, then the ServiceAccount object's field, then true.
  const podValue = tpl.spec['automountServiceAccountToken'];
  const saObj = ctx.index.serviceAccount(tpl.namespace, sa);
  const saValue = saObj?.value['automountServiceAccountToken'];
  const mounted = podValue === false ? false : podValue === true ? true : saValue !== false;
  if (!mounted) return;
  // Does the pod need the API? Known yes when some binding names its ServiceAccount.
  if (ctx.index.isBound(tpl.namespace, sa)) return;
  let why: string;
  if (sa === 'default') why = 'it runs as the "default" ServiceAccount, which should hold no permissions';
  else if (ctx.index.hasBindings) why = `no RoleBinding or ClusterRoleBinding in the scanned manifests names its ServiceAccount ${JSON.stringify(sa)}`;
  else return; // a dedicated ServiceAccount and no RBAC in the input: whether it needs the API is unknown
  ctx.out.push(
    automountServiceAccountToken.report({
      location: locationOf(obj, [...tpl.specPath, 'automountServiceAccountToken']),
      message: `a Kubernetes API token is mounted into the pod${podValue === true ? ' (automountServiceAccountToken: true)' : ''} although it does not appear to need the API: ${why}`,
    }),
  );
}
