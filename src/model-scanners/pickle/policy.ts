/**
 * Grading of globals against the versioned policy data (policy-data.ts).
 *
 * A global is graded on every way the loader could reach the same object:
 * - as written (`module`, `name`), after `_compat_pickle` mapping (done by the machine);
 * - with leading name parts taken as submodules (`torch` + `nn.Module` ≡ `torch.nn` + `Module`);
 * - through attribute reach of a dotted name (protocol 4 `find_class` walks dots):
 *   `posixpath` + `os.system` reaches `os.system`, so every sub-path `X.Y` of the full dotted path is
 *   also checked against the deny list;
 * - dunder traversal (`__globals__`, `__builtins__`, `__subclasses__`, …) is a gadget hallmark.
 * Deny wins over allow; what neither list names is unknown.
 *
 * Users extend the policy from the configuration file (`PicklePolicyExtension`): their `deny`
 * entries are graded high, their `allow` entries count as allowlisted. The built-in deny list still
 * wins over a user allow (an allow entry never whitelists `os.system`), and a user deny wins over
 * every allow.
 */
import type { Severity } from '../../findings/index.js';
import { BulwarkError, pushAll, severityRank } from '../../findings/index.js';
import { MODULE_ALIASES } from './policy-aliases.js';
import type { AllowEntry, DenyEntry, PeerDenyEntry } from './policy-data.js';
import { ALLOW, ANY_MODULE_DENY, DENY, ESCAPE_DUNDERS, PEER_DENY, PEER_EXEMPT } from './policy-data.js';

export type Role =
  | 'none'
  | 'getattr'
  | 'import'
  | 'vars'
  | 'dict-get'
  | 'getitem'
  | 'attrgetter'
  | 'itemgetter'
  | 'methodcaller'
  | 'partial'
  | 'apply'
  | 'lazy-map'
  | 'reduce'
  | 'reconstructor'
  | 'newobj'
  | 'method-type'
  | 'add-extension'
  | 'resolve-name'
  | 'resolve-pair'
  | 'type-of'
  | 'sys-modules'
  | 'nested-loader'
  | 'bytesio'
  | 'joblib-wrapper'
  | 'numpy-dtype'
  | 'evaluator';

export interface Verdict {
  readonly kind: 'allow' | 'deny' | 'unknown';
  /** For deny: how severe calling it is. */
  readonly severity: Severity;
  /** Finding text: what the callable does. */
  readonly why: string;
  /** The qualified name the deciding entry matched (e.g. `os.system` for `posixpath.os.system`). */
  readonly matched: string;
  /** Allowed to be referenced but not called (e.g. a scikit-learn score function). */
  readonly referenceOnly: boolean;
  /** Special static semantics (resolvers, nested loaders, joblib wrapper, evaluators). */
  readonly role: Role;
  /** The configuration entry that decided the verdict (`mylib.*`), when a user entry did. */
  readonly entry?: string;
}

/**
 * User additions to the pickle policy from the configuration file. Entries are `module.Name` (one
 * module-level name) or `module.*` (the module itself, every name in it and every submodule).
 */
export interface PicklePolicyExtension {
  readonly allow: readonly string[];
  readonly deny: readonly string[];
}

/** Why a policy extension entry is not `module.Name` or `module.*`, or undefined when it is. */
export function picklePolicyEntryProblem(entry: string): string | undefined {
  const e = entry.trim();
  if (e.endsWith('.*')) return VALID_MODULE.test(e.slice(0, -2)) ? undefined : `"${entry}": expected module.* (a dotted module name, then .*)`;
  if (!VALID_MODULE.test(e) || !e.includes('.')) return `"${entry}": expected module.Name or module.* (for example mypackage.models.MyNet or mypackage.*)`;
  return undefined;
}

