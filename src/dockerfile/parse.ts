/**
 * A bounded Dockerfile parser with positions (after moby/buildkit's `frontend/dockerfile/parser`):
 * parser directives (`# syntax=`, `# escape=`), line continuations with the escape character (`\` or
 * `` ` ``; comment and empty lines inside a continuation are dropped, as BuildKit does), heredocs
 * (`RUN <<EOF`, `<<-EOF`, quoted delimiters), exec (JSON) and shell forms, `--flag=value` options,
 * case-insensitive instructions, `ARG` before `FROM` and multi-stage builds (`FROM … AS name`).
 * Every piece of text keeps a map to its line and column in the file, so that rules can point at the
 * offending token. What BuildKit would refuse (an unknown instruction, an instruction before `FROM`,
 * an unterminated heredoc, a bad escape directive) is a problem of the parse: the analyzer reports it
 * as malformed input, never a silent pass. The parser never throws on any input.
 */

export interface Position {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column (UTF-16 code units). */
  readonly column: number;
}

interface Segment {
  /** Index in the joined text where the segment starts. */
  readonly start: number;
  readonly line: number;
  readonly column: number;
}

/** Text joined from pieces of physical lines, with the position of every index. */
export class PlacedText {
  constructor(
    readonly text: string,
    private readonly segments: readonly Segment[],
  ) {}

  /** The position of index `i` of `text` (clamped to the text). */
  at(i: number): Position {
    const segs = this.segments;
    if (segs.length === 0) return { line: 1, column: 1 };
    let lo = 0;
    let hi = segs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((segs[mid]?.start ?? 0) <= i) lo = mid;
      else hi = mid - 1;
    }
    const s = segs[lo] ?? segs[0];
    if (s === undefined) return { line: 1, column: 1 };
    return { line: s.line, column: s.column + Math.max(0, i - s.start) };
  }

  /** The part from index `from` on, positions kept. */
  slice(from: number): PlacedText {
    const out: Segment[] = [];
    for (let k = 0; k < this.segments.length; k++) {
      const s = this.segments[k];
      const next = this.segments[k + 1];
      if (s === undefined) continue;
      const end = next?.start ?? this.text.length;
      if (end <= from && next !== undefined) continue;
      if (s.start >= from) out.push({ start: s.start - from, line: s.line, column: s.column });
      else out.push({ start: 0, line: s.line, column: s.column + (from - s.start) });
    }
    return new PlacedText(this.text.slice(from), out);
  }
}

export interface Flag {
  /** Lower-case name without dashes: `from`, `chown`, `mount`, `platform`, `checksum`. */
  readonly name: string;
  readonly value: string | undefined;
  readonly pos: Position;
}

export interface Heredoc {
  readonly delimiter: string;
  /** The body (lines between the marker line and the delimiter), positions kept. */
  readonly body: PlacedText;
}

export interface Instruction {
  /** Upper-case keyword: `FROM`, `RUN`, … */
  readonly keyword: string;
  /** Position of the keyword. */
  readonly pos: Position;
  /** Everything after the keyword, continuation lines joined. */
  readonly args: PlacedText;
  /** Leading `--name[=value]` options (FROM, RUN, COPY, ADD). */
  readonly flags: readonly Flag[];
  /** The arguments after the flags. */
  readonly body: PlacedText;
  /** Exec form: the JSON array of strings, when the body is one. */
  readonly json: readonly string[] | undefined;
  readonly heredocs: readonly Heredoc[];
  /** Index of the stage the instruction belongs to (-1 for ARGs before the first FROM). */
  readonly stage: number;
}

export interface Stage {
  readonly index: number;
  readonly from: Instruction;
  /** The image as written (`python:3.12-slim`, `${BASE}`, an earlier stage's name). */
  readonly image: string;
  readonly imagePos: Position;
  /** `AS name` (lower-cased, as BuildKit compares them). */
  readonly name: string | undefined;
  readonly instructions: Instruction[];
}

export interface ParseProblem {
  readonly pos: Position;
  readonly message: string;
}

