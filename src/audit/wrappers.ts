/**
 * The shapes audit events arrive in, unwrapped to `audit.k8s.io` Event objects:
 *
 * - an Event (one JSON line of `--audit-log-path`, or a webhook batch item) and an `EventList`
 *   (`{"kind":"EventList","items":[…]}`: the webhook's batch, `kubectl get --raw` output);
 * - EKS control-plane logs in CloudWatch: the event as the log event's `message` string — one log event
 *   (`{"message":"{…}"}`), `aws logs filter-log-events` output (`{"events":[…]}`), a subscription
 *   delivery (`{"messageType":"DATA_MESSAGE","logEvents":[…]}`), or an S3 export line
 *   (`2024-05-01T10:00:00.000Z {…}`, handled by the line reader);
 * - AKS diagnostic records (`kube-audit`, `kube-audit-admin`): `{"records":[…]}` or one record, with the
 *   event in `properties.log` as a JSON string or an object;
 * - GKE Cloud Audit Logs entries (`protoPayload` of `serviceName: k8s.io`), converted (gke.ts).
 *
 * Nested JSON strings are parsed only up to `maxEventBytes`; anything else is a counted reject.
 */
import type { JsonObject } from '../k8s-manifests/index.js';
import { NOT_AN_EVENT } from './event.js';
import { fromGkeEntry } from './gke.js';

export const INPUT_FORMATS = ['k8s-audit', 'k8s-audit-eventlist', 'eks-cloudwatch', 'aks-diagnostics', 'gke-cloud-audit'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export interface UnwrapSink {
  event(value: JsonObject, format: InputFormat): void;
  reject(reason: string): void;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseNested(text: string, maxBytes: number, what: string, sink: UnwrapSink): unknown {
  if (text.length > maxBytes) {
    sink.reject(`${what} larger than maxEventBytes (${maxBytes})`);
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    sink.reject(`${what} is not JSON`);
    return undefined;
  }
}

/** A record of a wrapper array (`items`, `events`, `logEvents`, `records`) or a top-level value. */
function unwrapOne(v: unknown, maxBytes: number, sink: UnwrapSink, outer: InputFormat | undefined): void {
  if (!isObject(v)) return sink.reject(NOT_AN_EVENT);
  // The hot path: an audit Event.
  if (typeof v['auditID'] === 'string' || v['kind'] === 'Event') return sink.event(v, outer ?? 'k8s-audit');
  const message = v['message'];
  if (typeof message === 'string') {
    const inner = parseNested(message, maxBytes, 'CloudWatch message', sink);
    if (inner !== undefined) {
      if (isObject(inner) && (typeof inner['auditID'] === 'string' || inner['kind'] === 'Event')) sink.event(inner, 'eks-cloudwatch');
      else sink.reject(`${NOT_AN_EVENT} (CloudWatch message)`);
    }
    return;
  }
  const props = v['properties'];
  if (isObject(props) && 'log' in props) {
    const log = props['log'];
    const inner = typeof log === 'string' ? parseNested(log, maxBytes, 'AKS properties.log', sink) : log;
    if (inner === undefined) return;
    if (isObject(inner) && (typeof inner['auditID'] === 'string' || inner['kind'] === 'Event')) sink.event(inner, 'aks-diagnostics');
    else sink.reject(`${NOT_AN_EVENT} (AKS properties.log)`);
    return;
  }
  if (isObject(v['protoPayload'])) {
    const converted = fromGkeEntry(v);
    if ('reject' in converted) sink.reject(converted.reject);
    else sink.event(converted.event, 'gke-cloud-audit');
    return;
  }
  sink.reject(typeof v['kind'] === 'string' ? `${NOT_AN_EVENT} (kind ${JSON.stringify(v['kind']).slice(0, 40)})` : NOT_AN_EVENT);
}

const CONTAINERS: readonly [string, InputFormat | undefined][] = [
  ['items', 'k8s-audit-eventlist'],
  ['logEvents', 'eks-cloudwatch'],
  ['events', 'eks-cloudwatch'],
  ['records', 'aks-diagnostics'],
];

/** Unwrap one parsed JSON value (a line, a document, a webhook body) into events and rejects. */
export function unwrap(value: unknown, maxBytes: number, sink: UnwrapSink): void {
  if (Array.isArray(value)) {
    for (const v of value) unwrapOne(v, maxBytes, sink, undefined);
    return;
  }
  if (isObject(value) && typeof value['auditID'] !== 'string') {
    for (const [key, format] of CONTAINERS) {
      const list = value[key];
      if (Array.isArray(list)) {
        if (key === 'items' && value['kind'] !== undefined && value['kind'] !== 'EventList') return sink.reject(`${NOT_AN_EVENT} (kind ${JSON.stringify(value['kind']).slice(0, 40)})`);
        for (const v of list) unwrapOne(v, maxBytes, sink, format === 'k8s-audit-eventlist' ? format : undefined);
        return;
      }
    }
  }
  unwrapOne(value, maxBytes, sink, undefined);
}
