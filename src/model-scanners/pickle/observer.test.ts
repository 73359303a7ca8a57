/**
 * The machine depends only on the MachineObserver interface: it can run a stream for another
 * observer than the scanner's Grader (a converter wants the tensor-rebuild calls and persistent ids).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { torchStateDict } from '../../../test-fixtures/pickle-builder.js';
import { BufferSource, DEFAULT_LIMITS } from '../../limits/index.js';
import { StreamMachine } from './machine.js';
import type { MachineObserver, StreamOutcome } from './observer.js';
import type { PyTuple, Value } from './values.js';
import { Call, Global, Pers, Unknown } from './values.js';

/** A converter-like observer: records every call by qualified name and every persistent id. */
class Recorder implements MachineObserver {
  readonly tuples = new Map<number | string, PyTuple>();
  readonly calls: string[] = [];
  readonly pids: Pers[] = [];
  private readonly globals = new Map<string, Global>();
  intern(module: string, name: string, written?: string, dynamic = false): Global {
    const key = `${module}\n${name}`;
    let g = this.globals.get(key);
    if (g === undefined) this.globals.set(key, (g = new Global(module, name, written, dynamic)));
    return g;
  }
  referenceOp(): void {}
  stackGlobal(module: Value, name: Value): Value {
    return typeof module === 'string' && typeof name === 'string' ? this.intern(module, name) : new Unknown('computed global');
  }
  extension(code: number): Value {
    return new Unknown(`extension ${code}`);
  }
  persistent(pid: Value, at: number): Value {
    const p = new Pers(pid, at);
    this.pids.push(p);
    return p;
  }
  frameMismatch(): void {}
  invoke(op: Call['op'], callee: Value, args: readonly Value[], kwargs: Call['kwargs'], _bad: Value | undefined, at: number): Value {
    if (callee instanceof Global) this.calls.push(callee.qualified);
    return new Call(op, callee, args, kwargs, at);
  }
  mutation(): void {}
  joblibArray(): undefined {
    return undefined;
  }
  shadow(): void {}
  embedded(machine: { run(start: number): StreamOutcome }, at: number): StreamOutcome {
    return machine.run(at);
  }
}

describe('MachineObserver', () => {
  test('machine.ts depends on the observer interface, not on the grader', () => {
    const src = readFileSync(new URL('./machine.ts', import.meta.url), 'utf8');
    expect(src).not.toMatch(/from '\.\/grade\.js'/);
    expect(src).toMatch(/from '\.\/observer\.js'/);
  });

  test('another observer sees the tensor-rebuild calls and the persistent ids of a checkpoint', () => {
    const bytes = torchStateDict(3);
    const rec = new Recorder();
    const m = new StreamMachine(new BufferSource(bytes), rec, {
      opsBudget: { left: DEFAULT_LIMITS.maxPickleOps, max: DEFAULT_LIMITS.maxPickleOps },
      maxStack: DEFAULT_LIMITS.maxPickleStack,
      maxMemo: DEFAULT_LIMITS.maxPickleMemo,
      maxStringBytes: DEFAULT_LIMITS.maxStringBytes,
      joblibDepth: 0,
      maxNestingDepth: DEFAULT_LIMITS.maxNestingDepth,
    });
    const out = m.run(0);
    expect(out.stopped).toBe(true);
    expect(rec.calls.filter((c) => c === 'torch._utils._rebuild_tensor_v2')).toHaveLength(3);
    expect(rec.pids).toHaveLength(3);
    expect(rec.pids.map((p) => p.storageKey)).toEqual(['0', '1', '2']);
  });
});
