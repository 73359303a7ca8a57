/**
 * Line formats of the sinks: `ndjson` (exactly the Finding of the JSON report, `findingLine`) and
 * `falco` (the JSON alert Falco writes with `json_output: true`, which Falcosidekick accepts on `/`:
 * `uuid`, `time`, `rule`, `priority`, `output`, `output_fields`, `source`, `tags`, `hostname`).
 */
import { randomUUID } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import type { Finding, Severity } from '../findings/index.js';
import { findingLine } from '../reporters/index.js';
import type { SinkFormat, SinkOptions } from './types.js';

/** Falco priorities (falco/userspace/engine/falco_common.h), highest first. */
export type FalcoPriority = 'Emergency' | 'Alert' | 'Critical' | 'Error' | 'Warning' | 'Notice' | 'Informational' | 'Debug';

/** One mapping both ways: Bulwark severity ↔ Falco priority (critical ↔ Critical … info ↔ Informational). */
const PRIORITY: Readonly<Record<Severity, FalcoPriority>> = { critical: 'Critical', high: 'Error', medium: 'Warning', low: 'Notice', info: 'Informational' };

export function falcoPriority(s: Severity): FalcoPriority {
  return PRIORITY[s];
}

/** Falco's rule-file priority (`WARNING`, `NOTICE`, …) as a Bulwark severity. */
export function severityOfFalcoPriority(p: string): Severity {
  switch (p.toUpperCase()) {
    case 'EMERGENCY':
    case 'ALERT':
    case 'CRITICAL':
      return 'critical';
    case 'ERROR':
      return 'high';
    case 'WARNING':
      return 'medium';
    case 'NOTICE':
      return 'low';
    default:
      return 'info';
  }
}

export type FieldValue = string | number | boolean | null | readonly string[];

export interface FalcoOutput {
  readonly uuid: string;
  readonly time: string;
  readonly rule: string;
  readonly priority: FalcoPriority;
  readonly output: string;
  readonly output_fields: Readonly<Record<string, FieldValue>>;
  readonly source: string;
  readonly tags: readonly string[];
  readonly hostname: string;
}

const FALCO_CONTROL = 'falco:';

/** Falco's `source` for the finding's location: `k8s_audit` for audit events, `syscall` for processes. */
function falcoSource(f: Finding): string {
  switch (f.location.kind) {
    case 'audit-event':
      return 'k8s_audit';
    case 'process':
      return 'syscall';
    default:
      return 'bulwark';
  }
}

/** Falco's field names for what the location says (`ka.*` for audit events, `k8s.*`/`proc.*` for processes). */
function locationFields(f: Finding): Record<string, FieldValue> {
  const l = f.location;
  switch (l.kind) {
    case 'audit-event': {
      const [resource, sub] = splitResource(l.resource);
      return {
        'ka.auditid': l.auditID,
        'ka.user.name': l.user,
        'ka.verb': l.verb,
        'ka.target.resource': resource,
        'ka.target.subresource': sub ?? null,
        'ka.target.namespace': l.namespace ?? null,
        'ka.target.name': l.name ?? null,
      };
    }
    case 'process':
      return {
        'k8s.ns.name': l.namespace ?? null,
        'k8s.pod.name': l.pod ?? null,
        'container.name': l.container ?? null,
        'container.id': l.containerId ?? null,
        'proc.pid': l.pid ?? null,
        'proc.exepath': l.exe ?? null,
        'evt.hostname': l.node ?? null,
      };
    case 'admission-request':
      return { 'ka.user.name': l.user ?? null, 'ka.target.namespace': l.namespace ?? null, 'ka.target.name': l.name ?? null };
    case 'k8s-object':
      return { 'k8s.ns.name': l.namespace ?? null, 'k8s.obj.kind': l.objectKind, 'k8s.obj.name': l.name };
    case 'file':
    case 'archive-member':
    case 'byte-range':
    case 'image-layer':
      return { 'fd.name': l.path };
    case 'gateway-request':
      return { 'fd.name': l.path, 'http.request.id': l.requestId, 'http.route': l.route, 'user.name': l.tenant ?? null };
  }
}

/** `pods/exec` → [`pods`, `exec`]; `rbac.authorization.k8s.io/clusterrolebindings` → [`clusterrolebindings`]. */
function splitResource(r: string): [string, string | undefined] {
  const parts = r.split('/');
  // group/resource[/sub] when the first part has a dot (a group), else resource[/sub].
  if (parts.length >= 2 && (parts[0] ?? '').includes('.')) return [parts[1] ?? '', parts[2]];
  return [parts[0] ?? '', parts[1]];
}

/** `16:31:56.746609046` of an RFC 3339 time (Falco's output prefix), or the time as given. */
function timeOfDay(iso: string): string {
  const m = /T(\d{2}:\d{2}:\d{2}(?:\.\d+)?)/.exec(iso);
  return m?.[1] ?? iso;
}

/** The Falco alert for a finding. */
export function toFalcoOutput(f: Finding, options: SinkOptions = {}, now: () => Date = () => new Date()): FalcoOutput {
  const info = options.rules?.(f.ruleId);
  const falcoName = options.falcoRuleNames === false ? undefined : f.controls?.find((c) => c.startsWith(FALCO_CONTROL))?.slice(FALCO_CONTROL.length);
  const time = f.time ?? now().toISOString();
  const priority = falcoPriority(f.severity);
  const fields: Record<string, FieldValue> = {
    ...locationFields(f),
    'bulwark.rule': f.ruleId,
    'bulwark.severity': f.severity,
    'bulwark.fingerprint': f.fingerprint,
    'bulwark.path': f.location.path,
    'bulwark.controls': f.controls ?? [],
    'bulwark.source': f.source ?? null,
    'bulwark.evidence': f.evidence ?? null,
    'bulwark.suppressed': f.suppressed?.reason ?? null,
  };
  const ctx = Object.entries(locationFields(f))
    .filter(([, v]) => v !== null && v !== '')
    .map(([k, v]) => `${k.replace(/^ka\.|^k8s\.|^proc\./, '')}=${Array.isArray(v) ? v.join(',') : String(v)}`)
    .join(' ');
  return {
    uuid: randomUUID(),
    time,
    rule: falcoName ?? info?.title ?? f.ruleId,
    priority,
    output: `${timeOfDay(time)}: ${priority} ${f.message}${ctx === '' ? '' : ` (${ctx})`}`,
    output_fields: fields,
    source: falcoSource(f),
    tags: [...(info?.tags ?? []), ...(f.controls ?? []).filter((c) => !c.startsWith(FALCO_CONTROL))],
    hostname: options.hostname ?? osHostname(),
  };
}

/** One line (with its newline) of `format` for a finding. */
export function formatLine(f: Finding, format: SinkFormat, options: SinkOptions = {}): string {
  return format === 'falco' ? `${JSON.stringify(toFalcoOutput(f, options))}\n` : findingLine(f);
}
