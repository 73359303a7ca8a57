/**
 * The gateway on real sockets (loopback) in front of the test upstream: the official `openai` client
 * (streaming and not), hostile raw HTTP requests refused before the upstream sees them, authentication
 * by key and by client certificate, body caps while streaming, slow headers, SSE pass-through timing,
 * budgets with a fake store (429 + Retry-After, release with usage, release on abort), graceful
 * shutdown mid-stream.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { makeCert, tempDir } from '../../test-fixtures/admission/tls.js';
import type { Harness, HarnessOptions } from '../../test-fixtures/gateway/harness.js';
import { startGateway } from '../../test-fixtures/gateway/harness.js';
import type { BudgetDecision, BudgetStore, Reservation } from './budget/index.js';
import { sha256Hex } from './index.js';
import { gif, jpeg, png, webpLossless } from './media/test-utils.js';
import { SseResponseFilter, usageOfBody } from './stream/index.js';

/** Whether the real response filters are merged (the stub reports no usage). */
const realStream = usageOfBody({ usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }) !== undefined;

const running: Harness[] = [];
afterEach(async () => {
  for (const h of running.splice(0)) await h.stop();
});

async function gw(o: HarnessOptions = {}): Promise<Harness> {
  const h = await startGateway(o);
  running.push(h);
  return h;
}

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function raw(port: number, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, agent: false, headers: { authorization: 'Bearer key-a', ...(body !== undefined && { 'content-type': 'application/json' }), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const client = (h: Harness, key = 'key-a'): OpenAI => new OpenAI({ baseURL: `${h.base}/v1`, apiKey: key, maxRetries: 0 });

describe('the official openai client through the gateway', () => {
  it('chat (non-streaming and streaming), completions, embeddings, models', async () => {
    const h = await gw();
    const c = client(h);
    const chat = await c.chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'Say hello.' }], max_tokens: 20 });
    expect(chat.choices[0]?.message.content).toBe('Hello from the test model.');
    const stream = await c.chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'Say hello.' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: number | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage.total_tokens;
    }
    expect(text).toBe('Hello from the test model.');
    expect(usage).toBe(16);
    const comp = await c.completions.create({ model: 'test-model', prompt: 'Once upon a time', max_tokens: 10 });
    expect(comp.choices[0]?.text).toBe('Hello from the test model.');
    const compStream = await c.completions.create({ model: 'test-model', prompt: 'Once', max_tokens: 10, stream: true });
    let t2 = '';
    for await (const chunk of compStream) t2 += chunk.choices[0]?.text ?? '';
    expect(t2).toBe('Hello from the test model.');
    const emb = await c.embeddings.create({ model: 'test-model', input: ['a', 'b'] });
    expect(emb.data).toHaveLength(2);
    const models = await c.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['test-model']);
    // The tenant's key never reaches the upstream.
    expect(h.upstream.seen.every((s) => s.headers.authorization === undefined)).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    expect(h.audit.map((a) => a.action)).toEqual(['allow', 'allow', 'allow', 'allow', 'allow', 'allow']);
    expect(h.audit[0]).toMatchObject({ tenant: 'team-a', upstream: 'test', route: 'POST /v1/chat/completions', model: 'test-model', status: 200, tokens: { estimated: 8 + 10 + 20 } });
    if (realStream) expect(h.audit[0]?.tokens.used).toBe(16);
    expect(JSON.stringify(h.audit)).not.toContain('Say hello');
  });

  it('surfaces a refusal as the client\'s BadRequestError with the gateway\'s message', async () => {
    const h = await gw();
    const err = await client(h).chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'x' }], n: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).message).toContain('n is 1000; this gateway accepts at most 4 (maxN).');
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('field_limit');
    expect(h.upstream.seen).toHaveLength(0);
  });

  it('sends the upstream its own key', async () => {
    const h = await gw({ upstreamPolicy: { apiKey: 'upstream-secret' } });
    await client(h).models.list();
    expect(h.upstream.seen[0]?.headers.authorization).toBe('Bearer upstream-secret');
  });
});

