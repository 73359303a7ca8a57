import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coversFamily, mergeRanges, parseCidr, subtractRanges } from './cidr.js';

describe('CIDR parsing', () => {
  it('parses IPv4 and masks host bits', () => {
    expect(parseCidr('10.1.2.3/8')).toEqual({ family: 4, start: 0x0a000000n, end: 0x0affffffn });
    expect(parseCidr('0.0.0.0/0')).toEqual({ family: 4, start: 0n, end: 0xffffffffn });
    expect(parseCidr('169.254.169.254/32')).toEqual({ family: 4, start: 0xa9fea9fen, end: 0xa9fea9fen });
  });
  it('parses IPv6 with compression and embedded IPv4', () => {
    expect(parseCidr('::/0')).toEqual({ family: 6, start: 0n, end: (1n << 128n) - 1n });
    expect(parseCidr('fd00::/8')?.start).toBe(0xfdn << 120n);
    expect(parseCidr('::ffff:10.0.0.1/128')?.start).toBe((0xffffn << 32n) | 0x0a000001n);
    expect(parseCidr('2001:db8:0:0:0:0:0:1/64')?.start).toBe(0x20010db8n << 96n);
  });
  it('rejects malformed text', () => {
    for (const bad of ['10.0.0.0', '10.0.0.0/33', '::/129', '300.0.0.0/8', '10.0.0/8', 'fe80::1%eth0/64', 'x/1', '', '1.2.3.4/-1', '1:2:3:4:5:6:7:8:9/64', ':::/0']) {
      expect(parseCidr(bad), bad).toBeUndefined();
    }
    expect(parseCidr(42)).toBeUndefined();
  });
});

describe('coverage', () => {
  const r = (s: string) => parseCidr(s) ?? (() => { throw new Error(s); })();
  it('0.0.0.0/0 covers IPv4, not IPv6', () => {
    expect(coversFamily([r('0.0.0.0/0')], 4)).toBe(true);
    expect(coversFamily([r('0.0.0.0/0')], 6)).toBe(false);
  });
  it('split halves cover the space; a hole does not', () => {
    expect(coversFamily([r('0.0.0.0/1'), r('128.0.0.0/1')], 4)).toBe(true);
    expect(coversFamily([r('0.0.0.0/1'), r('128.0.0.0/2')], 4)).toBe(false);
    expect(coversFamily(subtractRanges(r('0.0.0.0/0'), [r('169.254.169.254/32')]), 4)).toBe(false);
  });
  it('subtract splits ranges around holes', () => {
    expect(subtractRanges(r('10.0.0.0/30'), [r('10.0.0.1/32')])).toEqual([
      { family: 4, start: 0x0a000000n, end: 0x0a000000n },
      { family: 4, start: 0x0a000002n, end: 0x0a000003n },
    ]);
  });
  it('merge joins adjacent ranges', () => {
    expect(mergeRanges([r('10.0.0.2/31'), r('10.0.0.0/31')])).toEqual([{ family: 4, start: 0x0a000000n, end: 0x0a000003n }]);
  });
  it('never throws on arbitrary strings', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.anything()), (s) => void parseCidr(s)), { numRuns: 2000 });
  });
});
