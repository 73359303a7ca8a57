/**
 * The HTML report in a real browser (Debian chromium through playwright-core; skipped when chromium
 * is not installed): it renders, filters by severity, rule, file and namespace, draws the attack
 * path of the example application with the fix that breaks it, runs without console errors and makes
 * no request other than the file itself; hostile finding strings stay text.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeExampleModels } from '../../scripts/build-examples.js';
import { HOSTILE, sampleReport } from '../../test-fixtures/report-builder.js';
import { chromiumPath, launchChromium, openIsolated } from '../../test-fixtures/browser.js';
import { scan, scanOptions } from '../engine/index.js';
import { renderHtml } from './html.js';

const root = join(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'bulwark-html-'));
let browser: Browser | undefined;

describe.skipIf(chromiumPath() === undefined)('HTML report in headless Chromium', () => {
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const write = (name: string, html: string): string => {
    const p = join(work, name);
    writeFileSync(p, html);
    return pathToFileURL(p).href;
  };

  it('hostile strings stay text: no markup runs, no request, no console error', async () => {
    const url = write('hostile.html', renderHtml(sampleReport()));
    const { page, errors, requests } = await openIsolated(browser as Browser, url);
    expect(await page.title()).not.toContain('pwned');
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('#list script').count()).toBe(0);
    expect(await page.locator('.f .msg').filter({ hasText: '<img src=x onerror=' }).count()).toBe(1);
    expect(await page.locator('svg .n').filter({ hasText: 'Job ml/train' }).count()).toBe(1);
    expect(HOSTILE).toContain('</script>');
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page.context().close();
  });

  it('the demo application: the path from the malicious model to the Secrets, its fix, and the filters', async () => {
    const app = join(work, 'examples');
    cpSync(join(root, 'examples/k8s'), join(app, 'k8s'), { recursive: true });
    writeExampleModels(app);
    const report = await scan({ paths: [app] }, scanOptions({ jobs: 1 }));
    const sourceLines = (p: string): string[] | undefined => (p.endsWith('.yaml') ? readFileSync(p, 'utf8').split('\n') : undefined);
    const url = write('demo.html', renderHtml(report, { failOn: 'high', sourceLines }));
    const { page, errors, requests } = await openIsolated(browser as Browser, url);
    const total = report.findings.length;
    const count = async (): Promise<number> => Number(/^(\d+) of/.exec((await page.locator('#count').textContent()) ?? '')?.[1]);
    expect(await count()).toBe(total);

    // The attack path: drawn in the graph, listed with the fix that breaks it.
    expect(await page.locator('svg .n.model').filter({ hasText: 'community-finetune' }).count()).toBe(1);
    expect(await page.locator('svg .n.secrets').filter({ hasText: 'Secrets of namespace llm' }).count()).toBe(1);
    const path = page.locator('.path[data-rule="path/model-to-secrets"]');
    await expect.poll(() => path.count()).toBe(1);
    expect(await path.textContent()).toContain('Fix that breaks it: Remove the grant to read Secrets from RoleBinding llm/default-can-edit');
    await path.click();
    expect(await page.locator('svg path.e.on').count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator('svg path.e.on.cut').count()).toBe(1);

    // Severity.
    const crit = report.findings.filter((f) => f.severity === 'critical').length;
    for (const s of ['high', 'medium', 'low', 'info']) await page.uncheck(`#s-${s}`);
    expect(await count()).toBe(crit);
    expect(await page.locator('#list .f .sev.high').count()).toBe(0);
    for (const s of ['high', 'medium', 'low', 'info']) await page.check(`#s-${s}`);
    // Rule.
    await page.selectOption('#f-rule', 'k8s/rbac-secrets-read');
    expect(await count()).toBe(report.findings.filter((f) => f.ruleId === 'k8s/rbac-secrets-read').length);
    await page.selectOption('#f-rule', '');
    // File: the manifest findings come with the snippet at their line.
    const job = report.findings.find((f) => f.location.path.endsWith('training-job.yaml'))?.location.path as string;
    await page.selectOption('#f-file', job);
    expect(await count()).toBe(report.findings.filter((f) => f.location.path === job).length);
    expect(await page.locator('#list pre .hit').first().textContent()).toMatch(/^\s*\d+\s+\S/);
    await page.selectOption('#f-file', '');
    // Namespace (the path findings count in the namespace of their workload).
    await page.selectOption('#f-ns', 'gpu-operator');
    const inNs = report.findings.filter((f) => 'namespace' in f.location && f.location.namespace === 'gpu-operator').length;
    expect(await count()).toBe(inNs);
    await page.selectOption('#f-ns', 'llm');
    expect(await page.locator('#list .rule', { hasText: 'path/model-to-secrets' }).count()).toBe(1);
    // Dark theme toggle.
    await page.click('#theme');
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');

    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page.context().close();
  }, 60_000);
});
