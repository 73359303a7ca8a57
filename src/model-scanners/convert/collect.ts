/**
 * The converter's pickle observer and the walk over what `data.pkl` returns.
 *
 * The symbolic machine (../pickle/machine.ts) runs the stream; this observer keeps every call with
 * its arguments (the grader drops the arguments of allowed calls) and every persistent id, executes
 * nothing, and afterwards `collectTensors` walks the returned value: dicts, OrderedDicts, lists and
 * tuples are containers, `torch._utils._rebuild_tensor_v2` / `_rebuild_tensor` /
 * `_rebuild_parameter(_with_state)` over a `('storage', torch.<T>Storage, key, location, numel)`
 * persistent id are tensors, plain scalars and strings are non-tensor values (left out, listed), and
 * anything else — an object of any other class, a global, a value computed at load time — is a
 * problem (the conversion is refused) or, with `tensorsOnly`, left out and listed, its tensors taken.
 */
import type { ByteSource } from '../../limits/index.js';
import type { CallOp, MachineObserver, MutationOp, StreamOutcome, StreamRunner, Value } from '../pickle/index.js';
import { Call, Global, Pers, PyDict, PyTuple, StreamMachine, Unknown, renderValue, safeName } from '../pickle/index.js';
import type { Limits } from '../../limits/index.js';

/** How a torch storage class maps to a safetensors dtype. */
export interface DtypeInfo {
  /** safetensors dtype name. */
  readonly dtype: string;
  /** Bytes per element. */
  readonly size: number;
  /** Unit of byte order (complex numbers swap each half); 1 = no swap needed. */
  readonly swap: number;
}

/** torch.<Name>Storage → safetensors dtype (torch/storage.py's legacy storage classes). */
export const STORAGE_DTYPES: Readonly<Record<string, DtypeInfo>> = Object.freeze({
  DoubleStorage: { dtype: 'F64', size: 8, swap: 8 },
  FloatStorage: { dtype: 'F32', size: 4, swap: 4 },
  HalfStorage: { dtype: 'F16', size: 2, swap: 2 },
  BFloat16Storage: { dtype: 'BF16', size: 2, swap: 2 },
  Float8_e4m3fnStorage: { dtype: 'F8_E4M3', size: 1, swap: 1 },
  Float8_e5m2Storage: { dtype: 'F8_E5M2', size: 1, swap: 1 },
  Float8_e4m3fnuzStorage: { dtype: 'F8_E4M3FNUZ', size: 1, swap: 1 },
  Float8_e5m2fnuzStorage: { dtype: 'F8_E5M2FNUZ', size: 1, swap: 1 },
  LongStorage: { dtype: 'I64', size: 8, swap: 8 },
  IntStorage: { dtype: 'I32', size: 4, swap: 4 },
  ShortStorage: { dtype: 'I16', size: 2, swap: 2 },
  CharStorage: { dtype: 'I8', size: 1, swap: 1 },
  ByteStorage: { dtype: 'U8', size: 1, swap: 1 },
  UInt16Storage: { dtype: 'U16', size: 2, swap: 2 },
  UInt32Storage: { dtype: 'U32', size: 4, swap: 4 },
  UInt64Storage: { dtype: 'U64', size: 8, swap: 8 },
  BoolStorage: { dtype: 'BOOL', size: 1, swap: 1 },
  ComplexFloatStorage: { dtype: 'C64', size: 8, swap: 4 },
});

/** Element sizes of storage classes safetensors cannot hold (to skip their bytes in the legacy stream). */
export const OTHER_STORAGE_SIZES: Readonly<Record<string, number>> = Object.freeze({
  ComplexDoubleStorage: 16,
  QInt8Storage: 1,
  QUInt8Storage: 1,
  QInt32Storage: 4,
  QUInt4x2Storage: 1,
  QUInt2x4Storage: 1,
});

/** One tensor found in the pickle, named by its path. */
export interface TensorRef {
  readonly name: string;
  readonly storageKey: string;
  readonly storageClass: string;
  readonly dtype: DtypeInfo;
  /** Storage offset, in elements. */
  readonly offset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
  /** Byte order of this tensor's storage when it differs per tensor (numpy); else the file's. */
  readonly bigEndian?: boolean;
}

