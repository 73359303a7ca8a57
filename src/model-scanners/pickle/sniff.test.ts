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
