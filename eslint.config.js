// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const DOMAINS = ['findings', 'rules', 'limits', 'reporters', 'config', 'model-scanners', 'k8s-manifests', 'dockerfile', 'trivy', 'model-signing', 'oci', 'attack-paths', 'image', 'image-signing', 'supply-chain', 'gateway', 'admission', 'audit', 'sinks', 'runtime', 'server', 'engine', 'cli'];

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
  {
    // Input-sized arrays never go through argument spreading (issue 19: `push(...items)` over 125,000
    // files or a million ignore_paths overflowed the stack and lost the whole report). Use pushAll /
    // maxOf / minOf from src/findings (arrays.ts), which loop.
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.property.name=/^(push|unshift|splice)$/] > SpreadElement", message: 'No argument spread over arrays in src/: use pushAll(target, items) from src/findings (a large input overflows the stack).' },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name=/^(max|min)$/] > SpreadElement", message: 'No argument spread in Math.max/min in src/: use maxOf/minOf from src/findings.' },
        { selector: "CallExpression[callee.property.name=/^(fromCharCode|fromCodePoint|apply)$/] > SpreadElement", message: 'No argument spread in src/: decode in bounded chunks.' },
      ],
    },
  },
  layer(['src/findings/**/*.ts'], [], [{ regex: '^\\.\\./', message: 'findings depends on nothing.' }]),
  layer(['src/rules/**/*.ts', 'src/limits/**/*.ts', 'src/reporters/**/*.ts'], [], [
    { regex: '^\\.\\./(?!findings/index\\.js$)', message: 'This layer may import only ../findings/index.js.' },
  ]),
  layer(['src/config/**/*.ts'], ['engine', 'cli', 'reporters', 'model-scanners', 'k8s-manifests', 'model-signing', 'dockerfile']),
  layer(['src/model-scanners/**/*.ts'], ['engine', 'cli', 'reporters', 'config', 'k8s-manifests', 'model-signing', 'dockerfile']),
  layer(['src/k8s-manifests/**/*.ts'], ['engine', 'cli', 'reporters', 'config', 'model-scanners', 'model-signing', 'dockerfile']),
  // dockerfile: parser and rules over one Dockerfile; it reuses the k8s domain's credential recognisers.
  layer(['src/dockerfile/**/*.ts'], ['engine', 'cli', 'reporters', 'config', 'model-scanners', 'model-signing', 'admission', 'audit', 'runtime', 'server', 'sinks']),
  // trivy: reads Trivy's JSON reports into findings; it knows no other domain.
  layer(['src/trivy/**/*.ts'], ['engine', 'cli', 'reporters', 'config', 'model-scanners', 'k8s-manifests', 'dockerfile', 'model-signing', 'admission', 'audit', 'runtime', 'server', 'sinks']),
  layer(['src/model-signing/**/*.ts'], ['engine', 'cli', 'reporters', 'config', 'k8s-manifests', 'dockerfile']),
  // admission: pure review() and policy over the k8s domain; it never imports the server (the CLI wires them).
  layer(['src/admission/**/*.ts'], ['engine', 'cli', 'reporters', 'config', 'model-scanners', 'model-signing', 'server']),
  // runtime: sensors, event parsers and the runtime rules; pure logic and /proc reading. It never imports the server (the CLI wires them).
  layer(['src/runtime/**/*.ts'], ['engine', 'cli', 'reporters', 'config', 'model-scanners', 'k8s-manifests', 'model-signing', 'admission', 'server']),
  // server: what every server shares (transport, TLS, health, metrics, logs); it knows no judging domain.
  layer(['src/server/**/*.ts'], ['engine', 'cli', 'config', 'model-scanners', 'k8s-manifests', 'model-signing', 'admission']),
  // audit: parsing, rules as data, stateful detections and the pure stream engine over the k8s domain's
  // single-object rules; it never imports sinks or the server (the CLI wires them).
  layer(['src/audit/**/*.ts'], ['engine', 'cli', 'reporters', 'config', 'model-scanners', 'model-signing', 'admission', 'server', 'sinks', 'runtime']),
  // sinks: shared alert outputs (stdout, rotating file, webhook, Falco JSON); they see findings, the
  // limits table and the NDJSON line of reporters, nothing else.
  layer(['src/sinks/**/*.ts'], [], [{ regex: '^\\.\\./(?!(findings|limits|reporters)/index\\.js$)', message: 'sinks may import only ../findings, ../limits and ../reporters (their index.js).' }]),
  // oci: the registry client, ModelPack artifacts and OCI-attached signatures; it signs and verifies
  // through the model-signing domain and never imports the engine (the CLI wires scans of oci:// refs).
  layer(['src/oci/**/*.ts'], ['engine', 'cli', 'reporters', 'config', 'model-scanners', 'k8s-manifests', 'admission', 'audit', 'runtime', 'server', 'sinks']),
  // supply-chain: trust scopes and the admission-time checker over the OCI client and OMS verification;
  // content scans and image-signature verification are injected by the CLI (it never imports the engine).
  layer(['src/supply-chain/**/*.ts'], ['engine', 'cli', 'reporters', 'config', 'model-scanners', 'k8s-manifests', 'admission', 'audit', 'runtime', 'server', 'sinks']),
  // image-signing: cosign and Notation image signatures; it reads registries through oci and verifies
  // Sigstore material through model-signing (their index.ts), and knows no server or engine.
  layer(['src/image-signing/**/*.ts'], ['engine', 'cli', 'reporters', 'config', 'model-scanners', 'k8s-manifests', 'dockerfile', 'admission', 'audit', 'runtime', 'server', 'sinks']),
  // Images: read with the OCI domain, model files inside layers go to the model scanners, secrets use the manifest patterns.
  layer(['src/image/**/*.ts'], ['engine', 'cli', 'reporters', 'config', 'model-signing', 'dockerfile', 'admission', 'audit', 'runtime', 'server', 'sinks', 'trivy']),
  // Attack paths: over the findings and the Kubernetes facts; no parser of its own.
  layer(['src/attack-paths/**/*.ts'], ['engine', 'cli', 'reporters', 'config', 'model-scanners', 'model-signing', 'dockerfile', 'admission', 'audit', 'runtime', 'server', 'sinks', 'oci', 'trivy']),
  // gateway: pure request checks, screening, response filters and budgets for the inference gateway,
  // plus its proxy shell over the shared server; the secret recognisers come from k8s-manifests.
  layer(['src/gateway/**/*.ts'], ['engine', 'cli', 'reporters', 'config', 'model-scanners', 'model-signing', 'dockerfile', 'admission', 'audit', 'runtime', 'sinks', 'oci', 'trivy', 'image', 'image-signing', 'supply-chain', 'attack-paths']),
  layer(['src/engine/**/*.ts'], ['cli']),
  layer(['src/cli/**/*.ts'], []),
  {
    files: ['**/*.test.ts', 'test-fixtures/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
