/**
 * The SSE response filter: OpenAI-style chat/completions chunks in, the same bytes out, held back only
 * while their text is within the hold-back window of their choice; on a leak the stream is cut with an
 * OpenAI/vLLM-shaped error event and `data: [DONE]`.
 */
import { TextScanner, compileLeakRules } from './detect.js';
import type { CompiledRules, Hit } from './detect.js';
import { SseParser } from './sse-parser.js';
import type { SseSegment } from './sse-parser.js';
import type { Buffered, FilterStep, LeakMatch, LeakRules, SseFilterOptions, StreamLimit, Usage } from './types.js';

export const DEFAULT_HOLD_BACK_CHARS = 256;
export const DEFAULT_MAX_EVENT_BYTES = 1 << 20;
export const DEFAULT_MAX_HELD_BYTES = 16 << 20;
/** Most distinct choices (`n`) in one stream; OpenAI allows n ≤ 128. */
export const MAX_CHOICES = 128;

const EMPTY = new Uint8Array(0);
const enc = new TextEncoder();
const DONE_EVENT = enc.encode('data: [DONE]\n\n');
/** Put between text of different kinds (content, reasoning, each tool call) of one choice: no pattern spans it. */
const CHANNEL_SEP = '\n';

/**
 * An SSE event that reports an error to an OpenAI client, as vLLM does when a stream fails:
 * `data: {"error": {"message", "type", "param": null, "code"}}` (the OpenAI SDKs throw an APIError on it).
 */
export function sseErrorEvent(message: string, type: string, code: string): Uint8Array {
  return enc.encode(`data: ${JSON.stringify({ error: { message, type, param: null, code } })}\n\n`);
}

const LIMIT_MESSAGE: Readonly<Record<StreamLimit, string>> = {
  'event-too-large': 'Response stopped by the gateway: an event of the upstream stream exceeded the size limit.',
  'held-bytes': 'Response stopped by the gateway: the response filter buffer limit was reached.',
  'too-many-choices': 'Response stopped by the gateway: too many choices in one stream.',
};

interface ChoiceState {
  readonly index: number;
  readonly scanner: TextScanner;
  /** The channel of the last text appended ("content", "reasoning", "tool:0", "text"…). */
  channel: string;
  /** finish_reason seen and all text scanned: nothing of it is held back any more. */
  finished: boolean;
}

interface Held {
  /** Stream offset where the event's bytes end (they start where the previous one's end). */
  readonly end: number;
  /** Text characters the event added (all choices). */
  readonly chars: number;
  /** Per choice the event added text to: the choice's text length after it. */
  readonly ends: readonly { readonly c: ChoiceState; readonly end: number }[];
}

/** Filters an OpenAI-style `text/event-stream` response (chat and completions chunks). */
export class SseResponseFilter {
  private readonly compiled: CompiledRules;
  private readonly parser: SseParser;
  /** Effective hold-back window (≥ the longest match). */
  readonly holdBackChars: number;
  /** Scan a choice when this many characters are unscanned (holdBack − overlap, at least 1). */
  private readonly batch: number;
  private readonly overlap: number;
  private readonly maxHeldBytes: number;
  private readonly choices = new Map<number, ChoiceState>();
  private queue: Held[] = [];
  private head = 0;
  /** Stream offset up to which bytes were sent; the held bytes are [sent, queuedEnd). */
  private sent = 0;
  private queuedEnd = 0;
  private heldChars = 0;
  private finished = false;
  private lastUsage: Usage | undefined;
  /** `[DONE]` ended with a CR as the last byte received: its LF (CRLF) may come first in the next chunk. */
  private doneLF = false;

  /**
   * Throws BulwarkError('CONFIG') for invalid rules (see compileLeakRules). A holdBackChars smaller than
   * the longest canary / n-gram / pattern (+2) is enlarged to it (`holdBackChars` has the value used).
   */
  constructor(readonly options: SseFilterOptions) {
    this.compiled = compileLeakRules(options.rules);
    this.overlap = this.compiled.maxMatchChars + 2;
    const asked = options.holdBackChars ?? DEFAULT_HOLD_BACK_CHARS;
    this.holdBackChars = Math.max(Number.isFinite(asked) ? Math.floor(asked) : DEFAULT_HOLD_BACK_CHARS, this.overlap);
    this.batch = Math.max(1, this.holdBackChars - this.overlap);
    this.parser = new SseParser(options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES);
    this.parser.retain(0);
    this.maxHeldBytes = options.maxHeldBytes ?? DEFAULT_MAX_HELD_BYTES;
  }

