/**
 * The pure request checks (no I/O): headers, the JSON body's nesting depth on the bytes before
 * JSON.parse, then the field clamps of the route (OpenAI chat / completions / embeddings, KServe v2
 * infer), media, user-supplied templates, prompt-injection screening and the token estimate. Each
 * refusal names the field and the limit; the first problem found is the answer.
 *
 * The clamps come from vLLM's denial-of-service advisories (docs/gateway.md cites them): a request
 * that would be refused here costs the GPU server nothing.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { base64DecodedLength, parseDataUrl, readImageHeader } from './media/index.js';
import type { FieldLimits, RouteLimits, RoutePolicy } from './policy.js';
import type { Refusal } from './refusal.js';
import { overLimit, refusal } from './refusal.js';
import type { ScreeningResult } from './screening/index.js';
import { screenText } from './screening/index.js';
import type { TokenCounter, TokenEstimate } from './tokens.js';
import { estimateTokens } from './tokens.js';

export interface Flag {
  readonly rule: 'gateway/prompt-injection';
  readonly message: string;
  readonly score: number;
}

export interface Checked {
  readonly ok: true;
  readonly flags: readonly Flag[];
  readonly model?: string;
  readonly stream: boolean;
  readonly estimate: TokenEstimate;
  /** Highest screening score over the screened texts (0 when screening is off or nothing was screened). */
  readonly screeningScore: number;
  /** Pattern families that matched (for the audit log; never the text). */
  readonly screeningHits: readonly string[];
  /** The screened texts (for an external classifier). */
  readonly screened: readonly string[];
}

export type CheckResult = Checked | { readonly ok: false; readonly refusal: Refusal };

export interface CheckContext {
  readonly tokenizer?: TokenCounter;
  /** Replace the screener (tests); default `screenText`. */
  readonly screen?: (text: string) => ScreeningResult;
}

// ---- headers and bytes -------------------------------------------------------------------------------

/** Content type and encoding of a request with a body. */
export function checkHeaders(headers: IncomingHttpHeaders, hasBody: boolean): Refusal | undefined {
  const enc = headers['content-encoding'];
  if (enc !== undefined && enc !== '' && enc.toLowerCase() !== 'identity') return refusal(415, 'gateway/malformed-request', `Content-Encoding ${JSON.stringify(enc.slice(0, 40))} is not accepted: send the request body uncompressed.`, null);
  if (!hasBody) return undefined;
  const ct = headers['content-type'];
  if (ct === undefined || !ct.toLowerCase().startsWith('application/json')) return refusal(415, 'gateway/malformed-request', `Content-Type must be application/json, got ${JSON.stringify((ct ?? '').slice(0, 60))}.`, null);
  return undefined;
}

/** Nesting depth of JSON bytes, without parsing: stops counting once `max` is exceeded (returns max + 1). */
export function jsonDepth(bytes: Uint8Array, max: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i] as number;
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > max) return deepest;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/** Depth check on the bytes, then JSON.parse; the body must be a JSON object. */
export function parseJsonBody(bytes: Uint8Array, limits: RouteLimits): { ok: true; value: Record<string, unknown> } | { ok: false; refusal: Refusal } {
  if (jsonDepth(bytes, limits.maxJsonDepth) > limits.maxJsonDepth) {
    return { ok: false, refusal: refusal(400, 'gateway/request-too-large', `The JSON body is nested deeper than ${limits.maxJsonDepth} levels (maxJsonDepth).`) };
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    return { ok: false, refusal: refusal(400, 'gateway/malformed-request', 'The request body is not valid JSON.') };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, refusal: refusal(400, 'gateway/malformed-request', 'The request body must be a JSON object.') };
  return { ok: true, value: value as Record<string, unknown> };
}

// ---- helpers -----------------------------------------------------------------------------------------

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function notType(param: string, what: string): Refusal {
  return refusal(400, 'gateway/field-limit', `${param} must be ${what}.`, param);
}

/** An integer field: undefined/null pass; a number above `max` is refused; anything else is malformed. */
function intField(body: Record<string, unknown>, param: string, max: number, limit: string): Refusal | undefined {
  const v = body[param];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) return notType(param, 'an integer');
  if (v > max) return overLimit(param, v, max, limit);
  return undefined;
}

