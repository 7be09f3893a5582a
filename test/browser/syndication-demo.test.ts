/**
 * The 5-minute demo, played in a real browser against `datasync start` on a fresh data dir: sign in → content
 * types & items (a bad item is refused field by field) → mappings → Run sync → live log lines → site cards reach
 * their final states → North's destination viewer shows the overridden cta_text → the run is listed with its
 * duration. A screenshot of each step, in both themes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotBothThemes, startUi, type UiHarness } from '../helpers/browser.js';

describe('syndication demo in the browser', () => {
  let ui: UiHarness;

  beforeAll(async () => {
    ui = await startUi('demo');
  });

  afterAll(() => ui?.close());

  it('plays the demo script end to end', async () => {
    const page = await ui.signIn();

    // Content types & items; an item that breaks its type is refused with a message on the field.
    await page.getByRole('link', { name: 'Content' }).click();
    await page.getByTestId('content-types').getByText('offer_banner').waitFor();
    const table = page.getByTestId('items-table');
    for (const headline of [
      'Fall Savings Event',
      'Free Installation',
      '0% Financing 12mo',
      'Veterans Day Special',
    ]) {
      await table.getByText(headline).waitFor();
    }
    await page.getByLabel('Status').selectOption('draft');
    await table.getByText('Veterans Day Special').waitFor();
    // The filtered answer replaces the table: the published items leave it (a wait, not a count racing the fetch).
    await table.getByText('Fall Savings Event').waitFor({ state: 'detached' });
    await page.getByLabel('Status').selectOption('');
    await page.getByRole('button', { name: 'New item' }).click();
    await page.getByRole('button', { name: 'Save item' }).click();
    await page.getByTestId('item-form').getByText('is required').first().waitFor();
    await screenshotBothThemes(page, 'demo-1-content');
    await page.getByRole('button', { name: 'Cancel' }).click();

    // Mappings: North gets Free Installation with an override.
    await page.getByRole('link', { name: 'Mappings' }).click();
    const matrix = page.getByTestId('mappings-matrix');
    await matrix.waitFor();
    expect(await page.getByLabel('Free Installation on North').inputValue()).toBe('override');
    expect(await page.getByLabel('Fall Savings Event on South').inputValue()).toBe('block');
    await matrix.getByRole('button', { name: 'cta_text' }).first().waitFor();
    await screenshotBothThemes(page, 'demo-2-mappings');

    // Run sync: log lines stream in (Server-Sent Events, not polling), every site card reaches a final state.
    await page.getByRole('link', { name: 'Syndication' }).click();
    const runReads: { sse: boolean }[] = [];
    page.on('request', (r) => {
      if (/\/api\/v1\/syndication\/runs\/run_/.test(r.url())) {
        runReads.push({ sse: (r.headers().accept ?? '').includes('text/event-stream') });
      }
    });
    await page.getByRole('button', { name: 'Run sync', exact: true }).click();
    await page.getByTestId('run-log').getByText('North: sending').waitFor();
    const cards = page.getByTestId('site-card');
    const final = page.locator(
      '[data-testid="site-card"]:is([data-status="success"], [data-status="failed"])',
    );
    await final.nth(2).waitFor();
    expect(await page.locator('[data-testid="site-card"][data-status="pending"]').count()).toBe(0);
    expect(await cards.count()).toBe(3);
    await page
      .getByTestId('run-log')
      .getByText(/delivered, \d+ unchanged, \d+ failed/)
      .waitFor();
    expect(runReads.filter((r) => r.sse).length).toBeGreaterThanOrEqual(1);
    // One read of the run as JSON when it is picked; everything after came over the stream.
    expect(runReads.filter((r) => !r.sse).length).toBeLessThanOrEqual(2);
    expect(await page.getByTestId('watched-run').textContent()).toContain('manual');
    // North's card: its payload in this run, collapsed until opened, with the override applied.
    const northCard = page.locator('[data-testid="site-card"][data-site="North"]');
    await northCard.getByText('Payload', { exact: true }).click();
    await northCard.getByTestId('payload-preview').getByText('"cta_text": "Call North today"').waitFor();
    await screenshotBothThemes(page, 'demo-3-run');
    // Replay: the exact payload North was last sent goes out again as a new delivery.
    await northCard.getByRole('button', { name: 'Replay payload' }).click();
    await page.getByText('North: last payload queued again').waitFor();

    // North's destination viewer shows its overridden cta_text.
    await page.getByRole('link', { name: 'Sites' }).click();
    const north = page.locator('section', { has: page.getByRole('heading', { name: 'North' }) });
    await north.getByRole('button', { name: 'View what it received' }).click();
    await north.getByText('cta_text: Call North today').waitFor();
    await screenshotBothThemes(page, 'demo-4-north-received');

    // The run is in the history with its duration.
    await page.getByRole('link', { name: 'Syndication' }).click();
    const row = page.getByTestId('run-row').first();
    await row.waitFor();
    expect(await row.getByTestId('run-duration').textContent()).toMatch(/^\d+(\.\d)? m?s$/);
    expect(await row.getByTestId('run-trigger').textContent()).toBe('manual');
    await screenshotBothThemes(page, 'demo-5-history');
    await page.close();
  }, 120_000);
});
