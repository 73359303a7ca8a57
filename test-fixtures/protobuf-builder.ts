/**
 * A protobuf wire-format encoder for test fixtures (ONNX and TensorFlow SavedModel builders use it).
 * It writes exactly what it is told, so hostile encodings can be forged: duplicated singular fields,
 * lengths that lie, groups, invalid wire types.
 */
export class Pb {
  private readonly parts: Uint8Array[] = [];

  static varintBytes(v: number | bigint): Uint8Array {
    let x = BigInt(v);
    if (x < 0n) x += 1n << 64n; // int64 two's complement
    const out: number[] = [];
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x > 0n) b |= 0x80;
      out.push(b);
    } while (x > 0n);
    return Uint8Array.from(out);
  }

  private tag(field: number, wire: number): void {
    this.parts.push(Pb.varintBytes(field * 8 + wire));
  }

  varint(field: number, v: number | bigint | boolean): this {
    this.tag(field, 0);
    this.parts.push(Pb.varintBytes(typeof v === 'boolean' ? (v ? 1 : 0) : v));
    return this;
  }

  fixed32(field: number, v: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    this.parts.push(b);
    return this;
  }

  float(field: number, v: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.parts.push(b);
    return this;
  }

  fixed64(field: number, v: bigint): this {
    this.tag(field, 1);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, v, true);
    this.parts.push(b);
    return this;
  }

  bytes(field: number, data: Uint8Array, declaredLength?: number): this {
    this.tag(field, 2);
    this.parts.push(Pb.varintBytes(declaredLength ?? data.length));
    this.parts.push(data);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  strings(field: number, list: readonly string[]): this {
    for (const s of list) this.string(field, s);
    return this;
  }

  message(field: number, m: Pb | ((p: Pb) => Pb | void)): this {
    let inner: Pb;
    if (m instanceof Pb) inner = m;
    else {
      inner = new Pb();
      m(inner);
    }
    return this.bytes(field, inner.finish());
  }

  /** A deprecated group (wire types 3/4) around `inner`. */
  group(field: number, inner: Pb): this {
    this.tag(field, 3);
    this.parts.push(inner.finish());
    this.tag(field, 4);
    return this;
  }

  /** Raw bytes, for forging. */
  raw(b: Uint8Array): this {
    this.parts.push(b);
    return this;
  }

  get length(): number {
    return this.parts.reduce((n, p) => n + p.length, 0);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

export function pb(): Pb {
  return new Pb();
}

// ---- TensorFlow SavedModel / GraphDef (field numbers from TensorFlow's .proto files) ----

export interface TfNodeSpec {
  readonly name: string;
  readonly op: string;
  readonly inputs?: readonly string[];
  /** A Const's string value(s) (attr `value` → tensor.string_val). */
  readonly constStrings?: readonly string[];
  /** Other string attributes (attr name → list of strings). */
  readonly attrs?: Readonly<Record<string, readonly string[]>>;
}

export interface TfFunctionSpec {
  readonly name: string;
  readonly nodes: readonly TfNodeSpec[];
}

export function tfNode(n: TfNodeSpec): Pb {
  const p = new Pb().string(1, n.name).string(2, n.op).strings(3, n.inputs ?? []);
  if (n.constStrings) {
    p.message(5, (e) => e.string(1, 'value').message(2, (v) => v.message(8, (t) => t.varint(1, 7).strings(8, n.constStrings ?? []))));
    p.message(5, (e) => e.string(1, 'dtype').message(2, (v) => v.varint(6, 7)));
  }
  for (const [k, list] of Object.entries(n.attrs ?? {})) {
    p.message(5, (e) => e.string(1, k).message(2, (v) => (list.length === 1 ? v.string(2, list[0] ?? '') : v.message(1, (l) => l.strings(2, list)))));
  }
  return p;
}

export function tfGraphDef(nodes: readonly TfNodeSpec[], functions: readonly TfFunctionSpec[] = []): Pb {
  const g = new Pb();
  for (const n of nodes) g.message(1, tfNode(n));
  if (functions.length > 0) {
    g.message(2, (lib) => {
      for (const f of functions) {
        lib.message(1, (fd) => {
          fd.message(1, (sig) => sig.string(1, f.name));
          for (const n of f.nodes) fd.message(3, tfNode(n));
        });
      }
    });
  }
  g.message(4, (v) => v.varint(1, 1994));
  return g;
}

/** A saved_model.pb: one meta graph tagged `serve` with the given graph (and declared op list). */
export function savedModelPb(nodes: readonly TfNodeSpec[], functions: readonly TfFunctionSpec[] = [], o: { assets?: readonly string[]; strippedOps?: readonly string[] } = {}): Uint8Array {
  const p = new Pb().varint(1, 1);
  p.message(2, (mg) => {
    mg.message(1, (info) => {
      info.message(2, (ol) => {
        for (const op of o.strippedOps ?? [...new Set(nodes.map((n) => n.op))]) ol.message(1, (od) => od.string(1, op));
      });
      info.string(4, 'serve');
      info.string(5, '2.21.0');
    });
    mg.message(2, tfGraphDef(nodes, functions));
    for (const a of o.assets ?? []) mg.message(6, (ad) => ad.message(1, (ti) => ti.string(1, 'asset:0')).string(2, a));
  });
  return p.finish();
}
