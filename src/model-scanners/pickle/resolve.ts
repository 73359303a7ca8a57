/**
 * What a symbolic value denotes, statically: the object a chain of innocent-looking callables
 * resolves to. Handles
 * - `getattr(x, "name")`, `inspect.getattr_static`, `object.__getattribute__`;
 * - `importlib.import_module("os")`, `__import__("os")`, `pkgutil.resolve_name`, `pydoc.locate`;
 * - `vars(m)` / `m.__dict__` + `dict.get` / `operator.getitem` / `ns.get(...)`, `sys.modules[...]`;
 * - `operator.attrgetter`, `itemgetter`, `methodcaller`; `functools.partial`, `types.MethodType`,
 *   `apply`, `map`/`filter`/`starmap`, `functools.reduce` (the callable they end up calling);
 * - `copyreg._reconstructor` / `__newobj__` (the class they construct);
 * - small pure evaluators that build strings and bytes (`_codecs.encode`, base64, hex, `str.join`,
 *   `operator.add`, `zlib.decompress`, …), so names and nested pickles built at load time are known.
 * Anything else is `dynamic`: computed at load time and graded as such.
 */
import type { Severity } from '../../findings/index.js';
import { pushAll } from '../../findings/index.js';
import type { Verdict } from './policy.js';
import { renderValue, safeName } from './render.js';
import type { Value } from './values.js';
import type { Call, Global } from './values.js';
import { PyBytes, PyDict, dictGet, seqItems, strOf } from './values.js';

export type Den =
  | { readonly t: 'global'; readonly g: Global }
  | { readonly t: 'inst'; readonly cls: Global }
  | { readonly t: 'ns'; readonly of: Global }
  | { readonly t: 'modules' }
  | { readonly t: 'attrgetter'; readonly paths: readonly (readonly string[])[] }
  | { readonly t: 'itemgetter'; readonly keys: readonly Value[] }
  | { readonly t: 'methodcaller'; readonly name: string; readonly args: readonly Value[]; readonly kwargs: PyDict | null }
  | { readonly t: 'partial'; readonly fn: Value; readonly args: readonly Value[]; readonly kwargs: PyDict | null }
  | { readonly t: 'bound'; readonly self: Den; readonly selfValue: Value; readonly name: string }
  | { readonly t: 'value'; readonly v: Value }
  | { readonly t: 'bytesio'; readonly bytes: PyBytes }
  | { readonly t: 'nested'; readonly loader: Global }
  | { readonly t: 'dynamic'; readonly why: string; readonly severity: Severity };

export interface ResolveEnv {
  intern(module: string, name: string): Global;
  verdict(g: Global): Verdict;
  /** A global reached by resolution (not by an opcode): recorded like a GLOBAL reference. */
  reference(g: Global, via: Call): void;
  /** A global used as the base of a further resolution (an intermediate, e.g. the module in getattr(os, "system")). */
  consumed(g: Global): void;
  /** zlib inflate, bounded by the limits; undefined when it fails or exceeds them. */
  inflate(data: Uint8Array): Uint8Array | undefined;
  readonly maxStringBytes: number;
}

/** One callable actually invoked by a call op, after unwrapping partial / methodcaller / apply chains. */
export interface Target {
  readonly den: Den;
  readonly args: readonly Value[];
  readonly kwargs: PyDict | null;
  /** The call constructs an instance of a class (NEWOBJ, __reduce__ reconstructors). */
  readonly construct: boolean;
}

export interface CallAnalysis {
  readonly result: Den;
  readonly targets: readonly Target[];
}

const MAX_DEPTH = 48;
const dyn = (why: string, severity: Severity = 'high'): Den => ({ t: 'dynamic', why, severity });

function joinName(base: string, name: string): string {
  return base === '' ? name : `${base}.${name}`;
}

