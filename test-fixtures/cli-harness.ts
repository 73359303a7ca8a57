/**
 * Run CLI commands in-process the way src/cli/main.ts does, for tests: stdout and stderr captured
 * (write callbacks called, so `writeStdout` resolves), usage, I/O and configuration errors printed as
 * `bulwark: …` with exit 2, commander's own errors exit 2, otherwise `process.exitCode`. Call it at the
 * top of a test file: it installs the spies before each test and removes them after.
 */
import { Command } from '@commander-js/extra-typings';
import { afterEach, beforeEach, vi } from 'vitest';
import { isBulwarkError } from '../src/findings/index.js';

export interface CliHarness {
  /** stdout of the last `run` (reset when a run starts). */
  readonly out: string;
  /** stderr of the last `run`. */
  readonly err: string;
  run(...argv: string[]): Promise<number>;
}

export function cliHarness(...registers: ReadonlyArray<(program: Command) => void>): CliHarness {
  const io = { out: '', err: '' };
  beforeEach(() => {
    io.out = '';
    io.err = '';
    process.exitCode = undefined;
    vi.spyOn(process.stdout, 'write').mockImplementation(((s: unknown, a?: unknown, b?: unknown) => {
      io.out += String(s);
      const cb = typeof a === 'function' ? a : typeof b === 'function' ? b : undefined;
      if (cb) (cb as () => void)();
      return true;
    }) as typeof process.stdout.write);
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((io.err += String(s)), true));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });
  const run = async (...argv: string[]): Promise<number> => {
    process.exitCode = undefined;
    io.out = '';
    io.err = '';
    const program = new Command().exitOverride().configureOutput({ outputError: () => {} });
    for (const r of registers) r(program);
    try {
      await program.parseAsync(argv, { from: 'user' });
    } catch (e) {
      if (isBulwarkError(e) && (e.code === 'USAGE' || e.code === 'IO' || e.code === 'CONFIG')) {
        io.err += `bulwark: ${e.message}\n`;
        return 2;
      }
      if ((e as { code?: string }).code?.startsWith('commander.')) return 2;
      throw e;
    }
    return Number(process.exitCode ?? 0);
  };
  return {
    get out() {
      return io.out;
    },
    get err() {
      return io.err;
    },
    run,
  };
}
