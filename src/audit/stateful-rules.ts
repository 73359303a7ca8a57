/**
 * Stateful detections: patterns no single event shows. Each keeps its state in `DetectionState` maps
 * bounded by `maxStateEntries` (evictions counted), and uses event time (not the clock), so replaying
 * a log gives the same findings as watching it live. Thresholds and windows are policy data
 * (`thresholds:`).
 */
import type { AuditEvent } from './event.js';
import type { IdentityClass } from './policy.js';
import { serviceAccountOf } from './policy.js';
import type { AuditRule, EventContext } from './rule-model.js';
import { asString, auditRule, describeUser, get } from './rule-model.js';
import { bindingOf, learnRole } from './native-rules.js';

const READ = ['get', 'list', 'watch'];
const REFS = ['docs/audit.md'];

/** Event time, or the wall clock for events without a usable timestamp. */
function now(e: AuditEvent): number {
  const t = e.timeMs;
  return Number.isFinite(t) ? t : Date.now();
}

const WORKLOAD_CLASSES: ReadonlySet<IdentityClass> = new Set(['serviceaccount', 'ai-serviceaccount', 'system-serviceaccount']);

export const enumerationBurst = auditRule({
  id: 'audit/enumeration-burst',
  title: 'Burst of forbidden requests by one identity',
  severity: 'medium',
  description:
    'One identity received `thresholds.forbiddenBurst` (20) or more 403 Forbidden answers within `thresholds.forbiddenWindowSeconds` (60) of the first: the pattern of a stolen credential probing what it may do (`kubectl auth can-i --list` done by hand, automated discovery tools). Reported once per window per identity; graded by who it is (a workload service account probing is high). Falco has no aggregate rule; its "K8s Secret Get Unsuccessfully Tried" reports each failed Secret get.',
  remediation: 'Find where the credential is used from (source IPs, user agent) and whether its owner is expected to probe; revoke or rotate it if not.',
  references: REFS,
  tags: ['k8s', 'audit', 'discovery'],
  maturity: 'stable',
  on: { resources: ['*'] },
  severityByClass: { anonymous: 'high', human: 'medium', 'control-plane': 'low', node: 'medium', 'system-serviceaccount': 'medium', serviceaccount: 'high', 'ai-serviceaccount': 'high' },
  controls: ['mitre:T1613'],
  dedup: 'actor',
  check({ event: e, ctx }, report) {
    if (e.code !== 403) return;
    const t = now(e);
    const th = ctx.policy.data.thresholds;
    const key = e.actor.username || `(anonymous ${e.sourceIPs[0] ?? ''})`;
    let w = ctx.state.forbidden.get(key);
    if (w === undefined || t - w.start > th.forbiddenWindowSeconds * 1000) {
      w = { start: t, count: 0, reported: false };
      ctx.state.forbidden.set(key, w);
    }
    w.count++;
    if (w.count >= th.forbiddenBurst && !w.reported) {
      w.reported = true;
      report({ location: ctx.at(), message: `${describeUser(e)} (${ctx.identity}) was refused ${w.count} requests within ${Math.max(1, Math.round((t - w.start) / 1000))}s (last: ${e.verb} ${e.res || e.requestURI})`, evidence: `${w.count} x 403` });
    }
  },
});

export const secretsAcrossNamespaces = auditRule({
  id: 'audit/secrets-across-namespaces',
  title: 'Secrets read across many namespaces by one service account',
  severity: 'high',
  description:
    'One service account read or listed Secrets in `thresholds.secretNamespaces` (5) or more namespaces within `thresholds.secretNamespacesWindowSeconds` (600), or listed Secrets cluster-wide: a workload identity harvesting credentials beyond its own namespace. Identities in `secretReaders` (the cluster\u2019s controllers) are not counted.',
  remediation: 'Check the service account\u2019s bindings: a workload should read at most its own namespace\u2019s Secrets. Remove cluster-wide Secret access, and rotate the Secrets it read if the access was not expected.',
  references: REFS,
  tags: ['k8s', 'audit', 'secrets', 'credential-access'],
  maturity: 'stable',
  on: { resources: ['secrets'], verbs: READ },
  severityByClass: { 'ai-serviceaccount': 'critical' },
  controls: ['mitre:T1552.007'],
  dedup: 'actor',
  check({ event: e, ctx }, report) {
    if (!READ.includes(e.verb) || !e.success || !WORKLOAD_CLASSES.has(ctx.identity)) return;
    const u = e.actor.username;
    if (ctx.policy.secretReaders(u)) return;
    const th = ctx.policy.data.thresholds;
    const t = now(e);
    let w = ctx.state.secretNamespaces.get(u);
    if (w === undefined || t - w.start > th.secretNamespacesWindowSeconds * 1000) {
      w = { start: t, namespaces: new Set(), reported: false };
      ctx.state.secretNamespaces.set(u, w);
    }
    if (w.reported) return;
    if (e.namespace === undefined) {
      w.reported = true;
      report({ location: ctx.at(), message: `${u} (${ctx.identity}) ${e.verb === 'list' ? 'listed' : 'watched'} Secrets in all namespaces` });
      return;
    }
    // The set never grows past the threshold: it only has to tell when the threshold is reached.
    w.namespaces.add(e.namespace);
    if (w.namespaces.size >= th.secretNamespaces) {
      w.reported = true;
      report({ location: ctx.at(), message: `${u} (${ctx.identity}) read Secrets in ${w.namespaces.size} namespaces within ${Math.max(1, Math.round((t - w.start) / 1000))}s: ${[...w.namespaces].sort().join(', ')}` });
    }
  },
});