export function resolve(env: ResolveEnv, v: Value, depth = 0): Den {
  if (typeof v !== 'object' || v === null) return { t: 'value', v };
  switch (v.k) {
    case 'global':
      if (v.dynamic) return dyn(`a global imported by a computed name (${renderValue(v)})`, 'critical');
      if (env.verdict(v).role === 'sys-modules') return { t: 'modules' };
      return { t: 'global', g: v };
    case 'call': {
      if (v.den !== undefined) return v.den as Den;
      const d = depth > MAX_DEPTH ? dyn('a call chain too deep to resolve') : analyzeCall(env, v, depth + 1).result;
      v.den = d;
      return d;
    }
    case 'pers':
      return dyn('an object returned by persistent_load');
    case 'unknown':
      return dyn(v.why);
    default:
      return { t: 'value', v };
  }
}

/** Denotation as a short readable text (for "resolves to …"). */
export function renderDen(d: Den): string {
  switch (d.t) {
    case 'global':
      return renderValue(d.g);
    case 'inst':
      return `<instance of ${renderValue(d.cls)}>`;
    case 'ns':
      return `vars(${renderValue(d.of)})`;
    case 'modules':
      return 'sys.modules';
    case 'attrgetter':
      return `operator.attrgetter(${d.paths.map((p) => JSON.stringify(p.join('.'))).join(', ')})`;
    case 'itemgetter':
      return `operator.itemgetter(${d.keys.map((k) => renderValue(k)).join(', ')})`;
    case 'methodcaller':
      return `operator.methodcaller(${JSON.stringify(d.name)}, …)`;
    case 'partial':
      return `functools.partial(${renderValue(d.fn)}, …)`;
    case 'bound':
      return `${renderDen(d.self)}.${safeName(d.name)}`;
    case 'value':
      return renderValue(d.v);
    case 'bytesio':
      return `io.BytesIO(${renderValue(d.bytes)})`;
    case 'nested':
      return `<object loaded by ${renderValue(d.loader)}>`;
    case 'dynamic':
      return `<${d.why}>`;
  }
}

function getAttr(env: ResolveEnv, base: Den, name: string, via: Call): Den {
  switch (base.t) {
    case 'global': {
      env.consumed(base.g);
      if (name === '__dict__') {
        env.reference(env.intern(base.g.module, joinName(base.g.name, name)), via);
        return { t: 'ns', of: base.g };
      }
      const g = env.intern(base.g.module, joinName(base.g.name, name));
      env.reference(g, via);
      if (env.verdict(g).role === 'sys-modules') return { t: 'modules' };
      return { t: 'global', g };
    }
    case 'inst': {
      // An attribute of an instance: a method or class attribute of its class (data attributes are
      // not known statically; grading them as the class attribute is conservative).
      const g = env.intern(base.cls.module, joinName(base.cls.name, name));
      env.reference(g, via);
      return { t: 'global', g };
    }
    case 'ns':
    case 'modules':
    case 'value':
    case 'bytesio':
      return { t: 'bound', self: base, selfValue: null, name };
    case 'dynamic':
      return base;
    default:
      return dyn(`attribute ${JSON.stringify(name)} of ${renderDen(base)}`);
  }
}

function lookup(env: ResolveEnv, container: Den, key: Value, via: Call, depth: number): Den {
  switch (container.t) {
    case 'ns': {
      env.consumed(container.of);
      const k = strOf(key);
      if (k === undefined) return dyn(`a name looked up in ${renderDen(container)} by a computed key`, 'critical');
      const g = env.intern(container.of.module, joinName(container.of.name, k));
      env.reference(g, via);
      return { t: 'global', g };
    }
    case 'modules': {
      const k = strOf(key);
      if (k === undefined) return dyn('a module looked up in sys.modules by a computed key', 'critical');
      const g = env.intern(k, '');
      env.reference(g, via);
      return { t: 'global', g };
    }
    case 'value': {
      const c = container.v;
      if (typeof c === 'object' && c !== null) {
        if (c.k === 'dict' && typeof key === 'string') {
          const x = dictGet(c, key);
          if (x !== undefined) return resolve(env, x, depth);
        }
        if ((c.k === 'tuple' || c.k === 'list') && typeof key === 'number') {
          const x = c.items[key < 0 ? c.items.length + key : key];
          if (x !== undefined) return resolve(env, x, depth);
        }
      }
      if (typeof c === 'string' && typeof key === 'number') {
        const ch = [...c][key < 0 ? [...c].length + key : key];
        if (ch !== undefined) return { t: 'value', v: ch };
      }
      return dyn('an item of a container that is not statically known');
    }
    case 'global':
      // Subscription of a module-level object: a parametrised generic (typing.Union[int, None]) or an
      // item of a data object (os.environ["HOME"]): an opaque instance, graded if it is called.
      return { t: 'inst', cls: container.g };
    case 'dynamic':
      return container;
    default:
      return dyn(`an item of ${renderDen(container)}`);
  }
}