  /** Feed upstream bytes. */
  push(chunk: Uint8Array): FilterStep {
    if (this.finished) {
      if (this.doneLF && chunk.length > 0) {
        this.doneLF = false;
        if (chunk[0] === 0x0a) return { out: new Uint8Array([0x0a]), done: true };
      }
      return { out: EMPTY, done: true };
    }
    const segs = this.parser.push(chunk);
    for (const seg of segs) {
      const step = this.segment(seg);
      if (step !== undefined) return step;
    }
    if (this.parser.overflow) return this.cut(undefined, 'event-too-large');
    if (this.queuedEnd - this.sent + this.parser.pendingBytes > this.maxHeldBytes) return this.cut(undefined, 'held-bytes');
    return { out: this.release(false), done: false };
  }

  /** Upstream ended: flush what was held back (after a final check). */
  end(): FilterStep {
    if (this.finished) return { out: EMPTY, done: true };
    const tail = this.parser.finish();
    if (tail !== undefined) {
      const step = this.segment(tail);
      if (step !== undefined) return step;
    }
    for (const c of this.choices.values()) {
      const hit = c.scanner.scan(true);
      if (hit !== undefined) return this.cut(match(hit, c.index));
    }
    this.finished = true;
    return { out: this.release(true), done: true };
  }

  /** True once the stream is finished (a match, a limit, `[DONE]` or `end()`). */
  get done(): boolean {
    return this.finished;
  }

  /** Usage seen in the stream so far (the final chunk carries it when `stream_options.include_usage`). */
  usage(): Usage | undefined {
    return this.lastUsage;
  }

  /** What is held back now. */
  buffered(): Buffered {
    if (this.finished) return { bytes: 0, chars: 0, events: 0 };
    return { bytes: this.queuedEnd - this.sent + this.parser.pendingBytes, chars: this.heldChars, events: this.queue.length - this.head };
  }

  /** One parsed segment; returns a step when the stream ends with it. */
  private segment(seg: SseSegment): FilterStep | undefined {
    const data = seg.data;
    if (data !== undefined && data.length <= 16 && data.trim() === '[DONE]') {
      for (const c of this.choices.values()) {
        const hit = c.scanner.scan(true);
        if (hit !== undefined) return this.cut(match(hit, c.index));
      }
      this.enqueue({ end: seg.end, chars: 0, ends: [] });
      this.finished = true;
      this.doneLF = seg.end === this.parser.received && this.parser.awaitingLF;
      return { out: this.release(true), done: true };
    }
    let ends: { c: ChoiceState; end: number }[] = [];
    let chars = 0;
    const chunk = data === undefined ? undefined : parseJson(data);
    if (isObject(chunk)) {
      const u = usageOf(chunk['usage']);
      if (u !== undefined) this.lastUsage = u;
      const choices = chunk['choices'];
      if (Array.isArray(choices)) {
        for (let k = 0; k < choices.length; k++) {
          const ch: unknown = choices[k];
          if (!isObject(ch)) continue;
          const idx = typeof ch['index'] === 'number' && Number.isSafeInteger(ch['index']) ? ch['index'] : k;
          let c = this.choices.get(idx);
          if (c === undefined) {
            if (this.choices.size >= MAX_CHOICES) return this.cut(undefined, 'too-many-choices');
            c = { index: idx, scanner: new TextScanner(this.compiled), channel: '', finished: false };
            this.choices.set(idx, c);
          }
          const before = c.scanner.len;
          for (const [channel, text] of choiceTexts(ch)) {
            if (text.length === 0) continue;
            if (c.channel !== channel) {
              if (c.channel !== '') c.scanner.append(CHANNEL_SEP);
              c.channel = channel;
            }
            c.scanner.append(text);
            c.finished = false;
          }
          const added = c.scanner.len - before;
          if (added > 0) {
            chars += added;
            ends = ends.filter((e) => e.c !== c);
            ends.push({ c, end: c.scanner.len });
          }
          const fr = ch['finish_reason'];
          const final = fr !== undefined && fr !== null;
          if (final || c.scanner.unscanned >= this.batch) {
            const hit = c.scanner.scan(final);
            if (hit !== undefined) return this.cut(match(hit, c.index));
            if (final) c.finished = true;
          }
        }
      }
    }
    this.enqueue({ end: seg.end, chars, ends });
    return undefined;
  }

  private enqueue(h: Held): void {
    this.queue.push(h);
    this.queuedEnd = h.end;
    this.heldChars += h.chars;
  }

  private releasable(h: Held): boolean {
    for (const { c, end } of h.ends) {
      if (c.finished && c.scanner.scanned === c.scanner.len) continue;
      if (end > c.scanner.scanned - this.overlap) return false;
    }
    return true;
  }

