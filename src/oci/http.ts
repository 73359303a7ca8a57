/**
 * The HTTP transport of the registry client, on node:http/node:https (for CA control, no dependency):
 * bounded body reads, retries with exponential backoff on 429/5xx and network errors (honouring
 * Retry-After, bounded attempts), redirects (Authorization never follows to another origin), and the
 * plain-HTTP rule (loopback hosts only).
 */
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { BulwarkError, LimitExceededError } from '../findings/index.js';
import { isLoopbackHost } from './reference.js';

export interface RequestBody {
  readonly length: number;
  /** A fresh body each time (a retry sends it again). */
  open(): Buffer | Readable;
}

export interface TransportOptions {
  /** Extra trusted CA certificates (PEM), added to Node's roots. */
  readonly ca?: Buffer;
  /** Attempts per request (first try included) on 429, 5xx and network errors. Default 4. */
  readonly maxAttempts?: number;
  /** First backoff delay; doubled per attempt. Default 250 ms. */
  readonly retryBaseMs?: number;
  /** Upper bound on one wait, Retry-After included. Default 30 s. */
  readonly maxRetryDelayMs?: number;
  /** Socket idle timeout. Default 120 s. */
  readonly timeoutMs?: number;
  readonly userAgent?: string;
}

export interface SendRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers?: OutgoingHttpHeaders;
  readonly body?: RequestBody;
}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;
/** Network errors that another attempt cannot fix (TLS trust, unknown host): not retried. */
const PERMANENT_ERRORS = new Set([
  'ENOTFOUND',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);
const TLS_TRUST_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/;

/** Retry-After: seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Read a whole body, refusing more than `max` bytes (checked against Content-Length first). */
export async function readBody(res: IncomingMessage, max: number, limitName: string, what: string): Promise<Buffer> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    res.destroy();
    throw new LimitExceededError(limitName, max, `${what} is ${declared} bytes, larger than ${limitName} (${max} bytes)`);
  }
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of res) {
    const b = chunk as Buffer;
    n += b.length;
    if (n > max) {
      res.destroy();
      throw new LimitExceededError(limitName, max, `${what} is larger than ${limitName} (${max} bytes)`);
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks, n);
}

/** Consume and drop a body (bounded), so the connection can be reused. */
export async function drain(res: IncomingMessage): Promise<void> {
  let n = 0;
  try {
    for await (const chunk of res) {
      n += (chunk as Buffer).length;
      if (n > 1024 * 1024) {
        res.destroy();
        return;
      }
    }
  } catch {
    // nothing to keep
  }
}

export class Transport {
  private readonly httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 8 });
  private readonly httpsAgent: HttpsAgent;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly timeoutMs: number;
  private readonly userAgent: string;

  constructor(options: TransportOptions = {}) {
    const ca = options.ca === undefined ? undefined : [...rootCertificates, options.ca.toString('latin1')];
    this.httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 8, ...(ca !== undefined && { ca }) });
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.retryBaseMs = options.retryBaseMs ?? 250;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.userAgent = options.userAgent ?? 'bulwark';
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  /** Refuse plain HTTP to anything but a loopback host (also for redirects and token realms). */
  static checkScheme(url: URL): void {
    if (url.protocol === 'https:') return;
    if (url.protocol === 'http:' && isLoopbackHost(url.hostname.replace(/^\[|\]$/g, ''))) return;
    throw new BulwarkError('USAGE', `refusing ${url.protocol.replace(':', '')} to ${url.host}: plain HTTP is allowed only for loopback registries`);
  }

  private sendOnce(r: SendRequest): Promise<IncomingMessage> {
    Transport.checkScheme(r.url);
    const isHttps = r.url.protocol === 'https:';
    const headers: OutgoingHttpHeaders = { 'user-agent': this.userAgent, ...r.headers };
    if (r.body !== undefined) headers['content-length'] = r.body.length;
    else if (r.method === 'PUT' || r.method === 'POST' || r.method === 'PATCH') headers['content-length'] = 0;
    return new Promise((resolve, reject) => {
      const req = (isHttps ? httpsRequest : httpRequest)(
        r.url,
        { method: r.method, headers, agent: isHttps ? this.httpsAgent : this.httpAgent, timeout: this.timeoutMs },
        (res) => resolve(res),
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no response within ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      if (r.body === undefined) {
        req.end();
        return;
      }
      const body = r.body.open();
      if (Buffer.isBuffer(body)) req.end(body);
      else {
        body.on('error', (e) => req.destroy(e));
        body.pipe(req);
      }
    });
  }

  /**
   * Send with retries (429/5xx/network errors, bounded attempts, Retry-After honoured) and redirects.
   * `authorize(url)` gives the Authorization header for a URL (none for another origin after a redirect).
   */
  async send(r: SendRequest, authorize: (url: URL) => string | undefined): Promise<IncomingMessage> {
    let url = r.url;
    let method = r.method;
    let redirects = 0;
    const origin = r.url.origin;
    for (let attempt = 1; ; attempt++) {
      const auth = url.origin === origin ? authorize(url) : undefined;
      const headers: OutgoingHttpHeaders = { ...r.headers };
      if (auth !== undefined) headers['authorization'] = auth;
      let res: IncomingMessage;
      try {
        res = await this.sendOnce({ method, url, headers, ...(r.body !== undefined && method === r.method && { body: r.body }) });
      } catch (e) {
        if (e instanceof BulwarkError) throw e;
        const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
        const permanent = PERMANENT_ERRORS.has(code);
        if (!permanent && attempt < this.maxAttempts) {
          await sleep(this.backoff(attempt, undefined));
          continue;
        }
        const hint = TLS_TRUST_ERRORS.test(code) ? ' (the registry\'s TLS certificate is not trusted: --ca-file CA.pem)' : '';
        throw new BulwarkError('IO', `registry ${url.host}: ${method} ${url.pathname}: ${code}${hint}${permanent ? '' : ` (after ${attempt} attempt${attempt > 1 ? 's' : ''})`}`, { cause: e });
      }
      const status = res.statusCode ?? 0;
      if (RETRY_STATUS.has(status) && attempt < this.maxAttempts) {
        const after = retryAfterMs(res.headers['retry-after']);
        await drain(res);
        await sleep(this.backoff(attempt, after));
        continue;
      }
      if (REDIRECT_STATUS.has(status) && (method === 'GET' || method === 'HEAD') && res.headers.location !== undefined) {
        await drain(res);
        if (++redirects > MAX_REDIRECTS) throw new BulwarkError('IO', `registry ${r.url.host}: more than ${MAX_REDIRECTS} redirects`);
        url = new URL(res.headers.location, url);
        Transport.checkScheme(url);
        if (status === 303) method = 'GET';
        attempt = 0; // a redirect is not a failed attempt
        continue;
      }
      return res;
    }
  }

  private backoff(attempt: number, retryAfter: number | undefined): number {
    const exp = this.retryBaseMs * 2 ** (attempt - 1);
    const jitter = Math.floor(Math.random() * (this.retryBaseMs / 2 + 1));
    return Math.min(this.maxRetryDelayMs, Math.max(exp + jitter, retryAfter ?? 0));
  }
}
