/**
 * numpy `.npy` builder for tests: writes the header numpy.save writes (a dict literal padded with
 * spaces to a 64-byte boundary, ending in a newline), with overrides for hostile variants.
 */
const enc = new TextEncoder();

export interface NpySpec {
  /** `descr` literal as Python source, e.g. `'<f4'`, `'|O'`, `[('a', '<i4'), ('b', '|O')]`. */
  readonly descr?: string;
  /** Shape literal, e.g. `(2, 3)`. */
  readonly shape?: string;
  readonly fortranOrder?: boolean;
  /** Raw header text instead of the generated dict. */
  readonly headerText?: string;
  readonly version?: 1 | 2 | 3;
  readonly data?: Uint8Array;
}

export function buildNpy(spec: NpySpec = {}): Uint8Array {
  const version = spec.version ?? 1;
  const text =
    spec.headerText ?? `{'descr': ${spec.descr ?? "'<f4'"}, 'fortran_order': ${spec.fortranOrder ? 'True' : 'False'}, 'shape': ${spec.shape ?? '(2,)'}, }`;
  const prefix = version === 1 ? 10 : 12;
  let header = text;
  if (spec.headerText === undefined) {
    const total = prefix + enc.encode(text).length + 1;
    header = text + ' '.repeat((64 - (total % 64)) % 64) + '\n';
  }
  const hb = enc.encode(header);
  const out = new Uint8Array(prefix + hb.length + (spec.data?.length ?? 0));
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, hb.length, true);
  else dv.setUint32(8, hb.length, true);
  out.set(hb, prefix);
  if (spec.data) out.set(spec.data, prefix + hb.length);
  return out;
}

/** A float32 array of `n` elements (numpy.save of np.zeros(n, dtype='<f4')). */
export function floatNpy(n: number): Uint8Array {
  return buildNpy({ descr: "'<f4'", shape: `(${n},)`, data: new Uint8Array(4 * n) });
}
