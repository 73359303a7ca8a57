import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Labels } from './label-selector.js';
import { compileLabelSelector, describeSelector, labelsOf, selectorMatches, selectorMatchesPartial } from './label-selector.js';
import { SelectorIndex } from './selector-index.js';

const L = (o: Record<string, string>): Labels => new Map(Object.entries(o));

describe('label selector semantics (metav1.LabelSelectorAsSelector)', () => {
  const cases: [string, unknown, Record<string, string>, boolean][] = [
    ['{} selects everything', {}, {}, true],
    ['{} selects labelled objects', {}, { app: 'x' }, true],
    ['matchLabels equal', { matchLabels: { app: 'web' } }, { app: 'web', tier: 'a' }, true],
    ['matchLabels different value', { matchLabels: { app: 'web' } }, { app: 'api' }, false],
    ['matchLabels missing key', { matchLabels: { app: 'web' } }, {}, false],
    ['matchLabels are ANDed', { matchLabels: { app: 'web', tier: 'a' } }, { app: 'web' }, false],
    ['null matchLabels value is ""', { matchLabels: { app: null } }, { app: '' }, true],
    ['In', { matchExpressions: [{ key: 'env', operator: 'In', values: ['dev', 'prod'] }] }, { env: 'prod' }, true],
    ['In needs the key', { matchExpressions: [{ key: 'env', operator: 'In', values: ['dev'] }] }, {}, false],
    ['NotIn holds when the key is absent', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] }, {}, true],
    ['NotIn excludes listed values', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] }, { env: 'dev' }, false],
    ['NotIn keeps other values', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] }, { env: 'prod' }, true],
    ['Exists', { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }, { gpu: '' }, true],
    ['Exists without the key', { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }, {}, false],
    ['DoesNotExist', { matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }, { app: 'x' }, true],
    ['DoesNotExist with the key', { matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }, { gpu: 'a100' }, false],
    [
      'matchLabels AND matchExpressions',
      { matchLabels: { app: 'ray' }, matchExpressions: [{ key: 'role', operator: 'In', values: ['head'] }] },
      { app: 'ray', role: 'worker' },
      false,
    ],
    ['empty lists = everything', { matchLabels: {}, matchExpressions: [] }, {}, true],
  ];
  for (const [name, raw, labels, want] of cases) {
    it(name, () => expect(selectorMatches(compileLabelSelector(raw), L(labels))).toBe(want));
  }

  const invalid: [string, unknown][] = [
    ['In without values', { matchExpressions: [{ key: 'a', operator: 'In' }] }],
    ['NotIn with empty values', { matchExpressions: [{ key: 'a', operator: 'NotIn', values: [] }] }],
    ['Exists with values', { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }],
    ['unknown operator', { matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }] }],
    ['lower-case operator', { matchExpressions: [{ key: 'a', operator: 'in', values: ['x'] }] }],
    ['missing key', { matchExpressions: [{ operator: 'Exists' }] }],
    ['boolean label value (YAML 1.1 `yes`)', { matchLabels: { enabled: true } }],
    ['numeric label value', { matchLabels: { v: 1 } }],
    ['not a mapping', ['app']],
  ];
  for (const [name, raw] of invalid) {
    it(`invalid: ${name} selects nothing`, () => {
      const sel = compileLabelSelector(raw);
      expect(sel.kind).toBe('invalid');
      expect(selectorMatches(sel, L({ a: 'x', enabled: 'true', v: '1', app: 'x' }))).toBe(false);
    });
  }

  it('absent selector: nothing by default, everything when the field is a non-pointer struct', () => {
    expect(selectorMatches(compileLabelSelector(undefined), L({}))).toBe(false);
    expect(selectorMatches(compileLabelSelector(null, 'everything'), L({}))).toBe(true);
  });

  it('partial label knowledge gives unknown unless decided by known labels', () => {
    const byName = compileLabelSelector({ matchLabels: { 'kubernetes.io/metadata.name': 'ml' } });
    const byTeam = compileLabelSelector({ matchLabels: { team: 'ml' } });
    const known = L({ 'kubernetes.io/metadata.name': 'ml' });
    expect(selectorMatchesPartial(byName, known, false)).toBe('yes');
    expect(selectorMatchesPartial(byName, L({ 'kubernetes.io/metadata.name': 'web' }), false)).toBe('no');
    expect(selectorMatchesPartial(byTeam, known, false)).toBe('unknown');
    expect(selectorMatchesPartial(byTeam, known, true)).toBe('no');
  });

  it('labelsOf keeps strings, maps null to "" and drops other types', () => {
    expect([...labelsOf({ a: 'x', b: null, c: true, d: 3 })]).toEqual([
      ['a', 'x'],
      ['b', ''],
    ]);
    expect(labelsOf('nope').size).toBe(0);
  });

  it('describeSelector is readable', () => {
    expect(
      describeSelector(compileLabelSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }, { key: 'x', operator: 'DoesNotExist' }] })),
    ).toBe('app=web,env notin (dev),!x');
  });
});

// ---- property tests -------------------------------------------------------------------------------

const keyArb = fc.constantFrom('app', 'env', 'tier', 'gpu', 'kubernetes.io/metadata.name');
const valArb = fc.constantFrom('', 'web', 'dev', 'prod', 'a100');
const exprArb = fc.record(
  {
    key: fc.oneof(keyArb, fc.anything()),
    operator: fc.oneof(fc.constantFrom('In', 'NotIn', 'Exists', 'DoesNotExist'), fc.anything()),
    values: fc.oneof(fc.array(valArb, { maxLength: 3 }), fc.anything()),
  },
  { requiredKeys: [] },
);
const selectorArb = fc.oneof(
  fc.anything(),
  fc.record(
    {
      matchLabels: fc.oneof(fc.dictionary(keyArb, fc.oneof(valArb, fc.constant(null))), fc.anything()),
      matchExpressions: fc.oneof(fc.array(exprArb, { maxLength: 4 }), fc.anything()),
    },
    { requiredKeys: [] },
  ),
);
const labelsArb = fc.dictionary(keyArb, valArb).map((o) => new Map(Object.entries(o)) as Labels);

describe('label selector properties', () => {
  it('never throws on arbitrary JSON-shaped input', () => {
    fc.assert(
      fc.property(selectorArb, labelsArb, fc.boolean(), (raw, labels, complete) => {
        const sel = compileLabelSelector(raw);
        selectorMatches(sel, labels);
        selectorMatchesPartial(sel, labels, complete);
        describeSelector(sel);
      }),
      { numRuns: 2000 },
    );
  });

  it('partial matching agrees with full matching when the labels are complete', () => {
    fc.assert(
      fc.property(selectorArb, labelsArb, (raw, labels) => {
        const sel = compileLabelSelector(raw);
        expect(selectorMatchesPartial(sel, labels, true)).toBe(selectorMatches(sel, labels) ? 'yes' : 'no');
      }),
      { numRuns: 1000 },
    );
  });

  it('the selector index returns exactly the brute-force matches, in insertion order', () => {
    fc.assert(
      fc.property(fc.array(selectorArb, { maxLength: 12 }), labelsArb, (raws, labels) => {
        const idx = new SelectorIndex<number>();
        const sels = raws.map((r) => compileLabelSelector(r));
        sels.forEach((s, i) => idx.add(i, s));
        const brute = sels.map((s, i) => (selectorMatches(s, labels) ? i : -1)).filter((i) => i >= 0);
        expect(idx.match(labels)).toEqual(brute);
      }),
      { numRuns: 1000 },
    );
  });
});
