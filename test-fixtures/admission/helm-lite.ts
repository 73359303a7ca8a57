/**
 * A small renderer for the subset of Helm (Go text/template + Sprig) that the Bulwark charts use, so
 * that tests can check the rendered manifests in `deploy/manifests/` against the chart without the
 * helm binary. Supported: `{{ }}` with `-` trimming and comments; `.Values` `.Release` `.Chart` `$`
 * `.` and variables (`$x := …`, `range $i, $v := …`); `if`/`else if`/`else`, `range`, `with`,
 * `define`/`include`; pipelines; functions include toYaml nindent indent quote default eq ne not and or
 * printf list dict index hasKey join replace trunc trimSuffix lower required empty len b64enc. Anything else
 * is an error, so a chart that uses more fails the test instead of rendering wrongly.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';

type Value = unknown;

type Node =
  | { t: 'text'; s: string }
  | { t: 'out'; p: Pipeline }
  | { t: 'set'; name: string; p: Pipeline }
  | { t: 'if'; branches: { cond: Pipeline | undefined; body: Node[] }[] }
  | { t: 'range'; key?: string; val?: string; p: Pipeline; body: Node[]; els: Node[] }
  | { t: 'with'; p: Pipeline; body: Node[]; els: Node[] };

type Arg = { t: 'field'; base: 'dot' | 'root' | string; path: string[] } | { t: 'lit'; v: Value } | { t: 'sub'; p: Pipeline } | { t: 'fn'; name: string };
type Cmd = Arg[];
type Pipeline = Cmd[];

interface Token {
  kind: 'text' | 'action';
  s: string;
}

function lex(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = open < 0 ? src.slice(i) : src.slice(i, open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open < 0) {
      out.push({ kind: 'text', s: text });
      break;
    }
    const close = src.indexOf('}}', open);
    if (close < 0) throw new Error('unclosed {{');
    let inner = src.slice(open + 2, close);
    if (inner.startsWith('-') && /^-\s/.test(inner)) {
      text = text.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    trimNext = false;
    if (/\s-$/.test(inner)) {
      trimNext = true;
      inner = inner.slice(0, -1);
    }
    out.push({ kind: 'text', s: text });
    const a = inner.trim();
    if (!(a.startsWith('/*') && a.endsWith('*/'))) out.push({ kind: 'action', s: a });
    i = close + 2;
  }
  return out.filter((t) => !(t.kind === 'text' && t.s === ''));
}

function tokenizeAction(s: string): string[] {
  const toks: string[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|:=|\||\(|\)|,|[^\s|(),]+)/y;
  let i = 0;
  while (i < s.length) {
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m?.[1]) {
      if (/^\s*$/.test(s.slice(i))) break;
      throw new Error(`cannot read action ${s}`);
    }
    toks.push(m[1]);
    i = re.lastIndex;
  }
  return toks;
}

function parsePipeline(toks: string[]): Pipeline {
  let p = 0;
  const pipeline = (): Pipeline => {
    const cmds: Pipeline = [];
    let cmd: Cmd = [];
    while (p < toks.length) {
      const t = toks[p] as string;
      if (t === ')') break;
      p++;
      if (t === '|') {
        cmds.push(cmd);
        cmd = [];
      } else if (t === '(') {
        const sub = pipeline();
        if (toks[p] !== ')') throw new Error('missing )');
        p++;
        cmd.push({ t: 'sub', p: sub });
      } else cmd.push(operand(t));
    }
    cmds.push(cmd);
    return cmds;
  };
  const out = pipeline();
  if (p !== toks.length) throw new Error(`unexpected ${toks[p] ?? ''}`);
  return out;
}

