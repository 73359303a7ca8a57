/**
 * Evaluate the exported ValidatingAdmissionPolicy CEL with a maintained CEL library (@bufbuild/cel),
 * as the API server would: the object as JSON without nulls (the API server's typed decoding drops
 * them), integers as CEL ints, the policy's variables bound under `variables`.
 */
import type { CelValue } from '@bufbuild/cel';
import { celEnv, isCelError, parse, plan } from '@bufbuild/cel';
import type { CelCheck } from '../../src/admission/vap.js';
import { CEL_VARIABLES } from '../../src/admission/vap.js';

type Input = bigint | number | string | boolean | null | Input[] | Map<string, Input>;

/** JSON → CEL input: objects become maps, integers ints, nulls are dropped from objects. */
export function toCel(v: unknown): Input {
  if (Array.isArray(v)) return v.map(toCel);
  if (v !== null && typeof v === 'object') {
    const m = new Map<string, Input>();
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== null && x !== undefined) m.set(k, toCel(x));
    return m;
  }
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  return null;
}

type Program = (bindings: Record<string, unknown>) => CelValue;
const programs = new Map<string, Program>();

function compile(expr: string): Program {
  let p = programs.get(expr);
  if (p === undefined) {
    const run = plan(celEnv(), parse(expr));
    p = (b) => {
      try {
        return run(b as never) as CelValue;
      } catch (e) {
        return new Error(e instanceof Error ? e.message : String(e)) as unknown as CelValue;
      }
    };
    programs.set(expr, p);
  }
  return p;
}

export type CelVerdict = 'pass' | 'fail' | 'error';

function bindVariables(obj: Input): Map<string, unknown> | undefined {
  const variables = new Map<string, unknown>();
  for (const v of CEL_VARIABLES) {
    const r = compile(v.expression)({ object: obj, variables });
    if (isCelError(r) || r instanceof Error) return undefined;
    variables.set(v.name, r);
  }
  return variables;
}

/** Evaluate the checks on one object: rule id → verdict (an evaluation error is `error`, never a pass). */
export function evaluateChecks(object: unknown, checks: readonly CelCheck[]): Map<string, CelVerdict> {
  const obj = toCel(object);
  const variables = bindVariables(obj);
  const out = new Map<string, CelVerdict>();
  for (const c of checks) {
    if (variables === undefined) {
      out.set(c.ruleId, 'error');
      continue;
    }
    const r = compile(c.expression)({ object: obj, variables });
    out.set(c.ruleId, isCelError(r) || r instanceof Error ? 'error' : r === true ? 'pass' : r === false ? 'fail' : 'error');
  }
  return out;
}

/** The message of an evaluation error of one expression (for debugging disagreements). */
export function celError(object: unknown, expression: string): string | undefined {
  const obj = toCel(object);
  const variables = bindVariables(obj);
  if (variables === undefined) return 'variables failed';
  const r = compile(expression)({ object: obj, variables });
  return isCelError(r) || r instanceof Error ? (r as Error).message : undefined;
}
