/**
 * Response filters (issue 18 item 5) — PUBLIC SURFACE OF THE SUBFOLDER. The gateway core imports only
 * this file. Pure and synchronous: bytes in, bytes out, no sockets.
 *
 * - `SseResponseFilter`: OpenAI-style `text/event-stream` responses, passed through byte-exact and held
 *   back only while their text is within `holdBackChars` of the end of their choice's text; a leak cuts
 *   the stream with `sseErrorEvent(...)` + `data: [DONE]`.
 * - `scanResponseBody` / `usageOfBody`: the same checks and usage for non-streaming JSON bodies.
 * - `compileLeakRules`: validates rules (typed CONFIG error) — call it when loading configuration.
 * See docs/gateway-response-filters.md.
 */
export type { Buffered, FilterStep, LeakKind, LeakMatch, LeakRules, SseFilterOptions, StreamLimit, Usage } from './types.js';
export { SseResponseFilter, scanResponseBody, sseErrorEvent, usageOfBody, DEFAULT_HOLD_BACK_CHARS, DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_HELD_BYTES, MAX_CHOICES } from './filter.js';
export { compileLeakRules, DEFAULT_NGRAM, MIN_CANARY_CHARS, MAX_PATTERN_CHARS } from './detect.js';
export type { CompiledRules } from './detect.js';
export { SseParser } from './sse-parser.js';
export type { SseSegment } from './sse-parser.js';
export { SECRET_PATTERNS, PII_PATTERNS } from './patterns.js';
export type { LeakPattern } from './patterns.js';
