/**
 * safetensors: strict validation against the format (huggingface/safetensors `tensor.rs`):
 *   [u64 LE n][n bytes UTF-8 JSON header][data buffer]
 * The header maps tensor names to {dtype, shape, data_offsets:[begin,end)} (offsets relative to the
 * buffer) plus an optional `__metadata__` string→string map. The reference loader requires
 * n ≤ 100,000,000, offsets sorted to tile the buffer exactly with no gaps or overlaps, and
 * `end - begin == prod(shape) * dtype size` (sub-byte dtypes F4/F6 must end on a byte boundary).
 * Only the header is read: tensor bytes are never loaded, so a 4 GB file costs one small read
 * (plus a few 8-byte probes for polyglot signatures).
 */
import { coreRules } from '../../rules/index.js';
import type { ByteSource } from '../../limits/index.js';
import type { ModelScanContext } from '../context.js';
import { scanEmbeddedValue } from '../containers.js';
import { sniffMagic } from '../magic.js';
import type { JsonObject, JsonValue } from '../text/index.js';
import { decodeUtf8Strict, isJsonObject, parseStrictJson, quote } from '../text/index.js';
import * as R from './rules.js';

/** The reference implementation's cap on the header length (`MAX_HEADER_SIZE`). */
export const SAFETENSORS_MAX_HEADER = 100_000_000;

/** Element sizes in bits, from safetensors 0.8 (`Dtype::bitsize`), checked against the Python wheel. */
export const SAFETENSORS_DTYPE_BITS: Readonly<Record<string, number>> = Object.freeze({
  BOOL: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  F8_E4M3FNUZ: 8,
  F8_E5M2FNUZ: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  F64: 64,
  I64: 64,
  U64: 64,
});

function u64le(b: Uint8Array, at = 0): bigint {
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[at + i] ?? 0);
  return v;
}

/**
 * Content sniff: an 8-byte length whose header starts (after optional JSON whitespace) with `{"` or
 * `{}`. Cheap (reads ≤ 72 bytes), never throws. A length beyond the file is still "safetensors" so
 * that a truncated file is reported, not ignored.
 */
export function isSafetensors(source: ByteSource): boolean {
  if (source.size < 10) return false;
  const head = source.read(0, 72);
  if (head.length < 10) return false;
  const n = u64le(head);
  if (n < 2n || n > 1n << 40n) return false;
  let i = 8;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09)) i++;
  if (head[i] !== 0x7b) return false;
  i++;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09)) i++;
  return head[i] === 0x22 || head[i] === 0x7d || i >= head.length;
}

export interface SafetensorsTensor {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly bigint[];
  readonly begin: bigint;
  readonly end: bigint;
}

export interface SafetensorsHeader {
  readonly headerLength: number;
  readonly tensors: readonly SafetensorsTensor[];
  readonly metadata: Readonly<Record<string, string>> | undefined;
}

function toBig(v: JsonValue | undefined): bigint | undefined {
  if (typeof v === 'bigint') return v >= 0n ? v : undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  return undefined;
}

/**
 * Validate one safetensors source and report every violation. Returns the parsed header when the
 * header itself could be read (even if tensors are invalid), for callers such as the bench.
 */
