/**
 * Grading: turns what the machine observes (imports, invocations, mutations, extension codes,
 * persistent ids, frame divergences) into findings, using the policy and the resolver.
 *
 * One Grader serves one `scanPickle` call (all streams of one source). Imports are collected per
 * stream ("scope") and reported when the stream ends, so that a dangerous global that is called is
 * reported once as a call, and one that is only imported is reported as an import.
 */
import { inflateSync } from 'node:zlib';
import type { Severity } from '../../findings/index.js';
import { severityRank } from '../../findings/index.js';
import type { ByteSource } from '../../limits/index.js';
import { BufferSource, SliceSource } from '../../limits/index.js';
import type { RuleMeta } from '../../rules/index.js';
import type { ModelScanContext } from '../context.js';
import { mapPy2Name } from './compat.js';
import type { MachineObserver, MutationOp, PendingArray, StreamOutcome, StreamRunner } from './observer.js';
import { StreamStop } from './observer.js';
import type { PicklePolicyExtension, Verdict } from './policy.js';
import { judgeGlobal } from './policy.js';
import { quoteStr, renderValue, safeName } from './render.js';
import type { Den, ResolveEnv, Target } from './resolve.js';
import { analyzeCall, nestedBytes, renderDen, resolve } from './resolve.js';
import * as rules from './rules.js';
import type { CallOp, Value, PyDict, PyTuple } from './values.js';
import type { ShippedModule } from './types.js';
import { Call, Global, Pers, PyBytes, Unknown, dictGet, seqItems, strOf } from './values.js';

interface RefInfo {
  readonly at: number;
  /** The call whose resolution reached this global (rendered only if a finding needs it). */
  via: Call | undefined;
  called: boolean;
  /** The first call of it, and the target it resolved to (rendered only when reported). */
  firstCall: { readonly call: Call; readonly target: Target } | undefined;
  /** Only used as the base of a further resolution (getattr(os_module, …)). */
  consumed: boolean;
  direct: boolean;
}

interface Scope {
  readonly refs: Map<Global, RefInfo>;
  /** Invocations of something not allowed (for malformed-after-payload). */
  payload: string | undefined;
}

/** copyreg extension registrations are process state: shared by every stream of one target. */
const EXT_REGISTRIES = new WeakMap<object, Map<number, readonly [string, string]>>();

const RESOLVER_ROLES = new Set([
  'getattr',
  'import',
  'vars',
  'dict-get',
  'getitem',
  'attrgetter',
  'itemgetter',
  'methodcaller',
  'partial',
  'apply',
  'lazy-map',
  'reduce',
  'method-type',
  'resolve-name',
  'resolve-pair',
  'reconstructor',
  'newobj',
  'bytesio',
  'evaluator',
]);

export type NestedScan = (source: ByteSource, ctx: ModelScanContext) => void;

interface QuietFinding {
  readonly rule: RuleMeta;
  readonly at: number;
  readonly message: string;
  readonly evidence: string | undefined;
  readonly severity: Severity;
}

/** Opcodes one shadow reading may run, and all shadow readings of one scan together. */
const SHADOW_OPS_EACH = 4096;
const SHADOW_OPS_TOTAL = 1 << 20;
/** Rules a shadow reading reports (security findings, high and above). */
const SHADOW_RULES: ReadonlySet<string> = new Set([
  rules.dangerousCall.id,
  rules.dangerousGlobal.id,
  rules.unresolvedCall.id,
  rules.statePoisoning.id,
]);

export class Grader implements ResolveEnv, MachineObserver {
  private readonly globals = new Map<string, Global>();
  private readonly scopes: Scope[] = [];
  private readonly reported = new Set<string>();
  readonly persistentIds: Pers[] = [];
  /** Shared small-int tuples (machine.ts `tuple`). */
  readonly tuples = new Map<number | string, PyTuple>();
  readonly maxStringBytes: number;
  private readonly ext: Map<number, readonly [string, string]>;
  private readonly strict: boolean;
  private readonly policyExtension: PicklePolicyExtension | undefined;
  /** Offsets where a frame divergence was already reported. */
  private readonly frameReported = new Set<number>();
  /** A ref recorded by `reference()` during the analysis of a call is attributed to this call. */
  private currentVia: Call | undefined = undefined;
  /**
   * While a shadow reading runs (see `shadow`), findings are collected here instead of reported,
   * and process-state effects (extension registrations, persistent ids, nested scans) are skipped.
   */
  private quiet: QuietFinding[] | undefined = undefined;
  /** Opcodes left for shadow readings of this scan. */
  private shadowOps = SHADOW_OPS_TOTAL;