export interface Dockerfile {
  readonly escape: string;
  readonly directives: ReadonlyMap<string, string>;
  /** `ARG` instructions before the first `FROM`, in order. */
  readonly globalArgs: readonly Instruction[];
  readonly stages: readonly Stage[];
  readonly instructions: readonly Instruction[];
  readonly problems: readonly ParseProblem[];
  /** Set when `maxInstructions` stopped the parse: the rest of the file was not analysed. */
  readonly truncatedAt: Position | undefined;
}

/** Instructions BuildKit knows (`MAINTAINER` and `ONBUILD` included). */
export const INSTRUCTIONS: ReadonlySet<string> = new Set([
  'ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR',
]);

const HEREDOC_INSTRUCTIONS = new Set(['RUN', 'COPY', 'ADD']);
const FLAG_INSTRUCTIONS = new Set(['FROM', 'RUN', 'COPY', 'ADD', 'HEALTHCHECK']);
/** Instructions that need at least one argument. */
const NEED_ARGS = new Set(['ADD', 'ARG', 'COPY', 'ENV', 'EXPOSE', 'FROM', 'LABEL', 'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR', 'HEALTHCHECK']);

const DIRECTIVE = /^#[ \t]*([A-Za-z][A-Za-z0-9_-]*)[ \t]*=[ \t]*(.*?)[ \t]*$/;
const KNOWN_DIRECTIVES = new Set(['syntax', 'escape', 'check']);
const HEREDOC_MARKER = /(?<![<\w])<<(-?)[ \t]*(["']?)([A-Za-z_][A-Za-z0-9_.-]*)\2/g;

interface Line {
  readonly text: string;
  readonly no: number;
}

function splitLines(text: string): Line[] {
  const out: Line[] = [];
  let start = 0;
  let no = 1;
  for (;;) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    let t = text.slice(start, end);
    if (t.endsWith('\r')) t = t.slice(0, -1);
    out.push({ text: t, no });
    if (nl < 0) break;
    start = nl + 1;
    no++;
  }
  return out;
}

const isBlank = (s: string): boolean => /^[ \t\f\v]*$/.test(s);
const isComment = (s: string): boolean => /^[ \t\f\v]*#/.test(s);

/** Index where the trailing continuation (escape + optional blanks at the end) starts, or -1. */
function continuationAt(s: string, escape: string): number {
  let i = s.length - 1;
  while (i >= 0 && (s[i] === ' ' || s[i] === '\t')) i--;
  return i >= 0 && s[i] === escape ? i : -1;
}

/** [start, end) ranges of quoted strings in a shell line ('…' and "…" with backslash escapes). */
function quotedRanges(t: string): number[] {
  const out: number[] = [];
  let quote = '';
  let start = 0;
  for (let i = 0; i < t.length; i++) {
    const ch = t[i];
    if (quote === '') {
      if (ch === '\\') i++;
      else if (ch === '"' || ch === "'") {
        quote = ch;
        start = i;
      }
    } else if (ch === '\\' && quote === '"') i++;
    else if (ch === quote) {
      out.push(start, i + 1);
      quote = '';
    }
  }
  if (quote !== '') out.push(start, t.length);
  return out;
}

function isQuoted(ranges: readonly number[], i: number): boolean {
  for (let k = 0; k + 1 < ranges.length; k += 2) if (i >= (ranges[k] ?? 0) && i < (ranges[k + 1] ?? 0)) return true;
  return false;
}

function parseFlags(args: PlacedText): { flags: Flag[]; bodyStart: number } {
  const flags: Flag[] = [];
  const t = args.text;
  let i = 0;
  for (;;) {
    while (i < t.length && /\s/.test(t[i] ?? '')) i++;
    if (!t.startsWith('--', i)) break;
    let j = i;
    while (j < t.length && !/\s/.test(t[j] ?? '')) j++;
    const word = t.slice(i + 2, j);
    const eq = word.indexOf('=');
    flags.push({ name: (eq < 0 ? word : word.slice(0, eq)).toLowerCase(), value: eq < 0 ? undefined : word.slice(eq + 1), pos: args.at(i) });
    i = j;
  }
  return { flags, bodyStart: i };
}

function parseJsonArray(text: string): string[] | undefined {
  const t = text.trim();
  if (!t.startsWith('[') || !t.endsWith(']')) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    // Not JSON: BuildKit runs it in shell form.
  }
  return undefined;
}

