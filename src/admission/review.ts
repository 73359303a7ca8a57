/**
 * The admission decision as a pure function: `review(AdmissionReview, policy) → AdmissionReview`.
 * The webhook, `bulwark admission review` and the tests share it; nothing here does I/O.
 *
 * Order of the decision (Pod Security Admission's, docs/admission.md "What is judged"):
 * 1. a value that is not a v1 AdmissionReview with a `request.uid` is a bad request (no review);
 * 2. DELETE and CONNECT, resources that are neither pods nor pod controllers, and subresources other
 *    than `pods/ephemeralcontainers` are allowed without looking at the object;
 * 3. exempt namespaces and users are allowed (audit annotation `exempt`);
 * 4. modes whose level is `privileged` are not evaluated; when none is left, allowed;
 * 5. the object must be what `request.kind` says (else a fail-closed `scan/malformed-input` finding);
 *    pods and controllers whose every pod template uses an exempt runtime class are allowed;
 * 6. updates that do not change what pods would run (PSA's "significant pod update"; for controllers
 *    an unchanged pod template) are allowed;
 * 7. each remaining mode runs the PSS checks of its level and version and the Bulwark rules whose
 *    `admission.level` the level covers (`reviewObject`), through one Reporter:
 *    enforce → denied (controllers too, unless `controllers: warn`), warn → `warnings`,
 *    audit → `auditAnnotations`. `dryRun` requests get the same answer.
 * An exception anywhere after step 1 answers per `onInternalError` (deny, or allow with a warning).
 */
import type { AdmissionRequestLocation, Finding } from '../findings/index.js';
import { BulwarkError, errorMessage } from '../findings/index.js';
import type { JsonObject, ManifestObject } from '../k8s-manifests/index.js';
import { K8S_RULESET, isWorkload, objectFromJson, podTemplatesOf, reviewObject } from '../k8s-manifests/index.js';
import { DEFAULT_LIMITS } from '../limits/index.js';
import { CORE_RULESET, FAIL_CLOSED_TAG, Reporter, coreRules, createRegistry } from '../rules/index.js';
import { deeperThan, isJsonObject, jsonEqual, own } from './json.js';
import { MAX_AUDIT_ITEMS, MAX_DENIAL_LINES, MAX_WARNING_LINES, auditValue, boundedWarnings, denialMessage, findingLine } from './messages.js';
import type { AdmissionPolicy, LevelVersion, Mode } from './policy.js';
import { MODES, formatLevelVersion } from './policy.js';
import type { AdmissionRequest, AdmissionResponse, AdmissionReviewResponse } from './request.js';
import { parseAdmissionReview, reviewResponse } from './request.js';

/** The rules admission can report: the fail-closed core rules and the Kubernetes rules, nothing else. */
export const ADMISSION_REGISTRY = createRegistry([CORE_RULESET, K8S_RULESET]);

const remediationOf = (id: string): string | undefined => ADMISSION_REGISTRY.get(id)?.remediation;

export interface ReviewContext {
  /** `path` of finding locations: the endpoint (`/validate/enforce/restricted/latest`) or the review file. */
  readonly path?: string;
  /** Nesting allowed in `request.object` (default `maxStructureDepth`). */
  readonly maxDepth?: number;
}

/** Why a request got the answer it got (for metrics and logs). */
export type DecisionReason =
  | 'evaluated'
  | 'operation'
  | 'not-a-workload'
  | 'subresource'
  | 'exempt-namespace'
  | 'exempt-user'
  | 'exempt-runtime-class'
  | 'privileged'
  | 'unchanged'
  | 'internal-error'
  /** Denied by the supply-chain policy alone (docs/supply-chain.md). */
  | 'supply-chain';

export type ModeResult = 'allowed' | 'denied' | 'warned' | 'audited';

/** What one mode decided. */
export interface ModeOutcome {
  readonly mode: Mode;
  readonly policy: string;
  readonly result: ModeResult;
  /** Ids of the rules that failed (one per rule, sorted). */
  readonly rules: readonly string[];
}

export interface Evaluation {
  readonly review: AdmissionReviewResponse;
  readonly reason: DecisionReason;
  readonly modes: readonly ModeOutcome[];
  /** Every finding of every evaluated mode (suppressed ones included, marked). */
  readonly findings: readonly Finding[];
  readonly dryRun: boolean;
  /** What the request was about, for logs (no object contents). */
  readonly target: { readonly kind: string; readonly namespace?: string; readonly name?: string; readonly operation: string; readonly uid: string };
  /** The internal error, when reason is `internal-error` (message only). */
  readonly error?: string;
}

