/**
 * GKE writes Kubernetes audit events as Cloud Audit Logs entries (`protoPayload` of type
 * `google.cloud.audit.AuditLog`, `serviceName: k8s.io`): `methodName` `io.k8s.core.v1.pods.exec.create`,
 * `resourceName` `core/v1/namespaces/ml/pods/web/exec`, the caller in `authenticationInfo.principalEmail`,
 * the request and response objects in `request`/`response`, a gRPC status code, the authorization
 * decision in the entry's `labels`, and the audit ID in `operation.id`. This converts one entry into
 * the `audit.k8s.io/v1` Event the rules read. What GKE does not log (the caller's groups) stays absent.
 */
import type { Json, JsonObject } from '../k8s-manifests/index.js';
import { NOT_AN_EVENT } from './event.js';

function s(v: Json | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function o(v: Json | undefined): JsonObject | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
}

/** google.rpc.Code → the HTTP status the API server answered (googleapis/google/rpc/code.proto). */
const GRPC_TO_HTTP: Readonly<Record<number, number>> = { 0: 200, 1: 499, 2: 500, 3: 400, 4: 504, 5: 404, 6: 409, 7: 403, 8: 429, 9: 400, 10: 409, 11: 400, 12: 501, 13: 500, 14: 503, 15: 500, 16: 401 };

/** `core/v1/namespaces/ml/pods/web/exec` → objectRef (and the request path the API server served). */
function objectRefOf(resourceName: string): { ref: JsonObject; uri: string } {
  const parts = resourceName.split('/').filter((p) => p !== '');
  const ref: JsonObject = {};
  const vi = parts.findIndex((p) => /^v\d+((alpha|beta)\d+)?$/.test(p));
  if (vi < 1) return { ref, uri: `/${resourceName}` };
  const group = parts.slice(0, vi).join('/');
  ref['apiGroup'] = group === 'core' ? '' : group;
  ref['apiVersion'] = parts[vi] ?? '';
  const rest = parts.slice(vi + 1);
  let i = 0;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    ref['namespace'] = rest[1] ?? '';
    i = 2;
  }
  if (rest[i] !== undefined) ref['resource'] = rest[i] ?? '';
  if (rest[i + 1] !== undefined) ref['name'] = rest[i + 1] ?? '';
  if (rest[i + 2] !== undefined) ref['subresource'] = rest[i + 2] ?? '';
  if (ref['resource'] === 'namespaces' && typeof ref['name'] === 'string') ref['namespace'] = ref['name'];
  const prefix = group === 'core' ? `/api/${ref['apiVersion']}` : `/apis/${group}/${ref['apiVersion']}`;
  return { ref, uri: `${prefix}/${rest.join('/')}` };
}

export function fromGkeEntry(entry: JsonObject): { event: JsonObject } | { reject: string } {
  const p = o(entry['protoPayload']);
  if (p === undefined) return { reject: NOT_AN_EVENT };
  const service = s(p['serviceName']);
  if (service !== undefined && service !== 'k8s.io') return { reject: `${NOT_AN_EVENT} (GKE entry of service ${service.slice(0, 60)})` };
  const method = s(p['methodName']) ?? '';
  if (!method.startsWith('io.k8s.')) return { reject: `${NOT_AN_EVENT} (GKE methodName ${method.slice(0, 60)})` };
  const verb = method.slice(method.lastIndexOf('.') + 1);
  const op = o(entry['operation']);
  const auditID = s(op?.['id']) ?? s(entry['insertId']);
  if (auditID === undefined || verb === '') return { reject: `${NOT_AN_EVENT} (GKE entry without operation.id)` };
  const auth = o(p['authenticationInfo']);
  const meta = o(p['requestMetadata']);
  const status = o(p['status']);
  const grpc = typeof status?.['code'] === 'number' ? status['code'] : 0;
  const labels = o(entry['labels']) ?? {};
  const { ref, uri } = objectRefOf(s(p['resourceName']) ?? '');
  const annotations: JsonObject = {};
  for (const [k, v] of Object.entries(labels)) if (k.includes('.k8s.io/') && typeof v === 'string') annotations[k] = v;
  const time = s(entry['timestamp']) ?? s(entry['receiveTimestamp']) ?? '';
  const event: JsonObject = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: o(p['response']) !== undefined ? 'RequestResponse' : o(p['request']) !== undefined ? 'Request' : 'Metadata',
    auditID,
    stage: 'ResponseComplete',
    requestURI: uri,
    verb,
    user: { username: s(auth?.['principalEmail']) ?? '' },
    sourceIPs: s(meta?.['callerIp']) === undefined ? [] : [s(meta?.['callerIp']) ?? ''],
    ...(s(meta?.['callerSuppliedUserAgent']) !== undefined && { userAgent: s(meta?.['callerSuppliedUserAgent']) ?? '' }),
    objectRef: ref,
    responseStatus: { code: GRPC_TO_HTTP[grpc] ?? 500, ...(s(status?.['message']) !== undefined && { message: s(status?.['message']) ?? '' }) },
    requestReceivedTimestamp: time,
    stageTimestamp: time,
    annotations,
  };
  const req = o(p['request']);
  const res = o(p['response']);
  if (req !== undefined) event['requestObject'] = req;
  if (res !== undefined) event['responseObject'] = res;
  return { event };
}