export interface Collected {
  readonly tensors: TensorRef[];
  /** What was not converted (non-tensor values; with tensorsOnly, objects whose tensors were taken). */
  readonly leftOut: string[];
  /** Why the conversion must be refused (empty: it may proceed). */
  readonly problems: string[];
}

const MAX_LISTED = 50;

function pushCapped(list: string[], s: string, counter: { n: number }): void {
  counter.n++;
  if (list.length < MAX_LISTED) list.push(s);
}

/** The observer: keeps calls with their arguments and the items set on call results (OrderedDict). */
export class Collector implements MachineObserver {
  readonly tuples = new Map<number | string, PyTuple>();
  private readonly globals = new Map<string, Global>();
  /** Items SETITEM(S) put into call results (OrderedDict), in order. */
  readonly items = new Map<Call, { keys: Value[]; vals: Value[] }>();
  readonly problems: string[] = [];
  /** Storage key → torch storage class name, for every storage persistent id seen. */
  readonly storageTypes = new Map<string, string>();
  private itemCount = 0;

  constructor(private readonly maxItems: number) {}

  private problem(s: string): void {
    if (this.problems.length < MAX_LISTED) this.problems.push(s);
  }

  intern(module: string, name: string, written?: string, dynamic = false): Global {
    const key = `${dynamic ? '\u0001' : ''}${module}\n${name}`;
    let g = this.globals.get(key);
    if (g === undefined) {
      g = new Global(module, name, written, dynamic);
      this.globals.set(key, g);
    }
    return g;
  }

  referenceOp(): void {
    // Globals matter only where the walk meets them.
  }

  stackGlobal(module: Value, name: Value, at: number): Value {
    if (typeof module === 'string' && typeof name === 'string') return this.intern(module, name);
    this.problem(`a global whose name is computed at load time (offset ${at})`);
    return new Unknown('a global computed at load time');
  }

  extension(code: number, at: number): Value {
    this.problem(`an extension-registry global EXT(${code}) (offset ${at})`);
    return new Unknown(`extension ${code}`);
  }

  persistent(pid: Value, at: number): Value {
    const p = new Pers(pid, at);
    const items = pid instanceof PyTuple ? pid.items : undefined;
    const t = items?.[1];
    if (items?.[0] === 'storage' && typeof items[2] === 'string' && t instanceof Global && t.module === 'torch' && this.storageTypes.size < this.maxItems) this.storageTypes.set(items[2], t.name);
    return p;
  }

  frameMismatch(at: number, message: string): void {
    this.problem(`pickle framing (offset ${at}): ${message}`);
  }

  invoke(op: CallOp, callee: Value, args: readonly Value[], kwargs: PyDict | null, _badKwargs: Value | undefined, at: number): Value {
    return new Call(op, callee, args, kwargs, at);
  }

  mutation(op: MutationOp, target: Value, items: readonly Value[]): void {
    if (!(target instanceof Call) || (op !== 'SETITEM' && op !== 'SETITEMS')) return; // BUILD state is kept on the call by the machine
    let e = this.items.get(target);
    if (e === undefined) {
      e = { keys: [], vals: [] };
      this.items.set(target, e);
    }
    for (let i = 0; i + 1 < items.length; i += 2) {
      if (++this.itemCount > this.maxItems) {
        if (this.itemCount === this.maxItems + 1) this.problem(`more than maxConvertTensors (${this.maxItems}) dictionary items`);
        return;
      }
      e.keys.push(items[i] as Value);
      e.vals.push(items[i + 1] as Value);
    }
  }

  joblibArray(): undefined {
    return undefined;
  }

  shadow(): void {
    // No second reading: the scanner already graded the stream.
  }

  embedded(_machine: StreamRunner, at: number): StreamOutcome {
    return { start: at, end: at, stopped: false };
  }
}

/** Run one pickle stream (data.pkl, or one of the legacy format's pickles at `start`) through the collector. */
export function runPickle(source: ByteSource, limits: Limits, start = 0): { collector: Collector; outcome: StreamOutcome } {
  const collector = new Collector(limits.maxConvertTensors);
  const m = new StreamMachine(source, collector, {
    opsBudget: { left: limits.maxPickleOps, max: limits.maxPickleOps },
    maxStack: limits.maxPickleStack,
    maxMemo: limits.maxPickleMemo,
    maxStringBytes: limits.maxStringBytes,
    joblibDepth: 0,
    maxNestingDepth: limits.maxNestingDepth,
    maxItems: limits.maxConvertTensors,
  });
  const outcome = m.run(start);
  return { collector, outcome };
}

