/**
 * Bounded LZMA / LZMA2 decoder for the `.lzma` ("alone") and `.xz` container formats, written for
 * Bulwark so that decompression stays synchronous, pure TypeScript and capped (the output buffer is
 * also the dictionary: it never grows past the caller's limit).
 *
 * Follows Igor Pavlov's LZMA specification (lzma-specification.7z, LzmaSpec.cpp) and the .xz file
 * format specification 1.1.0 (tukaani.org/xz/xz-file-format.txt); LZMA2 chunk rules follow
 * liblzma's lzma2_decoder.c. Supported xz filters: LZMA2 and Delta; the branch/call/jump (BCJ)
 * filters are reported as UNSUPPORTED. Checks: None, CRC32, CRC64 and SHA-256 are verified; other
 * check ids are reported as unverified.
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { BulwarkError } from '../findings/index.js';
import type { DecompressResult, DecompressWarning } from './capped-output.js';
import { CappedOutput, asDecodeError, malformed, resultOf } from './capped-output.js';

const TOP = 1 << 24;
const NUM_STATES = 12;
const MATCH_MIN_LEN = 2;
const END_POS_MODEL_INDEX = 14;
const NUM_ALIGN_BITS = 4;
const DICT_MIN = 4096;

// Offsets of the probability tables in one Uint16Array.
const IS_MATCH = 0; // [state << 4 | posState]
const IS_REP = IS_MATCH + (NUM_STATES << 4);
const IS_REP_G0 = IS_REP + NUM_STATES;
const IS_REP_G1 = IS_REP_G0 + NUM_STATES;
const IS_REP_G2 = IS_REP_G1 + NUM_STATES;
const IS_REP0_LONG = IS_REP_G2 + NUM_STATES;
const POS_SLOT = IS_REP0_LONG + (NUM_STATES << 4); // 4 length states x 64
const SPEC_POS = POS_SLOT + 4 * 64; // 1 + 128 - 14 = 115
const ALIGN = SPEC_POS + 115; // 16
const LEN = ALIGN + 16; // choice, choice2, low[16][8], mid[16][8], high[256]
const LEN_SIZE = 2 + 16 * 8 + 16 * 8 + 256;
const REP_LEN = LEN + LEN_SIZE;
const LITERAL = REP_LEN + LEN_SIZE;

function truncated(what: string): BulwarkError {
  return malformed(`${what}: compressed data is truncated`);
}

/** One LZMA decoder state (probabilities, state machine, reps) writing into a CappedOutput. */
class LzmaDecoder {
  private lc = 0;
  private lp = 0;
  private pb = 0;
  private probs: Uint16Array = new Uint16Array(LITERAL + 0x300);
  private state = 0;
  private rep0 = 0;
  private rep1 = 0;
  private rep2 = 0;
  private rep3 = 0;
  // Range decoder.
  private range = 0;
  private code = 0;
  private input: Uint8Array = new Uint8Array(0);
  inPos = 0;
  private inEnd = 0;
  /** Output position where the current dictionary starts (LZMA2 dictionary resets move it). */
  dictStart = 0;

  constructor(
    private readonly out: CappedOutput,
    private dictSize: number,
    private readonly what: string,
  ) {}

  /** Decode the lc/lp/pb properties byte. */
  setProps(byte: number, lzma2: boolean): void {
    if (byte >= 9 * 5 * 5) throw malformed(`${this.what}: invalid LZMA properties byte ${byte}`);
    const lc = byte % 9;
    const rest = Math.floor(byte / 9);
    const lp = rest % 5;
    const pb = Math.floor(rest / 5);
    if (lzma2 && lc + lp > 4) throw malformed(`${this.what}: LZMA2 chunk with lc + lp > 4`);
    this.lc = lc;
    this.lp = lp;
    this.pb = pb;
    const need = LITERAL + (0x300 << (lc + lp));
    if (this.probs.length < need) this.probs = new Uint16Array(need);
  }

  resetState(): void {
    this.probs.fill(1024);
    this.state = 0;
    this.rep0 = this.rep1 = this.rep2 = this.rep3 = 0;
  }

  resetDict(): void {
    this.dictStart = this.out.len;
  }

