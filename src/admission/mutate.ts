/**
 * Mutation (opt-in per namespace, `bulwark.dev/mutate: "true"`): a JSON Patch (RFC 6902) that brings a
 * Pod towards the restricted profile only where that cannot change what the user wrote.
 *
 * - Every operation is an `add` of a field that is absent; no field the user set (to any value, null
 *   included) is replaced, and no list is appended to.
 * - Fields added: container `allowPrivilegeEscalation: false` (not on privileged containers or those
 *   adding SYS_ADMIN, which the API server would reject), container `capabilities.drop: ["ALL"]` (not
 *   on privileged containers), pod `seccompProfile: {type: RuntimeDefault}` (not when a legacy seccomp
 *   annotation is present, which the API server keeps in sync with the field), container
 *   `runAsNonRoot: true` only where the user is known to be non-root (an explicit non-zero
 *   `runAsUser`, or an image listed as non-root) and neither the pod nor the container says anything
 *   about it, and pod `automountServiceAccountToken: false` for ServiceAccounts listed as holding no
 *   permissions.
 * - Windows pods and HostProcess pods are left alone (those fields do not apply to them).
 * Applying the patch and mutating again yields no operation (a fixed point), and no PSS check passes
 * before and fails after (mutate.property.test.ts).
 */
import type { Json, JsonObject } from '../k8s-manifests/index.js';
import { errorMessage } from '../findings/index.js';
import { DEFAULT_LIMITS } from '../limits/index.js';
import { asJsonObject, deeperThan, isJsonObject, own } from './json.js';
import { auditValue } from './messages.js';
import type { AdmissionPolicy, MutationSettings } from './policy.js';
import { DEFAULT_MUTATION } from './policy.js';
import type { AdmissionRequest, AdmissionResponse } from './request.js';
import { parseAdmissionReview, reviewResponse } from './request.js';
import type { DecisionReason, EvaluateResult, Evaluation, ReviewContext } from './review.js';

export interface AddOperation {
  readonly op: 'add';
  /** RFC 6901 pointer. */
  readonly path: string;
  readonly value: Json;
}

const SECCOMP_POD = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';

function globRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

const globCache = new Map<string, RegExp>();
function matchesGlob(s: string, glob: string): boolean {
  let re = globCache.get(glob);
  if (re === undefined) {
    re = globRegExp(glob);
    if (globCache.size < 1024) globCache.set(glob, re);
  }
  return re.test(s);
}

