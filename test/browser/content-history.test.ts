/**
 * Content items in a real browser against `datasync start` on a fresh data dir: the table's filters (search,
 * updated range, type), the quick-preview drawer (formatted fields + JSON), an edit, the history with a
 * field-level diff between versions, and restoring the first version as a new one; then the mapping matrix
 * clears a cell back to "not sent". A screenshot of each step, in both themes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotBothThemes, startUi, type UiHarness } from '../helpers/browser.js';

describe('content items, history and mappings in the browser', () => {
  let ui: UiHarness;

  beforeAll(async () => {
    ui = await startUi('content');
  });

  afterAll(() => ui?.close());

  it('filters, previews, diffs and restores an item; clears a mapping cell', async () => {
    const page = await ui.signIn();
    await page.getByRole('link', { name: 'Content' }).click();
    const table = page.getByTestId('items-table');
    await table.getByText('Free Installation').waitFor();
    const rows = page.getByTestId('item-row');
    const rowCount = (n: number) => expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(n);

    // Filters: search (applied by the API), then an updated range that ends before today.
    await page.getByLabel('Search').fill('install');
    await rowCount(1);
    expect(await rows.first().textContent()).toContain('Free Installation');
    await page.getByLabel('Search').fill('');
    await rowCount(4);
    await page.getByLabel('Updated to').fill('2020-01-01');
    await page.getByText('Nothing matches these filters.').waitFor();
    await page.getByLabel('Updated to').fill('');
    const today = new Date().toISOString().slice(0, 10);
    await page.getByLabel('Updated from').fill(today);
    await rowCount(4);
    expect(await page.getByLabel('Type').inputValue()).toBe('offer_banner');
    await screenshotBothThemes(page, 'content-1-filters');

    // Quick preview: formatted fields and the JSON.
    await table.getByText('Free Installation').click();
    const drawer = page.getByTestId('item-drawer');
    await drawer.waitFor();
    const preview = drawer.getByTestId('item-preview');
    await preview.locator('[data-field="cta_text"]').getByText('Book now').waitFor();
    // The start date is formatted for people, not shown as stored.
    const start = await preview.locator('[data-field="start_date"] dd').textContent();
    expect(start).not.toBe('2026-10-15');
    expect(start).toMatch(/2026/);
    expect(await preview.locator('[data-field="end_date"] dd').textContent()).toBe('—');
    expect(JSON.parse((await drawer.getByTestId('item-json').textContent())!)).toMatchObject({
      headline: 'Free Installation',
      cta_text: 'Book now',
    });
    await screenshotBothThemes(page, 'content-2-preview');

    // Edit: a new call to action.
    await drawer.getByRole('button', { name: 'Edit' }).click();
    const form = page.getByTestId('item-form');
    await form.getByLabel('Call to action *').fill('Book today');
    await form.getByRole('button', { name: 'Save item' }).click();
    await form.waitFor({ state: 'detached' });
    await table.getByText('v2').waitFor();

    // History: two versions, the diff names the changed field with both values.
    await table.getByText('Free Installation').click();
    await drawer.getByRole('button', { name: 'History' }).click();
    const revisions = drawer.getByTestId('revision');
    await drawer.locator('[data-testid="revision"][data-version="2"]').waitFor();
    expect(await revisions.count()).toBe(2);
    expect(await drawer.locator('[data-version="1"]').textContent()).toContain('demo seed');
    expect(await drawer.locator('[data-version="2"]').textContent()).toContain(ui.login.email);
    const diff = drawer.getByTestId('revision-diff');
    const changed = diff.locator('[data-field="cta_text"][data-change="changed"]');
    await changed.waitFor();
    expect(await changed.textContent()).toContain('Book now');
    expect(await changed.textContent()).toContain('Book today');
    expect(await diff.locator('tbody tr').count()).toBe(1);
    await screenshotBothThemes(page, 'content-3-history');

    // Restore version 1: it becomes version 3 and the preview shows the old text again.
    await drawer.getByRole('button', { name: 'Restore version 1' }).click();
    await drawer.locator('[data-testid="revision"][data-version="3"]').waitFor();
    expect(await drawer.locator('[data-version="3"]').textContent()).toContain('restored from v1');
    // The diff follows: v2 → v3 puts the old call to action back.
    const back = diff.locator('[data-field="cta_text"]');
    await back.getByText('Book today').waitFor();
    await drawer.getByRole('button', { name: 'Preview', exact: true }).click();
    await drawer
      .getByTestId('item-preview')
      .locator('[data-field="cta_text"]')
      .getByText('Book now')
      .waitFor();
    await screenshotBothThemes(page, 'content-4-restored');
    await drawer.getByRole('button', { name: 'Close preview' }).click();

    // Mappings: West's Free Installation cell is cleared back to "not sent", and stays so after a reload.
    await page.getByRole('link', { name: 'Mappings' }).click();
    const cell = page.getByLabel('Free Installation on West');
    await cell.waitFor();
    expect(await cell.inputValue()).toBe('full');
    await cell.selectOption('');
    await page.waitForResponse((r) => r.url().endsWith('/api/v1/mappings') && r.request().method() === 'GET');
    await page.reload();
    await page.getByLabel('Free Installation on West').waitFor();
    expect(await page.getByLabel('Free Installation on West').inputValue()).toBe('');
    await screenshotBothThemes(page, 'content-5-mapping-cleared');

    // The override editor holds only the overridden fields, and the type's rules apply to them.
    const northCell = page.locator(
      '[data-testid="mapping-cell"][data-site="North"][data-item="Free Installation"]',
    );
    await northCell.getByRole('button', { name: 'cta_text' }).click();
    const editor = northCell.getByTestId('override-editor');
    expect(await editor.locator('input[name]').count()).toBe(1);
    await editor.locator('input[name="cta_text"]').fill('x'.repeat(41));
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.getByText(/40/).waitFor();
    await editor.locator('input[name="cta_text"]').fill('Call North now');
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.waitFor({ state: 'detached' });
    await screenshotBothThemes(page, 'content-6-override');

    // Bulk: a row to full, then the same item blocked everywhere.
    const row = page.locator('tr', { has: page.getByText('Veterans Day Special', { exact: true }) });
    await row.getByRole('button', { name: 'set row to full' }).click();
    for (const site of ['North', 'South', 'West']) {
      await expect
        .poll(() => page.getByLabel(`Veterans Day Special on ${site}`).inputValue(), { timeout: 10_000 })
        .toBe('full');
    }
    await row.getByRole('button', { name: 'block everywhere' }).click();
    for (const site of ['North', 'South', 'West']) {
      await expect
        .poll(() => page.getByLabel(`Veterans Day Special on ${site}`).inputValue(), { timeout: 10_000 })
        .toBe('block');
    }
    // And the override survived, as saved.
    await page.reload();
    await page
      .locator('[data-testid="mapping-cell"][data-site="North"][data-item="Free Installation"]')
      .getByRole('button', { name: 'cta_text' })
      .waitFor();
    await page.close();
  }, 120_000);
});
