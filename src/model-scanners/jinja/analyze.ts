/**
 * Static analysis of Jinja2 chat templates for sandbox escapes (server-side template injection).
 *
 * Chat templates are rendered by the serving stack: Hugging Face `transformers` uses Jinja's
 * ImmutableSandboxedEnvironment, but llama.cpp front-ends and other servers have rendered them with a
 * plain `jinja2.Environment` (llama-cpp-python, CVE-2024-34359), where `{{ ''.__class__.__mro__ }}`
 * reaches Python's object graph and `os.popen`. An ordinary chat template never needs Python
 * internals, so the analysis reports any path towards them:
 *  - attribute access (`.x`, `['x']`, `|attr('x')`, `map(attribute='x')`) to `_`-prefixed names
 *    (`__class__`, `__mro__`, `__subclasses__`, `__globals__`, `__builtins__`, `__init__`,
 *    `_TemplateReference__context`, ...) or to process/module names (`popen`, `system`, `os`, ...);
 *  - globals that lead to module globals: `lipsum`, `cycler`, `joiner` (their `__globals__`),
 *    `self`, and Flask's `request`/`config`/`url_for`;
 *  - the `attr` filter (never needed by a chat template) and attribute names BUILT from strings:
 *    `'__cla' ~ 'ss__'`, `['__cla','ss__']|join`, `'%c%c'|format(95,95)`, `'__ssalc__'|reverse`,
 *    Python escapes `'\x5f\x5fclass\x5f\x5f'`, `{% set %}` variables holding such strings;
 *  - template loading (`include`/`import`/`extends`) and obvious resource exhaustion.
 * The analysis never renders the template. It parses expressions with a small recursive-descent
 * parser over the lexer's tokens, folding string constants, and then runs a token-level net and a
 * raw-text net, so that anything the parser does not understand is still looked at.
 */
import type { Severity } from '../../findings/index.js';
import { maxOf } from '../../findings/index.js';
import type { Segment, Token } from './lexer.js';
import { lexTemplate } from './lexer.js';

export type TemplateIssueKind =
  | 'private-attribute'
  | 'dangerous-attribute'
  | 'dangerous-global'
  | 'attr-filter'
  | 'computed-attribute'
  | 'dunder-string'
  | 'obfuscated-string'
  | 'template-loading'
  | 'resource-exhaustion'
  | 'syntax-error';

export interface TemplateIssue {
  readonly kind: TemplateIssueKind;
  readonly severity: Severity;
  readonly message: string;
  /** Short evidence, e.g. `lipsum.__globals__.os.popen`. */
  readonly evidence: string;
  /** Character offset in the template. */
  readonly offset: number;
}

export interface TemplateAnalysis {
  readonly issues: readonly TemplateIssue[];
  /** False when a bound stopped the analysis (the caller reports the template as partially analysed). */
  readonly complete: boolean;
  /** The named limit that stopped the analysis, when one did (`maxTemplateTokens`). */
  readonly limit?: 'maxTemplateTokens';
}

/** Attributes that lead to Python process, module or object-graph internals. */
const DANGEROUS_ATTRIBUTES = new Set([
  'popen', 'system', 'spawn', 'spawnl', 'spawnv', 'execv', 'execve', 'execl', 'fork', 'kill', 'os', 'sys', 'subprocess', 'check_output', 'check_call',
  'getoutput', 'getstatusoutput', 'run', 'call', 'Popen', 'eval', 'exec', 'compile', 'import_module', 'load_module', 'modules', 'builtins', 'globals', 'locals',
  'func_globals', 'f_globals', 'f_locals', 'f_back', 'gi_frame', 'gi_code', 'cr_frame', 'ag_frame', 'tb_frame', 'co_code', 'mro', 'remove', 'rmtree',
  'unlink', 'listdir', 'environ', 'getenv', 'putenv', 'chmod', 'chown', 'open', 'read_text', 'write_text', 'loads', 'load',
]);

/** Attributes that are dangerous only in combination (kept out of the list above to avoid noise): none yet. */
const ESCAPE_GLOBALS = new Set(['lipsum', 'cycler', 'joiner', 'self', 'request', 'config', 'url_for', 'get_flashed_messages', 'g', 'session']);

/** Names an ordinary chat template never uses; referencing them is reported even without attributes. */
const SUSPICIOUS_NAMES = new Set([
  'lipsum', 'cycler', 'joiner', 'request', 'config', 'url_for', 'get_flashed_messages', 'os', 'sys', 'subprocess', 'builtins', 'importlib', 'eval', 'exec',
  'getattr', 'setattr', 'globals', 'locals', 'vars', 'open', 'compile',
]);

const KNOWN_DUNDERS = new Set([
  '__class__', '__mro__', '__subclasses__', '__globals__', '__builtins__', '__import__', '__init__', '__base__', '__bases__', '__dict__',
  '__getattribute__', '__getitem__', '__reduce__', '__reduce_ex__', '__code__', '__func__', '__self__', '__module__', '__loader__', '__spec__',
  '__closure__', '__call__', '__new__', '__subclasshook__', '__init_subclass__', '__getattr__', '__setattr__', '__delattr__', '__traceback__', '__frame__',
]);

const DUNDER_RE = /__[A-Za-z][A-Za-z0-9_]*__/;

const MAX_STR = 4096;
const MAX_ALTERNATIVES = 16;
const MAX_ISSUES = 200;

// ---- abstract values -------------------------------------------------------------------------------

