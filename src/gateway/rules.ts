/**
 * The `gateway/*` rules: one per reason the gateway refuses or flags a request or cuts a response.
 * The decisions are made by the pure checks (checks.ts, evaluate.ts) and the proxy; these rules are
 * their metadata (docs, severity, remediation) and the way each decision leaves as a Finding through
 * the one Reporter (location kind `gateway-request`).
 */
import type { Rule } from '../rules/index.js';
import { defineRule, defineRuleSet } from '../rules/index.js';
import type { GatewayRuleId } from './refusal.js';

const DOC = 'docs/gateway.md';
const VLLM_SECURITY = 'https://docs.vllm.ai/en/latest/usage/security.html';

function rule(id: GatewayRuleId, d: { title: string; severity: Rule['severity']; description: string; remediation: string; tags: string[]; references?: string[] }): Rule<never> {
  return defineRule({ id, title: d.title, severity: d.severity, description: d.description, remediation: d.remediation, references: [DOC, ...(d.references ?? [])], tags: ['gateway', ...d.tags], maturity: 'incubating' });
}

export const routeNotAllowed = rule('gateway/route-not-allowed', {
  title: 'Route not in the upstream allowlist',
  severity: 'high',
  description: 'A request for a route the upstream does not allow, such as vLLM admin and debug routes (/v1/load_lora_adapter, /sleep, /reset_prefix_cache, /collective_rpc) or KServe repository load/unload.',
  remediation: 'Call only the inference routes; if a route is needed, add it to the upstream\'s `routes` in the gateway configuration for trusted tenants only.',
  tags: ['access'],
  references: [VLLM_SECURITY],
});

export const unauthenticated = rule('gateway/unauthenticated', {
  title: 'Request without valid credentials',
  severity: 'medium',
  description: 'A request without an API key or client certificate mapped to a tenant, or with a wrong key.',
  remediation: 'Send `Authorization: Bearer <key>` with a key whose SHA-256 is configured for a tenant, or a client certificate whose identity is mapped to a tenant.',
  tags: ['access'],
});

export const malformedRequest = rule('gateway/malformed-request', {
  title: 'Malformed or ambiguous request',
  severity: 'medium',
  description: 'A request the gateway cannot judge unambiguously: a path with dot segments, empty segments, percent-encoding or a query string; a compressed body; a body that is not a JSON object.',
  remediation: 'Send plain paths (/v1/chat/completions), uncompressed JSON bodies with Content-Type: application/json.',
  tags: ['input'],
});

export const requestTooLarge = rule('gateway/request-too-large', {
  title: 'Request above a size limit',
  severity: 'medium',
  description: 'A request body larger than maxBodyBytes (refused while it arrives), JSON nested deeper than maxJsonDepth, or more text than maxTextChars.',
  remediation: 'Send smaller requests, or raise the route\'s limits in the gateway configuration if the workload needs them.',
  tags: ['dos', 'input'],
});

export const fieldLimit = rule('gateway/field-limit', {
  title: 'Request field above its clamp',
  severity: 'high',
  description: 'A field that makes the inference server allocate or compute in proportion to its value is above the route\'s clamp: n, best_of, max_tokens, logprobs, prompt_logprobs, messages, content parts, tools, stop sequences, guided decoding schemas, logit_bias, prompt batches, KServe tensor shapes; or a field the server would deserialise (prompt_embeds).',
  remediation: 'Keep the field within the limit the error names; raise the clamp in the route\'s `limits` only for trusted tenants.',
  tags: ['dos', 'input'],
  references: ['https://github.com/advisories/GHSA-3mwp-wvh9-7528', 'https://github.com/advisories/GHSA-mgrm-fgjv-mhv8'],
});

export const templateInjection = rule('gateway/template-injection', {
  title: 'Client-supplied chat template',
  severity: 'high',
  description: 'A request that carries chat_template, chat_template_kwargs or mm_processor_kwargs: the inference server renders client-supplied Jinja or passes processor arguments, which has led to code execution and denial of service.',
  remediation: 'Configure chat templates on the server; set `allowTemplates: true` on a route only for trusted tenants.',
  tags: ['injection', 'input'],
});

export const remoteMedia = rule('gateway/remote-media', {
  title: 'Remote media URL',
  severity: 'high',
  description: 'An image, audio or video part that points to an http(s) or file: URL the inference server would fetch (server-side request forgery into the cluster network, or a huge download).',
  remediation: 'Send media inline as data: URLs, or allowlist the media host in the route\'s `mediaHosts`.',
  tags: ['ssrf', 'input'],
  references: ['https://github.com/advisories/GHSA-3f6c-7fw2-ppm4'],
});

export const mediaLimit = rule('gateway/media-limit', {
  title: 'Media above its limits',
  severity: 'high',
  description: 'Too many images, audio or video items, a data URL that decodes to more than maxMediaBytes, an image whose header declares more pixels than allowed, or an image whose header cannot be read.',
  remediation: 'Resize images before sending them; send fewer media items; raise the limits in the route configuration only if the model needs them.',
  tags: ['dos', 'input'],
  references: ['https://github.com/advisories/GHSA-pq5c-rjhq-qp7p'],
});

export const promptInjection = rule('gateway/prompt-injection', {
  title: 'Prompt injection screened',
  severity: 'high',
  description: 'User or tool text whose prompt-injection screening score reached the route\'s flag threshold (let through, reported) or block threshold (refused).',
  remediation: 'Review the flagged requests in the audit log; tune the route\'s screening thresholds if legitimate traffic is flagged.',
  tags: ['injection', 'llm'],
});

export const budgetExceeded = rule('gateway/budget-exceeded', {
  title: 'Tenant budget exceeded',
  severity: 'low',
  description: 'A request refused with 429 because the tenant\'s request rate, token rate or concurrency budget is spent.',
  remediation: 'Retry after the Retry-After delay, or raise the tenant\'s budget in the gateway configuration.',
  tags: ['dos', 'budget'],
});

export const responseLeak = rule('gateway/response-leak', {
  title: 'Leak in a model response',
  severity: 'critical',
  description: 'A response that contains a canary token, text of a protected system prompt, a secret or (when enabled) personal data; the stream is cut with an SSE error event or the response is withheld.',
  remediation: 'Investigate the request in the audit log (its request id); rotate any leaked secret; harden the system prompt and the retrieval sources.',
  tags: ['leak', 'llm'],
});

export const upstreamError = rule('gateway/upstream-error', {
  title: 'Upstream failure',
  severity: 'info',
  description: 'The upstream could not be reached, timed out, or answered with a malformed response; the client got 502 or 504.',
  remediation: 'Check the inference server\'s health and the gateway\'s upstream timeouts and connection limits.',
  tags: ['availability'],
});

export const GATEWAY_RULES: readonly Rule<never>[] = [routeNotAllowed, unauthenticated, malformedRequest, requestTooLarge, fieldLimit, templateInjection, remoteMedia, mediaLimit, promptInjection, budgetExceeded, responseLeak, upstreamError];

const BY_ID = new Map<string, Rule<never>>(GATEWAY_RULES.map((r) => [r.id, r]));

export function gatewayRule(id: GatewayRuleId): Rule<never> {
  const r = BY_ID.get(id);
  if (r === undefined) throw new Error(`unknown gateway rule ${id}`);
  return r;
}

export const GATEWAY_RULESET = defineRuleSet('gateway', ['gateway'], GATEWAY_RULES);
