/**
 * The subject of every Dockerfile rule (one parsed file), its rule type and helpers shared by the
 * rules: stages and the final (runtime) stage, build-argument substitution in `FROM`, locations, and
 * the data builders of the rule cases (Dockerfiles written as line lists, so lines can be read off).
 */
import type { Location } from '../findings/index.js';
import type { RuleCase, RuleCaseExpectation, Rule } from '../rules/index.js';
import { defineRule } from '../rules/index.js';
import type { RuleDefinition } from '../rules/index.js';
import type { Dockerfile, Instruction, Position, Stage } from './parse.js';
import { keyValues } from './parse.js';

export interface DockerfileSubject {
  readonly file: Dockerfile;
  readonly path: string;
}

export type DockerfileRule = Rule<DockerfileSubject>;

export function dockerfileRule(def: RuleDefinition<DockerfileSubject>): DockerfileRule {
  return defineRule<DockerfileSubject>(def);
}

export function locate(path: string, pos: Position): Location {
  return { kind: 'file', path, line: pos.line, column: pos.column };
}

/** The stage `docker build` produces without `--target`: the last one. */
export function finalStage(file: Dockerfile): Stage | undefined {
  return file.stages[file.stages.length - 1];
}

/** The earlier stage a `FROM` or `COPY --from` names, if any. */
export function stageNamed(file: Dockerfile, name: string, before: number): Stage | undefined {
  const n = name.toLowerCase();
  for (let k = before - 1; k >= 0; k--) {
    const s = file.stages[k];
    if (s?.name === n) return s;
  }
  return /^\d+$/.test(n) && Number(n) < before ? file.stages[Number(n)] : undefined;
}

/** Default values of the global ARGs (before the first FROM), which FROM lines may use. */
export function globalArgDefaults(file: Dockerfile): Map<string, string | undefined> {
  const m = new Map<string, string | undefined>();
  for (const ins of file.globalArgs) for (const kv of keyValues(ins)) m.set(kv.name, kv.value);
  return m;
}

/** `$NAME`, `${NAME}`, `${NAME:-default}` replaced from `args`; undefined when one has no value. */
export function substitute(text: string, args: ReadonlyMap<string, string | undefined>): string | undefined {
  let unresolved = false;
  const out = text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, braced: string | undefined, op: string | undefined, word: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? '';
    const v = args.get(name);
    if (op === '-') return v !== undefined && v !== '' ? v : (word ?? '');
    if (op === '+') return v !== undefined && v !== '' ? (word ?? '') : '';
    if (v === undefined) unresolved = true;
    return v ?? '';
  });
  return unresolved ? undefined : out;
}

/** Every instruction with the given keyword in `stage` (or in the whole file). */
export function instructionsOf(where: Stage | Dockerfile, keyword: string): Instruction[] {
  return where.instructions.filter((i) => i.keyword === keyword);
}

// -- rule cases ----------------------------------------------------------------------------------

/** A Dockerfile from its lines (line n of the file is `lines[n-1]`). */
export function dockerfile(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

export const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
/** A base image pinned by digest. */
export const PINNED = `python:3.12-slim@${DIGEST}`;

export function fires(name: string, text: string, expect: RuleCaseExpectation, file = 'Dockerfile'): RuleCase {
  return { name, files: { [file]: text }, expect };
}

export function silent(name: string, text: string, file = 'Dockerfile'): RuleCase {
  return { name, files: { [file]: text } };
}

export const at = (line: number, column: number, more: Omit<RuleCaseExpectation, 'line' | 'column'> = {}): RuleCaseExpectation => ({ line, column, ...more });
