/**
 * Response filters (issue 18 item 5) — PUBLIC SURFACE OF THE SUBFOLDER. The gateway core imports only
 * this file. Pure and synchronous: bytes in, bytes out, no sockets.
 *
 * STUB written by the integrator: the stream helper replaces the bodies (keeping these exported names
 * and types, adding fields only as optional) in branch `gw-stream`.
 */

/** What the response is checked for. */
export interface LeakRules {
  /** Canary strings planted in system prompts; any occurrence in output is a leak. */
  readonly canaries: readonly string[];
  /** System prompts (or other protected text); output sharing a word n-gram with one is a leak. */
  readonly protectedTexts: readonly string[];
  /** Word n-gram length for protectedTexts overlap (default 8). */
  readonly ngram?: number;
  /** Secret patterns (cloud keys, tokens, private keys). Default true. */
  readonly secrets?: boolean;
  /** PII patterns (e-mail, phone, card numbers with Luhn, IBAN). Default false. */
  readonly pii?: boolean;
}

export type LeakKind = 'canary' | 'protected-text' | 'secret' | 'pii';

export interface LeakMatch {
  readonly kind: LeakKind;
  /** What matched, never the matched text itself: e.g. "aws-access-key-id", "canary #2", "8-gram of protected text #1". */
  readonly detail: string;
  /** Choice index (OpenAI `choices[].index`) the match was found in. */
  readonly choice: number;
}

/** Token usage reported by the upstream (final SSE chunk or JSON body), for budget settlement. */
export interface Usage {
  readonly promptTokens?: number;
  readonly completionTokens?: number;
  readonly totalTokens?: number;
}

export interface SseFilterOptions {
  readonly rules: LeakRules;
  /** Characters of generated text held back per choice so a match spanning chunks is caught before it is sent (default 256). */
  readonly holdBackChars?: number;
  /** Largest single SSE event accepted (bytes, default 1 MiB); a larger one ends the stream with an error event. */
  readonly maxEventBytes?: number;
}

export interface FilterStep {
  /** Bytes to send to the client now (possibly empty). */
  readonly out: Uint8Array;
  /** Set once, when a leak is found: `out` then ends with an SSE error event and the stream must be closed. */
  readonly match?: LeakMatch;
  /** Set when the stream is finished (a match, an error event, or `[DONE]` was passed). */
  readonly done: boolean;
}

/** Filters an OpenAI-style `text/event-stream` response (chat and completions chunks). */
export class SseResponseFilter {
  constructor(readonly options: SseFilterOptions) {}
  /** Feed upstream bytes. */
  push(chunk: Uint8Array): FilterStep {
    return { out: chunk, done: false };
  }
  /** Upstream ended: flush what was held back (after a final check). */
  end(): FilterStep {
    return { out: new Uint8Array(0), done: true };
  }
  /** Usage seen in the stream so far (the final chunk carries it when `stream_options.include_usage`). */
  usage(): Usage | undefined {
    return undefined;
  }
}

/** Check a complete (non-streaming) OpenAI-style JSON response body (chat or completions). */
export function scanResponseBody(body: unknown, rules: LeakRules): LeakMatch | undefined {
  void body;
  void rules;
  return undefined;
}

/** Usage of a complete (non-streaming) response body, if it reports one. */
export function usageOfBody(body: unknown): Usage | undefined {
  void body;
  return undefined;
}

/** An SSE event that reports an error to an OpenAI client, as vLLM does when a stream fails. */
export function sseErrorEvent(message: string, type: string, code: string): Uint8Array {
  return new TextEncoder().encode(`data: ${JSON.stringify({ error: { message, type, code } })}\n\n`);
}
