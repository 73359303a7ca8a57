/**
 * Token estimates for budgets. With a configured tokenizer (`o200k_base`, `cl100k_base` from
 * gpt-tokenizer, loaded lazily at start-up: the tables are megabytes) the prompt text is counted;
 * without one, a documented upper bound: byte-level BPE tokenizers emit at most one token per UTF-8
 * byte, so the UTF-8 byte length of the text plus a per-message overhead (role and template tokens)
 * bounds the prompt. Media add a fixed cost per item. The reservation is the estimate plus the
 * (clamped) completion tokens the request may generate.
 */
import { BulwarkError } from '../findings/index.js';

export type TokenizerName = 'o200k_base' | 'cl100k_base';
export const TOKENIZERS: readonly TokenizerName[] = ['o200k_base', 'cl100k_base'];

/** Counts tokens of a text. */
export type TokenCounter = (text: string) => number;

/** Tokens added per chat message for the role and the chat template's markers (upper bound). */
export const MESSAGE_OVERHEAD_TOKENS = 8;
/** Tokens charged per image, audio or video item (models differ; an estimate, documented). */
export const MEDIA_TOKENS = 1024;

/** Load a tokenizer (once per process; the import is cached by the module system). */
export async function loadTokenizer(name: TokenizerName): Promise<TokenCounter> {
  try {
    if (name === 'o200k_base') {
      const m = await import('gpt-tokenizer/encoding/o200k_base');
      return (t) => m.countTokens(t);
    }
    const m = await import('gpt-tokenizer/encoding/cl100k_base');
    return (t) => m.countTokens(t);
  } catch (e) {
    throw new BulwarkError('CONFIG', `tokenizer ${name} could not be loaded: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** Upper bound without a tokenizer: UTF-8 bytes (computed without encoding). */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

export interface TokenEstimate {
  /** Prompt tokens (tokenizer count or upper bound). */
  readonly prompt: number;
  /** Completion tokens the request may generate (its max_tokens, or the route's clamp when absent). */
  readonly completion: number;
  /** What is reserved from the tenant's budget: prompt + completion. */
  readonly reservation: number;
  readonly method: 'tokenizer' | 'bound';
}

export function estimateTokens(texts: readonly string[], messages: number, media: number, completion: number, counter: TokenCounter | undefined): TokenEstimate {
  let prompt = messages * MESSAGE_OVERHEAD_TOKENS + media * MEDIA_TOKENS;
  for (const t of texts) prompt += counter === undefined ? utf8Length(t) : counter(t);
  return { prompt, completion, reservation: prompt + completion, method: counter === undefined ? 'bound' : 'tokenizer' };
}
