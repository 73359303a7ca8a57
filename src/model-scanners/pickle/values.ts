/**
 * Symbolic values of the pickle stack machine.
 *
 * Concrete Python scalars are JS primitives where that is exact and cheap (the machine handles
 * millions of them): `null` is None, `true`/`false` are bools, a JS `number` is a Python int in the
 * safe-integer range, a JS `string` is a complete Python str. Everything else is a small object with a
 * `k` discriminant. Containers are bounded (`MAX_ITEMS`): items beyond the bound are counted, not
 * kept — every call is graded when it is made, so dropping a container item never hides a call.
 */
import type { Verdict } from './policy.js';

export type Value = null | boolean | number | string | PyObj;

export type PyObj =
  | PyFloat
  | PyBigInt
  | PyStr
  | PyBytes
  | PyTuple
  | PyList
  | PyDict
  | PySet
  | Global
  | Call
  | Pers
  | Unknown;

/** Items kept per container (the rest are counted in `dropped`). */
export const MAX_ITEMS = 256;

export class PyFloat {
  readonly k = 'float' as const;
  constructor(readonly v: number) {}
}

/** An int outside the safe-integer range (LONG, LONG1, LONG4, big INT): decimal text, maybe shortened. */
export class PyBigInt {
  readonly k = 'bigint' as const;
  constructor(
    readonly text: string,
    /** Bytes of the encoded integer (LONG1/LONG4 length). */
    readonly byteLength: number,
  ) {}
}

/** A str longer than `maxStringBytes`: the kept prefix and the full encoded length. */
export class PyStr {
  readonly k = 'str' as const;
  constructor(
    readonly head: string,
    readonly byteLength: number,
  ) {}
}

/**
 * bytes / bytearray. Small values keep their bytes (`data`); large ones are a lazy reference to
 * `(offset, length)` in the analysed source (`data` undefined), read only if they turn out to be loaded
 * as a nested pickle. Values computed by evaluators (e.g. `_codecs.encode`) have `offset` -1.
 */
export class PyBytes {
  readonly k = 'bytes' as const;
  constructor(
    readonly data: Uint8Array | undefined,
    readonly offset: number,
    readonly length: number,
    readonly bytearray: boolean,
  ) {}
}

export class PyTuple {
  readonly k = 'tuple' as const;
  constructor(
    public items: Value[],
    public dropped = 0,
  ) {}
  /** Items released to save memory (arguments of an allowed call); now only their count is known. */
  get thinned(): boolean {
    return this.items === THINNED && this.dropped > 0;
  }
  thin(): void {
    // Tuples of numbers may be shared by content (machine.ts `tuple`) and are cheap: keep them.
    const items = this.items;
    let numbers = true;
    for (let i = 0; i < items.length; i++) {
      if (typeof items[i] !== 'number') {
        numbers = false;
        break;
      }
    }
    if (numbers) return;
    this.dropped += this.items.length;
    this.items = THINNED;
  }
}

/** Shared empty item array of thinned tuples (never mutated). */
const THINNED: Value[] = [];

/** The empty tuple (EMPTY_TUPLE): immutable, so one object serves every occurrence. */
export const EMPTY_TUPLE = new PyTuple([]);

/**
 * Memo placeholder for a tuple whose items were released (the arguments of an allowed call, a
 * PyTorch storage id): a later GET of it yields arguments that are not statically known.
 */
export const RELEASED_TUPLE = new PyTuple(THINNED, 1);

export class PyList {
  readonly k = 'list' as const;
  constructor(
    readonly items: Value[],
    public dropped = 0,
  ) {}
}

export class PyDict {
  readonly k = 'dict' as const;
  constructor(
    readonly keys: Value[],
    readonly vals: Value[],
    public dropped = 0,
  ) {}
}

export class PySet {
  readonly k = 'set' as const;
  constructor(
    readonly items: Value[],
    readonly frozen: boolean,
    public dropped = 0,
  ) {}
}

/**
 * A module-level object named by GLOBAL / STACK_GLOBAL / INST / EXT (after `_compat_pickle` mapping),
 * or a module itself (`name` empty). `name` may be dotted (`os.system` under module `posixpath`).
 * Interned per analysis, so the policy verdict is computed once per distinct global.
 */
