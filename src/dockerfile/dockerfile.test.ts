import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../findings/index.js';
import { DEFAULT_LIMITS, resolveLimits } from '../limits/index.js';
import { Reporter, firingProblem } from '../rules/index.js';
import { DOCKERFILE_RULES, analyzeDockerfile, looksLikeDockerfile, parseDockerfile, startsLikeDockerfile } from './index.js';
import { keyValues } from './parse.js';
import { DOCKERFILE_RULE_CASES } from './rule-cases.js';
import { simpleCommands } from './shell.js';

const root = join(import.meta.dirname, '../..');

function analyze(text: string, limits = DEFAULT_LIMITS): Finding[] {
  const reporter = new Reporter();
  analyzeDockerfile(text, 'Dockerfile', limits, reporter);
  return reporter.finish();
}

describe('rule cases (in process; the registry meta-test runs them through bulwark scan)', () => {
  it('every rule has firing and silent cases', () => {
    for (const r of DOCKERFILE_RULES) {
      const c = DOCKERFILE_RULE_CASES.find((x) => x.ruleId === r.id);
      expect(c?.invalid.length, r.id).toBeGreaterThan(0);
      expect(c?.valid.length, r.id).toBeGreaterThan(0);
    }
  });
  for (const rc of DOCKERFILE_RULE_CASES) {
    describe(rc.ruleId, () => {
      for (const c of rc.invalid) {
        it(`fires: ${c.name}`, () => {
          const text = c.files['Dockerfile'];
          expect(typeof text).toBe('string');
          const all = analyze(text as string);
          expect(all.filter((f) => f.ruleId.startsWith('scan/')).map((f) => f.message)).toEqual([]);
          expect(firingProblem(all.filter((f) => f.ruleId === rc.ruleId), c.expect)).toBeUndefined();
        });
      }
      for (const c of rc.valid) {
        it(`stays silent: ${c.name}`, () => {
          const all = analyze(c.files['Dockerfile'] as string);
          expect(all.filter((f) => f.ruleId.startsWith('scan/')).map((f) => f.message)).toEqual([]);
          expect(all.filter((f) => f.ruleId === rc.ruleId).map((f) => f.message)).toEqual([]);
        });
      }
    });
  }
});