describe('hostile requests are refused before the upstream sees them', () => {
  const chat = (extra: Record<string, unknown>): string => JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...extra });
  const dataUrl = (type: string, bytes: Uint8Array): string => `data:${type};base64,${Buffer.from(bytes).toString('base64')}`;
  const image = (url: string): string => JSON.stringify({ model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url } }] }] });
  const cases: [string, string, string, string | undefined, number][] = [
    ['huge n', 'POST', '/v1/chat/completions', chat({ n: 1_000_000 }), 400],
    ['huge best_of', 'POST', '/v1/completions', JSON.stringify({ model: 'm', prompt: 'x', best_of: 100_000 }), 400],
    ['huge max_tokens', 'POST', '/v1/chat/completions', chat({ max_tokens: 100_000_000 }), 400],
    ['huge logprobs', 'POST', '/v1/completions', JSON.stringify({ model: 'm', prompt: 'x', logprobs: 100_000 }), 400],
    ['huge top_logprobs', 'POST', '/v1/chat/completions', chat({ logprobs: true, top_logprobs: 100_000 }), 400],
    ['prompt_logprobs -1', 'POST', '/v1/completions', JSON.stringify({ model: 'm', prompt: 'x', prompt_logprobs: -1 }), 400],
    ['deep guided_json', 'POST', '/v1/chat/completions', chat({ guided_json: JSON.parse('{"a":'.repeat(20) + '1' + '}'.repeat(20)) as unknown }), 400],
    ['huge guided_grammar', 'POST', '/v1/chat/completions', chat({ guided_grammar: 'root ::= "a"\n'.repeat(5000) }), 400],
    ['huge logit_bias', 'POST', '/v1/chat/completions', chat({ logit_bias: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [String(i), 1])) }), 400],
    ['remote image', 'POST', '/v1/chat/completions', JSON.stringify({ model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://10.0.0.1/x.png' } }] }] }), 400],
    ['chat_template', 'POST', '/v1/chat/completions', chat({ chat_template: '{{ 7*7 }}' }), 400],
    ['deeply nested body', 'POST', '/v1/chat/completions', '['.repeat(5000) + ']'.repeat(5000), 400],
    ['not JSON', 'POST', '/v1/chat/completions', '{"model": ', 400],
    ['path traversal', 'POST', '/v1/../sleep', chat({}), 400],
    ['encoded traversal', 'POST', '/v1/%2e%2e/sleep', chat({}), 400],
    ['query trick', 'POST', '/v1/chat/completions?/../../sleep', chat({}), 400],
    // Giant images: the pixel dimensions come from the header bytes of the data: URL (a few bytes declare 100000×100000).
    ['giant PNG (header)', 'POST', '/v1/chat/completions', image(dataUrl('image/png', png(100_000, 100_000))), 400],
    ['giant JPEG (header)', 'POST', '/v1/chat/completions', image(dataUrl('image/jpeg', jpeg(30_000, 30_000))), 400],
    ['giant GIF (header)', 'POST', '/v1/chat/completions', image(dataUrl('image/gif', gif(65_535, 65_535))), 400],
    ['giant WebP (header)', 'POST', '/v1/chat/completions', image(dataUrl('image/webp', webpLossless(16_000, 16_000))), 400],
    ['too many images', 'POST', '/v1/chat/completions', JSON.stringify({ model: 'm', messages: [{ role: 'user', content: Array.from({ length: 20 }, () => ({ type: 'image_url', image_url: { url: dataUrl('image/png', png(8, 8)) } })) }] }), 400],
    ['remote video', 'POST', '/v1/chat/completions', JSON.stringify({ model: 'm', messages: [{ role: 'user', content: [{ type: 'video_url', video_url: { url: 'https://example.com/v.mp4' } }] }] }), 400],
    ['deep response_format schema', 'POST', '/v1/chat/completions', chat({ response_format: { type: 'json_schema', json_schema: { name: 's', schema: JSON.parse('{"type":"object","properties":{"a":'.repeat(20) + '{"type":"string"}' + '}}'.repeat(20)) as unknown } } }), 400],
    ['too many stop sequences', 'POST', '/v1/chat/completions', chat({ stop: Array.from({ length: 100 }, (_, i) => `s${i}`) }), 400],
    ['too many messages', 'POST', '/v1/chat/completions', JSON.stringify({ model: 'm', messages: Array.from({ length: 1000 }, () => ({ role: 'user', content: 'x' })) }), 400],
    ['mm_processor_kwargs', 'POST', '/v1/chat/completions', chat({ mm_processor_kwargs: { num_crops: 100000 } }), 400],
    ['huge prompt batch', 'POST', '/v1/completions', JSON.stringify({ model: 'm', prompt: Array.from({ length: 1000 }, () => 'x') }), 400],
  ];
  for (const route of ['/v1/load_lora_adapter', '/v1/unload_lora_adapter', '/sleep', '/wake_up', '/reset_prefix_cache', '/collective_rpc', '/start_profile', '/stop_profile', '/scale_elastic_ep', '/update_weights', '/metrics', '/server_info', '/tokenize', '/detokenize', '/invocations', '/pooling']) {
    cases.push([`admin route ${route}`, 'POST', route, '{}', 403]);
  }
  cases.push(['GET /metrics', 'GET', '/metrics', undefined, 403], ['GET /healthz', 'GET', '/healthz', undefined, 403]);

  it('refuses each pattern with a 4xx and a clear OpenAI error body; the upstream sees none', async () => {
    const h = await gw();
    for (const [name, method, path, body, status] of cases) {
      const r = await raw(h.port, method, path, body);
      expect(r.status, name).toBe(status);
      const e = (JSON.parse(r.body) as { error: { message: string; type: string; code: string } }).error;
      expect(e.message.length, name).toBeGreaterThan(20);
      expect(e.code, name).toMatch(/^[a-z_]+$/);
    }
    expect(h.upstream.seen).toHaveLength(0);
    expect(h.findings.length).toBe(cases.length);
    expect(h.findings.every((f) => f.ruleId.startsWith('gateway/') && f.location.kind === 'gateway-request')).toBe(true);
  });

  it('forwards the benign neighbours of those patterns (a small image, a shallow schema, a few stops)', async () => {
    const h = await gw();
    const ok = [
      image(dataUrl('image/png', png(512, 512))),
      image(dataUrl('image/jpeg', jpeg(1024, 768))),
      chat({ response_format: { type: 'json_schema', json_schema: { name: 's', schema: { type: 'object', properties: { a: { type: 'string' } } } } } }),
      chat({ stop: ['\n\nUser:', '###'], n: 2, max_tokens: 512, logprobs: true, top_logprobs: 5 }),
    ];
    for (const body of ok) expect((await raw(h.port, 'POST', '/v1/chat/completions', body)).status, body.slice(0, 80)).toBe(200);
    expect(h.upstream.seen).toHaveLength(ok.length);
  });

  it('refuses compressed bodies', async () => {
    const h = await gw();
    const r = await raw(h.port, 'POST', '/v1/chat/completions', chat({}), { 'content-encoding': 'gzip' });
    expect(r.status).toBe(415);
    expect(h.upstream.seen).toHaveLength(0);
  });
});

