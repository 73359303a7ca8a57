import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../limits/index.js';
import type { AnalyzeOptions } from './index.js';
import { analyzeTemplate as analyzeWith, lexTemplate as lexWith } from './index.js';

/** The analyser with the default `maxTemplateTokens`, unless a test gives its own bound. */
const analyzeTemplate = (t: string, o: AnalyzeOptions = { maxTokens: DEFAULT_LIMITS.maxTemplateTokens }) => analyzeWith(t, o);
const lexTemplate = (t: string) => lexWith(t, DEFAULT_LIMITS.maxTemplateTokens);

const DIR = new URL('../../../test-fixtures/real/', import.meta.url);

function kinds(t: string): string[] {
  return [...new Set(analyzeTemplate(t).issues.map((i) => `${i.kind}:${i.severity}`))].sort();
}

function worst(t: string): string | undefined {
  const order = ['critical', 'high', 'medium', 'low', 'info'];
  const sev = analyzeTemplate(t).issues.map((i) => i.severity);
  return order.find((s) => sev.includes(s as never));
}

describe('Jinja lexer', () => {
  it('splits tags, decodes Python escapes and keeps raw blocks as text', () => {
    const r = lexTemplate("a{{ '\\x5f\\x5fx' ~ b }}c{%- if x -%}{# c #}{% raw %}{{ '__class__' }}{% endraw %}");
    expect(r.errors).toEqual([]);
    expect(r.segments.map((s) => s.kind)).toEqual(['text', 'expr', 'text', 'stmt', 'comment', 'stmt', 'text', 'stmt']);
    const str = r.segments[1]?.tokens[0];
    expect(str).toMatchObject({ kind: 'string', value: '__x', obfuscated: true });
  });

  it('reports unterminated tags and strings', () => {
    expect(lexTemplate('{{ a').errors[0]?.message).toContain('unterminated');
    expect(lexTemplate("{{ 'a }}").errors[0]?.message).toContain('unterminated string');
  });
});