type Val =
  | { readonly k: 'str'; readonly vs: readonly string[] }
  | { readonly k: 'num'; readonly v: number }
  | { readonly k: 'list'; readonly items: readonly Val[] }
  | { readonly k: 'unknown'; readonly tainted?: boolean; readonly root?: string; readonly path?: string };

const UNKNOWN: Val = { k: 'unknown' };

function str(...vs: string[]): Val {
  return { k: 'str', vs: vs.slice(0, MAX_ALTERNATIVES).map((s) => s.slice(0, MAX_STR)) };
}

function strings(v: Val): readonly string[] | undefined {
  if (v.k === 'str') return v.vs;
  if (v.k === 'num') return [numToString(v.v)];
  return undefined;
}

function numToString(n: number): string {
  return Number.isInteger(n) ? String(n) : String(n);
}

function isTainted(v: Val): boolean {
  return v.k === 'unknown' && v.tainted === true;
}

/** Concatenate two values (Jinja `~`, or `+` on strings): the cross product of alternatives. */
function concat(a: Val, b: Val, tilde: boolean): Val {
  const sa = tilde ? strings(a) : a.k === 'str' ? a.vs : undefined;
  const sb = tilde ? strings(b) : b.k === 'str' ? b.vs : undefined;
  if (sa && sb) {
    const out: string[] = [];
    for (const x of sa) for (const y of sb) if (out.length < MAX_ALTERNATIVES) out.push((x + y).slice(0, MAX_STR));
    return { k: 'str', vs: out };
  }
  if (!tilde && a.k === 'num' && b.k === 'num') return { k: 'num', v: a.v + b.v };
  if (!tilde && a.k === 'list' && b.k === 'list') return { k: 'list', items: [...a.items, ...b.items].slice(0, 256) };
  // `~` always builds a string; `+` builds one only when a side is (or may be) a string.
  const stringy = tilde || a.k === 'str' || b.k === 'str' || isTainted(a) || isTainted(b);
  return stringy ? { k: 'unknown', tainted: true } : UNKNOWN;
}

// ---- the analyser ----------------------------------------------------------------------------------

class Analyzer {
  readonly issues: TemplateIssue[] = [];
  private readonly seen = new Set<string>();
  /** `{% set name = ... %}` values (all alternatives seen for a name, flow-insensitive). */
  private readonly vars = new Map<string, Val>();
  private complete = true;
  /** Parser steps spent on this template (bounded by MAX_PARSE_WORK). */
  work = 0;
  /** Parse errors recovered from (bounded by MAX_PARSE_ERRORS). */
  errors = 0;