export type EvaluateResult = { readonly ok: true; readonly evaluation: Evaluation } | { readonly ok: false; readonly message: string };

const POD_CONTROLLERS: ReadonlyMap<string, readonly string[]> = new Map([
  ['', ['podtemplates', 'replicationcontrollers']],
  ['apps', ['deployments', 'replicasets', 'statefulsets', 'daemonsets']],
  ['extensions', ['deployments', 'replicasets', 'daemonsets']],
  ['batch', ['jobs', 'cronjobs']],
]);

export type Target = { readonly kind: 'pod' } | { readonly kind: 'controller' } | { readonly kind: 'none'; readonly reason: DecisionReason };

/** What a request is about: a pod, a pod controller, or nothing admission judges (and why). */
export function targetOf(req: AdmissionRequest): Target {
  if (req.operation !== 'CREATE' && req.operation !== 'UPDATE') return { kind: 'none', reason: 'operation' };
  const { group, resource } = req.resource;
  if (group === '' && resource === 'pods') {
    if (req.subResource === undefined || req.subResource === 'ephemeralcontainers') return { kind: 'pod' };
    return { kind: 'none', reason: 'subresource' };
  }
  const builtin = POD_CONTROLLERS.get(group)?.includes(resource) === true;
  if (builtin || isCustomWorkload(req)) return req.subResource === undefined ? { kind: 'controller' } : { kind: 'none', reason: 'subresource' };
  return { kind: 'none', reason: 'not-a-workload' };
}

/** A custom resource whose pod templates Bulwark knows (KubeRay, Kubeflow, JobSet, …), judged like a controller. */
function isCustomWorkload(req: AdmissionRequest): boolean {
  const { group, version, kind } = req.kind;
  if (group === '' || POD_CONTROLLERS.has(group)) return false;
  const probe: ManifestObject = { path: '', apiVersion: `${group}/${version}`, kind, name: '', value: {}, origin: { kind: 'json', anchor: { kind: 'admission-request', path: '', uid: '', operation: '' } } };
  return isWorkload(probe);
}

function allowedResponse(uid: string, extra: Partial<AdmissionResponse> = {}): AdmissionResponse {
  return { uid, allowed: true, ...extra };
}

function targetInfo(req: AdmissionRequest): Evaluation['target'] {
  return {
    kind: req.kind.kind,
    ...(req.namespace !== undefined && { namespace: req.namespace }),
    ...(req.name !== undefined && { name: req.name }),
    operation: req.operation,
    uid: req.uid,
  };
}

// ---- PSA's "significant pod update" ------------------------------------------------------------------

const SECCOMP_POD = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER = 'container.seccomp.security.alpha.kubernetes.io/';

function annotationsOf(pod: JsonObject): JsonObject {
  const meta = own(pod, 'metadata');
  const ann = isJsonObject(meta) ? own(meta, 'annotations') : undefined;
  return isJsonObject(ann) ? ann : {};
}

function listOf(spec: JsonObject, key: string): JsonObject[] {
  const v = own(spec, key);
  return Array.isArray(v) ? v.filter(isJsonObject) : [];
}

/**
 * Upstream `isSignificantPodUpdate`: only image changes, seccomp annotation changes and added or
 * changed ephemeral containers can make a running pod violate a policy (the rest of a pod spec is
 * immutable).
 */
export function isSignificantPodUpdate(pod: JsonObject, old: JsonObject): boolean {
  const ann = annotationsOf(pod);
  const oldAnn = annotationsOf(old);
  if (own(ann, SECCOMP_POD) !== own(oldAnn, SECCOMP_POD)) return true;
  const spec = isJsonObject(own(pod, 'spec')) ? (own(pod, 'spec') as JsonObject) : {};
  const oldSpec = isJsonObject(own(old, 'spec')) ? (own(old, 'spec') as JsonObject) : {};
  const changed = (c: JsonObject, o: JsonObject): boolean => {
    if (own(c, 'image') !== own(o, 'image')) return true;
    const key = `${SECCOMP_CONTAINER}${String(own(c, 'name') ?? '')}`;
    return own(ann, key) !== own(oldAnn, key);
  };
  for (const list of ['containers', 'initContainers'] as const) {
    const a = listOf(spec, list);
    const b = listOf(oldSpec, list);
    if (a.length !== b.length) return true;
    for (let i = 0; i < a.length; i++) if (changed(a[i] as JsonObject, b[i] as JsonObject)) return true;
  }
  const oldEph = listOf(oldSpec, 'ephemeralContainers');
  for (const c of listOf(spec, 'ephemeralContainers')) {
    const o = oldEph.find((x) => own(x, 'name') === own(c, 'name'));
    if (o === undefined || changed(c, o)) return true;
  }
  return false;
}

