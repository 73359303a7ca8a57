/**
 * Falco's k8s-audit regression expectations hold for the `falco:` controls (falco-cases.ts): each
 * case's trace analysed with the rules Falco's stock file enables (plus what its override files
 * change), duplicate rate limiting off (Falco has none), every `detect_counts` count exact by Falco
 * rule name, the output priority equal to `detect_level`, and no Falco-controlled alert where Falco
 * expects none.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { falcoPriority } from '../sinks/index.js';
import type { RuleSelection } from '../rules/index.js';
import { runAuditCase } from './case-runner.js';
import { FALCO_REGRESSION } from './falco-cases.js';
import type { FalcoRegressionCase } from './falco-cases.js';
import { FALCO_SPECS, NOT_AN_EVENT } from './index.js';

const DIR = join(import.meta.dirname, '../../test-fixtures/audit/falco');

/** Falco's override files as Bulwark policy data. */
const POLICY: Readonly<Record<string, string>> = {
  allow_namespace_foo: 'falco:\n  allowedNamespaces: [foo]\n',
  'allow_user_some-user': 'falco:\n  allowedUsers: [some-user]\n',
  trust_nginx_container: 'falco:\n  privilegedImages: [nginx]\n  sensitiveMountImages: [nginx]\n  hostNetworkImages: [nginx]\n',
  allow_nginx_container: 'falco:\n  allowedPodImages: [nginx]\n',
  allow_only_apache_container: 'falco:\n  allowedPodImages: [apache]\n',
  disallow_kactivity: '',
};

function policyOf(c: FalcoRegressionCase): string {
  // Merge the override snippets into one `falco:` mapping, rate limiting off.
  const lists = new Map<string, string[]>();
  for (const o of c.overrides ?? []) {
    for (const m of (POLICY[o] ?? '').matchAll(/^ {2}(\w+): \[(.*)\]$/gm)) {
      const key = m[1] ?? '';
      lists.set(key, [...(lists.get(key) ?? []), ...(m[2] ?? '').split(',').map((x) => x.trim())]);
    }
  }
  const falco = [...lists].map(([k, v]) => `  ${k}: [${v.join(', ')}]`).join('\n');
  return `thresholds: {dedupWindowSeconds: 0}\n${falco === '' ? '' : `falco:\n${falco}\n`}`;
}

function selectionOf(c: FalcoRegressionCase): RuleSelection {
  const overrides = new Set(c.overrides ?? []);
  const enabled = new Set(
    FALCO_SPECS.filter((s) => {
      if (s.kactivity === true && overrides.has('disallow_kactivity')) return false;
      if (s.falcoDisabled === true) return s.slug === 'create-disallowed-pod' && (overrides.has('allow_nginx_container') || overrides.has('allow_only_apache_container'));
      return true;
    }).map((s) => `audit/falco-${s.slug}`),
  );
  return { state: (r) => ({ enabled: enabled.has(r.id) || r.tags.includes('fail-closed'), reason: 'falco regression' }) };
}

describe("Falco's k8s-audit regression matrix", () => {
  for (const c of FALCO_REGRESSION) {
    it(`${c.name}${c.testing === undefined ? '' : ` (${c.testing})`}`, async () => {
      const findings = await runAuditCase({ name: c.name, text: readFileSync(join(DIR, c.trace), 'utf8'), policy: policyOf(c) }, '', { selection: selectionOf(c), path: c.trace });
      const falco = findings.filter((f) => f.ruleId.startsWith('audit/falco-'));
      const byName = (n: string): number => falco.filter((f) => (f.controls ?? []).includes(`falco:${n}`)).length;
      if (!c.detect) {
        expect(falco.map((f) => f.message)).toEqual([]);
        if (c.zero === true) expect(findings.filter((f) => !f.ruleId.startsWith('scan/'))).toEqual([]);
        if (c.name === 'fal_01_003') expect(findings.some((f) => f.ruleId === 'scan/malformed-input' && f.message.includes(NOT_AN_EVENT))).toBe(true);
        return;
      }
      for (const [name, n] of Object.entries(c.counts ?? {})) {
        expect(byName(name), `${name} in ${falco.map((f) => f.controls?.join('|')).join('; ')}`).toBe(n);
        const level = c.level;
        if (level !== undefined) {
          const priority = { WARNING: 'Warning', NOTICE: 'Notice', INFO: 'Informational', ERROR: 'Error' }[level];
          for (const f of falco.filter((x) => (x.controls ?? []).includes(`falco:${name}`))) expect(falcoPriority(f.severity)).toBe(priority);
        }
      }
    });
  }
});