  /** The events at the head of the queue that are out of every window (all of them when `all`). */
  private release(all: boolean): Uint8Array {
    let upTo = this.sent;
    while (this.head < this.queue.length) {
      const h = this.queue[this.head] as Held;
      if (!all && !this.releasable(h)) break;
      upTo = h.end;
      this.heldChars -= h.chars;
      this.head++;
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (upTo === this.sent) return EMPTY;
    const out = this.parser.bytes(this.sent, upTo);
    this.sent = upTo;
    this.parser.retain(upTo);
    return out;
  }

  /** Drop everything held and end the stream with an error event and [DONE]. */
  private cut(m: LeakMatch | undefined, limit?: StreamLimit): FilterStep {
    this.finished = true;
    this.queue = [];
    this.head = 0;
    this.sent = this.queuedEnd = this.parser.received;
    this.parser.retain(Infinity);
    this.heldChars = 0;
    const err =
      m !== undefined
        ? sseErrorEvent(`Response stopped by the gateway: the output matched a ${m.kind} leak filter.`, 'content_filter', 'response_leak')
        : sseErrorEvent(LIMIT_MESSAGE[limit ?? 'held-bytes'], 'server_error', 'response_filter_limit');
    const out = concat([err, DONE_EVENT], err.length + DONE_EVENT.length);
    if (m !== undefined) return { out, match: m, done: true };
    return { out, ...(limit !== undefined && { limit }), done: true };
  }
}

function match(hit: Hit, choice: number): LeakMatch {
  return { kind: hit.kind, detail: hit.detail, choice };
}

function concat(parts: readonly Uint8Array[], n: number): Uint8Array {
  if (parts.length === 0) return EMPTY;
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function parseJson(data: string): unknown {
  const c = data.charCodeAt(0);
  // Only objects are chunks; skip anything else without trying (whitespace before "{" allowed).
  if (c !== 0x7b && c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return undefined;
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return undefined;
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Text of one choice (stream delta, completion text, or a non-streaming message) as [channel, text] pairs. */
export function choiceTexts(ch: Record<string, unknown>): [string, string][] {
  const out: [string, string][] = [];
  if (typeof ch['text'] === 'string') out.push(['text', ch['text']]);
  for (const key of ['delta', 'message']) {
    const d = ch[key];
    if (!isObject(d)) continue;
    for (const f of ['reasoning_content', 'reasoning', 'content', 'refusal']) {
      const v = d[f];
      if (typeof v === 'string') out.push([f === 'reasoning' ? 'reasoning_content' : f, v]);
      else if (Array.isArray(v)) {
        // Content as parts: [{type: "text", text}].
        for (const p of v) if (isObject(p) && typeof p['text'] === 'string') out.push([f, p['text']]);
      }
    }
    const calls = d['tool_calls'];
    if (Array.isArray(calls)) {
      for (let i = 0; i < calls.length; i++) {
        const call: unknown = calls[i];
        if (!isObject(call) || !isObject(call['function'])) continue;
        const args = call['function']['arguments'];
        const ti = typeof call['index'] === 'number' ? call['index'] : i;
        if (typeof args === 'string') out.push([`tool:${ti}`, args]);
      }
    }
  }
  return out;
}

function count(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

/** Usage object (OpenAI names) → Usage; undefined when none of the counts is valid. */
export function usageOf(u: unknown): Usage | undefined {
  if (!isObject(u)) return undefined;
  const p = count(u['prompt_tokens']);
  const c = count(u['completion_tokens']);
  const t = count(u['total_tokens']);
  if (p === undefined && c === undefined && t === undefined) return undefined;
  return { ...(p !== undefined && { promptTokens: p }), ...(c !== undefined && { completionTokens: c }), ...(t !== undefined && { totalTokens: t }) };
}

/** Check a complete (non-streaming) OpenAI-style JSON response body (chat or completions). */
export function scanResponseBody(body: unknown, rules: LeakRules): LeakMatch | undefined {
  if (!isObject(body) || !Array.isArray(body['choices'])) return undefined;
  const compiled = compileLeakRules(rules);
  const choices: unknown[] = body['choices'];
  for (let k = 0; k < choices.length; k++) {
    const ch = choices[k];
    if (!isObject(ch)) continue;
    const idx = typeof ch['index'] === 'number' && Number.isSafeInteger(ch['index']) ? ch['index'] : k;
    const s = new TextScanner(compiled);
    let first = true;
    for (const [, text] of choiceTexts(ch)) {
      if (!first) s.append(CHANNEL_SEP);
      first = false;
      s.append(text);
    }
    const hit = s.scan(true);
    if (hit !== undefined) return match(hit, idx);
  }
  return undefined;
}

/** Usage of a complete (non-streaming) response body, if it reports one. */
export function usageOfBody(body: unknown): Usage | undefined {
  return isObject(body) ? usageOf(body['usage']) : undefined;
}
