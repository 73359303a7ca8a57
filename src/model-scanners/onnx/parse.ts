/**
 * ONNX parser: a bounded walk over the ModelProto wire format (field numbers from onnx.proto, checked
 * against onnx 1.23's generated descriptors). Only structure is read: operator types and domains,
 * opset imports, model-local functions, subgraphs (If/Loop/Scan bodies in attributes, training
 * graphs) and external-data references of every tensor. Tensor payloads (`raw_data` and the typed
 * `*_data` fields) are skipped by length, so a 2 GB model costs a walk over its node list only.
 *
 * The parser returns what it read as an `OnnxModel` (with the error that stopped the walk, if one
 * did); the rules (rules.ts) judge it.
 */
import type { ByteSource, Limits } from '../../limits/index.js';
import type { PbField } from '../protobuf/index.js';
import { ProtoWalker, STOP_WALK, WIRE_LEN, WIRE_VARINT } from '../protobuf/index.js';

const MODEL_FIELDS = new Set([1, 2, 3, 4, 5, 6, 7, 8, 14, 20, 25, 26]);

export interface OnnxExternalRef {
  readonly tensor: string;
  readonly location: string;
  readonly offset: string | undefined;
  readonly length: string | undefined;
  readonly at: number;
}

/** A value carried by the model that could hold a serialized object (see OnnxModel.embedded). */
export interface OnnxEmbeddedValue {
  /** `metadata_props["key"]`, `graph metadata_props["key"]`, `string tensor "name"[i]`. */
  readonly label: string;
  readonly bytes: Uint8Array;
  readonly at: number;
}

/** Metadata values and string-tensor items kept for the embedded-object check. */
const MAX_EMBEDDED_VALUES = 1024;
/** Items read per string tensor (a vocabulary tensor can hold millions). */
const MAX_STRINGS_PER_TENSOR = 64;

/** A node as the rules see it. */
export interface OnnxNodeRef {
  /** Operator domain (`ai.onnx` is normalised to ''). */
  readonly domain: string;
  readonly op: string;
  readonly name: string;
  /** Offset of the node's tag. */
  readonly at: number;
}

/** The nodes of one operator: how many, and the first ones (as many as a report lists). */
export interface OnnxOpUse {
  readonly count: number;
  readonly nodes: readonly OnnxNodeRef[];
}

/** What the walk read of a ModelProto. */
export interface OnnxModel {
  readonly irVersion: number | undefined;
  readonly opsets: ReadonlyMap<string, number>;
  /** domain → op_type → its use, over the graph, subgraphs, training graphs and functions. */
  readonly ops: ReadonlyMap<string, ReadonlyMap<string, OnnxOpUse>>;
  /** The first node of each domain (where a domain finding points). */
  readonly firstNodeOfDomain: ReadonlyMap<string, OnnxNodeRef>;
  readonly nodes: number;
  /** `domain::name` of the model-local functions. */
  readonly functions: readonly string[];
  /** Domains that model-local functions define. */
  readonly functionDomains: ReadonlySet<string>;
  readonly externalData: readonly OnnxExternalRef[];
  /**
   * Values that could hold serialized objects: `metadata_props` of the model and its graphs, and the
   * data of string tensors (initializers, Constant attributes); the first MAX_EMBEDDED_VALUES,
   * each at most maxStringBytes long.
   */
  readonly embedded: readonly OnnxEmbeddedValue[];
  readonly fieldsVisited: number;
  /** What stopped the walk (malformed protobuf, a limit), when something did; the rest was not read. */
  readonly error?: unknown;
}

/**
 * Content sniff: a protobuf whose top-level fields are all ModelProto fields, with an ir_version
 * (field 1 varint, 1..64) and a graph (7) or opset_import (8). Walks only the top level, skipping
 * payloads by length (cheap even for multi-GB files); never throws.
 */