function valueDepth(v: unknown, depth: number, max: number): number {
  if (depth > max || v === null || typeof v !== 'object') return depth;
  let deepest = depth + 1;
  if (Array.isArray(v)) {
    for (const x of v) deepest = Math.max(deepest, valueDepth(x, depth + 1, max));
  } else {
    for (const k in v) deepest = Math.max(deepest, valueDepth((v as Record<string, unknown>)[k], depth + 1, max));
  }
  return deepest;
}

function stringDepth(s: string, max: number): number {
  return jsonDepth(Buffer.from(s, 'utf8'), max);
}

const SCHEMA_FIELDS = ['guided_json', 'guided_regex', 'guided_grammar', 'guided_choice', 'structured_outputs'] as const;
const TEMPLATE_FIELDS = ['chat_template', 'chat_template_kwargs', 'mm_processor_kwargs'] as const;
/** Fields whose content the server deserialises or executes: never forwarded. */
const REFUSED_FIELDS = ['prompt_embeds', 'logits_processors'] as const;

function schemaCheck(param: string, v: unknown, f: FieldLimits): Refusal | undefined {
  if (v === undefined || v === null) return undefined;
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > f.maxSchemaBytes) return overLimit(param, bytes, f.maxSchemaBytes, 'maxSchemaBytes', 'size in bytes');
  const depth = typeof v === 'string' ? stringDepth(v, f.maxSchemaDepth) : valueDepth(v, 0, f.maxSchemaDepth);
  if (depth > f.maxSchemaDepth) return refusal(400, 'gateway/field-limit', `${param} is nested more than ${f.maxSchemaDepth} levels deep; this gateway accepts at most ${f.maxSchemaDepth} (maxSchemaDepth).`, param);
  return undefined;
}

/** Decoded size of a base64 payload: the media helper's exact count, else the upper bound 3/4 of the length. */
function decodedSize(b64: string): number {
  return base64DecodedLength(b64) ?? Math.ceil(b64.length / 4) * 3;
}

type MediaKind = 'image' | 'audio' | 'video';

function mediaUrlCheck(param: string, url: unknown, kind: MediaKind, f: FieldLimits): Refusal | undefined {
  if (typeof url !== 'string') return notType(param, 'a URL string');
  if (url.startsWith('data:')) {
    const comma = url.indexOf(',');
    const size = comma < 0 ? 0 : decodedSize(url.slice(comma + 1));
    if (size > f.maxMediaBytes) return refusal(400, 'gateway/media-limit', `${param} decodes to ${size} bytes; this gateway accepts at most ${f.maxMediaBytes} per media item (maxMediaBytes).`, param);
    if (kind !== 'image') return undefined;
    const d = parseDataUrl(url);
    if (!d.ok) return refusal(400, 'gateway/media-limit', `${param} is not a well-formed base64 data URL (${d.reason}).`, param);
    if (!d.mediaType.toLowerCase().startsWith('image/')) return refusal(400, 'gateway/media-limit', `${param} declares media type ${JSON.stringify(d.mediaType.slice(0, 40))}; an image is expected.`, param);
    const h = readImageHeader(d.head);
    if (!h.ok) return refusal(400, 'gateway/media-limit', `${param} is not a PNG, JPEG, WebP or GIF image whose dimensions can be read from its header (${h.reason}).`, param);
    const side = Math.max(h.width, h.height);
    if (side > f.maxImageSide) return refusal(400, 'gateway/media-limit', `${param} is ${h.width}x${h.height} pixels; this gateway accepts at most ${f.maxImageSide} pixels per side (maxImageSide).`, param);
    if (h.width * h.height > f.maxImagePixels) return refusal(400, 'gateway/media-limit', `${param} has ${h.width * h.height} pixels; this gateway accepts at most ${f.maxImagePixels} (maxImagePixels).`, param);
    if (h.frames !== undefined && h.frames > 1) return refusal(400, 'gateway/media-limit', `${param} is an animated image of ${h.frames} frames; this gateway accepts still images only.`, param);
    return undefined;
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return refusal(400, 'gateway/remote-media', `${param} is neither a data: URL nor a valid URL.`, param);
  }
  if ((u.protocol === 'https:' || u.protocol === 'http:') && f.mediaHosts.includes(u.hostname.toLowerCase())) return undefined;
  return refusal(400, 'gateway/remote-media', `${param} points to ${u.protocol === 'file:' ? 'a local file' : `host ${JSON.stringify(u.hostname.slice(0, 80))}`}; the upstream would fetch it, and only inline data: URLs${f.mediaHosts.length > 0 ? ' or the allowlisted media hosts' : ''} are accepted (mediaHosts).`, param);
}

