/**
 * `admission.k8s.io/v1` AdmissionReview: the shapes, and the one place that reads an untrusted value
 * as a request. A value that is not a v1 AdmissionReview with a request and a `request.uid` cannot be
 * answered with a review (the answer must echo the uid), so it is a bad request (HTTP 400); everything
 * after that is answered with a review.
 */
import type { Json, JsonObject } from '../k8s-manifests/index.js';
import { asJsonObject, asStr, isJsonObject, own } from './json.js';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';
export const ADMISSION_KIND = 'AdmissionReview';

export const OPERATIONS = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'] as const;
export type Operation = (typeof OPERATIONS)[number];

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export interface GroupVersionResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

export interface UserInfo {
  readonly username?: string;
  readonly groups?: readonly string[];
}

export interface AdmissionRequest {
  readonly uid: string;
  readonly kind: GroupVersionKind;
  readonly resource: GroupVersionResource;
  readonly subResource?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly operation: Operation;
  readonly userInfo: UserInfo;
  readonly object?: Json;
  readonly oldObject?: Json;
  readonly dryRun?: boolean;
}

export interface AdmissionStatus {
  readonly code: number;
  readonly reason?: string;
  readonly message: string;
}

export interface AdmissionResponse {
  readonly uid: string;
  readonly allowed: boolean;
  readonly status?: AdmissionStatus;
  readonly warnings?: readonly string[];
  readonly auditAnnotations?: Readonly<Record<string, string>>;
  readonly patchType?: 'JSONPatch';
  /** base64 of the JSON Patch (RFC 6902). */
  readonly patch?: string;
}

/** What the webhook sends back: the same apiVersion and kind, with `response`. */
export interface AdmissionReviewResponse {
  readonly apiVersion: typeof ADMISSION_API_VERSION;
  readonly kind: typeof ADMISSION_KIND;
  readonly response: AdmissionResponse;
}

export type ParsedReview = { readonly ok: true; readonly request: AdmissionRequest } | { readonly ok: false; readonly message: string };

const bad = (message: string): ParsedReview => ({ ok: false, message });
const clip = (s: string): string => JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}…` : s);
const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`);

function gvk(v: Json | undefined): GroupVersionKind | undefined {
  const o = asJsonObject(v);
  if (!o) return undefined;
  const group = asStr(own(o, 'group')) ?? '';
  const version = asStr(own(o, 'version'));
  const kind = asStr(own(o, 'kind'));
  return version !== undefined && kind !== undefined && kind !== '' ? { group, version, kind } : undefined;
}

function gvr(v: Json | undefined): GroupVersionResource | undefined {
  const o = asJsonObject(v);
  if (!o) return undefined;
  const group = asStr(own(o, 'group')) ?? '';
  const version = asStr(own(o, 'version'));
  const resource = asStr(own(o, 'resource'));
  return version !== undefined && resource !== undefined && resource !== '' ? { group, version, resource } : undefined;
}

/** Read an untrusted value as a v1 AdmissionReview request; the message says what is wrong otherwise. */
export function parseAdmissionReview(value: unknown): ParsedReview {
  if (!isJsonObject(value)) return bad(`the body is ${typeName(value)}, not an AdmissionReview object`);
  const apiVersion = own(value, 'apiVersion');
  const kind = own(value, 'kind');
  if (apiVersion !== ADMISSION_API_VERSION) {
    return bad(`unsupported apiVersion ${typeof apiVersion === 'string' ? clip(apiVersion) : typeName(apiVersion)}: this webhook answers ${ADMISSION_API_VERSION} only (admissionReviewVersions: ["v1"])`);
  }
  if (kind !== ADMISSION_KIND) return bad(`kind is ${typeof kind === 'string' ? clip(kind) : typeName(kind)}, expected ${ADMISSION_KIND}`);
  const req = asJsonObject(own(value, 'request'));
  if (!req) return bad('the AdmissionReview has no request object');
  const uid = own(req, 'uid');
  if (typeof uid !== 'string' || uid === '') return bad('request.uid is missing or not a non-empty string');
  if (uid.length > 256) return bad('request.uid is longer than 256 characters');
  const k = gvk(own(req, 'kind'));
  if (!k) return bad('request.kind must be {group, version, kind}');
  const r = gvr(own(req, 'resource'));
  if (!r) return bad('request.resource must be {group, version, resource}');
  const op = own(req, 'operation');
  if (typeof op !== 'string' || !(OPERATIONS as readonly string[]).includes(op)) return bad(`request.operation must be one of ${OPERATIONS.join(', ')}`);
  const ui = asJsonObject(own(req, 'userInfo')) ?? {};
  const username = asStr(own(ui, 'username'));
  const groupsRaw = own(ui, 'groups');
  const groups = Array.isArray(groupsRaw) ? groupsRaw.filter((g): g is string => typeof g === 'string') : undefined;
  const sub = asStr(own(req, 'subResource'));
  const name = asStr(own(req, 'name'));
  const namespace = asStr(own(req, 'namespace'));
  const object = own(req, 'object');
  const oldObject = own(req, 'oldObject');
  const request: AdmissionRequest = {
    uid,
    kind: k,
    resource: r,
    ...(sub !== undefined && sub !== '' && { subResource: sub }),
    ...(name !== undefined && name !== '' && { name }),
    ...(namespace !== undefined && namespace !== '' && { namespace }),
    operation: op as Operation,
    userInfo: { ...(username !== undefined && { username }), ...(groups !== undefined && { groups }) },
    ...(object !== undefined && object !== null && { object }),
    ...(oldObject !== undefined && oldObject !== null && { oldObject }),
    ...(own(req, 'dryRun') === true && { dryRun: true }),
  };
  return { ok: true, request };
}

/** The review that answers `uid`. */
export function reviewResponse(response: AdmissionResponse): AdmissionReviewResponse {
  return { apiVersion: ADMISSION_API_VERSION, kind: ADMISSION_KIND, response };
}

/** An AdmissionReview request around `object` (tests, the CLI's examples, the benchmark). */
export function makeAdmissionReview(args: {
  uid: string;
  object: JsonObject;
  operation?: Operation;
  namespace?: string;
  username?: string;
  oldObject?: JsonObject;
  subResource?: string;
  dryRun?: boolean;
}): JsonObject {
  const apiVersion = typeof args.object['apiVersion'] === 'string' ? args.object['apiVersion'] : 'v1';
  const kind = typeof args.object['kind'] === 'string' ? args.object['kind'] : 'Pod';
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const meta = asJsonObject(args.object['metadata']) ?? {};
  const namespace = args.namespace ?? asStr(meta['namespace']) ?? 'default';
  const name = asStr(meta['name']) ?? '';
  const request: JsonObject = {
    uid: args.uid,
    kind: { group, version, kind },
    resource: { group, version, resource: resourceOfKind(kind) },
    requestKind: { group, version, kind },
    name,
    namespace,
    operation: args.operation ?? 'CREATE',
    userInfo: { username: args.username ?? 'alice@example.com', groups: ['system:authenticated'] },
    object: args.object,
    oldObject: args.oldObject ?? null,
    dryRun: args.dryRun ?? false,
  };
  if (args.subResource !== undefined) request['subResource'] = args.subResource;
  return { apiVersion: ADMISSION_API_VERSION, kind: ADMISSION_KIND, request };
}

/** The plural resource of the built-in kinds (others: lower-case kind + `s`). */
export function resourceOfKind(kind: string): string {
  return kind.toLowerCase().endsWith('s') ? `${kind.toLowerCase()}es` : `${kind.toLowerCase()}s`;
}
