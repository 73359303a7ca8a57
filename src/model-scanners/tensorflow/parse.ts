/**
 * TensorFlow SavedModel (`saved_model.pb`) and frozen GraphDef (`.pb`) parser: a bounded protobuf walk over
 * every meta graph's GraphDef nodes and function library (field numbers from saved_model.proto,
 * meta_graph.proto, graph.proto, node_def.proto, function.proto, attr_value.proto, tensor.proto,
 * checked against TensorFlow 2.21's generated descriptors):
 *   SavedModel{1 schema_version, 2 meta_graphs: MetaGraphDef}
 *   MetaGraphDef{1 meta_info_def{2 stripped_op_list, 4 tags}, 2 graph_def, 6 asset_file_def{2 filename}}
 *   GraphDef{1 node: NodeDef, 2 library: FunctionDefLibrary{1 function: FunctionDef}}
 *   FunctionDef{1 signature: OpDef{1 name}, 3 node_def: NodeDef}
 *   NodeDef{1 name, 2 op, 3 input, 5 attr: map<string, AttrValue{1 list{2 s}, 2 s, 8 tensor}>}
 *   TensorProto{8 string_val}
 * Constant tensor payloads other than short strings are skipped by length. The parser returns the
 * graph as `TfGraph` (nodes by scope, functions, declared ops, asset files) with the error that
 * stopped the walk, if one did; the rules (rules.ts) judge it.
 */
import type { ByteSource, Limits } from '../../limits/index.js';
import type { PbField } from '../protobuf/index.js';
import { ProtoWalker, STOP_WALK, WIRE_LEN, WIRE_VARINT } from '../protobuf/index.js';

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

/** One NodeDef as the rules see it. */
export interface TfNode {
  readonly name: string;
  readonly op: string;
  /** The first inputs (`name`, `name:1`, `^control`). */
  readonly inputs: readonly string[];
  /** Short string constants (Const `value` string_val) and string attributes that can name paths/URLs. */
  readonly strings: readonly string[];
  /** Offset of the node's tag. */
  readonly at: number;
  /** Where the node is: `graph`, `function f`, `meta graph 2: graph`. */
  readonly scope: string;
}

/** An asset file named by a meta graph (`asset_file_def.filename`). */
export interface TfAssetFile {
  readonly file: string;
  readonly at: number;
}

/** What the walk read of a SavedModel or frozen GraphDef. */
export interface TfGraph {
  readonly kind: 'saved-model' | 'graph-def';
  readonly metaGraphs: number;
  readonly functions: number;
  /** Nodes by scope, in walk order. */
  readonly scopes: ReadonlyMap<string, readonly TfNode[]>;
  /** Names of the functions of the graphs' libraries (ops a graph may call). */
  readonly functionNames: ReadonlySet<string>;
  /** Ops the meta graphs declare (`stripped_op_list`). */
  readonly declaredOps: ReadonlySet<string>;
  readonly tags: readonly string[];
  readonly assetFiles: readonly TfAssetFile[];
  /** What stopped the walk (malformed protobuf, a limit), when something did; the rest was not read. */
  readonly error?: unknown;
}

export type TfLimits = Pick<Limits, 'maxStructureDepth' | 'maxStringBytes' | 'maxProtobufFields'>;

/** String attributes read per node, and the longest string kept (a path or URL, not a tensor). */
const MAX_NODE_STRINGS = 64;
const MAX_NODE_STRING_BYTES = 4096;
/** Inputs kept per node (to find the Const nodes that feed a path to a file op). */
const MAX_NODE_INPUTS = 1024;

/**
 * Walk the graph(s). Never throws for malformed input or limits: what was read before the problem
 * is returned, with the problem in `error`.
 */
export function parseTensorflow(source: ByteSource, limits: TfLimits): TfGraph {
  const w = new ProtoWalker(source, { maxDepth: limits.maxStructureDepth, maxStringBytes: limits.maxStringBytes, maxFields: limits.maxProtobufFields });
  const scopes = new Map<string, TfNode[]>();
  const functionNames = new Set<string>();
  const declaredOps = new Set<string>();
  const tags: string[] = [];
  const assetFiles: TfAssetFile[] = [];
  let error: unknown;
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
      if (v.field === 2 && v.length <= MAX_NODE_STRING_BYTES && out.length < MAX_NODE_STRINGS) out.push(w.string(v).text);
      else if (v.field === 1) {
        w.nested(v, (l) => {
          if (l.field === 2 && l.wire === WIRE_LEN && l.length <= MAX_NODE_STRING_BYTES && out.length < MAX_NODE_STRINGS) out.push(w.string(l).text);
        });
      } else if (v.field === 8) {
        w.nested(v, (t) => {
          if (t.field === 8 && t.wire === WIRE_LEN && t.length <= MAX_NODE_STRING_BYTES && out.length < MAX_NODE_STRINGS) out.push(w.string(t).text);
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
      else if (n.field === 3 && inputs.length < MAX_NODE_INPUTS) inputs.push(w.string(n).text);
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
                assetFiles.push({ file: w.string(a).text, at: a.tagOffset });
              }
            });
          }
        });
      });
    }
  } catch (e) {
    error = e;
  }
  return { kind, metaGraphs, functions, scopes, functionNames, declaredOps, tags, assetFiles, ...(error !== undefined && { error }) };
}