describe('authentication', () => {
  it('refuses missing and wrong keys, maps keys to tenants', async () => {
    const h = await gw();
    expect((await raw(h.port, 'GET', '/v1/models', undefined, { authorization: '' })).status).toBe(401);
    const wrong = await raw(h.port, 'GET', '/v1/models', undefined, { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain('authentication_error');
    expect((await raw(h.port, 'GET', '/v1/models', undefined, { authorization: 'Bearer key-b' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 20));
    expect(h.audit.at(-1)?.tenant).toBe('team-b');
    expect(h.upstream.seen).toHaveLength(1);
  });

  it('maps a verified client certificate to its tenant (mTLS)', async () => {
    const dir = tempDir('bulwark-gw-');
    const server = makeCert(dir, 'server');
    const ca = join(dir, 'ca');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.crt`, '-days', '2', '-subj', '/CN=test client CA'], { stdio: 'ignore' });
    const cl = join(dir, 'client');
    execFileSync('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${cl}.key`, '-out', `${cl}.csr`, '-subj', '/CN=svc-b'], { stdio: 'ignore' });
    execFileSync('openssl', ['x509', '-req', '-in', `${cl}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${cl}.crt`, '-days', '2'], { stdio: 'ignore' });
    const h = await gw({ tenants: [{ name: 'team-b', identities: ['cn:svc-b'] }], server: { plainHttp: false, tls: { certFile: server.certFile, keyFile: server.keyFile }, clientCaFile: `${ca}.crt` } });
    const get = (withCert: boolean): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = httpsRequest({ host: '127.0.0.1', port: h.port, path: '/v1/models', ca: server.cert, servername: 'localhost', agent: false, ...(withCert && { cert: readFileSync(`${cl}.crt`), key: readFileSync(`${cl}.key`) }) }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end();
      });
    expect(await get(true)).toBe(200);
    expect(await get(false)).toBe(401);
    await new Promise((r) => setTimeout(r, 20));
    expect(h.audit.find((a) => a.status === 200)?.tenant).toBe('team-b');
  });
});

describe('caps and timeouts on the wire', () => {
  it('answers 413 at the body cap while a slow client is still sending', async () => {
    const h = await gw();
    const cap = 16 * 1024 * 1024;
    const s = connect(h.port, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    s.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer key-a\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n`);
    let answer = '';
    s.on('data', (c: Buffer) => (answer += c.toString('latin1')));
    s.on('error', () => undefined);
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    const t0 = Date.now();
    let sent = 0;
    while (answer === '' && Date.now() - t0 < 10_000 && !s.destroyed) {
      s.write(`${chunk.length.toString(16)}\r\n`);
      s.write(chunk);
      s.write('\r\n');
      sent += chunk.length;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(answer.startsWith('HTTP/1.1 413')).toBe(true);
    expect(answer).toContain('request_too_large');
    expect(sent).toBeLessThan(cap + 8 * chunk.length);
    s.destroy();
    expect(h.upstream.seen).toHaveLength(0);
  });

  it('refuses a declared Content-Length above the cap before reading', async () => {
    const h = await gw();
    const s = connect(h.port, '127.0.0.1');
    let answer = '';
    s.on('data', (c: Buffer) => (answer += c.toString('latin1')));
    s.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer key-a\r\ncontent-type: application/json\r\ncontent-length: 100000000\r\n\r\n{"model":`);
    await new Promise((r) => setTimeout(r, 200));
    expect(answer.startsWith('HTTP/1.1 413')).toBe(true);
    s.destroy();
  });

  it('closes a connection whose headers arrive too slowly (slowloris)', async () => {
    const h = await gw();
    const s = connect(h.port, '127.0.0.1');
    let answer = '';
    s.on('data', (c: Buffer) => (answer += c.toString('latin1')));
    s.write('POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n');
    const closed = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 4000);
      s.on('close', () => {
        clearTimeout(t);
        resolve(true);
      });
      const drip = setInterval(() => (s.destroyed ? clearInterval(drip) : s.write('x-a: b\r\n')), 200);
    });
    expect(closed).toBe(true);
    expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
  });
});