  constructor(
    private readonly source: ByteSource,
    private readonly ctx: ModelScanContext,
    private readonly nestedPickle: NestedScan,
    private readonly archive: { readonly torchscript?: boolean; readonly shipped?: ReadonlyMap<string, ShippedModule> } = {},
  ) {
    this.maxStringBytes = ctx.limits.maxStringBytes;
    this.strict = ctx.options.strict;
    this.policyExtension = ctx.options.pickle;
    let reg = EXT_REGISTRIES.get(ctx.state);
    if (reg === undefined) {
      reg = new Map();
      EXT_REGISTRIES.set(ctx.state, reg);
    }
    this.ext = reg;
  }

  // --- scopes ---------------------------------------------------------------------------------

  openScope(): void {
    this.scopes.push({ refs: new Map(), payload: undefined });
  }

  /** Report the imports of the stream that ends; returns the payload text if calls were made. */
  closeScope(): string | undefined {
    const s = this.scopes.pop();
    if (s === undefined) return undefined;
    for (const [g, r] of s.refs) this.reportRef(g, r);
    return s.payload;
  }

  private get scope(): Scope {
    let s = this.scopes[this.scopes.length - 1];
    if (s === undefined) {
      this.openScope();
      s = this.scopes[this.scopes.length - 1] as Scope;
    }
    return s;
  }

  // --- ResolveEnv -----------------------------------------------------------------------------

  intern(module: string, name: string, written?: string, dynamic = false): Global {
    const key = `${dynamic ? '\u0001' : ''}${module}\n${name}${written === undefined ? '' : `\n${written}`}`;
    let g = this.globals.get(key);
    if (g === undefined) {
      g = new Global(module, name, written, dynamic);
      this.globals.set(key, g);
    }
    return g;
  }

  verdict(g: Global): Verdict {
    if (g.verdict === undefined) {
      const v = judgeGlobal(g.module, g.name, g.dynamic, this.policyExtension);
      // Code that ships in the archive is graded by what it is; a built-in deny (high) still wins.
      g.verdict = v.kind === 'unknown' || (v.kind === 'deny' && v.severity === 'medium') ? (this.archiveVerdict(g, v) ?? v) : v;
    }
    return g.verdict;
  }

  /** The verdict of a global defined by the archive itself (TorchScript classes, torch.package modules). */
  private archiveVerdict(g: Global, v: Verdict): Verdict | undefined {
    if (g.dynamic) return undefined;
    if (this.archive.torchscript === true && (g.module === '__torch__' || g.module.startsWith('__torch__.'))) {
      return { kind: 'allow', severity: 'info', why: "is a class TorchScript compiles from the archive's code/ (torch.jit.load resolves __torch__ names against the archive; it imports no Python module)", matched: g.qualified, referenceOnly: false, role: v.role };
    }
    const shipped = this.archive.shipped;
    if (shipped === undefined) return undefined;
    const parts = g.module.split('.');
    for (let i = parts.length; i > 0; i--) {
      const m = shipped.get(parts.slice(0, i).join('.'));
      if (m === undefined) continue;
      if (m.severity === undefined || severityRank(m.severity) < severityRank('high')) {
        return { kind: 'allow', severity: 'info', why: `is defined by ${m.member}, source shipped in the torch.package archive (scanned: nothing dangerous)`, matched: g.qualified, referenceOnly: false, role: v.role };
      }
      return { kind: 'deny', severity: m.severity, why: `is defined by ${m.member}, source shipped in the torch.package archive that ${m.what ?? 'does something dangerous'} when imported`, matched: g.qualified, referenceOnly: false, role: v.role };
    }
    return undefined;
  }

  reference(g: Global, via: Call): void {
    this.record(g, this.currentVia ?? via, false);
  }

  /** Mark a global as the base of a further resolution (so an unknown intermediate is not reported). */
  consumed(g: Global): void {
    const r = this.scope.refs.get(g);
    if (r !== undefined && !r.direct) r.consumed = true;
  }

