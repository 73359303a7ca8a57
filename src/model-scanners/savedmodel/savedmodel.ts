/**
 * TensorFlow SavedModel (`saved_model.pb`) and frozen GraphDef (`.pb`): a bounded protobuf walk over
 * every meta graph's GraphDef nodes and function library (field numbers from saved_model.proto,
 * meta_graph.proto, graph.proto, node_def.proto, function.proto, attr_value.proto, tensor.proto,
 * checked against TensorFlow 2.21's generated descriptors):
 *   SavedModel{1 schema_version, 2 meta_graphs: MetaGraphDef}
 *   MetaGraphDef{1 meta_info_def{2 stripped_op_list, 4 tags}, 2 graph_def, 6 asset_file_def{2 filename}}
 *   GraphDef{1 node: NodeDef, 2 library: FunctionDefLibrary{1 function: FunctionDef}}
 *   FunctionDef{1 signature: OpDef{1 name}, 3 node_def: NodeDef}
 *   NodeDef{1 name, 2 op, 3 input, 5 attr: map<string, AttrValue{1 list{2 s}, 2 s, 8 tensor}>}
 *   TensorProto{8 string_val}
 * Constant tensor payloads other than short strings are skipped by length.
 */
import type { ByteSource } from '../../limits/index.js';
import type { ModelScanContext } from '../context.js';
import type { PbField } from '../protobuf/index.js';
import { ProtoWalker, STOP_WALK, WIRE_LEN, WIRE_VARINT } from '../protobuf/index.js';
import { CappedReporter, quote } from '../safetensors/index.js';
import * as R from './rules.js';
import { TF_OP_NAMES_TEXT } from './tf-ops.js';

export const TF_OP_NAMES: ReadonlySet<string> = new Set(TF_OP_NAMES_TEXT.split(' ').filter((s) => s !== ''));

const PYTHON_OPS = new Set(['PyFunc', 'PyFuncStateless', 'EagerPyFunc']);

/** Ops that access files whatever their arguments. */
const FILE_OPS = new Set([
  'ReadFile', 'WriteFile', 'MatchingFiles', 'MatchingFilesDataset', 'ExperimentalMatchingFilesDataset', 'WholeFileReader', 'WholeFileReaderV2',
  'TextLineReader', 'TextLineReaderV2', 'TFRecordReader', 'TFRecordReaderV2', 'FixedLengthRecordReader', 'FixedLengthRecordReaderV2', 'LMDBReader',
  'TextLineDataset', 'TFRecordDataset', 'TFRecordDatasetV2', 'FixedLengthRecordDataset', 'FixedLengthRecordDatasetV2', 'CSVDataset', 'CSVDatasetV2',
  'ExperimentalCSVDataset', 'LMDBDataset', 'ExperimentalLMDBDataset', 'SqlDataset', 'ExperimentalSqlDataset', 'ImmutableConst', 'LoadDataset',
  'SaveDataset', 'SaveDatasetV2', 'DatasetToTFRecord', 'ExperimentalDatasetToTFRecord', 'SnapshotDataset', 'SnapshotDatasetV2', 'SnapshotDatasetReader',
  'SnapshotChunkDataset', 'ListSnapshotChunksDataset', 'DistributedSave', 'CreateSummaryFileWriter', 'CreateSummaryDbWriter', 'FileSystemSetConfiguration',
  'DumpTensor', 'LoadAndRemapMatrix', 'CacheDatasetV2', 'WriteAudioSummary',
]);

/** Ops that normally work on the model's own checkpoint/assets: flagged only with an unusual constant path. */
const PATH_CHECKED_OPS = new Set([
  'Save', 'SaveV2', 'SaveSlices', 'Restore', 'RestoreV2', 'RestoreSlice', 'MergeV2Checkpoints', 'ShardedFilename', 'ShardedFilespec', 'DTensorRestoreV2',
  'InitializeTableFromTextFile', 'InitializeTableFromTextFileV2', 'CacheDataset',
]);

const NETWORK_OPS = new Set([
  'RpcClient', 'RpcServer', 'RpcCall', 'RpcServerStart', 'RpcServerRegister', 'RpcCheckStatus', 'RpcGetValue', 'DeleteRpcFutureResource',
  'DataServiceDataset', 'DataServiceDatasetV2', 'DataServiceDatasetV3', 'DataServiceDatasetV4', 'RegisterDataset', 'RegisterDatasetV2', 'RemoteCall',
]);

/** Debug ops: network or file access through their `debug_urls` attribute. */
const DEBUG_URL_OPS = new Set(['DebugIdentity', 'DebugIdentityV2', 'DebugIdentityV3', 'DebugNanCount', 'DebugNumericSummary', 'DebugNumericSummaryV2']);