  setDictSize(n: number): void {
    this.dictSize = Math.max(n, DICT_MIN);
  }

  /** Start a range decoder over input[start, end). */
  initRange(input: Uint8Array, start: number, end: number): void {
    this.input = input;
    this.inPos = start;
    this.inEnd = end;
    if (start + 5 > end) throw truncated(this.what);
    if (input[start] !== 0) throw malformed(`${this.what}: corrupt range coder header`);
    let code = 0;
    for (let i = 1; i < 5; i++) code = code * 256 + (input[start + i] ?? 0);
    this.code = code;
    this.range = 0xffffffff;
    this.inPos = start + 5;
    if (code === this.range) throw malformed(`${this.what}: corrupt range coder header`);
  }

  get finishedOK(): boolean {
    return this.code === 0;
  }

  private nextByte(): number {
    if (this.inPos >= this.inEnd) throw truncated(this.what);
    return this.input[this.inPos++] as number;
  }

  private bit(i: number): number {
    const probs = this.probs;
    const p = probs[i] as number;
    const bound = (this.range >>> 11) * p;
    let b: number;
    if (this.code < bound) {
      this.range = bound;
      probs[i] = p + ((2048 - p) >>> 5);
      b = 0;
    } else {
      this.range -= bound;
      this.code -= bound;
      probs[i] = p - (p >>> 5);
      b = 1;
    }
    if (this.range < TOP) {
      this.range *= 256;
      this.code = this.code * 256 + this.nextByte();
    }
    return b;
  }

  private direct(n: number): number {
    let res = 0;
    for (; n > 0; n--) {
      this.range = this.range >>> 1;
      let b = 0;
      if (this.code >= this.range) {
        this.code -= this.range;
        b = 1;
      }
      res = res * 2 + b;
      if (this.range < TOP) {
        this.range *= 256;
        this.code = this.code * 256 + this.nextByte();
      }
    }
    return res;
  }

  private tree(base: number, bits: number): number {
    let m = 1;
    for (let i = 0; i < bits; i++) m = (m << 1) + this.bit(base + m);
    return m - (1 << bits);
  }

  private reverse(base: number, bits: number): number {
    let m = 1;
    let sym = 0;
    for (let i = 0; i < bits; i++) {
      const b = this.bit(base + m);
      m = (m << 1) + b;
      sym |= b << i;
    }
    return sym;
  }

  private length(base: number, posState: number): number {
    if (this.bit(base) === 0) return this.tree(base + 2 + posState * 8, 3);
    if (this.bit(base + 1) === 0) return 8 + this.tree(base + 2 + 128 + posState * 8, 3);
    return 16 + this.tree(base + 2 + 256, 8);
  }

  private distance(len: number): number {
    const lenState = len < 3 ? len : 3;
    const slot = this.tree(POS_SLOT + lenState * 64, 6);
    if (slot < 4) return slot;
    const numDirect = (slot >>> 1) - 1;
    let dist = (2 + (slot & 1)) * 2 ** numDirect;
    if (slot < END_POS_MODEL_INDEX) {
      dist += this.reverse(SPEC_POS + dist - slot, numDirect);
    } else {
      dist += this.direct(numDirect - NUM_ALIGN_BITS) * 16;
      dist += this.reverse(ALIGN, NUM_ALIGN_BITS);
    }
    return dist;
  }

  private literal(): void {
    const out = this.out;
    const pos = out.len;
    const rel = pos - this.dictStart;
    const prev = rel > 0 ? out.byteAt(pos - 1) : 0;
    const litState = ((rel & ((1 << this.lp) - 1)) << this.lc) + (prev >>> (8 - this.lc));
    const base = LITERAL + 0x300 * litState;
    let sym = 1;
    if (this.state >= 7) {
      const mp = pos - this.rep0 - 1;
      let matchByte = mp >= 0 && mp < pos ? out.byteAt(mp) : 0;
      do {
        const matchBit = (matchByte >>> 7) & 1;
        matchByte <<= 1;
        const b = this.bit(base + ((1 + matchBit) << 8) + sym);
        sym = (sym << 1) | b;
        if (matchBit !== b) break;
      } while (sym < 0x100);
    }
    while (sym < 0x100) sym = (sym << 1) | this.bit(base + sym);
    out.push(sym - 0x100);
  }