export function scanSafetensors(source: ByteSource, ctx: ModelScanContext): SafetensorsHeader | undefined {
  const size = source.size;
  if (size < 8) {
    ctx.report(R.malformedHeader, { location: ctx.at(0, size), message: `file of ${size} bytes is shorter than the 8-byte header length` });
    return undefined;
  }
  const first = source.read(0, 8);
  const n = u64le(first);
  checkPicklePrefix(first, ctx);
  if (n > BigInt(SAFETENSORS_MAX_HEADER)) {
    ctx.report(R.malformedHeader, {
      location: ctx.at(0, 8),
      message: `header length ${n} exceeds the reference loader's 100,000,000-byte cap; the reference loader rejects the file, lenient loaders may not`,
    });
    return undefined;
  }
  const headerLen = Number(n);
  if (8 + headerLen > size) {
    ctx.report(R.malformedHeader, { location: ctx.at(0, 8), message: `header length ${headerLen} runs past the end of the ${size}-byte file` });
    return undefined;
  }
  if (headerLen > ctx.limits.maxTextBytes) {
    ctx.incomplete(coreRules.limitExceeded, `safetensors header of ${headerLen} bytes exceeds maxTextBytes (${ctx.limits.maxTextBytes}); not analysed`, 0, 'maxTextBytes');
    return undefined;
  }
  const headerBytes = source.read(8, headerLen);
  const text = decodeUtf8Strict(headerBytes);
  if (text === undefined) {
    ctx.report(R.malformedHeader, { location: ctx.at(8, headerLen), message: 'header is not valid UTF-8' });
    return undefined;
  }
  const byteOffset = (charOffset: number): number => 8 + Buffer.byteLength(text.slice(0, charOffset), 'utf8');
  const parsed = parseStrictJson(text, { maxDepth: ctx.limits.maxStructureDepth });
  if (!parsed.ok) {
    if (parsed.depthExceeded) {
      ctx.incomplete(coreRules.limitExceeded, `safetensors header: ${parsed.error}`, byteOffset(parsed.offset), 'maxStructureDepth');
    } else {
      ctx.report(R.malformedHeader, { location: ctx.at(byteOffset(parsed.offset)), message: `header is not valid JSON: ${parsed.error}` });
    }
    return undefined;
  }
  for (const d of parsed.duplicates) {
    ctx.report(R.duplicateKey, {
      location: ctx.at(byteOffset(d.offset)),
      message: `key ${quote(d.key)} appears more than once in ${d.path === '/' ? 'the header object' : `the header object ${quote(d.path)}`}; loaders disagree on which occurrence wins`,
      evidence: d.key,
    });
  }
  if (parsed.loneSurrogates > 0) {
    ctx.report(R.malformedHeader, {
      location: ctx.at(8, headerLen),
      message: `header contains ${parsed.loneSurrogates} unpaired UTF-16 surrogate escape(s): the reference loader rejects it, Python's json accepts it`,
      severity: 'medium',
    });
  }
  const root = parsed.value;
  if (!isJsonObject(root)) {
    ctx.report(R.malformedHeader, { location: ctx.at(8, headerLen), message: 'header is not a JSON object' });
    return undefined;
  }
  if (text.trimStart().length !== text.length) {
    ctx.report(R.malformedHeader, {
      location: ctx.at(8),
      message: 'header starts with whitespace before "{" (accepted today, rejected by the format\u2019s planned check)',
      severity: 'low',
    });
  }

  let metadata: Record<string, string> | undefined;
  const tensors: SafetensorsTensor[] = [];
  for (const [name, entry] of Object.entries(root)) {
    if (name === '__metadata__') {
      metadata = checkMetadata(entry, ctx);
      if (metadata !== undefined) for (const [k, v] of Object.entries(metadata)) scanEmbeddedValue(ctx, R.embeddedObject, `<safetensors __metadata__[${JSON.stringify(k.slice(0, 80))}]>`, v, ctx.at(8));
      continue;
    }
    const t = checkTensorEntry(name, entry, ctx);
    if (t) tensors.push(t);
  }

  const dataStart = 8 + headerLen;
  const bufferLen = BigInt(size - dataStart);
  checkLayout(tensors, bufferLen, dataStart, ctx);
  checkPolyglot(source, tensors, dataStart, ctx);
  return { headerLength: headerLen, tensors, metadata };
}