function isGlobal(v: Value, module: string, ...names: string[]): v is Global {
  return v instanceof Global && !v.dynamic && v.module === module && names.includes(v.name);
}

function intList(v: Value | undefined): number[] | undefined {
  if (!(v instanceof PyTuple) && !(typeof v === 'object' && v !== null && v.k === 'list')) return undefined;
  const items = (v as { items: Value[]; dropped: number }).items;
  if ((v as { dropped: number }).dropped > 0 || items.length > 64) return undefined;
  const out: number[] = [];
  for (const x of items) {
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) return undefined;
    out.push(x);
  }
  return out;
}

/** What a tensor-rebuild call denotes: the tensor, or a problem. */
function tensorOf(call: Call, depth = 0): Omit<TensorRef, 'name'> | string | undefined {
  const c = call.callee;
  const args = call.args ?? [];
  if (isGlobal(c, 'torch._utils', '_rebuild_parameter', '_rebuild_parameter_with_state')) {
    const data = args[0];
    if (!(data instanceof Call) || depth > 2) return 'a Parameter whose data is not a tensor';
    return tensorOf(data, depth + 1) ?? 'a Parameter whose data is not a tensor';
  }
  if (!isGlobal(c, 'torch._utils', '_rebuild_tensor_v2', '_rebuild_tensor')) return undefined;
  if (call.kwargs !== null) return 'a tensor rebuilt with keyword arguments';
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof Pers)) return 'a tensor whose storage is not a PyTorch storage record';
  // ('storage', torch.<T>Storage, key, location, numel) — the legacy format adds a sixth item, the
  // view metadata of pre-1.0 storage views (None since then; views are not converted).
  const pid = storage.pidValue();
  const items = pid instanceof PyTuple ? pid.items : [];
  const key = items[2];
  if (items[0] !== 'storage' || typeof key !== 'string' || (items.length !== 5 && !(items.length === 6 && items[5] === null))) {
    return `a tensor whose storage is ${renderValue(pid)}, not a PyTorch storage record`;
  }
  const st = items[1];
  if (!(st instanceof Global) || st.dynamic || st.module !== 'torch') return `a tensor whose storage type is ${renderValue(st ?? null)}`;
  const dtype = STORAGE_DTYPES[st.name];
  if (dtype === undefined) return `a tensor of torch.${safeName(st.name)}, which safetensors cannot hold`;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) return `a tensor with storage offset ${renderValue(offset ?? null)}`;
  const shape = intList(size ?? null);
  const strides = intList(stride ?? null);
  if (shape === undefined || strides === undefined || shape.length !== strides.length) return `a tensor with size ${renderValue(size ?? null)} and stride ${renderValue(stride ?? null)}`;
  return { storageKey: key, storageClass: st.name, dtype, offset, shape, stride: strides };
}

function isOrderedDict(v: Value): v is Call {
  return v instanceof Call && isGlobal(v.callee, 'collections', 'OrderedDict') && (v.args ?? []).length === 0 && v.kwargs === null;
}

function keyText(k: Value): string | undefined {
  if (typeof k === 'string') return k;
  if (typeof k === 'number' && Number.isSafeInteger(k)) return String(k);
  return undefined;
}

/** Module attributes nn.Module.state_dict() walks, without naming them. */
const MODULE_SLOTS = ['_parameters', '_buffers', '_modules'];

/**
 * Walk the value data.pkl returns and name every tensor by its path (keys joined with '.').
 * `budget` bounds the nodes visited (shared structure is visited once per path that reaches it).
 */