function kwGet(kwargs: PyDict | null, key: string): Value | undefined {
  return kwargs === null ? undefined : dictGet(kwargs, key);
}

function mergeKw(a: PyDict | null, b: PyDict | null): PyDict | null {
  if (a === null) return b;
  if (b === null) return a;
  return new PyDict([...a.keys, ...b.keys], [...a.vals, ...b.vals]);
}

/** What calling the denotation `f` with `args` invokes and returns. */
export function invoke(env: ResolveEnv, f: Den, args: readonly Value[], kwargs: PyDict | null, construct: boolean, via: Call, depth: number): CallAnalysis {
  if (depth > MAX_DEPTH) {
    const d = dyn('a call chain too deep to resolve');
    return { result: d, targets: [{ den: d, args, kwargs, construct }] };
  }
  switch (f.t) {
    case 'partial':
      return invoke(env, resolve(env, f.fn, depth + 1), [...f.args, ...args], mergeKw(f.kwargs, kwargs), false, via, depth + 1);
    case 'methodcaller': {
      const self = args[0];
      if (self === undefined) return leaf(f, args, kwargs, construct, dyn('methodcaller called without an object'));
      const m = getAttr(env, resolve(env, self, depth + 1), f.name, via);
      return invoke(env, m, f.args, f.kwargs, false, via, depth + 1);
    }
    case 'attrgetter': {
      const self = args[0];
      if (self === undefined || f.paths.length !== 1) return leaf(f, args, kwargs, construct, dyn('attrgetter result'));
      let d = resolve(env, self, depth + 1);
      for (const part of f.paths[0] ?? []) d = getAttr(env, d, part, via);
      return { result: d, targets: [{ den: f, args, kwargs, construct }] };
    }
    case 'itemgetter': {
      const self = args[0];
      if (self === undefined || f.keys.length !== 1) return leaf(f, args, kwargs, construct, dyn('itemgetter result'));
      const d = lookup(env, resolve(env, self, depth + 1), f.keys[0] ?? null, via, depth + 1);
      return { result: d, targets: [{ den: f, args, kwargs, construct }] };
    }
    case 'bound':
      return invokeBound(env, f, args, kwargs, construct, via, depth);
    case 'global':
      return invokeGlobal(env, f.g, args, kwargs, construct, via, depth);
    default:
      return leaf(f, args, kwargs, construct, dyn(`the result of calling ${renderDen(f)}`));
  }
}

function leaf(f: Den, args: readonly Value[], kwargs: PyDict | null, construct: boolean, result: Den): CallAnalysis {
  return { result, targets: [{ den: f, args, kwargs, construct }] };
}

function invokeBound(env: ResolveEnv, f: Extract<Den, { t: 'bound' }>, args: readonly Value[], kwargs: PyDict | null, construct: boolean, via: Call, depth: number): CallAnalysis {
  const self = f.self;
  if ((self.t === 'ns' || self.t === 'modules') && ['get', '__getitem__', 'setdefault', 'pop'].includes(f.name)) {
    return { result: lookup(env, self, args[0] ?? null, via, depth + 1), targets: [{ den: f, args, kwargs, construct }] };
  }
  if (self.t === 'value') {
    const r = evalMethod(env, self.v, f.name, args);
    if (r !== undefined) return { result: r, targets: [{ den: f, args, kwargs, construct }] };
  }
  return leaf(f, args, kwargs, construct, dyn(`the result of ${renderDen(f)}(…)`));
}

