/**
 * Small helpers over parsed JSON that never recurse (admission objects are untrusted input: a deeply
 * nested value must not exhaust the stack).
 */
import type { Json, JsonObject } from '../k8s-manifests/index.js';

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asJsonObject(v: unknown): JsonObject | undefined {
  return isJsonObject(v) ? v : undefined;
}

export function asStr(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Own property (never the prototype's). */
export function own(o: JsonObject, key: string): Json | undefined {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

/** Whether `value` nests deeper than `maxDepth` (objects and arrays count one level each). Iterative. */
export function deeperThan(value: unknown, maxDepth: number): boolean {
  const values: unknown[] = [value];
  const depths: number[] = [0];
  while (values.length > 0) {
    const v = values.pop();
    const d = depths.pop() ?? 0;
    if (typeof v !== 'object' || v === null) continue;
    if (d + 1 > maxDepth) return true;
    if (Array.isArray(v)) {
      for (const x of v) {
        if (typeof x === 'object' && x !== null) {
          values.push(x);
          depths.push(d + 1);
        }
      }
    } else {
      for (const k in v) {
        if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
        const x = (v as Record<string, unknown>)[k];
        if (typeof x === 'object' && x !== null) {
          values.push(x);
          depths.push(d + 1);
        }
      }
    }
  }
  return false;
}

/** Structural equality of two JSON values (key order ignored). Iterative. */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  const stack: [Json | undefined, Json | undefined][] = [[a, b]];
  while (stack.length > 0) {
    const top = stack.pop();
    if (top === undefined) break;
    const [x, y] = top;
    if (x === y) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
    if (Array.isArray(x) !== Array.isArray(y)) return false;
    if (Array.isArray(x) && Array.isArray(y)) {
      if (x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) stack.push([x[i], y[i]]);
      continue;
    }
    const xo = x as JsonObject;
    const yo = y as JsonObject;
    const kx = Object.keys(xo);
    if (kx.length !== Object.keys(yo).length) return false;
    for (const k of kx) {
      if (!Object.prototype.hasOwnProperty.call(yo, k)) return false;
      stack.push([xo[k], yo[k]]);
    }
  }
  return true;
}
