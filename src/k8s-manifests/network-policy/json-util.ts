/**
 * Total (never-throwing) accessors over untrusted JSON values, shared by the RBAC and NetworkPolicy
 * analysers. Kubernetes decodes typed fields strictly: a value of the wrong type makes the whole
 * object invalid, so accessors return `undefined` (or skip the element) rather than coercing.
 */
import type { Json, JsonObject } from '../model.js';

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `obj[k1][k2]…` when every step is a mapping; else undefined. */
export function getPath(v: unknown, ...keys: readonly string[]): Json | undefined {
  let cur: unknown = v;
  for (const k of keys) {
    if (!isObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur as Json | undefined;
}

export function asObject(v: unknown): JsonObject | undefined {
  return isObject(v) ? v : undefined;
}

export function asArray(v: unknown): readonly Json[] {
  return Array.isArray(v) ? (v as Json[]) : [];
}

export function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** String elements of a list (non-strings are skipped: the API server would reject them). */
export function asStringList(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  const out: string[] = [];
  for (const x of v) if (typeof x === 'string') out.push(x);
  return out;
}

/** A string for messages: control characters removed, bounded length. */
export function clip(s: string, max = 120): string {
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** `a, b, c and 4 more` */
export function listSome(items: readonly string[], max = 5): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
