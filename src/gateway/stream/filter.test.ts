import fc from 'fast-check';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { scanResponseBody, SseResponseFilter, sseErrorEvent, usageOfBody } from './index.js';
import type { FilterStep, LeakRules, SseFilterOptions } from './index.js';
import { SseParser } from './sse-parser.js';
import { chatChunk, chatStream, completionChunk, rand, SECRET_SAMPLES, tokenize, usageChunk } from './test-helpers.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

const CANARY = 'zx-canary-7f3a9c';
const SYSTEM = 'You are Acme Corp support assistant. Never reveal the internal escalation code or discuss competitor pricing. Always answer politely, in English, and cite the knowledge base article number.';
const RULES: LeakRules = { canaries: [CANARY], protectedTexts: [SYSTEM] };
const PROSE =
  'Kubernetes schedules pods onto nodes based on resource requests. To serve a model with vLLM, create a Deployment ' +
  'with one GPU per replica, expose it with a Service, and put an inference gateway in front of it. The gateway ' +
  'checks requests before they reach the GPU and filters responses as they stream back to the client. ';

interface Run {
  readonly out: Uint8Array;
  readonly steps: FilterStep[];
  readonly filter: SseResponseFilter;
  readonly maxHeldChars: number;
}

/** Feed `input` split at `cuts`, then end(); collect the output. */
function run(input: Uint8Array, cuts: readonly number[], opts: Partial<SseFilterOptions> = {}): Run {
  const filter = new SseResponseFilter({ rules: RULES, ...opts });
  const steps: FilterStep[] = [];
  let prev = 0;
  let maxHeldChars = 0;
  const points = [...new Set(cuts)].sort((a, b) => a - b).filter((c) => c > 0 && c < input.length);
  for (const c of [...points, input.length]) {
    const s = filter.push(input.subarray(prev, c));
    steps.push(s);
    maxHeldChars = Math.max(maxHeldChars, filter.buffered().chars);
    prev = c;
  }
  // Upstream bytes after the end are still fed (the gateway may stop reading at `done`).
  if (!filter.done) steps.push(filter.end());
  const n = steps.reduce((a, s) => a + s.out.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const s of steps) {
    out.set(s.out, o);
    o += s.out.length;
  }
  return { out, steps, filter, maxHeldChars };
}

/** The text a client sees: delta contents / completion texts of the data events, and the error if any. */
function clientView(out: Uint8Array): { text: string; error: unknown; done: boolean } {
  const p = new SseParser(1 << 24);
  let text = '';
  let error: unknown;
  let done = false;
  for (const s of p.push(out)) {
    if (s.data === undefined) continue;
    if (s.data === '[DONE]') {
      done = true;
      continue;
    }
    const j = JSON.parse(s.data) as { error?: unknown; choices?: { delta?: { content?: string; reasoning_content?: string }; text?: string }[] };
    if (j.error !== undefined) error = j.error;
    for (const c of j.choices ?? []) text += c.delta?.content ?? c.delta?.reasoning_content ?? c.text ?? '';
  }
  return { text, error, done };
}

/** Byte equality without vitest's element-by-element deep equality (slow on large arrays). */
function expectSame(a: Uint8Array, b: Uint8Array): void {
  if (Buffer.compare(a, b) === 0) return;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  expect({ length: a.length, firstDifference: i }).toEqual({ length: b.length, firstDifference: -1 });
}

const cutsFor = (len: number) => fc.array(fc.integer({ min: 1, max: Math.max(1, len - 1) }), { maxLength: 12 });

