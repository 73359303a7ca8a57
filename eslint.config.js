// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const DOMAINS = ['findings', 'rules', 'limits', 'reporters', 'config', 'model-scanners', 'k8s-manifests', 'model-signing', 'engine', 'cli'];

/** No deep imports into another domain: only its index.ts is public. */
const deepImport = {
  regex: `^(\\.\\./)+(${DOMAINS.join('|')})/(?!(index|rule-cases)\\.js$).+`,
  message: 'Import another domain only through its index.ts (or, in tests, its rule-cases.ts) (DESIGN.md §2).',
};

/** Findings are made by the one Reporter (src/rules/reporter.ts), never built elsewhere. */
const noFindingConstructor = {
  regex: '(^|/)findings/index\\.js$',
  importNames: ['makeFinding'],
  message: 'Report findings through a Reporter (reporter.report(rule, args)); only src/rules builds them (issue 8: one reporter).',
};

/** Never execute or load scanned content. */
const noExecution = [
  { name: 'node:vm', message: 'Bulwark never executes scanned content.' },
  { name: 'vm', message: 'Bulwark never executes scanned content.' },
  { name: 'node:child_process', message: 'Bulwark never runs other programs from src/ (benchmarks and tests may).' },
  { name: 'child_process', message: 'Bulwark never runs other programs from src/.' },
];

/**
 * One-way layering (DESIGN.md §2): cli → engine → domains → rules/limits → findings;
 * reporters see only findings.
 */
function layer(files, forbidden, extra = []) {
  const patterns = [deepImport, ...extra];
  if (!files.some((f) => f.startsWith('src/rules/') || f.startsWith('src/findings/'))) patterns.push(noFindingConstructor);
  if (forbidden.length > 0) {
    patterns.push({
      regex: `(^|/)(${forbidden.join('|')})/`,
      message: `This layer must not import ${forbidden.join(', ')} (DESIGN.md §2 layering).`,
    });
  }
  return { files, rules: { 'no-restricted-imports': ['error', { paths: noExecution, patterns }] } };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'examples/**/*.py', 'test-fixtures/real/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { process: 'readonly', Buffer: 'readonly', console: 'readonly', URL: 'readonly', setImmediate: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly' } },
    rules: {
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  layer(['src/findings/**/*.ts'], [], [{ regex: '^\\.\\./', message: 'findings depends on nothing.' }]),
  layer(['src/rules/**/*.ts', 'src/limits/**/*.ts', 'src/reporters/**/*.ts'], [], [
    { regex: '^\\.\\./(?!findings/index\\.js$)', message: 'This layer may import only ../findings/index.js.' },
  ]),
  layer(['src/config/**/*.ts'], ['engine', 'cli', 'reporters', 'model-scanners', 'k8s-manifests', 'model-signing']),
  layer(['src/model-scanners/**/*.ts'], ['engine', 'cli', 'reporters', 'config', 'k8s-manifests', 'model-signing']),
  layer(['src/k8s-manifests/**/*.ts'], ['engine', 'cli', 'reporters', 'config', 'model-scanners', 'model-signing']),
  layer(['src/model-signing/**/*.ts'], ['engine', 'cli', 'reporters', 'config', 'k8s-manifests']),
  layer(['src/engine/**/*.ts'], ['cli']),
  layer(['src/cli/**/*.ts'], []),
  {
    files: ['**/*.test.ts', 'test-fixtures/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