describe('SSE pass-through', () => {
  // The leak filter holds back at most its window of generated text (holdBackChars, enlarged to the
  // longest pattern): a chunk reaches the client as soon as that much newer text has been written
  // after it, never later, and the rest at the end of the stream.
  it('delivers each chunk as soon as the hold-back window of newer text has passed, not later', async () => {
    const words = Array.from({ length: 16 }, (_, i) => `w${String(i).padStart(2, '0')}-${'x'.repeat(36)} `);
    const writes: number[] = [];
    const holdBackChars = 64;
    const h = await gw({ upstream: { words, chunkDelayMs: 80, onChunk: (i, at) => (writes[i] = at) }, settings: { holdBackChars } });
    const window = new SseResponseFilter({ rules: { canaries: ['CANARY-7f3a9'], protectedTexts: [], secrets: true }, holdBackChars }).holdBackChars;
    const arrivals: number[] = [];
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: h.port, method: 'POST', path: '/v1/chat/completions', agent: false, headers: { authorization: 'Bearer key-a', 'content-type': 'application/json' } }, (res) => {
        let buf = '';
        res.on('data', (c: Buffer) => {
          buf += c.toString('utf8');
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const ev = buf.slice(0, i);
            buf = buf.slice(i + 2);
            if (ev.includes('"content":"') && !ev.includes('"content":""')) arrivals.push(performance.now());
          }
        });
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end(JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true }));
    });
    expect(arrivals).toHaveLength(words.length);
    let released = 0;
    for (let i = 0; i < words.length; i++) {
      // The first write after which more than `window` characters follow chunk i's text.
      let after = 0;
      let j = i + 1;
      while (j < words.length && after <= window) after += (words[j++] ?? '').length;
      if (after <= window) continue; // released at the end of the stream
      released++;
      expect((arrivals[i] ?? 0) - (writes[j - 1] ?? 0), `chunk ${i}`).toBeLessThan(60);
    }
    expect(released).toBeGreaterThan(8);
  });
});

