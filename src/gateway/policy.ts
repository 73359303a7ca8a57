/**
 * The gateway policy: upstreams, their route allowlists, per-route limits (field clamps, body caps,
 * screening thresholds) and the defaults (docs/gateway.md "Checks and defaults"). Plain data, built
 * once at start-up by `compilePolicy`; the request path only reads it (no per-request compilation).
 */
import { BulwarkError } from '../findings/index.js';
import { DEFAULT_BLOCK_THRESHOLD, DEFAULT_FLAG_THRESHOLD } from './screening/index.js';

export type UpstreamKind = 'openai' | 'kserve-v2';

/** What a route carries, which decides the checks its body gets. */
export type RouteKind = 'chat' | 'completions' | 'embeddings' | 'kserve-infer' | 'metadata' | 'other';

/** Field clamps of one route: a request above one is refused (400) naming the field and the limit. */
export interface FieldLimits {
  /** `n` (choices per request). */
  readonly maxN: number;
  readonly maxBestOf: number;
  /** `max_tokens` / `max_completion_tokens`; also what is reserved when the request gives none. */
  readonly maxCompletionTokens: number;
  /** Completions `logprobs` (an integer) and chat `top_logprobs`. */
  readonly maxLogprobs: number;
  /** vLLM `prompt_logprobs` (-1 means the whole vocabulary: always refused). */
  readonly maxPromptLogprobs: number;
  readonly maxMessages: number;
  /** Content parts of one message. */
  readonly maxContentParts: number;
  readonly maxTools: number;
  /** Serialised size of all tool definitions together (bytes). */
  readonly maxToolsBytes: number;
  readonly maxStop: number;
  /** Longest stop sequence (characters). */
  readonly maxStopChars: number;
  /** Serialised size of guided_json / guided_regex / guided_grammar / guided_choice / structured_outputs / response_format.json_schema (bytes). */
  readonly maxSchemaBytes: number;
  /** Nesting depth of those schemas. */
  readonly maxSchemaDepth: number;
  readonly maxLogitBias: number;
  /** Prompts in one completions/embeddings batch (`prompt` or `input` arrays). */
  readonly maxPromptBatch: number;
  /** Token ids in one token-id prompt. */
  readonly maxPromptTokenIds: number;
  /** Characters of text in all messages / prompts together. */
  readonly maxTextChars: number;
  /** Let clients send chat_template / chat_template_kwargs / mm_processor_kwargs (Jinja run by the server). */
  readonly allowTemplates: boolean;
  readonly maxImages: number;
  readonly maxAudio: number;
  /** Video parts (vLLM video_url); 0 refuses them (GHSA-pq5c-rjhq-qp7p). */
  readonly maxVideos: number;
  /** Decoded size of one data-URL media item (bytes). */
  readonly maxMediaBytes: number;
  /** Longest image side (pixels), read from the header bytes. */
  readonly maxImageSide: number;
  /** Pixels of one image (width × height). */
  readonly maxImagePixels: number;
  /** Hosts whose http(s) media URLs may be fetched by the upstream (exact names); none by default. */
  readonly mediaHosts: readonly string[];
  /** KServe v2: inputs per infer request. */
  readonly maxInferInputs: number;
  /** KServe v2: elements of one input tensor (product of its shape). */
  readonly maxTensorElements: number;
  /** KServe v2: accepted datatypes. */
  readonly tensorDatatypes: readonly string[];
}

export interface ScreeningThresholds {
  readonly enabled: boolean;
  /** Score at or above which the request is let through but flagged (audit log, metrics). */
  readonly flag: number;
  /** Score at or above which the request is refused. */
  readonly block: number;
}

export interface RouteLimits {
  readonly fields: FieldLimits;
  /** Request body cap, enforced while the body arrives (bytes). */
  readonly maxBodyBytes: number;
  /** JSON nesting depth, checked on the bytes before JSON.parse. */
  readonly maxJsonDepth: number;
  readonly screening: ScreeningThresholds;
}

