/**
 * The whole decision on one request, as a pure function: target normalisation, authentication,
 * route allowlist, headers, body cap, JSON depth, field clamps, screening, token estimate. The proxy
 * runs the same steps in the same order, but refuses before reading the body when the target, the
 * credentials or the headers already decide (`preflight`), and enforces the body cap while it arrives.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { CheckContext, Checked } from './checks.js';
import { checkBody, checkHeaders, parseJsonBody } from './checks.js';
import type { RoutePolicy, UpstreamPolicy } from './policy.js';
import type { Refusal } from './refusal.js';
import { refusal } from './refusal.js';
import { matchRoute, normalisePath, selectUpstream } from './routing.js';
import type { ClientIdentity, Tenant, TenantDirectory } from './tenants.js';

export interface Routed {
  readonly ok: true;
  readonly upstream: UpstreamPolicy;
  readonly route: RoutePolicy;
  readonly tenant: Tenant;
  readonly via: 'api-key' | 'mtls' | 'anonymous';
  /** Path to request from the upstream (base path + the path after the gateway prefix). */
  readonly upstreamPath: string;
}

export type PreflightResult = Routed | { readonly ok: false; readonly refusal: Refusal; readonly upstream?: UpstreamPolicy; readonly tenant?: Tenant };

export interface RoutingPolicy {
  readonly upstreams: readonly UpstreamPolicy[];
  readonly tenants: TenantDirectory;
}

/** Decide what can be decided before the body: target, credentials, route, content headers. */
export function preflight(policy: RoutingPolicy, method: string, target: string, headers: IncomingHttpHeaders, identity: ClientIdentity | undefined): PreflightResult {
  const p = normalisePath(target);
  if (!p.ok) return { ok: false, refusal: refusal(400, 'gateway/malformed-request', `The request path was refused: ${p.reason}.`) };
  const auth = policy.tenants.authenticate(headers.authorization, identity);
  if (!auth.ok) {
    const why = auth.reason === 'bad-key' ? 'the API key is not valid' : auth.reason === 'unknown-identity' ? 'the client certificate is not mapped to a tenant' : 'no API key (Authorization: Bearer …) or client certificate was presented';
    return { ok: false, refusal: refusal(401, 'gateway/unauthenticated', `Authentication failed: ${why}.`) };
  }
  const sel = selectUpstream(policy.upstreams, p.segments);
  const route = sel === undefined ? undefined : matchRoute(sel.upstream, method, sel.rest);
  if (sel === undefined || route === undefined) {
    return { ok: false, tenant: auth.tenant, ...(sel !== undefined && { upstream: sel.upstream }), refusal: refusal(403, 'gateway/route-not-allowed', `${method} ${p.path.slice(0, 200)} is not an allowed route of this gateway (route allowlist).`) };
  }
  const hasBody = method !== 'GET' && method !== 'HEAD';
  const h = checkHeaders(headers, hasBody);
  if (h !== undefined) return { ok: false, refusal: h, upstream: sel.upstream, tenant: auth.tenant };
  const cl = headers['content-length'];
  if (cl !== undefined && Number(cl) > route.limits.maxBodyBytes) return { ok: false, refusal: bodyTooLarge(route), upstream: sel.upstream, tenant: auth.tenant };
  const upstreamPath = sel.upstream.basePath + (sel.rest.length === 0 ? '' : `/${sel.rest.join('/')}`);
  return { ok: true, upstream: sel.upstream, route, tenant: auth.tenant, via: auth.via, upstreamPath };
}

export function bodyTooLarge(route: RoutePolicy): Refusal {
  return refusal(413, 'gateway/request-too-large', `The request body is larger than ${route.limits.maxBodyBytes} bytes (maxBodyBytes).`);
}

export type BodyDecision = Checked | { readonly ok: false; readonly refusal: Refusal };

/** Decide on a body that arrived whole (after `preflight`). */
export function decideBody(route: RoutePolicy, bytes: Uint8Array | undefined, ctx: CheckContext): BodyDecision {
  if (bytes !== undefined && bytes.length > route.limits.maxBodyBytes) return { ok: false, refusal: bodyTooLarge(route) };
  if (bytes === undefined || bytes.length === 0) {
    if (route.kind === 'metadata' || route.kind === 'other') return { ok: true, flags: [], stream: false, estimate: { prompt: 0, completion: 0, reservation: 0, method: 'bound' }, screeningScore: 0, screeningHits: [], screened: [] };
    return { ok: false, refusal: refusal(400, 'gateway/malformed-request', 'The request has no body; a JSON object is expected.') };
  }
  const parsed = parseJsonBody(bytes, route.limits);
  if (!parsed.ok) return parsed;
  return checkBody(route, parsed.value, ctx);
}

export interface GatewayRequest {
  readonly method: string;
  readonly target: string;
  readonly headers: IncomingHttpHeaders;
  readonly body?: Uint8Array;
  readonly identity?: ClientIdentity;
}

export type Evaluation = { readonly ok: true; readonly routed: Routed; readonly checked: Checked } | { readonly ok: false; readonly refusal: Refusal; readonly routed?: Routed };

/** Every step on one complete request (tests, rule cases, `bulwark gateway` dry runs). */
export function evaluateRequest(policy: RoutingPolicy, req: GatewayRequest, ctx: CheckContext = {}): Evaluation {
  const pre = preflight(policy, req.method, req.target, req.headers, req.identity);
  if (!pre.ok) return { ok: false, refusal: pre.refusal };
  const d = decideBody(pre.route, req.body, ctx);
  if (!d.ok) return { ok: false, refusal: d.refusal, routed: pre };
  return { ok: true, routed: pre, checked: d };
}