/** First whitespace-separated word of `text` from `from`, with its start index. */
export function wordsOf(text: string): { value: string; start: number }[] {
  const out: { value: string; start: number }[] = [];
  const re = /\S+/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push({ value: m[0], start: m.index });
  return out;
}

export interface ParseOptions {
  /** Stop after this many instructions (`maxDockerfileInstructions`). */
  readonly maxInstructions: number;
}

/** Parse a Dockerfile's text. Never throws; problems and truncation are returned. */
export function parseDockerfile(text: string, options: ParseOptions): Dockerfile {
  const lines = splitLines(text);
  const problems: ParseProblem[] = [];
  const directives = new Map<string, string>();
  let escape = '\\';
  let i = 0;
  // Parser directives: only at the very top, before any other comment, blank line or instruction.
  for (; i < lines.length; i++) {
    const l = lines[i];
    if (l === undefined) break;
    const m = l.text.length > 4096 ? null : DIRECTIVE.exec(l.text);
    const name = m?.[1]?.toLowerCase();
    if (m === null || name === undefined || !KNOWN_DIRECTIVES.has(name) || directives.has(name)) break;
    const value = m[2] ?? '';
    directives.set(name, value);
    if (name === 'escape') {
      if (value === '\\' || value === '`') escape = value;
      else problems.push({ pos: { line: l.no, column: 1 }, message: `invalid escape directive ${JSON.stringify(value)}: must be \\ or \`` });
    }
  }

  const instructions: Instruction[] = [];
  const stages: Stage[] = [];
  const globalArgs: Instruction[] = [];
  let truncatedAt: Position | undefined;

  while (i < lines.length) {
    const first = lines[i];
    if (first === undefined) break;
    if (isBlank(first.text) || isComment(first.text)) {
      i++;
      continue;
    }
    if (instructions.length >= options.maxInstructions) {
      truncatedAt = { line: first.no, column: 1 };
      break;
    }
    // One logical line: physical lines joined at the escape character.
    const indent = first.text.length - first.text.trimStart().length;
    const kw = /^[A-Za-z]+/.exec(first.text.slice(indent))?.[0] ?? '';
    const pos: Position = { line: first.no, column: indent + 1 };
    const segments: Segment[] = [];
    let joined = '';
    let piece = first.text.slice(indent + kw.length);
    let pieceCol = indent + kw.length + 1;
    let pieceLine = first.no;
    i++;
    for (;;) {
      const c = continuationAt(piece, escape);
      const part = c < 0 ? piece : piece.slice(0, c);
      segments.push({ start: joined.length, line: pieceLine, column: pieceCol });
      joined += part;
      if (c < 0) break;
      // Skip comment and empty lines inside the continuation (BuildKit drops them).
      while (i < lines.length && (isBlank(lines[i]?.text ?? '') || isComment(lines[i]?.text ?? ''))) i++;
      const next = lines[i];
      if (next === undefined) break;
      piece = next.text;
      pieceCol = 1;
      pieceLine = next.no;
      i++;
    }
    // Drop the whitespace between the keyword and its arguments.
    const lead = joined.length - joined.trimStart().length;
    const full = new PlacedText(joined, segments);
    const args = lead > 0 ? full.slice(lead) : full;
    const keyword = kw.toUpperCase();

    if (kw === '' || !INSTRUCTIONS.has(keyword) || !/^(?:\s|$)/.test(joined)) {
      const word = first.text.slice(indent).split(/\s/)[0] ?? '';
      problems.push({ pos, message: `unknown instruction ${JSON.stringify(word.slice(0, 40))}` });
      continue;
    }

    // Heredocs: their bodies follow the logical line.
    const heredocs: Heredoc[] = [];
    if (HEREDOC_INSTRUCTIONS.has(keyword)) {
      HEREDOC_MARKER.lastIndex = 0;
      const quoted = quotedRanges(args.text);
      for (let m = HEREDOC_MARKER.exec(args.text); m !== null; m = HEREDOC_MARKER.exec(args.text)) {
        if (isQuoted(quoted, m.index)) continue; // `echo "a <<b"` is not a heredoc
        const strip = m[1] === '-';
        const delimiter = m[3] ?? '';
        const bodySegs: Segment[] = [];
        let body = '';
        let closed = false;
        while (i < lines.length) {
          const l = lines[i];
          i++;
          if (l === undefined) break;
          const cand = strip ? l.text.replace(/^\t+/, '') : l.text;
          if (cand === delimiter) {
            closed = true;
            break;
          }
          const off = strip ? l.text.length - cand.length : 0;
          bodySegs.push({ start: body.length, line: l.no, column: off + 1 });
          body += `${cand}\n`;
        }
        if (!closed) problems.push({ pos: args.at(m.index), message: `heredoc ${JSON.stringify(delimiter)} is not terminated` });
        heredocs.push({ delimiter, body: new PlacedText(body, bodySegs) });
      }
    }

    const { flags, bodyStart } = FLAG_INSTRUCTIONS.has(keyword) ? parseFlags(args) : { flags: [], bodyStart: 0 };
    const body = bodyStart > 0 ? args.slice(bodyStart) : args;
    const stageIndex = keyword === 'FROM' ? stages.length : stages.length - 1;
    const ins: Instruction = { keyword, pos, args, flags, body, json: parseJsonArray(body.text), heredocs, stage: stageIndex };
    instructions.push(ins);

    if (NEED_ARGS.has(keyword) && body.text.trim() === '' && heredocs.length === 0) {
      problems.push({ pos, message: `${keyword} needs arguments` });
    }
    if (keyword === 'FROM') {
      const words = wordsOf(body.text);
      const image = words[0];
      const asWord = words[1];
      const nameWord = words[2];
      const named = words.length === 3 && asWord?.value.toLowerCase() === 'as' && nameWord !== undefined;
      if (image !== undefined && words.length !== 1 && !named) {
        problems.push({ pos: body.at(asWord?.start ?? 0), message: 'FROM takes an image and an optional `AS name`' });
      }
      stages.push({
        index: stages.length,
        from: ins,
        image: image?.value ?? '',
        imagePos: body.at(image?.start ?? 0),
        name: named ? nameWord.value.toLowerCase() : undefined,
        instructions: [],
      });
    } else if (stages.length === 0) {
      if (keyword === 'ARG') globalArgs.push(ins);
      else problems.push({ pos, message: `${keyword} before the first FROM (only ARG may come first)` });
    } else {
      stages[stages.length - 1]?.instructions.push(ins);
    }
  }
  if (stages.length === 0 && truncatedAt === undefined) problems.push({ pos: { line: 1, column: 1 }, message: 'no FROM instruction' });
  return { escape, directives, globalArgs, stages, instructions, problems, truncatedAt };
}

