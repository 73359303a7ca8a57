/**
 * Falco's stock k8saudit rules (falcosecurity/plugins `plugins/k8saudit/rules/k8s_audit_rules.yaml`),
 * one Bulwark rule each, as data: the stage, resources and verbs of the Falco condition, its list
 * references (policy data, with Falco's stock contents), and the object test where the condition reads
 * the request object. Each finding carries the control `falco:<Falco rule name>` (and the legacy names
 * of the same detection), and the severity of Falco's priority (WARNING → medium, NOTICE → low,
 * INFO/DEBUG → info, ERROR → high), so that Falco's regression expectations hold one for one
 * (falco-cases.ts, docs/audit.md "Falco compatibility").
 *
 * Pod-security conditions (privileged, host namespaces, sensitive host paths) are decided by the
 * Kubernetes domain's single-object rules on the audited object (`ctx.objectFindings()`), not by a second
 * implementation; the Falco rule only adds Falco's image lists and sensitive-path list.
 *
 * Maturity follows what a Bulwark user wants by default: rules Falco ships enabled and that no Bulwark
 * rule supersedes are on; rules Falco ships disabled (a macro that is always false), pure activity
 * streams (`falco-activity`), and rules a Bulwark rule replaces with a quieter or broader detection are
 * `experimental` (off until enabled, e.g. `rules: [{selector: "audit/falco-*", enabled: true}]`).
 */
import type { Finding, Severity } from '../findings/index.js';
import type { Json, JsonObject } from '../k8s-manifests/index.js';
import type { Maturity } from '../rules/index.js';
import { severityFromFalco } from './falco-priority.js';
import type { AuditEvent } from './event.js';
import type { AuditRule, EventContext } from './rule-model.js';
import { allIn, asArray, asString, auditRule, containerImages, describeUser, get, imageRepository } from './rule-model.js';

export interface FalcoSpec {
  readonly name: string;
  readonly legacy?: readonly string[];
  readonly slug: string;
  readonly priority: 'ERROR' | 'WARNING' | 'NOTICE' | 'INFO' | 'DEBUG';
  readonly title: string;
  readonly description: string;
  readonly remediation: string;
  readonly tags: readonly string[];
  readonly maturity: Maturity;
  /** Why the rule is off by default (documented on its page). */
  readonly offBecause?: string;
  /** Falco ships the rule disabled (a macro that is always false): its regression matrix runs without it. */
  readonly falcoDisabled?: true;
  /** The condition uses Falco's `kactivity` macro (turned off by the matrix's `disallow_kactivity.yaml`). */
  readonly kactivity?: true;
  readonly stages?: readonly string[];
  readonly resources: readonly string[];
  readonly verbs?: readonly string[];
  /** true: Falco's `response_successful`; false: `not response_successful`. */
  readonly success?: boolean;
  /** Falco's `non_system_user` macro. */
  readonly nonSystemUser?: boolean;
  /** The rest of the condition; returns the output's details when it holds. */
  readonly when?: (e: AuditEvent, ctx: EventContext) => string | undefined;
  /** The output text (Falco's `output`, its fields filled in). */
  readonly output: (e: AuditEvent, detail: string) => string;
}

const CREATE = ['create'];
const MODIFY = ['create', 'update', 'patch'];
const DELETE = ['delete'];
const WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection'];

function ns(e: AuditEvent): string {
  return e.namespace ?? '';
}

function name(e: AuditEvent): string {
  return e.name ?? asString(get(e.responseObject, 'metadata', 'name')) ?? asString(get(e.requestObject, 'metadata', 'name')) ?? asString(get(e.requestObject, 'metadata', 'generateName')) ?? '';
}

function images(e: AuditEvent): string[] {
  return containerImages(e.requestObject);
}

function repos(e: AuditEvent): string[] {
  return images(e).map(imageRepository);
}

/** Findings of the Kubernetes rule `ruleId` on the audited object, optionally at fields matching `field`. */
function k8s(ctx: EventContext, ruleIds: readonly string[], field?: RegExp): Finding[] {
  return ctx.objectFindings().filter((f) => ruleIds.includes(f.ruleId) && (field === undefined || (f.location.kind === 'audit-event' && field.test(f.location.fieldPath ?? ''))));
}

/** The value at an RFC 6901 pointer of `o`. */
function atPointer(o: Json | undefined, pointer: string): Json | undefined {
  let cur = o;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = Array.isArray(cur) ? cur[Number(seg)] : cur[seg];
  }
  return cur;
}

/** Host paths of the hostPath volumes the Kubernetes rules found (`k8s/pss-host-path-volumes`, `k8s/runtime-socket-mount`). */
function hostPaths(e: AuditEvent, ctx: EventContext): string[] {
  const out = new Set<string>();
  for (const f of k8s(ctx, ['k8s/pss-host-path-volumes', 'k8s/runtime-socket-mount'])) {
    if (f.location.kind !== 'audit-event' || f.location.pointer === undefined) continue;
    const m = /^(.*\/volumes\/\d+)\/hostPath/.exec(f.location.pointer);
    const p = m?.[1] === undefined ? undefined : asString(get(atPointer(e.requestObject, m[1]), 'hostPath', 'path'));
    if (p !== undefined) out.add(p);
  }
  return [...out];
}