export function isOnnx(source: ByteSource): boolean {
  if (source.size < 4) return false;
  const first = source.read(0, 1)[0];
  if (first === undefined || (first & 7) > 5 || first < 8) return false;
  const w = new ProtoWalker(source, { maxDepth: 2, maxStringBytes: 64, maxFields: 256, chunkSize: 512 });
  let ir: number | undefined;
  let graphOrOpset = false;
  let ok = true;
  try {
    w.message(0, source.size, (f) => {
      if (!MODEL_FIELDS.has(f.field)) ok = false;
      if (f.field === 1) ir = f.wire === WIRE_VARINT ? f.varint : -1;
      if ((f.field === 7 || f.field === 8) && f.wire === WIRE_LEN) graphOrOpset = true;
      if ((f.field === 2 || f.field === 3 || f.field === 4 || f.field === 6) && f.wire !== WIRE_LEN) ok = false;
      // Enough seen: ir_version and a graph or opset, and every field so far a ModelProto field.
      if (!ok || (ir !== undefined && graphOrOpset)) throw STOP_WALK;
    });
  } catch (e) {
    if (e !== STOP_WALK) return false;
  }
  return ok && graphOrOpset && ir !== undefined && ir >= 1 && ir <= 64;
}

export type OnnxLimits = Pick<Limits, 'maxStructureDepth' | 'maxStringBytes' | 'maxProtobufFields' | 'maxFindingsPerRule'>;

/**
 * Walk a ModelProto. Never throws for malformed input or limits: what was read before the problem is
 * returned, with the problem in `error`. Node references are kept for the first `maxFindingsPerRule`
 * nodes of each operator (what a report lists); the others are counted.
 */