describe('SseResponseFilter: benign streams', () => {
  const text = PROSE.repeat(3);
  const stream = enc.encode(chatStream(tokenize(text)));

  it('passes a realistic vLLM stream through byte-exact, sets done on [DONE], reports usage', () => {
    const r = run(stream, []);
    expectSame(r.out, stream);
    expect(r.steps.at(-1)?.done).toBe(true);
    expect(r.steps.some((s) => s.match !== undefined)).toBe(false);
    expect(r.filter.usage()).toEqual({ promptTokens: 17, completionTokens: tokenize(text).length, totalTokens: 17 + tokenize(text).length });
  });

  it('property: any split gives the input bytes back exactly (LF and CRLF streams)', () => {
    const crlf = enc.encode(chatStream(tokenize(text, 9)).replace(/\n/g, '\r\n'));
    for (const s of [stream, crlf]) {
      fc.assert(
        fc.property(cutsFor(s.length), (cuts) => {
          const r = run(s, cuts);
          expectSame(r.out, s);
          expect(r.steps.at(-1)?.done).toBe(true);
        }),
        { numRuns: 40 },
      );
    }
  });

  it('property: held text never exceeds the window plus one event', () => {
    // Per-event chunks, as vLLM writes them; the longest event text is 4 characters.
    const events = chatStream(tokenize(text)).split(/(?<=\n\n)/);
    const cuts: number[] = [];
    let o = 0;
    for (const e of events) cuts.push((o += enc.encode(e).length));
    for (const holdBackChars of [256, 200, 1000]) {
      const r = run(stream, cuts, { holdBackChars });
      expectSame(r.out, stream);
      expect(r.maxHeldChars).toBeLessThanOrEqual(r.filter.holdBackChars + 4);
      // And it does hold back: the client is at most a window behind, but not much less.
      expect(r.maxHeldChars).toBeGreaterThan(r.filter.holdBackChars / 2);
    }
    fc.assert(
      fc.property(cutsFor(stream.length), (cs) => {
        expect(run(stream, cs).maxHeldChars).toBeLessThanOrEqual(256 + 4);
      }),
      { numRuns: 30 },
    );
  });

  it('adds no buffering when nothing is held: text-free events and comments pass at once', () => {
    const f = new SseResponseFilter({ rules: RULES });
    const first = enc.encode(`: ping\n\n${chatChunk({ role: 'assistant', content: '' })}`);
    expect(f.push(first).out).toEqual(first);
    const tok = enc.encode(chatChunk({ content: 'Hello' }));
    expect(f.push(tok).out).toHaveLength(0); // held: within the window
    const fin = enc.encode(chatChunk({}, 'stop'));
    expect(dec.decode(f.push(fin).out)).toBe(dec.decode(tok) + dec.decode(fin)); // finish_reason: all scanned, released
  });

  it('passes unknown and non-JSON events, CRLF streams and completions streams unchanged', () => {
    const s = enc.encode(`event: ping\r\ndata: not json\r\n\r\n: c\r\n\r\n${completionChunk('Once upon a time')}${completionChunk(' there was a pod.', 'length')}data: {"weird":[1,2]}\n\ndata: [DONE]\n\n`);
    const r = run(s, [5, 40, 41]);
    expectSame(r.out, s);
  });

  it('end() without [DONE] flushes everything held, including an unterminated tail', () => {
    const s = enc.encode(`${chatChunk({ content: 'short answer' })}data: {"x":1}`);
    const r = run(s, []);
    expectSame(r.out, s);
    expect(r.steps.at(-1)?.done).toBe(true);
  });

  it('multiple choices are held and released independently of their order', () => {
    let s = '';
    const a = tokenize(PROSE, 3);
    const b = tokenize(PROSE.toUpperCase(), 5);
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (i < a.length) s += chatChunk({ content: a[i] }, null, 0);
      if (i < b.length) s += chatChunk({ content: b[i] }, null, 1);
    }
    s += chatChunk({}, 'stop', 0) + chatChunk({}, 'stop', 1) + usageChunk(5, 9) + 'data: [DONE]\n\n';
    const bytes = enc.encode(s);
    expectSame(run(bytes, [100, 2000, 2001]).out, bytes);
  });
});

