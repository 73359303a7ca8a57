/**
 * A small OpenAI-compatible test upstream on node:http (and a KServe v2 infer route), for the gateway's
 * tests and benchmark. It answers like vLLM: `/v1/models`, `/v1/chat/completions` and
 * `/v1/completions` with and without `stream: true` (SSE chunks as vLLM sends them, a final usage
 * chunk when `stream_options.include_usage`, then `data: [DONE]`), `/v1/embeddings`,
 * `POST /v2/models/{m}/infer`. Every request it saw is counted (`seen`), so tests can assert that a
 * refused request never reached it. Anything else is a 404 (counted too).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export interface TestUpstreamOptions {
  /** Words the model "generates" (one SSE chunk each). */
  readonly words?: readonly string[];
  /** Delay between SSE chunks (ms). */
  readonly chunkDelayMs?: number;
  /** Called with each SSE chunk's write time (performance.now()) and index: the SSE timing test. */
  readonly onChunk?: (index: number, at: number) => void;
  /** Hold the response this long before answering (ms): slow-upstream tests. */
  readonly delayMs?: number;
  /** SSE chunks carry their write time (process.hrtime.bigint(), ns, monotonic across processes) as content: the SSE benchmark. */
  readonly stampChunks?: boolean;
}

export interface TestUpstream {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  readonly seen: SeenRequest[];
  close(): Promise<void>;
}

const MODEL = 'test-model';

function json(res: ServerResponse, status: number, value: unknown): void {
  const b = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(b.length) });
  res.end(b);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function handleUpstream(req: IncomingMessage, res: ServerResponse, o: TestUpstreamOptions, seen?: SeenRequest[]): Promise<void> {
  const body = await readBody(req);
  seen?.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
  if (o.delayMs !== undefined) await sleep(o.delayMs);
  const url = req.url ?? '/';
  const words = o.words ?? ['Hello', ' from', ' the', ' test', ' model', '.'];
  let parsed: Record<string, unknown> = {};
  try {
    parsed = body === '' ? {} : (JSON.parse(body) as Record<string, unknown>);
  } catch {
    json(res, 400, { error: { message: 'bad json', type: 'invalid_request_error', param: null, code: null } });
    return;
  }
  const created = 1_700_000_000;
  const usage = { prompt_tokens: 10, completion_tokens: words.length, total_tokens: 10 + words.length };
  if (req.method === 'GET' && url === '/v1/models') {
    json(res, 200, { object: 'list', data: [{ id: MODEL, object: 'model', created, owned_by: 'test' }] });
    return;
  }
  if (req.method === 'POST' && url === '/v1/embeddings') {
    const inputs = Array.isArray(parsed['input']) ? parsed['input'] : [parsed['input']];
    json(res, 200, { object: 'list', model: MODEL, data: inputs.map((_, i) => ({ object: 'embedding', index: i, embedding: [0.1, 0.2, 0.3] })), usage: { prompt_tokens: 4, total_tokens: 4 } });
    return;
  }
  const chat = url === '/v1/chat/completions';
  if (req.method === 'POST' && (chat || url === '/v1/completions')) {
    const id = chat ? 'chatcmpl-test' : 'cmpl-test';
    const object = chat ? 'chat.completion' : 'text_completion';
    if (parsed['stream'] !== true) {
      const text = words.join('');
      json(res, 200, {
        id,
        object,
        created,
        model: MODEL,
        choices: [chat ? { index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop', logprobs: null } : { index: 0, text, finish_reason: 'stop', logprobs: null }],
        usage,
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    const chunkObject = chat ? 'chat.completion.chunk' : 'text_completion';
    const send = (v: unknown): void => {
      res.write(`data: ${JSON.stringify(v)}\n\n`);
    };
    if (chat) send({ id, object: chunkObject, created, model: MODEL, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] });
    for (let i = 0; i < words.length; i++) {
      if (o.chunkDelayMs !== undefined && i > 0) await sleep(o.chunkDelayMs);
      if (res.destroyed) return;
      const last = i === words.length - 1;
      const word = o.stampChunks === true ? `t=${process.hrtime.bigint()};` : words[i];
      send({ id, object: chunkObject, created, model: MODEL, choices: [chat ? { index: 0, delta: { content: word }, logprobs: null, finish_reason: last ? 'stop' : null } : { index: 0, text: word, logprobs: null, finish_reason: last ? 'stop' : null }] });
      o.onChunk?.(i, performance.now());
    }
    const so = parsed['stream_options'];
    if (so !== null && typeof so === 'object' && (so as Record<string, unknown>)['include_usage'] === true) send({ id, object: chunkObject, created, model: MODEL, choices: [], usage });
    res.end('data: [DONE]\n\n');
    return;
  }
  const infer = /^\/v2\/models\/([^/]+)(?:\/versions\/[^/]+)?\/infer$/.exec(url);
  if (req.method === 'POST' && infer !== null) {
    json(res, 200, { model_name: infer[1], outputs: [{ name: 'out', shape: [1], datatype: 'FP32', data: [0.5] }] });
    return;
  }
  if (req.method === 'GET' && /^\/v2\/(health\/(live|ready)|models\/[^/]+(\/ready)?)$/.test(url)) {
    json(res, 200, { ready: true });
    return;
  }
  json(res, 404, { error: { message: `no route ${req.method} ${url}`, type: 'not_found_error', param: null, code: null } });
}

/** Start the upstream on 127.0.0.1 (port 0: the OS picks one). */
export function startTestUpstream(o: TestUpstreamOptions = {}, port = 0): Promise<TestUpstream> {
  const seen: SeenRequest[] = [];
  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    void handleUpstream(req, res, o, seen);
  });
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      const a = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${a.port}`,
        port: a.port,
        server,
        seen,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