/** Every problem of a policy extension, prefixed by the list it is in (for configuration errors). */
export function picklePolicyProblems(ext: PicklePolicyExtension): string[] {
  const out: string[] = [];
  for (const [list, entries] of [['allow', ext.allow], ['deny', ext.deny]] as const) {
    for (const e of entries) {
      const p = picklePolicyEntryProblem(e);
      if (p !== undefined) out.push(`pickle.${list}: ${p}`);
    }
  }
  return out;
}

/** Entries of one list: exact qualified names, and module prefixes (`mod.*` → `mod`). */
interface EntrySet {
  readonly exact: ReadonlyMap<string, string>;
  readonly modules: ReadonlyMap<string, string>;
}

interface CompiledExtension {
  readonly allow: EntrySet;
  readonly deny: EntrySet;
}

const COMPILED = new WeakMap<PicklePolicyExtension, CompiledExtension>();

function entrySet(list: readonly string[]): EntrySet {
  const exact = new Map<string, string>();
  const modules = new Map<string, string>();
  for (const raw of list) {
    const e = raw.trim();
    if (e.endsWith('.*')) modules.set(e.slice(0, -2), e);
    else exact.set(e, e);
  }
  return { exact, modules };
}

function compile(ext: PicklePolicyExtension): CompiledExtension {
  let c = COMPILED.get(ext);
  if (c === undefined) {
    const problems = picklePolicyProblems(ext);
    if (problems.length > 0) throw new BulwarkError('CONFIG', problems.join('; '));
    c = { allow: entrySet(ext.allow), deny: entrySet(ext.deny) };
    COMPILED.set(ext, c);
  }
  return c;
}

/**
 * Check a policy extension once (the result is cached per extension object): throws a CONFIG error
 * listing every entry that is not `module.Name` or `module.*`.
 */
export function assertPicklePolicy(ext: PicklePolicyExtension): void {
  compile(ext);
}

/** The entry of `set` that names the qualified name `q` (exactly, or as a module prefix), if any. */
function entryFor(set: EntrySet, q: string): string | undefined {
  const e = set.exact.get(q);
  if (e !== undefined) return e;
  if (set.modules.size === 0) return undefined;
  let m = q;
  for (;;) {
    const hit = set.modules.get(m);
    if (hit !== undefined) return hit;
    const dot = m.lastIndexOf('.');
    if (dot < 0) return undefined;
    m = m.slice(0, dot);
  }
}