const has = (o: JsonObject, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** The add-only patch for a Pod object (`[]` when nothing may or needs to be added). */
export function mutationPatch(pod: JsonObject, settings: MutationSettings = DEFAULT_MUTATION, namespace?: string): AddOperation[] {
  const ops: AddOperation[] = [];
  if (own(pod, 'kind') !== 'Pod' || own(pod, 'apiVersion') !== 'v1') return ops;
  const spec = asJsonObject(own(pod, 'spec'));
  if (!spec) return ops;
  if (asJsonObject(own(spec, 'os'))?.['name'] === 'windows') return ops;
  const podScRaw = own(spec, 'securityContext');
  if (podScRaw !== undefined && !isJsonObject(podScRaw)) return ops;
  const podSc = podScRaw;
  if (podSc !== undefined && asJsonObject(own(podSc, 'windowsOptions'))?.['hostProcess'] === true) return ops;
  const lists = ['initContainers', 'containers'] as const;
  for (const list of lists) {
    const arr = own(spec, list);
    if (!Array.isArray(arr)) continue;
    for (const c of arr) if (isJsonObject(c) && asJsonObject(asJsonObject(own(c, 'securityContext'))?.['windowsOptions'])?.['hostProcess'] === true) return ops;
  }
  const meta = asJsonObject(own(pod, 'metadata'));
  const annotations = asJsonObject(meta === undefined ? undefined : own(meta, 'annotations')) ?? {};
  const legacySeccomp = Object.keys(annotations).some((k) => k === SECCOMP_POD || k.startsWith(SECCOMP_CONTAINER_PREFIX));

  // Pod level: seccompProfile.
  if (!legacySeccomp) {
    if (podSc === undefined) ops.push({ op: 'add', path: '/spec/securityContext', value: { seccompProfile: { type: 'RuntimeDefault' } } });
    else if (!has(podSc, 'seccompProfile')) ops.push({ op: 'add', path: '/spec/securityContext/seccompProfile', value: { type: 'RuntimeDefault' } });
  }
  const podRunAsUser = podSc === undefined ? undefined : own(podSc, 'runAsUser');
  const podSaysNonRoot = podSc !== undefined && has(podSc, 'runAsNonRoot');

  for (const list of lists) {
    const arr = own(spec, list);
    if (!Array.isArray(arr)) continue;
    for (let i = 0; i < arr.length; i++) {
      const c = arr[i];
      if (!isJsonObject(c)) continue;
      const base = `/spec/${list}/${i}/securityContext`;
      const scRaw = own(c, 'securityContext');
      if (scRaw !== undefined && !isJsonObject(scRaw)) continue;
      const sc: JsonObject = scRaw ?? {};
      const capsRaw = own(sc, 'capabilities');
      const caps = asJsonObject(capsRaw);
      const add = caps === undefined ? [] : own(caps, 'add');
      const addsSysAdmin = Array.isArray(add) && add.some((x) => x === 'SYS_ADMIN' || x === 'CAP_SYS_ADMIN');
      const privileged = own(sc, 'privileged') === true;
      const fields: [string, Json][] = [];
      if (!has(sc, 'allowPrivilegeEscalation') && !privileged && !addsSysAdmin) fields.push(['allowPrivilegeEscalation', false]);
      if (!privileged) {
        if (capsRaw === undefined) fields.push(['capabilities', { drop: ['ALL'] }]);
        else if (caps !== undefined && !has(caps, 'drop')) ops.push({ op: 'add', path: `${base}/capabilities/drop`, value: ['ALL'] });
      }
      if (!has(sc, 'runAsNonRoot') && !podSaysNonRoot && knownNonRoot(c, sc, podRunAsUser, settings)) fields.push(['runAsNonRoot', true]);
      if (fields.length === 0) continue;
      if (scRaw === undefined) ops.push({ op: 'add', path: base, value: Object.fromEntries(fields) });
      else for (const [k, v] of fields) ops.push({ op: 'add', path: `${base}/${k}`, value: v });
    }
  }

  // automountServiceAccountToken for ServiceAccounts known to hold no permissions.
  if (!has(spec, 'automountServiceAccountToken') && settings.tokenlessServiceAccounts.length > 0) {
    const san = own(spec, 'serviceAccountName');
    const sa = own(spec, 'serviceAccount');
    const name = typeof san === 'string' && san !== '' ? san : typeof sa === 'string' && sa !== '' ? sa : 'default';
    const ns = namespace ?? (meta !== undefined && typeof own(meta, 'namespace') === 'string' ? (own(meta, 'namespace') as string) : 'default');
    if (settings.tokenlessServiceAccounts.includes(name) || settings.tokenlessServiceAccounts.includes(`${ns}/${name}`)) {
      ops.push({ op: 'add', path: '/spec/automountServiceAccountToken', value: false });
    }
  }
  return ops;
}

/** The container's user is known not to be root: an explicit non-zero runAsUser, or an image listed as non-root. */
function knownNonRoot(c: JsonObject, sc: JsonObject, podRunAsUser: Json | undefined, settings: MutationSettings): boolean {
  const uid = has(sc, 'runAsUser') ? own(sc, 'runAsUser') : podRunAsUser;
  if (uid !== undefined) return typeof uid === 'number' && Number.isInteger(uid) && uid > 0;
  const image = own(c, 'image');
  return typeof image === 'string' && settings.nonRootImages.some((g) => matchesGlob(image, g));
}

function unescapePointer(seg: string): string {
  return seg.replaceAll('~1', '/').replaceAll('~0', '~');
}

/**
 * Apply add-only operations to a copy of `doc` (tests and the CLI; the API server applies the real
 * patch). Throws on a path whose parent is missing or whose target already exists.
 */
export function applyAddPatch(doc: JsonObject, ops: readonly AddOperation[]): JsonObject {
  const out = JSON.parse(JSON.stringify(doc)) as JsonObject;
  for (const op of ops) {
    const segs = op.path.split('/').slice(1).map(unescapePointer);
    const last = segs.pop();
    if (last === undefined) throw new Error(`bad pointer ${op.path}`);
    let cur: Json = out;
    for (const s of segs) {
      const next: Json | undefined = Array.isArray(cur) ? cur[Number(s)] : isJsonObject(cur) ? own(cur, s) : undefined;
      if (next === undefined) throw new Error(`parent of ${op.path} is missing`);
      cur = next;
    }
    if (!isJsonObject(cur)) throw new Error(`parent of ${op.path} is not an object`);
    if (has(cur, last)) throw new Error(`${op.path} already exists`);
    cur[last] = JSON.parse(JSON.stringify(op.value)) as Json;
  }
  return out;
}

function mutationOf(req: AdmissionRequest, policy: AdmissionPolicy, ctx: ReviewContext): Evaluation {
  const target: Evaluation['target'] = {
    kind: req.kind.kind,
    ...(req.namespace !== undefined && { namespace: req.namespace }),
    ...(req.name !== undefined && { name: req.name }),
    operation: req.operation,
    uid: req.uid,
  };
  const allowed = (reason: DecisionReason, extra: Partial<AdmissionResponse> = {}): Evaluation => ({
    review: reviewResponse({ uid: req.uid, allowed: true, ...extra }),
    reason,
    modes: [],
    findings: [],
    dryRun: req.dryRun === true,
    target,
  });
  if (req.operation !== 'CREATE') return allowed('operation');
  if (req.resource.group !== '' || req.resource.resource !== 'pods') return allowed('not-a-workload');
  if (req.subResource !== undefined) return allowed('subresource');
  if (req.namespace !== undefined && policy.exemptions.namespaces.includes(req.namespace)) return allowed('exempt-namespace');
  if (req.userInfo.username !== undefined && policy.exemptions.usernames.includes(req.userInfo.username)) return allowed('exempt-user');
  const pod = req.object;
  // A malformed pod gets no patch; the validating webhook judges it.
  if (!isJsonObject(pod) || deeperThan(pod, ctx.maxDepth ?? DEFAULT_LIMITS.maxStructureDepth)) return allowed('evaluated');
  const rc = asJsonObject(own(pod, 'spec'))?.['runtimeClassName'];
  if (typeof rc === 'string' && policy.exemptions.runtimeClasses.includes(rc)) return allowed('exempt-runtime-class');
  const ops = mutationPatch(pod, policy.mutation ?? DEFAULT_MUTATION, req.namespace);
  if (ops.length === 0) return allowed('evaluated');
  return allowed('evaluated', {
    patchType: 'JSONPatch',
    patch: Buffer.from(JSON.stringify(ops), 'utf8').toString('base64'),
    auditAnnotations: { mutated: auditValue(ops.map((o) => o.path).join(',')) },
  });
}

/** The `/mutate` answer: allowed, with a patch when one applies. Never denies; an internal error answers without a patch. */
export function evaluateMutation(value: unknown, policy: AdmissionPolicy, ctx: ReviewContext = {}): EvaluateResult {
  const parsed = parseAdmissionReview(value);
  if (!parsed.ok) return { ok: false, message: parsed.message };
  const req = parsed.request;
  try {
    return { ok: true, evaluation: mutationOf(req, policy, ctx) };
  } catch (e) {
    const message = errorMessage(e).split('\n')[0]?.slice(0, 200) ?? 'unknown error';
    return {
      ok: true,
      evaluation: {
        review: reviewResponse({ uid: req.uid, allowed: true, auditAnnotations: { error: auditValue(`mutation skipped after an internal error: ${message}`) } }),
        reason: 'internal-error',
        modes: [],
        findings: [],
        dryRun: req.dryRun === true,
        target: { kind: req.kind.kind, operation: req.operation, uid: req.uid },
        error: message,
      },
    };
  }
}
