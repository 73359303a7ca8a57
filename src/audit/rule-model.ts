/**
 * The audit rule model: a rule is `defineRule` metadata plus `check(subject, report)`, run by the
 * audit dispatcher (engine.ts) on each event whose stage and resource the rule declares (`on`), so a
 * rule costs nothing on events it cannot match. Findings leave through the one Reporter; the dispatcher
 * wraps the rule's report function to apply the policy's per-rule allowlist, the severity of the
 * actor's identity class, the `falco:` controls, duplicate rate limiting, and the event's location,
 * time and source.
 */
import type { Finding, Location, Severity } from '../findings/index.js';
import type { Json, JsonObject } from '../k8s-manifests/index.js';
import type { ReportFn, Rule, RuleDefinition } from '../rules/index.js';
import { defineRule } from '../rules/index.js';
import type { AuditEvent } from './event.js';
import type { AuditPolicy, IdentityClass } from './policy.js';
import type { DetectionState } from './state.js';

/** What a check reads besides the event: the policy, the actor's class, shared lazy views, the state. */
export interface EventContext {
  readonly policy: AuditPolicy;
  /** Identity class of the actor (the impersonated user when impersonation applied). */
  readonly identity: IdentityClass;
  /** Findings of the Kubernetes single-object rules on the event's object (computed once per event). */
  objectFindings(): readonly Finding[];
  /** The object the request carried (or the response's, for updates), when the audit level logged it. */
  object(): JsonObject | undefined;
  readonly state: DetectionState;
  /**
   * Whether a finding of the rule being run would be dropped on this event (the policy's allowlist, once
   * per request, the duplicate rate limit, which then counts it): checked before building a costly message.
   */
  muted(): boolean;
  /** The event's location (an `audit-event` of the file or receiver, with its line), at a field of its object. */
  at(fieldPath?: string, pointer?: string): Location;
}

export interface AuditSubject {
  readonly event: AuditEvent;
  readonly ctx: EventContext;
}

export interface AuditRuleOn {
  /**
   * `resource[/subresource]` keys: `pods` (no subresource, Falco's `pod` macro), `pods/exec`, `pods/*`
   * (any subresource of pods), or `*` (every event, resource or not).
   */
  readonly resources: readonly string[];
  /** Stages the rule judges (default `ResponseComplete`, Falco's `kevt`); `*` for all. */
  readonly stages?: readonly string[];
  /** Verbs the rule judges (default: all): the dispatcher does not call the rule for other verbs. */
  readonly verbs?: readonly string[];
  /** Only requests by users whose name does not start with `system:` (Falco's `non_system_user`). */
  readonly nonSystemUser?: boolean;
}

export interface FalcoMapping {
  /** The Falco rule's name in `k8s_audit_rules.yaml`. */
  readonly name: string;
  /** Older names of the same detection (the legacy test matrix used them). */
  readonly legacy?: readonly string[];
  /** Falco's priority (the rule's severity is its mapping). */
  readonly priority: string;
}

export interface AuditRuleExtra {
  readonly on: AuditRuleOn;
  readonly falco?: FalcoMapping;
  /** Severity by the actor's identity class (the rule's `severity` otherwise). */
  readonly severityByClass?: Readonly<Partial<Record<IdentityClass, Severity>>>;
  /** External controls every finding of the rule carries (`mitre:T1609`); `falco:` ones are added from `falco`. */
  readonly controls?: readonly string[];
  /**
   * Duplicate rate limiting key: `target` (rule, actor, verb, resource, namespace, name; default),
   * `actor` (rule and actor: stateful detections already aggregate), or `none`.
   */
  readonly dedup?: 'target' | 'actor' | 'none';
}

export type AuditRule = Rule<AuditSubject> & AuditRuleExtra;

export interface AuditRuleDefinition extends RuleDefinition<AuditSubject>, AuditRuleExtra {
  readonly check: (subject: AuditSubject, report: ReportFn) => void;
}

export function auditRule(def: AuditRuleDefinition): AuditRule {
  const rule = defineRule<AuditSubject>(def);
  return Object.assign(rule, {
    on: def.on,
    ...(def.falco !== undefined && { falco: def.falco }),
    ...(def.severityByClass !== undefined && { severityByClass: def.severityByClass }),
    ...(def.controls !== undefined && { controls: def.controls }),
    ...(def.dedup !== undefined && { dedup: def.dedup }),
  });
}

/** The `falco:` controls of a rule (its Falco name and legacy names). */
export function falcoControls(rule: AuditRuleExtra): readonly string[] {
  if (rule.falco === undefined) return [];
  return [`falco:${rule.falco.name}`, ...(rule.falco.legacy ?? []).map((n) => `falco:${n}`)];
}

// ---- small readers over JSON objects, shared by the rules --------------------------------------------

export function get(o: Json | undefined, ...path: readonly (string | number)[]): Json | undefined {
  let cur: Json | undefined = o;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = Array.isArray(cur) ? (typeof p === 'number' ? cur[p] : undefined) : typeof p === 'string' ? cur[p] : undefined;
  }
  return cur;
}

export function asString(v: Json | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function asArray(v: Json | undefined): readonly Json[] {
  return Array.isArray(v) ? v : [];
}

/** `registry/repo:tag@sha256:…` → `registry/repo` (Falco's `image.repository`). */
export function imageRepository(image: string): string {
  let s = image;
  const at = s.indexOf('@');
  if (at >= 0) s = s.slice(0, at);
  const colon = s.lastIndexOf(':');
  if (colon > s.lastIndexOf('/')) s = s.slice(0, colon);
  return s;
}

/** Images of `spec.containers` of a pod object (Falco's `ka.req.pod.containers.image`). */
export function containerImages(pod: JsonObject | undefined): string[] {
  const out: string[] = [];
  for (const c of asArray(get(pod, 'spec', 'containers'))) {
    const img = asString(get(c, 'image'));
    if (img !== undefined) out.push(img);
  }
  return out;
}

/** Falco's `X in (list)` for a multi-valued field: every value is in the list (and there is at least one). */
export function allIn(values: readonly string[], matches: (s: string) => boolean): boolean {
  return values.length > 0 && values.every(matches);
}

export function describeUser(e: AuditEvent): string {
  return e.impersonatedUser === undefined ? e.user.username || '(no user)' : `${e.user.username} as ${e.impersonatedUser.username}`;
}

export function describeTarget(e: AuditEvent): string {
  const ns = e.namespace === undefined ? '' : `${e.namespace}/`;
  return e.name === undefined ? `${e.res}${e.namespace === undefined ? '' : ` in ${e.namespace}`}` : `${e.res} ${ns}${e.name}`;
}