  private copy(dist: number, len: number): void {
    const out = this.out;
    if (dist > out.len - this.dictStart) throw malformed(`${this.what}: match distance beyond the start of the data`);
    out.copyMatch(dist, len);
  }

  /**
   * Decode LZMA symbols. `size` < 0: unknown size, the end marker is mandatory (.lzma with unknown
   * size). `lzma2`: exactly `size` bytes, no end marker, the range coder must then be finished.
   * Returns true when an end marker was read.
   */
  decode(size: number, lzma2: boolean): boolean {
    const sizeDefined = size >= 0;
    let remaining = size;
    const pbMask = (1 << this.pb) - 1;
    for (;;) {
      if (sizeDefined && remaining === 0) {
        if (lzma2) {
          if (!this.finishedOK) throw malformed(`${this.what}: LZMA2 chunk does not end cleanly`);
          return false;
        }
        if (this.finishedOK) return false;
        // Otherwise an end marker may follow the declared size (LzmaSpec accepts it).
      }
      const posState = (this.out.len - this.dictStart) & pbMask;
      const state = this.state;
      if (this.bit(IS_MATCH + (state << 4) + posState) === 0) {
        if (sizeDefined && remaining === 0) throw malformed(`${this.what}: data continues after the declared size`);
        this.literal();
        this.state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
        remaining--;
        continue;
      }
      let len: number;
      if (this.bit(IS_REP + state) !== 0) {
        if (sizeDefined && remaining === 0) throw malformed(`${this.what}: data continues after the declared size`);
        if (this.out.len === this.dictStart) throw malformed(`${this.what}: repeated match at the start of the data`);
        if (this.bit(IS_REP_G0 + state) === 0) {
          if (this.bit(IS_REP0_LONG + (state << 4) + posState) === 0) {
            this.state = state < 7 ? 9 : 11;
            this.copy(this.rep0 + 1, 1);
            remaining--;
            continue;
          }
        } else {
          let dist: number;
          if (this.bit(IS_REP_G1 + state) === 0) {
            dist = this.rep1;
          } else {
            if (this.bit(IS_REP_G2 + state) === 0) {
              dist = this.rep2;
            } else {
              dist = this.rep3;
              this.rep3 = this.rep2;
            }
            this.rep2 = this.rep1;
          }
          this.rep1 = this.rep0;
          this.rep0 = dist;
        }
        len = this.length(REP_LEN, posState);
        this.state = state < 7 ? 8 : 11;
      } else {
        this.rep3 = this.rep2;
        this.rep2 = this.rep1;
        this.rep1 = this.rep0;
        len = this.length(LEN, posState);
        this.state = state < 7 ? 7 : 10;
        this.rep0 = this.distance(len);
        if (this.rep0 === 0xffffffff) {
          if (lzma2) throw malformed(`${this.what}: end marker inside an LZMA2 chunk`);
          if (!this.finishedOK) throw malformed(`${this.what}: corrupt data after the end marker`);
          return true;
        }
        if (sizeDefined && remaining === 0) throw malformed(`${this.what}: data continues after the declared size`);
        if (this.rep0 >= this.dictSize) throw malformed(`${this.what}: match distance larger than the dictionary`);
      }
      len += MATCH_MIN_LEN;
      let bad = false;
      if (sizeDefined && remaining < len) {
        len = remaining;
        bad = true;
      }
      this.copy(this.rep0 + 1, len);
      remaining -= len;
      if (bad) throw malformed(`${this.what}: match runs past the declared size`);
    }
  }
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) | ((b[o + 1] ?? 0) << 8) | ((b[o + 2] ?? 0) << 16) | ((b[o + 3] ?? 0) << 24)) >>> 0;
}

/**
 * Does `head` start with a plausible `.lzma` (LZMA_Alone) header? There is no magic number, so this
 * applies liblzma's "picky" checks (used when it auto-detects the format): properties byte < 225,
 * dictionary size 2^n or 2^n + 2^(n-1) (or unknown), declared size unknown or < 256 GiB, and the
 * range coder's first byte (offset 13) is zero.
 */
