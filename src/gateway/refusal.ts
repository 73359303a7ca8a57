/**
 * Refusals: an HTTP status, the `gateway/*` rule that decided it, and an OpenAI-shaped error body
 * `{"error":{"message","type","param","code"}}` whose message names the field and the limit in one
 * sentence, so that OpenAI clients surface it as they would the server's own validation error.
 */

export const GATEWAY_RULE_IDS = [
  'gateway/route-not-allowed',
  'gateway/unauthenticated',
  'gateway/malformed-request',
  'gateway/request-too-large',
  'gateway/field-limit',
  'gateway/template-injection',
  'gateway/remote-media',
  'gateway/media-limit',
  'gateway/prompt-injection',
  'gateway/budget-exceeded',
  'gateway/response-leak',
  'gateway/upstream-error',
] as const;
export type GatewayRuleId = (typeof GATEWAY_RULE_IDS)[number];

export type OpenAiErrorType = 'invalid_request_error' | 'authentication_error' | 'permission_error' | 'not_found_error' | 'rate_limit_error' | 'api_error' | 'timeout_error';

export interface Refusal {
  readonly status: number;
  readonly rule: GatewayRuleId;
  readonly message: string;
  /** The request field concerned (`n`, `messages[3].content[0].image_url`), or null. */
  readonly param: string | null;
  /** Stable machine code (`field_limit`, `route_not_allowed`, …). */
  readonly code: string;
  readonly type: OpenAiErrorType;
  /** Seconds for Retry-After (429). */
  readonly retryAfterSeconds?: number;
}

const TYPE_OF_STATUS: Record<number, OpenAiErrorType> = { 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error', 429: 'rate_limit_error', 502: 'api_error', 504: 'timeout_error' };

export function refusal(status: number, rule: GatewayRuleId, message: string, param: string | null = null, extra: { readonly retryAfterSeconds?: number } = {}): Refusal {
  return { status, rule, message, param, code: rule.slice('gateway/'.length).replace(/-/g, '_'), type: TYPE_OF_STATUS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error'), ...extra };
}

/** The JSON error body an OpenAI client understands. */
export function errorBody(r: Refusal): string {
  return JSON.stringify({ error: { message: r.message, type: r.type, param: r.param, code: r.code } });
}

/** "n is 1000000; this gateway accepts at most 4 (maxN)." */
export function overLimit(param: string, value: number, max: number, limit: string, what = ''): Refusal {
  return refusal(400, 'gateway/field-limit', `${param}${what === '' ? '' : ` ${what}`} is ${value}; this gateway accepts at most ${max} (${limit}).`, param);
}

/** 429 (503 when the store cannot answer) for a budget refusal, with Retry-After in whole seconds. */
export function budgetRefusal(tenant: string, reason: 'requests' | 'tokens' | 'concurrency' | 'queue-full' | 'queue-timeout' | 'unavailable', retryAfterMs: number): Refusal {
  const retry = Math.max(1, Math.ceil(retryAfterMs / 1000));
  const what =
    reason === 'tokens'
      ? 'token budget (tokensPerMinute)'
      : reason === 'requests'
        ? 'request rate (requestsPerSecond)'
        : reason === 'unavailable'
          ? 'budget: the budget store is unavailable'
          : reason === 'queue-full'
            ? 'concurrency limit (maxConcurrent; the queue, maxQueue, is full)'
            : reason === 'queue-timeout'
              ? 'concurrency limit (maxConcurrent; waited queueTimeoutMs for a slot)'
              : 'concurrency limit (maxConcurrent)';
  return refusal(reason === 'unavailable' ? 503 : 429, 'gateway/budget-exceeded', `Tenant ${tenant} is over its ${what}; retry after ${retry} s.`, null, { retryAfterSeconds: retry });
}

/** 504 for upstream timeouts, 502 for anything else that kept the upstream from answering. */
export function upstreamFailure(upstream: string, code: string): Refusal {
  const timeout = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
  return refusal(timeout ? 504 : 502, 'gateway/upstream-error', timeout ? `The upstream ${upstream} did not answer in time (${code}).` : `The upstream ${upstream} could not be reached or failed (${code === '' ? 'error' : code}).`);
}