describe('chat template analysis', () => {
  const files = readdirSync(DIR).filter((f) => f.startsWith('chat-template-') && f.endsWith('.jinja'));
  it.each(files)('passes the real template %s clean', (f) => {
    const t = readFileSync(new URL(f, DIR), 'utf8');
    const a = analyzeTemplate(t);
    expect(a.issues.map((i) => `${i.kind} ${i.evidence} ${JSON.stringify(t.slice(i.offset - 30, i.offset + 30))}`)).toEqual([]);
    expect(a.complete).toBe(true);
  });

  it('passes ordinary constructs clean', () => {
    for (const t of [
      "{% set ns = namespace(found=false) %}{% for m in messages %}{% if m['role'] == 'system' %}{% set ns.found = true %}{% endif %}{% endfor %}",
      "{{ messages[0]['content'].split('</think>')[-1].lstrip('\\n') }}",
      '{{ strftime_now("%d %b %Y") }}{{ tools | tojson(indent=4) }}{{ x|default("a")|upper }}',
      "{% macro render(m, sep=', ') %}{{ m|join(sep) }}{% endmacro %}{{ render(items) }}",
      "{% for k, v in d|items %}{{ k ~ '=' ~ v }}{% endfor %}{{ {'a': {'b': 1}} }}",
      "{% generation %}{{ message['content'] }}{% endgeneration %}",
    ]) {
      expect(analyzeTemplate(t).issues, t).toEqual([]);
    }
  });

  it.each([
    ["{{ ''.__class__.__mro__[1].__subclasses__() }}", 'private-attribute:critical'],
    ["{{ lipsum.__globals__.os.popen('id').read() }}", 'private-attribute:critical'],
    ["{{ cycler.__init__.__globals__.os.popen('id').read() }}", 'private-attribute:critical'],
    ['{{ joiner.__init__.__globals__ }}', 'private-attribute:critical'],
    ['{{ self._TemplateReference__context.cycler }}', 'private-attribute:critical'],
    ["{{ ()|attr('__class__') }}", 'private-attribute:critical'],
    ["{{ ()|attr('__cla' ~ 'ss__') }}", 'private-attribute:critical'],
    ["{{ ()|attr('__cla' 'ss__') }}", 'private-attribute:critical'],
    ["{{ ()|attr(['__cla','ss__']|join) }}", 'private-attribute:critical'],
    ["{{ ()|attr(('_','_','class','_','_')|join) }}", 'private-attribute:critical'],
    ["{{ ()|attr('%c%cclass%c%c'|format(95,95,95,95)) }}", 'private-attribute:critical'],
    ["{{ ()|attr('{0}{0}class{0}{0}'.format('_')) }}", 'private-attribute:critical'],
    ["{{ ()|attr('_' * 2 ~ 'class' ~ '_' * 2) }}", 'private-attribute:critical'],
    ["{{ ()|attr('\\x5f\\x5fclass\\x5f\\x5f') }}", 'private-attribute:critical'],
    ["{{ ()|attr('\\u005f\\u005fclass\\u005f\\u005f') }}", 'private-attribute:critical'],
    ["{{ ()|attr('\\N{LOW LINE}\\N{LOW LINE}class\\N{LOW LINE}\\N{LOW LINE}') }}", 'private-attribute:critical'],
    ["{{ ()|attr('\\137\\137class\\137\\137') }}", 'private-attribute:critical'],
    ["{{ ()|attr('__ssalc__'|reverse) }}", 'private-attribute:critical'],
    ["{{ ()|attr('__CLASS__'|lower) }}", 'private-attribute:critical'],
    ["{% set a = '__cla' %}{% set b = a ~ 'ss__' %}{{ ()|attr(b) }}", 'private-attribute:critical'],
    ["{{ ()|attr(b) }}{% set b = 'ss__' %}", 'dunder-string:high'],
    ["{{ ''['__cla' ~ 'ss__'] }}", 'private-attribute:critical'],
    ["{{ request|attr('application')|attr('\\x5f\\x5fglobals\\x5f\\x5f') }}", 'private-attribute:critical'],
    ["{{ x|map(attribute='__class__')|list }}", 'private-attribute:critical'],
    ["{{ x|selectattr('__class__') }}", 'private-attribute:critical'],
    ['{{ dict(__class__=1)|list }}', 'private-attribute:critical'],
    ["{{ '{0.__class__}'.format(x) }}", 'dunder-string:critical'],
    ["{{ os.popen('id') }}", 'dangerous-attribute:critical'],
    ['{{ x|attr(y) }}', 'attr-filter:high'],
    ["{{ x|attr('items') }}", 'attr-filter:high'],
    ["{% set k = a ~ b %}{{ x[k] }}", 'computed-attribute:high'],
    ["{% include '/etc/passwd' %}", 'template-loading:medium'],
    ["{% from 'x.html' import m %}", 'template-loading:medium'],
    ["{{ 'a' * 100000000 }}", 'resource-exhaustion:medium'],
    ['{% for i in range(999999999) %}{% endfor %}', 'resource-exhaustion:medium'],
    ['{{ 9 ** 99 }}', 'resource-exhaustion:medium'],
    ['{{ lipsum }}', 'dangerous-global:medium'],
    ['{{ a.b }} {{ c', 'syntax-error:low'],
  ])('flags %s', (template, expected) => {
    expect(kinds(template)).toContain(expected);
  });

  it('grades the escapes the issue names as critical', () => {
    for (const t of [
      "{{ ''.__class__.__mro__ }}",
      "{{ ''.__class__.__subclasses__() }}",
      '{{ x.__globals__ }}',
      '{{ x.__builtins__ }}',
      "{{ x.__import__('os') }}",
      "{{ ()|attr('__cla' ~ 'ss__') }}",
    ]) {
      expect(worst(t), t).toBe('critical');
    }
  });

  it('still sees dunders the parser cannot parse', () => {
    expect(kinds('{{ ) __class__ ( }}')).toContain('private-attribute:critical');
    expect(kinds('{{ x }}  text __globals__ text')).toContain('dunder-string:high');
  });

  it('never throws and terminates on arbitrary input (property)', () => {
    const alphabet = fc.constantFrom('{{', '}}', '{%', '%}', '{#', '#}', "'", '"', '\\', '__class__', 'attr', '|', '~', '(', ')', '[', ']', 'set', '=', 'x', ' ', '.', ',', 'for', 'in', '*', '9');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 60 }), (parts) => {
        const r = analyzeTemplate(parts.join(''));
        expect(Array.isArray(r.issues)).toBe(true);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        analyzeTemplate(s);
      }),
      { numRuns: 300 },
    );
  });

  it('bounds expression nesting instead of overflowing the stack', () => {
    for (const t of ['{{ ' + '('.repeat(50_000) + 'x' + ')'.repeat(50_000) + ' }}', '{{ ' + 'not '.repeat(50_000) + 'x }}', '{{ ' + '-'.repeat(50_000) + '1 }}', '{{ ' + '['.repeat(50_000) + ' }}']) {
      const r = analyzeTemplate(t);
      expect(r.complete).toBe(false);
    }
    expect(kinds('{{ ' + '('.repeat(5000) + "''.__class__" + ')'.repeat(5000) + ' }}')).toContain('private-attribute:critical');
    // Many almost-too-deep expressions: the work budget stops the parse in bounded time.
    const t0 = Date.now();
    const r = analyzeTemplate(`{{ ${'['.repeat(190)}x ) `.repeat(3000) + '}}');
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.complete).toBe(false);
  });

  it('stops at the token bound and says so, naming the limit', () => {
    const r = analyzeTemplate('{{ a }}'.repeat(100), { maxTokens: 10 });
    expect(r.complete).toBe(false);
    expect(r.limit).toBe('maxTemplateTokens');
    expect(analyzeTemplate('{{ a }}'.repeat(100)).limit).toBeUndefined();
  });
});
