/**
 * The sync detail page against a real `datasync start`: the mapping editor flags a field the B collection's
 * content type lacks before anything is saved, saves once fixed; a per-field conflict policy saves; a dry run
 * shows the creates it plans.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshotBothThemes } from '../helpers/browser.js';
import { baseEnv, runCli, type Running } from '../helpers/cli.js';

const KEY = 'dsk_browser_sync_detail_key_0123456789abcdef';

interface SyncView {
  id: string;
  definition: {
    objects: { fields: { a?: string; b?: string }[] }[];
    conflicts: { fields: Record<string, { policy: string }> };
  };
}

describe('sync detail page', () => {
  let server: Running;
  let url: string;
  let browser: Browser;

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

  beforeAll(async () => {
    server = runCli(
      ['start', '--port', '0', '--data', mkdtempSync(path.join(tmpdir(), 'datasync-sync-detail-ui-'))],
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

  it('edits the mapping with inline schema errors, saves a field policy and shows a dry run plan', async () => {
    const text = (key: string, label: string) => ({ key, label, type: 'text' });
    await call('POST', '/collections', {
      key: 'leads',
      name: 'Leads',
      schema: { fields: [text('email', 'Email'), text('name', 'Name')] },
    });
    await call('POST', '/collections', {
      key: 'contacts',
      name: 'Contacts',
      schema: { fields: [text('email', 'Email'), text('full_name', 'Full name')] },
    });
    for (const n of [1, 2, 3]) {
      await call('POST', '/collections/leads/records', {
        data: { email: `lead${n}@example.com`, name: `Lead ${n}` },
      });
    }
    const sync = await call<SyncView>('POST', '/syncs', {
      name: 'Leads to contacts',
      definition: {
        a: { connector: 'collection' },
        b: { connector: 'collection' },
        direction: 'push',
        objects: [{ name: 'leads', a: 'leads', b: 'contacts', fields: [{ a: 'email', b: 'email' }] }],
      },
    });

    const page = await signIn();
    await page.getByRole('link', { name: 'Syncs' }).click();
    await page.getByRole('link', { name: 'Leads to contacts' }).click();
    await page.getByTestId('sync-direction').filter({ hasText: 'push' }).waitFor();

    await page.getByRole('tab', { name: 'Mapping' }).click();
    // The schemas have loaded once the B object's field count shows.
    await page.getByText('(3 fields)').first().waitFor();
    await page.getByRole('button', { name: 'Add row' }).click();
    await page.getByLabel('A field 2').fill('name');
    await page.getByLabel('B field 2').fill('name');
    const error = page
      .getByTestId('mapping-error')
      .filter({ hasText: `"name" is not a field of B's contacts` });
    await error.waitFor();
    const save = page.getByRole('button', { name: 'Save', exact: true });
    expect(await save.isDisabled()).toBe(true);
    await screenshotBothThemes(page, 'sync-detail-mapping');

    await page.getByLabel('B field 2').fill('full_name');
    await error.waitFor({ state: 'detached' });
    await save.click();
    await page.getByText('unsaved changes').waitFor({ state: 'detached' });
    const mapped = await call<SyncView>('GET', `/syncs/${sync.id}`);
    expect(mapped.definition.objects[0]!.fields).toEqual([
      expect.objectContaining({ a: 'email', b: 'email' }),
      expect.objectContaining({ a: 'name', b: 'full_name' }),
    ]);

    await page.getByRole('tab', { name: 'Policies' }).click();
    await page.getByLabel('Field to override').selectOption('email');
    await page.getByRole('button', { name: 'Add field policy' }).click();
    await page.getByLabel('Policy for email').selectOption('newest_wins');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('unsaved changes').waitFor({ state: 'detached' });
    const policed = await call<SyncView>('GET', `/syncs/${sync.id}`);
    expect(policed.definition.conflicts.fields).toEqual({ email: { policy: 'newest_wins' } });

    await page.getByRole('tab', { name: 'Dry run' }).click();
    await page.getByRole('button', { name: 'Start dry run' }).click();
    const creates = page.getByTestId('plan-creates');
    await creates.waitFor({ timeout: 30_000 });
    expect(await creates.textContent()).toContain('Creates (3)');
    expect(await creates.textContent()).toContain('full_name=Lead 1');
    await screenshotBothThemes(page, 'sync-detail-dry-run');

    await page.getByRole('tab', { name: 'History' }).click();
    await page.getByText('dry run').first().waitFor();
    await page.close();
  }, 120_000);
});
