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