function invokeGlobal(env: ResolveEnv, g: Global, args: readonly Value[], kwargs: PyDict | null, construct: boolean, via: Call, depth: number): CallAnalysis {
  const v = env.verdict(g);
  const self: Target = { den: { t: 'global', g }, args, kwargs, construct };
  const one = (result: Den): CallAnalysis => ({ result, targets: [self] });
  const a0 = args[0];
  const a1 = args[1];
  switch (v.role) {
    case 'getattr': {
      if (a0 === undefined) return one(dyn('getattr without arguments'));
      const name = strOf(a1 ?? null);
      if (name === undefined) return one(dyn(`an attribute of ${renderValue(a0)} whose name is computed at load time`, severityOfBase(env, a0, depth)));
      return one(getAttr(env, resolve(env, a0, depth + 1), name, via));
    }
    case 'import': {
      const name = strOf(a0 ?? null);
      if (name === undefined || name.startsWith('.')) return one(dyn('a module imported by a name computed at load time', 'critical'));
      let mod = name;
      if (g.name === '__import__') {
        const fromlist = args[3] ?? kwGet(kwargs, 'fromlist');
        const items = fromlist === undefined ? undefined : seqItems(fromlist);
        if (items === undefined || items.length === 0) mod = name.split('.')[0] ?? name;
      }
      const m = env.intern(mod, '');
      env.reference(m, via);
      return one({ t: 'global', g: m });
    }
    case 'resolve-name': {
      const name = strOf(a0 ?? null);
      if (name === undefined) return one(dyn('an object resolved by a name computed at load time', 'critical'));
      const colon = name.indexOf(':');
      let mod: string;
      let attr: string;
      if (colon >= 0) {
        mod = name.slice(0, colon);
        attr = name.slice(colon + 1);
      } else {
        const dot = name.lastIndexOf('.');
        mod = dot < 0 ? name : name.slice(0, dot);
        attr = dot < 0 ? '' : name.slice(dot + 1);
      }
      const r = env.intern(mod, attr);
      env.reference(r, via);
      return one({ t: 'global', g: r });
    }
    case 'type-of':
      // type(x): the class of a value (type(None) is how pickle writes NoneType). The three-argument
      // form builds a class and is graded by the policy (grade.ts).
      return one({ t: 'inst', cls: g });
    case 'resolve-pair': {
      const mod = strOf(a0 ?? null);
      const name = strOf(a1 ?? null);
      if (mod === undefined || name === undefined) return one(dyn('an object resolved by a module and name computed at load time', 'critical'));
      const r = env.intern(mod, name);
      env.reference(r, via);
      return one({ t: 'global', g: r });
    }
    case 'vars': {
      if (a0 === undefined) return one(dyn('the local namespace of the loader (vars() without argument)', 'critical'));
      const base = resolve(env, a0, depth + 1);
      if (base.t === 'global') {
        env.consumed(base.g);
        return one({ t: 'ns', of: base.g });
      }
      if (base.t === 'inst') return one(dyn(`the attribute dict of ${renderDen(base)}`));
      return one(dyn(`the namespace of ${renderDen(base)}`));
    }
    case 'dict-get':
    case 'getitem':
      if (a0 === undefined) return one(dyn('item lookup without a container'));
      return one(lookup(env, resolve(env, a0, depth + 1), a1 ?? null, via, depth + 1));
    case 'attrgetter': {
      const paths: string[][] = [];
      for (const a of args) {
        const s = strOf(a);
        if (s === undefined) return one(dyn('an attrgetter of a computed name', 'critical'));
        paths.push(s.split('.'));
      }
      return one({ t: 'attrgetter', paths });
    }
    case 'itemgetter':
      return one({ t: 'itemgetter', keys: [...args] });
    case 'methodcaller': {
      const name = strOf(a0 ?? null);
      if (name === undefined) return one(dyn('a methodcaller of a computed name', 'critical'));
      return one({ t: 'methodcaller', name, args: args.slice(1), kwargs });
    }
    case 'partial':
    case 'method-type':
      if (a0 === undefined) return one(dyn('partial without a callable'));
      return one({ t: 'partial', fn: a0, args: args.slice(1), kwargs: v.role === 'partial' ? kwargs : null });
    case 'apply': {
      if (a0 === undefined) return one(dyn('apply without a callable'));
      const inner = invoke(env, resolve(env, a0, depth + 1), seqItems(a1 ?? null) ?? [], null, false, via, depth + 1);
      return { result: inner.result, targets: [self, ...inner.targets] };
    }
    case 'lazy-map': {
      if (a0 === undefined) return one(dyn('map without a callable'));
      // The callable runs when the iterator is consumed; grade it as called with the first items.
      const firsts: Value[] = [];
      for (const it of args.slice(1)) {
        const items = seqItems(it);
        const x = items?.[0];
        if (x !== undefined) {
          if (g.name === 'starmap') pushAll(firsts, seqItems(x) ?? [x]);
          else firsts.push(x);
        }
      }
      const inner = invoke(env, resolve(env, a0, depth + 1), firsts, null, false, via, depth + 1);
      return { result: dyn('a lazy iterator'), targets: [self, ...inner.targets] };
    }
    case 'reduce': {
      if (a0 === undefined) return one(dyn('reduce without a callable'));
      const items = seqItems(a1 ?? null) ?? [];
      const init = args[2];
      const first = init !== undefined ? [init, items[0] ?? null] : [items[0] ?? null, items[1] ?? null];
      const inner = invoke(env, resolve(env, a0, depth + 1), first, null, false, via, depth + 1);
      return { result: dyn('the result of functools.reduce'), targets: [self, ...inner.targets] };
    }
    case 'reconstructor':
    case 'newobj': {
      // copyreg._reconstructor(cls, base, state) → base.__new__(cls, state) (+ base.__init__);
      // copyreg.__newobj__(cls, *args) → cls.__new__(cls, *args).
      if (a0 === undefined) return one(dyn('reconstructor without a class'));
      const cls = resolve(env, a0, depth + 1);
      const targets: Target[] = [self, { den: cls, args: v.role === 'newobj' ? args.slice(1) : [], kwargs: null, construct: true }];
      if (v.role === 'reconstructor' && a1 !== undefined) {
        const base = resolve(env, a1, depth + 1);
        if (!(base.t === 'global' && base.g.module === 'builtins' && base.g.name === 'object')) {
          targets.push({ den: base, args: args[2] === undefined ? [] : [args[2]], kwargs: null, construct: true });
        }
      }
      return { result: cls.t === 'global' ? { t: 'inst', cls: cls.g } : dyn(`an instance of ${renderDen(cls)}`), targets };
    }
    case 'bytesio': {
      const b = a0 === undefined ? undefined : bytesOf(env, a0, depth);
      return one(b !== undefined ? { t: 'bytesio', bytes: b } : { t: 'inst', cls: g });
    }
    case 'nested-loader':
      return one({ t: 'nested', loader: g });
    case 'evaluator': {
      const r = evaluate(env, v.matched, args, kwargs, depth);
      return one(r ?? { t: 'inst', cls: g });
    }
    case 'sys-modules':
      return one(dyn('calling sys.modules'));
    default:
      return one(g.name === '' ? dyn(`calling the module ${renderValue(g)}`) : { t: 'inst', cls: g });
  }
}

