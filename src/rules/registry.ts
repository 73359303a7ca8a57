import type { RuleDescriptor } from '../findings/index.js';
import { BulwarkError } from '../findings/index.js';
import type { RuleMeta } from './define-rule.js';

export interface AnyRule extends RuleMeta {
  describe(): RuleDescriptor;
}

/**
 * The rules of one domain, exported from its `index.ts` as its one `RuleSet`. `prefixes` are the id
 * prefixes the domain owns (`k8s`; `pickle`, `zip`, …): a rule outside them is a registration bug.
 */
export interface RuleSet {
  readonly name: string;
  readonly prefixes: readonly string[];
  readonly rules: readonly AnyRule[];
}

export function defineRuleSet(name: string, prefixes: readonly string[], rules: readonly AnyRule[]): RuleSet {
  for (const r of rules) {
    const prefix = r.id.slice(0, r.id.indexOf('/'));
    if (!prefixes.includes(prefix)) throw new BulwarkError('INTERNAL', `rule set ${name}: rule ${r.id} is outside its prefixes (${prefixes.join(', ')})`);
  }
  return { name, prefixes, rules };
}

export interface RuleRegistry {
  readonly sets: readonly RuleSet[];
  readonly rules: readonly AnyRule[];
  get(id: string): AnyRule | undefined;
  has(id: string): boolean;
  /** Descriptors of the given rule ids, in registry order (unknown ids are an internal error). */
  descriptors(ids: Iterable<string>): RuleDescriptor[];
}

/**
 * Build a registry from rule sets (each domain's one RuleSet). Duplicate ids, a prefix claimed by two
 * sets and missing metadata are rejected. A server builds the registry of the domains it serves only.
 */
export function createRegistry(sets: readonly RuleSet[]): RuleRegistry {
  const byId = new Map<string, AnyRule>();
  const owner = new Map<string, string>();
  for (const set of sets) {
    for (const p of set.prefixes) {
      const o = owner.get(p);
      if (o !== undefined && o !== set.name) throw new BulwarkError('INTERNAL', `rule prefix ${p} is claimed by ${o} and ${set.name}`);
      owner.set(p, set.name);
    }
    for (const r of set.rules) {
      if (byId.has(r.id)) throw new BulwarkError('INTERNAL', `duplicate rule id ${r.id}`);
      if (!r.title || !r.description || !r.remediation) {
        throw new BulwarkError('INTERNAL', `rule ${r.id} is missing metadata`);
      }
      byId.set(r.id, r);
    }
  }
  const rules = sets.flatMap((s) => s.rules);
  return {
    sets,
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
