/**
 * Array helpers for data whose size comes from the input. `target.push(...items)` and
 * `Math.max(...values)` pass every element as a call argument, so a large enough input (a bundle with
 * a million `ignore_paths`, a YAML file with 125,000 keys) overflows the call stack and takes the whole
 * run down. These loop instead; lint forbids the spread forms in src/ (eslint.config.js).
 */

/** Append `items` to `target` (in place) and return it. */
export function pushAll<T>(target: T[], items: Iterable<T>): T[] {
  for (const x of items) target.push(x);
  return target;
}

/** The largest of `values`, or `empty` when there is none. */
export function maxOf(values: Iterable<number>, empty = 0): number {
  let m: number | undefined;
  for (const v of values) if (m === undefined || v > m) m = v;
  return m ?? empty;
}

/** The smallest of `values`, or `empty` when there is none. */
export function minOf(values: Iterable<number>, empty = 0): number {
  let m: number | undefined;
  for (const v of values) if (m === undefined || v < m) m = v;
  return m ?? empty;
}