  inflate(data: Uint8Array): Uint8Array | undefined {
    const max = Math.min(this.ctx.limits.maxDecompressedBytes, 64 * this.maxStringBytes);
    try {
      const out = inflateSync(data, { maxOutputLength: max });
      this.ctx.chargeDecompressed(out.length);
      return new Uint8Array(out.buffer, out.byteOffset, out.length);
    } catch {
      return undefined;
    }
  }

  // --- observations from the machine ----------------------------------------------------------

  /** A global pushed by an opcode (GLOBAL, STACK_GLOBAL, INST, EXT). */
  referenceOp(g: Global, at: number): void {
    const r = this.scope.refs.get(g);
    if (r === undefined) this.scope.refs.set(g, { at, via: undefined, called: false, firstCall: undefined, consumed: false, direct: true });
    else r.direct = true;
  }

  private record(g: Global, via: Call | undefined, called: boolean): RefInfo {
    let r = this.scope.refs.get(g);
    if (r === undefined) {
      r = { at: this.at, via, called, firstCall: undefined, consumed: false, direct: false };
      this.scope.refs.set(g, r);
    }
    if (called) r.called = true;
    return r;
  }

  /** Offset of the opcode being graded (for references found while resolving). */
  private at = 0;

  stackGlobal(module: Value, name: Value, at: number, proto: number): Value {
    this.at = at;
    let m = strOf(module);
    let n = strOf(name);
    if (m === undefined && typeof module === 'object' && module?.k === 'call') {
      const d = resolve(this, module);
      if (d.t === 'value' && typeof d.v === 'string') m = d.v;
    }
    if (n === undefined && typeof name === 'object' && name?.k === 'call') {
      const d = resolve(this, name);
      if (d.t === 'value' && typeof d.v === 'string') n = d.v;
    }
    if (m === undefined || n === undefined) {
      const g = this.intern(m ?? renderValue(module), n ?? renderValue(name), undefined, true);
      this.referenceOp(g, at);
      return g;
    }
    void proto;
    const [mm, mn] = mapPy2Name(m, n);
    const g = mm !== m || mn !== n ? this.intern(mm, mn, `${m}.${n}`) : this.intern(m, n);
    this.referenceOp(g, at);
    return g;
  }

  extension(code: number, at: number): Value {
    const reg = this.ext.get(code);
    if (reg !== undefined) {
      const g = this.intern(reg[0], reg[1]);
      this.referenceOp(g, at);
      return g;
    }
    this.emit(rules.unresolvedExtension, at, `EXT code ${code} is not registered by copyreg.add_extension in this stream: what it loads depends on the loading process's extension registry`, `EXT(${code})`);
    return new Unknown(`the global registered under extension code ${code}`);
  }

  persistent(pid: Value, at: number): Value {
    const p = new Pers(pid, at);
    if (this.quiet !== undefined) return p;
    // The storage tuple's items now live in the Pers record: release the (memoised) tuple's items.
    if (p.storageKey !== undefined && typeof pid === 'object' && pid !== null && pid.k === 'tuple') pid.thin();
    this.persistentIds.push(p);
    return p;
  }

  frameMismatch(at: number, message: string): void {
    if (this.frameReported.has(at)) return;
    this.frameReported.add(at);
    this.emit(rules.frameMismatch, at, message, undefined);
  }

  /** REDUCE / NEWOBJ / NEWOBJ_EX / INST / OBJ. */
  invoke(op: CallOp, callee: Value, args: readonly Value[], kwargs: PyDict | null, badKwargs: Value | undefined, at: number): Value {
    if (callee instanceof Global && kwargs === null && badKwargs === undefined) {
      const inst = callee.instance;
      if (inst !== undefined) return inst;
      const v = this.verdict(callee);
      if (v.kind === 'allow' && v.role === 'none' && !v.referenceOnly) return (callee.instance = new Call(op, callee, null, null, at));
    }
    const call = new Call(op, callee, args, kwargs, at);
    this.at = at;
    this.grade(call);
    return call;
  }

  private grade(call: Call): void {
    this.currentVia = call;
    let an;
    try {
      an = analyzeCall(this, call);
    } finally {
      this.currentVia = undefined;
    }
    call.den = an.result;
    for (const t of an.targets) this.gradeTarget(t, call, an.result);
  }

