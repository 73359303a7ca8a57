import type { Command } from '@commander-js/extra-typings';
import { Option } from '@commander-js/extra-typings';
import { ALL_RULES } from '../../engine/index.js';

export function registerRules(program: Command): void {
  program
    .command('rules')
    .description('List every rule with its id, default severity, maturity and title.')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json'] as const).default('text' as const))
    .action((opts) => {
      if (opts.format === 'json') {
        const rules = ALL_RULES.map((r) => ({ ...r.describe(), maturity: r.maturity }));
        process.stdout.write(`${JSON.stringify(rules, null, 2)}\n`);
        return;
      }
      const width = Math.max(...ALL_RULES.map((r) => r.id.length));
      for (const r of ALL_RULES) {
        process.stdout.write(`${r.id.padEnd(width)}  ${r.severity.padEnd(8)}  ${r.maturity.padEnd(12)}  ${r.title}\n`);
      }
    });
}