function checkMetadata(entry: JsonValue, ctx: ModelScanContext): Record<string, string> | undefined {
  if (!isJsonObject(entry)) {
    ctx.report(R.invalidMetadata, { location: ctx.at(8), message: `__metadata__ is ${entry === null ? 'null' : Array.isArray(entry) ? 'an array' : `a ${typeof entry}`}, not a string-to-string map` });
    return undefined;
  }
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(entry)) {
    if (typeof v !== 'string') {
      ctx.report(R.invalidMetadata, {
        location: ctx.at(8),
        message: `__metadata__ value of ${quote(k)} is ${v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`}, not a string`,
        evidence: k,
      });
    } else out[k] = v;
  }
  return out;
}

const TENSOR_FIELDS = new Set(['dtype', 'shape', 'data_offsets']);

function checkTensorEntry(name: string, entry: JsonValue, ctx: ModelScanContext): SafetensorsTensor | undefined {
  const where = ctx.at(8);
  if (!isJsonObject(entry)) {
    ctx.report(R.malformedHeader, { location: where, message: `tensor ${quote(name)} is not an object`, evidence: name });
    return undefined;
  }
  for (const k of Object.keys(entry)) {
    if (!TENSOR_FIELDS.has(k)) {
      ctx.report(R.malformedHeader, {
        location: where,
        message: `tensor ${quote(name)} has an unknown field ${quote(k)} (ignored by the reference loader; extra header content)`,
        severity: 'low',
        evidence: `${name}.${k}`,
      });
    }
  }
  const dtype = entry['dtype'];
  const shape = entry['shape'];
  const offsets = entry['data_offsets'];
  let ok = true;
  if (typeof dtype !== 'string') {
    ctx.report(R.malformedHeader, { location: where, message: `tensor ${quote(name)} has no string dtype`, evidence: name });
    ok = false;
  } else if (SAFETENSORS_DTYPE_BITS[dtype] === undefined) {
    ctx.report(R.unknownDtype, { location: where, message: `tensor ${quote(name)} has unknown dtype ${quote(dtype)}`, evidence: dtype });
    ok = false;
  }
  const dims: bigint[] = [];
  if (!Array.isArray(shape)) {
    ctx.report(R.malformedHeader, { location: where, message: `tensor ${quote(name)} has no shape list`, evidence: name });
    ok = false;
  } else {
    for (const d of shape) {
      const b = toBig(d);
      if (b === undefined) {
        ctx.report(R.malformedHeader, { location: where, message: `tensor ${quote(name)} has a shape entry that is not a non-negative integer`, evidence: name });
        ok = false;
        break;
      }
      dims.push(b);
    }
  }
  let begin: bigint | undefined;
  let end: bigint | undefined;
  if (!Array.isArray(offsets) || offsets.length !== 2 || (begin = toBig(offsets[0])) === undefined || (end = toBig(offsets[1])) === undefined) {
    ctx.report(R.malformedHeader, { location: where, message: `tensor ${quote(name)} has no data_offsets pair of non-negative integers`, evidence: name });
    return undefined;
  }
  if (!ok || typeof dtype !== 'string') return { name, dtype: typeof dtype === 'string' ? dtype : '?', shape: dims, begin, end };
  if (end < begin) {
    ctx.report(R.dataLayout, { location: where, message: `tensor ${quote(name)} ends (${end}) before it begins (${begin})`, evidence: name });
    return { name, dtype, shape: dims, begin, end };
  }
  // Size check in bits; the reference loader computes in usize with checked arithmetic.
  const bits = BigInt(SAFETENSORS_DTYPE_BITS[dtype] ?? 8);
  let elements = 1n;
  for (const d of dims) elements *= d;
  const totalBits = elements * bits;
  const U64 = (1n << 64n) - 1n;
  if (totalBits > U64) {
    ctx.report(R.tensorSizeMismatch, { location: where, message: `tensor ${quote(name)}: prod(shape) * dtype size overflows 64 bits`, evidence: name });
  } else if (totalBits % 8n !== 0n) {
    ctx.report(R.tensorSizeMismatch, {
      location: where,
      message: `tensor ${quote(name)}: ${elements} elements of ${dtype} (${bits} bits) do not end on a byte boundary`,
      evidence: name,
    });
  } else if (totalBits / 8n !== end - begin) {
    ctx.report(R.tensorSizeMismatch, {
      location: where,
      message: `tensor ${quote(name)}: data_offsets span ${end - begin} bytes, shape [${dims.join(', ')}] of ${dtype} needs ${totalBits / 8n}`,
      evidence: name,
    });
  }
  return { name, dtype, shape: dims, begin, end };
}

function checkLayout(tensors: SafetensorsTensor[], bufferLen: bigint, dataStart: number, ctx: ModelScanContext): void {
  const sorted = tensors.filter((t) => t.end >= t.begin).sort((a, b) => (a.begin < b.begin ? -1 : a.begin > b.begin ? 1 : a.end < b.end ? -1 : a.end > b.end ? 1 : 0));
  let cursor = 0n;
  let prev: SafetensorsTensor | undefined;
  const loc = (off: bigint): ReturnType<ModelScanContext['at']> => ctx.at(dataStart + Number(off < bufferLen ? off : bufferLen));
  for (const t of sorted) {
    if (t.end > bufferLen) {
      ctx.report(R.dataLayout, {
        location: loc(t.begin),
        message: `tensor ${quote(t.name)} data [${t.begin}, ${t.end}) runs past the end of the ${bufferLen}-byte data buffer`,
        evidence: t.name,
      });
    }
    if (t.begin < cursor) {
      ctx.report(R.dataLayout, {
        location: loc(t.begin),
        message: `tensor ${quote(t.name)} data [${t.begin}, ${t.end}) overlaps tensor ${quote(prev?.name ?? '')}`,
        evidence: t.name,
      });
    } else if (t.begin > cursor) {
      ctx.report(R.dataLayout, {
        location: loc(cursor),
        message: `${t.begin - cursor} bytes of the data buffer at [${cursor}, ${t.begin}) belong to no tensor (before ${quote(t.name)})`,
        evidence: `gap@${cursor}`,
      });
    }
    if (t.end > cursor) cursor = t.end;
    prev = t;
  }
  if (cursor < bufferLen) {
    ctx.report(R.dataLayout, {
      location: ctx.at(dataStart + Number(cursor), Number(bufferLen - cursor)),
      message: `${bufferLen - cursor} bytes after the last tensor belong to no tensor; the reference loader rejects the file ("not fully covered")`,
      evidence: `trailing@${cursor}`,
    });
  }
}

/** Opcodes whose argument swallows the zero high bytes of the length, so a pickle parse can continue into the header. */
const PICKLE_CONSUMING_OPS = new Set([0x58, 0x42, 0x54, 0x47, 0x8d, 0x8e, 0x96, 0x55, 0x43, 0x8c, 0x49, 0x4c, 0x46, 0x53, 0x56, 0x63, 0x50]);

function checkPicklePrefix(first: Uint8Array, ctx: ModelScanContext): void {
  // The header length's low bytes are 0x80 (PROTO) and a protocol number: pickle sniffers claim the
  // file. Only a third byte whose opcode swallows the zero bytes lets a pickle parse go on into the
  // JSON header, where text can continue the opcode stream.
  if (first[0] === 0x80 && (first[1] ?? 9) <= 5 && PICKLE_CONSUMING_OPS.has(first[2] ?? 0)) {
    ctx.report(R.polyglot, {
      location: ctx.at(0, 8),
      message: `the header length bytes start a pickle stream (PROTO ${first[1]}, then opcode 0x${(first[2] ?? 0).toString(16)} that reads on into the JSON header): pickle.load/torch.load would parse this file as a pickle`,
      evidence: 'pickle-prefix',
    });
  }
}

function checkPolyglot(source: ByteSource, tensors: SafetensorsTensor[], dataStart: number, ctx: ModelScanContext): void {
  const size = source.size;
  // Bytes after the data buffer that start another format.
  let end = 0n;
  for (const t of tensors) if (t.end > end) end = t.end;
  const trailingAt = dataStart + Number(end);
  if (trailingAt < size) {
    const kind = sniffMagic(source.read(trailingAt, 16));
    if (kind !== undefined) {
      ctx.report(R.polyglot, {
        location: ctx.at(trailingAt, size - trailingAt),
        message: `${size - trailingAt} bytes after the last tensor start a ${kind} stream`,
        evidence: `trailing-${kind}`,
      });
    }
  }
  // A zip end-of-central-directory record in the last 64 KiB + 22 bytes: zip readers (torch.load,
  // zipfile, numpy.load) locate archives from the END of the file.
  const tailLen = Math.min(size - dataStart, 65_557);
  if (tailLen >= 22) {
    const tailStart = size - tailLen;
    const tail = source.read(tailStart, tailLen);
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail[i] === 0x50 && tail[i + 1] === 0x4b && tail[i + 2] === 0x05 && tail[i + 3] === 0x06) {
        const dv = new DataView(tail.buffer, tail.byteOffset + i, 22);
        const cdSize = dv.getUint32(12, true);
        const cdOffset = dv.getUint32(16, true);
        const commentLen = dv.getUint16(20, true);
        const eocdAt = tailStart + i;
        // Plausible: the comment reaches the end of the file and the central directory lies before it
        // (or the zip64 marker 0xffffffff is used).
        const plausible = eocdAt + 22 + commentLen === size && (cdOffset === 0xffffffff || cdOffset + cdSize <= eocdAt);
        if (plausible) {
          ctx.report(R.polyglot, {
            location: ctx.at(eocdAt, 22),
            message: `a zip end-of-central-directory record at offset ${eocdAt}: zip readers (torch.load, zipfile) open this file as an archive`,
            evidence: 'zip-eocd',
          });
          break;
        }
      }
    }
  }
  // HDF5 superblocks are searched at 0, 512, 1024, 2048, ... (h5py / libhdf5).
  for (let off = 512; off + 8 <= size; off *= 2) {
    const sig = source.read(off, 8);
    if (sig[0] === 0x89 && sig[1] === 0x48 && sig[2] === 0x44 && sig[3] === 0x46 && sig[4] === 0x0d && sig[5] === 0x0a && sig[6] === 0x1a && sig[7] === 0x0a) {
      ctx.report(R.polyglot, {
        location: ctx.at(off, 8),
        message: `an HDF5 superblock signature at offset ${off}: h5py/Keras open this file as HDF5`,
        evidence: 'hdf5-superblock',
      });
      break;
    }
  }
}

/** The parsed JSON header as plain data (for tools and tests). */
export type { JsonObject };
