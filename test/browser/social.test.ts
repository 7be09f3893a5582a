/**
 * The social screens on a fresh `datasync start` with its demo (Instagram and TikTok simulators in-process, two
 * accounts each, a first poll at start): the accounts with their "Auto-sync on" badge and toggle, and the Sync
 * logs page with rows, filters and durations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotBothThemes, startUi, type UiHarness } from '../helpers/browser.js';

describe('social accounts and sync logs screens', () => {
  let ui: UiHarness;

  beforeAll(async () => {
    ui = await startUi('social-ui');
  });

  afterAll(() => ui?.close());

  it('shows the demo accounts with auto-sync on, toggles one with a toast, and lists sync logs with filters', async () => {
    const page = await ui.signIn();
    await page.getByRole('link', { name: 'Social accounts' }).click();
    await page.getByRole('heading', { name: 'Social accounts' }).waitFor();
    for (const name of ['sim_creator_1', 'sim_creator_2', 'sim_tiktoker_1', 'sim_tiktoker_2'])
      await page.getByText(name, { exact: true }).waitFor();
    await expect(page.getByTestId('auto-sync-badge').count()).resolves.toBe(4);
    // The first poll ran at start: each row shows when.
    await page.getByText('never').waitFor({ state: 'detached' });
    await screenshotBothThemes(page, 'social-accounts');

    await page.getByRole('switch', { name: 'Auto-sync for sim_tiktoker_2' }).click();
    await page.getByText('Auto-sync off for sim_tiktoker_2').waitFor();
    await expect(
      page.getByRole('switch', { name: 'Auto-sync for sim_tiktoker_2' }).getAttribute('aria-checked'),
    ).resolves.toBe('false');
    await expect.poll(() => page.getByTestId('auto-sync-badge').count(), { timeout: 15_000 }).toBe(3);

    await page.getByRole('link', { name: 'Social sync logs' }).click();
    await page.getByRole('heading', { name: 'Social sync logs' }).waitFor();
    const rows = page.locator('tbody tr');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(4);
    const first = (await rows.first().textContent()) ?? '';
    expect(first).toMatch(/cron/);
    expect(first).toMatch(/\d+(\.\d)? (ms|s)/);
    await screenshotBothThemes(page, 'social-sync-logs');

    await page.getByLabel('Filter by platform').selectOption('tiktok');
    await page.waitForURL(/platform=tiktok/);
    // Rows of the filtered answer, not an empty table while it loads: both TikTok accounts polled at start.
    await expect
      .poll(
        async () => {
          const shown = await rows.allTextContents();
          return shown.length >= 2 && shown.every((text) => text.includes('(tiktok)'));
        },
        { timeout: 15_000 },
      )
      .toBe(true);
    await page.getByLabel('Filter by status').selectOption('error');
    await page.getByText('No syncs match').waitFor();
    await page.close();
  });
});