/** Qualified name → role. Roles give resolve.ts the semantics of resolver-style callables. */
const ROLES: ReadonlyMap<string, Role> = new Map<string, Role>([
  ['builtins.getattr', 'getattr'],
  ['inspect.getattr_static', 'getattr'],
  ['builtins.object.__getattribute__', 'getattr'],
  ['importlib.import_module', 'import'],
  ['builtins.__import__', 'import'],
  ['importlib.__import__', 'import'],
  ['importlib._bootstrap._gcd_import', 'import'],
  ['pkgutil.resolve_name', 'resolve-name'],
  ['pydoc.locate', 'resolve-name'],
  // numpy < 1.25 pickles ufuncs as _ufunc_reconstruct(module, name): an import + getattr by name.
  ['numpy.core._ufunc_reconstruct', 'resolve-pair'],
  ['numpy._core._ufunc_reconstruct', 'resolve-pair'],
  ['numpy.core.numeric._ufunc_reconstruct', 'resolve-pair'],
  ['builtins.vars', 'vars'],
  ['builtins.type', 'type-of'],
  ['builtins.dict.get', 'dict-get'],
  ['builtins.dict.__getitem__', 'dict-get'],
  ['collections.OrderedDict.get', 'dict-get'],
  ['operator.getitem', 'getitem'],
  ['_operator.getitem', 'getitem'],
  ['operator.attrgetter', 'attrgetter'],
  ['_operator.attrgetter', 'attrgetter'],
  ['operator.itemgetter', 'itemgetter'],
  ['_operator.itemgetter', 'itemgetter'],
  ['operator.methodcaller', 'methodcaller'],
  ['_operator.methodcaller', 'methodcaller'],
  ['functools.partial', 'partial'],
  ['_functools.partial', 'partial'],
  ['functools.partialmethod', 'partial'],
  ['builtins.apply', 'apply'],
  ['operator.call', 'apply'],
  ['builtins.map', 'lazy-map'],
  ['builtins.filter', 'lazy-map'],
  ['itertools.starmap', 'lazy-map'],
  ['functools.reduce', 'reduce'],
  ['_functools.reduce', 'reduce'],
  ['copyreg._reconstructor', 'reconstructor'],
  ['copyreg.__newobj__', 'newobj'],
  ['copyreg.__newobj_ex__', 'newobj'],
  ['types.MethodType', 'method-type'],
  ['copyreg.add_extension', 'add-extension'],
  ['sys.modules', 'sys-modules'],
  ['io.BytesIO', 'bytesio'],
  ['_io.BytesIO', 'bytesio'],
  ['joblib.numpy_pickle.NumpyArrayWrapper', 'joblib-wrapper'],
  ['numpy.dtype', 'numpy-dtype'],
  ['numpy.core.multiarray.dtype', 'numpy-dtype'],
  ['numpy._core.multiarray.dtype', 'numpy-dtype'],
  ['_codecs.encode', 'evaluator'],
  ['codecs.encode', 'evaluator'],
  ['codecs.decode', 'evaluator'],
  ['_codecs.decode', 'evaluator'],
  ['base64.b64decode', 'evaluator'],
  ['base64.standard_b64decode', 'evaluator'],
  ['base64.urlsafe_b64decode', 'evaluator'],
  ['base64.b16decode', 'evaluator'],
  ['base64.b32decode', 'evaluator'],
  ['base64.b85decode', 'evaluator'],
  ['base64.a85decode', 'evaluator'],
  ['binascii.unhexlify', 'evaluator'],
  ['binascii.a2b_hex', 'evaluator'],
  ['binascii.a2b_base64', 'evaluator'],
  ['builtins.bytes.fromhex', 'evaluator'],
  ['builtins.bytearray.fromhex', 'evaluator'],
  ['builtins.bytes', 'evaluator'],
  ['builtins.bytearray', 'evaluator'],
  ['builtins.str', 'evaluator'],
  ['builtins.bytes.decode', 'evaluator'],
  ['builtins.str.encode', 'evaluator'],
  ['builtins.str.join', 'evaluator'],
  ['builtins.str.format', 'evaluator'],
  ['builtins.chr', 'evaluator'],
  ['operator.add', 'evaluator'],
  ['operator.concat', 'evaluator'],
  ['_operator.add', 'evaluator'],
  ['_operator.concat', 'evaluator'],
  ['zlib.decompress', 'evaluator'],
  // Nested loaders: bytes given to them are decoded and scanned (see resolve.ts NESTED_LOADERS).
  ['pickle.loads', 'nested-loader'],
  ['pickle.load', 'nested-loader'],
  ['pickle._loads', 'nested-loader'],
  ['pickle._load', 'nested-loader'],
  ['_pickle.loads', 'nested-loader'],
  ['_pickle.load', 'nested-loader'],
  ['dill.loads', 'nested-loader'],
  ['dill.load', 'nested-loader'],
  ['dill._dill.loads', 'nested-loader'],
  ['cloudpickle.loads', 'nested-loader'],
  ['cloudpickle.load', 'nested-loader'],
  ['torch.load', 'nested-loader'],
  ['torch.serialization.load', 'nested-loader'],
  ['torch.storage._load_from_bytes', 'nested-loader'],
  ['numpy.load', 'nested-loader'],
  ['numpy.loads', 'nested-loader'],
  ['numpy.lib.npyio.load', 'nested-loader'],
  ['joblib.load', 'nested-loader'],
  ['joblib.numpy_pickle.load', 'nested-loader'],
]);

