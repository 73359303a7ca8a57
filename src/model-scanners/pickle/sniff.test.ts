import { describe, expect, test } from 'vitest';
import { pickle, torchStateDict, tuple } from '../../../test-fixtures/pickle-builder.js';
import { BufferSource } from '../../limits/index.js';
import { looksLikePickle } from './sniff.js';

const looks = (b: Uint8Array | string): boolean => looksLikePickle(new BufferSource(typeof b === 'string' ? new TextEncoder().encode(b) : b));

describe('looksLikePickle', () => {
  test('protocol 2+ streams: PROTO opcode', () => {
    expect(looks(torchStateDict(2))).toBe(true);
    expect(looks(Uint8Array.of(0x80, 0x05, 0x95))).toBe(true);
    expect(looks(Uint8Array.of(0x80, 0x06, 0x4e, 0x2e))).toBe(false);
    expect(looks(Uint8Array.of(0x80))).toBe(false);
  });

  test('protocol 0 and 1 streams: trial parse', () => {
    expect(looks('(dp0\nVa\np1\n(lp2\nI1\naF2.5\naNaI01\nas.')).toBe(true); // pickle.dumps({'a': [1, 2.5, None, True]}, 0)
    expect(looks("cos\nsystem\n(S'id'\ntR.")).toBe(true);
    expect(looks(pickle((b) => b.emptyDict().mark().binUnicode('k').binInt1(1).setItems().stop()))).toBe(true);
    expect(looks(pickle((b) => b.mark().string("'id'").inst('os', 'system').stop()))).toBe(true);
    expect(looks(pickle((b) => b.value(tuple(1, 2), 1).stop()))).toBe(true);
  });

  test('a long protocol 0 pickle that fills the sniff window', () => {
    const b = pickle((x) => {
      x.mark();
      for (let i = 0; i < 2000; i++) x.int(i);
      x.list().stop();
    });
    expect(b.length).toBeGreaterThan(4096);
    expect(looks(b)).toBe(true);
  });

  test('text, JSON, YAML, zip, empty and garbage are not pickles', () => {
    for (const s of ['', 'N', 'I love pickles\n', '{"a": 1}', 'apiVersion: v1\nkind: Pod\n', '# comment\n', 'No.', 'cat foo\nbar baz\n', 'PK\x03\x04', '(((((', 'I1\n']) {
      expect(looks(s), JSON.stringify(s)).toBe(false);
    }
    expect(looks(Uint8Array.of(0x50, 0x4b, 0x03, 0x04, 0, 0))).toBe(false);
  });

  test('a GET of a key never PUT is not a pickle', () => {
    expect(looks('g0\n.')).toBe(false);
  });

  test('never throws on a failing source', () => {
    expect(looksLikePickle({ size: 10, read: () => { throw new Error('boom'); } })).toBe(false);
  });
});

describe('streams the C unpickler runs up to a call, whatever follows', () => {
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
  const cat = (...p: (string | Uint8Array)[]): Uint8Array => {
    const parts = p.map((x) => (typeof x === 'string' ? enc(x) : x));
    const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
    let o = 0;
    for (const x of parts) {
      out.set(x, o);
      o += x.length;
    }
    return out;
  };
  test('payload then garbage, truncation or no STOP', () => {
    expect(looks(cat("cos\nsystem\n(S'id'\ntR", Uint8Array.of(0xff, 0x00, 0x01)))).toBe(true);
    expect(looks("cos\nsystem\n(S'id'\ntR")).toBe(true);
    expect(looks("cos\nsystem\n(S'id'\ntRp0\n")).toBe(true);
    expect(looks("(S'id'\nios\nsystem\n\xff")).toBe(true);
  });
  test('arguments the C unpickler accepts (trailing blanks after a quoted STRING, control bytes in PERSID)', () => {
    expect(looks("cos\nsystem\n(S'id' \t\ntR.")).toBe(true);
    expect(looks("cos\nsystem\n(S'id'\r\ntR.")).toBe(true);
  });
  test('a protocol 0 argument longer than the sniff window', () => {
    expect(looks(cat("cbuiltins\nexec\n(V", 'x'.repeat(20000), '\ntR\xff'))).toBe(true);
  });
  test('imports alone, or failures before any call, are not enough', () => {
    expect(looks(cat('cos\nsystem\n', Uint8Array.of(0xff)))).toBe(false);
    expect(looks("(S'id'\nt\xff")).toBe(false);
    expect(looks('cmake\ninstall\n\nrun make\n')).toBe(false);
  });
});
