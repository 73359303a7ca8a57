/**
 * The audit engine: a plain, synchronous function of (event, state) → findings through the one
 * Reporter — no I/O, no clock (event time), so `bulwark audit analyze`, the webhook receiver and the
 * tests run the same code. `analyzeText`/`analyzeValue` take what a log line or a webhook body holds
 * (wrappers included); `analyzeEvent` takes one event. `flush()` at the end of a stream emits what was
 * held back (rate-limited duplicate counts, state evictions, reject summaries).
 *
 * Dispatch is indexed by stage and `resource[/subresource]`, built once from the rules the Reporter's
 * selection enables, so disabled rules and rules about other resources cost nothing per event.
 */
import type { AuditEventLocation, Finding, Location, Severity } from '../findings/index.js';
import { BulwarkError } from '../findings/index.js';
import type { JsonObject } from '../k8s-manifests/index.js';
import { objectFromJson, reviewObject } from '../k8s-manifests/index.js';
import type { Limits } from '../limits/index.js';
import type { ReportArgs, ReportFn, Reporter, RuleSelection } from '../rules/index.js';
import { Reporter as ReporterClass, coreRules } from '../rules/index.js';
import { AuditEvent, NOT_AN_EVENT } from './event.js';
import type { AuditPolicy, IdentityClass } from './policy.js';
import { mayBreakIsolation } from './pod-gate.js';
import { DEFAULT_AUDIT_POLICY } from './policy.js';
import type { RejectKind } from './reader.js';
import type { AuditRule, AuditSubject, EventContext } from './rule-model.js';
import { falcoControls } from './rule-model.js';
import type { DedupEntry } from './state.js';
import { BoundedMap, DetectionState } from './state.js';
import type { ActivitySummary } from './summary.js';
import type { InputFormat, UnwrapSink } from './wrappers.js';
import { unwrap } from './wrappers.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Where an event came from: the log file (`-` for stdin) or the receiver, and its line. */
export interface EventOrigin {
  readonly path: string;
  readonly line?: number;
}

export interface AuditEngineOptions {
  readonly rules: readonly AuditRule[];
  readonly policy?: AuditPolicy;
  readonly limits: Pick<Limits, 'maxStateEntries' | 'maxEventBytes'>;
  /** The finding's `source`: `audit-log` (files) or `audit-webhook` (the receiver). */
  readonly source: string;
  /** Activity summary to feed (`--summary`). */
  readonly summary?: ActivitySummary;
}

/** Findings of one reject kind reported per path before the rest are only counted (a display cap). */
const REJECT_FINDINGS_PER_KIND = 20;

const STAGES = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];

/** `pods` → `Pod` for objects logged without `kind` (the rules match on kind). */
const KIND_OF: Readonly<Record<string, string>> = { pods: 'Pod', deployments: 'Deployment', daemonsets: 'DaemonSet', statefulsets: 'StatefulSet', replicasets: 'ReplicaSet', jobs: 'Job', cronjobs: 'CronJob' };

/** A rule ready to run: its check and its bound report function (no lookups per event). */
interface Runnable {
  readonly rule: AuditRule;
  readonly check: (subject: AuditSubject, report: ReportFn) => void;
  readonly report: ReportFn;
}

/** Rules of one resource (or of any resource) by verb; `all` for verbs no rule names. */
interface VerbIndex {
  readonly byVerb: Map<string, Runnable[]>;
  readonly all: Runnable[];
}

interface Bucket {
  readonly byRes: Map<string, VerbIndex>;
  readonly any: VerbIndex;
  /** Rules of every resource that judge only non-`system:` users (skipped for the cluster's own traffic). */
  readonly anyNonSystem: VerbIndex;
}

function verbIndex(list: readonly Runnable[]): VerbIndex {
  const all = list.filter((x) => x.rule.on.verbs === undefined);
  const verbs = new Set(list.flatMap((x) => x.rule.on.verbs ?? []));
  const byVerb = new Map<string, Runnable[]>();
  for (const v of verbs) byVerb.set(v, list.filter((x) => x.rule.on.verbs === undefined || x.rule.on.verbs.includes(v)));
  return { byVerb, all };
}