// ---- the body walk -----------------------------------------------------------------------------------

interface Walk {
  readonly texts: string[];
  /** Texts the screener reads (user and tool messages, prompts). */
  readonly screened: string[];
  messages: number;
  images: number;
  audio: number;
  videos: number;
  chars: number;
}

function partsCheck(param: string, parts: unknown[], screen: boolean, w: Walk, f: FieldLimits): Refusal | undefined {
  if (parts.length > f.maxContentParts) return overLimit(param, parts.length, f.maxContentParts, 'maxContentParts', 'has parts:');
  for (let j = 0; j < parts.length; j++) {
    const p = parts[j];
    const at = `${param}[${j}]`;
    if (!isObject(p)) return notType(at, 'an object');
    const type = p['type'];
    if (type === 'text' || type === 'refusal') {
      const t = p[type];
      if (typeof t !== 'string') return notType(`${at}.${type}`, 'a string');
      addText(w, t, screen);
    } else if (type === 'image_url') {
      if (++w.images > f.maxImages) return refusal(400, 'gateway/media-limit', `The request has more than ${f.maxImages} images; this gateway accepts at most ${f.maxImages} (maxImages).`, at);
      const iu = p['image_url'];
      const r = mediaUrlCheck(`${at}.image_url.url`, isObject(iu) ? iu['url'] : iu, 'image', f);
      if (r !== undefined) return r;
    } else if (type === 'input_audio' || type === 'audio_url') {
      if (++w.audio > f.maxAudio) return refusal(400, 'gateway/media-limit', `The request has more than ${f.maxAudio} audio items; this gateway accepts at most ${f.maxAudio} (maxAudio).`, at);
      if (type === 'input_audio') {
        const a = p['input_audio'];
        const data = isObject(a) ? a['data'] : undefined;
        if (typeof data !== 'string') return notType(`${at}.input_audio.data`, 'a base64 string');
        const size = decodedSize(data);
        if (size > f.maxMediaBytes) return refusal(400, 'gateway/media-limit', `${at}.input_audio.data decodes to ${size} bytes; this gateway accepts at most ${f.maxMediaBytes} per media item (maxMediaBytes).`, `${at}.input_audio.data`);
      } else {
        const au = p['audio_url'];
        const r = mediaUrlCheck(`${at}.audio_url.url`, isObject(au) ? au['url'] : au, 'audio', f);
        if (r !== undefined) return r;
      }
    } else if (type === 'video_url') {
      if (++w.videos > f.maxVideos) return refusal(400, 'gateway/media-limit', `The request has ${w.videos} video items; this gateway accepts at most ${f.maxVideos} (maxVideos).`, at);
      const vu = p['video_url'];
      const r = mediaUrlCheck(`${at}.video_url.url`, isObject(vu) ? vu['url'] : vu, 'video', f);
      if (r !== undefined) return r;
    } else {
      return refusal(400, 'gateway/field-limit', `${at}.type ${JSON.stringify(String(type).slice(0, 40))} is not accepted; this gateway accepts text, image_url, input_audio, audio_url and video_url parts.`, `${at}.type`);
    }
  }
  return undefined;
}

function addText(w: Walk, t: string, screen: boolean): void {
  w.texts.push(t);
  w.chars += t.length;
  if (screen) w.screened.push(t);
}

function messagesCheck(body: Record<string, unknown>, w: Walk, f: FieldLimits): Refusal | undefined {
  const msgs = body['messages'];
  if (!Array.isArray(msgs)) return notType('messages', 'an array of messages');
  if (msgs.length > f.maxMessages) return overLimit('messages', msgs.length, f.maxMessages, 'maxMessages', 'has entries:');
  w.messages = msgs.length;
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i];
    const at = `messages[${i}]`;
    if (!isObject(m)) return notType(at, 'an object');
    const role = m['role'];
    const screen = role === 'user' || role === 'tool' || role === 'function';
    const c = m['content'];
    if (typeof c === 'string') addText(w, c, screen);
    else if (Array.isArray(c)) {
      const r = partsCheck(`${at}.content`, c, screen, w, f);
      if (r !== undefined) return r;
    } else if (c !== undefined && c !== null) return notType(`${at}.content`, 'a string or an array of parts');
    const calls = m['tool_calls'];
    if (Array.isArray(calls)) {
      for (const call of calls) {
        const fn = isObject(call) ? call['function'] : undefined;
        const args = isObject(fn) ? fn['arguments'] : undefined;
        if (typeof args === 'string') addText(w, args, false);
      }
    }
  }
  return undefined;
}

