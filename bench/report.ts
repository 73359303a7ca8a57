/**
 * The HTML report at scale (issue 16: "the HTML report of 10,000 findings opens and filters in under a
 * second"): a report of 10,000 findings (with an attack path) opened in headless Debian chromium, time
 * to ready (data parsed, summary, graph and the first page of findings drawn) and time to apply a
 * filter (rule, then severity), against a same-run baseline: loading a plain HTML file of the same
 * size (one <pre>). Absolute times are printed too. Skipped when chromium is not installed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderHtml } from '../src/reporters/index.js';
import { bulkReport, sampleReport } from '../test-fixtures/report-builder.js';
import { chromiumPath, launchChromium } from '../test-fixtures/browser.js';
import { benchDir } from './common.js';

const N = 10_000;
const RUNS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

export async function run(): Promise<unknown> {
  if (chromiumPath() === undefined) {
    process.stdout.write('report: skipped (chromium is not installed)\n');
    return { skipped: 'chromium not installed' };
  }
  const dir = benchDir('report');
  const sample = sampleReport();
  const bulk = bulkReport(N);
  const html = renderHtml({ ...bulk, findings: [...bulk.findings, ...sample.findings], rules: sample.rules, ...(sample.attackPaths !== undefined && { attackPaths: sample.attackPaths }) });
  const reportFile = join(dir, 'report-10k.html');
  writeFileSync(reportFile, html);
  const plainFile = join(dir, 'plain-same-size.html');
  const filler = 'x'.repeat(99) + '\n';
  writeFileSync(plainFile, `<!doctype html><html><body><pre>${filler.repeat(Math.ceil(html.length / filler.length))}</pre></body></html>`);
  const browser = await launchChromium();
  const load: number[] = [];
  const base: number[] = [];
  const filterRule: number[] = [];
  const filterSev: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const page = await browser.newPage();
      // Times measured by the page itself, from navigation start (no driver round trips).
      await page.goto(pathToFileURL(plainFile).href, { waitUntil: 'load' });
      base.push(Number(await page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")));
      await page.goto(pathToFileURL(reportFile).href, { waitUntil: 'load' });
      await page.waitForSelector('body[data-ready="1"]');
      load.push(Number(await page.locator('body').getAttribute('data-ready-ms')));
      // In-page times: the change handler filters all findings and draws the first page; the layout is forced.
      const timed = (js: string): Promise<number> => page.evaluate(`(() => { const t0 = performance.now(); ${js}; void document.body.offsetHeight; return performance.now() - t0; })()`);
      filterRule.push(await timed("const s = document.getElementById('f-rule'); s.value = 'pickle/dangerous-call'; s.dispatchEvent(new Event('change'))"));
      filterSev.push(await timed("const c = document.getElementById('s-critical'); c.checked = false; c.dispatchEvent(new Event('change'))"));
      const shown = await page.locator('#count').textContent();
      if (!/^\d+ of \d+ findings$/.test(shown ?? '')) throw new Error(`unexpected count: ${shown}`);
      await page.close();
    }
  } finally {
    await browser.close();
  }
  const r = {
    findings: N,
    htmlBytes: html.length,
    openMs: median(load),
    baselineOpenMs: median(base),
    openRatio: median(load) / median(base),
    filterRuleMs: median(filterRule),
    filterSeverityMs: median(filterSev),
  };
  process.stdout.write(
    `report: ${N} findings, ${(html.length / 1048576).toFixed(1)} MiB HTML; open ${r.openMs.toFixed(0)} ms (plain HTML of the same size ${r.baselineOpenMs.toFixed(0)} ms, ratio ${r.openRatio.toFixed(2)}); filter by rule ${r.filterRuleMs.toFixed(1)} ms, by severity ${r.filterSeverityMs.toFixed(1)} ms (goal: open and filter < 1000 ms)\n`,
  );
  return r;
}