/**
 * `NAME[=value]` pairs of an ARG or ENV (ENV's legacy `ENV NAME value` form too), with positions.
 * Quotes around values are removed; the value's position is where it starts in the file.
 */
export interface KeyValue {
  readonly name: string;
  readonly value: string | undefined;
  readonly namePos: Position;
  readonly valuePos: Position;
}

const KEY_VALUES = new WeakMap<Instruction, readonly KeyValue[]>();

export function keyValues(ins: Instruction): readonly KeyValue[] {
  let kv = KEY_VALUES.get(ins);
  if (kv === undefined) {
    kv = splitKeyValues(ins);
    KEY_VALUES.set(ins, kv);
  }
  return kv;
}

function splitKeyValues(ins: Instruction): KeyValue[] {
  const t = ins.body.text;
  const out: KeyValue[] = [];
  const first = /^\s*([^\s=]+)(=?)/.exec(t);
  if (first === null) return out;
  if (ins.keyword === 'ENV' && first[2] === '') {
    // Legacy form: `ENV NAME the rest of the line`.
    const name = first[1] ?? '';
    const rest = t.slice(first[0].length);
    const lead = rest.length - rest.trimStart().length;
    const valueStart = first[0].length + lead;
    out.push({ name, value: unquote(rest.trim()), namePos: ins.body.at(first.index + first[0].indexOf(name)), valuePos: ins.body.at(valueStart) });
    return out;
  }
  let i = 0;
  while (i < t.length) {
    while (i < t.length && /\s/.test(t[i] ?? '')) i++;
    if (i >= t.length) break;
    const nameStart = i;
    while (i < t.length && t[i] !== '=' && !/\s/.test(t[i] ?? '')) i++;
    const name = t.slice(nameStart, i);
    if (t[i] !== '=') {
      out.push({ name, value: undefined, namePos: ins.body.at(nameStart), valuePos: ins.body.at(nameStart) });
      continue;
    }
    i++;
    const valueStart = i;
    let value = '';
    let quote = '';
    while (i < t.length) {
      const ch = t[i] ?? '';
      if (quote === '') {
        if (/\s/.test(ch)) break;
        if (ch === '"' || ch === "'") quote = ch;
        else if (ch === '\\' && i + 1 < t.length) {
          value += t[i + 1] ?? '';
          i++;
        } else value += ch;
      } else if (ch === quote) quote = '';
      else if (ch === '\\' && quote === '"' && i + 1 < t.length) {
        value += t[i + 1] ?? '';
        i++;
      } else value += ch;
      i++;
    }
    out.push({ name, value, namePos: ins.body.at(nameStart), valuePos: ins.body.at(valueStart) });
  }
  return out;
}