describe('parser', () => {
  const opts = { maxInstructions: 1000 };

  it('joins continuation lines, drops comments inside them and keeps positions', () => {
    const f = parseDockerfile(['FROM alpine:3.20 AS base', 'RUN apk add \\', '# a comment inside', '', '    curl \\', '  && echo ok'].join('\n'), opts);
    expect(f.problems).toEqual([]);
    const run = f.instructions[1];
    expect(run?.keyword).toBe('RUN');
    expect(run?.body.text).toBe('apk add     curl   && echo ok');
    const i = run?.body.text.indexOf('curl') ?? -1;
    expect(run?.body.at(i)).toEqual({ line: 5, column: 5 });
    expect(run?.body.at(run.body.text.indexOf('echo'))).toEqual({ line: 6, column: 6 });
    expect(f.stages[0]?.name).toBe('base');
  });

  it('honours the escape directive (backtick, Windows style)', () => {
    const f = parseDockerfile(['# escape=`', 'FROM mcr.microsoft.com/windows/servercore:ltsc2022', 'RUN dir c:\\ `', '    && echo done'].join('\n'), opts);
    expect(f.escape).toBe('`');
    expect(f.problems).toEqual([]);
    expect(f.instructions[1]?.body.text).toBe('dir c:\\     && echo done');
  });

  it('a directive after a comment is a comment', () => {
    const f = parseDockerfile(['# hello', '# escape=`', 'FROM alpine'].join('\n'), opts);
    expect(f.escape).toBe('\\');
  });

  it('reads heredocs (plain, <<-, quoted) and keeps their lines', () => {
    const f = parseDockerfile(['FROM alpine', 'RUN <<-"EOF" sh', '\tapk add curl', '\tcurl -fsSL https://x | sh', '\tEOF', 'COPY <<CFG /etc/app.conf', 'a=1', 'CFG', 'USER 1'].join('\n'), opts);
    expect(f.problems).toEqual([]);
    const run = f.instructions[1];
    expect(run?.heredocs[0]?.delimiter).toBe('EOF');
    expect(run?.heredocs[0]?.body.text).toBe('apk add curl\ncurl -fsSL https://x | sh\n');
    expect(run?.heredocs[0]?.body.at(13)).toEqual({ line: 4, column: 2 });
    expect(f.instructions.map((i) => i.keyword)).toEqual(['FROM', 'RUN', 'COPY', 'USER']);
  });

  it('a heredoc marker inside quotes is text, not a heredoc', () => {
    const f = parseDockerfile(['FROM alpine', 'RUN echo "shift with <<EOF" && echo \'<<X\'', 'USER 1'].join('\n'), opts);
    expect(f.problems).toEqual([]);
    expect(f.instructions.map((i) => [i.keyword, i.heredocs.length])).toEqual([['FROM', 0], ['RUN', 0], ['USER', 0]]);
  });

  it('exec form, flags and case-insensitive keywords', () => {
    const f = parseDockerfile(['from --platform=$BUILDPLATFORM golang:1.22 as Build', 'copy --from=build --chown=1:1 /a /b', 'cmd ["python", "-m", "app"]'].join('\n'), opts);
    expect(f.problems).toEqual([]);
    expect(f.stages[0]?.name).toBe('build');
    expect(f.stages[0]?.image).toBe('golang:1.22');
    expect(f.stages[0]?.imagePos).toEqual({ line: 1, column: 32 });
    expect(f.instructions[1]?.flags.map((x) => [x.name, x.value])).toEqual([['from', 'build'], ['chown', '1:1']]);
    expect(f.instructions[2]?.json).toEqual(['python', '-m', 'app']);
  });

  it('ARG before FROM is global; ENV key=value and legacy forms', () => {
    const f = parseDockerfile(['ARG BASE=python:3.12', 'FROM ${BASE}', 'ENV A=1 B="two words" C=x\\ y', 'ENV LEGACY the rest'].join('\n'), opts);
    expect(f.globalArgs.length).toBe(1);
    expect(f.problems).toEqual([]);
    expect(keyValues(f.instructions[2]!).map((k) => [k.name, k.value])).toEqual([['A', '1'], ['B', 'two words'], ['C', 'x y']]);
    expect(keyValues(f.instructions[3]!).map((k) => [k.name, k.value, k.valuePos.column])).toEqual([['LEGACY', 'the rest', 12]]);
  });

  it('reports what BuildKit refuses, and never throws', () => {
    const f = parseDockerfile(['FROM alpine', 'RUNN echo', 'RUN <<EOF', 'echo never closed'].join('\n'), opts);
    expect(f.problems.map((p) => [p.pos.line, p.message])).toEqual([
      [2, 'unknown instruction "RUNN"'],
      [3, 'heredoc "EOF" is not terminated'],
    ]);
    expect(parseDockerfile('RUN echo\nFROM alpine', opts).problems[0]?.message).toContain('before the first FROM');
    expect(parseDockerfile('# escape=x\nFROM alpine', opts).problems[0]?.message).toContain('invalid escape');
    expect(parseDockerfile('FROM alpine foo bar', opts).problems[0]?.message).toContain('AS name');
  });

  it('splits shell commands at operators, outside quotes', () => {
    const cmds = simpleCommands('a "b && c" && d | e; f $(g h) \'i|j\'');
    expect(cmds.map((c) => [c.after, c.words.map((w) => w.value)])).toEqual([
      ['', ['a', 'b && c']],
      ['&&', ['d']],
      ['|', ['e']],
      [';', ['f']],
      ['$(', ['g', 'h']],
      [')', ['i|j']],
    ]);
  });

  it('arbitrary text never throws, and the instruction limit holds', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), fc.integer({ min: 1, max: 5 }), (s, max) => {
        const text = `FROM a\n${s}`;
        const f = parseDockerfile(text, { maxInstructions: max });
        expect(f.instructions.length).toBeLessThanOrEqual(max);
        analyze(text, resolveLimits({ maxDockerfileInstructions: max }));
        looksLikeDockerfile(s);
        startsLikeDockerfile(s);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.array(fc.constantFrom('FROM a AS b\n', 'RUN <<E\n', 'E\n', '\\\n', '# c\n', 'ENV A="x\n', 'RUN ["a",\n', 'RUN a | sh\n', ' \t', '`'), { maxLength: 40 }), (parts) => {
        analyze(parts.join(''));
      }),
      { numRuns: 300 },
    );
  });
});

