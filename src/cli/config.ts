/**
 * The configuration file as the CLI sees it: `--config FILE`, else `bulwark.yaml` (or `.bulwark.yaml`)
 * in the current directory, else nothing; `--no-config` ignores the file. Command-line flags given
 * explicitly win over the file, which wins over the defaults.
 */
import type { BulwarkConfig } from '../config/index.js';
import { EMPTY_CONFIG, findConfigFile, loadConfigFile } from '../config/index.js';
import { BulwarkError } from '../findings/index.js';
import { parseSize } from '../limits/index.js';

/** Value of `--config` / `--no-config` as commander gives it. */
export type ConfigFlag = string | boolean | undefined;

export function loadCliConfig(flag: ConfigFlag): BulwarkConfig {
  if (flag === false) return EMPTY_CONFIG;
  if (typeof flag === 'string') return loadConfigFile(flag);
  const found = findConfigFile();
  return found === undefined ? EMPTY_CONFIG : loadConfigFile(found);
}

/** Whether the user typed the option on the command line (rather than it taking its default). */
export function fromCli(cmd: { getOptionValueSource(key: string): string | undefined }, key: string): boolean {
  return cmd.getOptionValueSource(key) === 'cli';
}

/** The CLI value when given explicitly, else the file's, else the CLI default. */
export function pick<T>(cmd: { getOptionValueSource(key: string): string | undefined }, key: string, cliValue: T, fileValue: T | undefined): T {
  return fromCli(cmd, key) || fileValue === undefined ? cliValue : fileValue;
}

/** Commander's accumulator for repeatable flags (`--limit a=1 --limit b=2`). */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `--limit NAME=VALUE` flags → overrides (names are checked by resolveLimits). */
export function parseLimitFlags(flags: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const flag of flags) {
    const m = /^([A-Za-z]+)=(.+)$/.exec(flag);
    if (!m?.[1] || !m[2]) throw new BulwarkError('USAGE', `--limit expects NAME=VALUE, got "${flag}"`);
    const v = parseSize(m[2]);
    if (v === undefined) throw new BulwarkError('USAGE', `--limit ${m[1]}: "${m[2]}" is not a size or count`);
    out[m[1]] = v;
  }
  return out;
}