function forVerb(ix: VerbIndex | undefined, verb: string): readonly Runnable[] | undefined {
  if (ix === undefined) return undefined;
  const l = ix.byVerb.get(verb) ?? ix.all;
  return l.length === 0 ? undefined : l;
}

/** Every selection enables every rule (the object rules run as the audit rules' implementation). */
const ALL_ENABLED: RuleSelection = { state: () => ({ enabled: true, reason: 'run by an audit rule' }) };

export interface EngineStats {
  events: number;
  /** Events per input format. */
  readonly formats: Map<InputFormat, number>;
  readonly rejected: Map<RejectKind, number>;
  readonly findings: Map<string, number>;
  /** Findings held back as duplicates (counted in a later finding). */
  rateLimited: number;
}

class Context implements EventContext {
  event!: AuditEvent;
  origin: EventOrigin = { path: '-' };
  /** The rule being run (for `muted()`). */
  rule: AuditRule | undefined;
  private identityCache: IdentityClass | undefined;
  private objectCache: JsonObject | undefined | null = null;
  private findingsCache: readonly Finding[] | undefined;
  private anchor: AuditEventLocation | undefined;
  private keyCache: string | undefined;

  constructor(
    readonly policy: AuditPolicy,
    readonly state: DetectionState,
    private readonly engine: AuditEngine,
  ) {}

  /** Point the (reused) context at the next event. */
  reset(e: AuditEvent, origin: EventOrigin): void {
    this.event = e;
    this.origin = origin;
    this.rule = undefined;
    this.identityCache = undefined;
    this.objectCache = null;
    this.findingsCache = undefined;
    this.anchor = undefined;
    this.keyCache = undefined;
  }

  get identity(): IdentityClass {
    this.identityCache ??= this.policy.identityClass(this.event.actor);
    return this.identityCache;
  }

  /** Actor, verb, resource, namespace and name: the duplicate key of a finding about this event. */
  get targetKey(): string {
    if (this.keyCache === undefined) {
      const e = this.event;
      this.keyCache = `${e.actor.username}\0${e.verb}\0${e.res}\0${e.namespace ?? ''}\0${e.name ?? ''}`;
    }
    return this.keyCache;
  }

  muted(): boolean {
    return this.rule !== undefined && this.engine.muted(this.rule, this);
  }

  base(): AuditEventLocation {
    if (this.anchor === undefined) {
      const e = this.event;
      const kind = typeof e.requestObject?.['kind'] === 'string' ? e.requestObject['kind'] : KIND_OF[e.resource];
      const a: Mutable<AuditEventLocation> = {
        kind: 'audit-event',
        path: this.origin.path,
        auditID: e.auditID,
        timestamp: e.timestamp,
        user: e.actor.username,
        verb: e.verb,
        resource: e.qualifiedResource || e.requestURI,
      };
      if (this.origin.line !== undefined) a.line = this.origin.line;
      const v = e.apiVersion;
      if (v !== undefined) a.apiVersion = e.apiGroup === '' ? v : `${e.apiGroup}/${v}`;
      if (kind !== undefined && e.subresource === '') a.objectKind = kind;
      if (e.namespace !== undefined) a.namespace = e.namespace;
      if (e.name !== undefined) a.name = e.name;
      this.anchor = a;
    }
    return this.anchor;
  }

  at(fieldPath?: string, pointer?: string): Location {
    const b = this.base();
    if (fieldPath === undefined && pointer === undefined) return b;
    return { ...b, ...(fieldPath !== undefined && { fieldPath }), ...(pointer !== undefined && { pointer }) };
  }

  object(): JsonObject | undefined {
    if (this.objectCache === null) {
      const e = this.event;
      const o = e.verb === 'patch' ? e.responseObject : (e.requestObject ?? e.responseObject);
      this.objectCache = o !== undefined && typeof o['spec'] === 'object' ? o : undefined;
      if (this.objectCache !== undefined && typeof this.objectCache['kind'] !== 'string') {
        const k = KIND_OF[e.resource];
        if (k !== undefined) this.objectCache['kind'] = k;
      }
    }
    return this.objectCache;
  }

