/**
 * What is a manifest, decided from text before (and while) it is loaded:
 *
 * - `decodeManifestBytes`: bytes → text the way kubectl reads a file (`unicode.BOMOverride` over UTF-8
 *   in cli-runtime's FileVisitor): a UTF-8 byte-order mark is dropped, UTF-16 (LE/BE) with a BOM is
 *   decoded; UTF-32 with a BOM, which kubectl cannot read, is decoded too so that its content is still
 *   judged. Anything else must be valid UTF-8 without NUL characters.
 * - `looksLikeManifest`: a cheap pre-filter (keys `apiVersion` and `kind` at the start of a line, or as
 *   JSON keys). Markdown, source code and other YAML pass it; `loadManifestText` decides exactly.
 * - `helmTemplateMarker`: text that is a raw Helm chart template (references to `.Values`, `.Release`,
 *   `.Chart`, `include`/`tpl`); such text is rendered by `helm template`, never applied as it is.
 * - `clearlyManifestDocument`: for a document that does not parse, whether its author meant a
 *   Kubernetes object (top-level `apiVersion:` and `kind:` keys and nothing but YAML structure before
 *   the error), which decides between "broken manifest" (a high finding) and "not a manifest" (none).
 * - `splitJsonStream`: concatenated JSON values (what `kubectl apply -f` reads from a JSON stream,
 *   and what audit logs are), split without recursion.
 */

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'utf-32le' | 'utf-32be';

export interface DecodedText {
  readonly text: string;
  readonly encoding: TextEncodingName;
  /** Whether the bytes started with a byte-order mark. */
  readonly bom: boolean;
}

function decodeUtf32(bytes: Uint8Array, littleEndian: boolean): string | undefined {
  if (bytes.length % 4 !== 0) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: string[] = [];
  let chunk: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) {
    const cp = view.getUint32(i, littleEndian);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
    chunk.push(cp);
    if (chunk.length === 4096) {
      parts.push(String.fromCodePoint.apply(null, chunk));
      chunk = [];
    }
  }
  if (chunk.length > 0) parts.push(String.fromCodePoint.apply(null, chunk));
  return parts.join('');
}

/** Decode a file's bytes as kubectl would (see the module comment); undefined when it is not text. */
export function decodeManifestBytes(bytes: Uint8Array): DecodedText | undefined {
  const b0 = bytes[0];
  const b1 = bytes[1];
  const b2 = bytes[2];
  const b3 = bytes[3];
  try {
    if (b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0) {
      const text = decodeUtf32(bytes.subarray(4), true);
      return text === undefined ? undefined : { text, encoding: 'utf-32le', bom: true };
    }
    if (b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff) {
      const text = decodeUtf32(bytes.subarray(4), false);
      return text === undefined ? undefined : { text, encoding: 'utf-32be', bom: true };
    }
    if (b0 === 0xff && b1 === 0xfe) return { text: new TextDecoder('utf-16le', { fatal: true }).decode(bytes.subarray(2)), encoding: 'utf-16le', bom: true };
    if (b0 === 0xfe && b1 === 0xff) return { text: new TextDecoder('utf-16be', { fatal: true }).decode(bytes.subarray(2)), encoding: 'utf-16be', bom: true };
    const bom = b0 === 0xef && b1 === 0xbb && b2 === 0xbf;
    const body = bom ? bytes.subarray(3) : bytes;
    if (body.includes(0)) return undefined;
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(body), encoding: 'utf-8', bom };
  } catch {
    return undefined;
  }
}

/**
 * Decode the first bytes of a file (a probe of a file too large to read whole): like
 * `decodeManifestBytes`, but a code unit or UTF-8 sequence cut at the end of the probe is dropped.
 */
export function decodeManifestHead(bytes: Uint8Array): DecodedText | undefined {
  const [b0, b1, b2, b3] = [bytes[0], bytes[1], bytes[2], bytes[3]];
  const utf32 = (b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0) || (b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff);
  const utf16 = !utf32 && ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff));
  if (utf32) return decodeManifestBytes(bytes.subarray(0, bytes.length - (bytes.length % 4)));
  if (utf16) {
    const even = bytes.subarray(0, bytes.length - (bytes.length % 2));
    // a surrogate pair cut in two: drop its first half
    for (const cut of [0, 2]) {
      const r = decodeManifestBytes(even.subarray(0, Math.max(2, even.length - cut)));
      if (r !== undefined) return r;
    }
    return undefined;
  }
  for (let cut = 0; cut <= 3 && cut < bytes.length; cut++) {
    const r = decodeManifestBytes(bytes.subarray(0, bytes.length - cut));
    if (r !== undefined) return r;
  }
  return undefined;
}