function severityOfBase(env: ResolveEnv, base: Value, depth: number): Severity {
  const d = resolve(env, base, depth + 1);
  if (d.t === 'global' || d.t === 'ns') {
    const g = d.t === 'global' ? d.g : d.of;
    const v = env.verdict(g);
    if (v.kind !== 'allow') return 'critical';
  }
  return 'high';
}

/** Analyse one call op: what it invokes (for grading) and what it returns (for later resolution). */
export function analyzeCall(env: ResolveEnv, c: Call, depth = 0): CallAnalysis {
  const via = c;
  const construct = c.op === 'NEWOBJ' || c.op === 'NEWOBJ_EX';
  const f = resolve(env, c.callee, depth + 1);
  if (construct) {
    if (f.t === 'global') return { result: { t: 'inst', cls: f.g }, targets: [{ den: f, args: c.args ?? [], kwargs: c.kwargs, construct: true }] };
    return leaf(f, c.args ?? [], c.kwargs, true, dyn(`an instance of ${renderDen(f)}`));
  }
  return invoke(env, f, c.args ?? [], c.kwargs, false, via, depth);
}

// ---------------------------------------------------------------------------------------------
// Evaluators: pure functions over concrete values (strings and bytes), bounded by maxStringBytes.

const latin1 = (s: string): Uint8Array | undefined => {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) return undefined;
    out[i] = c;
  }
  return out;
};

