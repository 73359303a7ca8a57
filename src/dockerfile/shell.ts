/**
 * Just enough shell to read `RUN` commands: simple commands split at `;`, `&&`, `||`, `|`, `&`,
 * newlines, parentheses and unquoted command substitutions, words with quotes removed, each with its
 * index in the script (so a rule can give the line and column of a flag). Linear, never throws; it
 * reads, it does not evaluate (no expansion).
 */
import type { Instruction, Position } from './parse.js';
import { PlacedText } from './parse.js';

export interface Word {
  /** The word with quotes and escapes removed. */
  readonly value: string;
  /** Index of its first character in the script. */
  readonly start: number;
}

export interface SimpleCommand {
  readonly words: readonly Word[];
  /** The separator before this command (`|` for the right side of a pipe; '' for the first). */
  readonly after: string;
}

export function simpleCommands(script: string): SimpleCommand[] {
  const out: SimpleCommand[] = [];
  let words: Word[] = [];
  let sep = '';
  let cur = '';
  let curStart = -1;
  let quote = '';
  const endWord = (): void => {
    if (curStart >= 0) words.push({ value: cur, start: curStart });
    cur = '';
    curStart = -1;
  };
  const endCommand = (next: string): void => {
    endWord();
    if (words.length > 0) out.push({ words, after: sep });
    words = [];
    sep = next;
  };
  for (let i = 0; i < script.length; i++) {
    const ch = script[i] ?? '';
    if (quote === "'") {
      if (ch === "'") quote = '';
      else cur += ch;
      continue;
    }
    if (quote === '"') {
      if (ch === '"') quote = '';
      else if (ch === '\\' && i + 1 < script.length) cur += script[++i] ?? '';
      else cur += ch;
      continue;
    }
    if (ch === '\\') {
      const next = script[i + 1];
      if (next === '\n') {
        i++;
        continue;
      }
      if (curStart < 0) curStart = i;
      if (next !== undefined) cur += next;
      i++;
      continue;
    }
    if (ch === "'" || ch === '"') {
      if (curStart < 0) curStart = i;
      quote = ch;
      continue;
    }
    if (ch === '#' && curStart < 0) {
      while (i < script.length && script[i] !== '\n') i++;
      endCommand('\n');
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      endWord();
      continue;
    }
    if (ch === '\n' || ch === ';' || ch === '(' || ch === ')' || ch === '`' || ch === '{' && curStart < 0) {
      endCommand(ch);
      continue;
    }
    if (ch === '$' && script[i + 1] === '(') {
      endCommand('$(');
      i++;
      continue;
    }
    if (ch === '&' || ch === '|') {
      const two = script[i + 1] === ch;
      endCommand(two ? ch + ch : ch);
      if (two) i++;
      continue;
    }
    if (curStart < 0) curStart = i;
    cur += ch;
  }
  endCommand('');
  return out;
}

/** A script a RUN executes: its shell-form text, its exec-form arguments, or a heredoc body. */
export interface Script {
  readonly text: PlacedText;
  readonly commands: readonly SimpleCommand[];
}

/** Scripts are split once per instruction, whatever number of rules read them. */
const SCRIPTS = new WeakMap<Instruction, readonly Script[]>();

/** The scripts of a RUN instruction (shell or exec form, and the heredocs it feeds). */
export function runScripts(ins: Instruction): readonly Script[] {
  let s = SCRIPTS.get(ins);
  if (s === undefined) {
    s = splitScripts(ins);
    SCRIPTS.set(ins, s);
  }
  return s;
}

function splitScripts(ins: Instruction): Script[] {
  const out: Script[] = [];
  if (ins.json !== undefined) {
    // Exec form: one command; `["sh", "-c", "…"]` also runs its script.
    const words: Word[] = [];
    let at = 0;
    for (const w of ins.json) {
      words.push({ value: w, start: at });
      at += w.length + 1;
    }
    const text = new PlacedText(ins.json.join(' '), [{ start: 0, line: ins.body.at(0).line, column: ins.body.at(0).column }]);
    out.push({ text, commands: [{ words, after: '' }] });
    const [sh, flag, inner] = ins.json;
    if (sh !== undefined && /(?:^|\/)(?:ba|da|z|k|a)?sh$/.test(sh) && flag === '-c' && inner !== undefined) {
      const innerText = new PlacedText(inner, [{ start: 0, line: ins.body.at(0).line, column: ins.body.at(0).column }]);
      out.push({ text: innerText, commands: simpleCommands(inner) });
    }
  } else {
    out.push({ text: ins.body, commands: simpleCommands(ins.body.text) });
  }
  for (const h of ins.heredocs) out.push({ text: h.body, commands: simpleCommands(h.body.text) });
  return out;
}

/** Whether `c` runs `name` (after `sudo`, `env A=b`, `command`, `exec`, `time`), and the index of that word. */
export function commandIndex(c: SimpleCommand, test: (word: string) => boolean): number {
  let i = 0;
  const ws = c.words;
  for (; i < ws.length; i++) {
    const v = ws[i]?.value ?? '';
    if (v === 'sudo' || v === 'exec' || v === 'command' || v === 'time' || v === 'nice' || v === 'env' || v === 'nohup') continue;
    if (/^-/.test(v) && i > 0) continue;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(v)) continue;
    break;
  }
  const w = ws[i]?.value;
  if (w === undefined) return -1;
  return test(w.replace(/^.*\//, '')) ? i : -1;
}

/** pip itself (`pip`, `pip3`, `pip3.12`, `python -m pip`, `uv pip`): the index of the subcommand word, or -1. */
export function pipSubcommand(c: SimpleCommand): number {
  const i = commandIndex(c, (w) => /^(?:pip[0-9.]*|python[0-9.]*|uv)$/.test(w));
  if (i < 0) return -1;
  const w = (c.words[i]?.value ?? '').replace(/^.*\//, '');
  if (/^pip/.test(w)) return i + 1;
  if (w === 'uv') return c.words[i + 1]?.value === 'pip' ? i + 2 : -1;
  // python -m pip …
  for (let k = i + 1; k < c.words.length - 1; k++) {
    const v = c.words[k]?.value ?? '';
    if (v === '-m') return c.words[k + 1]?.value === 'pip' ? k + 2 : -1;
    if (!v.startsWith('-')) return -1;
  }
  return -1;
}

/** The value of option `--name` (`--name value` or `--name=value`), with the index of the option word. */
export function optionValue(c: SimpleCommand, names: readonly string[]): { index: number; value: string | undefined } | undefined {
  for (let k = 0; k < c.words.length; k++) {
    const v = c.words[k]?.value ?? '';
    for (const n of names) {
      if (v === n) return { index: k, value: c.words[k + 1]?.value };
      if (v.startsWith(`${n}=`)) return { index: k, value: v.slice(n.length + 1) };
    }
  }
  return undefined;
}

export function positionOf(script: Script, w: Word | undefined): Position {
  return script.text.at(w?.start ?? 0);
}