export function isLzmaAloneHeader(head: Uint8Array): boolean {
  if (head.length < 18) return false;
  const props = head[0] ?? 255;
  if (props >= 225) return false;
  const dict = u32(head, 1);
  if (dict !== 0xffffffff) {
    let d = dict - 1;
    d |= d >>> 2;
    d |= d >>> 3;
    d |= d >>> 4;
    d |= d >>> 8;
    d |= d >>> 16;
    d = (d >>> 0) + 1;
    if (d !== dict) return false;
  }
  const lo = u32(head, 5);
  const hi = u32(head, 9);
  const unknown = lo === 0xffffffff && hi === 0xffffffff;
  if (!unknown && hi >= 1 << 6) return false; // >= 2^38
  return head[13] === 0;
}

function result(out: CappedOutput, consumed: number, warnings: DecompressWarning[], error?: unknown, what = 'lzma'): DecompressResult {
  return error === undefined ? resultOf(out, consumed, warnings) : resultOf(out, consumed, warnings, asDecodeError(error, what));
}

/** Decode a `.lzma` (LZMA_Alone) stream, as Python's `lzma` (FORMAT_ALONE / AUTO) and joblib write it. */
export function unlzmaCapped(input: Uint8Array, maxOutput: number, limitName = 'maxDecompressedBytes'): DecompressResult {
  const out = new CappedOutput(maxOutput, limitName);
  const warnings: DecompressWarning[] = [];
  let consumed = 0;
  try {
    if (input.length < 13) throw truncated('lzma');
    const dict = u32(input, 1);
    const lo = u32(input, 5);
    const hi = u32(input, 9);
    const size = lo === 0xffffffff && hi === 0xffffffff ? -1 : hi * 2 ** 32 + lo;
    const dec = new LzmaDecoder(out, Math.max(dict, DICT_MIN), 'lzma');
    dec.setProps(input[0] ?? 0, false);
    dec.resetState();
    dec.initRange(input, 13, input.length);
    dec.decode(size > Number.MAX_SAFE_INTEGER ? -1 : size, false);
    consumed = dec.inPos;
    if (consumed < input.length) {
      warnings.push({ kind: 'trailing-data', message: `${input.length - consumed} bytes after the end of the LZMA stream`, offset: consumed });
    }
    return result(out, consumed, warnings);
  } catch (e) {
    return result(out, consumed, warnings, e, 'lzma');
  }
}

/**
 * Decode raw LZMA data with given properties (zip method 14 carries them in a small header).
 * `size` < 0 means unknown (end marker required).
 */
export function decodeLzmaRaw(
  input: Uint8Array,
  propsByte: number,
  dictSize: number,
  size: number,
  maxOutput: number,
  limitName = 'maxDecompressedBytes',
): DecompressResult {
  const out = new CappedOutput(maxOutput, limitName);
  let consumed = 0;
  try {
    const dec = new LzmaDecoder(out, Math.max(dictSize, DICT_MIN), 'lzma');
    dec.setProps(propsByte, false);
    dec.resetState();
    dec.initRange(input, 0, input.length);
    dec.decode(size, false);
    consumed = dec.inPos;
    return result(out, consumed, []);
  } catch (e) {
    return result(out, consumed, [], e, 'lzma');
  }
}