/** Whether an update leaves every pod template of a controller as it was. */
function templatesUnchanged(obj: ManifestObject, old: ManifestObject): boolean {
  const a = podTemplatesOf(obj);
  const b = podTemplatesOf(old);
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined) return false;
    if (!jsonEqual(x.spec, y.spec) || !jsonEqual(x.metadata, y.metadata)) return false;
  }
  return true;
}

// ---- evaluation ---------------------------------------------------------------------------------------

interface Judged {
  readonly counted: Finding[];
  readonly all: Finding[];
}

/** Run the admission rules of one level and version on the object; which findings count. */
function judge(obj: ManifestObject, lv: LevelVersion, policy: AdmissionPolicy, malformed: string | undefined): Judged {
  const reporter = new Reporter({ ...(policy.selection !== undefined && { selection: policy.selection }), maxPerTarget: DEFAULT_LIMITS.maxFindingsPerTarget });
  if (malformed !== undefined) {
    reporter.report(coreRules.malformedInput, { location: anchorOf(obj), message: malformed });
  } else if (lv.level !== 'privileged') {
    reviewObject(obj, { level: lv.level, version: lv.version, ...(policy.sandboxRuntimeClasses !== undefined && { sandboxRuntimeClasses: policy.sandboxRuntimeClasses }) }, reporter);
  }
  const all = reporter.finish();
  const failClosed = new Set([coreRules.malformedInput.id, coreRules.limitExceeded.id, coreRules.internalError.id]);
  const counted = all.filter((f) => f.suppressed === undefined || policy.suppressions === 'ignore' || failClosed.has(f.ruleId) || ADMISSION_REGISTRY.get(f.ruleId)?.tags.includes(FAIL_CLOSED_TAG) === true);
  return { counted, all };
}

function anchorOf(obj: ManifestObject): Finding['location'] {
  return obj.origin.kind === 'json' ? obj.origin.anchor : { kind: 'file', path: obj.path };
}

/** What is wrong with `request.object`, or undefined when it is the object `request.kind` says. */
function objectProblem(req: AdmissionRequest, maxDepth: number): string | undefined {
  const o = req.object;
  if (o === undefined) return `the ${req.operation} request has no object`;
  if (!isJsonObject(o)) return 'request.object is not an object';
  if (deeperThan(o, maxDepth)) return `request.object nests deeper than maxStructureDepth (${maxDepth})`;
  const { group, version, kind } = req.kind;
  const apiVersion = group === '' ? version : `${group}/${version}`;
  if (own(o, 'kind') !== kind || own(o, 'apiVersion') !== apiVersion) {
    const ov = own(o, 'apiVersion');
    const ok = own(o, 'kind');
    return `request.kind says ${apiVersion} ${kind} but the object is ${typeof ov === 'string' ? JSON.stringify(ov.slice(0, 64)) : 'without apiVersion'} ${typeof ok === 'string' ? JSON.stringify(ok.slice(0, 64)) : 'without kind'}`;
  }
  const spec = own(o, kind === 'PodTemplate' ? 'template' : 'spec');
  if (spec !== undefined && !isJsonObject(spec)) return `the ${kind}'s ${kind === 'PodTemplate' ? 'template' : 'spec'} is not an object`;
  return undefined;
}

function locationPath(ctx: ReviewContext): string {
  return ctx.path ?? '/validate';
}

/** Where findings about a request are located: the endpoint (or review file), uid, operation, user, resource. */
export function requestAnchor(req: AdmissionRequest, ctx: ReviewContext): AdmissionRequestLocation {
  return {
    kind: 'admission-request',
    path: locationPath(ctx),
    uid: req.uid,
    operation: req.operation,
    ...(req.userInfo.username !== undefined && { user: req.userInfo.username }),
    resource: `${req.resource.group === '' ? '' : `${req.resource.group}/`}${req.resource.version}/${req.resource.resource}`,
    ...(req.subResource !== undefined && { subResource: req.subResource }),
    ...(req.namespace !== undefined && { namespace: req.namespace }),
  };
}

function runtimeClassExempt(obj: ManifestObject, classes: readonly string[]): boolean {
  if (classes.length === 0) return false;
  const templates = podTemplatesOf(obj);
  return templates.length > 0 && templates.every((t) => {
    const rc = t.spec['runtimeClassName'];
    return typeof rc === 'string' && classes.includes(rc);
  });
}

