import type { ByteSource } from '../../limits/index.js';
import { scanRegion } from '../containers.js';
import type { ModelScanContext } from '../context.js';
import { scanPickle } from '../pickle/index.js';
import { expectedDataSize, parseNpyHeader, renderDescr } from './npy.js';
import { objectArray, sizeMismatch } from './rules.js';

/** Scan an `.npy` file (or `.npz` member): object arrays are pickles; other data is skipped. */
export function scanNpy(source: ByteSource, ctx: ModelScanContext): string {
  let h;
  try {
    h = parseNpyHeader(source, ctx.limits);
  } catch (e) {
    ctx.failed(e, 'npy header', 0);
    return 'numpy-npy';
  }
  if (h.dtype.hasObject) {
    ctx.report(objectArray, {
      location: ctx.at(h.dataOffset, source.size - h.dataOffset),
      message: `array of dtype ${renderDescr(h.descr)} holds Python objects: numpy.load(allow_pickle=True) unpickles its data`,
      evidence: renderDescr(h.descr),
    });
    scanPickle(source, ctx, { offset: h.dataOffset, loader: 'numpy' });
    return 'numpy-npy';
  }
  const expected = expectedDataSize(h);
  const actual = source.size - h.dataOffset;
  if (expected !== actual) {
    const shape = `(${h.shape.join(', ')}${h.shape.length === 1 ? ',' : ''})`;
    ctx.report(sizeMismatch, {
      location: ctx.at(h.dataOffset, source.size - h.dataOffset),
      message:
        actual > expected
          ? `${actual - expected} bytes follow the ${expected} bytes of array data declared by shape ${shape} and dtype ${renderDescr(h.descr)}`
          : `the header declares ${Number.isFinite(expected) ? expected : 'an unrepresentable number of'} bytes of data (shape ${shape}, dtype ${renderDescr(h.descr)}) but only ${actual} follow`,
    });
    if (actual > expected) scanRegion(ctx, source, h.dataOffset + expected, source.size, '<data after the array>');
  }
  return 'numpy-npy';
}