/** Learn which service account a pod runs as: pod creations and the kubelet's TokenRequests for the pod. */
function learnPodServiceAccount(e: AuditEvent, ctx: EventContext): void {
  let pod: string | undefined;
  let sa: string | undefined;
  if (e.res === 'pods' && e.verb === 'create' && e.success) {
    const o = e.responseObject ?? e.requestObject;
    pod = asString(get(o, 'metadata', 'name')) ?? e.name;
    sa = asString(get(o, 'spec', 'serviceAccountName')) ?? 'default';
  } else if (e.res === 'serviceaccounts/token' && e.verb === 'create' && e.success && asString(get(e.requestObject, 'spec', 'boundObjectRef', 'kind')) === 'Pod') {
    pod = asString(get(e.requestObject, 'spec', 'boundObjectRef', 'name'));
    sa = e.name;
  }
  if (pod === undefined || sa === undefined || e.namespace === undefined) return;
  const key = `${e.namespace}/${pod}`;
  ctx.state.podServiceAccount.set(key, sa);
  const exec = ctx.state.execs.get(key);
  if (exec !== undefined) ctx.state.execsByServiceAccount.set(`${e.namespace}/${sa}`, exec);
}

export const execThenSecretRead = auditRule({
  id: 'audit/exec-then-secret-read',
  title: 'Secret read by a pod\u2019s service account after a shell into the pod',
  severity: 'critical',
  description:
    'Someone opened an exec or attach stream into a pod, and within `thresholds.execThenSecretWindowSeconds` (900) the pod\u2019s service account read Secrets: the shell was used to take the pod\u2019s token and harvest credentials with it. The pod is linked to the reading token by the bound token\u2019s pod name (`user.extra` `authentication.kubernetes.io/pod-name`, Kubernetes 1.30+ adds it to every service-account request) or, for older clusters, by the pod\u2019s service account learned from its creation or the kubelet\u2019s TokenRequest in the same log.',
  remediation: 'Treat the pod and its service account as compromised: rotate the Secrets read, delete the pod, and review who opened the shell (the exec event is named in the finding).',
  references: REFS,
  tags: ['k8s', 'audit', 'secrets', 'credential-access', 'exec'],
  maturity: 'stable',
  on: { resources: ['pods/exec', 'pods/attach', 'secrets', 'pods', 'serviceaccounts/token'], stages: ['ResponseStarted', 'ResponseComplete'] },
  controls: ['mitre:T1609', 'mitre:T1552.007'],
  dedup: 'actor',
  check({ event: e, ctx }, report) {
    if (e.subresource === 'exec' || e.subresource === 'attach') {
      if ((e.verb !== 'create' && e.verb !== 'get') || !(e.code === 101 || e.success) || e.namespace === undefined || e.name === undefined) return;
      const key = `${e.namespace}/${e.name}`;
      const rec = { timeMs: now(e), pod: e.name, namespace: e.namespace, user: describeUser(e), auditID: e.auditID };
      ctx.state.execs.set(key, rec);
      const sa = ctx.state.podServiceAccount.get(key);
      if (sa !== undefined) ctx.state.execsByServiceAccount.set(`${e.namespace}/${sa}`, rec);
      return;
    }
    if (e.stage !== 'ResponseComplete') return;
    if (e.resource !== 'secrets') {
      learnPodServiceAccount(e, ctx);
      return;
    }
    if (!READ.includes(e.verb) || !e.success) return;
    const sa = serviceAccountOf(e.actor.username);
    if (sa === undefined) return;
    const window = ctx.policy.data.thresholds.execThenSecretWindowSeconds * 1000;
    const t = now(e);
    const podName = e.actor.extra?.['authentication.kubernetes.io/pod-name']?.[0];
    const exec = podName === undefined ? ctx.state.execsByServiceAccount.get(`${sa.namespace}/${sa.name}`) : ctx.state.execs.get(`${sa.namespace}/${podName}`);
    if (exec === undefined || t - exec.timeMs > window || t < exec.timeMs) return;
    const what = e.verb === 'get' ? `read Secret ${e.namespace ?? ''}/${e.name ?? ''}` : `${e.verb === 'list' ? 'listed' : 'watched'} Secrets${e.namespace === undefined ? ' in all namespaces' : ` in ${e.namespace}`}`;
    report({
      location: ctx.at(),
      message: `${exec.user} opened a shell in pod ${exec.namespace}/${exec.pod} (event ${exec.auditID}); ${Math.round((t - exec.timeMs) / 1000)}s later its service account ${sa.namespace}/${sa.name} ${what}${podName === undefined ? ' (linked by service account)' : ''}`,
    });
  },
});

