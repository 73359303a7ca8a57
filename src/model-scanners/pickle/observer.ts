/**
 * What the symbolic pickle machine (machine.ts) reports while it runs a stream, as an interface: the
 * machine depends on this file only, and whoever runs it supplies the observer. The scanner's
 * observer is the Grader (grade.ts), which judges imports and calls against the policy; a converter
 * can reuse the machine with an observer of its own (it sees every call — the tensor-rebuild calls
 * included — and every persistent id).
 *
 * Values (values.ts) are the machine's symbolic values: globals, calls, containers, primitives.
 */
import type { Call, CallOp, Global, PyDict, PyTuple, Value } from './values.js';

/** Why the analysis of a stream stopped before STOP. */
export class StreamStop extends Error {
  constructor(
    readonly kind: 'malformed' | 'limit',
    message: string,
    readonly offset: number,
    readonly limit?: string,
  ) {
    super(message);
  }
}

export interface StreamOutcome {
  readonly start: number;
  /** Offset just after STOP, or where the analysis stopped. */
  readonly end: number;
  readonly stopped: boolean;
  readonly failure?: StreamStop;
  /** Where pure-Python pickle (its _Unframer) starts the next stream, when it differs from `end`. */
  readonly altNext?: number;
  /** The value STOP returned (what load() would return), for tests and callers that inspect it. */
  readonly result?: Value;
}

/** Pending joblib array read deferred to the end of the current frame (pickle.py reads after it). */
export interface PendingArray {
  readonly wrapper: Call;
  readonly dataBytes: number;
  readonly aligned: boolean;
  readonly embeddedPickle: boolean;
  readonly at: number;
}

/** A fresh machine over other bytes of the same source (a shadow reading, an embedded pickle). */
export interface StreamRunner {
  run(start: number): StreamOutcome;
}

export type MutationOp = 'BUILD' | 'SETITEM' | 'SETITEMS' | 'APPEND' | 'APPENDS' | 'ADDITEMS';

/**
 * The machine's observer. Every method is called synchronously from the machine's loop, at the
 * opcode at offset `at`; the values it returns are pushed on the symbolic stack.
 */
export interface MachineObserver {
  /** Small tuples shared by content (the machine's cache of TUPLE1/2/3 of small ints). */
  readonly tuples: Map<number | string, PyTuple>;
  /** The one Global object for a module-level name (`written`: the name as the stream spelt it). */
  intern(module: string, name: string, written?: string, dynamic?: boolean): Global;
  /** A global pushed by GLOBAL or INST. */
  referenceOp(g: Global, at: number): void;
  /** STACK_GLOBAL on two stack values (strings, or values computed at load time). */
  stackGlobal(module: Value, name: Value, at: number, proto: number): Value;
  /** EXT1/EXT2/EXT4: the global registered under `code`. */
  extension(code: number, at: number): Value;
  /** PERSID / BINPERSID: what persistent_load returns for `pid`. */
  persistent(pid: Value, at: number): Value;
  /** A FRAME whose announced length disagrees with the opcodes it holds. */
  frameMismatch(at: number, message: string): void;
  /** REDUCE / NEWOBJ / NEWOBJ_EX / INST / OBJ: the value the call returns. */
  invoke(op: CallOp, callee: Value, args: readonly Value[], kwargs: PyDict | null, badKwargs: Value | undefined, at: number): Value;
  /** BUILD / SETITEM(S) / APPEND(S) / ADDITEMS on something that is not a plain container. */
  mutation(op: MutationOp, target: Value, items: readonly Value[], at: number): void;
  /** The array bytes a BUILD on joblib's NumpyArrayWrapper announces (undefined: not a wrapper). */
  joblibArray(call: Call, state: Value, at: number): PendingArray | undefined;
  /** The other reading of joblib array bytes (pickle.load runs them as opcodes). */
  shadow(machine: StreamRunner, at: number, budget: { left: number; readonly max: number }): void;
  /** A joblib object-array pickle embedded in the stream. */
  embedded(machine: StreamRunner, at: number): StreamOutcome;
}