const SEV_ORDER = (a: Severity, b: Severity): Severity => (severityRank(a) >= severityRank(b) ? a : b);

function nameMatches(pattern: string | RegExp, name: string): boolean {
  if (typeof pattern !== 'string') return pattern.test(name);
  if (pattern === '*') return true;
  const lead = pattern.startsWith('*');
  const trail = pattern.endsWith('*');
  if (lead && trail) return name.includes(pattern.slice(1, -1));
  if (trail) return name.startsWith(pattern.slice(0, -1));
  if (lead) return name.endsWith(pattern.slice(1));
  return name === pattern;
}

interface Indexed<E> {
  exact: Map<string, E[]>;
  /** `pkg.*` entries by `pkg`. */
  sub: Map<string, E[]>;
}

function index<E extends { module: string }>(entries: readonly E[]): Indexed<E> {
  const exact = new Map<string, E[]>();
  const sub = new Map<string, E[]>();
  for (const e of entries) {
    const isSub = e.module.endsWith('.*');
    const key = isSub ? e.module.slice(0, -2) : e.module;
    const m = isSub ? sub : exact;
    const list = m.get(key);
    if (list) list.push(e);
    else m.set(key, [e]);
  }
  return { exact, sub };
}

/** The deny rules a peer's entry adds: its names in its module, and (for `*`) its submodules too. */
function peerRules(p: PeerDenyEntry): DenyEntry[] {
  const why = `is on the deny list of ${p.tools.join(', ')}`;
  if (p.names !== '*') return [{ module: p.module, names: p.names, severity: 'high', why }];
  return [
    { module: p.module, names: ['*'], severity: 'high', why },
    { module: `${p.module}.*`, names: ['*'], severity: 'high', why },
  ];
}

const PEER_RULES: readonly DenyEntry[] = PEER_DENY.flatMap(peerRules);
const PEER_RULE_SET: ReadonlySet<DenyEntry> = new Set(PEER_RULES);

/**
 * Is the dotted path exactly one of the value types the peers' whole-module entries cover but
 * Bulwark allows (`builtins.set`, `uuid.UUID`, `builtins.ValueError`)? Then only Bulwark's own deny
 * entries apply to it.
 */
function peerExempt(all: readonly string[]): boolean {
  if (all.length < 2) return false;
  const name = all[all.length - 1] as string;
  const module = all.slice(0, -1).join('.');
  return PEER_EXEMPT.some((x) => x.module === module && x.names.some((n) => (typeof n === 'string' ? n === name : n.test(name))));
}

const DENY_INDEX = index([...DENY, ...PEER_RULES]);
const ALLOW_INDEX = index(ALLOW);
const ANY_MODULE: ReadonlyMap<string, string> = new Map(ANY_MODULE_DENY.map((a) => [a.name, `is named ${a.name} (on the deny list of ${a.tools.join(', ')} in any module)`]));

function entriesFor<E>(idx: Indexed<E>, module: string): E[] {
  const out: E[] = [...(idx.exact.get(module) ?? [])];
  let m = module;
  for (;;) {
    const dot = m.lastIndexOf('.');
    if (dot < 0) break;
    m = m.slice(0, dot);
    const s = idx.sub.get(m);
    if (s) pushAll(out, s);
  }
  return out;
}

function denyMatch(module: string, name: string, ownOnly = false): DenyEntry | undefined {
  let best: DenyEntry | undefined;
  const moduleLast = module.slice(module.lastIndexOf('.') + 1);
  for (const e of entriesFor(DENY_INDEX, module)) {
    if (ownOnly && PEER_RULE_SET.has(e)) continue;
    if (!e.names.some((p) => nameMatches(p, name))) continue;
    // `except` names are exempt both as names and as the last part of a path read as a module.
    if (e.except !== undefined && (e.except.includes(name) || (name === '\u0000any' && e.module.endsWith('.*') && e.except.includes(moduleLast)))) continue;
    if (best === undefined || severityRank(e.severity) > severityRank(best.severity)) best = e;
  }
  return best;
}

