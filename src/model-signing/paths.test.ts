import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalRelativePath, checkIgnorePath, comparePathNames, compareShardNames, isUnder, parseShardName, sortedUnique } from './paths.js';

/** Python's PurePosixPath ordering, written the obvious way: lists of components, each by code point. */
function pythonOrder(a: string, b: string): number {
  const cp = (s: string) => [...s].map((c) => c.codePointAt(0) as number);
  const pa = a.split('/').map(cp);
  const pb = b.split('/').map(cp);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i] as number[];
    const y = pb[i] as number[];
    for (let j = 0; j < Math.min(x.length, y.length); j++) if (x[j] !== y[j]) return (x[j] as number) - (y[j] as number);
    if (x.length !== y.length) return x.length - y.length;
  }
  return pa.length - pb.length;
}

describe('resource order (the reference sorts PurePosixPath keys)', () => {
  it('compares component by component, not as strings', () => {
    // String order would put "tok.json" first ('.' < '/'); pathlib compares "tok" < "tok.json".
    expect(['tok.json', 'tok/vocab.json', 'a b', 'a/b'].sort(comparePathNames)).toEqual(['a/b', 'a b', 'tok/vocab.json', 'tok.json']);
  });

  it('compares by code point (UTF-8), not UTF-16 code unit', () => {
    // U+FF5E (one UTF-16 unit 0xFF5E) vs U+1F600 (surrogates 0xD83D…): code points order U+FF5E first.
    expect(['\u{1F600}', '\uFF5E'].sort(comparePathNames)).toEqual(['\uFF5E', '\u{1F600}']);
  });

  it('agrees with a straightforward model of Python ordering on arbitrary names', () => {
    const component = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }).filter((s) => !s.includes('/') && !s.includes('\0'));
    const name = fc.array(component, { minLength: 1, maxLength: 4 }).map((p) => p.join('/'));
    fc.assert(
      fc.property(name, name, (a, b) => {
        expect(Math.sign(comparePathNames(a, b))).toBe(Math.sign(pythonOrder(a, b)));
      }),
    );
  });

  it('orders shards by path, then offsets as integers', () => {
    const names = ['w:10000000000:10500000000', 'w:9000000000:10000000000', 'w:0:1000000000', 'v:0:5'];
    const sorted = names.map((n) => parseShardName(n)).sort((a, b) => compareShardNames(a!, b!)).map((p) => `${p!.path}:${p!.start}:${p!.end}`);
    expect(sorted).toEqual(['v:0:5', 'w:0:1000000000', 'w:9000000000:10000000000', 'w:10000000000:10500000000']);
  });
});

describe('parseShardName', () => {
  it('takes the last two integers, so names may contain colons', () => {
    expect(parseShardName('a:b/c:d:0:10')).toEqual({ path: 'a:b/c:d', start: 0, end: 10 });
    expect(parseShardName('.:0:22')).toEqual({ path: '.', start: 0, end: 22 });
  });
  it('rejects malformed names', () => {
    for (const bad of ['a', 'a:1', 'a:01:2', 'a:-1:2', 'a:1:2x', 'a:99999999999999999:1']) expect(parseShardName(bad)).toBeUndefined();
  });
});

describe('canonicalRelativePath', () => {
  it('normalises as PurePosixPath and refuses escapes', () => {
    expect(canonicalRelativePath('./a//b/./c/')).toBe('a/b/c');
    expect(canonicalRelativePath('.')).toBe('.');
    for (const bad of ['', '/etc/passwd', '../x', 'a/../../x', 'a/..', 'a\0b', './', '//']) expect(canonicalRelativePath(bad)).toBeUndefined();
  });
  it('never returns a path with .. or a leading / for any input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (s) => {
        const c = canonicalRelativePath(s);
        if (c === undefined || c === '.') return;
        expect(c.startsWith('/')).toBe(false);
        expect(c.split('/')).not.toContain('..');
        expect(c.split('/')).not.toContain('');
      }),
    );
  });
});

describe('ignore paths', () => {
  it('match a path and its subtree, component-wise', () => {
    expect(isUnder('.git/config', '.git')).toBe(true);
    expect(isUnder('.git', '.git')).toBe(true);
    expect(isUnder('.gitignore', '.git')).toBe(false);
    expect(isUnder('sub/.git/x', '.git')).toBe(false);
  });
  it('validates user ignore paths (OMS §6.2.1)', () => {
    expect(checkIgnorePath('cache/')).toBe('cache');
    expect(checkIgnorePath('a\\b')).toBe('a/b');
    expect(() => checkIgnorePath('../x')).toThrow(/relative path inside the model/);
    expect(() => checkIgnorePath('/abs')).toThrow(/relative path inside the model/);
    expect(() => checkIgnorePath('*.bin')).toThrow(/glob/);
    expect(() => checkIgnorePath('.')).toThrow();
  });
  it('sortedUnique sorts by code point and removes duplicates', () => {
    expect(sortedUnique(['b', 'a', '.git', 'a'])).toEqual(['.git', 'a', 'b']);
  });
});
