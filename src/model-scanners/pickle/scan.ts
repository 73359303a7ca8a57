/**
 * `scanPickle`: analyse the pickle stream(s) of a source and report through the context.
 *
 * - One stream, or (default) every stream back to back until the end of the source: a loader that
 *   calls load() repeatedly runs them all. Bytes after the last STOP that are not a pickle are
 *   reported (pickle/trailing-data).
 * - Where pickle.py's frame handling makes the next stream start elsewhere than after STOP (a STOP
 *   inside a FRAME), that other reading is analysed too.
 * - A stream that breaks is reported as malformed (the target becomes partial); if it had already
 *   called something not allowlisted, that is reported as well (the payload runs before the error).
 * - Limits (opcodes, stack, memo, nesting, alternative readings) stop the analysis with
 *   scan/limit-exceeded.
 * Never throws: unexpected errors become scan/internal-error via ctx.failed.
 */
import type { ByteSource } from '../../limits/index.js';
import { SliceSource } from '../../limits/index.js';
import { coreRules } from '../../rules/index.js';
import type { ModelScanContext } from '../context.js';
import { Grader } from './grade.js';
import type { MachineOptions } from './machine.js';
import { StreamMachine } from './machine.js';
import type { StreamOutcome } from './observer.js';
import { looksLikePickle } from './sniff.js';
import type { PersistentRef, PickleAnalysis, PickleScanOptions } from './types.js';

export function scanPickle(source: ByteSource, ctx: ModelScanContext, options: PickleScanOptions = {}): PickleAnalysis {
  const start = Math.max(0, Math.min(Number.isFinite(options.offset) ? (options.offset as number) : 0, source.size));
  let grader: Grader | undefined;
  let endOffset = start;
  let stops = 0;
  let complete = true;
  let opsBudget: { left: number; readonly max: number } | undefined;
  try {
    const g = new Grader(
      source,
      ctx,
      (src, c) => {
        scanPickle(src, c);
      },
      { torchscript: options.torchscript === true, ...(options.shippedModules !== undefined && { shipped: options.shippedModules }) },
    );
    grader = g;
    const limits = ctx.limits;
    opsBudget = { left: limits.maxPickleOps, max: limits.maxPickleOps };
    const mopts: MachineOptions = {
      opsBudget,
      maxStack: limits.maxPickleStack,
      maxMemo: limits.maxPickleMemo,
      maxStringBytes: limits.maxStringBytes,
      joblibDepth: 0,
      maxNestingDepth: limits.maxNestingDepth,
    };

    const runOne = (at: number): StreamOutcome => {
      g.openScope();
      const m = new StreamMachine(source, g, mopts);
      let out: StreamOutcome;
      let payload: string | undefined;
      try {
        out = m.run(at);
      } finally {
        payload = g.closeScope();
      }
      if (out.failure !== undefined) {
        complete = false;
        const f = out.failure;
        if (f.kind === 'limit') {
          ctx.incomplete(coreRules.limitExceeded, `pickle stream at offset ${at}: ${f.message}; the rest of the stream was not analysed`, f.offset, f.limit);
        } else {
          ctx.incomplete(coreRules.malformedInput, `pickle stream at offset ${at}: ${f.message}; the rest of the stream was not analysed`, f.offset);
          if (payload !== undefined) g.payloadBeforeError(payload, f.offset, f.message);
        }
      }
      if (out.stopped) stops++;
      return out;
    };

    /** Analyse streams back to back from `at`; returns the last outcome. */
    const chain = (at: number, alts: number[]): StreamOutcome => {
      let out = runOne(at);
      if (out.altNext !== undefined) alts.push(out.altNext);
      if (options.single === true) return out;
      while (out.stopped && out.end < source.size) {
        const rest = new SliceSource(source, out.end, source.size - out.end);
        if (!looksLikePickle(rest)) {
          g.trailing(
            out.end,
            `${source.size - out.end} bytes follow the STOP at offset ${out.end - 1} and are not a pickle: pickle.load ignores them, a polyglot or a second stage may hide there`,
          );
          break;
        }
        out = runOne(out.end);
        if (out.altNext !== undefined) alts.push(out.altNext);
      }
      return out;
    };

    const alts: number[] = [];
    const last = chain(start, alts);
    endOffset = last.end;
    // pickle.py's reading of streams that STOP inside a frame: the next load() starts at the frame end.
    const seen = new Set<number>();
    let followed = 0;
    while (alts.length > 0 && options.single !== true) {
      const a = alts.shift() as number;
      if (seen.has(a) || a >= source.size) continue;
      seen.add(a);
      if (++followed > limits.maxPickleReadings) {
        complete = false;
        ctx.incomplete(
          coreRules.limitExceeded,
          `more than maxPickleReadings (${limits.maxPickleReadings}) alternative readings of the pickle streams (pickle.py starts the next load() elsewhere than the C unpickler); the reading from offset ${a} and any further ones were not analysed`,
          a,
          'maxPickleReadings',
        );
        break;
      }
      if (!looksLikePickle(new SliceSource(source, a, source.size - a))) {
        g.trailing(a, `pickle.py starts the next load() at offset ${a} (the end of the frame that held STOP), where the bytes are not a pickle`);
        continue;
      }
      chain(a, alts);
    }
  } catch (e) {
    complete = false;
    ctx.failed(e, 'pickle analysis', endOffset);
  }
  ctx.pickleEnd = Math.max(ctx.pickleEnd ?? 0, endOffset);
  const persistentIds: readonly PersistentRef[] = grader?.persistentIds ?? [];
  const opcodes = opsBudget === undefined ? 0 : Math.min(opsBudget.max, opsBudget.max - opsBudget.left);
  return { endOffset, stops, complete, persistentIds, opcodes };
}