export function parseOnnx(source: ByteSource, limits: OnnxLimits): OnnxModel {
  const w = new ProtoWalker(source, { maxDepth: limits.maxStructureDepth, maxStringBytes: limits.maxStringBytes, maxFields: limits.maxProtobufFields });
  const keep = limits.maxFindingsPerRule;
  const opsets = new Map<string, number>();
  const ops = new Map<string, Map<string, { count: number; nodes: OnnxNodeRef[] }>>();
  const firstNodeOfDomain = new Map<string, OnnxNodeRef>();
  const functionDomains = new Set<string>();
  const functions: string[] = [];
  const external: OnnxExternalRef[] = [];
  const embedded: OnnxEmbeddedValue[] = [];
  let irVersion: number | undefined;
  let nodes = 0;
  let error: unknown;

  const str = (f: PbField): string => w.string(f).text;

  /** StringStringEntryProto {key = 1, value = 2}: the value keeps its bytes. */
  const metadataEntry = (f: PbField, where: string): void => {
    let k = '';
    let v: Uint8Array | undefined;
    w.nested(f, (e) => {
      if (e.field === 1 && e.wire === WIRE_LEN) k = str(e);
      else if (e.field === 2 && e.wire === WIRE_LEN) v = w.string(e).bytes;
    });
    if (v !== undefined && embedded.length < MAX_EMBEDDED_VALUES) embedded.push({ label: `${where}metadata_props[${JSON.stringify(k.slice(0, 80))}]`, bytes: v, at: f.tagOffset });
  };

  const walkTensor = (f: PbField): void => {
    let name = '';
    let location: string | undefined;
    let offset: string | undefined;
    let length: string | undefined;
    let externalFlag = false;
    let dataType = 0;
    const strings: { bytes: Uint8Array; at: number }[] = [];
    w.nested(f, (t) => {
      if (t.field === 2 && t.wire === WIRE_VARINT) dataType = t.varint;
      else if (t.field === 6 && t.wire === WIRE_LEN && strings.length < MAX_STRINGS_PER_TENSOR) strings.push({ bytes: w.string(t).bytes, at: t.tagOffset });
      else if (t.field === 8 && t.wire === WIRE_LEN) name = str(t);
      else if (t.field === 14 && t.wire === WIRE_VARINT) externalFlag = t.varint === 1;
      else if (t.field === 13 && t.wire === WIRE_LEN) {
        let k = '';
        let v = '';
        w.nested(t, (e) => {
          if (e.field === 1 && e.wire === WIRE_LEN) k = str(e);
          else if (e.field === 2 && e.wire === WIRE_LEN) v = str(e);
        });
        if (k === 'location') location = v;
        else if (k === 'offset') offset = v;
        else if (k === 'length') length = v;
      }
      // field 9 raw_data and the typed data fields are skipped by length: never read.
    });
    if (externalFlag || location !== undefined) {
      external.push({ tensor: name, location: location ?? '', offset, length, at: f.tagOffset });
    }
    // string_data (field 6) of a STRING (8) tensor: bytes the model carries as values.
    if (dataType === 8) {
      for (let i = 0; i < strings.length && embedded.length < MAX_EMBEDDED_VALUES; i++) {
        const x = strings[i] as { bytes: Uint8Array; at: number };
        embedded.push({ label: `string tensor ${JSON.stringify(name.slice(0, 80))}[${i}]`, bytes: x.bytes, at: x.at });
      }
    }
  };

  const walkGraph = (f: PbField): void => {
    w.nested(f, (g) => {
      if (g.field === 1 && g.wire === WIRE_LEN) walkNode(g);
      else if (g.field === 5 && g.wire === WIRE_LEN) walkTensor(g);
      else if (g.field === 16 && g.wire === WIRE_LEN) metadataEntry(g, 'graph ');
      else if (g.field === 15 && g.wire === WIRE_LEN) {
        w.nested(g, (s) => {
          if ((s.field === 1 || s.field === 2) && s.wire === WIRE_LEN) walkTensor(s);
        });
      }
    });
  };

  const walkAttribute = (f: PbField): void => {
    w.nested(f, (a) => {
      if (a.wire !== WIRE_LEN) return;
      if (a.field === 6 || a.field === 11) walkGraph(a); // g, graphs: subgraphs run as part of the model
      else if (a.field === 5 || a.field === 10) walkTensor(a); // t, tensors (Constant values can be external)
      else if (a.field === 22 || a.field === 23) {
        w.nested(a, (s) => {
          if ((s.field === 1 || s.field === 2) && s.wire === WIRE_LEN) walkTensor(s);
        });
      }
    });
  };

  const walkNode = (f: PbField): void => {
    let op = '';
    let domain = '';
    let name = '';
    w.nested(f, (n) => {
      if (n.wire !== WIRE_LEN) return;
      if (n.field === 4) op = str(n);
      else if (n.field === 7) domain = str(n);
      else if (n.field === 3) name = str(n);
      else if (n.field === 5) walkAttribute(n);
    });
    nodes++;
    const d = domain === 'ai.onnx' ? '' : domain;
    let m = ops.get(d);
    if (!m) ops.set(d, (m = new Map()));
    let use = m.get(op);
    if (!use) m.set(op, (use = { count: 0, nodes: [] }));
    use.count++;
    const ref = { domain: d, op, name, at: f.tagOffset };
    if (use.nodes.length < keep) use.nodes.push(ref);
    if (!firstNodeOfDomain.has(d)) firstNodeOfDomain.set(d, ref);
  };

  const walkOpset = (f: PbField, into: Map<string, number>): void => {
    let domain = '';
    let version = 0;
    w.nested(f, (o) => {
      if (o.field === 1 && o.wire === WIRE_LEN) domain = str(o);
      else if (o.field === 2 && o.wire === WIRE_VARINT) version = o.varint;
    });
    into.set(domain, version);
  };

  try {
    w.message(0, source.size, (f) => {
      if (f.field === 1 && f.wire === WIRE_VARINT) irVersion = f.varint;
      else if (f.field === 8 && f.wire === WIRE_LEN) walkOpset(f, opsets);
      else if (f.field === 7 && f.wire === WIRE_LEN) walkGraph(f); // every occurrence: parsers merge them
      else if (f.field === 14 && f.wire === WIRE_LEN) metadataEntry(f, '');
      else if (f.field === 20 && f.wire === WIRE_LEN) {
        w.nested(f, (t) => {
          if ((t.field === 1 || t.field === 2) && t.wire === WIRE_LEN) walkGraph(t);
        });
      } else if (f.field === 25 && f.wire === WIRE_LEN) {
        let fname = '';
        let fdomain = '';
        w.nested(f, (fn) => {
          if (fn.wire !== WIRE_LEN) return;
          if (fn.field === 1) fname = str(fn);
          else if (fn.field === 10) fdomain = str(fn);
          else if (fn.field === 7) walkNode(fn);
        });
        functionDomains.add(fdomain);
        functions.push(`${fdomain}::${fname}`);
      }
    });
  } catch (e) {
    error = e;
  }
  return {
    irVersion,
    opsets,
    ops,
    firstNodeOfDomain,
    nodes,
    functions,
    functionDomains,
    externalData: external,
    embedded,
    fieldsVisited: w.fieldsVisited,
    ...(error !== undefined && { error }),
  };
}
