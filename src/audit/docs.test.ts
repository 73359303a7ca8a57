/**
 * The audit rules' docs pages are generated from the rules' metadata and cases, so they cannot drift:
 * this test compares docs/rules/audit/*.md with what the rules say, and rewrites them when run with
 * BULWARK_UPDATE_DOCS=1 (`BULWARK_UPDATE_DOCS=1 npx vitest run src/audit/docs.test.ts`).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { falcoPriority } from '../sinks/index.js';
import type { AuditCase } from './case-runner.js';
import { AUDIT_RULES, FALCO_SPECS, IDENTITY_CLASSES, POLICY_DATA_VERSION, falcoControls } from './index.js';
import type { AuditRule } from './index.js';
import { AUDIT_RULE_CASES } from './rule-cases.js';

const DIR = join(import.meta.dirname, '../../docs/rules/audit');
const UPDATE = process.env['BULWARK_UPDATE_DOCS'] === '1';

function example(c: AuditCase | undefined): string {
  if (c === undefined) return '';
  if (c.events !== undefined && c.events.length > 0) {
    const shown = c.events.slice(-1)[0];
    const json = JSON.stringify(shown, null, 2).split('\n');
    const body = json.length > 60 ? [...json.slice(0, 58), '  …'] : json;
    return `\n## Example\n\n${c.events.length > 1 ? `The last of ${c.events.length} events (${c.name}):` : `${c.name}:`}\n\n\`\`\`json\n${body.join('\n')}\n\`\`\`\n`;
  }
  const file = c.name.replace(/^Falco trace /, '').replace(/ \(with policy\)$/, '');
  return `\n## Example\n\nFalco's regression trace \`test-fixtures/audit/falco/${file}\`${c.policy === undefined ? '' : ` with the policy\n\n\`\`\`yaml\n${c.policy}\`\`\``}.\n`;
}

function page(rule: AuditRule): string {
  const cases = AUDIT_RULE_CASES.filter((c) => c.ruleId === rule.id);
  const fires = cases.flatMap((c) => c.invalid);
  const silent = cases.flatMap((c) => c.valid);
  const spec = FALCO_SPECS.find((s) => `audit/falco-${s.slug}` === rule.id);
  const byClass = rule.severityByClass === undefined ? '' : ` (by identity class: ${IDENTITY_CLASSES.filter((c) => rule.severityByClass?.[c] !== undefined).map((c) => `${c} ${rule.severityByClass?.[c] ?? ''}`).join(', ')})`;
  const controls = [...falcoControls(rule), ...(rule.controls ?? [])];
  const lines = [
    `# ${rule.id}: ${rule.title}`,
    '',
    '| | |',
    '|---|---|',
    `| Severity | ${rule.severity}${byClass} |`,
    `| Tags | ${rule.tags.join(', ')} |`,
    `| Maturity | ${rule.maturity} |`,
    `| Events | stages ${(rule.on.stages ?? ['ResponseComplete']).join(', ')}; resources ${rule.on.resources.map((r) => `\`${r}\``).join(', ')}${rule.on.verbs === undefined ? '' : `; verbs ${rule.on.verbs.join(', ')}`} |`,
    ...(rule.falco !== undefined ? [`| Falco rule | "${rule.falco.name}" (priority ${rule.falco.priority} → Falco output priority ${falcoPriority(rule.severity)})${rule.falco.legacy === undefined ? '' : `; legacy name${rule.falco.legacy.length > 1 ? 's' : ''} ${rule.falco.legacy.map((l) => `"${l}"`).join(', ')}`} |`] : []),
    ...(controls.length > 0 ? [`| Controls | ${controls.map((c) => `\`${c}\``).join(', ')} |`] : []),
    '',
    '## What it detects',
    '',
    rule.description,
    '',
    '## Fires on',
    '',
    ...fires.map((c) => `- ${c.name}`),
    '',
    '## Stays silent on',
    '',
    ...silent.map((c) => `- ${c.name}`),
    example(fires.find((c) => c.events !== undefined) ?? fires[0]),
    '## Remediation',
    '',
    rule.remediation,
    '',
    '## Tuning',
    '',
    `- Turn it ${rule.maturity === 'experimental' ? 'on' : 'off'} or change its severity in \`bulwark.yaml\` (\`rules: [{selector: ${rule.id}, enabled: ${rule.maturity === 'experimental' ? 'true' : 'false'}}]\`).`,
    `- Allow known identities for this rule only, in the audit policy file (\`--policy\`): \`allow: {${rule.id}: [{user: "system:serviceaccount:ops:*", namespace: ops}]}\` (keys: user, group, namespace, name, verb, resource, userAgent; \`*\` patterns).`,
    `- Grade it by who acted: \`severity: {${rule.id}: {human: high, serviceaccount: critical}}\` (classes: ${IDENTITY_CLASSES.join(', ')}).`,
    ...(spec !== undefined ? ['- The Falco lists it reads are policy data under `falco:` (docs/audit.md "Policy").'] : []),
    '',
    '## References',
    '',
    ...rule.references.map((r) => `- ${r.startsWith('http') ? `<${r}>` : r}`),
    '',
  ];
  return lines.join('\n');
}

function index(): string {
  const row = (r: AuditRule): string => `| [${r.id}](${r.id.slice('audit/'.length)}.md) | ${r.title} | ${r.severity} | ${r.maturity} | ${r.falco === undefined ? '' : `"${r.falco.name}"`} |`;
  const native = AUDIT_RULES.filter((r) => r.falco === undefined);
  const falco = AUDIT_RULES.filter((r) => r.falco !== undefined);
  return [
    '# Audit rules',
    '',
    'Rules of `bulwark audit analyze` and `bulwark audit serve` (docs/audit.md). Generated from the rules by `src/audit/docs.test.ts`.',
    '',
    '## Bulwark detections',
    '',
    '| Rule | Title | Severity | Maturity | Falco rule |',
    '|---|---|---|---|---|',
    ...native.map(row),
    '',
    "## Falco's stock k8saudit rules, one for one",
    '',
    `Each finding carries the control \`falco:<Falco rule name>\`. Lists are policy data with Falco's stock contents (policy data version ${POLICY_DATA_VERSION}).`,
    '',
    '| Rule | Title | Severity | Maturity | Falco rule |',
    '|---|---|---|---|---|',
    ...falco.map(row),
    '',
  ].join('\n');
}

describe('audit docs pages', () => {
  if (UPDATE) mkdirSync(DIR, { recursive: true });
  const pages: [string, string][] = [...AUDIT_RULES.map((r): [string, string] => [join(DIR, `${r.id.slice('audit/'.length)}.md`), page(r)]), [join(DIR, 'README.md'), index()]];
  for (const [file, text] of pages) {
    it(`${file.slice(DIR.length + 1)} is up to date`, () => {
      if (UPDATE) writeFileSync(file, text);
      expect(existsSync(file), `${file} missing: run with BULWARK_UPDATE_DOCS=1`).toBe(true);
      expect(readFileSync(file, 'utf8'), 'stale: run with BULWARK_UPDATE_DOCS=1').toBe(text);
    });
  }
});