export function collectTensors(root: Value, collector: Collector, opts: { tensorsOnly: boolean; budget: number; maxDepth: number }): Collected {
  const tensors: TensorRef[] = [];
  const leftOut: string[] = [];
  const problems: string[] = [...collector.problems];
  const leftCount = { n: 0 };
  const probCount = { n: 0 };
  let budget = opts.budget;
  const onPath = new Set<object>();
  const join = (path: string, k: string): string => (path === '' ? k : `${path}.${k}`);
  const shown = (path: string): string => (path === '' ? '(the top level)' : safeName(path));
  const entriesOf = (v: Value): { keys: Value[]; vals: Value[]; dropped: number } | undefined => {
    if (v instanceof PyDict) return { keys: v.keys, vals: v.vals, dropped: v.dropped };
    if (isOrderedDict(v)) {
      const e = collector.items.get(v);
      return { keys: e?.keys ?? [], vals: e?.vals ?? [], dropped: 0 };
    }
    return undefined;
  };

  const walk = (v: Value, path: string, depth: number): void => {
    if (--budget < 0) {
      if (budget === -1) pushCapped(problems, `more than maxConvertTensors (${opts.budget}) values to walk`, probCount);
      return;
    }
    if (v === null || typeof v !== 'object') {
      pushCapped(leftOut, `${shown(path)}: a non-tensor value (${renderValue(v)})`, leftCount);
      return;
    }
    if (depth > opts.maxDepth) {
      pushCapped(problems, `${shown(path)}: containers nested deeper than ${opts.maxDepth}`, probCount);
      return;
    }
    if (onPath.has(v)) {
      pushCapped(problems, `${shown(path)}: a container that contains itself`, probCount);
      return;
    }
    if (v instanceof Call) {
      const t = tensorOf(v);
      if (typeof t === 'string') {
        pushCapped(problems, `${shown(path)}: ${t}`, probCount);
        return;
      }
      if (t !== undefined) {
        tensors.push({ name: path, ...t });
        return;
      }
    }
    const entries = entriesOf(v);
    onPath.add(v);
    try {
      if (entries !== undefined) {
        if (entries.dropped > 0) pushCapped(problems, `${shown(path)}: a dictionary with more than maxConvertTensors items`, probCount);
        for (let i = 0; i < entries.keys.length; i++) {
          const k = keyText(entries.keys[i] ?? null);
          if (k === undefined) {
            pushCapped(problems, `${shown(path)}: a key that is not a string or an integer (${renderValue(entries.keys[i] ?? null)})`, probCount);
            continue;
          }
          walk(entries.vals[i] ?? null, join(path, k), depth + 1);
        }
        return;
      }
      if (v.k === 'list' || v.k === 'tuple') {
        if (v.dropped > 0) pushCapped(problems, `${shown(path)}: a list with more than maxConvertTensors items`, probCount);
        for (let i = 0; i < v.items.length; i++) walk(v.items[i] ?? null, join(path, String(i)), depth + 1);
        return;
      }
      if (v.k === 'float' || v.k === 'bigint' || v.k === 'str' || v.k === 'bytes') {
        pushCapped(leftOut, `${shown(path)}: a non-tensor value`, leftCount);
        return;
      }
      const what = v instanceof Call ? `an object built by ${renderValue(v.callee)}` : `${renderValue(v)}`;
      if (!opts.tensorsOnly) {
        pushCapped(problems, `${shown(path)}: ${what}, which is not a tensor or a container of tensors (--tensors-only takes the tensors and leaves it out)`, probCount);
        return;
      }
      pushCapped(leftOut, `${shown(path)}: ${what} (its tensors, if any, were taken)`, leftCount);
      if (v instanceof Call && v.state !== undefined) {
        const st = entriesOf(v.state);
        if (st === undefined) {
          walk(v.state, path, depth + 1);
          return;
        }
        const slots = st.keys.map((k) => keyText(k ?? null));
        if (slots.some((k) => k !== undefined && MODULE_SLOTS.includes(k))) {
          // An nn.Module: name tensors as state_dict() does (parameters, buffers, submodules).
          for (let i = 0; i < st.keys.length; i++) {
            const k = slots[i];
            if (k !== undefined && MODULE_SLOTS.includes(k)) walk(st.vals[i] ?? null, path, depth + 1);
          }
          return;
        }
        walk(v.state, path, depth + 1);
      }
    } finally {
      onPath.delete(v);
    }
  };

  walk(root, '', 0);
  if (leftCount.n > leftOut.length) leftOut.push(`... and ${leftCount.n - leftOut.length} more`);
  if (probCount.n > problems.length) problems.push(`... and ${probCount.n - problems.length} more`);
  return { tensors, leftOut, problems };
}