export class Global {
  readonly k = 'global' as const;
  /** Policy verdict, computed on first use. */
  verdict: Verdict | undefined = undefined;
  /**
   * The shared result of calling this global when the policy allows it without condition: such
   * results carry no arguments, so one object serves every call (millions in a checkpoint).
   */
  instance: Call | undefined = undefined;
  constructor(
    readonly module: string,
    readonly name: string,
    /** As written in the stream when `_compat_pickle` mapped it (e.g. `__builtin__.eval`). */
    readonly written: string | undefined,
    /** Computed at load time (STACK_GLOBAL of computed or truncated strings): not statically known. */
    readonly dynamic: boolean,
  ) {}
  get qualified(): string {
    return this.name === '' ? this.module : `${this.module}.${this.name}`;
  }
}

export type CallOp = 'REDUCE' | 'NEWOBJ' | 'NEWOBJ_EX' | 'INST' | 'OBJ';

/**
 * The result of an invocation: `callee(*args, **kwargs)`. For callees the policy allows and that have
 * no evaluator, `args` is dropped (null) to keep memory flat on checkpoints with millions of calls.
 */
export class Call {
  readonly k = 'call' as const;
  /** State given by BUILD (kept for the joblib array wrapper and numpy dtype). */
  state: Value | undefined = undefined;
  /** Memoised denotation (see resolve.ts). */
  den: unknown = undefined;
  constructor(
    readonly op: CallOp,
    readonly callee: Value,
    readonly args: readonly Value[] | null,
    readonly kwargs: PyDict | null,
    readonly offset: number,
  ) {}
}

/**
 * The object a persistent_load hook returned for a persistent id (PERSID / BINPERSID). It is also the
 * public `PersistentRef` record: `storageKey` for PyTorch storages, `text` rendered on demand.
 */
export class Pers {
  readonly k = 'pers' as const;
  readonly storageKey?: string;
  /**
   * The persistent id. PyTorch's `('storage', type, key, location, numel)` tuples are not kept (one
   * per tensor adds up): their items live in `storage`, and the text is rebuilt from them.
   */
  readonly pid: Value;
  private readonly sType: Value = null;
  private readonly sLocation: Value = null;
  private readonly sNumel: Value = null;
  constructor(
    pid: Value,
    readonly offset: number,
  ) {
    const items = seqItems(pid);
    if (items !== undefined && items.length === 5 && items[0] === 'storage' && typeof items[2] === 'string' && typeof pid === 'object' && pid !== null && pid.k === 'tuple') {
      this.storageKey = items[2];
      this.sType = items[1] ?? null;
      this.sLocation = items[3] ?? null;
      this.sNumel = items[4] ?? null;
      this.pid = null;
    } else {
      this.pid = pid;
    }
  }
  /** The persistent id as a value (rebuilt for storages). */
  pidValue(): Value {
    if (this.storageKey === undefined) return this.pid;
    return new PyTuple(['storage', this.sType, this.storageKey, this.sLocation, this.sNumel]);
  }
  get text(): string {
    return renderPid(this.pidValue());
  }
}

/** Set by render.ts (values.ts cannot import it without a cycle). */
let renderPid: (v: Value) => string = () => '?';
export function setPidRenderer(f: (v: Value) => string): void {
  renderPid = f;
}

/** A value that cannot be known statically (out-of-band buffer, computed at load time, …). */
export class Unknown {
  readonly k = 'unknown' as const;
  constructor(readonly why: string) {}
}

export const OUT_OF_BAND = new Unknown('out-of-band buffer (protocol 5 NEXT_BUFFER)');

/** The Python str a value certainly is, or undefined (truncated strings are not usable as names). */
export function strOf(v: Value): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function isObj(v: Value): v is PyObj {
  return typeof v === 'object' && v !== null;
}

/** Items of a tuple/list value (for REDUCE args, which pickle.py accepts as any iterable). */
export function seqItems(v: Value): readonly Value[] | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  if (v.k === 'tuple' || v.k === 'list') return v.items;
  return undefined;
}

/** Look up a str key in a dict value (undefined when absent or not statically known). */
export function dictGet(d: PyDict, key: string): Value | undefined {
  for (let i = 0; i < d.keys.length; i++) if (d.keys[i] === key) return d.vals[i];
  return undefined;
}
