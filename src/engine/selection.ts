import type { RuleSelection } from '../rules/index.js';
import { Reporter, createSelection } from '../rules/index.js';
import { allRegistry } from './all-rules.js';
import type { ScanOptions } from './options.js';

const cache = new WeakMap<readonly unknown[], RuleSelection>();

/** The rule selection of a scan (built once per settings list; the CLI validated it already). */
export function selectionOf(options: ScanOptions): RuleSelection {
  let s = cache.get(options.rules);
  if (s === undefined) {
    s = createSelection(allRegistry.rules, options.rules);
    cache.set(options.rules, s);
  }
  return s;
}

/** The Reporter of one file's analysis: per-target and per-rule caps, the user's selection. */
export function fileReporter(options: ScanOptions): Reporter {
  return new Reporter({ maxPerTarget: options.limits.maxFindingsPerTarget, maxPerRule: options.limits.maxFindingsPerRule, selection: selectionOf(options) });
}

/** The Reporter of the cross-file phases: per-target cap (seeded with the per-file counts), the user's selection. */
export function phaseReporter(options: ScanOptions): Reporter {
  return new Reporter({ maxPerTarget: options.limits.maxFindingsPerTarget, selection: selectionOf(options) });
}
