/**
 * The generic dispatcher of rule checks: a parser turns bytes into a typed structure (plus the
 * problems it met), and each rule's `check(subject, report)` judges that structure. Rules the user
 * turned off are not run at all (the Reporter says which), and a check that throws is isolated: the
 * other rules still run, and the caller turns the error into a fail-closed finding.
 */
import type { Reporter, Rule, RuleMeta } from '../rules/index.js';

/** What the dispatcher needs of a Reporter (a scan context adapts its own). */
export type CheckReporter = Pick<Reporter, 'enabled' | 'bind'>;

export function runChecks<S>(rules: readonly Rule<S>[], subject: S, reporter: CheckReporter, onError: (rule: RuleMeta, e: unknown) => void): void {
  for (const rule of rules) {
    const check = rule.check;
    if (check === undefined || !reporter.enabled(rule)) continue;
    try {
      check(subject, reporter.bind(rule));
    } catch (e) {
      onError(rule, e);
    }
  }
}