class FakeBudgets implements BudgetStore {
  readonly kind = 'memory' as const;
  refuse = false;
  acquired: { tenant: string; tokens: number }[] = [];
  released: { reservation: Reservation; used: number | undefined }[] = [];
  acquire(tenant: string, estimateTokens: number): Promise<BudgetDecision> {
    if (this.refuse) return Promise.resolve({ ok: false, reason: 'tokens', retryAfterMs: 2500 });
    this.acquired.push({ tenant, tokens: estimateTokens });
    return Promise.resolve({ ok: true, reservation: { tenant, tokens: estimateTokens, id: String(this.acquired.length) } });
  }
  release(reservation: Reservation, used: number | undefined): Promise<void> {
    this.released.push({ reservation, used });
    return Promise.resolve();
  }
  healthy(): boolean {
    return true;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

describe('budgets', () => {
  it('answers 429 with Retry-After on refusal, and never forwards', async () => {
    const budgets = new FakeBudgets();
    budgets.refuse = true;
    const h = await gw({ budgets });
    const r = await raw(h.port, 'POST', '/v1/chat/completions', JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }));
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('3');
    expect(r.body).toContain('rate_limit_error');
    expect(h.upstream.seen).toHaveLength(0);
  });

  it('reserves the estimate and releases with the usage (JSON and SSE)', async () => {
    const budgets = new FakeBudgets();
    const h = await gw({ budgets });
    await raw(h.port, 'POST', '/v1/chat/completions', JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 50 }));
    expect(budgets.acquired[0]).toEqual({ tenant: 'team-a', tokens: 8 + 2 + 50 });
    // Settled from the response's usage (src/gateway/stream usageOfBody; the stub reports none).
    expect(budgets.released[0]?.used).toBe(realStream ? 16 : undefined);
    await raw(h.port, 'GET', '/v1/models');
    expect(budgets.released).toHaveLength(2);
  });

  it('releases when the client aborts mid-stream, and aborts the upstream', async () => {
    const budgets = new FakeBudgets();
    const h = await gw({ budgets, upstream: { chunkDelayMs: 100, words: Array.from({ length: 50 }, (_, i) => ` w${i}`) } });
    await new Promise<void>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port: h.port, method: 'POST', path: '/v1/chat/completions', agent: false, headers: { authorization: 'Bearer key-a', 'content-type': 'application/json' } }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      req.end(JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true }));
    });
    const t0 = Date.now();
    while (budgets.released.length === 0 && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 20));
    expect(budgets.released).toHaveLength(1);
    expect(h.handle.inFlight()).toBe(0);
  });

  it('releases on upstream failure (502)', async () => {
    const budgets = new FakeBudgets();
    const h = await gw({ budgets });
    await h.upstream.close();
    const r = await raw(h.port, 'POST', '/v1/chat/completions', JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }));
    expect(r.status).toBe(502);
    expect(r.body).toContain('upstream_error');
    expect(budgets.released).toHaveLength(1);
  });
});

describe('graceful shutdown', () => {
  it('finishes a stream in flight, then stops', async () => {
    const h = await gw({ upstream: { chunkDelayMs: 80 } });
    const done = new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: h.port, method: 'POST', path: '/v1/chat/completions', agent: false, headers: { authorization: 'Bearer key-a', 'content-type': 'application/json' } }, (res) => {
        let body = '';
        res.once('data', () => void h.server.shutdown('test'));
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true }));
    });
    const body = await done;
    expect(body).toContain('data: [DONE]');
    await h.server.shutdown('test');
    await expect(raw(h.port, 'GET', '/v1/models')).rejects.toThrow();
  });
});

describe('tenant keys from sha256', () => {
  it('sha256Hex matches openssl', () => {
    expect(sha256Hex('key-a')).toBe(execFileSync('sh', ['-c', 'printf %s key-a | openssl dgst -sha256 -r']).toString().split(' ')[0]);
  });
});