  /** `callee(args) ⇒ resolved(args)` when the call resolves to something else than it names. */
  private evidenceOf(call: Call, t: Target): string {
    const via = renderValue(call);
    const d = t.den;
    const syntactic = call.callee instanceof Global && d.t === 'global' && d.g === call.callee && t.args === (call.args ?? t.args);
    return syntactic ? via : `${via} \u21d2 ${renderDen(d)}(${t.args.map((a) => renderValue(a)).join(', ')})`;
  }

  private gradeTarget(t: Target, call: Call, result: Den): void {
    const d = t.den;
    switch (d.t) {
      case 'global': {
        const g = d.g;
        const v = this.verdict(g);
        if (v.kind === 'allow' && !v.referenceOnly && v.role === 'none') {
          this.record(g, call, true);
          return;
        }
        const ref = this.record(g, call, true);
        ref.firstCall ??= { call, target: t };
        if (v.role === 'nested-loader') {
          this.nested(g, v, t, call);
          return;
        }
        if (v.role === 'add-extension' && this.quiet === undefined) this.addExtension(t.args);
        if (v.role === 'type-of' && t.args.length === 1) return;
        if (RESOLVER_ROLES.has(v.role)) {
          if ((v.role === 'import' || v.role === 'resolve-name') && result.t === 'global') this.importByName(g, v, result.g, call, t);
          if (result.t === 'dynamic' && call.callee === g) {
            this.emit(
              rules.dangerousGlobal,
              call.offset,
              `${safeName(g.qualified)} resolves ${result.why}: the object it returns cannot be known before loading`,
              this.evidenceOf(call, t),
              result.severity === 'critical' ? 'critical' : 'high',
            );
          }
          // A resolver whose arguments were statically resolved: its result is graded when used.
          if (v.kind === 'deny' && v.role !== 'evaluator' && v.role !== 'bytesio' && v.role !== 'reconstructor' && v.role !== 'newobj') this.notePayload(call, t, v);
          return;
        }
        if (v.kind === 'deny') {
          this.notePayload(call, t, v);
          if (!this.ctx.listed(rules.dangerousCall)) {
            // Details are no longer listed: count the finding without rendering its evidence.
            this.emit(rules.dangerousCall, call.offset, `loading the pickle ${t.construct ? 'constructs' : 'calls'} ${safeName(v.matched)}, which ${v.why}`, v.entry, v.severity);
            return;
          }
          const evidence = this.evidenceOf(call, t);
          const reach = v.matched !== g.qualified ? ` (reached through ${safeName(g.written ?? g.qualified)})` : g.written !== undefined ? ` (written ${safeName(g.written)})` : '';
          this.emit(
            rules.dangerousCall,
            call.offset,
            `loading the pickle ${t.construct ? 'constructs' : 'calls'} ${safeName(v.matched)}${reach}, which ${v.why}: ${shorten(evidence)}`,
            v.entry ?? evidence,
            v.severity,
          );
          return;
        }
        if (v.kind === 'unknown' || v.referenceOnly) {
          this.notePayload(call, t, v);
          this.suspicious(g, call, t);
        }
        return;
      }
      case 'attrgetter':
      case 'itemgetter':
        return;
      case 'bound':
        if (result.t !== 'dynamic') return;
        break;
      default:
        break;
    }
    const sev: Severity = d.t === 'dynamic' ? d.severity : 'high';
    if (this.scope.payload !== undefined && !this.ctx.listed(rules.unresolvedCall)) {
      this.emit(rules.unresolvedCall, call.offset, 'loading the pickle calls something that cannot be resolved statically', undefined, sev);
      return;
    }
    const evidence = this.evidenceOf(call, t);
    this.scope.payload ??= evidence;
    this.emit(rules.unresolvedCall, call.offset, `loading the pickle calls ${renderDen(d)}, which cannot be resolved statically: ${shorten(evidence)}`, evidence, sev);
  }

