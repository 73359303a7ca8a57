/**
 * Headless Chromium for the HTML report's browser tests, the screenshot script and the report bench:
 * Debian's `chromium` driven by playwright-core (never a downloaded browser). `chromiumPath()` is
 * undefined when it is not installed: callers skip.
 */
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';

const CANDIDATES = [process.env['BULWARK_CHROMIUM'], '/usr/bin/chromium', '/usr/bin/chromium-browser'];

export function chromiumPath(): string | undefined {
  return CANDIDATES.find((p): p is string => p !== undefined && p !== '' && existsSync(p));
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (executablePath === undefined) throw new Error('chromium is not installed (apt-get install -y chromium)');
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

export interface OpenedPage {
  readonly page: Page;
  /** Console errors, page errors and CSP violations seen so far. */
  readonly errors: string[];
  /** Every request other than the file itself (each was refused). */
  readonly requests: string[];
}

/**
 * Open `fileUrl` in a fresh context that refuses every request other than the file itself, and
 * records console errors and uncaught exceptions.
 */
export async function openIsolated(browser: Browser, fileUrl: string, opts: { width?: number; height?: number; colorScheme?: 'light' | 'dark' } = {}): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 }, colorScheme: opts.colorScheme ?? 'light' });
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (url === fileUrl) return route.continue();
    requests.push(url);
    return route.abort();
  });
  await page.goto(fileUrl, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="1"]', { timeout: 10_000 });
  return { page, errors, requests };
}