function roleRules(o: JsonObject | undefined): { resources: string[]; verbs: string[] } {
  const resources: string[] = [];
  const verbs: string[] = [];
  for (const r of asArray(get(o, 'rules'))) {
    for (const x of asArray(get(r, 'resources'))) if (typeof x === 'string') resources.push(x);
    for (const x of asArray(get(r, 'verbs'))) if (typeof x === 'string') verbs.push(x);
  }
  return { resources, verbs };
}

function subjects(o: JsonObject | undefined): string {
  return asArray(get(o, 'subjects'))
    .map((s) => `${asString(get(s, 'kind')) ?? '?'}:${asString(get(s, 'namespace')) === undefined ? '' : `${asString(get(s, 'namespace'))}/`}${asString(get(s, 'name')) ?? '?'}`)
    .join(',');
}

const HEALTH = /^\/(healthz|livez|readyz)(\?|$)/;

function activity(kind: string, resource: string, verb: 'Created' | 'Deleted', extra: Partial<FalcoSpec> = {}): FalcoSpec {
  const lower = kind.toLowerCase();
  return {
    name: `K8s ${kind} ${verb}`,
    slug: `k8s-${lower}-${verb.toLowerCase()}`,
    priority: 'INFO',
    title: `${kind} ${verb.toLowerCase()} (Falco activity)`,
    description: `Falco's activity rule "K8s ${kind} ${verb}": every successful ${verb === 'Created' ? 'creation' : 'deletion'} of a ${kind}. It records activity rather than an attack, so it is off by default; enable the \`falco-activity\` tag to keep Falco's stream of events.`,
    remediation: `Nothing to fix: review unexpected ${verb === 'Created' ? 'creations' : 'deletions'} of ${kind} objects and who made them.`,
    tags: ['k8s', 'falco', 'falco-activity'],
    maturity: 'experimental',
    offBecause: 'an activity record (Falco\u2019s `kactivity` stream), not a detection',
    kactivity: true,
    resources: [resource],
    verbs: verb === 'Created' ? CREATE : DELETE,
    success: true,
    output: (e) => `K8s ${kind} ${verb} (user=${describeUser(e)} ${lower}=${name(e)}${e.namespace === undefined ? '' : ` ns=${ns(e)}`} resource=${e.resource} resp=${e.code} decision=${e.decision ?? ''} reason=${e.reason ?? ''})`,
    ...extra,
  };
}

const SUPERSEDED = (id: string): string => `superseded by \`${id}\`, which covers the same events with Bulwark's allowlists and identity grading`;