  /**
   * `importlib.import_module("x")`, `__import__("x")`, `pkgutil.resolve_name("x:y")`: the pickle picks
   * a module and the loader imports it, which runs its top-level code (a module shipped beside the
   * pickle, a torch.package module, anything on sys.path). High whatever the module; critical when
   * the module reached is a critical deny entry.
   */
  private importByName(g: Global, v: Verdict, target: Global, call: Call, t: Target): void {
    const tv = this.verdict(target);
    const what = target.name === '' ? `the module ${safeName(target.module)}` : `${safeName(target.qualified)} (importing ${safeName(target.module)})`;
    const evidence = this.evidenceOf(call, t);
    this.scope.payload ??= evidence;
    this.emit(
      rules.dangerousCall,
      call.offset,
      `loading the pickle calls ${safeName(g.qualified)} to import ${what}, chosen by the pickle: importing runs the module's top-level code, and ${safeName(g.qualified)} ${v.why}: ${shorten(evidence)}`,
      evidence,
      tv.kind === 'deny' && tv.severity === 'critical' ? 'critical' : 'high',
    );
  }

  /**
   * A function (by Python naming: the last part starts with a lower-case letter) off the allowlist,
   * called with a string that looks like code, a command, a path or a URL: high.
   */
  private suspicious(g: Global, call: Call, t: Target): void {
    if (t.construct) return;
    const last = g.name.slice(g.name.lastIndexOf('.') + 1);
    if (last === '' || !/^_*[a-z]/.test(last)) return;
    for (const str of stringArgs(t.args, t.kwargs)) {
      const kind = codeLike(str);
      if (kind === undefined) continue;
      const evidence = this.evidenceOf(call, t);
      this.emit(
        rules.suspiciousCall,
        call.offset,
        `loading the pickle calls ${safeName(g.qualified)}${g.written !== undefined ? ` (written ${safeName(g.written)})` : ''}, a function outside the allowlist, with ${kind} ${quoteStr(str, 120)}: ${shorten(evidence)}`,
        evidence,
      );
      return;
    }
  }

  /** Remember the first call of something not allowlisted (for malformed-after-payload). */
  private notePayload(call: Call, t: Target, v: Verdict): void {
    if ((v.kind !== 'allow' || v.referenceOnly) && this.scope.payload === undefined) this.scope.payload = this.evidenceOf(call, t);
  }

  private addExtension(args: readonly Value[]): void {
    const m = strOf(args[0] ?? null);
    const n = strOf(args[1] ?? null);
    const code = args[2];
    if (m !== undefined && n !== undefined && typeof code === 'number') this.ext.set(code, [m, n]);
  }

  private nested(g: Global, v: Verdict, t: Target, call: Call): void {
    const evidence = this.evidenceOf(call, t);
    const b = this.quiet === undefined ? nestedBytes(this, g, t.args, t.kwargs) : undefined;
    if (b === undefined) {
      this.scope.payload ??= evidence;
      this.emit(rules.dangerousCall, call.offset, `loading the pickle calls ${safeName(g.qualified)} on data that is not statically known; it ${v.why}: ${shorten(evidence)}`, evidence, v.severity);
      return;
    }
    const member = `${safeName(g.qualified)}@${call.offset}`;
    const legit = g.qualified === 'torch.storage._load_from_bytes';
    this.emit(
      rules.nestedPickle,
      call.offset,
      `${safeName(g.qualified)} loads ${b.length} bytes carried by the pickle; the nested stream is scanned as ${member}`,
      evidence,
      legit ? 'info' : 'medium',
    );
    if (!legit) this.scope.payload ??= evidence;
    const src: ByteSource = b.data !== undefined ? new BufferSource(b.data) : new SliceSource(this.source, b.offset, b.length);
    this.scanNested(src, member);
  }

  private scanNested(src: ByteSource, member: string): void {
    const fmt = this.ctx.scanNested(src, member);
    if (fmt !== 'unknown') return;
    const c = this.ctx.child(member);
    if (c.depth > this.ctx.limits.maxNestingDepth) return; // scanNested reported the depth limit
    try {
      this.nestedPickle(src, c);
    } catch (e) {
      c.failed(e, `analysis of ${member}`);
    }
  }

