/**
 * The Posts page against a real `datasync start` and the Synup simulator: write a draft, publish it, and watch
 * the status flow back — Synup's scheduler publishes the post and its signed webhook reaches the server's hook
 * route, which queues a run that brings `published` to the page (no test-side sync calls after setup).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulators/registry.js';
import type { SynupSimulator } from '../../src/simulators/synup/synup-simulator.js';
import { launchBrowser, screenshotBothThemes } from '../helpers/browser.js';
import { baseEnv, runCli, type Running } from '../helpers/cli.js';

const KEY = 'dsk_browser_posts_test_key_0123456789abcdef';

describe('posts page', () => {
  let server: Running;
  let url: string;
  let browser: Browser;
  let s: SynupSimulator;

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

  beforeAll(async () => {
    server = runCli(
      ['start', '--port', '0', '--data', mkdtempSync(path.join(tmpdir(), 'datasync-posts-ui-'))],
      baseEnv({ DATASYNC_BOOTSTRAP_API_KEY: KEY }),
    );
    url = (await server.waitFor(/running at (http:\/\/localhost:\d+)/))[1]!;
    await server.waitFor(/stop:/);
    s = (await startSimulator('synup', { seedRecords: 0 })) as SynupSimulator;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await s?.close();
    server?.child.kill('SIGTERM');
    await server?.exited;
  });

  it('creates a draft, publishes it, and shows the status Synup reports back by webhook', async () => {
    await call('POST', '/collections', { key: 'social_posts', name: 'Social posts' });
    const connection = await call<{ id: string }>('POST', '/connections', {
      name: 'Synup',
      connector: 'synup',
      settings: { baseUrl: s.url, locationId: s.credentials.locationId },
      credentials: { apiKey: s.credentials.apiKey, webhookSecret: s.credentials.webhookSecret },
    });
    s.registerWebhook(`${url}/api/v1/hooks/${connection.id}`);
    const sync = await call<{ id: string }>('POST', '/syncs', {
      name: 'Posts ⇄ Synup',
      definition: {
        a: { connector: 'collection' },
        b: { connectionId: connection.id },
        direction: 'two-way',
        objects: [
          {
            name: 'posts',
            a: 'social_posts',
            b: 'posts',
            fields: [
              { a: 'content', b: 'content' },
              { a: 'status', b: 'status' },
              { a: 'notes', b: 'notes' },
            ],
          },
        ],
        conflicts: {
          default: { policy: 'newest_wins' },
          fields: { status: { policy: 'state_order', order: ['draft', 'queued', ['published', 'failed']] } },
        },
      },
    });

    const [, email, password] = server.stdout().match(/login: +(\S+) \/ (\S+)/)!;
    const page = await browser.newPage();
    await page.goto(`${url}/login`);
    await page.getByLabel('Email').fill(email!);
    await page.getByLabel('Password').fill(password!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-as').waitFor();
    await page.getByRole('link', { name: 'Synup posts' }).click();

    await page.getByLabel('Content').fill('Summer menu is live');
    await page.getByRole('button', { name: 'Save draft' }).click();
    const row = page.locator('tr', { hasText: 'Summer menu is live' });
    await row.locator('[data-status="draft"]').waitFor();
    await expect
      .poll(() => s.account.posts.values().map((p) => p.content), { timeout: 20_000 })
      .toContain('Summer menu is live');

    await row.getByRole('button', { name: 'Publish' }).click();
    await row.locator('[data-status="queued"]').waitFor();
    await expect
      .poll(() => s.account.posts.values().find((p) => p.content === 'Summer menu is live')?.status, {
        timeout: 20_000,
      })
      .toBe('queued');

    // Synup's scheduler publishes it; the signed webhook goes to the server, which runs the sync.
    s.ops.publishDue();
    await row.locator('[data-status="published"]').waitFor({ timeout: 30_000 });
    // The run that brought `published` back also leaves the post in sync: the badge says so, with its push time.
    const badge = row.locator('[data-sync-status="synced"]');
    await badge.waitFor({ timeout: 10_000 });
    expect(await badge.innerText()).toMatch(/Synced ✓[\s\S]*pushed .* ago/);
    // The post's sync log: the draft created on Synup, and Synup's published state pulled back into it.
    await row.getByRole('button', { name: 'Sync log' }).click();
    const log = page.getByTestId('sync-log');
    await log.locator('[data-direction="outbound"]').first().waitFor();
    await log.locator('[data-direction="inbound"]').first().waitFor();
    expect(await log.locator('[data-ok="false"]').count()).toBe(0);
    await row.getByRole('button', { name: 'Push to Synup' }).click();
    await page.getByText('Push queued').waitFor();
    // The push finds nothing to change: the badge stays (or turns back) synced without a reload.
    await row.locator('[data-sync-status="synced"]').waitFor({ timeout: 10_000 });
    // Every save went out through the outbox: the draft, then the publish (no run was started by hand).
    const runs = await call<{ data: { trigger: string }[] }>('GET', `/runs?syncId=${sync.id}&limit=50`);
    expect(runs.data.filter((r) => r.trigger === 'event').length).toBeGreaterThanOrEqual(2);
    expect(runs.data.filter((r) => r.trigger === 'manual')).toEqual([]);
    await screenshotBothThemes(page, 'posts');
    const events = await call<{ data: { status: string }[] }>(
      'GET',
      `/webhook-events?connectionId=${connection.id}`,
    );
    expect(events.data.length).toBeGreaterThan(0);
    expect(events.data.every((e) => e.status === 'processed')).toBe(true);
  });
});
