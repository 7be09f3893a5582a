/**
 * The ad server in a real browser against `datasync start` on a fresh data dir (demo mode runs the Broadstreet
 * simulator in-process with a connection to it): Import all and watch every type finish, create a local
 * advertiser and a campaign under it, see them Local-only, Export and watch progress, then see both Synced with
 * the ids the server gave them. Screenshots in both themes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotBothThemes, startUi, type UiHarness } from '../helpers/browser.js';

describe('ad server in the browser', () => {
  let ui: UiHarness;

  beforeAll(async () => {
    ui = await startUi('adserver');
  });

  afterAll(() => ui?.close());

  it('imports the demo account, exports a local advertiser and campaign, and shows them synced', async () => {
    const page = await ui.signIn();
    await page.getByRole('link', { name: 'Ad server' }).click();
    await page.getByRole('heading', { name: 'Ad server' }).waitFor();

    await page.getByRole('button', { name: 'Import all' }).click();
    const progress = page.getByTestId('adserver-progress');
    await progress.waitFor();
    await page
      .locator('[data-testid="progress-row"][data-state="done"]')
      .nth(5)
      .waitFor({ timeout: 120_000 });
    const networks = page.locator('[data-testid="progress-row"][data-type="networks"]');
    expect(await networks.getByTestId('progress-count').textContent()).toMatch(/^(\d+) \/ \1$/);
    await screenshotBothThemes(page, 'adserver-1-imported');

    // A local advertiser under an imported network, and a campaign under it.
    await page.getByLabel('Entity type').selectOption('advertisers');
    await page.getByLabel('Entity name').fill('Local Advertiser');
    await page.getByLabel('Parent network').selectOption({ index: 1 });
    await page.getByRole('button', { name: 'Create local advertiser' }).click();
    await page.getByLabel('Entity type').selectOption('campaigns');
    await page.getByLabel('Entity name').fill('Local Campaign');
    const parent = page.getByLabel('Parent advertiser');
    await parent.locator('option', { hasText: 'Local Advertiser (Local)' }).waitFor({ state: 'attached' });
    await parent.selectOption({ label: 'Local Advertiser (Local)' });
    await page.getByRole('button', { name: 'Create local campaign' }).click();

    await page.getByRole('tab', { name: 'Local-only' }).click();
    const rows = page.getByTestId('adserver-entities');
    await rows.locator('[data-name="Local Campaign"][data-state="local"]').waitFor();
    await rows.locator('[data-name="Local Advertiser"][data-state="local"]').waitFor();
    await screenshotBothThemes(page, 'adserver-2-local-only');

    await page.getByRole('button', { name: 'Export', exact: true }).click();
    await page.getByText(/^Export [0-9a-z]{8}$/).waitFor();
    await page
      .locator('[data-testid="progress-row"][data-state="done"]')
      .nth(5)
      .waitFor({ timeout: 120_000 });
    const campaigns = page.locator('[data-testid="progress-row"][data-type="campaigns"]');
    expect(await campaigns.getByTestId('progress-count').textContent()).toBe('1 / 1');

    await page.getByRole('tab', { name: 'All entities' }).click();
    await page.getByLabel('Filter by type').selectOption('campaigns');
    const campaign = page.locator(
      '[data-testid="entity-row"][data-name="Local Campaign"][data-state="synced"]',
    );
    await campaign.waitFor();
    expect(await campaign.getByTestId('entity-server-id').textContent()).toMatch(/^\d+$/);
    expect(await campaign.getByTestId('entity-badge').textContent()).toBe('Synced');
    await page.getByLabel('Filter by type').selectOption('advertisers');
    const advertiser = page.locator(
      '[data-testid="entity-row"][data-name="Local Advertiser"][data-state="synced"]',
    );
    await advertiser.waitFor();
    expect(await advertiser.getByTestId('entity-server-id').textContent()).toMatch(/^\d+$/);
    await page.getByRole('tab', { name: 'Local-only' }).click();
    await page.getByText('Nothing local-only').waitFor();
    await screenshotBothThemes(page, 'adserver-3-synced');
  }, 300_000);
});