/** `prompt` (completions) or `input` (embeddings): string | string[] | number[] | number[][]. */
function promptCheck(param: string, v: unknown, w: Walk, f: FieldLimits): Refusal | undefined {
  if (typeof v === 'string') {
    addText(w, v, true);
    return undefined;
  }
  if (!Array.isArray(v)) return notType(param, 'a string, an array of strings or an array of token ids');
  if (v.length === 0) return undefined;
  if (typeof v[0] === 'number') {
    if (v.length > f.maxPromptTokenIds) return overLimit(param, v.length, f.maxPromptTokenIds, 'maxPromptTokenIds', 'has token ids:');
    w.chars += v.length;
    return undefined;
  }
  if (v.length > f.maxPromptBatch) return overLimit(param, v.length, f.maxPromptBatch, 'maxPromptBatch', 'has prompts:');
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x === 'string') addText(w, x, true);
    else if (Array.isArray(x)) {
      if (x.length > f.maxPromptTokenIds) return overLimit(`${param}[${i}]`, x.length, f.maxPromptTokenIds, 'maxPromptTokenIds', 'has token ids:');
      w.chars += x.length;
    } else return notType(`${param}[${i}]`, 'a string or an array of token ids');
  }
  return undefined;
}

function tokenIdCount(v: unknown): number {
  if (!Array.isArray(v) || v.length === 0) return 0;
  if (typeof v[0] === 'number') return v.length;
  let n = 0;
  for (const x of v) if (Array.isArray(x)) n += x.length;
  return n;
}

function samplingChecks(body: Record<string, unknown>, kind: RoutePolicy['kind'], f: FieldLimits): Refusal | undefined {
  for (const k of REFUSED_FIELDS) if (body[k] !== undefined && body[k] !== null) return refusal(400, 'gateway/field-limit', `${k} is not accepted: the server would deserialise or load it.`, k);
  let r = intField(body, 'n', f.maxN, 'maxN') ?? intField(body, 'best_of', f.maxBestOf, 'maxBestOf') ?? intField(body, 'max_tokens', f.maxCompletionTokens, 'maxCompletionTokens') ?? intField(body, 'max_completion_tokens', f.maxCompletionTokens, 'maxCompletionTokens') ?? intField(body, 'top_logprobs', f.maxLogprobs, 'maxLogprobs');
  if (r !== undefined) return r;
  if (kind === 'completions') r = intField(body, 'logprobs', f.maxLogprobs, 'maxLogprobs');
  else if (body['logprobs'] !== undefined && body['logprobs'] !== null && typeof body['logprobs'] !== 'boolean') r = notType('logprobs', 'a boolean');
  if (r !== undefined) return r;
  const pl = body['prompt_logprobs'];
  if (pl !== undefined && pl !== null) {
    if (typeof pl !== 'number' || !Number.isInteger(pl)) return notType('prompt_logprobs', 'an integer');
    if (pl < 0 || pl > f.maxPromptLogprobs) return refusal(400, 'gateway/field-limit', `prompt_logprobs is ${pl}; this gateway accepts 0 to ${f.maxPromptLogprobs} (maxPromptLogprobs; -1 asks for the whole vocabulary per prompt token).`, 'prompt_logprobs');
  }
  const stop = body['stop'];
  if (stop !== undefined && stop !== null) {
    const list = typeof stop === 'string' ? [stop] : stop;
    if (!Array.isArray(list)) return notType('stop', 'a string or an array of strings');
    if (list.length > f.maxStop) return overLimit('stop', list.length, f.maxStop, 'maxStop', 'has sequences:');
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      if (typeof s !== 'string') return notType(`stop[${i}]`, 'a string');
      if (s.length > f.maxStopChars) return overLimit(`stop[${i}]`, s.length, f.maxStopChars, 'maxStopChars', 'length');
    }
  }
  const lb = body['logit_bias'];
  if (lb !== undefined && lb !== null) {
    if (!isObject(lb)) return notType('logit_bias', 'an object');
    let n = 0;
    for (const _k in lb) n++;
    if (n > f.maxLogitBias) return overLimit('logit_bias', n, f.maxLogitBias, 'maxLogitBias', 'has entries:');
  }
  for (const k of SCHEMA_FIELDS) {
    r = schemaCheck(k, body[k], f);
    if (r !== undefined) return r;
  }
  const rf = body['response_format'];
  if (isObject(rf)) {
    const js = rf['json_schema'];
    r = schemaCheck('response_format.json_schema', isObject(js) ? (js['schema'] ?? js) : js, f);
    if (r !== undefined) return r;
    for (const k of ['grammar', 'regex'] as const) {
      r = schemaCheck(`response_format.${k}`, rf[k], f);
      if (r !== undefined) return r;
    }
  }
  for (const k of ['tools', 'functions'] as const) {
    const tools = body[k];
    if (tools === undefined || tools === null) continue;
    if (!Array.isArray(tools)) return notType(k, 'an array');
    if (tools.length > f.maxTools) return overLimit(k, tools.length, f.maxTools, 'maxTools', 'has entries:');
    const bytes = Buffer.byteLength(JSON.stringify(tools), 'utf8');
    if (bytes > f.maxToolsBytes) return overLimit(k, bytes, f.maxToolsBytes, 'maxToolsBytes', 'size in bytes');
    if (valueDepth(tools, 0, f.maxSchemaDepth + 3) > f.maxSchemaDepth + 3) return refusal(400, 'gateway/field-limit', `${k} schemas are nested more than ${f.maxSchemaDepth} levels deep (maxSchemaDepth).`, k);
  }
  return undefined;
}

