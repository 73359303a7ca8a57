import type { RuleDescriptor } from '../findings/index.js';
import { BulwarkError } from '../findings/index.js';
import type { RuleMeta } from './define-rule.js';

export interface AnyRule extends RuleMeta {
  describe(): RuleDescriptor;
}

export interface RuleRegistry {
  readonly rules: readonly AnyRule[];
  get(id: string): AnyRule | undefined;
  has(id: string): boolean;
  /** Descriptors of the given rule ids, in registry order (unknown ids are an internal error). */
  descriptors(ids: Iterable<string>): RuleDescriptor[];
}

/** Build the registry from one explicit list; duplicate ids and missing metadata are rejected. */
export function createRegistry(rules: readonly AnyRule[]): RuleRegistry {
  const byId = new Map<string, AnyRule>();
  for (const r of rules) {
    if (byId.has(r.id)) throw new BulwarkError('INTERNAL', `duplicate rule id ${r.id}`);
    if (!r.title || !r.description || !r.remediation) {
      throw new BulwarkError('INTERNAL', `rule ${r.id} is missing metadata`);
    }
    byId.set(r.id, r);
  }
  return {
    rules,
    get: (id) => byId.get(id),
    has: (id) => byId.has(id),
    descriptors(ids) {
      const want = new Set(ids);
      for (const id of want) {
        if (!byId.has(id)) throw new BulwarkError('INTERNAL', `finding of unregistered rule ${id}`);
      }
      return rules.filter((r) => want.has(r.id)).map((r) => r.describe());
    },
  };
}