export interface RoutePolicy {
  readonly method: string;
  /** `/v1/chat/completions`, `/v2/models/{m}/infer` */
  readonly pattern: string;
  /** Pattern split on `/`; `null` is a placeholder segment. */
  readonly segments: readonly (string | null)[];
  readonly kind: RouteKind;
  readonly limits: RouteLimits;
  /** `METHOD pattern`: the metrics and audit label. */
  readonly label: string;
}

export interface UpstreamPolicy {
  readonly name: string;
  /** Origin (`http://host:port`), without path. */
  readonly origin: string;
  /** Path prefix of the upstream URL, prepended when forwarding (no trailing slash; '' for none). */
  readonly basePath: string;
  readonly kind: UpstreamKind;
  /** Path prefix on the gateway that selects this upstream ('' for the default upstream); stripped before matching. */
  readonly prefix: string;
  readonly routes: readonly RoutePolicy[];
  /** Sent as `Authorization: Bearer …` to the upstream (the tenant's key never is). */
  readonly apiKey?: string;
  /** Connections to the upstream (undici Pool). */
  readonly connections: number;
  /** Time to the upstream's response headers (ms). */
  readonly headersTimeoutMs: number;
  /** Longest silence between body chunks of the upstream (ms). */
  readonly bodyTimeoutMs: number;
  /** Largest non-streaming response read for the leak filter (bytes). */
  readonly maxResponseBytes: number;
}

export const DEFAULT_FIELD_LIMITS: FieldLimits = Object.freeze({
  maxN: 4,
  maxBestOf: 4,
  maxCompletionTokens: 4096,
  maxLogprobs: 5,
  maxPromptLogprobs: 0,
  maxMessages: 256,
  maxContentParts: 64,
  maxTools: 64,
  maxToolsBytes: 65_536,
  maxStop: 8,
  maxStopChars: 256,
  maxSchemaBytes: 16_384,
  maxSchemaDepth: 16,
  maxLogitBias: 300,
  maxPromptBatch: 16,
  maxPromptTokenIds: 32_768,
  maxTextChars: 1_000_000,
  allowTemplates: false,
  maxImages: 8,
  maxAudio: 2,
  maxVideos: 0,
  maxMediaBytes: 10 * 1024 * 1024,
  maxImageSide: 4096,
  maxImagePixels: 16_777_216,
  mediaHosts: [],
  maxInferInputs: 16,
  maxTensorElements: 16_777_216,
  tensorDatatypes: ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BF16', 'BYTES'],
});

export const DEFAULT_SCREENING: ScreeningThresholds = Object.freeze({ enabled: true, flag: DEFAULT_FLAG_THRESHOLD, block: DEFAULT_BLOCK_THRESHOLD });

export const DEFAULT_ROUTE_LIMITS: RouteLimits = Object.freeze({
  fields: DEFAULT_FIELD_LIMITS,
  maxBodyBytes: 16 * 1024 * 1024,
  maxJsonDepth: 32,
  screening: DEFAULT_SCREENING,
});

/** Routes an OpenAI-compatible upstream serves by default; vLLM's admin and debug routes are not among them. */
export const DEFAULT_OPENAI_ROUTES: readonly string[] = ['POST /v1/chat/completions', 'POST /v1/completions', 'POST /v1/embeddings', 'GET /v1/models'];

/** KServe/Triton v2 routes allowed by default: inference, metadata, readiness; never repository load/unload. */
export const DEFAULT_KSERVE_ROUTES: readonly string[] = [
  'POST /v2/models/{m}/infer',
  'POST /v2/models/{m}/versions/{v}/infer',
  'GET /v2/models/{m}',
  'GET /v2/models/{m}/ready',
  'GET /v2/models/{m}/versions/{v}',
  'GET /v2/models/{m}/versions/{v}/ready',
  'GET /v2/health/live',
  'GET /v2/health/ready',
  'GET /v2',
];

const METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD']);
const LITERAL_SEGMENT = /^[A-Za-z0-9._~-]+$/;
const PLACEHOLDER = /^\{[A-Za-z_][A-Za-z0-9_]*\}$/;