  /** BUILD / SETITEM(S) / APPEND(S) / ADDITEMS on something that is not a plain container. */
  mutation(op: MutationOp, target: Value, items: readonly Value[], at: number): void {
    this.at = at;
    const d = resolve(this, target);
    if (d.t !== 'global' && d.t !== 'ns' && d.t !== 'modules') return;
    const what = renderDen(d);
    let ev: string;
    if (op === 'BUILD') {
      const st = items[0] ?? null;
      const slot = seqItems(st);
      if (typeof st === 'object' && st !== null && st.k === 'dict') ev = `${what}.__dict__.update(${renderValue(st)})`;
      else if (slot !== undefined && slot.length === 2) ev = `BUILD ${what} \u2190 ${renderValue(st)} (setattr for each slot-state item)`;
      else ev = `BUILD ${what} \u2190 ${renderValue(st)}`;
    } else if (op === 'SETITEM' || op === 'SETITEMS') {
      ev = `${what}[${renderValue(items[0] ?? null)}] = ${renderValue(items[1] ?? null)}${items.length > 2 ? ` (and ${items.length / 2 - 1} more)` : ''}`;
    } else {
      ev = `${what}.${op === 'ADDITEMS' ? 'add' : 'append'}(${items.map((x) => renderValue(x)).join(', ')})`;
    }
    this.scope.payload ??= ev;
    // The mutated global is reported here, not again as an import.
    const base = d.t === 'global' ? d.g : d.t === 'ns' ? d.of : undefined;
    if (base !== undefined) this.record(base, undefined, true);
    this.emit(
      rules.statePoisoning,
      at,
      `${op} modifies ${what}, an imported ${d.t === 'global' ? 'module-level object' : 'namespace'}, instead of an object the pickle created: ${shorten(ev)}`,
      ev,
    );
  }

  /** The array a BUILD on joblib's NumpyArrayWrapper announces, or undefined when not a wrapper. */
  joblibArray(call: Call, state: Value, at: number): PendingArray | undefined {
    const callee = call.callee;
    if (!(callee instanceof Global)) return undefined;
    const role = this.verdict(callee).role;
    let cls: Global | undefined;
    if (role === 'joblib-wrapper') cls = callee;
    else if (role === 'reconstructor' || role === 'newobj') {
      const c = call.args?.[0];
      if (c instanceof Global && this.verdict(c).role === 'joblib-wrapper') cls = c;
    }
    if (cls === undefined) return undefined;
    const fail = (why: string): never => {
      throw new StreamStop('malformed', `joblib NumpyArrayWrapper at offset ${call.offset}: ${why}; the array bytes that follow cannot be located`, at);
    };
    if (typeof state !== 'object' || state === null || state.k !== 'dict') return fail('its state is not a dict');
    const shape = dictGet(state, 'shape');
    const dims = shape === undefined ? undefined : seqItems(shape);
    if (dims === undefined) return fail('no statically known shape');
    let count = 1;
    for (const x of dims) {
      if (typeof x !== 'number' || x < 0) return fail('shape is not a tuple of non-negative ints');
      count *= x;
    }
    const dt = dictGet(state, 'dtype');
    const info = dt === undefined ? undefined : this.dtypeInfo(dt);
    if (info === undefined) return fail('its dtype is not statically known');
    const align = dictGet(state, 'numpy_array_alignment_bytes');
    const dataBytes = count * info.itemsize;
    if (!Number.isSafeInteger(dataBytes)) return fail('array size overflows');
    return { wrapper: call, dataBytes, aligned: align !== undefined && align !== null, embeddedPickle: info.hasObject, at };
  }

  /** itemsize / hasobject of a pickled numpy dtype: `numpy.dtype("f8", False, True)` + BUILD state. */
  private dtypeInfo(v: Value): { itemsize: number; hasObject: boolean } | undefined {
    if (typeof v !== 'object' || v === null || v.k !== 'call' || !(v.callee instanceof Global)) return undefined;
    if (this.verdict(v.callee).role !== 'numpy-dtype') return undefined;
    const spec = strOf(v.args?.[0] ?? null);
    if (spec === undefined) return undefined;
    const m = /^[<>|=]?([a-zA-Z?])(\d*)$/.exec(spec);
    if (!m) return undefined;
    const kind = m[1] as string;
    const n = m[2] === '' ? undefined : Number(m[2]);
    const st = seqItems(v.state ?? null);
    const elsize = st?.[5];
    const flags = st?.[7];
    const hasObject = kind === 'O' || (typeof flags === 'number' && (flags & 1) === 1);
    let itemsize: number | undefined;
    if (typeof elsize === 'number' && elsize > 0) itemsize = elsize;
    else if (kind === 'U') itemsize = n === undefined ? undefined : n * 4;
    else if (kind === '?' || kind === 'b' && n === undefined) itemsize = 1;
    else itemsize = n;
    if (itemsize === undefined && !hasObject) return undefined;
    return { itemsize: itemsize ?? 8, hasObject };
  }