function evaluateRequest(req: AdmissionRequest, policy: AdmissionPolicy, ctx: ReviewContext): Evaluation {
  const base = { dryRun: req.dryRun === true, target: targetInfo(req) };
  const done = (reason: DecisionReason, response: AdmissionResponse, modes: ModeOutcome[] = [], findings: Finding[] = []): Evaluation => ({
    review: reviewResponse(response),
    reason,
    modes,
    findings,
    ...base,
  });
  const target = targetOf(req);
  if (target.kind === 'none') return done(target.reason, allowedResponse(req.uid));
  if (req.namespace !== undefined && policy.exemptions.namespaces.includes(req.namespace)) {
    return done('exempt-namespace', allowedResponse(req.uid, { auditAnnotations: { exempt: 'namespace' } }));
  }
  if (req.userInfo.username !== undefined && policy.exemptions.usernames.includes(req.userInfo.username)) {
    return done('exempt-user', allowedResponse(req.uid, { auditAnnotations: { exempt: 'user' } }));
  }
  const active = MODES.flatMap((m) => {
    const lv = policy.modes[m];
    return lv !== undefined && lv.level !== 'privileged' ? [[m, lv] as const] : [];
  });
  const errors = MODES.flatMap((m) => {
    const e = policy.modes[m]?.error;
    return e === undefined ? [] : [e];
  });
  const errorAnnotation = errors.length > 0 ? { error: auditValue(errors.join('; ')) } : {};
  if (active.length === 0) return done('privileged', allowedResponse(req.uid, errors.length > 0 ? { auditAnnotations: errorAnnotation } : {}));

  const anchor = requestAnchor(req, ctx);
  const malformed = objectProblem(req, ctx.maxDepth ?? DEFAULT_LIMITS.maxStructureDepth);
  const value: JsonObject = malformed === undefined && isJsonObject(req.object) ? req.object : { apiVersion: '', kind: req.kind.kind, metadata: {} };
  const obj = objectFromJson(value, anchor);
  if (malformed === undefined) {
    if (runtimeClassExempt(obj, policy.exemptions.runtimeClasses)) {
      return done('exempt-runtime-class', allowedResponse(req.uid, { auditAnnotations: { exempt: 'runtimeClass' } }));
    }
    if (req.operation === 'UPDATE' && isJsonObject(req.oldObject) && !deeperThan(req.oldObject, ctx.maxDepth ?? DEFAULT_LIMITS.maxStructureDepth)) {
      const unchanged =
        target.kind === 'pod'
          ? req.subResource === undefined && !isSignificantPodUpdate(value, req.oldObject)
          : templatesUnchanged(obj, objectFromJson(req.oldObject, anchor));
      if (unchanged) return done('unchanged', allowedResponse(req.uid, errors.length > 0 ? { auditAnnotations: errorAnnotation } : {}));
    }
  }

  // Evaluate each mode once per level and version.
  const cache = new Map<string, Judged>();
  const judged = (lv: LevelVersion): Judged => {
    const key = formatLevelVersion(lv);
    let j = cache.get(key);
    if (j === undefined) {
      j = judge(obj, lv, policy, malformed);
      cache.set(key, j);
    }
    return j;
  };
  const modes: ModeOutcome[] = [];
  const auditAnnotations: Record<string, string> = { ...errorAnnotation };
  let warnings: string[] = [];
  let denial: string | undefined;
  const ruleIds = (fs: readonly Finding[]): string[] => [...new Set(fs.map((f) => f.ruleId))].sort();
  // Only the lines that can be shown are formatted (a pod with thousands of containers is not a reason to work more).
  const lines = (fs: readonly Finding[]): string[] => fs.slice(0, MAX_DENIAL_LINES).map((f) => findingLine(f, remediationOf));
  // Warnings are short (the API server keeps 256 runes of each): rule, field and what is wrong.
  const warningLines = (fs: readonly Finding[]): string[] => fs.slice(0, MAX_WARNING_LINES).map((f) => findingLine(f, () => undefined));
  const name = req.name ?? (malformed === undefined && obj.name !== '' ? obj.name : undefined);
  const where = `${req.kind.kind}${name === undefined ? '' : ` ${JSON.stringify(name.slice(0, 253))}`}${req.namespace === undefined ? '' : ` in namespace ${JSON.stringify(req.namespace)}`}`;
  for (const [mode, lv] of active) {
    const j = judged(lv);
    const policyText = formatLevelVersion(lv);
    const failed = j.counted.length > 0;
    let result: ModeResult = 'allowed';
    if (mode === 'enforce') {
      auditAnnotations['enforce-policy'] = policyText;
      if (failed) {
        if (target.kind === 'pod' || policy.controllers === 'enforce') {
          result = 'denied';
          const what = target.kind === 'pod' ? where : `${where} (its pods would be refused)`;
          denial = denialMessage(`bulwark: ${what} violates policy "${policyText}" (${j.counted.length} failed check${j.counted.length === 1 ? '' : 's'}):`, lines(j.counted), j.counted.length);
          auditAnnotations['enforce-violations'] = auditValue(ruleIds(j.counted).join(','));
        } else {
          result = 'warned';
          warnings = boundedWarnings(`pods of this ${req.kind.kind} would be refused by "${policyText}": `, warningLines(j.counted), warnings, j.counted.length);
        }
      }
    } else if (mode === 'warn') {
      if (failed) {
        result = 'warned';
        // PSA does not add warnings to a request it rejects.
        if (denial === undefined) warnings = boundedWarnings(`would violate "${policyText}": `, warningLines(j.counted), warnings, j.counted.length);
      }
    } else if (failed) {
      result = 'audited';
      auditAnnotations['audit-violations'] = auditValue(`would violate "${policyText}": ${j.counted.slice(0, MAX_AUDIT_ITEMS).map((f) => `${f.ruleId}${fieldText(f)}`).join(', ')}${j.counted.length > MAX_AUDIT_ITEMS ? `, and ${j.counted.length - MAX_AUDIT_ITEMS} more` : ''}`);
      auditAnnotations['audit-policy'] = policyText;
    }
    modes.push({ mode, policy: policyText, result, rules: ruleIds(j.counted) });
  }
  const findings = [...new Set([...cache.values()].flatMap((j) => j.all))];
  const annotations = Object.keys(auditAnnotations).length > 0 ? { auditAnnotations } : {};
  if (denial !== undefined) {
    // PSA does not add warnings to a request it is about to reject.
    return done('evaluated', { uid: req.uid, allowed: false, status: { code: 403, reason: 'Forbidden', message: denial }, ...annotations }, modes, findings);
  }
  return done('evaluated', allowedResponse(req.uid, { ...(warnings.length > 0 && { warnings }), ...annotations }), modes, findings);
}