function encodeStr(s: string, enc: string): Uint8Array | undefined {
  const e = enc.toLowerCase().replace(/[-_ ]/g, '');
  if (e === 'latin1' || e === 'iso88591' || e === 'l1' || e === 'cp819') return latin1(s);
  if (e === 'utf8' || e === 'u8') return new TextEncoder().encode(s);
  if (e === 'ascii' || e === 'usascii') {
    const b = latin1(s);
    return b && b.every((x) => x < 0x80) ? b : undefined;
  }
  return undefined;
}

function decodeBytes(b: Uint8Array, enc: string): string | undefined {
  const e = enc.toLowerCase().replace(/[-_ ]/g, '');
  try {
    if (e === 'latin1' || e === 'iso88591') return Array.from(b, (x) => String.fromCharCode(x)).join('');
    if (e === 'utf8' || e === 'ascii') return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    return undefined;
  }
  return undefined;
}

function bytesOf(env: ResolveEnv, v: Value, depth: number): PyBytes | undefined {
  if (typeof v === 'object' && v !== null && v.k === 'bytes') return v;
  if (typeof v === 'object' && v !== null && v.k === 'call') {
    const d = resolve(env, v, depth + 1);
    if (d.t === 'value' && typeof d.v === 'object' && d.v !== null && d.v.k === 'bytes') return d.v;
    if (d.t === 'bytesio') return d.bytes;
  }
  return undefined;
}

function strValue(env: ResolveEnv, v: Value | undefined, depth: number): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null && v.k === 'call') {
    const d = resolve(env, v, depth + 1);
    if (d.t === 'value' && typeof d.v === 'string') return d.v;
  }
  return undefined;
}

function mkBytes(env: ResolveEnv, data: Uint8Array | undefined, bytearray = false): Den | undefined {
  if (data === undefined) return undefined;
  return { t: 'value', v: new PyBytes(data, -1, data.length, bytearray) };
}

function base64Decode(s: string, urlsafe: boolean): Uint8Array | undefined {
  let t = s.replace(/[\s]/g, '');
  if (urlsafe) t = t.replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t)) return undefined;
  return new Uint8Array(Buffer.from(t, 'base64'));
}

function hexDecode(s: string): Uint8Array | undefined {
  const t = s.replace(/\s/g, '');
  if (t.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(t)) return undefined;
  return new Uint8Array(Buffer.from(t, 'hex'));
}

function dataOf(env: ResolveEnv, v: Value | undefined, depth: number): Uint8Array | undefined {
  if (v === undefined) return undefined;
  const b = bytesOf(env, v, depth);
  if (b?.data !== undefined) return b.data;
  const s = strValue(env, v, depth);
  return s === undefined ? undefined : latin1(s);
}

