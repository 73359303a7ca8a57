/**
 * Builds ONNX ModelProto bytes in code with the protobuf builder (field numbers from onnx.proto):
 * custom domains, Python ops, subgraphs, model-local functions and external-data references.
 */
import { Pb } from './protobuf-builder.js';

export interface OnnxNode {
  readonly op: string;
  readonly domain?: string;
  readonly name?: string;
  readonly inputs?: readonly string[];
  readonly outputs?: readonly string[];
  /** A subgraph attribute (If/Loop bodies). */
  readonly subgraph?: OnnxGraph;
  /** A Constant's tensor attribute. */
  readonly tensor?: OnnxTensor;
}

export interface OnnxTensor {
  readonly name: string;
  readonly dims?: readonly number[];
  /** Raw payload bytes (embedded). */
  readonly raw?: Uint8Array;
  /** External data entries (key → value), written with data_location = EXTERNAL. */
  readonly external?: Readonly<Record<string, string>>;
}

export interface OnnxGraph {
  readonly nodes?: readonly OnnxNode[];
  readonly initializers?: readonly OnnxTensor[];
}

export interface OnnxModel {
  readonly irVersion?: number;
  readonly opsets?: readonly (readonly [string, number])[];
  readonly graph?: OnnxGraph;
  /** Emit the graph field twice (parsers merge repeated embedded messages). */
  readonly secondGraph?: OnnxGraph;
  readonly functions?: readonly { readonly name: string; readonly domain: string; readonly nodes: readonly OnnxNode[] }[];
  readonly metadata?: Readonly<Record<string, string>>;
}

export function tensorProto(t: OnnxTensor): Pb {
  const p = new Pb();
  for (const d of t.dims ?? [1]) p.varint(1, d);
  p.varint(2, 1); // FLOAT
  p.string(8, t.name);
  if (t.raw) p.bytes(9, t.raw);
  if (t.external) {
    for (const [k, v] of Object.entries(t.external)) p.message(13, (e) => e.string(1, k).string(2, v));
    p.varint(14, 1);
  }
  return p;
}

export function nodeProto(n: OnnxNode): Pb {
  const p = new Pb();
  p.strings(1, n.inputs ?? ['x']);
  p.strings(2, n.outputs ?? ['y']);
  p.string(3, n.name ?? `${n.op}_0`);
  p.string(4, n.op);
  if (n.subgraph) p.message(5, (a) => a.string(1, 'body').varint(20, 5).message(6, graphProto(n.subgraph ?? {})));
  if (n.tensor) p.message(5, (a) => a.string(1, 'value').varint(20, 4).message(5, tensorProto(n.tensor as OnnxTensor)));
  if (n.domain !== undefined) p.string(7, n.domain);
  return p;
}

export function graphProto(g: OnnxGraph): Pb {
  const p = new Pb();
  for (const n of g.nodes ?? []) p.message(1, nodeProto(n));
  p.string(2, 'g');
  for (const t of g.initializers ?? []) p.message(5, tensorProto(t));
  p.message(11, (v) => v.string(1, 'x'));
  p.message(12, (v) => v.string(1, 'y'));
  return p;
}

export function onnxModel(m: OnnxModel = {}): Uint8Array {
  const p = new Pb();
  p.varint(1, m.irVersion ?? 8);
  p.string(2, 'bulwark-test');
  p.string(3, '1');
  p.varint(5, 1);
  p.message(7, graphProto(m.graph ?? { nodes: [{ op: 'Relu' }] }));
  if (m.secondGraph) p.message(7, graphProto(m.secondGraph));
  for (const [d, v] of m.opsets ?? [['', 17]]) p.message(8, (o) => o.string(1, d).varint(2, v));
  for (const [k, v] of Object.entries(m.metadata ?? {})) p.message(14, (e) => e.string(1, k).string(2, v));
  for (const f of m.functions ?? []) {
    p.message(25, (fp) => {
      fp.string(1, f.name);
      for (const n of f.nodes) fp.message(7, nodeProto(n));
      fp.string(10, f.domain);
    });
  }
  return p.finish();
}
