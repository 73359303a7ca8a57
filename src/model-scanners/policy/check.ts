import { errorMessage } from '../../findings/index.js';
import type { Reporter } from '../../rules/index.js';
import { coreRules } from '../../rules/index.js';
import { runChecks } from '../checks.js';
import { POLICY_RULES } from './rules.js';

/**
 * Judge one scanned target under the user's policy (the engine calls this with the detected format
 * of each target): under `production`, pickle-based weights are a finding even when clean.
 * Findings leave through `reporter`; a failing check becomes an internal-error finding on the target.
 */
export function checkProductionPolicy(policy: 'default' | 'production', target: { readonly path: string; readonly format: string }, reporter: Reporter): void {
  runChecks(POLICY_RULES, { policy, path: target.path, format: target.format }, reporter, (rule, e) => {
    reporter.report(coreRules.internalError, { location: { kind: 'file', path: target.path }, message: `rule ${rule.id}: internal error: ${errorMessage(e)}` });
  });
}