/** Alias table of a module (parsed once from the generated data). */
const ALIAS_CACHE = new Map<string, ReadonlyMap<string, readonly string[]> | null>();
function aliasesOf(module: string): ReadonlyMap<string, readonly string[]> | undefined {
  let a = ALIAS_CACHE.get(module);
  if (a === undefined) {
    const raw = Object.prototype.hasOwnProperty.call(MODULE_ALIASES, module) ? MODULE_ALIASES[module] : undefined;
    if (raw === undefined) a = null;
    else {
      const m = new Map<string, string[]>();
      for (const pair of raw.split(' ')) {
        const eq = pair.indexOf('=');
        if (eq > 0) m.set(pair.slice(0, eq), pair.slice(eq + 1).split('|'));
      }
      a = m;
    }
    ALIAS_CACHE.set(module, a);
  }
  return a ?? undefined;
}

/** Rewrites of one path at most, and paths explored, when canonicalising through aliases. */
const MAX_ALIAS_STEPS = 8;
const MAX_ALIAS_PATHS = 16;

/**
 * Other spellings of a dotted path that reach the same object through module aliases: when a module
 * on the path binds the next part by an import (`tempfile` does `import os as _os`), the path
 * continues from the import's target (`tempfile._os.system` is `os.system`). Bounded breadth-first.
 */
export function aliasCanonical(parts: readonly string[]): { readonly parts: string[]; readonly modLen: number }[] {
  const out: { parts: string[]; modLen: number }[] = [];
  const queue: { p: readonly string[]; steps: number }[] = [{ p: parts, steps: 0 }];
  const seen = new Set<string>([parts.join('.')]);
  while (queue.length > 0 && out.length < MAX_ALIAS_PATHS) {
    const { p, steps } = queue.shift() as { p: readonly string[]; steps: number };
    if (steps >= MAX_ALIAS_STEPS) continue;
    for (let k = 1; k < p.length; k++) {
      const al = aliasesOf(p.slice(0, k).join('.'));
      const targets = al?.get(p[k] as string);
      if (targets === undefined) continue;
      for (const t of targets) {
        const head = t.split('.');
        const next = [...head, ...p.slice(k + 1)];
        const key = next.join('.');
        if (seen.has(key)) continue;
        seen.add(key);
        // The target is a module path (or a module-level name): no suffix of it is reached as a module.
        out.push({ parts: next, modLen: head.length });
        queue.push({ p: next, steps: steps + 1 });
      }
    }
  }
  return out;
}

function allowMatch(module: string, name: string): AllowEntry | undefined {
  for (const e of entriesFor(ALLOW_INDEX, module)) if (e.names.some((p) => nameMatches(p, name))) return e;
  return undefined;
}

function isDunder(s: string): boolean {
  return s.length > 4 && s.startsWith('__') && s.endsWith('__');
}

/** Dunders that reach code, globals or every class directly. */
const STRONG_DUNDERS: ReadonlySet<string> = new Set(['__globals__', '__builtins__', '__subclasses__', '__code__', '__dict__', '__import__', '__getattribute__', '__loader__', '__spec__']);

/** An enum member's name (UPPER_CASE, as Python's enums and torchvision's InterpolationMode spell them). */
const ENUM_MEMBER = /^[A-Z][A-Z0-9_]*$/;

/** Dotted-path parts graded one by one; deeper paths are obfuscation. */
const MAX_PATH_PARTS = 24;