/** A few pure callables, evaluated when every argument is concrete. */
function evaluate(env: ResolveEnv, qual: string, args: readonly Value[], kwargs: PyDict | null, depth: number): Den | undefined {
  const max = env.maxStringBytes;
  const a0 = args[0];
  const str = (s: string | undefined): Den | undefined => (s === undefined || s.length > max ? undefined : { t: 'value', v: s });
  switch (qual) {
    case '_codecs.encode':
    case 'codecs.encode': {
      const s = strValue(env, a0, depth);
      const enc = strValue(env, args[1] ?? kwGet(kwargs, 'encoding'), depth) ?? 'utf-8';
      if (s !== undefined) {
        if (enc.toLowerCase() === 'rot13' || enc.toLowerCase() === 'rot_13') return str(rot13(s));
        return mkBytes(env, encodeStr(s, enc));
      }
      return undefined;
    }
    case 'codecs.decode':
    case '_codecs.decode': {
      const enc = (strValue(env, args[1] ?? kwGet(kwargs, 'encoding'), depth) ?? 'utf-8').toLowerCase();
      const s = strValue(env, a0, depth);
      if (s !== undefined && (enc === 'rot13' || enc === 'rot_13')) return str(rot13(s));
      const d = dataOf(env, a0, depth);
      if (d === undefined) return undefined;
      if (enc === 'hex' || enc === 'hex_codec') return mkBytes(env, hexDecode(Buffer.from(d).toString('latin1')));
      if (enc === 'base64' || enc === 'base64_codec' || enc === 'base_64') return mkBytes(env, base64Decode(Buffer.from(d).toString('latin1'), false));
      if (enc === 'zlib' || enc === 'zlib_codec' || enc === 'zip') return mkBytes(env, env.inflate(d));
      return str(decodeBytes(d, enc));
    }
    case 'base64.b64decode':
    case 'base64.standard_b64decode':
    case 'binascii.a2b_base64': {
      const d = dataOf(env, a0, depth);
      return d === undefined ? undefined : mkBytes(env, base64Decode(Buffer.from(d).toString('latin1'), false));
    }
    case 'base64.urlsafe_b64decode': {
      const d = dataOf(env, a0, depth);
      return d === undefined ? undefined : mkBytes(env, base64Decode(Buffer.from(d).toString('latin1'), true));
    }
    case 'base64.b16decode':
    case 'binascii.unhexlify':
    case 'binascii.a2b_hex':
    case 'builtins.bytes.fromhex': {
      const d = dataOf(env, a0, depth);
      return d === undefined ? undefined : mkBytes(env, hexDecode(Buffer.from(d).toString('latin1')));
    }
    case 'builtins.bytearray.fromhex': {
      const d = dataOf(env, a0, depth);
      return d === undefined ? undefined : mkBytes(env, hexDecode(Buffer.from(d).toString('latin1')), true);
    }
    case 'builtins.bytes':
    case 'builtins.bytearray': {
      const ba = qual === 'builtins.bytearray';
      if (a0 === undefined) return mkBytes(env, new Uint8Array(0), ba);
      const s = strValue(env, a0, depth);
      if (s !== undefined) {
        const enc = strValue(env, args[1] ?? kwGet(kwargs, 'encoding'), depth);
        return enc === undefined ? undefined : mkBytes(env, encodeStr(s, enc), ba);
      }
      const b = bytesOf(env, a0, depth);
      if (b !== undefined) return b.data === undefined ? { t: 'value', v: b } : mkBytes(env, b.data, ba);
      const items = seqItems(a0);
      if (items !== undefined && items.every((x) => typeof x === 'number' && x >= 0 && x < 256)) return mkBytes(env, Uint8Array.from(items as number[]), ba);
      return undefined;
    }
    case 'builtins.str': {
      if (a0 === undefined) return str('');
      const s = strValue(env, a0, depth);
      if (s !== undefined) return str(s);
      const enc = strValue(env, args[1] ?? kwGet(kwargs, 'encoding'), depth);
      const d = dataOf(env, a0, depth);
      if (enc !== undefined && d !== undefined) return str(decodeBytes(d, enc));
      if (typeof a0 === 'number') return str(String(a0));
      return undefined;
    }
    case 'builtins.bytes.decode': {
      const d = dataOf(env, a0, depth);
      return d === undefined ? undefined : str(decodeBytes(d, strValue(env, args[1] ?? kwGet(kwargs, 'encoding'), depth) ?? 'utf-8'));
    }
    case 'builtins.str.encode': {
      const s = strValue(env, a0, depth);
      return s === undefined ? undefined : mkBytes(env, encodeStr(s, strValue(env, args[1] ?? kwGet(kwargs, 'encoding'), depth) ?? 'utf-8'));
    }
    case 'builtins.str.join':
      return joinStrs(env, strValue(env, a0, depth), args[1], depth, max);
    case 'builtins.chr':
      return typeof a0 === 'number' && a0 >= 0 && a0 <= 0x10ffff ? str(String.fromCodePoint(a0)) : undefined;
    case 'operator.add':
    case 'operator.concat':
    case '_operator.add':
    case '_operator.concat': {
      const x = strValue(env, a0, depth);
      const y = strValue(env, args[1], depth);
      if (x !== undefined && y !== undefined) return str(x + y);
      const bx = bytesOf(env, a0 ?? null, depth)?.data;
      const by = bytesOf(env, args[1] ?? null, depth)?.data;
      if (bx !== undefined && by !== undefined && bx.length + by.length <= max) {
        const out = new Uint8Array(bx.length + by.length);
        out.set(bx);
        out.set(by, bx.length);
        return mkBytes(env, out);
      }
      if (typeof a0 === 'number' && typeof args[1] === 'number') return { t: 'value', v: a0 + (args[1] as number) };
      return undefined;
    }
    case 'zlib.decompress': {
      const d = bytesOf(env, a0 ?? null, depth)?.data;
      return d === undefined ? undefined : mkBytes(env, env.inflate(d));
    }
    default:
      return undefined;
  }
}

