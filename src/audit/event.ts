/**
 * The audit event as the rules see it: a typed view over an `audit.k8s.io/v1` (or `v1beta1`) Event
 * object, built once per event without copying the object. Field names follow the API
 * (`k8s.io/apiserver/pkg/apis/audit/v1/types.go`); derived fields (`res`, `success`, identity) are
 * computed once here so that every rule reads the same truth.
 */
import type { Json, JsonObject } from '../k8s-manifests/index.js';

export interface UserInfo {
  readonly username: string;
  readonly groups: readonly string[];
  readonly uid: string | undefined;
  /** `user.extra`: e.g. `authentication.kubernetes.io/pod-name` for bound service-account tokens. */
  readonly extra: Readonly<Record<string, readonly string[]>> | undefined;
}

const NO_GROUPS: readonly string[] = [];

function str(v: Json | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function obj(v: Json | undefined): JsonObject | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
}

function strings(v: Json | undefined): readonly string[] {
  if (!Array.isArray(v)) return NO_GROUPS;
  for (const x of v) if (typeof x !== 'string') return v.filter((y): y is string => typeof y === 'string');
  return v as string[];
}

/** A `user` object of the event, read lazily (most rules need only the name and groups). */
class User implements UserInfo {
  readonly username: string;
  readonly groups: readonly string[];
  private extraCache: Readonly<Record<string, readonly string[]>> | undefined | null = null;

  constructor(private readonly raw: JsonObject) {
    this.username = str(raw['username']) ?? '';
    this.groups = strings(raw['groups']);
  }

  get uid(): string | undefined {
    return str(this.raw['uid']);
  }

  get extra(): Readonly<Record<string, readonly string[]>> | undefined {
    if (this.extraCache === null) {
      const x = obj(this.raw['extra']);
      if (x === undefined) this.extraCache = undefined;
      else {
        const out: Record<string, readonly string[]> = {};
        for (const [k, v] of Object.entries(x)) out[k] = strings(v);
        this.extraCache = out;
      }
    }
    return this.extraCache;
  }
}

function userOf(v: Json | undefined): UserInfo | undefined {
  const u = obj(v);
  return u === undefined ? undefined : new User(u);
}

/** Why a JSON value is not an audit event (a counted reject, never a crash). */
export type NotAnEvent = { readonly reject: string };

export const NOT_AN_EVENT = 'data not recognized as a Kubernetes audit event';

/**
 * One audit event. `raw` is the parsed JSON object, owned by the event (the Kubernetes rules apply API
 * defaulting to `requestObject` in place when they judge it).
 */
export class AuditEvent {
  readonly auditID: string;
  readonly stage: string;
  readonly verb: string;
  readonly user: UserInfo;
  readonly impersonatedUser: UserInfo | undefined;
  /** `objectRef.resource` (`pods`), `''` for non-resource requests (`/healthz`). */
  readonly resource: string;
  /** `objectRef.subresource` (`exec`), `''` when none. */
  readonly subresource: string;
  /** `resource` or `resource/subresource`: what rules index on (`pods/exec`, `serviceaccounts/token`). */
  readonly res: string;
  readonly apiGroup: string;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  /** `responseStatus.code`, 0 when absent (stage RequestReceived). */
  readonly code: number;
  private readonly ref: JsonObject | undefined;
  private timeMsCache = NaN;
  private qualifiedCache: string | undefined;
  private timestampCache: string | undefined;

  private constructor(
    readonly raw: JsonObject,
    auditID: string,
    stage: string,
    verb: string,
    user: UserInfo,
  ) {
    this.auditID = auditID;
    this.stage = stage;
    this.verb = verb;
    this.user = user;
    const imp = raw['impersonatedUser'];
    this.impersonatedUser = imp === undefined ? undefined : userOf(imp);
    const ref = obj(raw['objectRef']);
    this.ref = ref;
    this.resource = (ref && str(ref['resource'])) ?? '';
    this.subresource = (ref && str(ref['subresource'])) ?? '';
    this.res = this.subresource === '' ? this.resource : `${this.resource}/${this.subresource}`;
    this.apiGroup = (ref && str(ref['apiGroup'])) ?? '';
    const ns = ref && str(ref['namespace']);
    this.namespace = ns === '' ? undefined : ns;
    const name = ref && str(ref['name']);
    this.name = name === '' ? undefined : name;
    const status = raw['responseStatus'];
    const code = typeof status === 'object' && status !== null && !Array.isArray(status) ? status['code'] : undefined;
    this.code = typeof code === 'number' ? code : 0;
  }

  // Fields few rules read are read from the JSON on first use.

