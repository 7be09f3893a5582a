/**
 * Debian's chromium driven by playwright-core (no browser download: .ci/run installs chromium with apt-get).
 * Screenshots land in test-artifacts/screenshots/ for people to look at.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { baseEnv, runCli, type Running } from './cli.js';

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

/** A fresh `datasync start` (own data dir, port 0) and a browser, with the demo login it printed. */
export interface UiHarness {
  server: Running;
  url: string;
  browser: Browser;
  login: { email: string; password: string };
  /** A new page, signed in as the demo owner, on the overview. */
  signIn(): Promise<Page>;
  /** An API call with the `apiKey` the harness was started with (DATASYNC_BOOTSTRAP_API_KEY); throws on non-2xx. */
  api<T>(method: string, route: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

export async function startUi(name: string, options: { apiKey?: string } = {}): Promise<UiHarness> {
  const server = runCli(
    ['start', '--port', '0', '--data', mkdtempSync(path.join(tmpdir(), `datasync-${name}-`))],
    baseEnv(options.apiKey ? { DATASYNC_BOOTSTRAP_API_KEY: options.apiKey } : {}),
  );
  const url = (await server.waitFor(/running at (http:\/\/localhost:\d+)/))[1]!;
  const [, email, password] = await server.waitFor(/login: +(\S+) \/ (\S+)/);
  await server.waitFor(/stop:/);
  const browser = await launchBrowser();
  const login = { email: email!, password: password! };
  return {
    server,
    url,
    browser,
    login,
    async signIn() {
      const page = await browser.newPage();
      await page.goto(`${url}/login`);
      await page.getByLabel('Email').fill(login.email);
      await page.getByLabel('Password').fill(login.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('signed-in-as').waitFor();
      return page;
    },
    async api<T>(method: string, route: string, body?: unknown): Promise<T> {
      if (!options.apiKey) throw new Error('startUi was started without an apiKey');
      const res = await fetch(`${url}/api/v1${route}`, {
        method,
        headers: {
          authorization: `Bearer ${options.apiKey}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    },
    async close() {
      await browser.close();
      server.child.kill('SIGTERM');
      await server.exited;
    },
  };
}
