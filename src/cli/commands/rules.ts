import type { Command } from '@commander-js/extra-typings';
import { Option } from '@commander-js/extra-typings';
import { resolveRules } from '../../config/index.js';
import { allRegistry as registry } from '../../engine/index.js';
import { maxOf } from '../../findings/index.js';
import { loadCliConfig } from '../config.js';

/**
 * `bulwark rules`: every rule with its id, effective severity, maturity, whether it runs and why (the
 * default for its maturity, or the configuration setting that decided), and its title.
 */
export function registerRules(program: Command): void {
  program
    .command('rules')
    .description('List every rule: id, severity, maturity, whether it is enabled and why, title.')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json'] as const).default('text' as const))
    .option('-c, --config <file>', 'configuration file (default: bulwark.yaml in the current directory, when present)')
    .option('--no-config', 'ignore bulwark.yaml')
    .option('--enabled', 'list only the rules that run', false)
    .action((opts) => {
      const config = loadCliConfig(opts.config);
      const selection = resolveRules(config, registry.rules);
      const rows = registry.rules
        .map((r) => ({ rule: r, state: selection.state(r) }))
        .filter((x) => !opts.enabled || x.state.enabled);
      if (opts.format === 'json') {
        const out = rows.map(({ rule, state }) => ({
          ...rule.describe(),
          maturity: rule.maturity,
          enabled: state.enabled,
          effectiveSeverity: state.severity ?? rule.severity,
          reason: state.reason,
          ...(rule.admission !== undefined && { admission: rule.admission }),
          ...(rule.cel !== undefined && { cel: rule.cel }),
        }));
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        return;
      }
      const width = maxOf([4, ...rows.map((x) => x.rule.id.length)]);
      for (const { rule, state } of rows) {
        const sev = state.severity ?? rule.severity;
        const on = state.enabled ? 'on ' : 'off';
        process.stdout.write(`${rule.id.padEnd(width)}  ${sev.padEnd(8)}  ${rule.maturity.padEnd(12)}  ${on}  ${rule.title}  [${state.reason}]\n`);
      }
    });
}