function templateCheck(body: Record<string, unknown>, f: FieldLimits): Refusal | undefined {
  if (f.allowTemplates) return undefined;
  for (const k of TEMPLATE_FIELDS) {
    if (body[k] !== undefined && body[k] !== null) return refusal(400, 'gateway/template-injection', `${k} is not accepted: the server would run a client-supplied template (allowTemplates is off).`, k);
  }
  return undefined;
}

function kserveCheck(body: Record<string, unknown>, f: FieldLimits, w: Walk): Refusal | undefined {
  const inputs = body['inputs'];
  if (!Array.isArray(inputs)) return notType('inputs', 'an array of tensors');
  if (inputs.length > f.maxInferInputs) return overLimit('inputs', inputs.length, f.maxInferInputs, 'maxInferInputs', 'has tensors:');
  const outputs = body['outputs'];
  if (Array.isArray(outputs) && outputs.length > f.maxInferInputs) return overLimit('outputs', outputs.length, f.maxInferInputs, 'maxInferInputs', 'has tensors:');
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i];
    const at = `inputs[${i}]`;
    if (!isObject(t)) return notType(at, 'an object');
    const shape = t['shape'];
    if (!Array.isArray(shape) || shape.length > 16) return notType(`${at}.shape`, 'an array of at most 16 non-negative integers');
    let elements = 1;
    for (const d of shape) {
      if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) return notType(`${at}.shape`, 'an array of non-negative integers');
      elements *= d;
      if (elements > f.maxTensorElements) return overLimit(`${at}.shape`, elements, f.maxTensorElements, 'maxTensorElements', 'product (elements) reaches');
    }
    const dt = t['datatype'];
    if (typeof dt !== 'string' || !f.tensorDatatypes.includes(dt)) return refusal(400, 'gateway/field-limit', `${at}.datatype ${JSON.stringify(String(dt).slice(0, 20))} is not accepted; this gateway accepts ${f.tensorDatatypes.join(', ')} (tensorDatatypes).`, `${at}.datatype`);
    const data = t['data'];
    if (data !== undefined) {
      const n = leafCount(data, elements + 1);
      if (n !== elements) return refusal(400, 'gateway/field-limit', `${at}.data has ${n > elements ? `more than ${elements}` : n} elements but its shape declares ${elements}.`, `${at}.data`);
      if (dt === 'BYTES') collectStrings(data, w);
    }
  }
  return undefined;
}

