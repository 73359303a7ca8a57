/**
 * CIDR arithmetic for NetworkPolicy `ipBlock` peers: does a set of ipBlocks (each `cidr` minus its
 * `except` list) cover the whole IPv4 or IPv6 address space? That is how "open to the world" is
 * decided, including the split tricks (`0.0.0.0/1` + `128.0.0.0/1`) and `except` holes.
 *
 * Addresses are bigints; ranges are inclusive [start, end]. Parsing is strict about the address
 * syntax and lenient about host bits (`10.1.2.3/8` is masked to `10.0.0.0/8`, as older API servers
 * accepted it). Never throws: unparsable input yields `undefined`.
 */
import { isIPv4, isIPv6 } from 'node:net';

export type Family = 4 | 6;

export interface IpRange {
  readonly family: Family;
  readonly start: bigint;
  readonly end: bigint;
}

const BITS: Readonly<Record<Family, number>> = { 4: 32, 6: 128 };

function parseV4(s: string): bigint | undefined {
  if (!isIPv4(s)) return undefined;
  let n = 0n;
  for (const part of s.split('.')) n = (n << 8n) | BigInt(Number(part));
  return n;
}

function parseV6(s: string): bigint | undefined {
  if (!isIPv6(s)) return undefined;
  let text = s;
  // Zone ids (`%eth0`) are not valid in CIDRs.
  if (text.includes('%')) return undefined;
  // Embedded IPv4 tail (`::ffff:1.2.3.4`) → two hextets.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = parseV4(tail);
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' || halves[0] === undefined ? [] : halves[0].split(':');
  const rest = halves.length === 2 ? (halves[1] === '' || halves[1] === undefined ? [] : halves[1].split(':')) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 && missing !== 0) return undefined;
  if (missing < 0) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  if (groups.length !== 8) return undefined;
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  return n;
}

/** Parse `a.b.c.d/len` or `v6/len` into a range; `undefined` when invalid. */
export function parseCidr(text: unknown): IpRange | undefined {
  if (typeof text !== 'string' || text.length > 64) return undefined;
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const addr = text.slice(0, slash);
  const lenText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText)) return undefined;
  const len = Number(lenText);
  let family: Family;
  let n: bigint | undefined = parseV4(addr);
  if (n !== undefined) family = 4;
  else {
    n = parseV6(addr);
    if (n === undefined) return undefined;
    family = 6;
  }
  const bits = BITS[family];
  if (len > bits) return undefined;
  const hostBits = BigInt(bits - len);
  const start = (n >> hostBits) << hostBits;
  const end = start + (1n << hostBits) - 1n;
  return { family, start, end };
}

/** Merge ranges of one family into sorted disjoint ranges. */
export function mergeRanges(ranges: readonly IpRange[]): IpRange[] {
  const sorted = [...ranges].sort((a, b) => (a.family !== b.family ? a.family - b.family : a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: IpRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && last.family === r.family && r.start <= last.end + 1n) {
      if (r.end > last.end) out[out.length - 1] = { family: r.family, start: last.start, end: r.end };
    } else out.push(r);
  }
  return out;
}

/** `range` minus `holes` (holes of other families are ignored). */
export function subtractRanges(range: IpRange, holes: readonly IpRange[]): IpRange[] {
  let pieces: IpRange[] = [range];
  for (const h of mergeRanges(holes.filter((x) => x.family === range.family))) {
    const next: IpRange[] = [];
    for (const p of pieces) {
      if (h.end < p.start || h.start > p.end) {
        next.push(p);
        continue;
      }
      if (h.start > p.start) next.push({ family: p.family, start: p.start, end: h.start - 1n });
      if (h.end < p.end) next.push({ family: p.family, start: h.end + 1n, end: p.end });
    }
    pieces = next;
  }
  return pieces;
}

/** Whether the union of `ranges` covers every address of `family`. */
export function coversFamily(ranges: readonly IpRange[], family: Family): boolean {
  const full = (1n << BigInt(BITS[family])) - 1n;
  const merged = mergeRanges(ranges.filter((r) => r.family === family));
  return merged.length === 1 && merged[0]?.start === 0n && merged[0].end === full;
}
