import type { Command } from '@commander-js/extra-typings';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allRegistry as registry, packageRoot } from '../../engine/index.js';
import { BulwarkError } from '../../findings/index.js';
import { suggestRuleId } from '../../rules/index.js';
import { writeStdout } from '../io.js';

/**
 * `bulwark explain RULE`: what a rule detects, why it matters and how to fix it — its documentation
 * page (docs/rules/<id>.md, shipped in the package), or its metadata when the page is not installed.
 */
export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description('Explain a rule: what it detects, why it matters, how to fix it (its docs page).')
    .argument('<rule>', 'rule id, e.g. k8s/pss-privileged (see `bulwark rules`)')
    .action(async (id) => {
      const rule = registry.get(id);
      if (rule === undefined) {
        const hint = suggestRuleId(id, registry.rules);
        throw new BulwarkError('USAGE', `unknown rule id "${id}"${hint === undefined ? '' : ` (did you mean ${hint}?)`}; \`bulwark rules\` lists them`);
      }
      const page = join(packageRoot(), 'docs', 'rules', `${rule.id}.md`);
      if (existsSync(page)) {
        await writeStdout(readFileSync(page, 'utf8'));
        return;
      }
      const d = rule.describe();
      const text = [
        `# ${d.id}: ${d.title}`,
        '',
        `Severity: ${d.severity}    Maturity: ${rule.maturity}    Tags: ${d.tags.join(', ')}`,
        '',
        d.description,
        '',
        `Fix: ${d.remediation}`,
        ...(d.references.length > 0 ? ['', 'References:', ...d.references.map((r) => `- ${r}`)] : []),
        '',
      ].join('\n');
      await writeStdout(text);
    });
}