/** Leaves of nested arrays, counting stops after `stop`. */
function leafCount(v: unknown, stop: number): number {
  if (!Array.isArray(v)) return 1;
  let n = 0;
  for (const x of v) {
    n += Array.isArray(x) ? leafCount(x, stop - n) : 1;
    if (n >= stop) return n;
  }
  return n;
}

function collectStrings(v: unknown, w: Walk): void {
  if (typeof v === 'string') addText(w, v, true);
  else if (Array.isArray(v)) for (const x of v) collectStrings(x, w);
}

/**
 * Check a parsed request body against the route's limits, screen its text and estimate its tokens.
 * Routes of kind `metadata`/`other` have no body checks.
 */
export function checkBody(route: RoutePolicy, body: Record<string, unknown>, ctx: CheckContext = {}): CheckResult {
  const f = route.limits.fields;
  const w: Walk = { texts: [], screened: [], messages: 0, images: 0, audio: 0, videos: 0, chars: 0 };
  let r: Refusal | undefined;
  const kind = route.kind;
  if (kind === 'chat' || kind === 'completions' || kind === 'embeddings') {
    r = templateCheck(body, f) ?? samplingChecks(body, kind, f);
    if (r === undefined) {
      if (kind === 'chat') r = messagesCheck(body, w, f);
      else if (kind === 'completions') r = promptCheck('prompt', body['prompt'], w, f) ?? (typeof body['suffix'] === 'string' ? (addText(w, body['suffix'], true), undefined) : undefined);
      else r = promptCheck('input', body['input'], w, f);
    }
  } else if (kind === 'kserve-infer') r = kserveCheck(body, f, w);
  if (r !== undefined) return { ok: false, refusal: r };
  if (w.chars > f.maxTextChars) return { ok: false, refusal: refusal(413, 'gateway/request-too-large', `The request carries ${w.chars} characters of text; this gateway accepts at most ${f.maxTextChars} (maxTextChars).`, kind === 'chat' ? 'messages' : null) };

  // Screening.
  const flags: Flag[] = [];
  let score = 0;
  const hits = new Set<string>();
  const s = route.limits.screening;
  if (s.enabled && w.screened.length > 0) {
    const screen = ctx.screen ?? screenText;
    for (const t of w.screened) {
      const res = screen(t);
      if (res.score > score) score = res.score;
      for (const h of res.hits) hits.add(h.family);
    }
    const families = [...hits].join(', ');
    if (score >= s.block) {
      return { ok: false, refusal: refusal(400, 'gateway/prompt-injection', `The request was refused by prompt-injection screening (score ${score.toFixed(2)} at or above the block threshold ${s.block}${families === '' ? '' : `; ${families}`}).`, kind === 'chat' ? 'messages' : 'prompt') };
    }
    if (score >= s.flag) flags.push({ rule: 'gateway/prompt-injection', message: `prompt-injection screening score ${score.toFixed(2)} at or above the flag threshold ${s.flag}${families === '' ? '' : ` (${families})`}`, score });
  }

  // Estimate: completion tokens × choices.
  const maxTok = typeof body['max_completion_tokens'] === 'number' ? body['max_completion_tokens'] : typeof body['max_tokens'] === 'number' ? body['max_tokens'] : f.maxCompletionTokens;
  const n = typeof body['n'] === 'number' && body['n'] > 0 ? body['n'] : 1;
  const bestOf = typeof body['best_of'] === 'number' && body['best_of'] > n ? body['best_of'] : n;
  const completion = kind === 'chat' || kind === 'completions' ? Math.max(0, maxTok) * bestOf : 0;
  const tokenIds = kind === 'completions' ? tokenIdCount(body['prompt']) : kind === 'embeddings' ? tokenIdCount(body['input']) : 0;
  const est = estimateTokens(w.texts, w.messages, w.images + w.audio + w.videos, completion, ctx.tokenizer);
  const estimate = tokenIds === 0 ? est : { ...est, prompt: est.prompt + tokenIds, reservation: est.reservation + tokenIds };
  const model = typeof body['model'] === 'string' ? body['model'].slice(0, 200) : undefined;
  return {
    ok: true,
    flags,
    ...(model !== undefined && { model }),
    stream: body['stream'] === true,
    estimate,
    screeningScore: score,
    screeningHits: [...hits],
    screened: w.screened,
  };
}