export const newBindingUsed = auditRule({
  id: 'audit/new-binding-used',
  title: 'New binding to a powerful role used',
  severity: 'critical',
  description:
    'A binding to a powerful role (as `audit/powerful-role-binding` judges it) was created, and within `thresholds.bindingUseWindowSeconds` (3600) its subject made a successful request: the escalation was not only prepared but exercised. Reported once per binding subject.',
  remediation: 'Delete the binding, review every request the subject made since it was created, and rotate credentials it could reach.',
  references: REFS,
  tags: ['k8s', 'audit', 'rbac', 'privilege-escalation'],
  maturity: 'stable',
  on: { resources: ['*'] },
  controls: ['mitre:T1098'],
  dedup: 'actor',
  check({ event: e, ctx }, report) {
    const t = now(e);
    const users = ctx.state.newBindingUsers;
    const groups = ctx.state.newBindingGroups;
    learnRole(e, ctx);
    const b = bindingOf(e, ctx);
    if (b !== undefined && b.power !== undefined) {
      const label = `${b.kind} ${e.namespace === undefined ? '' : `${e.namespace}/`}${b.name} (${b.roleKind} ${b.roleName})`;
      for (const s of b.subjects) {
        const rec = { timeMs: t, binding: label, role: b.roleName, auditID: e.auditID, creator: describeUser(e), reported: false };
        if (s.kind === 'Group') groups.set(s.name, rec);
        else users.set(s.kind === 'ServiceAccount' ? `system:serviceaccount:${s.namespace ?? ''}:${s.name}` : s.name, rec);
      }
      return;
    }
    if ((users.size === 0 && groups.size === 0) || !e.success) return;
    const actor = e.actor;
    let hit = users.get(actor.username);
    let via = actor.username;
    if (hit === undefined && groups.size > 0) {
      for (const g of actor.groups) {
        hit = groups.get(g);
        if (hit !== undefined) {
          via = `group ${g}`;
          break;
        }
      }
    }
    if (hit === undefined || hit.reported || hit.auditID === e.auditID || t - hit.timeMs > ctx.policy.data.thresholds.bindingUseWindowSeconds * 1000 || t < hit.timeMs) return;
    hit.reported = true;
    report({ location: ctx.at(), message: `${hit.creator} bound ${hit.binding} (event ${hit.auditID}); ${Math.round((t - hit.timeMs) / 1000)}s later ${via} used it: ${e.verb} ${e.res || e.requestURI}${e.namespace === undefined ? '' : ` in ${e.namespace}`}` });
  },
});

export const firstSeenAccess = auditRule({
  id: 'audit/first-seen-access',
  title: 'Identity used a verb on a resource for the first time',
  severity: 'low',
  description:
    'After a learning window (`thresholds.learningWindowSeconds`, one day of event time from the first event), a successful request (not a watch) by a person, a workload service account or an anonymous caller whose identity, verb and resource were never seen before (kubelets, the control plane and kube-system controllers are not learned: Kubernetes fixes what they do): a service account that always read ConfigMaps now lists Secrets, a person who never touched RBAC creates a binding. The triples are learned from the log itself (bounded by `maxStateEntries`; evicted triples can be reported again, and evictions are counted). Off by default: useful once the learning window covers normal operation, e.g. when the receiver has run for a day.',
  remediation: 'Check whether the new access is expected (a deployment, a new tool); if not, investigate the identity.',
  references: REFS,
  tags: ['k8s', 'audit', 'anomaly'],
  maturity: 'experimental',
  on: { resources: ['*'] },
  severityByClass: { anonymous: 'high', serviceaccount: 'medium', 'ai-serviceaccount': 'medium' },
  dedup: 'none',
  check({ event: e, ctx }, report) {
    if (!e.success || e.verb === 'watch') return;
    // The cluster's own components (kubelets, control plane, kube-system controllers) are not learned:
    // their access is fixed by Kubernetes, and they make most of the events.
    const cls = ctx.identity;
    if (cls === 'node' || cls === 'control-plane' || cls === 'system-serviceaccount') return;
    const t = now(e);
    const st = ctx.state;
    if (Number.isNaN(st.learningStart)) st.learningStart = t;
    if (!st.firstSeen.add(e.actor.username, e.verb, e.qualifiedResource || e.requestURI)) return;
    if (t - st.learningStart < ctx.policy.data.thresholds.learningWindowSeconds * 1000) return;
    report({ location: ctx.at(), message: `first ${e.verb} of ${e.qualifiedResource || e.requestURI} by ${describeUser(e)} (${ctx.identity}) since learning started` });
  },
});

export const STATEFUL_RULES: readonly AuditRule[] = [enumerationBurst, secretsAcrossNamespaces, execThenSecretRead, newBindingUsed, firstSeenAccess];