  objectFindings(): readonly Finding[] {
    if (this.findingsCache === undefined) {
      const o = this.object();
      if (o === undefined || !mayBreakIsolation(o)) this.findingsCache = [];
      else {
        const r = new ReporterClass({ selection: ALL_ENABLED });
        try {
          reviewObject(objectFromJson(o, this.base()), { level: 'baseline', version: 'latest' }, r);
        } catch (e) {
          // A malformed object is judged by nothing rather than aborting the stream (counted upstream).
          if (!(e instanceof BulwarkError)) throw e;
        }
        this.findingsCache = r.findings;
      }
    }
    return this.findingsCache;
  }
}

export class AuditEngine {
  readonly state: DetectionState;
  readonly policy: AuditPolicy;
  readonly stats: EngineStats = { events: 0, formats: new Map(), rejected: new Map(), findings: new Map(), rateLimited: 0 };
  private readonly index = new Map<string, Bucket>();
  private readonly otherStage: Bucket;
  /** Static controls of each rule (`falco:` names and the rule's own), computed once. */
  private readonly controls = new Map<AuditRule, readonly string[]>();
  private readonly byId = new Map<string, AuditRule>();
  private readonly dedupMs: number;
  private readonly rejectCounts = new Map<string, { count: number; path: string; kind: RejectKind; lastLine: number | undefined }>();
  private readonly ctx: Context;
  private busy = false;
  /** The subject handed to checks (reused: analysis is synchronous and not re-entrant). */
  private readonly subject: { event: AuditEvent; ctx: EventContext };

  private lastPath = '-';
  private readonly unwrapSink: UnwrapSink;
  private origin: EventOrigin = { path: '-' };
  private runFormat: InputFormat | undefined;
  private runCount = 0;

  /** Move the current run of one input format into `stats.formats`. */
  settleFormats(): void {
    if (this.runFormat !== undefined && this.runCount > 0) this.stats.formats.set(this.runFormat, (this.stats.formats.get(this.runFormat) ?? 0) + this.runCount);
    this.runCount = 0;
  }

  constructor(
    private readonly reporter: Pick<Reporter, 'enabled' | 'report'>,
    private readonly options: AuditEngineOptions,
  ) {
    this.policy = options.policy ?? DEFAULT_AUDIT_POLICY;
    this.state = new DetectionState(options.limits.maxStateEntries);
    this.dedupMs = this.policy.data.thresholds.dedupWindowSeconds * 1000;
    this.ctx = new Context(this.policy, this.state, this);
    this.subject = { event: undefined as unknown as AuditEvent, ctx: this.ctx };
    for (const r of options.rules) {
      this.byId.set(r.id, r);
      this.controls.set(r, [...falcoControls(r), ...(r.controls ?? [])]);
    }
    const runnable = new Map<AuditRule, Runnable>();
    for (const r of options.rules) {
      if (r.check === undefined || !reporter.enabled(r)) continue;
      runnable.set(r, { rule: r, check: r.check, report: (args) => this.emit(r, args) });
    }
    const bucket = (stage: string | undefined): Bucket => {
      const byRes = new Map<string, Runnable[]>();
      const any: Runnable[] = [];
      const anyNonSystem: Runnable[] = [];
      for (const [r, x] of runnable) {
        const stages = r.on.stages ?? ['ResponseComplete'];
        if (!(stages.includes('*') || (stage !== undefined && stages.includes(stage)))) continue;
        for (const res of r.on.resources) {
          if (res === '*') (r.on.nonSystemUser === true ? anyNonSystem : any).push(x);
          else {
            const list = byRes.get(res);
            if (list === undefined) byRes.set(res, [x]);
            else if (!list.includes(x)) list.push(x);
          }
        }
      }
      return { byRes: new Map([...byRes].map(([k, v]) => [k, verbIndex(v)])), any: verbIndex(any), anyNonSystem: verbIndex(anyNonSystem) };
    };
    for (const s of STAGES) this.index.set(s, bucket(s));
    this.otherStage = bucket(undefined);
    this.unwrapSink = {
      event: (value, format) => {
        const ev = AuditEvent.from(value);
        if (ev instanceof AuditEvent) {
          // Most streams hold one format: count runs of it, and touch the map only when it changes.
          if (format === this.runFormat) this.runCount++;
          else {
            this.settleFormats();
            this.runFormat = format;
            this.runCount = 1;
          }
          this.analyzeEvent(ev, this.origin);
        } else this.reject('not-an-event', this.origin, ev.reject);
      },
      reject: (reason) => this.reject('not-an-event', this.origin, reason),
    };
  }