export interface SavedModelSummary {
  readonly kind: 'saved-model' | 'graph-def';
  readonly metaGraphs: number;
  readonly nodes: number;
  readonly functions: number;
  /** op → count over all graphs and functions. */
  readonly ops: ReadonlyMap<string, number>;
  readonly tags: readonly string[];
}

const META_GRAPH_FIELDS = new Set([1, 2, 3, 4, 5, 6, 7]);
const NODE_FIELDS = new Set([1, 2, 3, 4, 5, 6, 7]);

/**
 * Content sniff for `saved_model.pb`: top-level fields are only 1 (varint schema version) and 2
 * (MetaGraphDef messages) and the first meta graph's fields are MetaGraphDef fields. Never throws.
 */
export function isSavedModel(source: ByteSource): boolean {
  const first = source.read(0, 1)[0];
  if (first !== 0x08 && first !== 0x12) return false;
  const w = new ProtoWalker(source, { maxDepth: 3, maxStringBytes: 64, maxFields: 256, chunkSize: 512 });
  let metas = 0;
  let ok = true;
  try {
    w.message(0, source.size, (f) => {
      if (f.field === 1 && f.wire === WIRE_VARINT) return;
      if (f.field === 2 && f.wire === WIRE_LEN) {
        metas++;
        let seen = 0;
        try {
          w.nested(f, (m) => {
            if (!META_GRAPH_FIELDS.has(m.field) || m.wire !== WIRE_LEN) ok = false;
            if (!ok || ++seen >= 16) throw STOP_WALK;
          });
        } catch (e) {
          if (e !== STOP_WALK) throw e;
        }
        // The first meta graph decides.
        throw STOP_WALK;
      }
      ok = false;
      throw STOP_WALK;
    });
  } catch (e) {
    if (e !== STOP_WALK) return false;
  }
  return ok && metas > 0;
}

/**
 * Content sniff for a frozen GraphDef: top-level fields are GraphDef fields (1 node, 2 library,
 * 3 version, 4 versions, 5 debug_info) and the first node has NodeDef fields with an op name.
 */
export function isTensorflowGraphDef(source: ByteSource): boolean {
  const first = source.read(0, 1)[0];
  if (first !== 0x0a) return false;
  const w = new ProtoWalker(source, { maxDepth: 3, maxStringBytes: 256, maxFields: 256, chunkSize: 512 });
  let nodes = 0;
  let ok = true;
  try {
    w.message(0, source.size, (f) => {
      if (f.field < 1 || f.field > 5) ok = false;
      if (f.field === 1) {
        if (f.wire !== WIRE_LEN) ok = false;
        else if (nodes++ === 0) {
          let op = '';
          w.nested(f, (n) => {
            if (!NODE_FIELDS.has(n.field)) ok = false;
            if (n.field === 2 && n.wire === WIRE_LEN) op = w.string(n).text;
          });
          if (!/^[A-Za-z_][A-Za-z0-9_>.]*$/.test(op)) ok = false;
        }
      }
      // A few top-level fields decide (a frozen graph has thousands of nodes).
      if (!ok || nodes >= 4) throw STOP_WALK;
    });
  } catch (e) {
    if (e !== STOP_WALK) return false;
  }
  return ok && nodes > 0;
}

interface TfNode {
  readonly name: string;
  readonly op: string;
  readonly inputs: readonly string[];
  /** Short string constants (Const `value` string_val) and string attributes that can name paths/URLs. */
  readonly strings: readonly string[];
  readonly at: number;
  readonly scope: string;
}

