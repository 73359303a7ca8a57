#!/usr/bin/env node
/**
 * Bundles the compiled CLI (dist/src/cli/main.js) and its scan worker (dist/src/engine/worker.js)
 * into two files, dist/bulwark.mjs and dist/bulwark-worker.mjs, so that start-up reads two modules
 * instead of about 300 (the `bin` entry is the bundle). Run by `npm run build` after tsc.
 *
 * Packages loaded lazily at run time through createRequire (seek-bzip, cli-progress, the sigstore
 * libraries) stay in node_modules; servers' packages (fastify, pino, prom-client) stay external too:
 * their start-up is not on the hot path and some load files by path at run time.
 */
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await build({
  absWorkingDir: root,
  entryPoints: { bulwark: 'dist/src/cli/main.js', 'bulwark-worker': 'dist/src/engine/worker.js' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  sourcemap: 'linked',
  external: ['fastify', 'pino', 'prom-client', '@sigstore/*', 'cli-progress', 'seek-bzip', 'undici', 'ioredis', 'playwright-core', 'gpt-tokenizer', 'gpt-tokenizer/*'],
  // Bundled CommonJS dependencies call require(): give the ESM bundle one.
  banner: { js: "import { createRequire as __bulwarkCreateRequire } from 'node:module'; const require = __bulwarkCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
chmodSync(join(root, 'dist/bulwark.mjs'), 0o755);
