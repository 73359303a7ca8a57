/**
 * Golden reports of the bundled example (`examples/`, the demo's target): text, JSON and SARIF,
 * committed under test-fixtures/golden/ and compared byte for byte (after replacing the tool
 * version). A change in what Bulwark reports on the demo shows up here as a diff to review.
 *
 * Update them on purpose with:  UPDATE_GOLDEN=1 npx vitest run src/cli/golden.test.ts
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeExampleModels } from '../../scripts/build-examples.js';
import { scan, scanOptions, toolVersion } from '../engine/index.js';
import type { ScanReport } from '../findings/index.js';
import { renderJson, renderSarif, renderText } from '../reporters/index.js';

const root = join(import.meta.dirname, '../..');
const goldenDir = join(root, 'test-fixtures/golden');
const update = process.env['UPDATE_GOLDEN'] === '1';

function normalize(text: string): string {
  return text.split(toolVersion()).join('VERSION');
}

function compare(name: string, actual: string): void {
  const file = join(goldenDir, name);
  if (update || !existsSync(file)) {
    if (!update) throw new Error(`missing golden file ${name}; run with UPDATE_GOLDEN=1 to create it`);
    mkdirSync(goldenDir, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  expect(actual, `${name} differs from the golden report (UPDATE_GOLDEN=1 to accept)`).toBe(readFileSync(file, 'utf8'));
}

describe('golden reports of examples/', () => {
  let report: ScanReport | undefined;
  const get = async (): Promise<ScanReport> => {
    if (report) return report;
    writeExampleModels(join(root, 'examples'));
    // Relative to the repository root, as `npm run demo` scans it; one worker for determinism of timing-free output.
    const cwd = process.cwd();
    process.chdir(root);
    try {
      report = await scan({ paths: ['examples'] }, scanOptions({ jobs: 1, now: '2026-12-01T00:00:00Z' }));
    } finally {
      process.chdir(cwd);
    }
    return report;
  };

  it('text (no colour)', async () => {
    compare('examples.txt', normalize(renderText(await get(), { color: false, quiet: false, failOn: 'high' })));
  });
  it('JSON', async () => {
    compare('examples.json', normalize(renderJson(await get())));
  });
  it('SARIF', async () => {
    compare('examples.sarif', normalize(renderSarif(await get(), { docsBaseUrl: 'https://bulwark.invalid/docs/' })));
  });
  it('the demo still fails the default gate on the malicious model and manifests', async () => {
    const r = await get();
    expect(r.findings.some((f) => f.ruleId === 'pickle/dangerous-call' && !f.suppressed)).toBe(true);
    expect(r.findings.some((f) => f.ruleId.startsWith('k8s/') && (f.severity === 'critical' || f.severity === 'high'))).toBe(true);
  });
});
