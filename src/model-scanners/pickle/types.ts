/** Public types of the pickle analyser (re-exported by index.ts; the contract containers rely on). */
import type { Severity } from '../../findings/index.js';

/** A persistent id seen by BINPERSID/PERSID, e.g. PyTorch's ('storage', FloatStorage, '0', 'cpu', 4). */
export interface PersistentRef {
  /** Readable rendering, e.g. `('storage', torch.FloatStorage, '0', 'cpu', 4)`. */
  readonly text: string;
  /** For PyTorch storages: the storage key (archive member `data/<key>`), when statically known. */
  readonly storageKey?: string;
}

export interface PickleScanOptions {
  /** Start offset in `source` (legacy PyTorch reads several pickles back to back). Default 0. */
  readonly offset?: number;
  /**
   * `true`: analyse exactly one pickle (up to its STOP) and return where it ended.
   * `false` (default): analyse every pickle back to back until the end of the source; bytes after the
   * last STOP that are not a pickle are reported.
   */
  readonly single?: boolean;
  /** What loads this stream; tunes messages and which findings apply (e.g. `torch.load` with a persistent_load). */
  readonly loader?: 'pickle' | 'torch' | 'joblib' | 'numpy';
  /**
   * A pickle of a TorchScript archive: `__torch__.*` globals name classes torch.jit.load compiles from
   * the archive's code/ (no Python import), and are graded as such.
   */
  readonly torchscript?: boolean;
  /** Modules whose source ships beside the pickle (torch.package), with what their scan found. */
  readonly shippedModules?: ReadonlyMap<string, ShippedModule>;
}

/** A module whose source ships beside the pickle and was scanned (torch.package interned modules). */
export interface ShippedModule {
  /** Archive member holding the source. */
  readonly member: string;
  /** The worst issue the source scan found, if any, and what it is. */
  readonly severity?: Severity;
  readonly what?: string;
}

export interface PickleAnalysis {
  /** Offset just after the last STOP analysed (or where analysis stopped). */
  readonly endOffset: number;
  /** Number of complete pickles (STOPs reached). */
  readonly stops: number;
  /** False when the stream was malformed or a limit stopped the analysis (findings say why). */
  readonly complete: boolean;
  readonly persistentIds: readonly PersistentRef[];
  /** Opcodes executed symbolically (all streams, nested joblib pickles included). */
  readonly opcodes: number;
}
