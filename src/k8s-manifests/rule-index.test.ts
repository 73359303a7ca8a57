/**
 * `rules/index.ts` is generated from the files of `rules/` (scripts/gen-k8s-rule-index.mjs); this test
 * fails when the committed index is stale, or when a rule file breaks the naming convention the
 * generator relies on.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { K8S_RULES } from './rule-list.js';
import { CHECK_RULES } from './rules/index.js';

interface Generator {
  readonly RULES_DIR: string;
  ruleFiles(dir?: string): string[];
  renderIndex(bases: readonly string[]): string;
  exportName(base: string): string;
}

const root = join(import.meta.dirname, '../..');
const gen = (await import(pathToFileURL(join(root, 'scripts/gen-k8s-rule-index.mjs')).href)) as Generator;

describe('generated rule index', () => {
  it('is what `node scripts/gen-k8s-rule-index.mjs` writes from the files of rules/', () => {
    const committed = readFileSync(join(import.meta.dirname, 'rules/index.ts'), 'utf8');
    expect(committed, 'src/k8s-manifests/rules/index.ts is stale: run node scripts/gen-k8s-rule-index.mjs').toBe(gen.renderIndex(gen.ruleFiles()));
  });

  it('reads the folder of this domain', () => {
    expect(gen.RULES_DIR).toBe(join(import.meta.dirname, 'rules'));
  });

  it('every rule file defines k8s/<file name>, with a docs page', () => {
    // The index imports each file's camelCase export in file order, so CHECK_RULES[i] is that export.
    const bases = gen.ruleFiles();
    expect(CHECK_RULES.map((r) => r.id)).toEqual(bases.map((b) => `k8s/${b}`));
    for (const rule of CHECK_RULES) expect(rule.scope === 'template' || rule.scope === 'object', rule.id).toBe(true);
    for (const base of bases) expect(existsSync(join(root, 'docs/rules/k8s', `${base}.md`)), `docs/rules/k8s/${base}.md`).toBe(true);
  });

  it('names exports after files', () => {
    expect(gen.exportName('runtime-socket-mount')).toBe('runtimeSocketMount');
    expect(gen.exportName('automount-sa-token')).toBe('automountSaToken');
    expect(gen.renderIndex(['a-b'])).toContain("import { aB } from './a-b.js';");
  });
});

describe('docs/rules/k8s', () => {
  it('every rule page states the rule\'s admission level (and CEL) as the metadata says', () => {
    for (const r of K8S_RULES) {
      const page = readFileSync(join(root, 'docs/rules', `${r.id}.md`), 'utf8');
      const row = /^\| At admission \| ([^|]*)\|$/m.exec(page)?.[1]?.trim() ?? '';
      const want = r.admission === undefined ? /^no: / : new RegExp(`^${r.admission.level}${r.cel === undefined ? '' : ' \\(with CEL\\)'} \\(\\[README`);
      expect(row, r.id).toMatch(want);
    }
  });
});
