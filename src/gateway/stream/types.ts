/**
 * Types of the response filters (the public ones are re-exported, unchanged, from index.ts).
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
  /**
   * Most bytes held back in total (default 16 MiB): text-free events (keep-alive comments, other choices)
   * queue behind a held event; past this the stream ends with an error event instead of growing.
   */
  readonly maxHeldBytes?: number;
}

/** Why a stream was ended without a leak: a named limit was reached. */
export type StreamLimit = 'event-too-large' | 'held-bytes' | 'too-many-choices';

export interface FilterStep {
  /** Bytes to send to the client now (possibly empty). */
  readonly out: Uint8Array;
  /** Set once, when a leak is found: `out` then ends with an SSE error event and the stream must be closed. */
  readonly match?: LeakMatch;
  /** Set once, when a limit ended the stream (`out` then ends with an SSE error event). */
  readonly limit?: StreamLimit;
  /** Set when the stream is finished (a match, an error event, or `[DONE]` was passed). */
  readonly done: boolean;
}

/** What is held back right now (for metrics and tests). */
export interface Buffered {
  /** Bytes held: whole events waiting for the window plus the bytes of the incomplete event being parsed. */
  readonly bytes: number;
  /** Characters of generated text in the held events (all choices). */
  readonly chars: number;
  /** Whole events held. */
  readonly events: number;
}
