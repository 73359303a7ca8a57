/**
 * Prompt-injection screening (issue 18 item 4) — PUBLIC SURFACE OF THE SUBFOLDER. The gateway core
 * (src/gateway/*.ts) imports only this file. Pure and synchronous (no I/O) except the external
 * classifier hook, which is an HTTP call with a deadline.
 *
 * Implementation: normalise.ts (Unicode), decode.ts (payload wrappers), patterns.ts (the pattern table),
 * screen.ts (scoring), classifier.ts (the HTTP hook). docs/gateway-screening.md documents all of it.
 */
import { createHttpClassifier } from './classifier.js';
import { screen } from './screen.js';

export { ClassifierError, DEFAULT_MAX_RESPONSE_BYTES, parseClassifierAnswer, type ClassifierErrorCode } from './classifier.js';
export { PATTERNS, PATTERNS_VERSION, type PatternSpec } from './patterns.js';
export { DEFAULT_BLOCK_THRESHOLD, DEFAULT_FLAG_THRESHOLD, SCREENING_LIMITS } from './screen.js';

/** Pattern families the screener recognises. */
export type InjectionFamily =
  | 'instruction-override'
  | 'role-play'
  | 'prompt-extraction'
  | 'tool-hijack'
  | 'exfiltration'
  | 'obfuscation';

/** How the matched text was reached: as sent, after Unicode normalisation, or after decoding a wrapper. */
export type ScreeningVia = 'plain' | 'normalised' | 'base64' | 'rot13' | 'hex' | 'leet';

export interface ScreeningHit {
  readonly family: InjectionFamily;
  /** Stable id of the pattern that matched, e.g. "override/ignore-previous". */
  readonly pattern: string;
  /** This hit's contribution to the score (0..1). */
  readonly weight: number;
  readonly via: ScreeningVia;
  /** A short excerpt (at most 120 characters) of the normalised text around the match. */
  readonly excerpt: string;
}

export interface ScreeningResult {
  /** 0 (nothing) .. 1 (certain); compared with per-route flag/block thresholds by the gateway. */
  readonly score: number;
  readonly hits: readonly ScreeningHit[];
  /** Counts of what normalisation removed or mapped (zero-width, tag characters, bidi controls, confusables). */
  readonly normalisation: { readonly zeroWidth: number; readonly tagChars: number; readonly bidi: number; readonly confusables: number };
  /** True when the text exceeded maxChars or a decode limit, so only a prefix was screened. */
  readonly truncated: boolean;
}

export interface ScreeningOptions {
  /** Longest text screened (characters, default 65536); the rest is not screened and `truncated` is set. */
  readonly maxChars?: number;
  /** How many nested wrappers are decoded (default 2). */
  readonly maxDecodeDepth?: number;
  /** Most decoded bytes produced in total per call (default 262144). */
  readonly maxDecodedBytes?: number;
}

/** Screen one text (a user/tool message's content, already extracted from the request). */
export function screenText(text: string, options: ScreeningOptions = {}): ScreeningResult {
  return screen(text, options);
}

/** An external classifier (a model behind HTTP) the gateway may consult in addition to the patterns. */
export interface ExternalClassifier {
  /** Resolves with a score 0..1; rejects on timeout, transport error or a malformed answer. */
  classify(text: string, signal: AbortSignal): Promise<{ readonly score: number; readonly label?: string }>;
}

export interface HttpClassifierOptions {
  /** POST target; body `{"text": "..."}`; answer `{"score": 0..1, "label"?: "..."}` (documented in docs/gateway-screening.md). */
  readonly url: string;
  readonly timeoutMs: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Largest answer read (bytes, default 65536). */
  readonly maxResponseBytes?: number;
}

export function httpClassifier(options: HttpClassifierOptions): ExternalClassifier {
  return createHttpClassifier(options);
}