function operand(t: string): Arg {
  if (t.startsWith('"')) return { t: 'lit', v: JSON.parse(t) as string };
  if (t.startsWith('`')) return { t: 'lit', v: t.slice(1, -1) };
  if (/^-?\d+$/.test(t)) return { t: 'lit', v: Number(t) };
  if (t === 'true' || t === 'false') return { t: 'lit', v: t === 'true' };
  if (t === 'nil') return { t: 'lit', v: null };
  if (t === '.') return { t: 'field', base: 'dot', path: [] };
  if (t.startsWith('.')) return { t: 'field', base: 'dot', path: t.slice(1).split('.') };
  if (t === '$') return { t: 'field', base: 'root', path: [] };
  if (t.startsWith('$')) {
    const [v, ...rest] = t.split('.');
    return v === '$' ? { t: 'field', base: 'root', path: rest } : { t: 'field', base: v as string, path: rest };
  }
  return { t: 'fn', name: t };
}

interface Block {
  readonly kind: 'root' | 'if' | 'range' | 'with' | 'define';
  readonly nodes: Node[];
  readonly node?: Node;
  readonly name?: string;
  inElse?: boolean;
}

function parseTemplate(src: string, defines: Map<string, Node[]>): Node[] {
  const stack: Block[] = [{ kind: 'root', nodes: [] }];
  const top = (): Block => stack[stack.length - 1] as Block;
  const target = (): Node[] => {
    const b = top();
    if (b.kind === 'if' && b.node?.t === 'if') return (b.node.branches[b.node.branches.length - 1] as { body: Node[] }).body;
    if ((b.kind === 'range' || b.kind === 'with') && (b.node?.t === 'range' || b.node?.t === 'with')) return b.inElse === true ? b.node.els : b.node.body;
    return b.nodes;
  };
  for (const tok of lex(src)) {
    if (tok.kind === 'text') {
      target().push({ t: 'text', s: tok.s });
      continue;
    }
    const toks = tokenizeAction(tok.s);
    const head = toks[0];
    if (head === 'if') {
      const node: Node = { t: 'if', branches: [{ cond: parsePipeline(toks.slice(1)), body: [] }] };
      target().push(node);
      stack.push({ kind: 'if', nodes: [], node });
    } else if (head === 'else') {
      const b = top();
      if (b.kind === 'if' && b.node?.t === 'if') b.node.branches.push({ cond: toks[1] === 'if' ? parsePipeline(toks.slice(2)) : undefined, body: [] });
      else if (b.kind === 'range' || b.kind === 'with') b.inElse = true;
      else throw new Error('else outside if/range/with');
    } else if (head === 'range') {
      let rest = toks.slice(1);
      let key: string | undefined;
      let val: string | undefined;
      const decl = rest.indexOf(':=');
      if (decl >= 0) {
        const vars = rest.slice(0, decl).filter((x) => x !== ',');
        if (vars.length === 2) [key, val] = vars;
        else val = vars[0];
        rest = rest.slice(decl + 1);
      }
      const node: Node = { t: 'range', ...(key !== undefined && { key }), ...(val !== undefined && { val }), p: parsePipeline(rest), body: [], els: [] };
      target().push(node);
      stack.push({ kind: 'range', nodes: [], node });
    } else if (head === 'with') {
      const node: Node = { t: 'with', p: parsePipeline(toks.slice(1)), body: [], els: [] };
      target().push(node);
      stack.push({ kind: 'with', nodes: [], node });
    } else if (head === 'define') {
      const name = JSON.parse(toks[1] ?? '""') as string;
      stack.push({ kind: 'define', nodes: [], name });
    } else if (head === 'end') {
      const b = stack.pop();
      if (b === undefined || b.kind === 'root') throw new Error('unbalanced end');
      if (b.kind === 'define' && b.name !== undefined) defines.set(b.name, b.nodes);
    } else if (head !== undefined && head.startsWith('$') && toks[1] === ':=') {
      target().push({ t: 'set', name: head, p: parsePipeline(toks.slice(2)) });
    } else target().push({ t: 'out', p: parsePipeline(toks) });
  }
  if (stack.length !== 1) throw new Error('unclosed block');
  return (stack[0] as Block).nodes;
}

