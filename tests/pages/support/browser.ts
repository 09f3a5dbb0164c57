import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';

/** Debian's Chromium, headless: every browser test launches it through launchChromium. */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const PHONE = { width: 390, height: 844 };
export const SCREEN = { width: 1920, height: 1080 };

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the browser tests need headless Chromium. Install it with: apt-get install -y chromium`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/**
 * A page that records its script errors and any request to another origin (the pages make none).
 * `bypassCSP` only so that the accessibility check can inject axe-core; the pages' own policy is
 * checked by the e2e tests of their headers, and a test that runs no axe may enforce it
 * (`enforceCSP`): a refused script or connection is then a console error, recorded below.
 */
export async function openPage(browser: Browser, baseUrl: string, viewport = PHONE, { enforceCSP = false } = {}) {
  const context = await browser.newContext({ viewport, bypassCSP: !enforceCSP });
  const page = await context.newPage();
  // Fail within the test's time with playwright's own message rather than at vitest's timeout.
  page.setDefaultTimeout(8_000);
  const errors: string[] = [];
  const foreign: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  // An API's 4xx is an answer the page handles (a 422 shown at its question); any other failed load is an error.
  page.on('console', (message) => { if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text()); });
  page.on('response', (response) => {
    if (response.status() >= 400 && !new URL(response.url()).pathname.startsWith('/api/')) errors.push(`${response.status()} ${response.url()}`);
  });
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(baseUrl) && !url.startsWith('data:') && !url.startsWith('blob:')) foreign.push(url);
  });
  return { page, errors, foreign, close: () => context.close() };
}

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** axe-core over the page as it stands: no serious or critical violation (WCAG 2.x A/AA rules). */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const result = await (globalThis as any).axe.run((globalThis as any).document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations
      .filter((v: any) => v.impact === 'serious' || v.impact === 'critical')
      .map((v: any) => `${v.id}: ${v.help} (${v.nodes.map((n: any) => n.target.join(' ')).join(', ')})`);
  });
  expect(violations, what).toEqual([]);
}

/** Kept under test-artifacts/pages/ (CI uploads the folder). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync('test-artifacts/pages', { recursive: true });
  await page.screenshot({ path: `test-artifacts/pages/${name}.png`, fullPage: true });
}

/** Nothing wider than the viewport: no sideways scrolling on a phone. */
export async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const { scroll, width } = await page.evaluate(() => ({ scroll: (globalThis as any).document.documentElement.scrollWidth as number, width: (globalThis as any).innerWidth as number }));
  expect(scroll).toBeLessThanOrEqual(width);
}