  get level(): string {
    return str(this.raw['level']) ?? '';
  }

  get requestURI(): string {
    return str(this.raw['requestURI']) ?? '';
  }

  get sourceIPs(): readonly string[] {
    return strings(this.raw['sourceIPs']);
  }

  get userAgent(): string | undefined {
    return str(this.raw['userAgent']);
  }

  get apiVersion(): string | undefined {
    return this.ref && str(this.ref['apiVersion']);
  }

  /** `authorization.k8s.io/decision` annotation (`allow`, `forbid`). */
  get decision(): string | undefined {
    const ann = obj(this.raw['annotations']);
    return ann && str(ann['authorization.k8s.io/decision']);
  }

  get reason(): string | undefined {
    const ann = obj(this.raw['annotations']);
    return ann && str(ann['authorization.k8s.io/reason']);
  }

  /** `stageTimestamp`, else `requestReceivedTimestamp`, else `timestamp` (v1beta1). */
  get timestamp(): string {
    this.timestampCache ??= str(this.raw['stageTimestamp']) ?? str(this.raw['requestReceivedTimestamp']) ?? str(this.raw['timestamp']) ?? '';
    return this.timestampCache;
  }

  get requestObject(): JsonObject | undefined {
    return obj(this.raw['requestObject']);
  }

  get responseObject(): JsonObject | undefined {
    return obj(this.raw['responseObject']);
  }

  /** The event, or why the value is not one (wrong kind, missing auditID/verb/stage). */
  static from(value: unknown): AuditEvent | NotAnEvent {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { reject: NOT_AN_EVENT };
    const raw = value as JsonObject;
    const kind = raw['kind'];
    if (kind !== undefined && kind !== 'Event') return { reject: `${NOT_AN_EVENT} (kind ${JSON.stringify(kind).slice(0, 40)})` };
    const auditID = str(raw['auditID']);
    const verb = str(raw['verb']);
    const stage = str(raw['stage']);
    if (!auditID || verb === undefined || !stage) return { reject: `${NOT_AN_EVENT} (no ${!auditID ? 'auditID' : verb === undefined ? 'verb' : 'stage'})` };
    const user = userOf(raw['user']) ?? { username: '', groups: NO_GROUPS, uid: undefined, extra: undefined };
    return new AuditEvent(raw, auditID, stage, verb, user);
  }

  /** Event time in ms since the epoch (NaN when the event has no parseable time). */
  get timeMs(): number {
    if (Number.isNaN(this.timeMsCache) && this.timestamp !== '') this.timeMsCache = parseTime(this.timestamp);
    return this.timeMsCache;
  }

  /** 2xx: the request was carried out (Falco's `response_successful`). */
  get success(): boolean {
    return this.code >= 200 && this.code < 300;
  }

  /** The identity the request acted as: the impersonated user when impersonation applied. */
  get actor(): UserInfo {
    return this.impersonatedUser ?? this.user;
  }

  /** `resource[/subresource]` with the API group when not core (the `audit-event` location's form). */
  get qualifiedResource(): string {
    this.qualifiedCache ??= this.apiGroup === '' ? this.res : `${this.apiGroup}/${this.res}`;
    return this.qualifiedCache;
  }
}

const D0 = 48;

function digits(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(i + k) - D0;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * RFC 3339 UTC time as the API server writes it (`2025-03-14T09:00:00.123456Z`), parsed without
 * `Date.parse` (a hot path: stateful detections read every event's time); anything else falls back to it.
 */
export function parseTime(s: string): number {
  if (s.length >= 20 && s.charCodeAt(4) === 45 && s.charCodeAt(10) === 84 && s.charCodeAt(s.length - 1) === 90) {
    const y = digits(s, 0, 4);
    const mo = digits(s, 5, 2);
    const d = digits(s, 8, 2);
    const h = digits(s, 11, 2);
    const mi = digits(s, 14, 2);
    const se = digits(s, 17, 2);
    let ms = 0;
    if (s.charCodeAt(19) === 46) {
      const frac = digits(s, 20, Math.min(3, s.length - 21));
      ms = frac < 0 ? 0 : frac * (s.length - 21 >= 3 ? 1 : s.length - 21 === 2 ? 10 : 100);
    }
    if (y >= 0 && mo >= 1 && d >= 1 && h >= 0 && mi >= 0 && se >= 0) return Date.UTC(y, mo - 1, d, h, mi, se, ms);
  }
  return Date.parse(s);
}

export function isAuditEvent(x: AuditEvent | NotAnEvent): x is AuditEvent {
  return x instanceof AuditEvent;
}
