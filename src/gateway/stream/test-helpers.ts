/**
 * Test and bench helpers: realistic vLLM/OpenAI stream chunks and secret-shaped strings built in code
 * (never real credentials; generated from a seeded PRNG so they look random enough for the patterns).
 */

export interface ChunkOptions {
  readonly id?: string;
  readonly model?: string;
  readonly created?: number;
}

const BASE = { id: 'chatcmpl-9f1c2b7e4a5d4c3b8e6f0a1b2c3d4e5f', model: 'meta-llama/Llama-3.1-8B-Instruct', created: 1767225600 };

/** One `chat.completion.chunk` event as vLLM writes it. */
export function chatChunk(delta: Record<string, unknown>, finishReason: string | null = null, index = 0, o: ChunkOptions = {}): string {
  const c = { id: o.id ?? BASE.id, object: 'chat.completion.chunk', created: o.created ?? BASE.created, model: o.model ?? BASE.model, choices: [{ index, delta, logprobs: null, finish_reason: finishReason }] };
  return `data: ${JSON.stringify(c)}\n\n`;
}

/** One `text_completion` event (completions API). */
export function completionChunk(text: string, finishReason: string | null = null, index = 0): string {
  const c = { id: 'cmpl-3b8e6f0a1b2c3d4e', object: 'text_completion', created: BASE.created, model: BASE.model, choices: [{ index, text, logprobs: null, finish_reason: finishReason, stop_reason: null }] };
  return `data: ${JSON.stringify(c)}\n\n`;
}

export function usageChunk(prompt: number, completion: number): string {
  const c = { id: BASE.id, object: 'chat.completion.chunk', created: BASE.created, model: BASE.model, choices: [], usage: { prompt_tokens: prompt, total_tokens: prompt + completion, completion_tokens: completion } };
  return `data: ${JSON.stringify(c)}\n\n`;
}

/** A whole chat stream: role chunk, one chunk per token, finish chunk, usage chunk, [DONE]. */
export function chatStream(tokens: readonly string[], opts: { readonly usage?: boolean; readonly field?: 'content' | 'reasoning_content' } = {}): string {
  const field = opts.field ?? 'content';
  let s = chatChunk({ role: 'assistant', content: '' });
  for (const t of tokens) s += chatChunk({ [field]: t });
  s += chatChunk({}, 'stop');
  if (opts.usage ?? true) s += usageChunk(17, tokens.length);
  return `${s}data: [DONE]\n\n`;
}

/** Split text into tokens of 1–4 characters (deterministic). */
export function tokenize(text: string, seed = 1): string[] {
  const out: string[] = [];
  let r = seed;
  for (let i = 0; i < text.length; ) {
    r = (r * 1103515245 + 12345) >>> 0;
    const n = 1 + ((r >>> 16) % 4);
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}

/** Seeded random string over an alphabet. */
export function rand(alphabet: string, n: number, seed = 7): string {
  let r = seed >>> 0;
  let s = '';
  for (let i = 0; i < n; i++) {
    r = (r * 1664525 + 1013904223) >>> 0;
    s += alphabet[(r >>> 8) % alphabet.length];
  }
  return s;
}

const UP = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOW = 'abcdefghijklmnopqrstuvwxyz';
const DIG = '0123456789';
const ALNUM = UP + LOW + DIG;

/** One secret-shaped sample per pattern id (fake values, generated). */
export const SECRET_SAMPLES: readonly (readonly [string, string])[] = [
  ['aws-access-key-id', `AKIA${rand('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16, 1)}`],
  ['aws-access-key-id', `ASIA${rand('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16, 2)}`],
  ['github-token', `ghp_${rand(ALNUM, 36, 3)}`],
  ['github-token', `gho_${rand(ALNUM, 36, 4)}`],
  ['github-fine-grained-pat', `github_pat_${rand(ALNUM, 22, 5)}_${rand(ALNUM, 59, 6)}`],
  ['gitlab-token', `glpat-${rand(ALNUM + '_-', 20, 7)}`],
  ['slack-token', `xoxb-${rand(DIG, 12, 8)}-${rand(DIG, 13, 9)}-${rand(ALNUM, 24, 10)}`],
  ['slack-webhook-url', `https://hooks.slack.com/services/T${rand(UP + DIG, 8, 11)}/B${rand(UP + DIG, 10, 12)}/${rand(ALNUM, 24, 13)}`],
  ['openai-api-key', `sk-proj-${rand(ALNUM + '_-', 156, 14)}`],
  ['openai-api-key', `sk-${rand(ALNUM, 20, 15)}T3BlbkFJ${rand(ALNUM, 20, 16)}`],
  ['anthropic-api-key', `sk-ant-api03-${rand(ALNUM + '_-', 93, 17)}AA`],
  ['huggingface-token', `hf_${rand(UP + LOW, 34, 18)}`],
  ['google-api-key', `AIza${rand(ALNUM + '_-', 35, 19)}`],
  ['stripe-secret-key', `sk_live_${rand(ALNUM, 24, 20)}`],
  ['jwt', `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.${rand(ALNUM + '_-', 43, 21)}`],
  ['private-key', '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA'],
  ['private-key', '-----BEGIN OPENSSH PRIVATE KEY-----'],
];