  issue(kind: TemplateIssueKind, severity: Severity, offset: number, evidence: string, message: string): void {
    const key = `${kind}\0${offset}\0${evidence}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (this.issues.length >= MAX_ISSUES) {
      this.complete = false;
      return;
    }
    this.issues.push({ kind, severity, offset, evidence: evidence.slice(0, 200), message });
  }

  hasIssueAt(offset: number): boolean {
    return this.issues.some((i) => i.offset === offset);
  }

  /** A critical issue within `distance` characters (a folded dunder already explains a fragment). */
  hasCriticalNear(offset: number, distance: number): boolean {
    return this.issues.some((i) => i.severity === 'critical' && Math.abs(i.offset - offset) <= distance);
  }

  get isComplete(): boolean {
    return this.complete;
  }

  markIncomplete(): void {
    this.complete = false;
  }

  assign(name: string, v: Val): void {
    const prev = this.vars.get(name);
    if (!prev) {
      this.vars.set(name, v);
      return;
    }
    // Keep every alternative (a variable set in two branches may hold either string).
    if (prev.k === 'str' && v.k === 'str') this.vars.set(name, { k: 'str', vs: [...new Set([...prev.vs, ...v.vs])].slice(0, MAX_ALTERNATIVES) });
    else if (isTainted(prev) || isTainted(v) || prev.k !== v.k) this.vars.set(name, { k: 'unknown', tainted: isTainted(prev) || isTainted(v) || prev.k === 'str' || v.k === 'str' });
    else this.vars.set(name, v);
  }

  lookup(name: string): Val | undefined {
    return this.vars.get(name);
  }

  /** An attribute name was accessed on `obj` (dot, subscript, attr filter, attribute= argument). */
  attribute(obj: Val, nameVal: Val, offset: number, via: string): void {
    const names = strings(nameVal);
    const base = obj.k === 'unknown' ? (obj.path ?? obj.root ?? '') : '';
    if (!names) {
      if (via === 'attr filter') {
        this.issue('attr-filter', 'high', offset, `${base}|attr(<computed>)`, 'the attr filter is called with a computed attribute name (a known way to reach __class__ and friends past simple filters)');
      } else if (isTainted(nameVal)) {
        this.issue('computed-attribute', 'high', offset, `${base}[<computed string>]`, `an attribute/item name is built from string operations (${via}); chat templates index with literals or plain variables`);
      }
      return;
    }
    for (const n of names) {
      const ev = `${base}${base ? '.' : ''}${n}`;
      if (n.startsWith('_')) {
        this.issue('private-attribute', 'critical', offset, ev, `access to the private/dunder attribute ${JSON.stringify(n)} (${via}): the path from a template to Python internals (sandbox escape)`);
      } else if (DANGEROUS_ATTRIBUTES.has(n) && (obj.k !== 'unknown' || obj.root === undefined || ESCAPE_GLOBALS.has(obj.root) || DUNDER_RE.test(obj.path ?? '') || obj.root === 'os')) {
        this.issue('dangerous-attribute', 'critical', offset, ev, `access to ${JSON.stringify(n)} (${via}), a process/module attribute no chat template needs`);
      }
      if (via === 'attr filter' && !n.startsWith('_') && !DANGEROUS_ATTRIBUTES.has(n)) {
        this.issue('attr-filter', 'high', offset, `${base}|attr(${JSON.stringify(n)})`, 'the attr filter is used; ordinary chat templates never need it, sandbox-escape payloads do');
      }
    }
  }

  stringConstant(v: readonly string[], offset: number): void {
    for (const s of v) {
      const m = DUNDER_RE.exec(s);
      if (m) {
        this.issue(
          'dunder-string',
          KNOWN_DUNDERS.has(m[0]) ? 'critical' : 'high',
          offset,
          m[0],
          `a string in the template evaluates to the Python dunder name ${JSON.stringify(m[0])}; chat templates have no use for it`,
        );
      }
    }
  }
}


// ---- expression parser over one tag's tokens -----------------------------------------------------------

class ParseError extends Error {
  /** A bound was hit: give up the structured parse of this tag (the token nets still run). */
  constructor(
    message: string,
    readonly fatal = false,
  ) {
    super(message);
  }
}

const CMP_OPS = new Set(['==', '!=', '<', '>', '<=', '>=']);
const STRING_FILTERS = new Set(['lower', 'upper', 'string', 'trim', 'capitalize', 'title', 'e', 'escape', 'safe', 'reverse', 'first', 'last', 'list', 'join', 'format', 'replace', 'default', 'd', 'center', 'striptags', 'urlencode', 'forceescape', 'indent', 'wordwrap', 'truncate']);

/** Nesting bound of the expression parser (parentheses, unary chains): deeper input is not parsed. */
const MAX_EXPR_DEPTH = 64;
/** Parser steps per template; past it the structured parse stops (the token nets still run). */
const MAX_PARSE_WORK = 1_000_000;
/** Recoveries (skip one token and retry) per template before the structured parse gives up. */
const MAX_PARSE_ERRORS = 20_000;

class ExprParser {
  i = 0;
  private depth = 0;
  constructor(
    private readonly t: readonly Token[],
    private readonly a: Analyzer,
  ) {}

  peek(o = 0): Token | undefined {
    return this.t[this.i + o];
  }

  isOp(v: string, o = 0): boolean {
    const x = this.peek(o);
    return x !== undefined && x.kind === 'op' && x.value === v;
  }

  isName(v: string, o = 0): boolean {
    const x = this.peek(o);
    return x !== undefined && x.kind === 'name' && x.value === v;
  }

  eat(v: string): void {
    if (!this.isOp(v)) throw new ParseError(`expected ${v}`);
    this.i++;
  }

  done(): boolean {
    return this.i >= this.t.length;
  }

  private enter(): void {
    if (++this.depth > MAX_EXPR_DEPTH) {
      this.depth = 0;
      this.a.markIncomplete();
      throw new ParseError('expression nested too deeply', true);
    }
  }

  expr(): Val {
    const off = this.peek()?.offset ?? 0;
    this.enter();
    let v: Val;
    try {
      v = this.exprInner();
    } finally {
      this.depth = Math.max(0, this.depth - 1);
    }
    // A string that folding produced (concatenation, filters, format) is checked like a literal.
    if (v.k === 'str') this.a.stringConstant(v.vs, off);
    return v;
  }

  private exprInner(): Val {
    let v = this.or();
    if (this.isName('if')) {
      this.i++;
      this.or();
      if (this.isName('else')) {
        this.i++;
        const e = this.expr();
        v = merge(v, e);
      }
    }
    return v;
  }

  tuple(): Val {
    const first = this.expr();
    if (!this.isOp(',')) return first;
    const items: Val[] = [first];
    while (this.isOp(',')) {
      this.i++;
      if (this.done() || this.isOp(')') || this.isOp('=')) break;
      items.push(this.expr());
    }
    return { k: 'list', items };
  }

  private or(): Val {
    let v = this.and();
    while (this.isName('or')) {
      this.i++;
      v = merge(v, this.and());
    }
    return v;
  }

  private and(): Val {
    let v = this.not();
    while (this.isName('and')) {
      this.i++;
      this.not();
      v = UNKNOWN;
    }
    return v;
  }

  private not(): Val {
    if (this.isName('not')) {
      this.i++;
      this.enter();
      try {
        this.not();
      } finally {
        this.depth = Math.max(0, this.depth - 1);
      }
      return UNKNOWN;
    }
    return this.compare();
  }

  private compare(): Val {
    let v = this.math1();
    for (;;) {
      const x = this.peek();
      if (x?.kind === 'op' && CMP_OPS.has(x.value)) {
        this.i++;
        this.math1();
        v = UNKNOWN;
      } else if (this.isName('in')) {
        this.i++;
        this.math1();
        v = UNKNOWN;
      } else if (this.isName('not') && this.isName('in', 1)) {
        this.i += 2;
        this.math1();
        v = UNKNOWN;
      } else return v;
    }
  }

  private math1(): Val {
    let v = this.concatExpr();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.peek()?.value;
      this.i++;
      const r = this.concatExpr();
      v = op === '+' ? concat(v, r, false) : v.k === 'num' && r.k === 'num' ? { k: 'num', v: v.v - r.v } : UNKNOWN;
    }
    return v;
  }

  private concatExpr(): Val {
    let v = this.math2();
    while (this.isOp('~')) {
      this.i++;
      v = concat(v, this.math2(), true);
    }
    return v;
  }

  private math2(): Val {
    let v = this.pow();
    while (this.isOp('*') || this.isOp('/') || this.isOp('//') || this.isOp('%')) {
      const op = this.peek()?.value ?? '';
      const off = this.peek()?.offset ?? 0;
      this.i++;
      const r = this.pow();
      if (op === '*') v = repeat(v, r, off, this.a);
      else if (op === '%' && v.k === 'str') v = pyFormat(v, r);
      else v = v.k === 'num' && r.k === 'num' && r.v !== 0 ? { k: 'num', v: op === '/' ? v.v / r.v : op === '//' ? Math.floor(v.v / r.v) : v.v % r.v } : UNKNOWN;
    }
    return v;
  }

  private pow(): Val {
    let v = this.unary();
    while (this.isOp('**')) {
      const off = this.peek()?.offset ?? 0;
      this.i++;
      const r = this.unary();
      if (v.k === 'num' && r.k === 'num') {
        const res = v.v ** r.v;
        if (!Number.isFinite(res) || Math.abs(res) > 1e12) this.a.issue('resource-exhaustion', 'medium', off, `${v.v}**${r.v}`, 'a huge power is computed; rendering can exhaust CPU or memory');
        v = { k: 'num', v: Number.isFinite(res) ? res : Number.MAX_VALUE };
      } else v = UNKNOWN;
    }
    return v;
  }

  private unary(): Val {
    if (this.isOp('-') || this.isOp('+')) {
      const neg = this.isOp('-');
      this.i++;
      this.enter();
      let v: Val;
      try {
        v = this.unary();
      } finally {
        this.depth = Math.max(0, this.depth - 1);
      }
      return v.k === 'num' ? { k: 'num', v: neg ? -v.v : v.v } : UNKNOWN;
    }
    if (++this.a.work > MAX_PARSE_WORK) {
      this.a.markIncomplete();
      throw new ParseError('parse budget exhausted', true);
    }
    let v = this.primary();
    v = this.postfix(v);
    return this.filters(v);
  }

  private primary(): Val {
    const x = this.peek();
    if (!x) throw new ParseError('unexpected end of tag');
    if (x.kind === 'string') {
      // Adjacent literals concatenate implicitly ('__cla' 'ss__').
      let s = '';
      let opaque = false;
      while (this.peek()?.kind === 'string') {
        const t = this.peek() as Token;
        s += t.value;
        opaque ||= t.opaque === true;
        this.i++;
      }
      const v = opaque ? ({ k: 'unknown', tainted: true } as Val) : str(s);
      return v;
    }
    if (x.kind === 'number') {
      this.i++;
      const n = Number(x.value.replace(/_/g, ''));
      return { k: 'num', v: Number.isFinite(n) ? n : 0 };
    }
    if (x.kind === 'name') {
      this.i++;
      const n = x.value;
      if (n === 'true' || n === 'false' || n === 'True' || n === 'False' || n === 'none' || n === 'None') return UNKNOWN;
      if (n.startsWith('_')) {
        this.a.issue('private-attribute', 'critical', x.offset, n, `the template references the private/dunder name ${JSON.stringify(n)}`);
      } else if (SUSPICIOUS_NAMES.has(n)) {
        this.a.issue('dangerous-global', 'medium', x.offset, n, `the template references ${JSON.stringify(n)}, a global no chat template needs (classic sandbox-escape entry point)`);
      }
      const known = this.a.lookup(n);
      if (known) return known;
      return { k: 'unknown', root: n, path: n };
    }
    if (x.kind === 'op' && x.value === '(') {
      this.i++;
      if (this.isOp(')')) {
        this.i++;
        return { k: 'list', items: [] };
      }
      const v = this.tuple();
      this.eat(')');
      return v;
    }
    if (x.kind === 'op' && x.value === '[') {
      this.i++;
      const items: Val[] = [];
      while (!this.isOp(']')) {
        items.push(this.expr());
        if (this.isOp(',')) this.i++;
        else break;
      }
      this.eat(']');
      return { k: 'list', items };
    }
    if (x.kind === 'op' && x.value === '{') {
      this.i++;
      while (!this.isOp('}')) {
        this.expr();
        if (this.isOp(':')) {
          this.i++;
          this.expr();
        }
        if (this.isOp(',')) this.i++;
        else break;
      }
      this.eat('}');
      return UNKNOWN;
    }
    throw new ParseError(`unexpected ${x.value}`);
  }

  private postfix(v: Val): Val {
    for (;;) {
      if (this.isOp('.')) {
        const off = this.peek()?.offset ?? 0;
        this.i++;
        const nt = this.peek();
        if (!nt || (nt.kind !== 'name' && nt.kind !== 'number')) throw new ParseError('expected attribute name');
        this.i++;
        if (nt.kind === 'number') {
          v = index(v, { k: 'num', v: Number(nt.value) });
          continue;
        }
        this.a.attribute(v, str(nt.value), nt.offset ?? off, 'dot');
        v = member(v, nt.value);
      } else if (this.isOp('[')) {
        const off = this.peek()?.offset ?? 0;
        this.i++;
        let key: Val = UNKNOWN;
        if (this.isOp(':')) key = UNKNOWN;
        else key = this.expr();
        // slices a[b:c:d]
        while (this.isOp(':')) {
          this.i++;
          if (!this.isOp(']') && !this.isOp(':')) this.expr();
          key = UNKNOWN;
        }
        this.eat(']');
        if (key.k === 'num') v = index(v, key);
        else {
          this.a.attribute(v, key, off, 'subscript');
          const names = strings(key);
          v = names?.length === 1 && names[0] !== undefined ? member(v, names[0]) : { k: 'unknown', path: `${pathOf(v)}[…]` };
        }
      } else if (this.isOp('(')) {
        const off = this.peek()?.offset ?? 0;
        const args = this.callArgs();
        v = this.call(v, args, off);
      } else return v;
    }
  }

  /** Parse `( args )`; returns positional values and keyword values. */
  private callArgs(): { pos: Val[]; kw: Map<string, Val> } {
    this.eat('(');
    const pos: Val[] = [];
    const kw = new Map<string, Val>();
    while (!this.isOp(')')) {
      if (this.isOp('*') || this.isOp('**')) this.i++;
      const t = this.peek();
      if (t?.kind === 'name' && this.isOp('=', 1)) {
        this.i += 2;
        if (t.value.startsWith('_')) this.a.issue('private-attribute', 'critical', t.offset, t.value, `a keyword argument named ${JSON.stringify(t.value)} (dict(__class__=…) builds dunder names)`);
        kw.set(t.value, this.expr());
      } else pos.push(this.expr());
      if (this.isOp(',')) this.i++;
      else break;
    }
    this.eat(')');
    return { pos, kw };
  }

  private call(callee: Val, args: { pos: Val[]; kw: Map<string, Val> }, offset: number): Val {
    const path = callee.k === 'unknown' ? (callee.path ?? '') : '';
    // str.format / str.join / str.replace / str.upper ... on constants.
    const m = /(?:^|\.)([A-Za-z_]+)$/.exec(path);
    const method = m?.[1];
    if (callee.k === 'unknown' && (callee as { recv?: Val }).recv !== undefined) {
      const recv = (callee as unknown as { recv: Val }).recv;
      const folded = method ? applyFilter(method, recv, args.pos, args.kw) : undefined;
      if (folded) return folded;
    }
    if (path === 'range') {
      let n = 1;
      const nums = args.pos.filter((a) => a.k === 'num').map((a) => (a as { v: number }).v);
      if (nums.length > 0) n = Math.abs((nums[1] ?? nums[0] ?? 0) - (nums.length > 1 ? (nums[0] ?? 0) : 0));
      if (n > 10_000_000) this.a.issue('resource-exhaustion', 'medium', offset, `range(${nums.join(', ')})`, 'a loop over a huge range; rendering can exhaust CPU');
    }
    for (const [k, v] of args.kw) {
      if (k === 'attribute') this.a.attribute({ k: 'unknown', path: `${path}(attribute=…)` }, v, offset, 'attribute= argument');
    }
    return { k: 'unknown', path: `${path}()`, ...(callee.k === 'unknown' && callee.root !== undefined && { root: callee.root }) };
  }

  private filters(v: Val): Val {
    for (;;) {
      if (this.isOp('|')) {
        this.i++;
        const nt = this.peek();
        if (nt?.kind !== 'name') throw new ParseError('expected filter name');
        this.i++;
        let name = nt.value;
        while (this.isOp('.') && this.peek(1)?.kind === 'name') {
          name += `.${this.peek(1)?.value ?? ''}`;
          this.i += 2;
        }
        const args = this.isOp('(') ? this.callArgs() : { pos: [], kw: new Map<string, Val>() };
        v = this.filter(v, name, args, nt.offset);
      } else if (this.isName('is')) {
        this.i++;
        if (this.isName('not')) this.i++;
        const tn = this.peek();
        if (tn?.kind === 'name') this.i++;
        if (this.isOp('(')) this.callArgs();
        else if (this.peek() && (this.peek()?.kind === 'string' || this.peek()?.kind === 'number')) this.primary();
        v = UNKNOWN;
      } else if (this.isOp('(')) {
        const off = this.peek()?.offset ?? 0;
        v = this.call(v, this.callArgs(), off);
      } else return v;
    }
  }

  private filter(v: Val, name: string, args: { pos: Val[]; kw: Map<string, Val> }, offset: number): Val {
    if (name === 'attr') {
      const a0 = args.pos[0] ?? UNKNOWN;
      this.a.attribute(v, a0, offset, 'attr filter');
      const names = strings(a0);
      return names?.length === 1 && names[0] !== undefined ? member(v, names[0]) : { k: 'unknown', path: `${pathOf(v)}|attr(…)` };
    }
    if (name === 'map' || name === 'selectattr' || name === 'rejectattr' || name === 'sort' || name === 'groupby' || name === 'sum' || name === 'unique' || name === 'min' || name === 'max') {
      const attrArg = args.kw.get('attribute') ?? (name === 'selectattr' || name === 'rejectattr' || name === 'groupby' ? args.pos[0] : undefined);
      if (attrArg) this.a.attribute({ k: 'unknown', path: `${pathOf(v)}|${name}` }, attrArg, offset, `${name}(attribute)`);
      if (name === 'map' && args.pos[0] && strings(args.pos[0])?.includes('attr')) {
        this.a.attribute({ k: 'unknown', path: `${pathOf(v)}|map('attr')` }, args.pos[1] ?? UNKNOWN, offset, 'attr filter');
      }
      return UNKNOWN;
    }
    const folded = applyFilter(name, v, args.pos, args.kw);
    if (folded) return folded;
    if (STRING_FILTERS.has(name) && (v.k === 'str' || isTainted(v))) return { k: 'unknown', tainted: true };
    return { k: 'unknown', path: `${pathOf(v)}|${name}` };
  }
}

function pathOf(v: Val): string {
  if (v.k === 'unknown') return v.path ?? '…';
  if (v.k === 'str') return JSON.stringify(v.vs[0] ?? '');
  return '…';
}

function member(v: Val, name: string): Val {
  const base = v.k === 'unknown' ? v.path : pathOf(v);
  const out: { k: 'unknown'; path: string; root?: string; recv?: Val } = { k: 'unknown', path: `${base ?? '…'}.${name}`.slice(0, 300) };
  if (v.k === 'unknown' && v.root !== undefined) out.root = v.root;
  // Remember the receiver of a method so that 'abc'.upper() / '{}'.format(x) can be folded.
  if (v.k === 'str' || v.k === 'list') out.recv = v;
  return out as Val;
}

function index(v: Val, i: Val): Val {
  if (v.k === 'list' && i.k === 'num') return v.items[i.v < 0 ? v.items.length + i.v : i.v] ?? UNKNOWN;
  if (v.k === 'str' && i.k === 'num') return str(...v.vs.map((s) => s.at(i.v) ?? ''));
  return { k: 'unknown', path: `${pathOf(v)}[…]` };
}

function merge(a: Val, b: Val): Val {
  if (a.k === 'str' && b.k === 'str') return { k: 'str', vs: [...new Set([...a.vs, ...b.vs])].slice(0, MAX_ALTERNATIVES) };
  if (a.k === 'str' || b.k === 'str' || isTainted(a) || isTainted(b)) return { k: 'unknown', tainted: true };
  return UNKNOWN;
}

function repeat(a: Val, b: Val, offset: number, an: Analyzer): Val {
  const [s, n] = a.k === 'str' && b.k === 'num' ? [a, b.v] : b.k === 'str' && a.k === 'num' ? [b, a.v] : [undefined, 0];
  if (!s) return a.k === 'num' && b.k === 'num' ? { k: 'num', v: a.v * b.v } : UNKNOWN;
  const len = maxOf(s.vs.map((x) => x.length)) * n;
  if (len > 10_000_000) an.issue('resource-exhaustion', 'medium', offset, `string * ${n}`, 'a string is repeated to a huge size; rendering can exhaust memory');
  if (n < 0 || len > MAX_STR) return { k: 'unknown', tainted: true };
  return str(...s.vs.map((x) => x.repeat(n)));
}

/** Python `%` formatting on constant strings (%s %d %i %c %r %x %%). */
function pyFormat(fmt: Val, args: Val): Val {
  if (fmt.k !== 'str') return UNKNOWN;
  const list = args.k === 'list' ? args.items : [args];
  const out: string[] = [];
  for (const f of fmt.vs) {
    let i = 0;
    let ok = true;
    const s = f.replace(/%([%sdircx])/g, (_m, c: string) => {
      if (c === '%') return '%';
      const a = list[i++];
      if (!a) {
        ok = false;
        return '';
      }
      if (c === 'c') {
        if (a.k === 'num' && a.v >= 0 && a.v <= 0x10ffff) return String.fromCodePoint(Math.trunc(a.v));
        const sv = strings(a);
        if (sv?.length === 1) return sv[0] ?? '';
        ok = false;
        return '';
      }
      if (c === 'x' && a.k === 'num') return Math.trunc(a.v).toString(16);
      const sv = strings(a);
      if (!sv || sv.length !== 1) {
        ok = false;
        return '';
      }
      return sv[0] ?? '';
    });
    if (!ok) return { k: 'unknown', tainted: true };
    out.push(s);
  }
  return str(...out);
}

/** str.format with {} / {0} / {name} fields on constants. */
function braceFormat(fmt: Val, pos: Val[], kw: Map<string, Val>): Val {
  if (fmt.k !== 'str') return UNKNOWN;
  const out: string[] = [];
  for (const f of fmt.vs) {
    let auto = 0;
    let ok = true;
    const s = f.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (m, field: string | undefined) => {
      if (m === '{{') return '{';
      if (m === '}}') return '}';
      const key = (field ?? '').split(/[.[!:]/)[0] ?? '';
      const a = key === '' ? pos[auto++] : /^\d+$/.test(key) ? pos[Number(key)] : kw.get(key);
      const sv = a ? strings(a) : undefined;
      if (!sv || sv.length !== 1) {
        ok = false;
        return '';
      }
      return sv[0] ?? '';
    });
    if (!ok) return { k: 'unknown', tainted: true };
    out.push(s);
  }
  return str(...out);
}

/** Fold the string filters/methods an obfuscated attribute name is built with. */
function applyFilter(name: string, v: Val, pos: Val[], kw: Map<string, Val>): Val | undefined {
  const s = v.k === 'str' ? v.vs : undefined;
  switch (name) {
    case 'join': {
      if (v.k !== 'list' && v.k !== 'str') return undefined;
      const sep = pos[0] ? strings(pos[0]) : [''];
      if (!sep || sep.length !== 1) return { k: 'unknown', tainted: true };
      if (v.k === 'str') return str(...v.vs.map((x) => [...x].join(sep[0] ?? '')));
      const parts = v.items.map((it) => strings(it));
      if (parts.some((p) => !p || p.length !== 1)) return { k: 'unknown', tainted: true };
      return str(parts.map((p) => p?.[0] ?? '').join(sep[0] ?? ''));
    }
    case 'format':
      if (!s) return undefined;
      return s.some((x) => /%[sdircx]/.test(x)) ? pyFormat(v, { k: 'list', items: pos }) : braceFormat(v, pos, kw);
    case 'lower':
      return s ? str(...s.map((x) => x.toLowerCase())) : undefined;
    case 'upper':
      return s ? str(...s.map((x) => x.toUpperCase())) : undefined;
    case 'string':
    case 'e':
    case 'escape':
    case 'safe':
    case 'forceescape':
    case 'd':
    case 'default':
      return v.k === 'num' ? str(numToString(v.v)) : s ? v : undefined;
    case 'trim':
    case 'strip':
      return s ? str(...s.map((x) => x.trim())) : undefined;
    case 'capitalize':
      return s ? str(...s.map((x) => x.charAt(0).toUpperCase() + x.slice(1).toLowerCase())) : undefined;
    case 'title':
      return s ? str(...s.map((x) => x.replace(/\w\S*/g, (w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()))) : undefined;
    case 'reverse':
      if (s) return str(...s.map((x) => [...x].reverse().join('')));
      if (v.k === 'list') return { k: 'list', items: [...v.items].reverse() };
      return undefined;
    case 'first':
      if (s) return str(...s.map((x) => x.charAt(0)));
      if (v.k === 'list') return v.items[0] ?? UNKNOWN;
      return undefined;
    case 'last':
      if (s) return str(...s.map((x) => x.slice(-1)));
      if (v.k === 'list') return v.items[v.items.length - 1] ?? UNKNOWN;
      return undefined;
    case 'list':
      if (s?.length === 1) return { k: 'list', items: [...(s[0] ?? '')].map((c) => str(c)) };
      return v.k === 'list' ? v : undefined;
    case 'replace': {
      if (!s) return undefined;
      const from = pos[0] ? strings(pos[0]) : undefined;
      const to = pos[1] ? strings(pos[1]) : undefined;
      if (!from || !to || from.length !== 1 || to.length !== 1) return { k: 'unknown', tainted: true };
      return str(...s.map((x) => x.split(from[0] ?? '').join(to[0] ?? '')));
    }
    default:
      return undefined;
  }
}

// ---- statements --------------------------------------------------------------------------------------

function analyzeStatement(seg: Segment, a: Analyzer): void {
  const t = seg.tokens;
  const kw = t[0]?.kind === 'name' ? t[0].value : '';
  const p = new ExprParser(t, a);
  p.i = 1;
  switch (kw) {
    case 'set': {
      // {% set a = expr %}, {% set a, b = expr %}, {% set ns.attr = expr %}, block set {% set a %}
      const targets: string[] = [];
      while (!p.done() && !p.isOp('=')) {
        const x = p.peek();
        if (x?.kind === 'name') {
          let name = x.value;
          if (p.isOp('.', 1) && p.peek(2)?.kind === 'name') {
            name = `${name}.${p.peek(2)?.value ?? ''}`;
            if ((p.peek(2)?.value ?? '').startsWith('_')) a.issue('private-attribute', 'critical', p.peek(2)?.offset ?? seg.offset, name, 'assignment to a private/dunder attribute');
            p.i += 2;
          }
          targets.push(name);
        }
        p.i++;
      }
      if (p.isOp('=')) {
        p.i++;
        const v = p.tuple();
        if (targets.length === 1 && targets[0] !== undefined) a.assign(targets[0], v);
        else for (const n of targets) a.assign(n, isTainted(v) || v.k === 'str' ? { k: 'unknown', tainted: true } : UNKNOWN);
      }
      break;
    }
    case 'for': {
      while (!p.done() && !p.isName('in')) p.i++;
      if (p.isName('in')) {
        p.i++;
        const it = p.expr();
        // Loop variables over a constant list of strings hold each of them.
        const targetTok = t[1];
        if (targetTok?.kind === 'name' && it.k === 'list' && it.items.every((x) => x.k === 'str')) {
          a.assign(targetTok.value, str(...it.items.flatMap((x) => (x.k === 'str' ? x.vs : []))));
        }
        if (p.isName('if')) {
          p.i++;
          p.expr();
        }
      }
      break;
    }
    case 'macro':
    case 'call': {
      // Defaults of macro parameters are expressions.
      while (!p.done()) {
        if (p.isOp('=')) {
          p.i++;
          p.expr();
        } else p.i++;
      }
      if (kw === 'call') {
        const q = new ExprParser(t, a);
        q.i = 1;
        if (q.isOp('(')) {
          let depth = 0;
          do {
            if (q.isOp('(')) depth++;
            if (q.isOp(')')) depth--;
            q.i++;
          } while (!q.done() && depth > 0);
        }
        genericExprs(q, a);
      }
      break;
    }
    case 'include':
    case 'import':
    case 'from':
    case 'extends':
      a.issue('template-loading', 'medium', seg.offset, kw, `{% ${kw} %} loads another template; with a file-system loader a chat template can read files of the server`);
      genericExprs(p, a);
      break;
    case 'with': {
      while (!p.done()) {
        if (p.peek()?.kind === 'name' && p.isOp('=', 1)) {
          const n = p.peek()?.value ?? '';
          p.i += 2;
          a.assign(n, p.expr());
        } else if (p.isOp(',')) p.i++;
        else genericExprs(p, a, true);
      }
      break;
    }
    default:
      genericExprs(p, a);
  }
}

/** Parse what remains as expressions; skip one token whenever the grammar does not fit. */
function genericExprs(p: ExprParser, a: Analyzer, once = false): void {
  let guard = 0;
  while (!p.done() && guard++ < 100_000) {
    const start = p.i;
    try {
      p.tuple();
    } catch (e) {
      if (!(e instanceof ParseError) || e.fatal) throw e;
      if (++a.errors > MAX_PARSE_ERRORS) {
        a.markIncomplete();
        throw new ParseError('too many parse errors', true);
      }
      p.i = start + 1;
      continue;
    }
    if (p.i === start) p.i++;
    else if (p.isOp('=') || p.isName('in') || p.isName('as') || p.isName('import') || p.isOp(',')) p.i++;
    if (once) return;
  }
}

// ---- driver -----------------------------------------------------------------------------------------

export interface AnalyzeOptions {
  /** Token bound for the lexer (the `maxTemplateTokens` limit). */
  readonly maxTokens: number;
}

/** Analyse one template. Never throws on any input. */
export function analyzeTemplate(template: string, options: AnalyzeOptions): TemplateAnalysis {
  const a = new Analyzer();
  const lex = lexTemplate(template, options.maxTokens);
  if (lex.truncated) a.markIncomplete();
  for (const err of lex.errors.slice(0, 5)) {
    a.issue('syntax-error', 'low', err.offset, err.message, `the template does not compile (${err.message}); Jinja refuses it, and it was checked token by token`);
  }
  // Pass 1: `{% set %}` and `{% for %}` assignments first, so uses before the definition in source order
  // (macros, loops) still see the constants. Pass 2: everything.
  for (let pass = 0; pass < 2 && a.work <= MAX_PARSE_WORK; pass++) {
    for (const seg of lex.segments) {
      if (a.work > MAX_PARSE_WORK) break;
      if (seg.kind === 'text' || seg.kind === 'comment' || seg.tokens.length === 0) continue;
      const first = seg.tokens[0];
      if (pass === 0 && !(seg.kind === 'stmt' && first?.kind === 'name' && (first.value === 'set' || first.value === 'for' || first.value === 'with'))) continue;
      try {
        if (seg.kind === 'expr') genericExprs(new ExprParser(seg.tokens, a), a);
        else analyzeStatement(seg, a);
      } catch (e) {
        if (!(e instanceof ParseError)) throw e;
      }
    }
  }
  tokenNet(lex.segments, a);
  rawNet(template, a);
  // The folded values of `{% set %}` variables: report dunders built out of sight.
  const issues = a.issues.slice().sort((x, y) => x.offset - y.offset);
  return lex.truncated ? { issues, complete: false, limit: 'maxTemplateTokens' } : { issues, complete: a.isComplete };
}

/** Token-level net: every name and every decoded string literal is looked at, parsed or not. */
function tokenNet(segments: readonly Segment[], a: Analyzer): void {
  for (const seg of segments) {
    const toks = seg.tokens;
    for (let i = 0; i < toks.length; i++) {
      const t = toks[i];
      if (!t) continue;
      if (t.kind === 'name') {
        if (t.value.startsWith('__') && !a.hasIssueAt(t.offset)) a.issue('private-attribute', 'critical', t.offset, t.value, `the template uses the dunder name ${JSON.stringify(t.value)}`);
        const prev = toks[i - 1];
        if (t.value === 'attr' && prev?.kind === 'op' && prev.value === '|' && !a.hasIssueAt(t.offset)) {
          a.issue('attr-filter', 'high', t.offset, '|attr', 'the attr filter is used; ordinary chat templates never need it, sandbox-escape payloads do');
        }
      } else if (t.kind === 'string') {
        a.stringConstant([t.value], t.offset);
        if (t.obfuscated) {
          a.issue(
            'obfuscated-string',
            /_/.test(t.value) || t.opaque === true ? 'high' : 'medium',
            t.offset,
            JSON.stringify(t.value.slice(0, 60)),
            'a string literal spells characters with \\x, \\u, \\N{} or octal escapes; chat templates write them plainly, obfuscated payloads do not',
          );
        }
        // Fragments of dunder names ('__cla', 'ss__') are how names are split to dodge filters.
        if (/^__[A-Za-z]+$|^[A-Za-z]+__$/.test(t.value) && !DUNDER_RE.test(t.value) && !a.hasCriticalNear(t.offset, 200)) {
          a.issue('dunder-string', 'high', t.offset, t.value, `the string ${JSON.stringify(t.value)} looks like a piece of a split dunder name`);
        }
      }
    }
  }
}

/** Raw-text net over the whole template: dunders outside any recognised tag still count. */
function rawNet(template: string, a: Analyzer): void {
  const re = /__[A-Za-z][A-Za-z0-9_]*__/g;
  let m: RegExpExecArray | null;
  let n = 0;
  while ((m = re.exec(template)) !== null && n++ < 50) {
    const near = a.issues.some((i) => Math.abs(i.offset - (m?.index ?? 0)) < 200);
    if (!near) a.issue('dunder-string', 'high', m.index, m[0], `the template text contains the Python dunder name ${JSON.stringify(m[0])}`);
  }
}

/** The `ESCAPE_GLOBALS` list, exported for docs and tests. */
export const TEMPLATE_ESCAPE_GLOBALS: readonly string[] = [...ESCAPE_GLOBALS];