describe('SseResponseFilter: leaks', () => {
  const leaks: [string, string, string][] = [
    ['canary', CANARY, 'canary #1'],
    ['canary', CANARY.toUpperCase(), 'canary #1 (normalised)'],
    ['protected-text', 'never reveal the internal escalation code or discuss competitor pricing', '8-gram of protected text #1'],
    ...SECRET_SAMPLES.map(([id, s]): [string, string, string] => ['secret', s, id]),
  ];

  it.each(leaks)('%s (%s) is cut before any of it is sent, for any split', (kind, secret, detail) => {
    const before = PROSE.slice(0, 300);
    const text = `${before} ${secret} and more text after it to keep the stream going for a while.`;
    const stream = enc.encode(chatStream(tokenize(text, secret.length)));
    fc.assert(
      fc.property(cutsFor(stream.length), (cuts) => {
        const r = run(stream, cuts);
        const m = r.steps.find((s) => s.match !== undefined)?.match;
        expect(m).toEqual({ kind, detail, choice: 0 });
        const view = clientView(r.out);
        // The client saw a prefix of the text that stops before the leak starts.
        expect(text.startsWith(view.text)).toBe(true);
        expect(view.text.length).toBeLessThanOrEqual(before.length + 1);
        expect(dec.decode(r.out).includes(secret)).toBe(false);
        // It ends with the error event and [DONE].
        expect(dec.decode(r.out).endsWith(`${dec.decode(sseErrorEvent(`Response stopped by the gateway: the output matched a ${kind} leak filter.`, 'content_filter', 'response_leak'))}data: [DONE]\n\n`)).toBe(true);
        expect(view.error).toMatchObject({ type: 'content_filter', code: 'response_leak', param: null });
        expect(r.steps.at(-1)?.done).toBe(true);
      }),
      { numRuns: 15 },
    );
  });

  it('finds leaks in reasoning_content, tool call arguments and completions text', () => {
    const key = `ghp_${rand('abcdefghijklmnopqrstuvwxyz0123456789', 36, 99)}`;
    const reasoning = enc.encode(chatStream(tokenize(`Let me think. The token is ${key}.`), { field: 'reasoning_content' }));
    expect(run(reasoning, []).steps.at(-1)?.match?.detail).toBe('github-token');
    let tool = chatChunk({ role: 'assistant', tool_calls: [{ index: 0, id: 'chatcmpl-tool-1', type: 'function', function: { name: 'send_email', arguments: '' } }] });
    for (const t of tokenize(`{"to": "x@example.com", "body": "${key}"}`)) tool += chatChunk({ tool_calls: [{ index: 0, function: { arguments: t } }] });
    tool += chatChunk({}, 'tool_calls') + 'data: [DONE]\n\n';
    expect(run(enc.encode(tool), []).steps.at(-1)?.match?.detail).toBe('github-token');
    let comp = '';
    for (const t of tokenize(`Result: ${CANARY}`)) comp += completionChunk(t, null, 2);
    const r = run(enc.encode(`${comp}data: [DONE]\n\n`), [3]);
    expect(r.steps.at(-1)?.match).toEqual({ kind: 'canary', detail: 'canary #1', choice: 2 });
  });

  it('a leak right before [DONE] or at the end of the upstream is still cut', () => {
    const s = chatChunk({ content: `token: ${CANARY}` });
    expect(run(enc.encode(`${s}data: [DONE]\n\n`), []).steps.at(-1)?.match?.kind).toBe('canary');
    expect(run(enc.encode(s), []).steps.at(-1)?.match?.kind).toBe('canary');
  });

  it('after the cut, more input yields nothing', () => {
    const f = new SseResponseFilter({ rules: RULES });
    expect(f.push(enc.encode(chatChunk({ content: CANARY }, 'stop'))).match).toBeDefined();
    expect(f.push(enc.encode(chatChunk({ content: 'more' })))).toEqual({ out: new Uint8Array(0), done: true });
    expect(f.end().done).toBe(true);
    expect(f.done).toBe(true);
  });

  it('the official OpenAI client raises an APIError on the cut stream', async () => {
    const r = run(enc.encode(chatStream(tokenize(`Here: ${CANARY} ok`))), [10]);
    const client = new OpenAI({
      apiKey: 'test',
      baseURL: 'http://127.0.0.1:1/v1',
      maxRetries: 0,
      fetch: () => Promise.resolve(new Response(r.out, { status: 200, headers: { 'content-type': 'text/event-stream' } })),
    });
    const stream = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const err = await (async () => {
      try {
        for await (const chunk of stream) void chunk;
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toMatch(/leak filter/);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('response_leak');
  });
});

describe('SseResponseFilter: limits and hostile input', () => {
  it('an event over maxEventBytes ends the stream with an error event', () => {
    const f = new SseResponseFilter({ rules: RULES, maxEventBytes: 1024 });
    const s = f.push(enc.encode(`data: {"choices":[{"index":0,"delta":{"content":"${'a'.repeat(2000)}`));
    expect(s.done).toBe(true);
    expect(s.limit).toBe('event-too-large');
    expect(clientView(s.out)).toMatchObject({ done: true, error: { type: 'server_error', code: 'response_filter_limit' } });
  });

  it('keep-alives queued behind held text are bounded by maxHeldBytes', () => {
    const f = new SseResponseFilter({ rules: RULES, maxHeldBytes: 4096 });
    f.push(enc.encode(chatChunk({ content: 'held text' })));
    let last: FilterStep = { out: new Uint8Array(0), done: false };
    for (let i = 0; i < 1000 && !last.done; i++) last = f.push(enc.encode(': keep-alive\n\n'));
    expect(last.limit).toBe('held-bytes');
  });

  it('more than 128 choices end the stream', () => {
    let s = '';
    for (let i = 0; i < 130; i++) s += chatChunk({ content: 'x' }, null, i);
    expect(run(enc.encode(s), []).steps.at(-1)?.limit).toBe('too-many-choices');
  });

  it('enlarges a window smaller than the longest canary or n-gram', () => {
    const f = new SseResponseFilter({ rules: { canaries: ['c'.repeat(500)], protectedTexts: [] }, holdBackChars: 10 });
    expect(f.holdBackChars).toBeGreaterThanOrEqual(502);
    expect(new SseResponseFilter({ rules: RULES }).holdBackChars).toBe(256);
  });

  it('hostile text of 1 MB is scanned in linear time (no regex blow-up)', () => {
    const pii: LeakRules = { ...RULES, pii: true };
    for (const unit of ['+1 2 ', '1-', 'a.', 'a@', 'eyJ', 'AKIA', 'DE89 ', '\u200b', '\ufdfa', 'x ']) {
      const t0 = performance.now();
      expect(scanResponseBody({ choices: [{ index: 0, message: { content: unit.repeat(Math.ceil(1e6 / unit.length)) } }] }, pii)).toBeUndefined();
      expect(performance.now() - t0, unit).toBeLessThan(4000);
    }
  });

  it('property: arbitrary bytes and chunk JSON never throw', () => {
    const jsonish = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.jsonValue().map((v) => enc.encode(`data: ${JSON.stringify({ choices: [{ index: 0, delta: v, text: v, finish_reason: v }], usage: v })}\n\n`)),
      fc.jsonValue().map((v) => enc.encode(`data: ${JSON.stringify(v)}\r\n\r\n`)),
    );
    fc.assert(
      fc.property(fc.array(jsonish, { maxLength: 12 }), (chunks) => {
        const f = new SseResponseFilter({ rules: { ...RULES, pii: true }, maxEventBytes: 4096 });
        for (const c of chunks) f.push(c);
        f.end();
        f.usage();
        expect(f.buffered().bytes).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});

describe('scanResponseBody and usageOfBody', () => {
  const body = (content: unknown, extra: Record<string, unknown> = {}) => ({
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1767225600,
    model: 'm',
    choices: [{ index: 0, message: { role: 'assistant', content, ...extra }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 12, total_tokens: 40, completion_tokens: 28 },
  });

  it('finds leaks in content, reasoning_content and tool call arguments; silent on benign bodies', () => {
    expect(scanResponseBody(body(PROSE), RULES)).toBeUndefined();
    expect(scanResponseBody(body(`x ${CANARY}`), RULES)).toEqual({ kind: 'canary', detail: 'canary #1', choice: 0 });
    expect(scanResponseBody(body(null, { reasoning_content: `the ${CANARY.toUpperCase()}` }), RULES)?.kind).toBe('canary');
    const key = `AKIA${rand('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16, 5)}`;
    expect(scanResponseBody(body(null, { tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: `{"k":"${key}"}` } }] }), RULES)?.detail).toBe('aws-access-key-id');
    expect(scanResponseBody({ object: 'text_completion', choices: [{ index: 3, text: `say ${CANARY}` }] }, RULES)?.choice).toBe(3);
    expect(scanResponseBody('not an object', RULES)).toBeUndefined();
    expect(scanResponseBody({ choices: [null, 5, { message: 7 }] }, RULES)).toBeUndefined();
  });

  it('reads usage', () => {
    expect(usageOfBody(body('x'))).toEqual({ promptTokens: 12, completionTokens: 28, totalTokens: 40 });
    expect(usageOfBody({ usage: { prompt_tokens: -1, completion_tokens: 'x' } })).toBeUndefined();
    expect(usageOfBody(null)).toBeUndefined();
  });
});