function fieldText(f: Finding): string {
  const loc = f.location;
  return loc.kind === 'admission-request' && loc.fieldPath !== undefined && loc.fieldPath !== '' ? ` (${loc.fieldPath})` : '';
}

/** The answer to a request the evaluation failed on: fail closed or open, as the policy says. */
function internalErrorEvaluation(req: AdmissionRequest, policy: AdmissionPolicy, e: unknown): Evaluation {
  const message = errorMessage(e).split('\n')[0]?.slice(0, 200) ?? 'unknown error';
  const response: AdmissionResponse =
    policy.onInternalError === 'allow'
      ? { uid: req.uid, allowed: true, warnings: ['bulwark could not evaluate this request (internal error); allowed because the webhook fails open'], auditAnnotations: { error: auditValue(`internal error: ${message}`) } }
      : { uid: req.uid, allowed: false, status: { code: 500, reason: 'InternalError', message: `bulwark: internal error while evaluating this request; denied because the webhook fails closed (${message})` }, auditAnnotations: { error: auditValue(`internal error: ${message}`) } };
  return { review: reviewResponse(response), reason: 'internal-error', modes: [], findings: [], dryRun: req.dryRun === true, target: targetInfo(req), error: message };
}

/** Evaluate a parsed request; never throws (an unexpected error answers per `onInternalError`). */
export function evaluateParsed(req: AdmissionRequest, policy: AdmissionPolicy, ctx: ReviewContext = {}): Evaluation {
  try {
    return evaluateRequest(req, policy, ctx);
  } catch (e) {
    return internalErrorEvaluation(req, policy, e);
  }
}

/** Evaluate an untrusted value: a bad request (not a v1 AdmissionReview with a uid) comes back as `{ok: false}`. */
export function evaluate(value: unknown, policy: AdmissionPolicy, ctx: ReviewContext = {}): EvaluateResult {
  const parsed = parseAdmissionReview(value);
  if (!parsed.ok) return { ok: false, message: parsed.message };
  return { ok: true, evaluation: evaluateParsed(parsed.request, policy, ctx) };
}

/**
 * `review(AdmissionReview, policy) → AdmissionReview`: the response review. Throws a USAGE
 * BulwarkError when the value is not a v1 AdmissionReview with a `request.uid` (it cannot be answered).
 */
export function review(value: unknown, policy: AdmissionPolicy, ctx: ReviewContext = {}): AdmissionReviewResponse {
  const r = evaluate(value, policy, ctx);
  if (!r.ok) throw new BulwarkError('USAGE', r.message);
  return r.evaluation.review;
}