function kindOf(method: string, pattern: string): RouteKind {
  if (method === 'POST' && pattern.endsWith('/chat/completions')) return 'chat';
  if (method === 'POST' && pattern.endsWith('/completions')) return 'completions';
  if (method === 'POST' && pattern.endsWith('/embeddings')) return 'embeddings';
  if (method === 'POST' && pattern.startsWith('/v2/') && pattern.endsWith('/infer')) return 'kserve-infer';
  if (method === 'GET') return 'metadata';
  return 'other';
}

/** `POST /v1/chat/completions` → a route with the given limits; throws a CONFIG error naming `where`. */
export function parseRoute(spec: string, limits: RouteLimits, where = 'route'): RoutePolicy {
  const m = /^([A-Z]+)\s+(\/\S*)$/.exec(spec.trim());
  if (m?.[1] === undefined || m[2] === undefined || !METHODS.has(m[1])) throw new BulwarkError('CONFIG', `${where}: expected "METHOD /path" (e.g. "POST /v1/chat/completions"), got ${JSON.stringify(spec)}`);
  const method = m[1];
  const pattern = m[2];
  const parts = pattern.split('/').slice(1);
  if (parts.some((p) => p === '' || p === '.' || p === '..' || !(LITERAL_SEGMENT.test(p) || PLACEHOLDER.test(p)))) {
    throw new BulwarkError('CONFIG', `${where}: path ${JSON.stringify(pattern)} must be /-separated literal segments ([A-Za-z0-9._~-]) or {placeholders}`);
  }
  const segments = parts.map((p) => (PLACEHOLDER.test(p) ? null : p));
  return { method, pattern, segments, kind: kindOf(method, pattern), limits, label: `${method} ${pattern}` };
}

/** Routes of an upstream kind with the default limits. */
export function defaultRoutes(kind: UpstreamKind, limits: RouteLimits = DEFAULT_ROUTE_LIMITS): RoutePolicy[] {
  return (kind === 'openai' ? DEFAULT_OPENAI_ROUTES : DEFAULT_KSERVE_ROUTES).map((r) => parseRoute(r, limits));
}

export interface UpstreamInput {
  readonly name: string;
  readonly url: string;
  readonly kind: UpstreamKind;
  readonly prefix?: string;
  readonly routes?: readonly RoutePolicy[];
  readonly apiKey?: string;
  readonly connections?: number;
  readonly headersTimeoutMs?: number;
  readonly bodyTimeoutMs?: number;
  readonly maxResponseBytes?: number;
}

/** Check and complete one upstream (URL split into origin and base path). */
export function upstreamPolicy(u: UpstreamInput): UpstreamPolicy {
  let url: URL;
  try {
    url = new URL(u.url);
  } catch {
    throw new BulwarkError('CONFIG', `upstream ${u.name}: url ${JSON.stringify(u.url)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new BulwarkError('CONFIG', `upstream ${u.name}: url must be http:// or https://, got ${url.protocol}`);
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') throw new BulwarkError('CONFIG', `upstream ${u.name}: url must not carry a query, fragment or credentials`);
  const prefix = (u.prefix ?? '').replace(/\/+$/, '');
  if (prefix !== '' && !/^(\/[A-Za-z0-9._~-]+)+$/.test(prefix)) throw new BulwarkError('CONFIG', `upstream ${u.name}: prefix must look like /name, got ${JSON.stringify(u.prefix)}`);
  return {
    name: u.name,
    origin: url.origin,
    basePath: url.pathname.replace(/\/+$/, ''),
    kind: u.kind,
    prefix,
    routes: u.routes ?? defaultRoutes(u.kind),
    ...(u.apiKey !== undefined && { apiKey: u.apiKey }),
    connections: u.connections ?? 128,
    headersTimeoutMs: u.headersTimeoutMs ?? 300_000,
    bodyTimeoutMs: u.bodyTimeoutMs ?? 300_000,
    maxResponseBytes: u.maxResponseBytes ?? 64 * 1024 * 1024,
  };
}
