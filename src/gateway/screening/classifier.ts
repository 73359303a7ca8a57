import { request } from 'undici';
import type { ExternalClassifier, HttpClassifierOptions } from './index.js';

/** Largest classifier answer read by default (bytes). */
export const DEFAULT_MAX_RESPONSE_BYTES = 65_536;

export type ClassifierErrorCode = 'timeout' | 'aborted' | 'transport' | 'http-status' | 'oversize' | 'malformed';

/** Why an external classifier call failed; the gateway decides what a failure means (fail open or closed). */
export class ClassifierError extends Error {
  override readonly name = 'ClassifierError';
  constructor(
    readonly code: ClassifierErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Validate a classifier answer: `{"score": 0..1, "label"?: string}`. */
export function parseClassifierAnswer(raw: string): { readonly score: number; readonly label?: string } {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (cause) {
    throw new ClassifierError('malformed', 'external classifier answered with invalid JSON', { cause });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ClassifierError('malformed', 'external classifier answer is not a JSON object');
  const o = v as Record<string, unknown>;
  const score = o['score'];
  if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 1) {
    throw new ClassifierError('malformed', 'external classifier answer has no "score" number between 0 and 1');
  }
  const label = o['label'];
  if (label !== undefined && typeof label !== 'string') throw new ClassifierError('malformed', 'external classifier "label" is not a string');
  return label === undefined ? { score } : { score, label: label.slice(0, 256) };
}

/**
 * A model behind HTTP: POST `{"text": ...}` with `content-type: application/json`; the answer must be
 * 2xx with `{"score": 0..1, "label"?: "..."}`. The call is bounded by `timeoutMs` and by the caller's
 * signal, and at most `maxResponseBytes` of the answer are read.
 */
export function createHttpClassifier(options: HttpClassifierOptions): ExternalClassifier {
  const url = new URL(options.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ClassifierError('transport', `external classifier URL must be http(s): ${url.protocol}`);
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const timeoutMs = options.timeoutMs;
  return {
    async classify(text: string, signal: AbortSignal) {
      // One controller per call, tied to the caller's signal and the deadline, released when the call ends
      // (so no timer or listener outlives it and aborts an already finished body).
      const ac = new AbortController();
      const state = { timedOut: false };
      const timer = setTimeout(() => {
        state.timedOut = true;
        ac.abort(new ClassifierError('timeout', 'external classifier did not answer in time'));
      }, timeoutMs);
      const onAbort = (): void => ac.abort(signal.reason);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      try {
        let res;
        try {
          res = await request(url, {
            method: 'POST',
            headers: { ...options.headers, 'content-type': 'application/json', accept: 'application/json' },
            body: JSON.stringify({ text }),
            signal: ac.signal,
            headersTimeout: timeoutMs,
            bodyTimeout: timeoutMs,
          });
        } catch (cause) {
          throw failure(cause, state.timedOut, signal);
        }
        res.body.on('error', () => undefined);
        if (res.statusCode < 200 || res.statusCode > 299) {
          res.body.destroy();
          throw new ClassifierError('http-status', `external classifier answered HTTP ${res.statusCode}`);
        }
        const chunks: Buffer[] = [];
        let size = 0;
        try {
          for await (const chunk of res.body) {
            const b = chunk as Buffer;
            size += b.length;
            if (size > maxBytes) {
              res.body.destroy();
              throw new ClassifierError('oversize', `external classifier answer exceeds ${maxBytes} bytes`);
            }
            chunks.push(b);
          }
        } catch (cause) {
          if (cause instanceof ClassifierError) throw cause;
          throw failure(cause, state.timedOut, signal);
        }
        return parseClassifierAnswer(Buffer.concat(chunks).toString('utf8'));
      } finally {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      }
    },
  };
}

function failure(cause: unknown, timedOut: boolean, caller: AbortSignal): ClassifierError {
  if (cause instanceof ClassifierError) return cause;
  if (caller.aborted) return new ClassifierError('aborted', 'external classifier call aborted by the caller', { cause });
  const code = (cause as { code?: unknown } | null)?.code;
  if (timedOut || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new ClassifierError('timeout', 'external classifier did not answer in time', { cause });
  }
  return new ClassifierError('transport', `external classifier unreachable: ${(cause as Error | null)?.message ?? String(cause)}`, { cause });
}
