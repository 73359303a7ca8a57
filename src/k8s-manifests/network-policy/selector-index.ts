/**
 * An index of items by label selector, so that finding the items whose selector matches a label set
 * costs about O(labels + candidates) instead of O(items). Used to find the NetworkPolicies that select
 * a pod without testing every policy of the namespace against every pod.
 *
 * Each selector is filed under one requirement every matching label set must satisfy (a `key=value`
 * pair of an `In`/matchLabels requirement, else an `Exists` key); selectors with neither (`{}`, only
 * NotIn/DoesNotExist) go to a short "scan" list that is always tested. Candidates are then tested
 * with the full selector, so the index never changes the answer, only the cost.
 */
import type { CompiledSelector, Labels } from './label-selector.js';
import { indexKeysOf, selectorMatches } from './label-selector.js';

export class SelectorIndex<T> {
  private readonly byPair = new Map<string, T[]>();
  private readonly byKey = new Map<string, T[]>();
  private readonly scan: T[] = [];
  private readonly selectorOf = new Map<T, CompiledSelector>();
  private readonly order = new Map<T, number>();

  add(item: T, sel: CompiledSelector): void {
    const k = indexKeysOf(sel);
    if (k === 'none') return; // selects nothing
    this.selectorOf.set(item, sel);
    this.order.set(item, this.order.size);
    if (k === 'scan') this.scan.push(item);
    else if ('key' in k) push(this.byKey, k.key, item);
    else for (const [key, value] of k.pairs) push(this.byPair, pairKey(key, value), item);
  }

  /** Items whose selector matches `labels`, deduplicated, in insertion order. */
  match(labels: Labels): T[] {
    const out: T[] = [];
    const seen = new Set<T>();
    const consider = (items: readonly T[] | undefined): void => {
      if (!items) return;
      for (const it of items) {
        if (seen.has(it)) continue;
        seen.add(it);
        const sel = this.selectorOf.get(it);
        if (sel && selectorMatches(sel, labels)) out.push(it);
      }
    };
    consider(this.scan);
    for (const [k, v] of labels) {
      consider(this.byPair.get(pairKey(k, v)));
      consider(this.byKey.get(k));
    }
    return out.sort((a, b) => (this.order.get(a) ?? 0) - (this.order.get(b) ?? 0));
  }
}

function pairKey(k: string, v: string): string {
  return `${k}\u0000${v}`;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}