function joinStrs(env: ResolveEnv, sep: string | undefined, it: Value | undefined, depth: number, max: number): Den | undefined {
  if (sep === undefined || it === undefined) return undefined;
  const items = seqItems(it);
  if (items === undefined) return undefined;
  const parts: string[] = [];
  let n = 0;
  for (const x of items) {
    const s = strValue(env, x, depth);
    if (s === undefined) return undefined;
    n += s.length;
    if (n > max) return undefined;
    parts.push(s);
  }
  return { t: 'value', v: parts.join(sep) };
}

function rot13(s: string): string {
  return s.replace(/[A-Za-z]/g, (c) => {
    const b = c <= 'Z' ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - b + 13) % 26) + b);
  });
}

/** Methods on concrete values: `"".join`, `b"..".decode`, `"..".encode`, `str.format` with `{}`. */
function evalMethod(env: ResolveEnv, self: Value, name: string, args: readonly Value[]): Den | undefined {
  const max = env.maxStringBytes;
  if (typeof self === 'string') {
    if (name === 'join') return joinStrs(env, self, args[0], 0, max);
    if (name === 'encode') return mkBytes(env, encodeStr(self, strValue(env, args[0], 0) ?? 'utf-8'));
    if (name === '__add__') {
      const y = strValue(env, args[0], 0);
      return y === undefined || self.length + y.length > max ? undefined : { t: 'value', v: self + y };
    }
    if (name === 'format') {
      let i = 0;
      let ok = true;
      const out = self.replace(/\{\}/g, () => {
        const s = strValue(env, args[i++], 0);
        if (s === undefined) ok = false;
        return s ?? '';
      });
      return ok && !/[{}]/.test(out.replace(/\{\}/g, '')) && out.length <= max ? { t: 'value', v: out } : undefined;
    }
    if (name === 'lower' || name === 'upper' || name === 'strip') {
      return { t: 'value', v: name === 'lower' ? self.toLowerCase() : name === 'upper' ? self.toUpperCase() : self.trim() };
    }
  }
  if (typeof self === 'object' && self !== null && self.k === 'bytes' && self.data !== undefined && name === 'decode') {
    const s = decodeBytes(self.data, strValue(env, args[0], 0) ?? 'utf-8');
    return s === undefined ? undefined : { t: 'value', v: s };
  }
  return undefined;
}

/** The bytes a nested loader would read from its first argument, when statically known. */
export function nestedBytes(env: ResolveEnv, loader: Global, args: readonly Value[], kwargs: PyDict | null): PyBytes | undefined {
  const arg = args[0] ?? kwGet(kwargs, 'data') ?? kwGet(kwargs, 'file') ?? kwGet(kwargs, 'f') ?? kwGet(kwargs, 'b');
  if (arg === undefined) return undefined;
  const b = bytesOf(env, arg, 0);
  if (b !== undefined) return b;
  const d = resolve(env, arg, 0);
  if (d.t === 'bytesio') return d.bytes;
  void loader;
  return undefined;
}