  /** One JSON text: a log line, a document item (wrappers unwrapped). */
  analyzeText(text: string, origin: EventOrigin): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      // CloudWatch exports to S3 prefix each event with its timestamp: `2024-05-01T10:00:00.000Z {…}`.
      const m = /^\d{4}-\d{2}-\d{2}T[0-9:.]+Z?\s+(?=\{)/.exec(text);
      if (m !== null) {
        try {
          value = JSON.parse(text.slice(m[0].length));
        } catch {
          value = undefined;
        }
      }
      if (value === undefined) {
        this.reject('malformed', origin, `not JSON (${e instanceof Error ? e.message.slice(0, 80) : 'cannot parse'})`);
        return;
      }
    }
    this.analyzeValue(value, origin);
  }

  /** One parsed JSON value: an Event, an EventList, or a managed-cluster wrapper. */
  analyzeValue(value: unknown, origin: EventOrigin): void {
    this.origin = origin;
    unwrap(value, this.options.limits.maxEventBytes, this.unwrapSink);
  }

  /** Run every enabled rule that declares the event's stage and resource. */
  analyzeEvent(e: AuditEvent, origin: EventOrigin): void {
    if (this.busy) throw new BulwarkError('INTERNAL', 'AuditEngine.analyzeEvent is not re-entrant');
    this.stats.events++;
    this.lastPath = origin.path;
    const bucket = this.index.get(e.stage) ?? this.otherStage;
    const exact = forVerb(bucket.byRes.get(e.res), e.verb);
    const wild = e.subresource === '' ? undefined : forVerb(bucket.byRes.get(`${e.resource}/*`), e.verb);
    const any = forVerb(bucket.any, e.verb);
    const anyNonSystem = e.user.username.startsWith('system:') ? undefined : forVerb(bucket.anyNonSystem, e.verb);
    const summary = this.options.summary;
    if (exact === undefined && wild === undefined && any === undefined && anyNonSystem === undefined && summary === undefined) return;
    const ctx = this.ctx;
    ctx.reset(e, origin);
    if (summary !== undefined && (e.stage === 'ResponseComplete' || (e.stage === 'ResponseStarted' && e.code === 101))) summary.observe(e, ctx.identity);
    this.busy = true;
    try {
      const subject = this.subject;
      subject.event = e;
      if (exact !== undefined) for (const r of exact) this.run(r, subject);
      if (wild !== undefined) for (const r of wild) this.run(r, subject);
      if (any !== undefined) for (const r of any) this.run(r, subject);
      if (anyNonSystem !== undefined) for (const r of anyNonSystem) this.run(r, subject);
    } finally {
      this.busy = false;
      ctx.rule = undefined;
    }
  }

  private run(x: Runnable, subject: AuditSubject): void {
    const r = x.rule;
    this.ctx.rule = r;
    try {
      x.check(subject, x.report);
    } catch (err) {
      // A rule that throws on one event must not stop the stream: the event is reported as not analysed.
      const o = this.ctx.origin;
      this.reporter.report(coreRules.internalError, { location: { kind: 'file', path: o.path, ...(o.line !== undefined && { line: o.line }) }, message: `${r.id} failed on event ${subject.event.auditID}: ${err instanceof Error ? err.message.slice(0, 200) : 'error'}` });
    }
  }

  private dedupMap(rule: AuditRule): BoundedMap<string, DedupEntry> {
    let m = this.state.dedup.get(rule.id);
    if (m === undefined) {
      m = new BoundedMap<string, DedupEntry>(`duplicate-rate-limit/${rule.id}`, this.state.capacity);
      this.state.dedup.set(rule.id, m);
    }
    return m;
  }

  private dedupKey(rule: AuditRule, ctx: Context, fieldPath: string): string {
    if (rule.dedup === 'actor') return ctx.event.actor.username;
    return fieldPath === '' ? ctx.targetKey : `${ctx.targetKey}\0${fieldPath}`;
  }

  /** Would a finding of `rule` on the current event be dropped (allowlist, once per request, rate limit)? */
  muted(rule: AuditRule, ctx: Context): boolean {
    const e = ctx.event;
    const allow = this.policy.allow.get(rule.id);
    if (allow !== undefined && allow(e)) return true;
    if (this.dedupMs > 0 && rule.dedup !== 'none') {
      const d = this.state.dedup.get(rule.id)?.get(this.dedupKey(rule, ctx, ''));
      const t = Number.isFinite(e.timeMs) ? e.timeMs : Date.now();
      if (d !== undefined && t - d.windowStart < this.dedupMs && t >= d.windowStart) {
        // Counted now: the rule returns without reporting.
        d.suppressed++;
        d.lastPath = ctx.origin.path;
        d.lastLine = ctx.origin.line;
        d.lastAuditID = e.auditID;
        d.lastTime = e.timestamp;
        this.stats.rateLimited++;
        return true;
      }
    }
    return false;
  }

  /**
   * One finding per rule, request and field: a request logged at several stages, or delivered twice (the
   * API server resends a batch whose answer it did not get), is reported once. Falco's rules keep Falco's
   * per-stage behaviour (its "port-forward" fires at every stage).
   */
  private onceKey(rule: AuditRule, e: AuditEvent, fieldPath: string): string {
    const base = rule.falco === undefined ? `${rule.id}\0${e.auditID}` : `${rule.id}\0${e.auditID}\0${e.stage}`;
    return fieldPath === '' ? base : `${base}\0${fieldPath}`;
  }

  /** A rule's finding, after the policy's allowlist, identity severity, de-duplication and rate limit. */
  private emit(rule: AuditRule, args: ReportArgs): void {
    const ctx = this.ctx;
    if (!this.busy) return;
    const e = ctx.event;
    const allow = this.policy.allow.get(rule.id);
    if (allow !== undefined && allow(e)) return;
    const fieldPath = args.location.kind === 'audit-event' ? (args.location.fieldPath ?? '') : '';
    const once = this.onceKey(rule, e, fieldPath);
    if (this.state.reported.has(once)) return;
    this.state.reported.set(once, true);
    let message = args.message;
    if (this.dedupMs > 0 && rule.dedup !== 'none') {
      const key = this.dedupKey(rule, ctx, fieldPath);
      const t = Number.isFinite(e.timeMs) ? e.timeMs : Date.now();
      const map = this.dedupMap(rule);
      const d = map.get(key);
      if (d !== undefined && t - d.windowStart < this.dedupMs && t >= d.windowStart) {
        d.suppressed++;
        d.lastPath = ctx.origin.path;
        d.lastLine = ctx.origin.line;
        d.lastAuditID = e.auditID;
        d.lastTime = e.timestamp;
        this.stats.rateLimited++;
        return;
      }
      if (d !== undefined && d.suppressed > 0) message += ` (+${d.suppressed} similar ${d.suppressed === 1 ? 'event' : 'events'} rate-limited in the previous ${this.dedupMs / 1000}s)`;
      if (d !== undefined) {
        d.windowStart = t;
        d.suppressed = 0;
        d.lastAuditID = '';
      } else map.set(key, { ruleId: rule.id, windowStart: t, suppressed: 0, lastPath: '', lastLine: undefined, lastAuditID: '', lastTime: '' });
    }
    const cls = ctx.identity;
    const severity: Severity | undefined = this.policy.severity.get(rule.id)?.[cls] ?? args.severity ?? rule.severityByClass?.[cls];
    const fixed = this.controls.get(rule) ?? [];
    const controls = args.controls === undefined ? fixed : [...new Set([...fixed, ...args.controls])];
    // Built field by field (no spreads: this runs for every finding of a stream).
    const out: Mutable<ReportArgs> = { location: args.location, message, source: this.options.source };
    if (severity !== undefined) out.severity = severity;
    if (controls.length > 0) out.controls = controls;
    if (args.evidence !== undefined) out.evidence = args.evidence;
    if (args.remediation !== undefined) out.remediation = args.remediation;
    if (args.suppressed !== undefined) out.suppressed = args.suppressed;
    const time = e.timestamp;
    if (time !== '') out.time = time;
    this.reporter.report(rule, out);
    this.stats.findings.set(rule.id, (this.stats.findings.get(rule.id) ?? 0) + 1);
  }

  /** A record that could not be analysed: counted; the first few per path and kind become findings. */
  reject(kind: RejectKind, origin: EventOrigin, detail: string): void {
    this.stats.rejected.set(kind, (this.stats.rejected.get(kind) ?? 0) + 1);
    const key = `${origin.path}\0${kind}`;
    let c = this.rejectCounts.get(key);
    if (c === undefined) {
      c = { count: 0, path: origin.path, kind, lastLine: undefined };
      this.rejectCounts.set(key, c);
    }
    c.count++;
    c.lastLine = origin.line;
    if (c.count > REJECT_FINDINGS_PER_KIND) return;
    const location: Location = { kind: 'file', path: origin.path, ...(origin.line !== undefined && { line: origin.line }) };
    if (kind === 'too-long') this.reporter.report(coreRules.limitExceeded, { location, message: `${detail}; the event was skipped`, evidence: 'maxEventBytes', source: this.options.source });
    else this.reporter.report(coreRules.malformedInput, { location, message: kind === 'not-an-event' ? detail : `${kind === 'invalid-utf8' ? 'invalid UTF-8' : 'malformed event'}: ${detail}`, evidence: kind === 'not-an-event' ? NOT_AN_EVENT : kind, source: this.options.source });
  }

  /**
   * End of a stream (or of a run): report rate-limited duplicates still held back, state the named
   * limit made the detections forget, and rejects beyond the per-kind findings.
   */
  flush(): void {
    for (const [, d] of this.dedupEntries()) {
      const rule = this.byId.get(d.ruleId);
      if (d.suppressed === 0 || rule === undefined || d.lastAuditID === '') continue;
      this.reporter.report(rule, {
        location: { kind: 'file', path: d.lastPath, ...(d.lastLine !== undefined && { line: d.lastLine }) },
        message: `${d.suppressed} more ${d.suppressed === 1 ? 'event' : 'events'} like this rule's previous finding were rate-limited (dedupWindowSeconds ${this.dedupMs / 1000}); the last was ${d.lastAuditID} at ${d.lastTime}`,
        severity: 'info',
        ...(d.lastTime !== '' && { time: d.lastTime }),
        source: this.options.source,
      });
      d.suppressed = 0;
    }
    for (const m of this.state.maps()) {
      if (m.evictions === 0) continue;
      this.reporter.report(coreRules.limitExceeded, {
        location: { kind: 'file', path: this.lastPath },
        message: `the ${m.name} state reached maxStateEntries (${m.capacity}); ${m.evictions} older entries were forgotten, so detections that needed them may have been missed`,
        evidence: 'maxStateEntries',
        source: this.options.source,
      });
      m.evictions = 0;
    }
    for (const c of this.rejectCounts.values()) {
      if (c.count <= REJECT_FINDINGS_PER_KIND) continue;
      const location: Location = { kind: 'file', path: c.path, ...(c.lastLine !== undefined && { line: c.lastLine }) };
      const more = c.count - REJECT_FINDINGS_PER_KIND;
      if (c.kind === 'too-long') this.reporter.report(coreRules.limitExceeded, { location, message: `${more} more events larger than maxEventBytes were skipped`, evidence: 'maxEventBytes', source: this.options.source });
      else this.reporter.report(coreRules.malformedInput, { location, message: `${more} more records (${c.kind}) could not be analysed`, evidence: c.kind, source: this.options.source });
      c.count = REJECT_FINDINGS_PER_KIND;
    }
  }

  private *dedupEntries(): Generator<[string, DedupEntry]> {
    for (const m of this.state.dedup.values()) yield* m.entries();
  }

  /** The rule of an id (for summaries and metrics). */
  rule(id: string): AuditRule | undefined {
    return this.byId.get(id);
  }
}