/** Decode LZMA2 chunks from input[start, end) into `out`; returns the offset after the end chunk. */
function decodeLzma2(input: Uint8Array, start: number, end: number, out: CappedOutput, dictSize: number): number {
  const dec = new LzmaDecoder(out, dictSize, 'xz');
  let needDictReset = true;
  let needProps = true;
  let pos = start;
  for (;;) {
    if (pos >= end) throw truncated('xz');
    const control = input[pos++] ?? 0;
    if (control === 0x00) return pos;
    if (control >= 0xe0 || control === 0x01) {
      needProps = true;
      needDictReset = false;
      dec.resetDict();
    } else if (needDictReset) {
      throw malformed('xz: LZMA2 data does not start with a dictionary reset');
    }
    if (control >= 0x80) {
      if (pos + 4 > end) throw truncated('xz');
      const unpacked = (control & 0x1f) * 65536 + (input[pos] ?? 0) * 256 + (input[pos + 1] ?? 0) + 1;
      const packed = (input[pos + 2] ?? 0) * 256 + (input[pos + 3] ?? 0) + 1;
      pos += 4;
      const reset = (control >>> 5) & 3;
      if (reset >= 2) {
        if (pos >= end) throw truncated('xz');
        dec.setProps(input[pos++] ?? 0, true);
        needProps = false;
        dec.resetState();
      } else if (needProps) {
        throw malformed('xz: LZMA2 chunk without properties');
      } else if (reset === 1) {
        dec.resetState();
      }
      if (pos + packed > end) throw truncated('xz');
      dec.initRange(input, pos, pos + packed);
      dec.decode(unpacked, true);
      if (dec.inPos !== pos + packed) throw malformed('xz: LZMA2 chunk size does not match its data');
      pos += packed;
    } else {
      if (control > 0x02) throw malformed(`xz: invalid LZMA2 control byte 0x${control.toString(16)}`);
      if (pos + 2 > end) throw truncated('xz');
      const size = (input[pos] ?? 0) * 256 + (input[pos + 1] ?? 0) + 1;
      pos += 2;
      if (pos + size > end) throw truncated('xz');
      out.append(input.subarray(pos, pos + size));
      pos += size;
    }
  }
}

// CRC-64/XZ (ECMA-182, reflected), computed in two 32-bit halves.
const CRC64_LO = new Uint32Array(256);
const CRC64_HI = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  let lo = i;
  let hi = 0;
  for (let k = 0; k < 8; k++) {
    const carry = lo & 1;
    lo = ((lo >>> 1) | (hi << 31)) >>> 0;
    hi = hi >>> 1;
    if (carry) {
      lo = (lo ^ 0xd7870f42) >>> 0;
      hi = (hi ^ 0xc96c5795) >>> 0;
    }
  }
  CRC64_LO[i] = lo;
  CRC64_HI[i] = hi;
}

/** CRC-64/XZ of `data` as [high 32 bits, low 32 bits]. */
export function crc64(data: Uint8Array): [number, number] {
  const st: [number, number] = [0xffffffff, 0xffffffff];
  crc64Update(st, data);
  return [~st[0] >>> 0, ~st[1] >>> 0];
}

/** Feed `data` into a running CRC-64 state [high, low] (start at [0xffffffff, 0xffffffff], finish with ~). */
function crc64Update(st: [number, number], data: Uint8Array): void {
  let hi = st[0];
  let lo = st[1];
  for (let i = 0; i < data.length; i++) {
    const idx = (lo ^ (data[i] ?? 0)) & 0xff;
    lo = (((lo >>> 8) | (hi << 24)) ^ (CRC64_LO[idx] ?? 0)) >>> 0;
    hi = ((hi >>> 8) ^ (CRC64_HI[idx] ?? 0)) >>> 0;
  }
  st[0] = hi;
  st[1] = lo;
}

const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const CHECK_SIZES = [0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64];
const BCJ_NAMES: Readonly<Record<number, string>> = {
  4: 'x86 BCJ',
  5: 'PowerPC BCJ',
  6: 'IA-64 BCJ',
  7: 'ARM BCJ',
  8: 'ARM-Thumb BCJ',
  9: 'SPARC BCJ',
  10: 'ARM64 BCJ',
  11: 'RISC-V BCJ',
};

export function isXzMagic(head: Uint8Array): boolean {
  return XZ_MAGIC.every((b, i) => head[i] === b);
}

class Reader {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly end: number,
  ) {}
  byte(): number {
    if (this.pos >= this.end) throw truncated('xz');
    return this.buf[this.pos++] ?? 0;
  }
  /** xz variable-length integer (at most 9 bytes, minimal encoding). */
  vli(): number {
    let v = 0;
    for (let i = 0; i < 9; i++) {
      const b = this.byte();
      v += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) throw malformed('xz: non-minimal variable-length integer');
        if (v > Number.MAX_SAFE_INTEGER) throw malformed('xz: integer too large');
        return v;
      }
    }
    throw malformed('xz: variable-length integer too long');
  }
}

function checkCrc32(bytes: Uint8Array, stored: number, what: string): void {
  if (crc32(bytes) >>> 0 !== stored) throw malformed(`xz: ${what} CRC32 mismatch`);
}

