/**
 * The smallest set of fixes that breaks every route of a path: a minimum hitting set over the routes'
 * cuttable steps (steps with a fix). Exact (subsets by increasing size) when the routes have at most
 * EXACT_CUT_MAX_EDGES distinct cuttable steps; above that, greedy (the step on most unbroken routes
 * first), which is within a factor H(r) ≤ 1 + ln r of the minimum for r routes (Chvátal 1979).
 */

/** Distinct cuttable steps up to which the cut is searched exactly (2^16 subsets at most). */
export const EXACT_CUT_MAX_EDGES = 16;

/** Other minimum cuts listed besides the chosen one (exact search only). */
export const MAX_CUT_ALTERNATIVES = 5;

export interface CutResult {
  /**
   * Chosen step ids. Among cuts of the same size the one nearest the target wins (steps are tried
   * from the last stage back): fixing the grant or the token protects against every model, not just
   * this one.
   */
  readonly edges: readonly string[];
  /** Every minimum cut (the chosen one first), at most MAX_CUT_ALTERNATIVES + 1; only the chosen one when greedy. */
  readonly alternatives: readonly (readonly string[])[];
  readonly exact: boolean;
  /** Routes no fix can break (every step is a fact, not a mistake). */
  readonly unbreakable: number;
}

/** `routes`: for each route, the ids of its cuttable steps. */
export function minimalCut(routes: readonly (readonly string[])[]): CutResult {
  const order: string[] = [];
  const seen = new Set<string>();
  for (const r of routes) {
    for (const e of [...r].reverse()) {
      if (seen.has(e)) continue;
      seen.add(e);
      order.push(e);
    }
  }
  const candidates = order;
  const index = new Map<string, number>(candidates.map((e, i) => [e, i]));
  const breakable = routes.filter((r) => r.length > 0);
  const unbreakable = routes.length - breakable.length;
  if (breakable.length === 0) return { edges: [], alternatives: [], exact: true, unbreakable };
  if (candidates.length <= EXACT_CUT_MAX_EDGES) {
    const masks = breakable.map((r) => r.reduce((m, e) => m | (1 << (index.get(e) as number)), 0));
    const n = candidates.length;
    const toEdges = (set: number): string[] => candidates.filter((_, i) => (set & (1 << i)) !== 0);
    for (let k = 1; k <= n; k++) {
      const hits: number[] = [];
      firstSubset(n, k, (set) => {
        if (masks.every((m) => (m & set) !== 0)) hits.push(set);
        return hits.length > MAX_CUT_ALTERNATIVES;
      });
      const first = hits[0];
      if (first !== undefined) return { edges: toEdges(first), alternatives: hits.map(toEdges), exact: true, unbreakable };
    }
  }
  // Greedy: the step on the most routes still unbroken; ties by first appearance.
  const open = new Set(breakable.map((_, i) => i));
  const chosen: string[] = [];
  while (open.size > 0) {
    let best = '';
    let bestCount = 0;
    for (const c of candidates) {
      let count = 0;
      for (const i of open) if ((breakable[i] as readonly string[]).includes(c)) count++;
      if (count > bestCount) {
        best = c;
        bestCount = count;
      }
    }
    chosen.push(best);
    for (const i of [...open]) if ((breakable[i] as readonly string[]).includes(best)) open.delete(i);
  }
  const edges = candidates.filter((c) => chosen.includes(c));
  return { edges, alternatives: [edges], exact: false, unbreakable };
}

/** The first k-subset of {0..n-1} (as a bit mask, in lexicographic order) that `ok` accepts. */
function firstSubset(n: number, k: number, ok: (mask: number) => boolean): number | undefined {
  const idx = Array.from({ length: k }, (_, i) => i);
  for (;;) {
    let mask = 0;
    for (const i of idx) mask |= 1 << i;
    if (ok(mask)) return mask;
    let i = k - 1;
    while (i >= 0 && (idx[i] as number) === n - k + i) i--;
    if (i < 0) return undefined;
    idx[i] = (idx[i] as number) + 1;
    for (let j = i + 1; j < k; j++) idx[j] = (idx[j - 1] as number) + 1;
  }
}
