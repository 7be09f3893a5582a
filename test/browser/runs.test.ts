import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshotBothThemes } from '../helpers/browser.js';
import { baseEnv, runCli, type Running } from '../helpers/cli.js';

const KEY = 'dsk_browser_runs_test_key_0123456789abcdef';

describe('runs and syncs screens', () => {
  let server: Running;
  let url: string;
  let browser: Browser;
  let dataDir: string;

  async function call<T>(method: string, route: string, body?: unknown): Promise<T> {
    const res = await fetch(`${url}/api/v1${route}`, {
      method,
      headers: { authorization: `Bearer ${KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async function signIn(): Promise<Page> {
    const [, email, password] = server.stdout().match(/login: +(\S+) \/ (\S+)/)!;
    const page = await browser.newPage();
    await page.goto(`${url}/login`);
    await page.getByLabel('Email').fill(email!);
    await page.getByLabel('Password').fill(password!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-as').waitFor();
    return page;
  }

  function definition(from: string, to: string) {
    return {
      a: { connector: 'collection' },
      b: { connector: 'collection' },
      direction: 'push',
      batchSize: 20,
      objects: [
        {
          name: 'people',
          a: from,
          b: to,
          fields: [
            { a: 'email', b: 'email' },
            { a: 'name', b: 'name' },
          ],
        },
      ],
    };
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'datasync-runs-ui-'));
    server = runCli(
      ['start', '--port', '0', '--data', dataDir],
      baseEnv({ DATASYNC_BOOTSTRAP_API_KEY: KEY }),
    );
    url = (await server.waitFor(/running at (http:\/\/localhost:\d+)/))[1]!;
    await server.waitFor(/stop:/);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    server?.child.kill('SIGTERM');
    await server?.exited;
  });

  it('runs a sync created through the API, follows its live log to the end, then filters, retries, pauses', async () => {
    await call('POST', '/collections', { key: 'people', name: 'People' });
    await call('POST', '/collections', { key: 'people_copy', name: 'People copy' });
    for (let i = 0; i < 120; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, j) =>
          call('POST', '/collections/people/records', {
            data: { email: `p${i + j}@x.test`, name: `P${i + j}` },
          }),
        ),
      );
    }
    const sync = await call<{ id: string }>('POST', '/syncs', {
      name: 'Copy people',
      definition: definition('people', 'people_copy'),
    });
    // A sync whose source does not exist: its run fails, which gives the Retry button something to do.
    const broken = await call<{ id: string }>('POST', '/syncs', {
      name: 'Broken copy',
      definition: definition('nowhere', 'people_copy'),
    });

    const page = await signIn();
    const run = await call<{ id: string; status: string }>('POST', `/syncs/${sync.id}/runs`, {
      dryRun: false,
    });
    expect(run.status).toBe('queued');
    await page.goto(`${url}/runs/${run.id}`);
    await page.getByRole('log', { name: 'Run log' }).locator('[data-level]').first().waitFor();
    await page.getByTestId('log-state').getByText('ended: success').waitFor({ timeout: 30_000 });
    await page.locator('[data-count="created"]').getByText('120').waitFor();
    await page.getByRole('heading', { level: 1 }).getByText('success').waitFor();
    await screenshotBothThemes(page, 'run-detail');
    expect(await page.getByTestId('run-crashes').count()).toBe(0);
    // A run that a worker's crash interrupted twice says so (the crash tests make real ones; this is the screen).
    const db = new Database(path.join(dataDir, 'datasync.db'));
    db.prepare('update runs set crashes = 2 where id = ?').run(run.id);
    db.close();
    await page.reload();
    await page.getByTestId('run-crashes').getByText('2 times').waitFor();

    const failed = await call<{ id: string }>('POST', `/syncs/${broken.id}/runs`, { dryRun: false });
    await page.goto(`${url}/runs/${failed.id}`);
    await page.getByTestId('log-state').getByText('ended: failed').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.getByText('Retry queued').waitFor();
    await page.waitForURL((u) => u.pathname.startsWith('/runs/') && !u.pathname.endsWith(failed.id));
    await page.getByTestId('log-state').getByText('ended: failed').waitFor({ timeout: 30_000 });

    await page.getByRole('link', { name: 'Runs', exact: true }).first().click();
    await page.getByLabel('Filter by status').selectOption('failed');
    await page.waitForURL(/status=failed/);
    await page.getByRole('link', { name: failed.id }).waitFor();
    // The unfiltered page stays on screen until the filtered one arrives (both hold the failed run): wait for the
    // successful run to leave rather than counting it mid-refetch.
    await page.getByRole('link', { name: run.id }).waitFor({ state: 'detached' });
    await page.reload();
    await page.getByRole('link', { name: failed.id }).waitFor();
    expect(await page.getByLabel('Filter by status').inputValue()).toBe('failed');
    await screenshotBothThemes(page, 'runs');

    await page.getByRole('link', { name: 'Syncs' }).click();
    const row = page.getByRole('row').filter({ hasText: 'Copy people' }).filter({ hasNotText: 'Broken' });
    await row.getByRole('button', { name: 'Pause' }).click();
    await row.locator('[data-status="paused"]').waitFor();
    expect((await call<{ status: string }>('GET', `/syncs/${sync.id}`)).status).toBe('paused');
    await screenshotBothThemes(page, 'syncs');
    await row.getByRole('button', { name: 'Resume' }).click();
    await row.getByRole('button', { name: 'Pause' }).waitFor();
    expect((await call<{ status: string }>('GET', `/syncs/${sync.id}`)).status).toBe('active');

    await row.getByRole('button', { name: 'Dry run' }).click();
    await page.getByTestId('dry-run-plan').waitFor({ timeout: 30_000 });
    await page.close();
  }, 120_000);
});