function truthy(v: Value): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function str(v: Value): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function toYaml(v: Value): string {
  if (v === undefined || v === null) return 'null';
  return stringify(v, { lineWidth: 0 }).replace(/\n$/, '');
}

interface Scope {
  readonly dot: Value;
  readonly root: Value;
  readonly vars: Map<string, Value>;
}

export class HelmLite {
  private readonly defines = new Map<string, Node[]>();

  constructor(private readonly files: readonly { name: string; text: string }[]) {
    for (const f of files) if (f.name.endsWith('.tpl')) parseTemplate(f.text, this.defines);
  }

  /** Render every template (not `_*.tpl`) in file-name order; returns the documents' text. */
  render(values: Value, release: { name: string; namespace: string }, chart: Value): string {
    const root = { Values: values, Release: { Name: release.name, Namespace: release.namespace, Service: 'Helm' }, Chart: chart };
    const out: string[] = [];
    for (const f of [...this.files].sort((a, b) => a.name.localeCompare(b.name))) {
      if (f.name.endsWith('.tpl')) continue;
      const text = this.exec(parseTemplate(f.text, this.defines), { dot: root, root, vars: new Map() });
      if (text.trim() !== '') out.push(`# Source: ${f.name}\n${text.trim()}\n`);
    }
    return out.join('---\n');
  }

  private exec(nodes: readonly Node[], scope: Scope): string {
    let out = '';
    const vars = new Map(scope.vars);
    const s: Scope = { ...scope, vars };
    for (const n of nodes) {
      switch (n.t) {
        case 'text':
          out += n.s;
          break;
        case 'out':
          out += str(this.pipeline(n.p, s));
          break;
        case 'set':
          vars.set(n.name, this.pipeline(n.p, s));
          break;
        case 'if': {
          for (const b of n.branches) {
            if (b.cond === undefined || truthy(this.pipeline(b.cond, s))) {
              out += this.exec(b.body, s);
              break;
            }
          }
          break;
        }
        case 'with': {
          const v = this.pipeline(n.p, s);
          out += truthy(v) ? this.exec(n.body, { ...s, dot: v }) : this.exec(n.els, s);
          break;
        }
        case 'range': {
          const v = this.pipeline(n.p, s);
          const entries: [Value, Value][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : v !== null && typeof v === 'object' ? Object.keys(v).sort().map((k) => [k, (v as Record<string, Value>)[k]]) : [];
          if (entries.length === 0) out += this.exec(n.els, s);
          for (const [k, x] of entries) {
            const inner = new Map(vars);
            if (n.key !== undefined) inner.set(n.key, k);
            if (n.val !== undefined) inner.set(n.val, x);
            out += this.exec(n.body, { ...s, dot: x, vars: inner });
          }
          break;
        }
      }
    }
    return out;
  }

  private arg(a: Arg, s: Scope): Value {
    switch (a.t) {
      case 'lit':
        return a.v;
      case 'sub':
        return this.pipeline(a.p, s);
      case 'fn':
        return this.call(a.name, [], s);
      case 'field': {
        let cur: Value = a.base === 'dot' ? s.dot : a.base === 'root' ? s.root : s.vars.get(a.base);
        if (a.base !== 'dot' && a.base !== 'root' && !s.vars.has(a.base)) throw new Error(`undefined variable ${a.base}`);
        for (const seg of a.path) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, Value>)[seg] : undefined;
        return cur;
      }
    }
  }

  private pipeline(p: Pipeline, s: Scope): Value {
    let prev: Value;
    let first = true;
    for (const cmd of p) {
      const [head, ...rest] = cmd;
      if (head === undefined) throw new Error('empty command');
      const args = rest.map((a) => this.arg(a, s));
      if (!first) args.push(prev);
      prev = head.t === 'fn' ? this.call(head.name, args, s) : rest.length === 0 && first ? this.arg(head, s) : (() => {
        throw new Error('cannot call a value');
      })();
      first = false;
    }
    return prev;
  }

