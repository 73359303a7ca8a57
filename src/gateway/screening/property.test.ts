import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PATTERNS, screenText } from './index.js';

/** Pieces an attacker would repeat to find super-linear backtracking in the patterns. */
const PIECES = ['ignore ', '-', 'A1', '[', '\\x41', 'all ', 'previous ', 'a', ' ', '\n', '#', '<|', '![', '](http://', '?', '=', '{', 'aGVsbG8', '41', '\u200b', '\u{e0041}', 'send ', 'to ', 'x@', '1', '@', '$', 'i g ', 'forget ', 'the ', 'call ', 'tool ', 'base64 ', 'and then ',
  // PATTERNS_VERSION 2: fragments of the task-switch, German override, fixed-output and persona patterns.
  'that is enough. ', 'das war ', 'gut gemacht ', 'now ', 'nun ', 'vorherigen ', 'anweisungen, ', 'sind ', 'you are ', 'du bist ', 'no longer a ', 'stop: ', '"', 'just output ', 'act as a ', 'bleiben ', 'in ihren ', 'new task ', 'neue aufgabe ', 'x. ', 'übertroffen ', 'say yes', 'haha '];

function elapsed(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

describe('screenText never throws and stays fast', () => {
  it('arbitrary strings (full Unicode) never throw and always give a score in [0, 1]', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), (s) => {
        const r = screenText(s);
        expect(r.score).toBeGreaterThanOrEqual(0);
        expect(r.score).toBeLessThanOrEqual(1);
        for (const h of r.hits) expect(h.excerpt.length).toBeLessThanOrEqual(120);
      }),
      { numRuns: 300 },
    );
  });

  it('adversarial repetitions of pattern fragments finish quickly', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 6 }), fc.integer({ min: 1000, max: 4000 }), (parts, times) => {
        const s = parts.join('').repeat(times).slice(0, 65_536);
        const ms = elapsed(() => screenText(s));
        expect(ms).toBeLessThan(500);
      }),
      { numRuns: 60 },
    );
  });

  it('each pattern alone is linear on 64 KiB of its own worst-case fodder', () => {
    for (const piece of PIECES) {
      const s = piece.repeat(Math.ceil(65_536 / piece.length)).slice(0, 65_536);
      for (const p of PATTERNS) {
        const ms = elapsed(() => p.regex.exec(s));
        expect(ms, `${p.id} on "${piece}"`).toBeLessThan(100);
      }
      // The whole pipeline too (decoders, views) on the same fodder.
      expect(elapsed(() => screenText(s)), `screenText on "${piece}"`).toBeLessThan(300);
    }
  });

  it('screens 64 KiB of ordinary chat text in a few milliseconds', () => {
    const para = 'Could you help me plan a trip to Lisbon next spring? I would like museums, good food and a day at the beach. ';
    const text = para.repeat(Math.ceil(65_536 / para.length)).slice(0, 65_536);
    screenText(text); // warm-up (regex compilation)
    const runs: number[] = [];
    for (let i = 0; i < 9; i++) runs.push(elapsed(() => screenText(text)));
    runs.sort((a, b) => a - b);
    // Median; generous bound for a shared 2-core CI machine (measured ~1-2 ms, see docs/gateway-screening.md).
    expect(runs[4]).toBeLessThan(25);
  });
});
