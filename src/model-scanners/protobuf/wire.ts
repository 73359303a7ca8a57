/**
 * A bounded protobuf wire-format walker (serves ONNX and TensorFlow SavedModel).
 *
 * It never materialises a message: a message is a byte range of a `ByteSource`, and walking it reads
 * only field tags, varints and the length prefixes of length-delimited fields. The caller decides per
 * field whether to descend into it (a nested message), read it (a string, bounded by a limit) or skip
 * it (tensor payloads such as ONNX `raw_data`, which can be gigabytes, are skipped by length and
 * never read). Everything is bounded: nesting depth (`maxStructureDepth`), field count
 * (`maxProtobufFields`), string bytes (`maxStringBytes`).
 *
 * Protobuf semantics the scanners must respect (a scanner that differs from the loader is bypassable):
 * - a singular embedded message that occurs twice is MERGED by real parsers, so callers visit every
 *   occurrence (ONNX `graph` twice: both node lists run);
 * - a singular scalar/string that occurs twice: the LAST occurrence wins;
 * - unknown fields are skipped (including deprecated groups, wire types 3/4, which we skip with a
 *   depth bound); wire types 6 and 7 are invalid and make the message malformed.
 */
import { BulwarkError, LimitExceededError } from '../../findings/index.js';
import type { ByteSource } from '../../limits/index.js';

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_SGROUP = 3;
export const WIRE_EGROUP = 4;
export const WIRE_I32 = 5;

/** One field of a message as the walker sees it. */
export interface PbField {
  readonly field: number;
  readonly wire: number;
  /** Offset of the tag in the source. */
  readonly tagOffset: number;
  /** Offset of the value (after the tag and, for LEN fields, after the length prefix). */
  readonly offset: number;
  /** Payload length in bytes: LEN payload length, 8 for I64, 4 for I32, varint byte count. */
  readonly length: number;
  /**
   * For VARINT fields: the value, exact up to 2^53; larger values (and negative int64s, which are
   * 10-byte varints) are clamped to MAX_SAFE_INTEGER. The scanners use varints only for small
   * enums, versions and flags.
   */
  readonly varint: number;
}

const CHUNK = 64 * 1024;

/**
 * Reads bytes of a source through a moving window, so that decoding millions of small tags does not
 * cost one `ByteSource.read` each.
 */
class Window {
  private start = 0;
  private buf: Uint8Array = new Uint8Array(0);
  constructor(
    private readonly src: ByteSource,
    private readonly chunk: number,
  ) {}
  byte(offset: number): number {
    if (offset < this.start || offset >= this.start + this.buf.length) {
      this.start = offset;
      this.buf = this.src.read(offset, this.chunk);
      if (this.buf.length === 0) return -1;
    }
    return this.buf[offset - this.start] ?? -1;
  }
}

export interface WalkOptions {
  /** Nesting bound (use `limits.maxStructureDepth`). */
  readonly maxDepth: number;
  /** Bytes of one string read by `readString` (use `limits.maxStringBytes`). */
  readonly maxStringBytes: number;
  /** Fields visited in total, all messages of one walker together (use `limits.maxProtobufFields`). */
  readonly maxFields: number;
  /** Bytes fetched per window refill (default 64 KiB; content sniffers use a few hundred bytes). */
  readonly chunkSize?: number;
}

/** Called for every field; throw `STOP_WALK` from it to end a walk early (content sniffers). */
export type FieldVisitor = (f: PbField, w: ProtoWalker) => void;

/**
 * Walks messages of one source. Counts fields across all walks, so one walker per target bounds the
 * total work; `depth` tracks the current nesting so that `message()` refuses to go deeper than
 * `maxDepth`.
 */
export class ProtoWalker {
  private readonly win: Window;
  private fields = 0;
  private depth = 0;
  readonly maxFields: number;
  constructor(
    readonly source: ByteSource,
    readonly options: WalkOptions,
  ) {
    this.win = new Window(source, options.chunkSize ?? CHUNK);
    this.maxFields = options.maxFields;
  }

  get fieldsVisited(): number {
    return this.fields;
  }

  /**
   * Visit every field of the message in [start, end). Throws BulwarkError('MALFORMED') on a broken
   * encoding and LimitExceededError on a bound; callers map both with `ctx.failed`.
   */
  message(start: number, end: number, visit: FieldVisitor): void {
    if (end > this.source.size) throw malformed(start, `message extends past the end of the data (${end} > ${this.source.size})`);
    if (this.depth >= this.options.maxDepth) {
      throw new LimitExceededError('maxStructureDepth', this.options.maxDepth, `protobuf messages nested deeper than maxStructureDepth (${this.options.maxDepth})`);
    }
    this.depth++;
    try {
      let pos = start;
      while (pos < end) {
        const tagOffset = pos;
        const [tag, tagLen] = this.varint(pos, end);
        pos += tagLen;
        const field = Math.floor(tag / 8);
        const wire = tag % 8;
        if (field === 0) throw malformed(tagOffset, 'field number 0');
        if (++this.fields > this.maxFields) {
          throw new LimitExceededError('maxProtobufFields', this.maxFields, `more than maxProtobufFields (${this.maxFields}) protobuf fields`);
        }
        switch (wire) {
          case WIRE_VARINT: {
            const [v, n] = this.varint(pos, end);
            visit({ field, wire, tagOffset, offset: pos, length: n, varint: v }, this);
            pos += n;
            break;
          }
          case WIRE_I64:
          case WIRE_I32: {
            const n = wire === WIRE_I64 ? 8 : 4;
            if (pos + n > end) throw malformed(tagOffset, `fixed-width field ${field} runs past the end of its message`);
            visit({ field, wire, tagOffset, offset: pos, length: n, varint: 0 }, this);
            pos += n;
            break;
          }
          case WIRE_LEN: {
            const [len, n] = this.varint(pos, end);
            pos += n;
            if (len > end - pos) throw malformed(tagOffset, `length-delimited field ${field} declares ${len} bytes, only ${end - pos} remain in its message`);
            visit({ field, wire, tagOffset, offset: pos, length: len, varint: 0 }, this);
            pos += len;
            break;
          }
          case WIRE_SGROUP:
            pos = this.skipGroup(field, pos, end, tagOffset);
            break;
          default:
            throw malformed(tagOffset, `invalid wire type ${wire} for field ${field}`);
        }
      }
    } finally {
      this.depth--;
    }
  }