const SNIFF_CHARS = 1024 * 1024;
/** `apiVersion:` / `kind:` as a key at the start of a line (YAML, any indentation for Lists) or a JSON key. */
const API_VERSION_KEY = /(?:^\uFEFF?[ \t]*(?:-[ \t]+)?|[{,][ \t\r\n]*)["']?apiVersion["']?[ \t]*:/m;
const KIND_KEY = /(?:^\uFEFF?[ \t]*(?:-[ \t]+)?|[{,][ \t\r\n]*)["']?kind["']?[ \t]*:/m;

/**
 * Cheap pre-filter: YAML or JSON text with `apiVersion` and `kind` keys in its first MiB. True for every
 * manifest, and for much that is not one (Markdown code blocks, Helm templates, kustomizations);
 * `loadManifestText` makes the exact decision while loading.
 */
export function looksLikeManifest(text: string): boolean {
  const head = text.length > SNIFF_CHARS ? text.slice(0, SNIFF_CHARS) : text;
  return API_VERSION_KEY.test(head) && KIND_KEY.test(head);
}

/**
 * A Markdown code fence (three backticks or tildes) at the start of a line. A backtick cannot start a
 * YAML plain scalar, and a fence at column 0 cannot sit inside any block of a Kubernetes object, so a
 * text with one is Markdown (or another document with code blocks), never a manifest — even when a
 * YAML document between two `---` lines of its code block would parse on its own.
 */
const CODE_FENCE = /^(?:```|~~~)/m;

/** Whether `text` holds a Markdown code fence at the start of a line (see CODE_FENCE). */
export function hasCodeFence(text: string): boolean {
  return CODE_FENCE.test(text);
}

/** Helm's own template objects and functions: text that uses them is an unrendered chart template. */
const HELM_MARKER = /\{\{-?\s*(?:[^{}]*?[\s(|])?(?:\.Values|\.Release|\.Chart|\.Capabilities|\.Files|\$\.Values|include\s+"|tpl\s)/;

/** The first Helm template reference in `text`, if any (its offset). */
export function helmTemplateMarker(text: string): number | undefined {
  const m = HELM_MARKER.exec(text);
  return m ? m.index : undefined;
}

/** Any Go template action (`{{ … }}`), Helm's or not. */
export function hasTemplateAction(text: string): boolean {
  return /\{\{[\s\S]{0,200}?\}\}/.test(text);
}

const KEY_LINE = /^(?:"[^"]*"|'[^']*'|[^\s#'"{[\]}>|*&!%@`,?:-][^#]*?|\?[^#]*|-?[^\s#]+)[ \t]*:(?:[ \t]|$)/;
const TOP_API_VERSION = /^\uFEFF?["']?apiVersion["']?[ \t]*:[ \t]*\S/m;
const TOP_KIND = /^\uFEFF?["']?kind["']?[ \t]*:[ \t]*\S/m;

/**
 * Whether the text of one YAML document that failed to parse was meant as a Kubernetes object: its first
 * content line is a mapping key (or `{` of a JSON object), it has top-level `apiVersion:` and `kind:`
 * keys (JSON: `"apiVersion"` and `"kind"` keys), it has no Markdown code fence, and at most one line at
 * column 0 is not YAML structure (a key, a sequence item, a comment, a document marker): the broken line
 * itself may be one, prose is several. `errorAt` (the offset of the parser's error in `doc`) is kept for
 * callers that know it; the judgement reads the whole document.
 */
export function clearlyManifestDocument(doc: string, errorAt: number): boolean {
  void errorAt;
  let i = 0;
  let first: string | undefined;
  let stray = 0;
  while (i < doc.length) {
    let nl = doc.indexOf('\n', i);
    if (nl < 0) nl = doc.length;
    const line = doc.slice(i, nl).replace(/\r$/, '').replace(/^\uFEFF/, '');
    const trimmed = line.trim();
    if (trimmed.startsWith('```') || trimmed.startsWith('~~~')) return false;
    if (trimmed !== '' && !trimmed.startsWith('#') && !(first === undefined && (trimmed === '---' || trimmed.startsWith('%')))) {
      if (first === undefined) first = line;
      if (line[0] !== ' ' && line[0] !== '\t' && line !== '---' && line !== '...' && !line.startsWith('- ') && line !== '-' && !line.startsWith('{') && !line.startsWith('}') && !line.startsWith('"') && !KEY_LINE.test(line)) {
        stray++;
      }
    }
    i = nl + 1;
  }
  if (first === undefined || stray > 1) return false;
  if (first.trimStart().startsWith('{')) return /"apiVersion"\s*:/.test(doc) && /"kind"\s*:/.test(doc) && !/"apiVersion"\s*:\s*"audit\.k8s\.io\//.test(doc);
  return KEY_LINE.test(first) && TOP_API_VERSION.test(doc) && TOP_KIND.test(doc);
}

/**
 * Offsets `[start, end)` of the top-level JSON values of a JSON stream (objects or arrays separated by
 * whitespace), or undefined when `text` is not one (unbalanced, or anything but whitespace between
 * values). Linear, no recursion; strings and escapes are respected.
 */
export function splitJsonStream(text: string): [number, number][] | undefined {
  const out: [number, number][] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (depth === 0) {
      if (c === 32 || c === 9 || c === 10 || c === 13 || (c === 0xfeff && i === 0)) continue;
      if (c !== 123 /* { */ && c !== 91 /* [ */) return undefined;
      start = i;
      depth = 1;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123 || c === 91) depth++;
    else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--;
      if (depth === 0) out.push([start, i + 1]);
    }
  }
  return depth === 0 && !inString && out.length > 0 ? out : undefined;
}
