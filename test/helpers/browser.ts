/**
 * Debian's chromium driven by playwright-core (no browser download: .ci/run installs chromium with apt-get).
 * Screenshots land in test-artifacts/screenshots/ for people to look at.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.resolve('test-artifacts/screenshots');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Saves a light and a dark screenshot of the page as it is now. */
export async function screenshotBothThemes(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  for (const theme of ['light', 'dark'] as const) {
    await page.evaluate(`document.documentElement.classList.toggle('dark', ${theme === 'dark'})`);
    await page.screenshot({
      path: path.join(SCREENSHOTS, `${name}-${theme}.png`),
      fullPage: true,
      animations: 'disabled',
    });
  }
  await page.evaluate(`document.documentElement.classList.remove('dark')`);
}