  /** Decode a varint at `pos` (not past `end`). Returns [value, byteCount]. */
  varint(pos: number, end: number): [number, number] {
    let value = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (pos + i >= end) throw malformed(pos, 'varint runs past the end of its message');
      const b = this.win.byte(pos + i);
      if (b < 0) throw malformed(pos, 'varint runs past the end of the data');
      value += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) {
        if (i === 9 && b > 1) throw malformed(pos, 'varint longer than 64 bits');
        return [Math.min(value, Number.MAX_SAFE_INTEGER), i + 1];
      }
    }
    throw malformed(pos, 'varint longer than 10 bytes');
  }

  /** Skip a (deprecated) group up to its matching end-group tag, bounded in depth. */
  private skipGroup(field: number, pos: number, end: number, tagOffset: number): number {
    const stack: number[] = [field];
    while (stack.length > 0) {
      if (stack.length > this.options.maxDepth) {
        throw new LimitExceededError('maxStructureDepth', this.options.maxDepth, 'protobuf groups nested deeper than maxStructureDepth');
      }
      if (pos >= end) throw malformed(tagOffset, `group ${field} is not closed`);
      const [tag, tl] = this.varint(pos, end);
      pos += tl;
      const f = Math.floor(tag / 8);
      const w = tag % 8;
      if (++this.fields > this.maxFields) throw new LimitExceededError('maxProtobufFields', this.maxFields, `more than maxProtobufFields (${this.maxFields}) protobuf fields`);
      if (w === WIRE_VARINT) pos += this.varint(pos, end)[1];
      else if (w === WIRE_I64) pos += 8;
      else if (w === WIRE_I32) pos += 4;
      else if (w === WIRE_LEN) {
        const [len, n] = this.varint(pos, end);
        pos += n + len;
      } else if (w === WIRE_SGROUP) stack.push(f);
      else if (w === WIRE_EGROUP) {
        if (stack.pop() !== f) throw malformed(pos, 'mismatched end-group tag');
      } else throw malformed(pos, `invalid wire type ${w}`);
      if (pos > end) throw malformed(tagOffset, `group ${field} runs past the end of its message`);
    }
    return pos;
  }

  /** Descend into a LEN field as a nested message. */
  nested(f: PbField, visit: FieldVisitor): void {
    if (f.wire !== WIRE_LEN) throw malformed(f.tagOffset, `field ${f.field} should be a message (wire type 2), is wire type ${f.wire}`);
    this.message(f.offset, f.offset + f.length, visit);
  }

  /**
   * Read a LEN field as UTF-8 text, at most `maxStringBytes` bytes (longer strings are truncated and
   * `truncated` is set). Invalid UTF-8 is replaced (U+FFFD) — the text is evidence, not an identity.
   */
  string(f: PbField): { text: string; truncated: boolean; bytes: Uint8Array } {
    if (f.wire !== WIRE_LEN) throw malformed(f.tagOffset, `field ${f.field} should be a string (wire type 2), is wire type ${f.wire}`);
    const n = Math.min(f.length, this.options.maxStringBytes);
    const bytes = this.source.read(f.offset, n);
    return { text: new TextDecoder('utf-8', { fatal: false }).decode(bytes), truncated: f.length > n, bytes };
  }

  /** Read a fixed-size field's bytes (I32/I64) or a small LEN payload (≤ 64 bytes). */
  raw(f: PbField, max = 64): Uint8Array {
    return this.source.read(f.offset, Math.min(f.length, max));
  }
}

/** Zig-zag decode (sint32/sint64). */
export function zigzag(v: number): number {
  return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
}

/** Thrown by a visitor to stop a walk early; callers catch it (`e === STOP_WALK`). */
export const STOP_WALK: unique symbol = Symbol('stop protobuf walk');

function malformed(offset: number, message: string): BulwarkError {
  return new BulwarkError('MALFORMED', `protobuf at offset ${offset}: ${message}`);
}

/**
 * Cheap structural sniff: does [0, min(size, probe)) start like a protobuf message whose first field
 * is `field` with wire type `wire`? Used by the format sniffers (ONNX: field 1 varint ir_version or
 * any known ModelProto field; SavedModel: field 1 varint or field 2 message).
 */
export function firstTag(source: ByteSource): { field: number; wire: number; next: number } | undefined {
  const head = source.read(0, 10);
  let value = 0;
  let mul = 1;
  for (let i = 0; i < head.length && i < 5; i++) {
    const b = head[i] ?? 0;
    value += (b & 0x7f) * mul;
    mul *= 128;
    if ((b & 0x80) === 0) return { field: Math.floor(value / 8), wire: value % 8, next: i + 1 };
  }
  return undefined;
}