/** Decode one xz stream starting at `start`; returns the offset after its footer. */
function decodeXzStream(input: Uint8Array, start: number, out: CappedOutput, warnings: DecompressWarning[]): number {
  if (start + 12 > input.length) throw truncated('xz');
  if (!isXzMagic(input.subarray(start, start + 6))) throw malformed('xz: bad stream header magic');
  const flags = input.subarray(start + 6, start + 8);
  checkCrc32(flags, u32(input, start + 8), 'stream header');
  if (flags[0] !== 0 || ((flags[1] ?? 0) & 0xf0) !== 0) throw new BulwarkError('UNSUPPORTED', 'xz: unsupported stream flags');
  const checkType = (flags[1] ?? 0) & 0x0f;
  const checkSize = CHECK_SIZES[checkType] ?? 0;
  let pos = start + 12;
  const records: Array<[number, number]> = [];
  let warnedCheck = false;
  for (;;) {
    if (pos >= input.length) throw truncated('xz');
    const sizeByte = input[pos] ?? 0;
    if (sizeByte === 0) break; // index indicator
    const headerSize = (sizeByte + 1) * 4;
    if (pos + headerSize > input.length) throw truncated('xz');
    const header = input.subarray(pos, pos + headerSize);
    checkCrc32(header.subarray(0, headerSize - 4), u32(header, headerSize - 4), 'block header');
    const r = new Reader(header, 1, headerSize - 4);
    const bflags = r.byte();
    if (bflags & 0x3c) throw new BulwarkError('UNSUPPORTED', 'xz: reserved block flags set');
    const numFilters = (bflags & 3) + 1;
    const compressedSize = bflags & 0x40 ? r.vli() : -1;
    const uncompressedSize = bflags & 0x80 ? r.vli() : -1;
    let dictSize = -1;
    let deltaDistance = 0;
    for (let f = 0; f < numFilters; f++) {
      const id = r.vli();
      const propSize = r.vli();
      if (r.pos + propSize > r.end) throw malformed('xz: filter properties overrun the block header');
      const props = header.subarray(r.pos, r.pos + propSize);
      r.pos += propSize;
      const last = f === numFilters - 1;
      if (id === 0x21) {
        if (!last) throw malformed('xz: LZMA2 must be the last filter');
        if (propSize !== 1) throw malformed('xz: bad LZMA2 properties');
        const p = (props[0] ?? 0) & 0x3f;
        if (p > 40) throw malformed('xz: bad LZMA2 dictionary size');
        dictSize = p === 40 ? 0xffffffff : (2 + (p & 1)) * 2 ** (Math.floor(p / 2) + 11);
      } else if (id === 0x03) {
        if (last || propSize !== 1) throw malformed('xz: bad Delta filter');
        if (deltaDistance !== 0) throw new BulwarkError('UNSUPPORTED', 'xz: more than one Delta filter');
        deltaDistance = (props[0] ?? 0) + 1;
      } else if (BCJ_NAMES[id] !== undefined) {
        throw new BulwarkError('UNSUPPORTED', `xz: the ${BCJ_NAMES[id]} filter is not supported`);
      } else {
        throw new BulwarkError('UNSUPPORTED', `xz: unknown filter id 0x${id.toString(16)}`);
      }
    }
    if (dictSize < 0) throw malformed('xz: block without LZMA2 filter');
    for (let i = r.pos; i < headerSize - 4; i++) if (header[i] !== 0) throw malformed('xz: non-zero block header padding');
    const dataStart = pos + headerSize;
    const dataEnd = compressedSize >= 0 ? dataStart + compressedSize : input.length;
    if (dataEnd > input.length) throw truncated('xz');
    const outStart = out.len;
    const endPos = decodeLzma2(input, dataStart, dataEnd, out, dictSize);
    const actualCompressed = endPos - dataStart;
    if (compressedSize >= 0 && actualCompressed !== compressedSize) throw malformed('xz: block compressed size does not match its header');
    const produced = out.len - outStart;
    if (uncompressedSize >= 0 && produced !== uncompressedSize) throw malformed('xz: block uncompressed size does not match its header');
    if (deltaDistance > 0) {
      for (let i = outStart + deltaDistance; i < out.len; i++) out.setByte(i, (out.byteAt(i) + out.byteAt(i - deltaDistance)) & 0xff);
    }
    pos = endPos;
    while ((pos - dataStart) % 4 !== 0) {
      if (pos >= input.length) throw truncated('xz');
      if (input[pos] !== 0) throw malformed('xz: non-zero block padding');
      pos++;
    }
    if (pos + checkSize > input.length) throw truncated('xz');
    const stored = input.subarray(pos, pos + checkSize);
    const data = out.bytes();
    let ok: boolean | undefined;
    if (checkType === 1) {
      let c = 0;
      data.forEachSlice(outStart, out.len, (s) => {
        c = crc32(s, c);
      });
      ok = c >>> 0 === u32(stored, 0);
    } else if (checkType === 4) {
      const st: [number, number] = [0xffffffff, 0xffffffff];
      data.forEachSlice(outStart, out.len, (s) => crc64Update(st, s));
      ok = ~st[1] >>> 0 === u32(stored, 0) && ~st[0] >>> 0 === u32(stored, 4);
    } else if (checkType === 10) {
      const h = createHash('sha256');
      data.forEachSlice(outStart, out.len, (s) => h.update(s));
      ok = Buffer.from(h.digest()).equals(Buffer.from(stored));
    } else if (checkType !== 0 && !warnedCheck) {
      warnedCheck = true;
      warnings.push({ kind: 'unverified-checksum', message: `xz check type ${checkType} is not verified`, offset: pos });
    }
    if (ok === false) warnings.push({ kind: 'bad-checksum', message: 'xz block check does not match the decompressed data', offset: pos });
    pos += checkSize;
    records.push([headerSize + actualCompressed + checkSize, produced]);
  }
  // Index.
  const indexStart = pos;
  const r = new Reader(input, pos + 1, input.length);
  const count = r.vli();
  if (count !== records.length) throw malformed('xz: index record count does not match the blocks');
  for (const [unpadded, uncompressed] of records) {
    if (r.vli() !== unpadded || r.vli() !== uncompressed) throw malformed('xz: index does not match the blocks');
  }
  while ((r.pos - indexStart) % 4 !== 0) if (r.byte() !== 0) throw malformed('xz: non-zero index padding');
  if (r.pos + 4 > input.length) throw truncated('xz');
  checkCrc32(input.subarray(indexStart, r.pos), u32(input, r.pos), 'index');
  pos = r.pos + 4;
  // Footer.
  if (pos + 12 > input.length) throw truncated('xz');
  checkCrc32(input.subarray(pos + 4, pos + 10), u32(input, pos), 'stream footer');
  const backward = (u32(input, pos + 4) + 1) * 4;
  if (backward !== pos - indexStart) throw malformed('xz: stream footer backward size does not match the index');
  if (input[pos + 8] !== flags[0] || input[pos + 9] !== flags[1]) throw malformed('xz: stream footer flags differ from the header');
  if (input[pos + 10] !== 0x59 || input[pos + 11] !== 0x5a) throw malformed('xz: bad stream footer magic');
  return pos + 12;
}

/**
 * Decode a `.xz` file: one or more streams, optionally separated by stream padding (multiples of
 * four zero bytes), as liblzma and Python's `lzma.decompress` read them. Bytes after the last stream
 * that are not another stream are reported as trailing data.
 */
export function unxzCapped(input: Uint8Array, maxOutput: number, limitName = 'maxDecompressedBytes'): DecompressResult {
  const out = new CappedOutput(maxOutput, limitName);
  const warnings: DecompressWarning[] = [];
  let consumed = 0;
  try {
    consumed = decodeXzStream(input, 0, out, warnings);
    for (;;) {
      let p = consumed;
      while (p + 4 <= input.length && u32(input, p) === 0) p += 4;
      if (p + 6 <= input.length && isXzMagic(input.subarray(p, p + 6))) {
        consumed = decodeXzStream(input, p, out, warnings);
        continue;
      }
      if (p < input.length) {
        warnings.push({ kind: 'trailing-data', message: `${input.length - p} bytes after the end of the xz stream`, offset: p });
      }
      consumed = p;
      break;
    }
    return result(out, consumed, warnings);
  } catch (e) {
    return result(out, consumed, warnings, e, 'xz');
  }
}
