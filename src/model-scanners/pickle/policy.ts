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
import { BulwarkError, severityRank } from '../../findings/index.js';
import type { AllowEntry, DenyEntry } from './policy-data.js';
import { ALLOW, DENY, ESCAPE_DUNDERS } from './policy-data.js';

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

const DENY_INDEX = index(DENY);
const ALLOW_INDEX = index(ALLOW);

function entriesFor<E>(idx: Indexed<E>, module: string): E[] {
  const out: E[] = [...(idx.exact.get(module) ?? [])];
  let m = module;
  for (;;) {
    const dot = m.lastIndexOf('.');
    if (dot < 0) break;
    m = m.slice(0, dot);
    const s = idx.sub.get(m);
    if (s) out.push(...s);
  }
  return out;
}

function denyMatch(module: string, name: string): DenyEntry | undefined {
  let best: DenyEntry | undefined;
  for (const e of entriesFor(DENY_INDEX, module)) {
    if (e.names.some((p) => nameMatches(p, name)) && (best === undefined || severityRank(e.severity) > severityRank(best.severity))) best = e;
  }
  return best;
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

/** Dotted-path parts graded one by one; deeper paths are obfuscation. */
const MAX_PATH_PARTS = 24;

/** Python identifiers (Unicode letters allowed, as in PEP 3131), dotted. */
const VALID_MODULE = /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*(?:\.[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*)*$/u;

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

  // Deny: every (module path, name path) split of every sub-path of the full dotted path.
  let best: { e: DenyEntry; q: string } | undefined;
  let userDeny: { entry: string; q: string } | undefined;
  for (let j = 0; j < all.length; j++) {
    for (let i = j + 1; i <= all.length; i++) {
      const m = all.slice(j, i).join('.');
      const n = all.slice(i).join('.');
      if (j > 0 && i <= modParts.length) continue; // a suffix of the module path alone is not reached
      let e: DenyEntry | undefined;
      if (n === '') {
        // The module object itself: dangerous when its every name is denied.
        const w = denyMatch(m, '\u0000any');
        if (w && w.names.includes('*')) e = { ...w, severity: w.severity === 'critical' ? 'high' : w.severity, why: `gives access to the ${m} module, which ${w.why}` };
      } else {
        e = denyMatch(m, n);
      }
      if (e && (best === undefined || severityRank(e.severity) > severityRank(best.e.severity))) best = { e, q: n === '' ? m : `${m}.${n}` };
      if (ext !== undefined && userDeny === undefined) {
        const q = n === '' ? m : `${m}.${n}`;
        const entry = entryFor(ext.deny, q);
        if (entry !== undefined) userDeny = { entry, q };
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
