/**
 * PyTorch's pre-1.6 serialization (torch/serialization.py `_legacy_load`).
 *
 * Stream format (`torch.save(..., _use_new_zipfile_serialization=False)`): five pickles back to
 * back — magic number 0x1950a86a20f9469cfc6c, protocol version, sys_info, the object (storages as
 * persistent ids), the list of storage keys — then raw storage data (per storage: int64 element
 * count and the elements), which torch reads with `_set_from_file` and never unpickles.
 *
 * Tar format (PyTorch < 0.4): members `storages` (a pickled count, then per storage a pickled
 * (key, location, storage_type) followed by raw data, then a pickled list of storage views),
 * `tensors` (a pickled count, then per tensor a pickled (key, storage_id, type) followed by ndim,
 * sizes, strides and offset as raw integers), `pickle` (the object, with persistent ids) and
 * `sys_info`. `storages` is unpickled first, and weights_only=True refuses the format.
 */
import type { ByteSource } from '../../limits/index.js';
import { coreRules } from '../../rules/index.js';
import type { ModelScanContext } from '../context.js';
import type { PickleAnalysis } from '../pickle/index.js';
import { scanPickle } from '../pickle/index.js';

const LEGACY_PICKLES = ['magic number', 'protocol version', 'sys_info', 'object', 'storage keys'] as const;

function le32s(b: Uint8Array, o: number): number {
  return (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8) | ((b[o + 2] ?? 0) << 16) | ((b[o + 3] ?? 0) << 24);
}
function le64(b: Uint8Array, o: number): number {
  const lo = ((b[o] ?? 0) | ((b[o + 1] ?? 0) << 8) | ((b[o + 2] ?? 0) << 16) | ((b[o + 3] ?? 0) << 24)) >>> 0;
  const hi = ((b[o + 4] ?? 0) | ((b[o + 5] ?? 0) << 8) | ((b[o + 6] ?? 0) << 16) | ((b[o + 7] ?? 0) << 24)) >>> 0;
  return hi * 2 ** 32 + lo;
}

/** One pickle at `offset`; undefined (after the analyser reported why) when it did not complete. */
function onePickle(source: ByteSource, ctx: ModelScanContext, offset: number): PickleAnalysis | undefined {
  const r = scanPickle(source, ctx, { offset, single: true, loader: 'torch' });
  return r.complete && r.stops >= 1 ? r : undefined;
}

/** The legacy (non-zip) stream: the five pickles in order; the raw storage data is skipped. */
export function scanLegacyStream(source: ByteSource, ctx: ModelScanContext): string {
  let offset = 0;
  for (const what of LEGACY_PICKLES) {
    if (offset >= source.size) {
      ctx.incomplete(coreRules.malformedInput, `legacy PyTorch file ends before its ${what} pickle`, offset);
      return 'pytorch-legacy';
    }
    const r = onePickle(source, ctx, offset);
    if (!r) return 'pytorch-legacy';
    offset = r.endOffset;
  }
  return 'pytorch-legacy';
}

/** Does a pickle plausibly start at `offset` (PROTO opcode, as legacy torch.save writes protocol 2)? */
function pickleAt(source: ByteSource, offset: number): boolean {
  const b = source.read(offset, 2);
  return b.length === 2 && b[0] === 0x80 && (b[1] ?? 9) <= 5;
}

/**
 * The `storages` member. Element sizes are not recorded outside the pickled storage type, so the
 * raw data after each (key, location, type) pickle is skipped by trying the element sizes PyTorch
 * storages have (1, 2, 4, 8, 16 bytes) and keeping the one after which the next pickle starts.
 */
export function scanLegacyStorages(source: ByteSource, ctx: ModelScanContext, maxItems: number): void {
  const first = onePickle(source, ctx, 0); // the storage count
  if (!first) return;
  let pos = first.endOffset;
  for (let n = 0; n < maxItems; n++) {
    if (pos >= source.size) return;
    const r = onePickle(source, ctx, pos); // (key, location, storage_type), or the final storage views
    if (!r) return;
    pos = r.endOffset;
    if (pos >= source.size) return;
    const header = source.read(pos, 8);
    if (header.length < 8) {
      ctx.incomplete(coreRules.malformedInput, 'legacy storages member: truncated storage size', pos);
      return;
    }
    const count = le64(header, 0);
    const next = [1, 2, 4, 8, 16].map((es) => pos + 8 + count * es).find((q) => q === source.size || (q < source.size && pickleAt(source, q)));
    if (next === undefined || next === source.size) {
      if (next === undefined) ctx.incomplete(coreRules.malformedInput, `legacy storages member: cannot find the end of the raw data of a storage of ${count} elements`, pos);
      return;
    }
    pos = next;
  }
  ctx.incomplete(coreRules.limitExceeded, `legacy storages member has more than maxArchiveEntries (${maxItems}) storages`, pos, 'maxArchiveEntries');
}

/** The `tensors` member: a pickled count, then per tensor a pickle and fixed-layout integers. */
export function scanLegacyTensors(source: ByteSource, ctx: ModelScanContext, maxItems: number): void {
  const first = onePickle(source, ctx, 0);
  if (!first) return;
  let pos = first.endOffset;
  for (let n = 0; n < maxItems; n++) {
    if (pos >= source.size) return;
    const r = onePickle(source, ctx, pos); // (key, storage_id, original_tensor_type)
    if (!r) return;
    pos = r.endOffset;
    const nd = source.read(pos, 4);
    const ndim = nd.length === 4 ? le32s(nd, 0) : -1;
    if (ndim < 0 || ndim > 64) {
      ctx.incomplete(coreRules.malformedInput, `legacy tensors member: bad dimension count ${ndim}`, pos);
      return;
    }
    pos += 8 + 16 * ndim + 8; // ndim (int32, padded to 8), sizes, strides, storage offset
    if (pos > source.size) {
      ctx.incomplete(coreRules.malformedInput, 'legacy tensors member is truncated', source.size);
      return;
    }
  }
  ctx.incomplete(coreRules.limitExceeded, `legacy tensors member has more than maxArchiveEntries (${maxItems}) tensors`, pos, 'maxArchiveEntries');
}