  /**
   * The other reading of joblib array bytes: `pickle.load` (instead of `joblib.load`) does not skip
   * them after the NumpyArrayWrapper's BUILD but runs them as opcodes. A file can carry a payload
   * there that only that loader runs (and that joblib-aware scanners skip). The bytes are run as a
   * fresh stream, quietly and briefly: array data normally fails within a few bytes; security
   * findings of high severity and above that the reading produces are reported.
   */
  shadow(machine: StreamRunner, at: number, budget: { left: number; readonly max: number }): void {
    if (this.quiet !== undefined || this.shadowOps <= 0) return;
    const buffer: QuietFinding[] = [];
    this.quiet = buffer;
    budget.left = Math.min(SHADOW_OPS_EACH, this.shadowOps);
    const start = budget.left;
    this.openScope();
    try {
      machine.run(at);
    } catch {
      // a shadow reading never fails the scan
    } finally {
      this.closeScope();
      this.quiet = undefined;
      this.shadowOps -= start - Math.max(0, budget.left);
    }
    for (const q of buffer) {
      if (!SHADOW_RULES.has(q.rule.id) || (q.severity !== 'critical' && q.severity !== 'high')) continue;
      this.emit(q.rule, q.at, `if this file is loaded with pickle.load instead of joblib.load, the joblib array bytes from offset ${at} run as opcodes: ${q.message}`, q.evidence, q.severity);
    }
  }

  /** A joblib object-array pickle embedded in the stream: analysed as its own stream. */
  embedded(machine: StreamRunner, at: number): StreamOutcome {
    this.openScope();
    try {
      return machine.run(at);
    } finally {
      const payload = this.closeScope();
      void payload;
    }
  }

  // --- reporting ------------------------------------------------------------------------------

  private reportRef(g: Global, r: RefInfo): void {
    const v = this.verdict(g);
    const via = r.via !== undefined && !r.direct ? renderValue(r.via) : undefined;
    const where = via !== undefined ? ` (reached by ${shorten(via)})` : '';
    const written = g.written !== undefined ? ` (written ${safeName(g.written)})` : '';
    if (v.kind === 'deny') {
      if (r.called) return; // reported as a call
      if (v.role !== 'none' && RESOLVER_ROLES.has(v.role) && !r.direct) return;
      const sev: Severity = v.severity === 'medium' ? 'medium' : 'high';
      this.emit(
        rules.dangerousGlobal,
        r.at,
        `the pickle imports ${renderValue(g)}${written}${where}, which ${v.why}${v.matched !== g.qualified ? ` (it reaches ${safeName(v.matched)})` : ''}; it is not called in the stream, but the loaded data holds it`,
        v.entry ?? (via !== undefined ? `${renderValue(g)} via ${via}` : renderValue(g)),
        sev,
      );
      return;
    }
    if (v.kind === 'unknown' || (v.referenceOnly && r.called)) {
      if (r.consumed && !r.called) return;
      // A resolver (getattr-like) that was called: what it resolved to is graded instead.
      if (r.called && RESOLVER_ROLES.has(v.role)) return;
      const sev: Severity = this.strict ? 'high' : 'medium';
      const callEvidence = r.firstCall !== undefined ? this.evidenceOf(r.firstCall.call, r.firstCall.target) : undefined;
      const calledText = callEvidence !== undefined ? `; it is called: ${shorten(callEvidence)}` : '';
      this.emit(
        rules.unknownGlobal,
        r.at,
        v.referenceOnly
          ? `${renderValue(g)}${written} is allowlisted only as a stored reference, but the pickle calls it${calledText}`
          : `the pickle imports ${renderValue(g)}${written}${where}, which ${v.why}${calledText}`,
        callEvidence ?? renderValue(g),
        sev,
      );
    }
  }