export const FALCO_SPECS: readonly FalcoSpec[] = [
  {
    name: 'Disallowed K8s User',
    slug: 'disallowed-k8s-user',
    priority: 'WARNING',
    title: 'Request by a user outside the allowed users',
    description: 'Falco\u2019s "Disallowed K8s User": any request by a user whose name does not start with `system:` and is not in the allowed users (`falco.allowedUsers`, `falco.eksAllowedUsers`). Useful only once the list names every human and tool of the cluster, so it is off by default.',
    remediation: 'Add the legitimate users to `falco.allowedUsers` in the audit policy file; investigate any other user.',
    tags: ['k8s', 'falco', 'identity'],
    maturity: 'experimental',
    offBecause: 'it reports every request of every user until `falco.allowedUsers` lists them all',
    resources: ['*'],
    nonSystemUser: true,
    when: (e, ctx) => (ctx.policy.falco.allowedUsers(e.user.username) || ctx.policy.falco.eksAllowedUsers(e.user.username) ? undefined : ''),
    output: (e) => `K8s Operation performed by user not in allowed list of users (user=${e.user.username} target=${name(e)}/${e.resource} verb=${e.verb} uri=${e.requestURI} resp=${e.code})`,
  },
  {
    name: 'Create Disallowed Pod',
    slug: 'create-disallowed-pod',
    falcoDisabled: true,
    priority: 'WARNING',
    title: 'Pod created with an image outside the allowed images',
    description: 'Falco\u2019s "Create Disallowed Pod": a pod created with a container image whose repository is not in `falco.allowedPodImages` (Falco\u2019s `allowed_k8s_containers` macro, which allows every image until you override it; here the rule is off until enabled, and then the list is the allowlist).',
    remediation: 'Add the image repositories your workloads use to `falco.allowedPodImages`; investigate pods that run anything else.',
    tags: ['k8s', 'falco', 'supply-chain'],
    maturity: 'experimental',
    offBecause: 'Falco ships it disabled (its allowed-images macro is always true); it needs your list of images',
    resources: ['pods'],
    verbs: CREATE,
    when: (e, ctx) => (allIn(repos(e), ctx.policy.falco.allowedPodImages) ? undefined : images(e).join(',')),
    output: (e, d) => `Pod started with container not in allowed list (user=${describeUser(e)} pod=${name(e)} ns=${ns(e)} images=${d})`,
  },
  {
    name: 'Create Privileged Pod',
    slug: 'create-privileged-pod',
    priority: 'WARNING',
    title: 'Privileged pod created',
    description: 'Falco\u2019s "Create Privileged Pod": a pod created with a privileged container, unless every image is in `falco.privilegedImages` (Falco\u2019s `k8s_audit_privileged_images`). Privilege is decided by the Kubernetes rule `k8s/pss-privileged` on the audited pod.',
    remediation: 'Find who created the pod and why it needs privilege; delete it unless it is an approved node agent (then add its image to `falco.privilegedImages`).',
    tags: ['k8s', 'falco', 'privilege'],
    maturity: 'experimental',
    offBecause: SUPERSEDED('audit/insecure-pod-created'),
    resources: ['pods'],
    verbs: CREATE,
    when: (e, ctx) => (k8s(ctx, ['k8s/pss-privileged']).length > 0 && !allIn(repos(e), ctx.policy.falco.privilegedImages) ? images(e).join(',') : undefined),
    output: (e, d) => `Pod started with privileged container (user=${describeUser(e)} pod=${name(e)} resource=${e.resource} ns=${ns(e)} images=${d})`,
  },
  {
    name: 'Create Sensitive Mount Pod',
    slug: 'create-sensitive-mount-pod',
    priority: 'WARNING',
    title: 'Pod created with a sensitive host path mounted',
    description: 'Falco\u2019s "Create Sensitive Mount Pod": a pod created with a hostPath volume of one of Falco\u2019s sensitive paths (`falco.sensitiveHostPaths`: /proc, /, /etc, /root, runtime sockets, the kubelet\u2019s directories), unless every image is in `falco.sensitiveMountImages`. hostPath volumes are found by the Kubernetes rules `k8s/pss-host-path-volumes` and `k8s/runtime-socket-mount`.',
    remediation: 'Find who created the pod; remove the hostPath volume (use a PVC, emptyDir or CSI volume) unless it is an approved node agent.',
    tags: ['k8s', 'falco', 'host'],
    maturity: 'experimental',
    offBecause: SUPERSEDED('audit/insecure-pod-created'),
    resources: ['pods'],
    verbs: CREATE,
    when: (e, ctx) => {
      const hits = hostPaths(e, ctx).filter((p) => ctx.policy.falco.sensitiveHostPaths(p));
      return hits.length > 0 && !allIn(repos(e), ctx.policy.falco.sensitiveMountImages) ? hits.join(',') : undefined;
    },
    output: (e, d) => `Pod started with sensitive mount (user=${describeUser(e)} pod=${name(e)} ns=${ns(e)} resource=${e.resource} images=${images(e).join(',')} volumes=${d})`,
  },
  ...(
    [
      ['HostNetwork', 'hostNetwork', 'host network', 'hostNetworkImages', 'create-hostnetwork-pod'],
      ['HostPid', 'hostPID', 'host pid namespace', 'hostPidImages', 'create-hostpid-pod'],
      ['HostIPC', 'hostIPC', 'host ipc namespace', 'hostIpcImages', 'create-hostipc-pod'],
    ] as const
  ).map(
    ([label, field, what, list, slug]): FalcoSpec => ({
      name: `Create ${label} Pod`,
      slug,
      priority: 'WARNING',
      title: `Pod created in the node's ${what.replace('host ', '')}`,
      description: `Falco\u2019s "Create ${label} Pod": a pod created with \`${field}: true\`, unless every image is in \`falco.${list}\`. The host namespace is found by the Kubernetes rule \`k8s/pss-host-namespaces\` on the audited pod.`,
      remediation: `Find who created the pod; remove \`${field}\` unless it is an approved node agent (then add its image to \`falco.${list}\`).`,
      tags: ['k8s', 'falco', 'host'],
      maturity: 'experimental',
      offBecause: SUPERSEDED('audit/insecure-pod-created'),
      resources: ['pods'],
      verbs: CREATE,
      when: (e, ctx) => (k8s(ctx, ['k8s/pss-host-namespaces'], new RegExp(`(^|\\.)${field}$`)).length > 0 && !allIn(repos(e), ctx.policy.falco[list]) ? images(e).join(',') : undefined),
      output: (e, d) => `Pod started using ${what} (user=${describeUser(e)} pod=${name(e)} resource=${e.resource} ns=${ns(e)} images=${d})`,
    }),
  ),
  {
    name: 'Create NodePort Service',
    slug: 'create-nodeport-service',
    priority: 'WARNING',
    title: 'NodePort Service created',
    description: 'Falco\u2019s "Create NodePort Service": a Service of type NodePort opens a port on every node, reachable from anywhere the nodes are, past Ingress and network policies at the edge.',
    remediation: 'Use a ClusterIP Service behind an Ingress or a LoadBalancer with source ranges; delete NodePort Services nobody approved.',
    tags: ['k8s', 'falco', 'network'],
    maturity: 'stable',
    resources: ['services'],
    verbs: CREATE,
    when: (e) => (asString(get(e.requestObject, 'spec', 'type')) === 'NodePort' ? JSON.stringify(get(e.requestObject, 'spec', 'ports') ?? []) : undefined),
    output: (e, d) => `NodePort Service Created (user=${describeUser(e)} service=${name(e)} resource=${e.resource} ns=${ns(e)} ports=${d})`,
  },
  {
    name: 'Create/Modify Configmap With Private Credentials',
    slug: 'create-modify-configmap-with-private-credentials',
    priority: 'WARNING',
    title: 'ConfigMap written with what looks like a credential',
    description: 'Falco\u2019s "Create/Modify Configmap With Private Credentials": a ConfigMap created, updated or patched whose content contains `aws_access_key_id`, `password`, `passphrase` or the other strings of `falco.privateCredentialStrings`. ConfigMaps are not secret: every reader of the namespace\u2019s ConfigMaps gets the credential.',
    remediation: 'Move the credential to a Secret (or an external secret store), rotate it, and remove it from the ConfigMap.',
    tags: ['k8s', 'falco', 'secrets'],
    maturity: 'stable',
    resources: ['configmaps'],
    verbs: MODIFY,
    when: (e, ctx) => {
      const text = e.requestObject === undefined ? '' : JSON.stringify(e.requestObject);
      return ctx.policy.data.falco.privateCredentialStrings.find((s) => text.includes(s));
    },
    output: (e, d) => `K8s configmap with private credential (user=${describeUser(e)} verb=${e.verb} resource=${e.resource} configmap=${name(e)} matched=${d})`,
  },
  {
    name: 'Anonymous Request Allowed',
    slug: 'anonymous-request-allowed',
    priority: 'WARNING',
    title: 'Request by the anonymous user allowed',
    description: 'Falco\u2019s "Anonymous Request Allowed" (CIS 1.1.1): a request by `system:anonymous` that authorization allowed, other than the health endpoints (/healthz, /livez, /readyz).',
    remediation: 'Remove RBAC bindings to `system:anonymous` and `system:unauthenticated`; run the API server with `--anonymous-auth=false` or an anonymous-auth configuration limited to health endpoints.',
    tags: ['k8s', 'falco', 'identity'],
    maturity: 'experimental',
    offBecause: SUPERSEDED('audit/anonymous-access'),
    resources: ['*'],
    when: (e) => (e.user.username === 'system:anonymous' && e.decision === 'allow' && !HEALTH.test(e.requestURI) ? '' : undefined),
    output: (e) => `Request by anonymous user allowed (user=${e.user.username} verb=${e.verb} uri=${e.requestURI} reason=${e.reason ?? ''})`,
  },
  {
    name: 'Attach/Exec Pod',
    slug: 'attach-exec-pod',
    priority: 'NOTICE',
    title: 'Attach or exec into a pod',
    description: 'Falco\u2019s "Attach/Exec Pod": an attach or exec request (`create` of `pods/exec` or `pods/attach`) at stage ResponseStarted, i.e. the stream was opened.',
    remediation: 'Find who opened a shell in the pod and why; restrict `pods/exec` and `pods/attach` in RBAC to break-glass roles.',
    tags: ['k8s', 'falco', 'exec'],
    maturity: 'experimental',
    offBecause: SUPERSEDED('audit/pod-exec'),
    stages: ['ResponseStarted'],
    resources: ['pods/exec', 'pods/attach'],
    verbs: CREATE,
    output: (e) => `Attach/Exec to pod (user=${describeUser(e)} pod=${name(e)} resource=${e.resource} ns=${ns(e)} action=${e.subresource} command=${commandOf(e.requestURI)})`,
  },
  {
    name: 'port-forward',
    slug: 'port-forward',
    priority: 'NOTICE',
    title: 'Port-forward to a pod',
    description: 'Falco\u2019s "port-forward": any request on the `portforward` subresource, at any stage (Falco\u2019s condition has no stage filter, so a request logged at several stages is reported at each).',
    remediation: 'Find who forwarded a port into the pod and why; restrict `pods/portforward` in RBAC.',
    tags: ['k8s', 'falco', 'network'],
    maturity: 'experimental',
    offBecause: SUPERSEDED('audit/pod-port-forward'),
    stages: ['*'],
    resources: ['pods/portforward'],
    output: (e) => `Portforward to pod (user=${describeUser(e)} pod=${name(e)} ns=${ns(e)} action=${e.subresource})`,
  },
  {
    name: 'EphemeralContainers Created',
    slug: 'ephemeralcontainers-created',
    priority: 'NOTICE',
    title: 'Ephemeral container added to a pod',
    description: 'Falco\u2019s "EphemeralContainers Created": a create, update or patch of `pods/ephemeralcontainers` (`kubectl debug`): a new container, with its own image and command, in a running pod.',
    remediation: 'Find who debugged the pod and why; restrict `pods/ephemeralcontainers` in RBAC.',
    tags: ['k8s', 'falco', 'exec'],
    maturity: 'experimental',
    offBecause: SUPERSEDED('audit/ephemeral-container'),
    resources: ['pods/ephemeralcontainers'],
    verbs: MODIFY,
    output: (e) =>
      `Ephemeral container is created in pod (user=${describeUser(e)} pod=${name(e)} resource=${e.resource} ns=${ns(e)} ephemeral_container_name=${asString(get(e.requestObject, 'ephemeralContainers', 0, 'name')) ?? asString(get(e.requestObject, 'spec', 'ephemeralContainers', 0, 'name')) ?? ''} ephemeral_container_image=${asString(get(e.requestObject, 'ephemeralContainers', 0, 'image')) ?? asString(get(e.requestObject, 'spec', 'ephemeralContainers', 0, 'image')) ?? ''})`,
  },
  {
    name: 'Create Disallowed Namespace',
    slug: 'create-disallowed-namespace',
    priority: 'WARNING',
    title: 'Namespace created outside the allowed namespaces',
    description: 'Falco\u2019s "Create Disallowed Namespace": a namespace created whose name is not in `falco.allowedNamespaces` (kube-system, kube-public, default by default).',
    remediation: 'Add the namespaces your platform creates to `falco.allowedNamespaces`; investigate any other.',
    tags: ['k8s', 'falco'],
    maturity: 'experimental',
    offBecause: 'it reports every new namespace until `falco.allowedNamespaces` lists them',
    resources: ['namespaces'],
    verbs: CREATE,
    when: (e, ctx) => (ctx.policy.falco.allowedNamespaces(name(e)) ? undefined : ''),
    output: (e) => `Disallowed namespace created (user=${describeUser(e)} ns=${name(e)} resource=${e.resource})`,
  },
  {
    name: 'Pod Created in Kube Namespace',
    slug: 'pod-created-in-kube-namespace',
    priority: 'WARNING',
    title: 'Pod created in kube-system or kube-public',
    description: 'Falco\u2019s "Pod Created in Kube Namespace": a pod created in kube-system or kube-public unless every image is in `falco.kubeNamespaceImages`. Pods there run next to the control plane\u2019s components and their service accounts.',
    remediation: 'Find who created the pod; workloads belong in their own namespaces. Add approved system images to `falco.kubeNamespaceImages`.',
    tags: ['k8s', 'falco'],
    maturity: 'stable',
    resources: ['pods'],
    verbs: CREATE,
    when: (e, ctx) => ((e.namespace === 'kube-system' || e.namespace === 'kube-public') && !allIn(repos(e), ctx.policy.falco.kubeNamespaceImages) ? images(e).join(',') : undefined),
    output: (e, d) => `Pod created in kube namespace (user=${describeUser(e)} pod=${name(e)} resource=${e.resource} ns=${ns(e)} images=${d})`,
  },
  {
    name: 'Service Account Created in Kube Namespace',
    slug: 'service-account-created-in-kube-namespace',
    priority: 'WARNING',
    title: 'ServiceAccount created in kube-system or kube-public',
    description: 'Falco\u2019s "Service Account Created in Kube Namespace": a ServiceAccount successfully created in kube-system or kube-public other than the controllers\u2019 own (`falco.knownServiceAccounts`).',
    remediation: 'Find who created it and what it is bound to; delete it unless a platform component needs it (then add it to `falco.knownServiceAccounts`).',
    tags: ['k8s', 'falco', 'identity'],
    maturity: 'stable',
    resources: ['serviceaccounts'],
    verbs: CREATE,
    success: true,
    when: (e, ctx) => ((e.namespace === 'kube-system' || e.namespace === 'kube-public') && !ctx.policy.falco.knownServiceAccounts(name(e)) ? '' : undefined),
    output: (e) => `Service account created in kube namespace (user=${describeUser(e)} serviceaccount=${name(e)} resource=${e.resource} ns=${ns(e)})`,
  },
  {
    name: 'System ClusterRole Modified/Deleted',
    slug: 'system-clusterrole-modified-deleted',
    priority: 'WARNING',
    title: 'System role modified or deleted',
    description: 'Falco\u2019s "System ClusterRole Modified/Deleted": a create, update, patch or delete of a Role or ClusterRole whose name starts with `system:` (except `falco.systemRoleExceptions`). Changing the built-in roles changes what every component may do.',
    remediation: 'Find who changed the role; restore it (the API server reconciles the defaults at start-up, `rbac.authorization.kubernetes.io/autoupdate`).',
    tags: ['k8s', 'falco', 'rbac'],
    maturity: 'stable',
    resources: ['roles', 'clusterroles'],
    verbs: [...MODIFY, 'delete'],
    when: (e, ctx) => (name(e).startsWith('system:') && !ctx.policy.falco.systemRoleExceptions(name(e)) ? '' : undefined),
    output: (e) => `System ClusterRole/Role modified or deleted (user=${describeUser(e)} role=${name(e)} resource=${e.resource} ns=${ns(e)} action=${e.verb})`,
  },
  {
    name: 'Attach to cluster-admin Role',
    slug: 'attach-to-cluster-admin-role',
    priority: 'WARNING',
    title: 'ClusterRoleBinding to cluster-admin created',
    description: 'Falco\u2019s "Attach to cluster-admin Role": a ClusterRoleBinding created whose roleRef is `cluster-admin`.',
    remediation: 'Find who bound cluster-admin and to whom; delete the binding unless it is approved break-glass access.',
    tags: ['k8s', 'falco', 'rbac'],
    maturity: 'experimental',
    offBecause: SUPERSEDED('audit/powerful-role-binding'),
    resources: ['clusterrolebindings'],
    verbs: CREATE,
    when: (e) => (asString(get(e.requestObject, 'roleRef', 'name')) === 'cluster-admin' ? subjects(e.requestObject) : undefined),
    output: (e, d) => `Cluster Role Binding to cluster-admin role (user=${describeUser(e)} subject=${d})`,
  },
  {
    name: 'ClusterRole With Wildcard Created',
    slug: 'clusterrole-with-wildcard-created',
    priority: 'WARNING',
    title: 'Role with a wildcard resource or verb created',
    description: 'Falco\u2019s "ClusterRole With Wildcard Created": a Role or ClusterRole created with `*` in its resources or verbs: it grants what exists today and whatever is added later.',
    remediation: 'List the resources and verbs the role needs instead of `*`.',
    tags: ['k8s', 'falco', 'rbac'],
    maturity: 'stable',
    resources: ['roles', 'clusterroles'],
    verbs: CREATE,
    when: (e) => {
      const r = roleRules(e.requestObject);
      return r.resources.includes('*') || r.verbs.includes('*') ? '' : undefined;
    },
    output: (e) => `Created Role/ClusterRole with wildcard (user=${describeUser(e)} role=${name(e)} resource=${e.resource} rules=${JSON.stringify(get(e.requestObject, 'rules') ?? [])})`,
  },
  {
    name: 'ClusterRole With Write Privileges Created',
    slug: 'clusterrole-with-write-privileges-created',
    priority: 'NOTICE',
    title: 'Role with write verbs created',
    description: 'Falco\u2019s "ClusterRole With Write Privileges Created": a Role or ClusterRole created with any of create, update, patch, delete, deletecollection. Most roles do, so it is off by default.',
    remediation: 'Review new roles that can write; grant write verbs only on the resources a workload manages.',
    tags: ['k8s', 'falco', 'rbac'],
    maturity: 'experimental',
    offBecause: 'almost every operator installs roles with write verbs',
    resources: ['roles', 'clusterroles'],
    verbs: CREATE,
    when: (e) => (roleRules(e.requestObject).verbs.some((v) => WRITE_VERBS.includes(v)) ? '' : undefined),
    output: (e) => `Created Role/ClusterRole with write privileges (user=${describeUser(e)} role=${name(e)} resource=${e.resource} rules=${JSON.stringify(get(e.requestObject, 'rules') ?? [])})`,
  },
  {
    name: 'ClusterRole With Pod Exec Created',
    slug: 'clusterrole-with-pod-exec-created',
    priority: 'WARNING',
    title: 'Role allowing pod exec created',
    description: 'Falco\u2019s "ClusterRole With Pod Exec Created": a Role or ClusterRole created with the `pods/exec` resource: whoever holds it can run commands in pods (and read their service-account tokens and mounted secrets).',
    remediation: 'Grant `pods/exec` only to break-glass roles; review who the new role is bound to.',
    tags: ['k8s', 'falco', 'rbac', 'exec'],
    maturity: 'stable',
    resources: ['roles', 'clusterroles'],
    verbs: CREATE,
    when: (e) => (roleRules(e.requestObject).resources.includes('pods/exec') ? '' : undefined),
    output: (e) => `Created Role/ClusterRole with pod exec privileges (user=${describeUser(e)} role=${name(e)} resource=${e.resource} rules=${JSON.stringify(get(e.requestObject, 'rules') ?? [])})`,
  },
  activity('Deployment', 'deployments', 'Created'),
  activity('Deployment', 'deployments', 'Deleted'),
  activity('Service', 'services', 'Created'),
  activity('Service', 'services', 'Deleted'),
  activity('ConfigMap', 'configmaps', 'Created'),
  activity('ConfigMap', 'configmaps', 'Deleted'),
  activity('Namespace', 'namespaces', 'Created'),
  activity('Namespace', 'namespaces', 'Deleted', { nonSystemUser: true }),
  activity('Serviceaccount', 'serviceaccounts', 'Created'),
  activity('Serviceaccount', 'serviceaccounts', 'Deleted'),
  activity('Role', 'roles', 'Created', { legacy: ['K8s Role/Clusterrole Created'] }),
  activity('Role', 'roles', 'Deleted', { legacy: ['K8s Role/Clusterrole Deleted'] }),
  activity('ClusterRole', 'clusterroles', 'Created', { legacy: ['K8s Role/Clusterrole Created'] }),
  activity('ClusterRole', 'clusterroles', 'Deleted', { legacy: ['K8s Role/Clusterrole Deleted'] }),
  activity('RoleBinding', 'rolebindings', 'Created'),
  activity('RoleBinding', 'rolebindings', 'Deleted'),
  activity('ClusterRoleBinding', 'clusterrolebindings', 'Created', { legacy: ['K8s Role/Clusterrolebinding Created'] }),
  activity('ClusterRoleBinding', 'clusterrolebindings', 'Deleted', { legacy: ['K8s Role/Clusterrolebinding Deleted'] }),
  activity('Secret', 'secrets', 'Created', { nonSystemUser: true, when: (e) => (e.namespace === 'kube-system' ? undefined : '') }),
  activity('Secret', 'secrets', 'Deleted', { nonSystemUser: true, when: (e) => (e.namespace === 'kube-system' ? undefined : '') }),
  {
    name: 'K8s Secret Get Successfully',
    slug: 'k8s-secret-get-successfully',
    kactivity: true,
    priority: 'ERROR',
    title: 'Secret read (every successful get)',
    description: 'Falco\u2019s "K8s Secret Get Successfully": every successful `get` of a Secret, by anyone (controllers included), which in a real cluster is a constant stream.',
    remediation: 'Use `audit/secret-read`, which reports Secret reads outside the allowlist of system controllers, graded by who read.',
    tags: ['k8s', 'falco', 'secrets'],
    maturity: 'experimental',
    offBecause: SUPERSEDED('audit/secret-read'),
    resources: ['secrets'],
    verbs: ['get'],
    success: true,
    output: (e) => `K8s Secret Get Successfully (user=${describeUser(e)} secret=${name(e)} ns=${ns(e)} resource=${e.resource} resp=${e.code} decision=${e.decision ?? ''} reason=${e.reason ?? ''})`,
  },
  {
    name: 'K8s Secret Get Unsuccessfully Tried',
    slug: 'k8s-secret-get-unsuccessfully-tried',
    kactivity: true,
    priority: 'WARNING',
    title: 'Secret read attempt failed',
    description: 'Falco\u2019s "K8s Secret Get Unsuccessfully Tried": a `get` of a Secret that did not succeed (denied, or not found).',
    remediation: 'Use `audit/enumeration-burst`, which reports bursts of denied requests by one identity; investigate repeated failures.',
    tags: ['k8s', 'falco', 'secrets'],
    maturity: 'experimental',
    offBecause: 'controllers probe for Secrets that do not exist yet all the time; `audit/enumeration-burst` reports the attack pattern',
    resources: ['secrets'],
    verbs: ['get'],
    success: false,
    output: (e) => `K8s Secret Get Unsuccessfully Tried (user=${describeUser(e)} secret=${name(e)} ns=${ns(e)} resource=${e.resource} resp=${e.code} decision=${e.decision ?? ''} reason=${e.reason ?? ''})`,
  },
  {
    name: 'All K8s Audit Events',
    slug: 'all-k8s-audit-events',
    falcoDisabled: true,
    priority: 'DEBUG',
    title: 'Any audit event (Falco debug rule)',
    description: 'Falco\u2019s "All K8s Audit Events": every event at stage ResponseComplete. Falco ships it disabled; it is for debugging pipelines.',
    remediation: 'Nothing to fix; turn it off again after debugging.',
    tags: ['k8s', 'falco', 'falco-activity'],
    maturity: 'experimental',
    offBecause: 'Falco ships it disabled (its `consider_all_events` macro is always false)',
    resources: ['*'],
    output: (e) => `K8s Audit Event received (user=${describeUser(e)} verb=${e.verb} uri=${e.requestURI})`,
  },
  {
    name: 'Full K8s Administrative Access',
    slug: 'full-k8s-administrative-access',
    falcoDisabled: true,
    priority: 'WARNING',
    title: 'Request by a default administrator account',
    description: 'Falco\u2019s "Full K8s Administrative Access": any request by one of the default administrator names of common installers (`falco.fullAdminUsers`: admin, kubernetes-admin, minikube-user …). Falco ships it disabled.',
    remediation: 'Give people their own identities with scoped roles; keep the installer\u2019s admin credential offline.',
    tags: ['k8s', 'falco', 'identity'],
    maturity: 'experimental',
    offBecause: 'Falco ships it disabled (its `allowed_full_admin_users` macro is always true)',
    resources: ['*'],
    nonSystemUser: true,
    when: (e, ctx) => (ctx.policy.falco.fullAdminUsers(e.user.username) ? '' : undefined),
    output: (e) => `K8s Operation performed by full admin user (user=${e.user.username} target=${name(e)}/${e.resource} verb=${e.verb} uri=${e.requestURI} resp=${e.code})`,
  },
  {
    name: 'Ingress Object without TLS Certificate Created',
    slug: 'ingress-object-without-tls-certificate-created',
    kactivity: true,
    priority: 'WARNING',
    title: 'Ingress created without TLS',
    description: 'Falco\u2019s "Ingress Object without TLS Certificate Created": an Ingress created without `spec.tls`: the service is exposed over plain HTTP.',
    remediation: 'Add a `spec.tls` section with a certificate (cert-manager can issue it), or restrict the Ingress to internal traffic.',
    tags: ['k8s', 'falco', 'network'],
    maturity: 'incubating',
    resources: ['ingresses'],
    verbs: CREATE,
    success: true,
    when: (e) => (get(e.requestObject, 'spec', 'tls') === undefined ? '' : undefined),
    output: (e) => `K8s Ingress Without TLS Cert Created (user=${describeUser(e)} ingress=${name(e)} namespace=${ns(e)} resource=${e.resource})`,
  },
  {
    name: 'Untrusted Node Successfully Joined the Cluster',
    slug: 'untrusted-node-successfully-joined-the-cluster',
    falcoDisabled: true,
    priority: 'ERROR',
    title: 'Node outside the allowed nodes joined',
    description: 'Falco\u2019s "Untrusted Node Successfully Joined the Cluster": a Node object created successfully whose name is not in `falco.allowedNodes`. Falco ships it disabled (every node is allowed until you list them).',
    remediation: 'List your nodes (or their naming pattern) in `falco.allowedNodes`; cordon and investigate unknown nodes, which receive pods and their secrets.',
    tags: ['k8s', 'falco', 'nodes'],
    maturity: 'experimental',
    offBecause: 'Falco ships it disabled (its `allow_all_k8s_nodes` macro is always true)',
    resources: ['nodes'],
    verbs: CREATE,
    success: true,
    when: (e, ctx) => (ctx.policy.falco.allowedNodes(name(e)) ? undefined : ''),
    output: (e) => `Node not in allowed list successfully joined the cluster (user=${describeUser(e)} node=${name(e)} resource=${e.resource})`,
  },
  {
    name: 'Untrusted Node Unsuccessfully Tried to Join the Cluster',
    slug: 'untrusted-node-unsuccessfully-tried-to-join-the-cluster',
    falcoDisabled: true,
    priority: 'WARNING',
    title: 'Node outside the allowed nodes failed to join',
    description: 'Falco\u2019s "Untrusted Node Unsuccessfully Tried to Join the Cluster": a Node object creation that failed, for a name not in `falco.allowedNodes`. Falco ships it disabled.',
    remediation: 'Find where the join attempt came from (source IP, credentials used); rotate bootstrap tokens.',
    tags: ['k8s', 'falco', 'nodes'],
    maturity: 'experimental',
    offBecause: 'Falco ships it disabled (its `allow_all_k8s_nodes` macro is always true)',
    resources: ['nodes'],
    verbs: CREATE,
    success: false,
    when: (e, ctx) => (ctx.policy.falco.allowedNodes(name(e)) ? undefined : ''),
    output: (e) => `Node not in allowed list tried unsuccessfully to join the cluster (user=${describeUser(e)} node=${name(e)} reason=${e.code} resource=${e.resource})`,
  },
];