describe('fail-closed', () => {
  it('a malformed Dockerfile is a high scan/malformed-input finding with its position', () => {
    const f = analyze('FROM alpine@sha256:' + 'a'.repeat(64) + '\nRUNN echo\nUSER 1\n');
    const m = f.filter((x) => x.ruleId === 'scan/malformed-input');
    expect(m.length).toBe(1);
    expect(m[0]?.severity).toBe('high');
    expect(m[0]?.location).toMatchObject({ line: 2, column: 1 });
  });

  it('maxDockerfileInstructions stops the parse with scan/limit-exceeded', () => {
    const text = ['FROM alpine', ...Array.from({ length: 50 }, (_, i) => `RUN echo ${i}`)].join('\n');
    const f = analyze(text, resolveLimits({ maxDockerfileInstructions: 10 }));
    const l = f.filter((x) => x.ruleId === 'scan/limit-exceeded');
    expect(l.map((x) => [x.evidence, x.location])).toEqual([['maxDockerfileInstructions', { kind: 'file', path: 'Dockerfile', line: 11, column: 1 }]]);
  });
});

describe('bounded work on hostile text', () => {
  it('long lines and long continuations are analysed in linear time', () => {
    const cases = [
      ['FROM a', `RUN ${'sh '.repeat(300_000)}x`].join('\n'),
      ['FROM a', `RUN rm ${'-f '.repeat(100_000)}`, `RUN yum ${'-q '.repeat(100_000)}`].join('\n'),
      ['FROM a', ...Array.from({ length: 50_000 }, () => 'RUN echo \\'), 'x'].join('\n'),
      ['FROM a', `ENV ${'A=b '.repeat(100_000)}`, `RUN python -c "${'from_pretrained('.repeat(20_000)}"`].join('\n'),
      `# a=${' '.repeat(200_000)}x\nFROM a`,
      `FROM a${':'.repeat(200_000)}b\nUSER 1`,
      ['FROM a', `RUN curl x | python${'1$a1'.repeat(30_000)}x`, `RUN git config ${'http.'.repeat(40_000)}x false`].join('\n'),
    ];
    for (const text of cases) {
      const t0 = performance.now();
      analyze(text);
      looksLikeDockerfile(text);
      expect(performance.now() - t0).toBeLessThan(3000);
    }
  });
});

describe('detection by content', () => {
  const dockerfiles: Record<string, string> = {
    plain: 'FROM python:3.12\nRUN pip install x\n',
    'ARG first': '# syntax=docker/dockerfile:1\nARG BASE=python:3.12\nARG X\nFROM ${BASE} AS app\nCOPY . /app\n',
    'lower case with comments': '# build image\n\nfrom alpine\nrun echo hi\n',
    'heredoc bodies do not count as unknown instructions': 'FROM alpine\nRUN <<EOF\nline one\nline two\nline three\nline four\nline five\nEOF\n',
  };
  const others: Record<string, string> = {
    python: 'from os import path\nimport sys\n\nprint(path.join("a", "b"))\n',
    'python with a from first line of two words': 'from x import *\n',
    shell: '#!/bin/sh\nset -e\ncurl -fsSL https://x | sh\n',
    yaml: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: from\n',
    'yaml key from': 'from: alpine\nrun: echo\n',
    markdown: '# Title\n\nFROM here on, the text is prose.\n',
    prose: 'From here\nwe go on and on.\nAnd on.\nAnd on.\n',
    json: '{"FROM": "alpine"}\n',
    sql: 'SELECT * FROM users;\n',
  };
  for (const [name, text] of Object.entries(dockerfiles)) {
    it(`recognises: ${name}`, () => {
      expect(startsLikeDockerfile(text)).toBe(true);
      expect(looksLikeDockerfile(text)).toBe(true);
    });
  }
  for (const [name, text] of Object.entries(others)) {
    it(`does not take: ${name}`, () => expect(startsLikeDockerfile(text) && looksLikeDockerfile(text)).toBe(false));
  }
});

describe("Bulwark's own Dockerfile", () => {
  it('deploy/Dockerfile passes every dockerfile rule at medium and above, and parses cleanly', () => {
    const text = readFileSync(join(root, 'deploy/Dockerfile'), 'utf8');
    expect(looksLikeDockerfile(text)).toBe(true);
    const f = analyze(text);
    expect(f.filter((x) => x.ruleId.startsWith('scan/')).map((x) => x.message)).toEqual([]);
    expect(f.filter((x) => x.ruleId.startsWith('dockerfile/') && x.severity !== 'low' && x.severity !== 'info').map((x) => `${x.ruleId} ${x.message}`)).toEqual([]);
  });
});