  /**
   * Report one finding through the target's Reporter. Findings are deduplicated while they are
   * listed; past `maxFindingsPerRule` they are only counted by the Reporter, so the set of seen
   * keys stays bounded whatever the stream does.
   */
  private emit(rule: RuleMeta, at: number, message: string, evidence: string | undefined, severity?: Severity): void {
    if (this.quiet !== undefined) {
      if (this.quiet.length < 64) this.quiet.push({ rule, at, message, evidence, severity: severity ?? rule.severity });
      return;
    }
    if (this.ctx.listed(rule)) {
      const key = `${rule.id}\u0000${at}\u0000${evidence ?? message}`;
      if (this.reported.has(key)) return;
      this.reported.add(key);
    }
    this.ctx.report(rule, {
      location: this.ctx.at(at),
      message,
      ...(severity !== undefined && { severity }),
      ...(evidence !== undefined && { evidence }),
    });
  }

  /** The stream broke after a call that is not allowlisted: report the payload-then-error trick. */
  payloadBeforeError(payload: string, at: number, error: string): void {
    this.emit(
      rules.malformedAfterPayload,
      at,
      `the stream breaks at offset ${at} (${error}) after it has already called ${shorten(payload)}: the loader runs that call before it fails`,
      payload,
    );
  }

  trailing(at: number, message: string): void {
    this.emit(rules.trailingData, at, message, undefined);
  }

  nestedFormat(): string {
    return 'pickle';
  }
}

/** String arguments of a call (top level, one level into tuples and lists, keyword values); at most 32. */
function stringArgs(args: readonly Value[], kwargs: PyDict | null): string[] {
  const out: string[] = [];
  const add = (v: Value): void => {
    if (out.length >= 32) return;
    const s = strOf(v);
    if (s !== undefined) out.push(s);
    else if (v instanceof PyBytes && v.data !== undefined && v.data.length <= 4096) out.push(Buffer.from(v.data).toString('latin1'));
  };
  for (const a of args) {
    add(a);
    const items = seqItems(a);
    if (items !== undefined) for (let i = 0; i < items.length && i < 32; i++) add(items[i] ?? null);
  }
  if (kwargs !== null) for (let i = 0; i < kwargs.vals.length && i < 32; i++) add(kwargs.vals[i] ?? null);
  return out;
}

const URL_LIKE = /^\s*[a-z][a-z0-9+.-]{1,15}:\/\/\S/i;
const PATH_LIKE = /^(\/|~\/|\.{1,2}\/|[A-Za-z]:[\\/]|\\\\)[^\n]*$/;
const SCRIPT_FILE = /\.(py|pyc|pth|so|dll|dylib|sh|bash|zsh|exe|bat|cmd|ps1|pl|rb)$/i;
const SHELL_WORDS = 'curl|wget|bash|sh|zsh|dash|python[0-9.]*|perl|ruby|node|nc|ncat|netcat|socat|powershell|pwsh|cmd(?:\\.exe)?|chmod|chown|rm|mkfifo|telnet|ssh|scp|sudo|nohup|crontab|base64|whoami|id|uname|cat|echo|touch|mv|cp|kill|pkill';
const COMMAND_LIKE = new RegExp(`(^|[\\s;&|\`(])(${SHELL_WORDS})\\s+\\S|[;|]\\s*(${SHELL_WORDS})\\b|\\$\\(|\`[^\`]+\`|\\S\\s*&&\\s*\\S|\\S\\s*\\|\\|\\s*\\S|^\\s*(whoami|id|uname)\\s*$`);
const CODE_LIKE = /\bimport\s+[A-Za-z_]|\bexec\s*\(|\beval\s*\(|__import__|\bcompile\s*\(|\bopen\s*\(|\bos\.(system|popen|exec|spawn)|\bsubprocess\b|\blambda\b[^:]*:|\bdef\s+\w+\s*\(|\bgetattr\s*\(|\bglobals\s*\(\)|\bsys\.modules\b/;

/** Does `s` look like code, a command, a path or a URL? Which, as finding text. */
export function codeLike(s: string): string | undefined {
  const t = s.length > 4096 ? s.slice(0, 4096) : s;
  if (CODE_LIKE.test(t)) return 'what looks like Python code';
  if (URL_LIKE.test(t)) return 'a URL';
  if (COMMAND_LIKE.test(t)) return 'what looks like a shell command';
  if ((PATH_LIKE.test(t) && t.length > 1) || SCRIPT_FILE.test(t.trim())) return 'a file path';
  return undefined;
}

function shorten(s: string, max = 240): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