export function scanSavedModel(source: ByteSource, ctx: ModelScanContext): SavedModelSummary | undefined {
  const rep = new CappedReporter(ctx);
  const w = new ProtoWalker(source, { maxDepth: ctx.limits.maxStructureDepth, maxStringBytes: ctx.limits.maxStringBytes });
  const scopes = new Map<string, TfNode[]>();
  const functionNames = new Set<string>();
  const declaredOps = new Set<string>();
  const tags: string[] = [];
  let metaGraphs = 0;
  let functions = 0;
  let kind: 'saved-model' | 'graph-def' = 'saved-model';

  const add = (scope: string, n: TfNode): void => {
    let list = scopes.get(scope);
    if (!list) scopes.set(scope, (list = []));
    list.push(n);
  };

  const walkStringsOfAttr = (f: PbField, out: string[]): void => {
    // AttrValue: 2 s, 1 list{2 s}, 8 tensor{8 string_val}
    w.nested(f, (v) => {
      if (v.wire !== WIRE_LEN) return;
      if (v.field === 2 && v.length <= 4096) out.push(w.string(v).text);
      else if (v.field === 1) {
        w.nested(v, (l) => {
          if (l.field === 2 && l.wire === WIRE_LEN && l.length <= 4096 && out.length < 64) out.push(w.string(l).text);
        });
      } else if (v.field === 8) {
        w.nested(v, (t) => {
          if (t.field === 8 && t.wire === WIRE_LEN && t.length <= 4096 && out.length < 64) out.push(w.string(t).text);
        });
      }
    });
  };

  const walkNode = (f: PbField, scope: string): void => {
    let name = '';
    let op = '';
    const inputs: string[] = [];
    const strings: string[] = [];
    w.nested(f, (n) => {
      if (n.wire !== WIRE_LEN) return;
      if (n.field === 1) name = w.string(n).text;
      else if (n.field === 2) op = w.string(n).text;
      else if (n.field === 3 && inputs.length < 1024) inputs.push(w.string(n).text);
      else if (n.field === 5) {
        let key = '';
        let valueField: PbField | undefined;
        w.nested(n, (e) => {
          if (e.field === 1 && e.wire === WIRE_LEN) key = w.string(e).text;
          else if (e.field === 2 && e.wire === WIRE_LEN) valueField = e;
        });
        if (valueField && (key === 'value' || key === 'output_stream' || key === 'debug_urls' || key === 'memory_region_name' || key === 'filename' || key === 'file_pattern')) {
          walkStringsOfAttr(valueField, strings);
        }
      }
    });
    add(scope, { name, op, inputs, strings, at: f.tagOffset, scope });
  };

  const walkGraphDef = (f: PbField, prefix: string): void => {
    w.nested(f, (g) => {
      if (g.wire !== WIRE_LEN) return;
      if (g.field === 1) walkNode(g, `${prefix}graph`);
      else if (g.field === 2) {
        w.nested(g, (lib) => {
          if (lib.field !== 1 || lib.wire !== WIRE_LEN) return;
          functions++;
          let fname = '';
          const pending: PbField[] = [];
          w.nested(lib, (fn) => {
            if (fn.wire !== WIRE_LEN) return;
            if (fn.field === 1) {
              w.nested(fn, (sig) => {
                if (sig.field === 1 && sig.wire === WIRE_LEN) fname = w.string(sig).text;
              });
            } else if (fn.field === 3) pending.push(fn);
          });
          functionNames.add(fname);
          for (const nf of pending) walkNode(nf, `${prefix}function ${fname}`);
        });
      }
    });
  };

  try {
    const first = source.read(0, 1)[0];
    if (first === 0x0a) {
      // A frozen GraphDef at the top level.
      kind = 'graph-def';
      walkGraphDef({ field: 0, wire: WIRE_LEN, tagOffset: 0, offset: 0, length: source.size, varint: 0 }, '');
    } else {
      w.message(0, source.size, (f) => {
        if (f.field !== 2 || f.wire !== WIRE_LEN) return;
        const prefix = metaGraphs++ === 0 ? '' : `meta graph ${metaGraphs}: `;
        w.nested(f, (m) => {
          if (m.wire !== WIRE_LEN) return;
          if (m.field === 2) walkGraphDef(m, prefix);
          else if (m.field === 1) {
            w.nested(m, (info) => {
              if (info.wire !== WIRE_LEN) return;
              if (info.field === 4) tags.push(w.string(info).text);
              else if (info.field === 2) {
                w.nested(info, (ol) => {
                  if (ol.field === 1 && ol.wire === WIRE_LEN) {
                    w.nested(ol, (od) => {
                      if (od.field === 1 && od.wire === WIRE_LEN) declaredOps.add(w.string(od).text);
                    });
                  }
                });
              }
            });
          } else if (m.field === 6) {
            w.nested(m, (a) => {
              if (a.field === 2 && a.wire === WIRE_LEN) {
                const file = w.string(a).text;
                const bad = pathProblem(file);
                if (bad) rep.report(R.fileSystemOp, { location: ctx.at(a.tagOffset), message: `asset file ${quote(file)}: ${bad}`, evidence: file });
              }
            });
          }
        });
      });
    }
  } catch (e) {
    ctx.failed(e, 'TensorFlow graph analysis');
  }

  const ops = new Map<string, number>();
  let nodes = 0;
  const custom = new Map<string, { count: number; first: TfNode }>();
  for (const [, list] of scopes) {
    const byName = new Map(list.map((n) => [n.name, n]));
    for (const n of list) {
      nodes++;
      ops.set(n.op, (ops.get(n.op) ?? 0) + 1);
      const where = `${n.scope}, node ${quote(n.name)}`;
      if (PYTHON_OPS.has(n.op)) {
        rep.report(R.pythonOp, { location: ctx.at(n.at), message: `${where}: ${n.op} runs Python code registered in the serving process`, evidence: n.op });
      } else if (FILE_OPS.has(n.op)) {
        rep.report(R.fileSystemOp, { location: ctx.at(n.at), message: `${where}: ${n.op} accesses the file system${describePaths(n, byName)}`, evidence: n.op });
      } else if (NETWORK_OPS.has(n.op)) {
        rep.report(R.networkOp, { location: ctx.at(n.at), message: `${where}: ${n.op} opens network connections`, evidence: n.op });
      } else if (DEBUG_URL_OPS.has(n.op)) {
        const urls = n.strings.filter((s) => /^[a-z]+:\/\//i.test(s));
        if (urls.some((u) => !u.startsWith('file://'))) {
          rep.report(R.networkOp, { location: ctx.at(n.at), message: `${where}: ${n.op} sends tensors to ${urls.map((u) => quote(u)).join(', ')}`, evidence: n.op });
        } else if (urls.length > 0) {
          rep.report(R.fileSystemOp, { location: ctx.at(n.at), message: `${where}: ${n.op} writes tensors to ${urls.map((u) => quote(u)).join(', ')}`, evidence: n.op });
        }
      } else if (n.op === 'PrintV2') {
        const target = n.strings.find((s) => s.startsWith('file://'));
        if (target) rep.report(R.fileSystemOp, { location: ctx.at(n.at), message: `${where}: PrintV2 writes to ${quote(target)}`, evidence: n.op });
      } else if (PATH_CHECKED_OPS.has(n.op)) {
        const paths = constInputs(n, byName).filter((s) => pathProblem(s) !== undefined);
        if (paths.length > 0) {
          rep.report(R.fileSystemOp, {
            location: ctx.at(n.at),
            message: `${where}: ${n.op} uses the constant path ${quote(paths[0] ?? '')} (${pathProblem(paths[0] ?? '') ?? ''})`,
            evidence: `${n.op}:${paths[0] ?? ''}`,
          });
        }
      } else if (!TF_OP_NAMES.has(n.op) && !functionNames.has(n.op) && n.op !== '') {
        const c = custom.get(n.op);
        if (c) c.count++;
        else custom.set(n.op, { count: 1, first: n });
      }
    }
  }
  for (const op of declaredOps) {
    if (!TF_OP_NAMES.has(op) && !functionNames.has(op) && !custom.has(op)) {
      custom.set(op, { count: 0, first: { name: '', op, inputs: [], strings: [], at: 0, scope: 'stripped_op_list' } });
    }
  }
  for (const [op, c] of custom) {
    rep.report(R.customOp, {
      location: ctx.at(c.first.at),
      message:
        c.count > 0
          ? `${c.count} node(s) use the op ${quote(op)}, which TensorFlow does not register (first: ${c.first.scope}, node ${quote(c.first.name)}); loading needs a custom op library`
          : `the meta graph declares the op ${quote(op)} (stripped_op_list), which TensorFlow does not register; loading needs a custom op library`,
      evidence: op,
    });
  }
  rep.flush(R.TENSORFLOW_RULES);
  return { kind, metaGraphs, nodes, functions, ops, tags };
}

/** String constants that feed a node directly (Const inputs in the same scope). */
function constInputs(n: TfNode, byName: ReadonlyMap<string, TfNode>): string[] {
  const out: string[] = [];
  for (const raw of n.inputs) {
    const name = raw.replace(/^\^/, '').split(':')[0] ?? '';
    const src = byName.get(name);
    if (src && src.op === 'Const') out.push(...src.strings);
  }
  return out;
}

function describePaths(n: TfNode, byName: ReadonlyMap<string, TfNode>): string {
  const p = [...n.strings, ...constInputs(n, byName)].filter((s) => s.length > 0 && s.length < 300);
  return p.length > 0 ? ` (constant ${quote(p[0] ?? '')})` : '';
}

/** Why a path constant is unusual for a model's own checkpoint/assets, or undefined. */
export function pathProblem(p: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p)) return 'a URL';
  if (p.startsWith('/') || p.startsWith('\\') || /^[a-zA-Z]:[\\/]/.test(p)) return 'an absolute path';
  if (p.split(/[\\/]/).includes('..')) return 'a path that climbs with ".."';
  if (p.startsWith('~')) return 'a home-directory path';
  return undefined;
}