/** Python identifiers (Unicode letters allowed, as in PEP 3131), dotted. */
const VALID_MODULE = /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*(?:\.[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*)*$/u;

/**
 * The most severe deny entry reached by any (module path, name path) split of any sub-path of the
 * dotted path `all` (whose first `modLen` parts are the written module path).
 */
function denyOver(all: readonly string[], modLen: number): { e: DenyEntry; q: string } | undefined {
  let best: { e: DenyEntry; q: string } | undefined;
  const ownOnly = peerExempt(all);
  for (let j = 0; j < all.length; j++) {
    for (let i = j + 1; i <= all.length; i++) {
      // A path part inside the written module path is not a module of its own (numpy.random._pickle
      // is not _pickle): sub-paths start at the module or inside the attribute path.
      if (j > 0 && j < modLen) continue;
      const m = all.slice(j, i).join('.');
      const n = all.slice(i).join('.');
      let e: DenyEntry | undefined;
      if (n === '') {
        // The module object itself: dangerous when its every name is denied.
        const w = denyMatch(m, '\u0000any', ownOnly);
        if (w && w.names.includes('*')) e = { ...w, severity: w.severity === 'critical' ? 'high' : w.severity, why: `gives access to the ${m} module, which ${w.why}` };
      } else {
        e = denyMatch(m, n, ownOnly);
      }
      if (e && (best === undefined || severityRank(e.severity) > severityRank(best.e.severity))) best = { e, q: n === '' ? m : `${m}.${n}` };
    }
  }
  return best;
}

/**
 * Grade a global `module`.`name` (name may be dotted or empty for the module itself). Pure function
 * of its inputs and the policy data; the machine caches the result per interned global.
 */
export function judgeGlobal(module: string, name: string, dynamic = false, extension?: PicklePolicyExtension): Verdict {
  const ext = extension === undefined ? undefined : compile(extension);
  const qual = name === '' ? module : `${module}.${name}`;
  const role = ROLES.get(qual) ?? 'none';
  if (dynamic) {
    return { kind: 'deny', severity: 'high', why: 'is imported by a name computed at load time, so what it is cannot be known before loading', matched: qual, referenceOnly: false, role: 'none' };
  }
  if (!VALID_MODULE.test(module) || (name !== '' && !VALID_MODULE.test(name))) {
    // Not an importable name for CPython (find_class would fail), but flag it: it is never benign data.
    return { kind: 'deny', severity: 'high', why: 'is not a valid Python module or attribute name (malformed or obfuscated import)', matched: qual, referenceOnly: false, role: 'none' };
  }
  const modParts = module.split('.');
  const nameParts = name === '' ? [] : name.split('.');
  const all = [...modParts, ...nameParts];
  if (all.length > MAX_PATH_PARTS) {
    // Every split of the path is checked below (quadratic); real names have a handful of parts.
    return { kind: 'deny', severity: 'high', why: `is a dotted path of ${all.length} parts (no real module path is that deep; obfuscated)`, matched: qual, referenceOnly: false, role };
  }

  // Dunder traversal: any dunder in the attribute path past the first part, or an escape dunder
  // anywhere. The most telling dunder is named (__globals__ rather than the __init__ before it).
  let dunder: string | undefined;
  let dunderRank = 0;
  for (let i = 0; i < nameParts.length; i++) {
    const p = nameParts[i] ?? '';
    if (!isDunder(p) || !(ESCAPE_DUNDERS.has(p) || i > 0)) continue;
    const rank = STRONG_DUNDERS.has(p) ? 3 : ESCAPE_DUNDERS.has(p) ? 2 : 1;
    if (rank > dunderRank) {
      dunder = p;
      dunderRank = rank;
    }
  }
  if (dunder !== undefined) {
    const deny = denyMatch(module, name);
    if (deny && deny.severity === 'critical') return { kind: 'deny', severity: 'critical', why: deny.why, matched: qual, referenceOnly: false, role };
    return {
      kind: 'deny',
      severity: dunderRank >= 2 ? 'critical' : 'high',
      why: `walks the dunder attribute ${dunder} to reach code, globals or builtins of the interpreter (a gadget-chain technique)`,
      matched: qual,
      referenceOnly: false,
      role,
    };
  }

  // Deny: every (module path, name path) split of every sub-path of the full dotted path, and of
  // every spelling of it through module aliases (`tempfile._os.system` is `os.system`).
  let best = denyOver(all, modParts.length);
  if (all.length > 2 || (all.length === 2 && modParts.length === 1)) {
    for (const alt of aliasCanonical(all)) {
      const b = denyOver(alt.parts, alt.modLen);
      if (b && (best === undefined || severityRank(b.e.severity) > severityRank(best.e.severity))) best = b;
    }
  }
  const last = all[all.length - 1] ?? '';
  const anyModule = ANY_MODULE.get(last);
  if (anyModule !== undefined && all.length > 1 && (best === undefined || severityRank(best.e.severity) < severityRank('high'))) {
    best = { e: { module: module, names: [last], severity: 'high', why: anyModule }, q: qual };
  }
  let userDeny: { entry: string; q: string } | undefined;
  if (ext !== undefined) {
    outer: for (let j = 0; j < all.length; j++) {
      for (let i = j + 1; i <= all.length; i++) {
        if (j > 0 && j < modParts.length) continue;
        const m = all.slice(j, i).join('.');
        const n = all.slice(i).join('.');
        const q = n === '' ? m : `${m}.${n}`;
        const entry = entryFor(ext.deny, q);
        if (entry !== undefined) {
          userDeny = { entry, q };
          break outer;
        }
      }
    }
  }
  // A built-in entry at least as severe as a user's (high) decides; a user deny beats a built-in
  // medium one and every allow.
  if (best && (userDeny === undefined || severityRank(best.e.severity) >= severityRank('high'))) {
    return { kind: 'deny', severity: best.e.severity, why: best.e.why, matched: best.q, referenceOnly: false, role };
  }
  if (userDeny !== undefined) {
    return { kind: 'deny', severity: 'high', why: `is denied by the configuration (pickle.deny: ${userDeny.entry})`, matched: userDeny.q, referenceOnly: false, role, entry: userDeny.entry };
  }

  // Allow: the written module with leading name parts taken as submodules.
  for (let i = modParts.length; i < all.length; i++) {
    const m = all.slice(0, i).join('.');
    const n = all.slice(i).join('.');
    const a = allowMatch(m, n);
    if (a) return { kind: 'allow', severity: 'info', why: a.why, matched: `${m}.${n}`, referenceOnly: a.use === 'reference', role };
  }
  // An enum member of an allowlisted class (`IntervalStrategy.STEPS`, which Python 3.11 pickles as
  // getattr(IntervalStrategy, "STEPS")): an UPPER_CASE attribute of a class is a value, not code.
  if (nameParts.length >= 2 && ENUM_MEMBER.test(nameParts[nameParts.length - 1] as string)) {
    const owner = judgeGlobal(module, nameParts.slice(0, -1).join('.'), false, extension);
    if (owner.kind === 'allow' && !owner.referenceOnly && owner.role === 'none') {
      return { kind: 'allow', severity: 'info', why: `is a member of ${owner.matched}, which ${owner.why}`, matched: qual, referenceOnly: false, role };
    }
  }
  // User allow entries: treated like built-in allowlisted names (the deny lists above still win).
  if (ext !== undefined) {
    const entry = entryFor(ext.allow, qual);
    if (entry !== undefined) return { kind: 'allow', severity: 'info', why: `is allowed by the configuration (pickle.allow: ${entry})`, matched: qual, referenceOnly: false, role, entry };
  }
  if (name === '' && role === 'none') {
    return { kind: 'unknown', severity: 'medium', why: 'is a module that the allowlist does not name', matched: qual, referenceOnly: false, role };
  }
  return { kind: 'unknown', severity: 'medium', why: 'is not on the allowlist of globals that model checkpoints need', matched: qual, referenceOnly: false, role };
}

export { SEV_ORDER as maxSeverity };