/** `command=bash&command=-c` of an exec request URI. */
export function commandOf(uri: string): string {
  const q = uri.indexOf('?');
  if (q < 0) return '';
  return new URLSearchParams(uri.slice(q + 1)).getAll('command').join(' ');
}

function compile(spec: FalcoSpec): AuditRule {
  const severity: Severity = severityFromFalco(spec.priority);
  const verbs = spec.verbs;
  return auditRule({
    id: `audit/falco-${spec.slug}`,
    title: spec.title,
    severity,
    description: `${spec.description}${spec.offBecause === undefined ? '' : ` Off by default: ${spec.offBecause}.`}`,
    remediation: spec.remediation,
    references: ['https://github.com/falcosecurity/plugins/blob/main/plugins/k8saudit/rules/k8s_audit_rules.yaml', 'docs/audit.md'],
    tags: spec.tags,
    maturity: spec.maturity,
    on: { resources: spec.resources, stages: spec.stages ?? ['ResponseComplete'], ...(spec.verbs !== undefined && { verbs: spec.verbs }), ...(spec.nonSystemUser === true && { nonSystemUser: true }) },
    falco: { name: spec.name, priority: spec.priority, ...(spec.legacy !== undefined && { legacy: spec.legacy }) },
    dedup: 'target',
    check({ event: e, ctx }, report) {
      if (verbs !== undefined && !verbs.includes(e.verb)) return;
      if (spec.success === true && !e.success) return;
      if (spec.success === false && e.success) return;
      if (spec.nonSystemUser === true && e.user.username.startsWith('system:')) return;
      const detail = spec.when === undefined ? '' : spec.when(e, ctx);
      if (detail === undefined || ctx.muted()) return;
      report({ location: ctx.at(), message: spec.output(e, detail) });
    },
  });
}

export const FALCO_RULES: readonly AuditRule[] = FALCO_SPECS.map(compile);