function unquote(v: string): string {
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) return v.slice(1, -1);
  return v;
}

/**
 * Detection by content: the first instruction (after directives, comments and blank lines) is a
 * `FROM image [AS name]`, or `ARG`s followed by such a `FROM`, and most of the first instructions are
 * ones BuildKit knows. Python (`from x import y`), shell scripts, YAML and prose do not pass.
 */
export function looksLikeDockerfile(text: string): boolean {
  let seenFrom = false;
  let known = 0;
  let total = 0;
  let start = 0;
  let continuing = false;
  let heredoc: string | undefined;
  const endsWithEscape = (l: string): boolean => continuationAt(l, '\\') >= 0 || continuationAt(l, '`') >= 0;
  for (let n = 0; n < 2000 && start <= text.length && total < 20; n++) {
    const nl = text.indexOf('\n', start);
    const line = text.slice(start, nl < 0 ? text.length : nl).replace(/\r$/, '');
    start = nl < 0 ? text.length + 1 : nl + 1;
    if (heredoc !== undefined) {
      if (line.replace(/^\t+/, '') === heredoc) heredoc = undefined;
      continue;
    }
    if (continuing) {
      if (!isBlank(line) && !isComment(line)) continuing = endsWithEscape(line);
      continue;
    }
    if (isBlank(line) || isComment(line)) continue;
    continuing = endsWithEscape(line);
    const m = /^\s*([A-Za-z]+)(?:\s+(.*))?$/.exec(line);
    const kw = m?.[1]?.toUpperCase();
    total++;
    if (!seenFrom) {
      if (kw === 'ARG' && m?.[2] !== undefined && /^[A-Za-z_][A-Za-z0-9_]*(?:=\S*)?\s*$/.test(m[2])) {
        known++;
        continue;
      }
      if (kw !== 'FROM' || m?.[2] === undefined) return false;
      const words = m[2].replace(/--[a-z]+=\S+\s+/gi, '').trim().split(/\s+/);
      const image = words[0] ?? '';
      if (!/^[A-Za-z0-9${}_.:/@-]+$/.test(image)) return false;
      if (!(words.length === 1 || (words.length === 3 && words[1]?.toLowerCase() === 'as'))) return false;
      seenFrom = true;
      known++;
      continue;
    }
    if (kw !== undefined && INSTRUCTIONS.has(kw)) {
      known++;
      const h = HEREDOC_INSTRUCTIONS.has(kw) ? /<<-?\s*["']?([A-Za-z_][A-Za-z0-9_.-]*)/.exec(line) : null;
      if (h?.[1] !== undefined && !continuing) heredoc = h[1];
    }
  }
  return seenFrom && known * 5 >= total * 4;
}

/**
 * Cheap pre-filter on the first bytes of a file: the first line that is not blank or a comment
 * starts with `FROM` or `ARG` (whatever the case) and a blank. `looksLikeDockerfile` decides.
 */
export function startsLikeDockerfile(head: string): boolean {
  let start = head.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (start < head.length) {
    const nl = head.indexOf('\n', start);
    const line = head.slice(start, nl < 0 ? head.length : nl);
    start = nl < 0 ? head.length : nl + 1;
    if (isBlank(line) || isComment(line)) continue;
    return /^\s*(?:from|arg)[ \t]/i.test(line);
  }
  return false;
}