  private call(name: string, a: Value[], s: Scope): Value {
    const n = (i: number): number => Number(a[i]);
    switch (name) {
      case 'include': {
        const body = this.defines.get(str(a[0]));
        if (body === undefined) throw new Error(`no template ${str(a[0])}`);
        return this.exec(body, { dot: a[1], root: s.root, vars: new Map() });
      }
      case 'toYaml':
        return toYaml(a[0]);
      case 'nindent':
        return `\n${this.call('indent', a, s) as string}`;
      case 'indent': {
        const pad = ' '.repeat(n(0));
        return str(a[1])
          .split('\n')
          .map((l) => pad + l)
          .join('\n');
      }
      case 'quote':
        return JSON.stringify(str(a[0]));
      case 'default':
        return truthy(a[1]) ? a[1] : a[0];
      case 'eq':
        return a.slice(1).some((x) => x === a[0]);
      case 'ne':
        return a[0] !== a[1];
      case 'not':
        return !truthy(a[0]);
      case 'and':
        return a.every(truthy) ? a[a.length - 1] : a.find((x) => !truthy(x));
      case 'or':
        return a.find(truthy) ?? a[a.length - 1];
      case 'printf': {
        let i = 1;
        return str(a[0]).replace(/%[sdv]/g, () => str(a[i++]));
      }
      case 'list':
        return a;
      case 'dict': {
        const o: Record<string, Value> = {};
        for (let i = 0; i + 1 < a.length; i += 2) o[str(a[i])] = a[i + 1];
        return o;
      }
      case 'index': {
        let cur = a[0];
        for (const k of a.slice(1)) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, Value>)[str(k)] : undefined;
        return cur;
      }
      case 'hasKey':
        return a[0] !== null && typeof a[0] === 'object' && Object.prototype.hasOwnProperty.call(a[0], str(a[1]));
      case 'join':
        return (Array.isArray(a[1]) ? a[1] : []).map(str).join(str(a[0]));
      case 'replace':
        return str(a[2]).replaceAll(str(a[0]), str(a[1]));
      case 'trunc':
        return str(a[1]).slice(0, n(0));
      case 'trimSuffix':
        return str(a[1]).endsWith(str(a[0])) ? str(a[1]).slice(0, -str(a[0]).length) : str(a[1]);
      case 'lower':
        return str(a[0]).toLowerCase();
      case 'required':
        if (!truthy(a[1])) throw new Error(str(a[0]));
        return a[1];
      case 'empty':
        return !truthy(a[0]);
      case 'len':
        return Array.isArray(a[0]) ? a[0].length : typeof a[0] === 'string' ? a[0].length : a[0] !== null && typeof a[0] === 'object' ? Object.keys(a[0]).length : 0;
      case 'b64enc':
        return Buffer.from(str(a[0]), 'utf8').toString('base64');
      default:
        throw new Error(`unsupported function ${name}`);
    }
  }
}

/** Render the chart in `dir` with its values.yaml (and `overrides` merged on top, one level deep). */
export function renderChart(dir: string, release: { name: string; namespace: string }, overrides: Record<string, unknown> = {}): string {
  const chart = parseYaml(readFileSync(join(dir, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
  const values = { ...(parseYaml(readFileSync(join(dir, 'values.yaml'), 'utf8')) as Record<string, unknown>), ...overrides };
  const tdir = join(dir, 'templates');
  const files = readdirSync(tdir).map((name) => ({ name: `templates/${name}`, text: readFileSync(join(tdir, name), 'utf8') }));
  return new HelmLite(files).render(values, release, { Name: chart['name'], Version: chart['version'], AppVersion: chart['appVersion'] });
}
