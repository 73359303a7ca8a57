/**
 * `npm run screenshot`: the HTML report of the example application (examples/, as `npm run demo`
 * scans it), opened in headless Debian chromium with the model → Secrets path selected, saved as
 * docs/img/report.png (the README's screenshot).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { scan, scanOptions } from '../src/engine/index.js';
import { renderHtml } from '../src/reporters/index.js';
import { chromiumPath, launchChromium, openIsolated } from '../test-fixtures/browser.js';
import { writeExampleModels } from './build-examples.js';

const root = resolve(import.meta.dirname, '../..');
if (chromiumPath() === undefined) {
  process.stderr.write('screenshot: chromium is not installed (apt-get install -y chromium)\n');
  process.exit(2);
}
process.chdir(root);
writeExampleModels(join(root, 'examples'));
const report = await scan({ paths: ['examples/'] }, scanOptions({ jobs: 1 }));
const html = renderHtml(report, { failOn: 'high', sourceLines: (p) => (p.endsWith('.yaml') ? readFileSync(p, 'utf8').split('\n') : undefined) });
const file = join(root, 'demo-report.html');
writeFileSync(file, html);
const browser = await launchChromium();
try {
  const { page, errors, requests } = await openIsolated(browser, pathToFileURL(file).href, { width: 1280, height: 1100 });
  await page.locator('.path[data-rule="path/model-to-secrets"]').click();
  mkdirSync(join(root, 'docs/img'), { recursive: true });
  await page.screenshot({ path: join(root, 'docs/img/report.png'), fullPage: false });
  if (errors.length > 0 || requests.length > 0) throw new Error(`the report logged errors or made requests: ${[...errors, ...requests].join('; ')}`);
  process.stdout.write('screenshot: wrote docs/img/report.png\n');
} finally {
  await browser.close();
}
